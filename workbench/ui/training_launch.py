"""Training page, before launch: the form's problems, the estimate (trainable parameters, memory,
time) next to the launch button, and the spec as YAML with the commands that run it.
"""

from __future__ import annotations

import streamlit as st

from workbench.models.hardware import free_memory_bytes
from workbench.specs import FinetuneSpec
from workbench.training.estimate import Estimate, estimate
from workbench.ui.messages import problems_shown
from workbench.ui.reproduce_box import reproduce_box
from workbench.ui.speed_note import measure_speeds_note
from workbench.ui.run_state import run_supervisor
from workbench.ui.state import current_store
from workbench.ui.training_form import TrainingForm
from workbench.units import bytes_text, count_text, rough_duration_text

OPENED = "tr_opened_run"  # the run the page shows in detail
LONG_RUN_SECONDS = 30 * 60


def launch_section(form: TrainingForm) -> None:
    st.markdown("#### Before you launch")
    for message in form.errors:
        st.error(message, icon="⚠️")
    for message in form.warnings:
        st.warning(message, icon="ℹ️")
    if form.spec is not None:
        estimate_panel(form.spec)
    launch_button(form.spec)
    yaml_section(form.spec)


# --- estimate ------------------------------------------------------------------------------------


def _estimate(spec: FinetuneSpec) -> Estimate | None:
    guess = None
    with problems_shown("No estimate", st.warning):
        with st.spinner("Estimating from the model's configuration ..."):
            guess = estimate(spec, past_runs=current_store().list(status="done"))
    return guess


def estimate_panel(spec: FinetuneSpec) -> None:
    guess = _estimate(spec)
    if guess is None:
        return
    if not guess.measured:
        measure_speeds_note([spec])
    share = guess.trainable_parameters / max(guess.total_parameters, 1)
    parts = ", ".join(f"{name} {bytes_text(size)}" for name, size in guess.memory_parts.items())
    left, middle, right = st.columns(3)
    left.metric(
        "Trainable", count_text(guess.trainable_parameters),
        help=f"{share:.2%} of the model's {count_text(guess.total_parameters)} parameters.",
    )
    middle.metric("Memory", bytes_text(guess.memory_bytes), help=parts)
    right.metric("Time", rough_duration_text(guess.seconds), help=guess.basis)
    st.caption(
        f"{share:.2%} of {count_text(guess.total_parameters)} parameters train. "
        f"{guess.training_examples:,} training examples of about {guess.prompt_tokens:.0f} tokens; "
        f"time {guess.basis}."
    )
    free = free_memory_bytes(guess.device)
    if free is not None and guess.memory_bytes > free:
        st.warning(
            f"This run needs about {bytes_text(guess.memory_bytes)} and the {guess.device.upper()} "
            f"has {bytes_text(free)} free: it may stop with an out-of-memory error. A smaller "
            "batch size, gradient checkpointing or QLoRA need less.", icon="🧠",
        )
    if guess.seconds > LONG_RUN_SECONDS:
        st.warning(
            f"About {rough_duration_text(guess.seconds)}: fewer training rows, one epoch or a max "
            "number of steps make a shorter run.", icon="⏳",
        )


# --- launch --------------------------------------------------------------------------------------


def _supervisor():
    try:
        return run_supervisor()
    except Exception as error:  # noqa: BLE001 - the page must never show a traceback
        st.error(f"The run supervisor could not start: {type(error).__name__}: {error}")
    return None


def launch_button(spec: FinetuneSpec | None) -> None:
    supervisor = _supervisor()
    clicked = st.button(
        "Start training", key="tr_launch", type="primary", icon="🏋️",
        disabled=spec is None or supervisor is None, width="stretch",
        help="Runs in its own process; you can leave the page, the run goes on.",
    )
    if not clicked or spec is None or supervisor is None:
        return
    record = None
    with problems_shown("The run could not be queued"):
        record = supervisor.submit(spec)
    if record is None:
        return
    st.session_state[OPENED] = record.id
    st.toast(f"Queued: {record.name or record.id}", icon="🏋️")


def yaml_section(spec: FinetuneSpec | None) -> None:
    with st.expander("Show as YAML / commands (CLI, torchrun, accelerate)"):
        if spec is None:
            st.caption("Fix the problems above to see the spec.")
            return
        st.caption("The exact spec the button starts, and how to run it without the app.")
        reproduce_box(spec, key="tr_spec")
