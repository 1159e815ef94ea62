"""Results page: cached reads of the run store, the charts, and the page's sections.

The page file calls `show_results()`. Everything computed lives in workbench/results.py; this
module caches it, draws it and turns problems into messages. Predictions are cached by run id
(and finish time), so a page over ~100 runs rereads nothing on a rerun.
"""

from __future__ import annotations

import traceback
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from workbench import results
from workbench.data import get_info, kept, list_datasets
from workbench.errors import WorkbenchError
from workbench.jobs import ACTIVE, Job
from workbench.metrics import threshold_note
from workbench.specs import example_split
from workbench.store import RunRecord, Store
from workbench.ui.jobs_panel import job_panel, job_queue
from workbench.ui.rerun_box import rerun_controls
from workbench.ui.dataset_names import dataset_notice, picker_label, removed_title, yours_first
from workbench.ui.state import cached_store, current_store

DEFAULT_DATASET = "california-housing"
OWN_ROWS = "own"
MAX_SCOPES = 3  # shared-row choices offered besides "each run's own rows"
MAX_AUC_ROWS = 40  # runs drawn in the AUC chart (the best ones)
MAX_DISAGREEMENT_ROWS = 1_000
FAMILY_COLORS = {
    "zero-shot": "#F59E0B",
    "few-shot": "#10B981",
    "fine-tuned": "#4F46E5",
    "baseline": "#6B7280",
}
BASELINE_COLORS = {"logistic regression": "#0EA5E9", "XGBoost": "#EF4444"}
SERIES_COLORS = ("#4F46E5", "#10B981", "#F59E0B", "#A855F7", "#EC4899", "#84CC16", "#14B8A6")
REFERENCE_COLOR = "#9CA3AF"
REFERENCE_SYMBOLS = ("circle-open", "diamond-open", "square-open")
CHART_HEIGHT = 420
PLOTLY_CONFIG = {"displaylogo": False}


# --- cached store reads --------------------------------------------------------------------------


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


# --- charts (pure: figures from tables) ----------------------------------------------------------


def _style(figure: go.Figure, height: int = CHART_HEIGHT) -> go.Figure:
    figure.update_layout(
        height=height, margin=dict(l=10, r=10, t=30, b=10), template="plotly_white",
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
    )
    return figure


def _error_bars(table: pd.DataFrame) -> dict:
    high = (table["AUC high"] - table["AUC"]).fillna(0).clip(lower=0)
    low = (table["AUC"] - table["AUC low"]).fillna(0).clip(lower=0)
    return dict(type="data", symmetric=False, array=high.tolist(), arrayminus=low.tolist())


def auc_figure(table: pd.DataFrame) -> go.Figure:
    """AUC of each run with its 95% interval, best at the top, coloured by method family."""
    shown = table.dropna(subset=["AUC"]).head(MAX_AUC_ROWS)
    figure = go.Figure()
    for family in results.FAMILIES:
        part = shown[shown["family"] == family]
        if part.empty:
            continue
        figure.add_trace(go.Scatter(
            x=part["AUC"], y=part["label"], mode="markers", name=family,
            marker=dict(color=FAMILY_COLORS[family], size=11),
            error_x=_error_bars(part) | {"color": FAMILY_COLORS[family], "thickness": 1.5},
            customdata=np.stack([part["AUC (95% CI)"], part["test rows"], part["n test"]], axis=1),
            hovertemplate="%{y}<br>AUC %{customdata[0]}<br>%{customdata[1]} (%{customdata[2]} "
                          "scored)<extra></extra>",
        ))
    figure.add_vline(x=0.5, line_dash="dot", line_color=REFERENCE_COLOR,
                     annotation_text="chance", annotation_position="bottom right")
    figure.update_yaxes(categoryorder="array", categoryarray=shown["label"].tolist()[::-1],
                        title=None)
    figure.update_xaxes(title="test AUC (95% interval)")
    return _style(figure, max(260, 30 * len(shown) + 120))


def _series_colors(names: list[str]) -> dict[str, str]:
    others = iter(SERIES_COLORS * 10)
    return {name: BASELINE_COLORS.get(name) or next(others) for name in names}


def shots_figure(points: pd.DataFrame, reference: pd.DataFrame) -> go.Figure:
    """AUC against labelled training rows, one line per series; the x axis is categorical
    (0, 4, 16, ... all) so that 0 shots has a place and powers of 4 are evenly spaced."""
    figure = go.Figure()
    colors = _series_colors(list(dict.fromkeys(points["series"])))
    for series, part in points.groupby("series", sort=False):
        is_baseline = (part["family"] == "baseline").all()
        figure.add_trace(go.Scatter(
            x=part["x"], y=part["AUC"], mode="lines+markers", name=series,
            line=dict(color=colors[series], width=2, dash="solid" if not is_baseline else "dot"),
            marker=dict(size=9, symbol="square" if is_baseline else "circle"),
            error_y=_error_bars(part) | {"color": colors[series], "thickness": 1.2},
            customdata=np.stack([part["band"], part["runs"]], axis=1),
            hovertemplate=f"{series}<br>n train %{{x}}: AUC %{{y:.3f}}<br>bars: %{{customdata[0]}}"
                          "<extra></extra>",
        ))
    for symbol, (series, part) in zip(REFERENCE_SYMBOLS, reference.groupby("series", sort=False)):
        figure.add_trace(go.Scatter(
            x=part["x"], y=part["AUC"], mode="lines+markers",
            name=f"{series} (REFERENCES.md)",
            line=dict(color=REFERENCE_COLOR, width=1, dash="dash"),
            marker=dict(color=REFERENCE_COLOR, size=9, symbol=symbol),
            hovertemplate=f"{series}<br>n train %{{x}}: AUC %{{y:.3f}} (REFERENCES.md)"
                          "<extra></extra>",
        ))
    figure.add_hline(y=0.5, line_dash="dot", line_color=REFERENCE_COLOR)
    figure.update_xaxes(type="category", categoryorder="array",
                        categoryarray=results.x_order(points, reference),
                        title="labelled training rows (shots for prompting)")
    figure.update_yaxes(title="test AUC")
    return _style(figure)


