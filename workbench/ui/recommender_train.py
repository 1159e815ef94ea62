"""Recommender page, "Train your own recommender": TALLRec's recipe (assets/specs/
bookcrossing-lora.yaml) on K Book-Crossing questions with the sidebar's model, in the background;
the finished run joins the model picker."""

from __future__ import annotations

import streamlit as st

from workbench.experiments import prepare_inputs, spec_key
from workbench.recommend.rank import BOOK_QUESTION_DATASETS
from workbench.specs import EXAMPLE_SPECS, FinetuneSpec, apply_overrides, load_spec
from workbench.store import ACTIVE_STATUSES, RunRecord
from workbench.training.estimate import estimate
from workbench.ui.messages import problems_shown
from workbench.ui.run_state import run_supervisor
from workbench.ui.speed_note import measure_speeds_note
from workbench.ui.state import current_model_name, current_store
from workbench.ui.training_runs import progress_fraction, stage_text
from workbench.units import rough_duration_text

RECIPE = EXAMPLE_SPECS / "bookcrossing-lora.yaml"
SIZES = (16, 64, 256)


def recommender_spec(n_train: int, model: str) -> FinetuneSpec:
    spec = apply_overrides(load_spec(RECIPE), [f"n_train={n_train}", f"model_name={model}"])
    return spec.model_copy(update={"name": f"Book recommender, LoRA on {n_train} questions"})


def active_recommender_runs() -> list[RunRecord]:
    return [record for record in current_store().list()
            if record.kind == "finetune" and record.dataset in BOOK_QUESTION_DATASETS
            and record.status in ACTIVE_STATUSES]


def launch(spec: FinetuneSpec) -> None:
    key = spec_key(spec, prepare_inputs(spec))
    existing = current_store().find_reusable(key)
    if existing is not None:
        st.toast(f"This recommender is already {existing.status} (run {existing.id}): it is in "
                 "the model list when done.")
        return
    run_supervisor().submit(spec, key)
    st.toast("Training started in the background: it joins the model list when done.")


def train_section() -> None:
    with st.expander("Train your own recommender", icon="🏋️"):
        st.markdown(
            "TALLRec's recipe on questions built from Book-Crossing: LoRA (r 8, alpha 16, on the "
            "query and value projections), the Alpaca prompt, early stopping on validation AUC. "
            f"It trains the sidebar's model (**{current_model_name()}**) in the background; leave "
            "this page open or come back later.")
        left, right = st.columns([2, 3], vertical_alignment="bottom")
        n_train = left.select_slider("Training questions (K)", SIZES, value=64, key="rec_train_k")
        with right:
            training_time(recommender_spec(n_train, current_model_name()))
        if st.button("Train", key="rec_train_go", icon="▶️"):
            with problems_shown("Could not start training"):
                launch(recommender_spec(n_train, current_model_name()))
        st.caption("The same run from a terminal: `python -m workbench run "
                   f"assets/specs/bookcrossing-lora.yaml --set n_train={n_train}`")
    live_training()


def training_time(spec: FinetuneSpec) -> None:
    guess = None
    with problems_shown("No time estimate", st.caption):
        guess = estimate(spec, past_runs=current_store().list(status="done"))
    if guess is None:
        return
    if not guess.measured:
        measure_speeds_note([spec])
    where = "on this machine" if guess.measured else "(a first guess from another machine)"
    st.caption(f"At most about {rough_duration_text(guess.seconds)} {where}; early stopping "
               "often ends it sooner. The same settings trained before are reused, not trained "
               "again.")


def live_training() -> None:
    if not active_recommender_runs():
        return

    @st.fragment(run_every=2.0)
    def live() -> None:
        active = active_recommender_runs()
        if not active:
            st.rerun()  # the finished run joins the model picker
        for record in active:
            if record.status == "queued":
                st.caption(f"**{record.name}**: waiting in the queue")
                continue
            progress = record.progress or {}
            st.progress(progress_fraction(progress), text=f"**{record.name}**: {stage_text(progress)}")

    live()
