"""Forgetting page: the form (forgetting_form.py) on the left; on the right what the comparison
will run, its launch button, the spec as YAML and the live panel; below, the stored results of a
comparison: heatmaps of R, task A before and after, task A while later tasks train, perplexity,
the learning/forgetting trade-off and the table.

Each method runs as its own background run (workbench.supervisor); a method already stored with
the same settings is reused, not run again."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

import streamlit as st

from workbench.experiments import prepare_inputs, spec_key
from workbench.forgetting.estimate import comparison_estimate
from workbench.forgetting.labels import FORGETTING_DEFINITION, METHOD_EXPLANATIONS, METHOD_TITLES
from workbench.forgetting.plan import comparison_key, method_runs
from workbench.forgetting.presets import preset_file
from workbench.forgetting.report import finished, summary_table
from workbench.specs import ForgettingSpec, parse_spec, spec_to_yaml
from workbench.store import ACTIVE_STATUSES, RunRecord
from workbench.ui import forgetting_charts as charts
from workbench.ui.forgetting_form import ForgettingForm, forgetting_form
from workbench.ui.messages import problems_shown
from workbench.ui.run_state import run_supervisor
from workbench.ui.speed_note import measure_speeds_note
from workbench.ui.state import current_store
from workbench.ui.training_charts import PLOTLY_CONFIG
from workbench.ui.training_runs import stage_text
from workbench.units import duration_text, rough_duration_text

SHOWN = "fg_shown_comparison"


def forgetting_records() -> list[RunRecord]:
    return [record for record in current_store().list() if record.kind == "forgetting"]


def _comparison_of(record: RunRecord) -> str | None:
    try:
        spec = parse_spec(record.spec)
    except Exception:  # noqa: BLE001 - a spec from another version: not part of any comparison
        return None
    return comparison_key(spec) if isinstance(spec, ForgettingSpec) else None


# --- launch --------------------------------------------------------------------------------------


def launch(spec: ForgettingSpec) -> None:
    store = current_store()
    started, reused = 0, 0
    for run_spec in method_runs(spec):
        key = spec_key(run_spec, prepare_inputs(run_spec))
        if store.find_reusable(key) is not None:
            reused += 1
            continue
        run_supervisor().submit(run_spec, key)
        started += 1
    st.session_state[SHOWN] = comparison_key(spec)
    parts = [f"started {started} run{'s' * (started != 1)}"] if started else []
    if reused:
        parts.append(f"reused {reused} stored or running run{'s' * (reused != 1)}")
    st.toast("Comparison: " + ", ".join(parts) + ".")


def launch_section(form: ForgettingForm) -> None:
    st.markdown("#### Run the comparison")
    for message in form.errors:
        st.error(message, icon="⚠️")
    if form.spec is None:
        return
    runs = method_runs(form.spec)
    titles = [run.name.removeprefix(f"{form.spec.name}: ") if form.spec.name else run.name
              for run in runs]
    st.markdown(
        f"**{len(runs)} run{'s' * (len(runs) != 1)}**, one after the other: "
        + ", ".join(titles) + ". "
        f"Each trains on {' then '.join(form.spec.task_labels)} and measures every task before "
        "training and after each task. Naive, replay, EWC and multi-task share their first "
        "stage (full fine-tuning on task A), which trains once.")
    comparison_time(form.spec)
    if st.button("Run the comparison", type="primary", key="fg_launch"):
        with problems_shown("Could not start the comparison"):
            launch(form.spec)
    with st.expander("Show as YAML / CLI command"):
        text = spec_to_yaml(form.spec)
        st.code(text, language="yaml")
        st.caption("Saved as forgetting.yaml, `python -m workbench run forgetting.yaml --json` runs "
                   "the same comparison and prints its matrices and forgetting figures.")
        example = preset_file(st.session_state.get("fg_preset", ""))
        if example:
            st.caption(f"The preset itself is `{example}`.")
        st.download_button("Download forgetting.yaml", text, file_name="forgetting.yaml",
                           mime="application/x-yaml", key="fg_download")


def comparison_time(spec) -> None:
    guess = None
    with problems_shown("No time estimate", st.caption):
        guess = comparison_estimate(spec, current_store().list(status="done"))
    if guess is None:
        return
    if not guess.measured:
        measure_speeds_note(guess.unmeasured)
    where = "on this machine" if guess.measured else "(a first guess from another machine)"
    st.caption(f"About {rough_duration_text(guess.seconds)} {where} if every method trains; a "
               "method already stored with the same settings is reused, not trained again.")


# --- the live panel ------------------------------------------------------------------------------


def _active() -> list[RunRecord]:
    return [record for record in forgetting_records() if record.status in ACTIVE_STATUSES]


def _progress_line(record: RunRecord) -> tuple[str, float]:
    progress = record.progress or {}
    done, total = progress.get("done") or 0, progress.get("total") or 0
    stage = progress.get("stage") or ""
    text = stage_text(progress)
    if stage.startswith("training on") and total:
        text = f"{text}: step {done:,} of {total:,}"
    if progress.get("task_number"):
        text += f" (task {progress['task_number']} of {progress['task_count']})"
    return text, (done / total if total else 0.0)


def live_section() -> None:
    if not _active():
        return

    @st.fragment(run_every=1.0)
    def live() -> None:
        active = _active()
        if not active:
            st.rerun()
        st.markdown("#### Running now")
        for record in sorted(active, key=lambda r: (r.status != "running", r.created_at)):
            text, share = _progress_line(record)
            left, right = st.columns([4, 1], vertical_alignment="center")
            if record.status == "queued":
                left.caption(f"**{record.name}**: waiting in the queue")
            else:
                left.progress(min(share, 1.0), text=f"**{record.name}**: {text}")
            if right.button("Cancel", key=f"fg_cancel_{record.id}", width="stretch"):
                with problems_shown("Could not cancel"):
                    run_supervisor().cancel(record.id)

    live()


# --- results -------------------------------------------------------------------------------------


def comparisons() -> dict[str, list[RunRecord]]:
    """Stored forgetting runs grouped by comparison, newest comparison first; in each, the
    newest run per method setting."""
    groups: dict[str, list[RunRecord]] = defaultdict(list)
    for record in forgetting_records():
        key = _comparison_of(record)
        if key is not None:
            groups[key].append(record)
    return dict(sorted(groups.items(), key=lambda item: -max(r.created_at for r in item[1])))


def _comparison_label(key: str, records: list[RunRecord]) -> str:
    """Stable while runs finish (a select box sends its label back): no counts in it."""
    oldest = min(records, key=lambda r: r.created_at)
    setting = (oldest.spec or {}).get("setting", "")
    since = datetime.fromtimestamp(oldest.created_at).strftime("%b %d %H:%M")
    return f"{oldest.dataset} · {setting.replace('_', ' ')} · {oldest.model} · since {since} · #{key[:6]}"


def latest_per_setting(records: list[RunRecord]) -> list[RunRecord]:
    """The newest finished run of each cache key, in the methods' usual order."""
    order = {method: number for number, method in enumerate(METHOD_TITLES)}
    newest: dict[str, RunRecord] = {}
    for record in sorted(finished(records), key=lambda r: r.created_at):
        newest[record.cache_key] = record
    return sorted(newest.values(),
                  key=lambda r: (order.get(r.method, 99), r.metrics.get("ewc_lambda") or 0))


