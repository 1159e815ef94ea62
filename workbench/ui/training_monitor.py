"""Training page, after launch: the live panel of every queued or running fine-tuning run, the
recent runs, and one run opened in detail (metrics, curves, why it failed, what it kept).

Runs are read from the store, so runs started from the command line or another browser tab show
too. While any run is active, a fragment redraws the live panel every second without rerunning the
page; when the last one ends it reruns the page once, which stops the polling (STREAMLIT.md).
"""

from __future__ import annotations

import streamlit as st

from workbench.metrics import threshold_note
from workbench.results import first_paragraph
from workbench.store import ACTIVE_STATUSES, RunNotFoundError, RunRecord, Store
from workbench.supervisor import CANCEL_FILE, log_tail
from workbench.ui import training_runs as runs
from workbench.ui.reproduce_box import reproduce_box, stored_spec
from workbench.ui.run_state import run_supervisor
from workbench.ui.state import current_store
from workbench.ui.chart_style import PLOTLY_CONFIG
from workbench.ui.training_charts import history_figure
from workbench.ui.training_launch import OPENED
from workbench.ui.try_it_box import try_it_box
from workbench.units import count_text, duration_text, number_text, short_duration_text

RECENT = 20
_CANCEL_ASKED = "tr_cancel_asked"  # run ids this session asked to cancel
_ACTION_ERROR = "tr_action_error"
RESULTS_PAGE = "pages/4_Results.py"


def active_runs(store: Store) -> list[RunRecord]:
    active = store.list(status="running") + store.list(status="queued")
    return runs.fine_tuning(active)


# --- the live panel ------------------------------------------------------------------------------


def live_section() -> None:
    """Every queued or running run, redrawn every second while there are any."""
    if not active_runs(current_store()):
        return

    @st.fragment(run_every=1.0)
    def live() -> None:
        active = active_runs(current_store())
        if not active:
            st.rerun()
        st.markdown("#### Running now")
        places = runs.queue_positions(active)
        own = _own_runs()
        for record in sorted(active, key=lambda r: (r.status != "running", r.created_at)):
            draw_active(record, places.get(record.id), record.id in own)
        error = st.session_state.pop(_ACTION_ERROR, None)
        if error:
            st.error(error)

    live()


def _own_runs() -> set[str]:
    """Runs this app's supervisor started: the ones it can cancel."""
    try:
        return {record.id for record in run_supervisor().runs()}
    except Exception:  # noqa: BLE001 - no supervisor: the panel still shows progress
        return set()


def _cancel_asked(record: RunRecord) -> bool:
    asked = record.id in st.session_state.get(_CANCEL_ASKED, ())
    return asked or bool(record.folder and (record.folder / CANCEL_FILE).exists())


def _ask(action: str, run_id: str) -> None:
    try:
        getattr(run_supervisor(), action)(run_id)
    except Exception as error:  # noqa: BLE001 - shown in the panel, never as a traceback
        st.session_state[_ACTION_ERROR] = f"Could not {action} the run: {type(error).__name__}: {error}"
        return
    if action == "cancel":
        st.session_state[_CANCEL_ASKED] = {*st.session_state.get(_CANCEL_ASKED, ()), run_id}


def draw_active(record: RunRecord, place: int | None, own: bool = True) -> None:
    """One active run, laid out for the page's narrow right-hand column."""
    progress = record.progress
    with st.container(border=True):
        st.markdown(f"**{runs.run_title(record)}**")
        st.caption(f"{runs.method_title(record)} · {record.model} · `{record.id}`")
        if record.status == "queued":
            st.progress(0.0, text=f"Waiting: number {place} in the queue (one run trains at a time)")
        else:
            st.progress(runs.progress_fraction(progress), text=runs.stage_text(progress))
            _live_metrics(progress)
            history = runs.history_frame(runs.run_history(record))
            if len(history):
                st.plotly_chart(history_figure(history, height=260),
                                key=f"tr_live_chart_{record.id}", config=PLOTLY_CONFIG)
        if not own:
            st.caption("Started outside this app (the command line or another server): stop "
                       "it where it was started.")
        elif not _cancel_asked(record):
            st.button("Cancel", key=f"tr_cancel_{record.id}", on_click=_ask,
                      args=("cancel", record.id), width="stretch",
                      help="Stops at the next step; what trained so far is saved and scored.")
        else:
            st.caption("Cancel asked: it stops at the end of the current step.")
            st.button("Stop now", key=f"tr_kill_{record.id}", on_click=_ask,
                      args=("kill", record.id), type="primary", width="stretch",
                      help="Kills the process at once; nothing is kept.")


