"""Results page: its sections, each drawn on its own (one that fails says so in its place).

The page file calls `show_page()`. Everything computed lives in workbench/results/; the cached
reads and the choice of rows compared are results_scope.py, the charts results_charts.py, "Run
baselines" results_baselines.py.
"""

from __future__ import annotations

import traceback
from collections import Counter
from typing import Callable

import pandas as pd
import streamlit as st

from workbench import results
from workbench.data import list_datasets
from workbench.errors import WorkbenchError
from workbench.metrics import threshold_note
from workbench.specs import example_split
from workbench.store import RunRecord, Store
from workbench.ui.chart_style import PLOTLY_CONFIG
from workbench.ui.dataset_names import dataset_notice, dataset_title, yours_first
from workbench.ui.rerun_box import rerun_controls
from workbench.ui.results_baselines import baseline_controls
from workbench.ui.results_charts import MAX_AUC_ROWS, auc_figure, roc_figure, shots_figure
from workbench.ui.results_scope import CachedSource, Scope, cached_most_different_pair, choose_scope
from workbench.ui.state import current_store

DEFAULT_DATASET = "california-housing"
MAX_DISAGREEMENT_ROWS = 1_000


# --- sections ------------------------------------------------------------------------------------


def _guarded(section: Callable[..., None], *args) -> None:
    """A section that fails says so in its place; the rest of the page still draws."""
    try:
        section(*args)
    except WorkbenchError as error:
        st.error(str(error))
    except Exception as error:  # noqa: BLE001 - a bug or a file we did not foresee: a message, not a traceback
        st.error(f"This section could not be drawn: {type(error).__name__}: {error}")
        with st.expander("Technical details"):
            st.code(traceback.format_exc())


def choose_dataset(records: list[RunRecord], store: Store) -> str:
    """Data sets with runs first (most runs first), then the others; California by default.
    Labels are titles only: they must stay the same when runs are added."""
    counts = Counter(record.dataset for record in records)
    registered = [info.name for info in yours_first(list_datasets())]
    with_runs = [name for name, _ in counts.most_common()]
    names = with_runs + [name for name in registered if name not in counts]
    default = names.index(DEFAULT_DATASET) if DEFAULT_DATASET in names else 0
    name = st.selectbox("Data set", names, index=default, format_func=dataset_title,
                        key="results_dataset")
    if counts:
        per_set = ", ".join(f"{dataset_title(n)} {c}" for n, c in counts.most_common(6))
        st.caption(f"Stored runs per data set: {per_set}. Store: `{store.root}`.")
    else:
        st.caption(f"No runs stored yet in `{store.root}` (set WORKBENCH_RUNS to read another).")
    return name


def _cli_commands(dataset: str) -> str:
    if dataset == DEFAULT_DATASET:
        return "\n".join([
            "python -m workbench run assets/specs/california-zero-shot.yaml --set n_test=200",
            "python -m workbench run assets/specs/california-few-shot.yaml --set n_test=200",
            "python -m workbench run assets/specs/california-logreg.yaml",
            "python -m workbench run assets/specs/california-xgboost.yaml",
        ])
    # The California specs carry the seed notebook's unstratified split: set the data set's own.
    split = {"stratify": True, "test_fraction": 0.2, "split_seed": 42, **example_split(dataset)}
    sets = " ".join(f"--set data.{name}={str(split[name]).lower()}"
                    for name in ("split_seed", "test_fraction", "stratify"))
    return "\n".join(f"python -m workbench run assets/specs/california-{method}.yaml "
                     f"--set dataset={dataset} {sets}" for method in ("logreg", "xgboost"))


def show_empty(dataset: str, records: list[RunRecord], store: Store) -> None:
    st.info(
        f"No runs for **{dataset_title(dataset)}** yet. Create some from the command line (the "
        "Prompt templates page stores its zero-shot and few-shot runs here too), or click "
        "**Run baselines** for logistic regression and XGBoost.", icon="🏁",
    )
    st.code(_cli_commands(dataset), language="bash")
    baseline_controls(dataset, records, store)