def results_section(form: ForgettingForm) -> None:
    st.markdown("### Results")
    groups = comparisons()
    if not groups:
        st.info("No forgetting runs yet: pick the tasks and methods above and run the comparison.")
        return
    keys = list(groups)
    wanted = st.session_state.get(SHOWN) or (comparison_key(form.spec) if form.spec else None)
    index = keys.index(wanted) if wanted in keys else 0
    chosen = st.selectbox("Comparison", keys, index=index, key="fg_comparison",
                          format_func=lambda key: _comparison_label(key, groups[key]))
    records = groups[chosen]
    failed = [r for r in records if r.status in ("failed", "interrupted")]
    for record in failed[:3]:
        with st.expander(f"{record.name}: {record.status}", icon="⚠️"):
            st.code((record.error or "no reason recorded").split("\n\n")[0])
    shown = latest_per_setting(records)
    if not shown:
        st.info("No run of this comparison has finished yet; results appear here as each one ends.")
        return
    draw_results(shown)


def draw_results(records: list[RunRecord]) -> None:
    metrics = records[0].metrics
    first, tasks = metrics["tasks"][0], metrics["tasks"]
    st.markdown(f"**{first}: learned, then forgotten?** Grey: before any training; green: just "
                f"after learning {first}; red: after the last task. The drop from green to red is "
                f"the forgetting; the dashed line is what always giving {first}'s most common "
                "answer would score." + within_task_note(metrics))
    st.plotly_chart(charts.first_task_bars(records), config=PLOTLY_CONFIG, key="fg_bars")
    left, right = st.columns(2)
    with left:
        st.markdown(f"**{first} while {', '.join(tasks[1:])} train{'s' * (len(tasks) == 2)}.** "
                    f"Accuracy on {first} measured every few steps of the later tasks, on its first "
                    f"{metrics.get('curve_rows', '')} test rows.")
        st.plotly_chart(charts.first_task_curves(records), config=PLOTLY_CONFIG, key="fg_curves")
    with right:
        st.markdown("**Accuracy matrices.** Row *before* is the untouched model; each row after it "
                    "is the model after training on that task; each column is a task's test rows. "
                    f"Read down the {first} column to watch it fade.")
        st.plotly_chart(charts.matrix_heatmaps(records, columns=2), config=PLOTLY_CONFIG,
                        key="fg_heatmaps")
    left, right = st.columns(2)
    with left:
        st.markdown("**Learning against forgetting.** Right is better at the new task, low is less "
                    "forgetting; methods trade one for the other.")
        st.plotly_chart(charts.trade_off(records), config=PLOTLY_CONFIG, key="fg_trade_off")
    with right:
        figure = charts.perplexity_bars(records)
        st.markdown("**General English.** Change in perplexity on held-out review texts no task "
                    "trains on, from before training to the end: above zero, the model lost some "
                    "of its ordinary language (hover for the values).")
        if figure is None:
            st.caption("No perplexity probe in these runs.")
        else:
            st.plotly_chart(figure, config=PLOTLY_CONFIG, key="fg_perplexity")
    table = summary_table(records)
    percent_columns = [c for c in table.columns if c not in {"method", "run", "minutes"}
                       and "perplexity" not in c]
    shown = table.copy()
    shown[percent_columns] = shown[percent_columns] * 100
    st.dataframe(shown, hide_index=True, column_config={
        **{c: st.column_config.NumberColumn(c, format="%.1f") for c in percent_columns},
        "perplexity before": st.column_config.NumberColumn(format="%.1f"),
        "perplexity at the end": st.column_config.NumberColumn(format="%.1f"),
        "minutes": st.column_config.NumberColumn(format="%.1f"),
    })
    st.caption("Accuracies, forgetting and backward transfer in percentage points. "
               + FORGETTING_DEFINITION)
    total = sum(r.metrics.get("seconds") or 0 for r in records)
    st.caption(f"Run time of these runs together: {duration_text(total)}.")
    with st.expander("What each method does"):
        for record in records:
            st.markdown(f"**{METHOD_TITLES.get(record.method, record.method)}**: "
                        f"{METHOD_EXPLANATIONS.get(record.method, '')}")


def within_task_note(metrics: dict) -> str:
    if metrics.get("setting") != "class_incremental":
        return ""
    return (" In this class-incremental setting the bars count an answer right when it is the "
            "right one among the task's own classes; the matrices below count it right only "
            "when the shared head picks it among every task's classes.")


def show_page() -> None:
    left, right = st.columns([11, 9], gap="large")
    with left:
        form = forgetting_form()
    with right:
        launch_section(form)
        live_section()
    st.divider()
    results_section(form)
