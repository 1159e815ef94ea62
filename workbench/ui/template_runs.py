"""Prompt-template page, second half: score the template, and compare templates on the same
rows, as jobs on the shared background queue (workbench.ui.jobs_panel).

The job functions call the backend (workbench.experiments.compare) and never touch streamlit.
Results go to the run store, so they also appear on the Results page, and a spec that already
ran is answered from the store. The session keeps what a job was asked and, for a comparison,
its run ids: results are read back from the store on every rerun.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from workbench.errors import WorkbenchError
from workbench.experiments import compare
from workbench.experiments.compare import Comparison, TemplateResult
from workbench.jobs import ACTIVE, Job
from workbench.metrics import threshold_note
from workbench.models import get_model_info
from workbench.specs import ModelSpec, TemplateSpec
from workbench.store import Store
from workbench.ui.chart_style import DARK, GREY, LIGHT_PRIMARY, PLOTLY_CONFIG, PRIMARY
from workbench.ui.jobs_panel import job_panel, job_queue
from workbench.ui.state import cached_model, current_store
from workbench.ui.template_editor import COMPARE_NAMES, KEEP, PageContext

CURRENT = "current"  # the comparison entry for the template as edited

# Session keys.
SCORE_JOB = "pt_score_job"
COMPARE_JOB = "pt_compare_job"
_SCORE_RESULT = "pt_score_result"
_COMPARISON = "pt_comparison"
_TAKEN = "pt_taken_jobs"  # ids of finished jobs whose result was already kept


# --- jobs ----------------------------------------------------------------------------------------


def _load_model(name: str):
    try:
        with st.spinner(f"Loading {name} (the first time converts the embedded model) ..."):
            return cached_model(name)
    except WorkbenchError as error:
        st.error(str(error))
    except Exception as error:  # noqa: BLE001 - the page must never show a traceback
        st.error(f"{name} could not be loaded: {type(error).__name__}: {error}")
    return None


def _submit(job_key: str, title: str, work, context: PageContext) -> None:
    """Queue `work` and remember the job with what it was asked (shown with its result)."""
    job = job_queue().submit(title, work)
    st.session_state[job_key] = {"id": job.id, "context": _context_line(context)}


def _page_job(job_key: str) -> Job | None:
    entry = st.session_state.get(job_key)
    return job_queue().get(entry["id"]) if entry else None


def _running(job_key: str) -> bool:
    job = _page_job(job_key)
    return job is not None and job.status in ACTIVE


def _follow(job_key: str) -> tuple[Job, dict] | None:
    """Draw the page's job (progress and cancel, or why it failed); (job, what it was asked)
    once when it has ended with a result."""
    job = _page_job(job_key)
    if job is None:
        return None
    job_panel(job, key=job_key)
    taken = st.session_state.setdefault(_TAKEN, [])
    if job.status in ACTIVE or job.result is None or job.id in taken:
        return None
    taken.append(job.id)
    return job, st.session_state[job_key]["context"]


def template_name(template: TemplateSpec, builtins: dict[str, TemplateSpec]) -> str:
    """The built-in's name when the template is one unchanged, else "<serializer> (edited)"."""
    for name, builtin in builtins.items():
        if builtin == template:
            return name
    return f"{template.serializer} (edited)"


def _context_line(context: PageContext) -> dict:
    return {
        "dataset": context.info.name, "dataset_title": context.info.title,
        "rows": context.n_rows, "model": get_model_info(context.model_name).title,
        "method": context.method,
    }


# --- scoring one template ------------------------------------------------------------------------


def score_section(context: PageContext) -> None:
    st.subheader("Score this template")
    model_title = get_model_info(context.model_name).title
    st.caption(
        f"Scores the {context.n_rows:,} test rows {context.method} with the sidebar's model, "
        f"{model_title}: each class's probability is that of its answer word as the next token. "
        "Runs in the background; the result is stored and listed on the Results page."
    )
    label = f"Score {context.n_rows:,} rows ({context.method})"
    disabled = context.template is None or _running(SCORE_JOB)
    if st.button(label, key="pt_score_start", type="primary", disabled=disabled):
        _submit_score(context)
    ended = _follow(SCORE_JOB)
    if ended is not None:
        job, asked = ended
        st.session_state[_SCORE_RESULT] = {"result": job.result, **asked}
    kept = st.session_state.get(_SCORE_RESULT)
    if kept and kept["dataset"] == context.info.name:
        show_score(kept)


def _submit_score(context: PageContext) -> None:
    if _running(SCORE_JOB):
        return  # a second click before the button was disabled
    loaded = _load_model(context.model_name)
    if loaded is None:
        return
    name = template_name(context.template, context.builtins)
    model = ModelSpec(name=context.model_name)
    spec = compare.template_spec(name, context.template, context.data, model)
    store = current_store()

    def work(progress, should_stop) -> TemplateResult:
        return compare.score_template(name, spec, store, progress, should_stop, loaded)

    _submit(SCORE_JOB, f"Score '{name}' on {context.n_rows:,} rows", work, context)


