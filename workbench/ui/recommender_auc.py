"""Recommender page, under the model picker: how well the chosen model answers questions of
readers it never saw (its held-out AUC with the 95% interval) against the same model zero-shot on
the same questions; a button measures the zero-shot AUC in the background when none is stored
(workbench.recommend.held_out)."""

from __future__ import annotations

import streamlit as st

from workbench.recommend.held_out import (
    HeldOut, active_zero_shot, find_zero_shot, held_out, zero_shot_spec,
)
from workbench.store import RunRecord
from workbench.ui.messages import problems_shown
from workbench.ui.recommender_train import launch
from workbench.ui.state import current_store

ZERO_SHOT = "zero-shot"  # the model picker's choice for the sidebar's model untrained


def held_out_section(choice: str, runs: dict[str, RunRecord], base_model: str,
                     key: str = "rec_auc") -> None:
    """What is known of the model `choice` (a run id or ZERO_SHOT) on held-out questions."""
    records = current_store().list()
    if choice == ZERO_SHOT:
        zero = held_out_of(find_zero_shot(records, base_model))
        if zero is None:
            missing_zero_shot(records, base_model, None, key)
        else:
            st.markdown(f"**Held-out:** {base_model} zero-shot, {zero.text}.")
        return
    record = runs[choice]
    mine = held_out(record)
    if mine is None:
        st.caption("This run stored no test AUC (its test questions held one answer only).")
        return
    zero = held_out_of(find_zero_shot(records, record.model, record.spec))
    gain = (f" The same model zero-shot on the same questions: AUC {zero.auc:.3f}, so training "
            f"added **{mine.auc - zero.auc:+.3f}**." if zero is not None else "")
    st.markdown(f"**Held-out:** this model, {mine.text}.{gain}")
    if zero is None:
        missing_zero_shot(records, record.model, record.spec, key)


def auc_summary(choice: str, runs: dict[str, RunRecord], base_model: str) -> str | None:
    """"held-out AUC 0.612 (95% interval 0.551 to 0.670)" of a ranking's model, when known."""
    if choice == ZERO_SHOT:
        held = held_out_of(find_zero_shot(current_store().list(), base_model))
    else:
        held = held_out_of(runs.get(choice))
    if held is None:
        return None
    return "held-out " + held.text.split(" on ")[0]


def held_out_of(record: RunRecord | None) -> HeldOut | None:
    return held_out(record) if record is not None else None


def missing_zero_shot(records: list[RunRecord], model: str, like: dict | None, key: str) -> None:
    running = active_zero_shot(records, model, like)
    if running is not None:
        st.caption(f"Measuring {model} zero-shot on these questions (run {running.id}, "
                   f"{running.status}): its AUC shows here when done.")
        return
    spec = None
    with problems_shown("Cannot ask the zero-shot question here", st.caption):
        spec = zero_shot_spec(model, like)
    if spec is None:
        return
    text, button = st.columns([4, 1], vertical_alignment="center")
    text.caption(f"No held-out AUC of {model} zero-shot on {spec.data.n_test or 'all the'} "
                 "test questions yet: measure it to see what training adds (it runs in the "
                 "background and shows here when done).")
    if button.button("Measure zero-shot AUC", key=key, icon="📏"):
        with problems_shown("Could not start the zero-shot evaluation"):
            launch(spec, "The zero-shot evaluation")
            st.rerun()