def metric_cards(table: pd.DataFrame) -> None:
    columns = st.columns(4)
    ranked = table.dropna(subset=["AUC"])
    _best_card(columns[0], "Best AUC", ranked)
    _best_card(columns[1], "Best language model", ranked[ranked["family"] != "baseline"])
    _best_card(columns[2], "Best baseline", ranked[ranked["family"] == "baseline"])
    columns[3].metric("Runs compared", f"{len(table):,}", border=True,
                      help="Finished runs in the table below.")


def _best_card(column, title: str, ranked: pd.DataFrame) -> None:
    if ranked.empty:
        column.metric(title, "-", border=True, help="No run of this kind yet.")
        return
    best = ranked.iloc[0]
    column.metric(title, f"{best['AUC']:.3f}", delta=best["method"], delta_color="off",
                  delta_arrow="off", border=True,
                  help=f"{best['label']} · AUC {best['AUC (95% CI)']} · {best['test rows']}")


def leaderboard_section(table: pd.DataFrame, scope: Scope, dataset: str) -> None:
    st.subheader("Leaderboard")
    st.caption(scope.description)
    st.dataframe(
        table, hide_index=True, key=f"results_table_{dataset}", height="content",
        column_order=[c for c in results.LEADERBOARD_COLUMNS if c not in ("AUC low", "AUC high")],
        column_config={
            "label": st.column_config.TextColumn("run", width="medium"),
            "AUC": st.column_config.ProgressColumn("AUC", format="%.3f", min_value=0.0,
                                                   max_value=1.0),
            "AUC (95% CI)": st.column_config.TextColumn(
                "AUC [95% CI]", help="Bootstrap 95% interval over the test rows."),
            "accuracy": st.column_config.NumberColumn(format="%.3f"),
            "F1": st.column_config.NumberColumn(format="%.3f"),
            "Brier": st.column_config.NumberColumn(format="%.3f", help="Lower is better."),
            "seconds": st.column_config.NumberColumn(
                format="%.1f", help="Training and prediction, or scoring the test rows; without "
                                    "loading data or the model."),
            "trainable parameters": st.column_config.NumberColumn(format="localized"),
            "test rows": st.column_config.TextColumn(
                help="The split and sample a run was scored on: runs with the same text share "
                     "their test rows."),
            "n test": st.column_config.NumberColumn(help="Rows these metrics are computed on."),
            "rescored": st.column_config.CheckboxColumn(
                help="Scored on more rows; the numbers shown are recomputed on the shared rows."),
            "created": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
            "run": st.column_config.TextColumn("run id"),
        },
    )
    threshold_notes(table, scope)
    st.download_button(
        "Download the table (CSV)", table.to_csv(index=False).encode(), icon="⬇️",
        file_name=f"results-{dataset}.csv", mime="text/csv", key=f"results_csv_{dataset}",
        on_click="ignore",
    )


def threshold_notes(table: pd.DataFrame, scope: Scope) -> None:
    """Runs whose accuracy trails their AUC because their answers lean to one class."""
    by_id = {record.id: record for record in scope.records}
    labels = dict(zip(table["run"], table["label"]))
    notes = {}
    for run_id in table["run"]:
        test = scope.rescored.get(run_id) or by_id[run_id].metrics.get("test", {})
        note = threshold_note(test)
        if note:
            notes[run_id] = note
    if not notes:
        return
    with st.expander(f"⚖️ Why accuracy trails AUC for {len(notes)} run(s)"):
        for run_id, note in notes.items():
            st.markdown(f"**{labels[run_id]}**: {note}")


def auc_section(table: pd.DataFrame) -> None:
    st.subheader("AUC of every run")
    st.plotly_chart(auc_figure(table), config=PLOTLY_CONFIG, key="results_auc_chart")
    shown = min(len(table.dropna(subset=["AUC"])), MAX_AUC_ROWS)
    more = f" The {MAX_AUC_ROWS} best of {len(table)} runs are drawn." if len(table) > shown else ""
    st.caption("Each point is one run with its bootstrap 95% interval; colour is the method "
               f"family. The dotted line is chance (AUC 0.5).{more}")