def show_score(kept: dict) -> None:
    result: TemplateResult = kept["result"]
    if result.status != "done":
        st.error(f"'{result.name}' did not finish ({result.status}): {result.error_line}")
        return
    test, metrics = result.test, result.metrics
    where = "from the store (this spec already ran)" if result.cached else "scored now"
    st.markdown(
        f"**{result.name}** on {kept['rows']:,} {kept['dataset_title']} test rows, "
        f"{kept['method']}, {kept['model']}: {where}."
    )
    columns = st.columns(5)
    columns[0].metric("AUC", _number(test.get("auc")), border=True,
                      help=f"95% interval {_interval(test.get('auc_ci'))} (bootstrap)")
    columns[1].metric("Accuracy", _number(test.get("accuracy")), border=True,
                      help=f"95% interval {_interval(test.get('accuracy_ci'))} (bootstrap)")
    columns[2].metric("F1", _number(test.get("f1")), border=True)
    columns[3].metric("Brier", _number(test.get("brier")), border=True,
                      help="Mean squared error of the probabilities: lower is better.")
    speed = metrics.get("examples_per_second")
    columns[4].metric("Examples/s", f"{speed:.1f}" if speed else "-", border=True)
    st.caption(
        f"AUC 95% interval {_interval(test.get('auc_ci'))}, accuracy 95% interval "
        f"{_interval(test.get('accuracy_ci'))}. Run `{result.run_id}`."
    )
    note = threshold_note(test)
    if note:
        st.info(note, icon="⚖️")
    left, _ = st.columns([2, 3])
    with left:
        st.markdown("**Confusion matrix** (rows: true class, columns: predicted)")
        st.table(confusion_table(test))


def confusion_table(test: dict) -> pd.DataFrame:
    names = test.get("class_names", [])
    return pd.DataFrame(
        test.get("confusion_matrix", []),
        index=[f"true {name}" for name in names],
        columns=[f"predicted {name}" for name in names],
    )


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _interval(interval: list[float] | None) -> str:
    return "-" if not interval else f"[{interval[0]:.2f}, {interval[1]:.2f}]"


# --- comparing templates -------------------------------------------------------------------------


def compare_section(context: PageContext) -> None:
    st.subheader("Compare templates")
    options = list(context.builtins) + [CURRENT]
    st.multiselect(
        "Templates", options, key=COMPARE_NAMES, persist_state=KEEP,
        format_func=lambda name: "current: your template as edited" if name == CURRENT else name,
        help="Built-in serializations take your question, answers, wrapper and shots; only the "
        "way the row is written differs.",
    )
    names = list(st.session_state[COMPARE_NAMES])
    st.caption(
        f"Each template is scored on the same {context.n_rows:,} test rows, {context.method}, one "
        "after another in one background job, and stored as its own run."
    )
    label = f"Compare {len(names)} templates on {context.n_rows:,} rows"
    disabled = context.template is None or not names or _running(COMPARE_JOB)
    if st.button(label, key="pt_compare_start", type="primary", disabled=disabled):
        _submit_comparison(context, names)
    ended = _follow(COMPARE_JOB)
    if ended is not None:
        job, asked = ended
        kept = comparison_state(job.result, asked, job.snapshot()["elapsed"])
        st.session_state[_COMPARISON] = kept
    kept = st.session_state.get(_COMPARISON)
    if kept and kept["context"]["dataset"] == context.info.name:
        show_comparison(kept)


def comparison_templates(
    names: list[str], current: TemplateSpec, builtins: dict[str, TemplateSpec]
) -> dict[str, TemplateSpec]:
    serializations = [name for name in names if name != CURRENT]
    templates = compare.serialization_templates(current, builtins, serializations)
    if CURRENT in names:
        templates[CURRENT] = current
    return templates


def _submit_comparison(context: PageContext, names: list[str]) -> None:
    if _running(COMPARE_JOB):
        return  # a second click before the button was disabled
    loaded = _load_model(context.model_name)
    if loaded is None:
        return
    templates = comparison_templates(names, context.template, context.builtins)
    data, model, store = context.data, ModelSpec(name=context.model_name), current_store()

    def work(progress, should_stop) -> Comparison:
        return compare.compare_templates(
            templates, data, model, store, progress, should_stop, loaded=loaded
        )

    title = f"Compare {len(templates)} templates on {context.n_rows:,} rows"
    _submit(COMPARE_JOB, title, work, context)


def comparison_state(comparison: Comparison, context: dict, elapsed: float | None) -> dict:
    """What the session keeps: run ids (the results are read back from the store)."""
    entries = [
        {"name": result.name, "run_id": result.run_id, "cached": result.cached,
         "status": result.status, "error": result.error}
        for result in comparison.results
    ]
    return {"entries": entries, "cancelled": comparison.cancelled, "context": context,
            "elapsed": elapsed}


