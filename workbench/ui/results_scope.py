"""What the Results page compares: cached reads of the run store (predictions by run id and
finish time, so a page over ~100 runs rereads nothing on a rerun), and the choice of the test
rows the runs are compared on."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

from workbench import results
from workbench.errors import WorkbenchError
from workbench.store import RunRecord, Store
from workbench.ui.state import cached_store

OWN_ROWS = "own"
MAX_SCOPES = 3  # shared-row choices offered besides "each run's own rows"


@st.cache_data(max_entries=512, show_spinner=False)
def cached_predictions(root: str, run_id: str, finished_at: float | None) -> pd.DataFrame:
    """A run's predictions file; `finished_at` keys it so a rerun run is read again. Errors are
    not cached (a file fixed later is read then)."""
    return cached_store(root).predictions(run_id)


class CachedSource:
    """The store's predictions through the page cache: what workbench.results reads from."""

    def __init__(self, store: Store, records: list[RunRecord]):
        self.root = str(store.root)
        self.finished = {record.id: record.finished_at for record in records}

    def predictions(self, run_id: str) -> pd.DataFrame:
        return cached_predictions(self.root, run_id, self.finished.get(run_id))


@st.cache_resource(max_entries=16, show_spinner=False)
def cached_test_sets(
    root: str, signature: tuple, _source: CachedSource
) -> tuple[list[results.TestSet], dict[str, str]]:
    """Test sets of the finished runs named by `signature` ((run id, finish time), ...); one
    shared read-only copy."""
    row_ids, problems = results.row_ids_by_run(_source, [run_id for run_id, _ in signature])
    return results.test_sets(row_ids), problems


@st.cache_resource(max_entries=16, show_spinner=False)
def cached_most_different_pair(
    root: str, ranked: tuple, _source: CachedSource
) -> tuple[str, str] | None:
    """results.most_different_pair of the runs named by `ranked` ((run id, finish time), ... in
    leaderboard order): it joins up to 28 pairs of prediction files, too slow for every rerun."""
    return results.most_different_pair(_source, [run_id for run_id, _ in ranked])


@st.cache_data(max_entries=1024, show_spinner=False)
def cached_rescore(
    root: str, run_id: str, finished_at: float | None, rows_key: str, _row_ids: np.ndarray,
    _source: CachedSource,
) -> dict:
    return results.score_rows(results.read_predictions(_source, run_id), _row_ids)


@dataclass
class Scope:
    """The runs the sections compare and on which rows."""

    records: list[RunRecord]
    rescored: dict[str, dict]  # run id -> metrics on the shared rows
    row_ids: np.ndarray | None  # the shared rows; None: each run on its own rows
    description: str
    left_out: list[RunRecord]


def _signature(records: list[RunRecord]) -> tuple:
    return tuple(sorted((record.id, record.finished_at) for record in records))


def _scope_label(test_set: results.TestSet, by_id: dict[str, RunRecord]) -> str:
    """"The same 200 test rows (8 runs)": the technical description is in the table."""
    return f"The same {test_set.size:,} test rows ({len(test_set.covering)} runs)"


def choose_scope(
    store: Store, complete: list[RunRecord], source: CachedSource, dataset: str
) -> Scope:
    """Which rows the runs are compared on: the rows most runs share (runs scored on more rows
    are rescored from their predictions), or each run's own rows."""
    sets, problems = cached_test_sets(str(store.root), _signature(complete), source)
    if problems:
        title = f"⚠️ {len(problems)} run(s) cannot be compared row by row"
        with st.expander(title, expanded=True):
            for message in problems.values():
                st.warning(message)
    by_id = {record.id: record for record in complete}
    if len(sets) == 1 and not problems:
        only = sets[0]
        return Scope(complete, {}, only.row_ids,
                     f"All {len(complete)} runs scored the same {only.size:,} test rows.", [])
    choices = {s.key: s for s in sets if len(s.covering) >= 2}
    choices = dict(list(choices.items())[:MAX_SCOPES])
    labels = {}
    for key, test_set in choices.items():
        label = _scope_label(test_set, by_id)
        # The browser sends the label back, so two sets need two labels.
        if label in labels.values():
            label = f"{label}: {results.test_rows_label(by_id[test_set.exact[0]])}"
        labels[key] = label if label not in labels.values() else f"{label} ({key[:6]})"
    labels[OWN_ROWS] = "Each run's own test rows"
    picked = st.radio(
        "Compare runs on", list(labels), format_func=labels.__getitem__, horizontal=True,
        key=f"results_scope_{dataset}",
        help="Numbers of two runs compare only on the same test rows. Runs scored on more rows "
             "(baselines score the whole test split) are rescored on the shared rows from their "
             "stored probabilities.",
    )
    if picked == OWN_ROWS:
        return Scope(complete, {}, None,
                     "Each run on its own test rows: runs with different 'test rows' were scored "
                     "on different rows, so compare their numbers with care.", [])
    chosen = choices[picked]
    rescored, failed = {}, []
    for run_id in chosen.rescored:
        try:
            rescored[run_id] = cached_rescore(str(store.root), run_id, by_id[run_id].finished_at,
                                              chosen.key, chosen.row_ids, source)
        except WorkbenchError as error:
            st.warning(f"Run {run_id} cannot be rescored on the shared rows: {error}")
            failed.append(run_id)
    inside = [by_id[run_id] for run_id in chosen.covering if run_id not in failed]
    kept = {record.id for record in inside}
    left_out = [record for record in complete if record.id not in kept]
    text = f"{len(inside)} runs compared on the same {chosen.size:,} test rows"
    if rescored:
        text += (f"; {len(rescored)} of them scored more rows (e.g. the whole test split) and are "
                 "rescored here on these rows (column 'rescored')")
    if left_out:
        text += f". {len(left_out)} run(s) scored other rows and are not shown"
    return Scope(inside, rescored, chosen.row_ids, text + ".", left_out)