def shots_section(scope: Scope, dataset: str, records: list[RunRecord], store: Store) -> None:
    st.subheader("Shots curve")
    points = results.shots_curve(scope.records, scope.rescored)
    reference = results.reference_points(dataset)
    if points.empty:
        st.info("No run with an AUC to draw yet.")
    else:
        st.plotly_chart(shots_figure(points, reference), config=PLOTLY_CONFIG,
                        key="results_shots_chart")
        notes = ["AUC against the labelled rows each method learnt from: shots for zero-shot and "
                 "few-shot prompting, training rows for fine-tuning and the baselines. Bars: the "
                 "95% interval of one run, or the range when several runs share a point."]
        if len(reference):
            notes.append("Gray dashed: the reference numbers of REFERENCES.md "
                         f"({results.REFERENCE_NOTES[dataset]}).")
        st.caption(" ".join(notes))
    if not any(r.kind == "baseline" for r in scope.records):
        st.caption("No baseline runs yet: **Run baselines** fills their side of the curve.")
    baseline_controls(dataset, records, store)


def roc_section(table: pd.DataFrame, scope: Scope, source: CachedSource, dataset: str) -> None:
    st.subheader("ROC curves")
    labels = dict(zip(table["run"], table["label"]))
    chosen = st.multiselect(
        "Runs", list(labels), default=results.best_runs(table), format_func=labels.__getitem__,
        key=f"results_roc_{dataset}", max_selections=8,
        help="By default the best run of each method.",
    )
    if not chosen:
        st.caption("Pick runs to draw their ROC curves.")
        return
    curves = {}
    for run_id in chosen:  # one unreadable run costs its own curve only
        try:
            curves.update(results.roc_curves(source, [run_id], scope.row_ids))
        except WorkbenchError as error:
            st.warning(str(error))
    if not curves:
        return
    st.plotly_chart(roc_figure(curves, labels), config=PLOTLY_CONFIG, key="results_roc_chart")
    rows = "the shared test rows" if scope.row_ids is not None else "each run's own test rows"
    st.caption(f"True against false positive rate as the threshold moves, on {rows}.")


def _default_pair(table: pd.DataFrame, source: CachedSource) -> tuple[str, str]:
    """The two runs that disagree most (of the best few); else the best language-model run
    against the best baseline, else the two best runs."""
    ranked = tuple((run_id, source.finished.get(run_id)) for run_id in table["run"])
    pair = cached_most_different_pair(source.root, ranked, source)
    if pair is not None:
        return pair
    models = table[table["family"] != "baseline"]["run"].tolist()
    baselines = table[table["family"] == "baseline"]["run"].tolist()
    if models and baselines:
        return models[0], baselines[0]
    runs = table["run"].tolist()
    return runs[0], runs[1]


def disagreement_section(
    table: pd.DataFrame, every: pd.DataFrame, source: CachedSource, dataset: str
) -> None:
    st.subheader("Where two runs disagree")
    if len(every) < 2:
        st.caption("Needs two finished runs.")
        return
    labels = dict(zip(every["run"], every["label"]))
    first, second = _default_pair(table if len(table) >= 2 else every, source)
    runs = list(labels)
    left, right = st.columns(2)
    run_a = left.selectbox("Run A", runs, index=runs.index(first), format_func=labels.__getitem__,
                           key=f"results_run_a_{dataset}")
    run_b = right.selectbox("Run B", runs, index=runs.index(second),
                            format_func=labels.__getitem__, key=f"results_run_b_{dataset}")
    if run_a == run_b:
        st.info("Pick two different runs.")
        return
    try:
        found = results.disagreements(source, run_a, run_b)
    except results.NoSharedRowsError as error:
        st.warning(str(error))
        return
    st.markdown(f"**A** and **B** {found.summary()}.")
    if not found.count:
        st.caption("The two runs predict the same label on every shared row.")
        return
    rows, note = _rows_with_features(found.rows, dataset)
    if len(rows) > MAX_DISAGREEMENT_ROWS:
        note += f" The first {MAX_DISAGREEMENT_ROWS:,} of {len(rows):,} rows are shown."
    st.dataframe(rows.head(MAX_DISAGREEMENT_ROWS), hide_index=True, height=320,
                 key=f"results_disagreements_{dataset}")
    st.caption("Rows where the predicted labels differ, with each run's probability and which "
               f"run was right; the data set's columns follow.{note}")