def _live_metrics(progress: dict) -> None:
    columns = st.columns(3)
    columns[0].metric("Loss", number_text(progress.get("loss"), 3))
    columns[1].metric("Val. AUC", number_text(progress.get("val_auc"), 3))
    columns[2].metric("Time left", duration_text(progress.get("eta_seconds")))
    details = []
    if progress.get("epoch") is not None:
        details.append(f"epoch {progress['epoch']:.2f}")
    if progress.get("examples_per_second"):
        details.append(f"{progress['examples_per_second']:.1f} examples/s")
    if details:
        st.caption(" · ".join(details))


# --- recent runs and one run in detail -----------------------------------------------------------


def recent_section() -> None:
    store = current_store()
    # Active runs are in the live panel, whose state is fresher than a table drawn once.
    recent = [r for r in runs.fine_tuning(store.list()) if r.status not in ACTIVE_STATUSES][:RECENT]
    st.markdown("#### Recent fine-tuning runs")
    if not recent:
        st.info(
            "No finished fine-tuning runs yet. Pick a preset and press **Start training**: the "
            "run shows its progress at the top right, then lands here. Runs started with "
            "`python -m workbench run` show here too.",
            icon="🏋️",
        )
        return
    st.dataframe(
        runs.runs_table(recent), hide_index=True, width="stretch",
        column_config={
            "test AUC": st.column_config.NumberColumn(format="%.3f"),
            "trainable parameters": st.column_config.NumberColumn(format="compact"),
        },
    )
    ids = [record.id for record in recent]
    labels = {record.id: runs.picker_label(record) for record in recent}
    if st.session_state.get(OPENED) not in ids:
        st.session_state[OPENED] = ids[0]
    opened = st.selectbox(
        "Open a run", ids, key=OPENED, format_func=labels.__getitem__, persist_state="session",
    )
    try:
        record = store.get(opened)
    except RunNotFoundError as error:
        st.error(str(error))
        return
    run_details(record)


def run_details(record: RunRecord) -> None:
    with st.container(border=True):
        st.markdown(f"##### {runs.run_title(record)}")
        st.caption(f"{runs.method_title(record)} · {record.model} · {record.dataset} · `{record.id}`")
        if record.status == "failed":
            _failure(record)
        elif record.status in ("cancelled", "interrupted"):
            st.warning(runs.stopped_message(record), icon="✋")
        if record.metrics.get("test"):
            _finished(record)
        with st.expander("Reproduce it: its spec and the commands that run it again"):
            _reproduce(record)


def _reproduce(record: RunRecord) -> None:
    spec = stored_spec(record)
    if spec is None:
        return
    reproduce_box(spec, key=f"tr_run_{record.id}", run_id=record.id)
    st.caption(f"`python -m workbench export {record.id} DIR` writes its adapter, predictions and "
               "a run card that reproduces them without the workbench.")


def _failure(record: RunRecord) -> None:
    st.error(first_paragraph(record.error) or "The run failed without a reason.", icon="🛑")
    details, log = runs.failure_details(record), log_tail(record.folder, 40) if record.folder else ""
    if details or log:
        with st.expander("Details: traceback and the end of the run's log"):
            if details:
                st.code(details, language=None)
            if log:
                st.code(log, language=None)


def _finished(record: RunRecord) -> None:
    metrics, test = record.metrics, record.metrics["test"]
    columns = st.columns(5)
    auc_ci = test.get("auc_ci")
    columns[0].metric(
        "Test AUC", number_text(test.get("auc")), border=True,
        help=f"95% interval [{auc_ci[0]:.3f}, {auc_ci[1]:.3f}] (bootstrap)" if auc_ci else None,
    )
    columns[1].metric("Accuracy", number_text(test.get("accuracy")), border=True)
    columns[2].metric("F1", number_text(test.get("f1")), border=True)
    columns[3].metric("Trainable parameters", count_text(metrics.get("trainable_parameters")),
                      border=True)
    columns[4].metric("Training time", short_duration_text(metrics.get("training_seconds")),
                      border=True)
    note = threshold_note(test)
    if note:
        st.info(note, icon="⚖️")
    history = runs.history_frame(runs.run_history(record))
    if len(history):
        st.plotly_chart(history_figure(history, runs.kept_step(record)),
                        key=f"tr_done_chart_{record.id}", config=PLOTLY_CONFIG)
    st.caption(runs.done_summary(record))
    st.page_link(RESULTS_PAGE, label="Compare it with the other runs on the Results page",
                 icon="🏆")
    try_it_box(record)