def restore_comparison(kept: dict, store: Store) -> Comparison:
    stored = compare.comparison_from_store(
        store, {entry["name"]: entry["run_id"] for entry in kept["entries"] if entry["run_id"]}
    )
    by_name = {result.name: result for result in stored.results}
    results = []
    for entry in kept["entries"]:
        result = by_name.get(entry["name"])
        if result is None:  # failed before a run was stored
            result = TemplateResult(entry["name"], None, entry["status"], error=entry["error"])
        elif entry["cached"]:
            result = TemplateResult(
                result.name, result.run_id, result.status, True, result.metrics, result.error
            )
        results.append(result)
    return Comparison(tuple(results), cancelled=kept["cancelled"])


def show_comparison(kept: dict) -> None:
    comparison = restore_comparison(kept, current_store())
    context = kept["context"]
    if comparison.cancelled:
        st.warning(
            f"Cancelled: {len(comparison.done)} of the templates finished; they are compared below."
        )
    sentence = compare.winner_sentence(comparison)
    if sentence is None:
        st.error("No template finished: see the table for the reasons.")
    elif compare.none_beats_chance(comparison):
        st.warning(
            f"**{sentence}**, but **no template beats chance here**: every template's 95% AUC "
            f"interval includes 0.5 (guessing) on these {context['rows']:,} rows. The model knows "
            "too little of this task for the wording to matter: try more rows, a bigger model, "
            "or a task it has read about.", icon="🎲")
    else:
        st.success(f"**{sentence}**", icon="🏆")
        caveats = winner_caveats(comparison, context["rows"])
        if caveats:
            st.caption(caveats)
    table = comparison.table()
    if comparison.done:
        st.plotly_chart(
            auc_figure(table, comparison.winner.name), key="pt_compare_chart",
            config=PLOTLY_CONFIG,
        )
    st.dataframe(comparison_display(table), hide_index=True)
    st.caption(_comparison_caption(comparison, kept))


def winner_caveats(comparison: Comparison, rows: int) -> str:
    """How far to trust the winner: overlapping intervals, an interval that includes chance."""
    notes = []
    overlapping = compare.overlapping_runners_up(comparison)
    if overlapping:
        notes.append(
            f"The 95% intervals of {', '.join(overlapping)} include the winner's AUC: on {rows:,} "
            "rows its lead may be chance; more rows narrow the intervals."
        )
    winner = comparison.winner
    if winner.auc is not None and not compare.beats_chance(winner):
        notes.append("The winner's interval includes 0.5: it is not shown to beat guessing.")
    return " ".join(notes)


def _comparison_caption(comparison: Comparison, kept: dict) -> str:
    context = kept["context"]
    cached = sum(result.cached for result in comparison.results)
    took = f" in {kept['elapsed']:.0f} s" if kept.get("elapsed") is not None else ""
    stored = f" ({cached} answered from the store)" if cached else ""
    return (
        f"{len(comparison.results)} templates on {context['rows']:,} {context['dataset_title']} "
        f"test rows, {context['method']}, {context['model']}{took}{stored}. Every run is stored "
        "and listed on the Results page."
    )


def auc_figure(table: pd.DataFrame, winner: str) -> go.Figure:
    """Test AUC per template with its 95% interval; the winner in the theme colour."""
    done = table[table["auc"].notna()]
    figure = go.Figure(
        go.Bar(
            x=done["template"], y=done["auc"],
            marker_color=[
                PRIMARY if name == winner else LIGHT_PRIMARY for name in done["template"]
            ],
            error_y=dict(
                type="data", symmetric=False, array=(done["auc_high"] - done["auc"]).fillna(0),
                arrayminus=(done["auc"] - done["auc_low"]).fillna(0), color=DARK,
            ),
            text=[f"{auc:.2f}" for auc in done["auc"]], textposition="inside",
            insidetextanchor="middle",
            hovertemplate="%{x}: AUC %{y:.3f}<extra></extra>",
        )
    )
    figure.add_hline(y=0.5, line_dash="dot", line_color=GREY, annotation_text="chance")
    figure.update_layout(
        height=360, margin=dict(l=10, r=10, t=40, b=10),
        title="Test AUC with its 95% interval", yaxis=dict(range=[0, 1], title="AUC"),
        xaxis_title="template",
    )
    return figure


def comparison_display(table: pd.DataFrame) -> pd.DataFrame:
    """The comparison table as people read it: intervals as text, rounded numbers."""
    def interval(low, high) -> str:
        return "-" if pd.isna(low) or pd.isna(high) else f"[{low:.2f}, {high:.2f}]"

    return pd.DataFrame(
        {
            "template": table["template"],
            "AUC": table["auc"].round(3),
            "AUC 95% CI": [interval(lo, hi) for lo, hi in zip(table["auc_low"], table["auc_high"])],
            "accuracy": table["accuracy"].round(3),
            "accuracy 95% CI": [
                interval(lo, hi) for lo, hi in zip(table["accuracy_low"], table["accuracy_high"])
            ],
            "F1": table["f1"].round(3),
            "tokens/row": table["tokens_mean"].round(1),
            "max tokens": table["tokens_max"],
            "examples/s": table["examples_per_s"].round(1),
            "status": table["status"],
            "source": table["source"],
            "run": table["run_id"],
        }
    )