def _rows_with_features(rows: pd.DataFrame, dataset: str) -> tuple[pd.DataFrame, str]:
    from workbench.ui.data_explorer_page import cached_dataset  # the explorer's shared copy of the frame

    try:
        loaded = cached_dataset(dataset)
        return results.with_features(rows, loaded.frame, loaded.info.label_column), ""
    except WorkbenchError as error:
        return rows, f" The data set's columns cannot be shown: {error}"
    except Exception as error:  # noqa: BLE001 - e.g. a data set read from a file the page does not have
        return rows, f" The data set's columns cannot be shown ({type(error).__name__})."


def details_section(records: list[RunRecord], dataset: str, ranked: list[str] = ()) -> None:
    """The spec, notes and error of one run; the best run first, then unfinished runs."""
    with st.expander("Run details: spec, notes, errors; run it again"):
        order = {run_id: position for position, run_id in enumerate(ranked)}
        records = sorted(records, key=lambda r: (order.get(r.id, len(order)), -r.created_at))
        names = results.run_labels(records)
        labels = {record.id: f"{names[record.id]} ({record.status})" for record in records}
        run_id = st.selectbox("Run", list(labels), format_func=labels.__getitem__,
                              key=f"results_details_{dataset}")
        record = next(r for r in records if r.id == run_id)
        if record.error:
            st.error(results.first_paragraph(record.error))
            if record.error.strip() != results.first_paragraph(record.error):
                st.code(record.error, language=None)
        for note in record.metrics.get("notes") or []:
            st.caption(f"Note: {note}")
        st.caption(f"Folder: `{record.folder}`")
        rerun_controls(record, key=f"results_{record.id}")


def damaged_files_notice(store: Store, records: list[RunRecord]) -> None:
    """Runs whose folder no longer backs their record (files deleted or damaged): named, with
    what is wrong. Their numbers come from the index; their row-level views cannot be drawn."""
    damaged = results.damaged_runs(store, records)
    if not damaged:
        return
    with st.expander(f"⚠️ {len(damaged)} run(s) with missing or damaged files", expanded=True):
        for message in damaged.values():
            st.warning(message)
        st.caption("The leaderboard keeps their numbers from the run index; run them again "
                   "(or delete them) to get their files back.")


def other_runs_section(records: list[RunRecord]) -> None:
    others = results.other_runs(records)
    if others.empty:
        return
    st.subheader("Runs not in the table")
    st.dataframe(
        others, hide_index=True, key="results_other_runs",
        column_config={
            "created": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
            "reason": st.column_config.TextColumn(width="large"),
        },
    )
    st.caption("Failed, cancelled or interrupted runs with their reason, and runs still going.")


# --- the page ------------------------------------------------------------------------------------


def show_page() -> None:
    try:
        store = current_store()
        store.reconcile()  # a run whose process died is "interrupted", not "running" forever
        records = store.list()
    except Exception as error:  # noqa: BLE001 - an unreadable store folder or index
        st.error(f"The run store cannot be read: {type(error).__name__}: {error}")
        return
    dataset = choose_dataset(records, store)
    _guarded(dataset_notice, dataset)
    _guarded(show_dataset_results, dataset, records, store)


def show_dataset_results(dataset: str, records: list[RunRecord], store: Store) -> None:
    mine = [record for record in records if record.dataset == dataset]
    if not mine:
        show_empty(dataset, records, store)
        return
    damaged_files_notice(store, mine)
    complete = [record for record in mine if results.is_complete(record)]
    if not complete:
        st.info(f"No finished runs for **{dataset_title(dataset)}** yet.")
        baseline_controls(dataset, records, store)
        other_runs_section(mine)
        details_section(mine, dataset)
        return
    source = CachedSource(store, complete)
    scope = choose_scope(store, complete, source, dataset)
    table = results.leaderboard(scope.records, scope.rescored)
    every = table if not scope.left_out else results.leaderboard(complete)
    metric_cards(table)
    _guarded(leaderboard_section, table, scope, dataset)
    _guarded(auc_section, table)
    _guarded(shots_section, scope, dataset, records, store)
    _guarded(roc_section, table, scope, source, dataset)
    _guarded(disagreement_section, table, every, source, dataset)
    other_runs_section(mine)
    details_section(mine, dataset, every["run"].tolist())