def roc_figure(curves: dict[str, dict], labels: dict[str, str]) -> go.Figure:
    figure = go.Figure()
    figure.add_trace(go.Scatter(
        x=[0, 1], y=[0, 1], mode="lines", name="chance",
        line=dict(color=REFERENCE_COLOR, dash="dot"), hoverinfo="skip",
    ))
    colors = iter(SERIES_COLORS * 10)
    for run_id, curve in curves.items():
        auc = f"AUC {curve['auc']:.3f}" if curve["auc"] is not None else "no AUC"
        figure.add_trace(go.Scatter(
            x=curve["fpr"], y=curve["tpr"], mode="lines", name=f"{labels[run_id]} ({auc})",
            line=dict(color=next(colors), width=2),  # linear: ties are diagonal segments
        ))
    figure.update_xaxes(title="false positive rate", range=[0, 1])
    figure.update_yaxes(title="true positive rate", range=[0, 1.01])
    _style(figure, 460)
    # Inside the plot, bottom right: the corner a ROC curve never reaches.
    figure.update_layout(legend=dict(orientation="v", yanchor="bottom", y=0.02, xanchor="right",
                                     x=0.99, bgcolor="rgba(255,255,255,0.8)"))
    return figure


# --- what is compared ----------------------------------------------------------------------------


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


def dataset_title(name: str) -> str:
    try:
        info = get_info(name)
    except Exception:  # noqa: BLE001 - a run on a data set this version does not register, or a removed one
        return removed_title(name)
    return picker_label(info, info.title)


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


def _baselines_job(dataset: str) -> Job | None:
    """The latest "Run baselines" job for this data set: any session's while it is active,
    this session's own once it has ended."""
    title = f"Run baselines: {dataset_title(dataset)}"
    mine = st.session_state.get(f"results_baselines_job_{dataset}")
    for job in job_queue().jobs():
        if job.title == title and (job.status in ACTIVE or job.id == mine):
            return job
    return None


def baseline_controls(dataset: str, records: list[RunRecord], store: Store) -> None:
    """One click: logistic regression and XGBoost at each size of the grid, in the background."""
    if kept.kept_problem(dataset) or (kept.looks_kept(dataset) and kept.find_kept(dataset) is None):
        st.caption("**Run baselines** needs the data set's rows, which are gone (see above).")
        return
    data = results.baseline_split(records, dataset)
    specs = results.baseline_specs(data, train_rows=results.training_rows(data))
    job = _baselines_job(dataset)
    busy = job is not None and job.status in ACTIVE
    sizes = ", ".join(dict.fromkeys(
        "all" if s.data.n_train is None else f"{s.data.n_train:,}" for s in specs))
    left, right = st.columns([1, 3], vertical_alignment="center")
    clicked = left.button(
        "Run baselines", key=f"results_run_baselines_{dataset}", disabled=busy, icon="▶️",
        help="Runs already in the store are reused, so a second click is instant.",
    )
    methods = list(results.baseline_labels(dataset).values())
    named = ", ".join(methods[:-1]) + f" and {methods[-1]}"
    if data.test_file:
        split = f"training file {Path(data.train_file or '').name}, test file {Path(data.test_file).name}"
    else:
        split = (f"seed {data.split_seed}, {data.test_fraction:.0%} test, "
                 f"{'stratified' if data.stratify else 'not stratified'}")
    right.caption(
        f"{named[:1].upper()}{named[1:]} on {sizes} training rows: {len(specs)} runs on the split "
        f"the language-model runs use ({split}), scored on the whole test split."
    )
    if clicked and not busy:
        root = store.root

        def work(progress, should_stop):
            return results.run_baselines(specs, Store(root), progress, should_stop)

        job = job_queue().submit(f"Run baselines: {dataset_title(dataset)}", work)
        st.session_state[f"results_baselines_job_{dataset}"] = job.id
    if job is not None:
        job_panel(job, key=f"results-baselines-{dataset}")
        snapshot = job.snapshot()
        if snapshot["status"] == "done" and snapshot["result"]:
            st.success(results.counts_sentence(snapshot["result"]) + ".")


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
    from workbench.ui.explorer import cached_dataset  # the explorer's shared copy of the frame

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


def show_results() -> None:
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
