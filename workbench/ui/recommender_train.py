"""Recommender page, "Train your own recommender": the class demo (assets/specs/
bookcrossing-class-demo.yaml, a recipe that learns within a class period) or TALLRec's recipe
(assets/specs/bookcrossing-lora.yaml) on K Book-Crossing questions, with the sidebar's model, in
the background; the finished run joins the model picker. Zero-shot evaluations started from the
page (recommender_auc.py) show here too while they run."""

from __future__ import annotations

import streamlit as st

from workbench.experiments import prepare_inputs, spec_key
from workbench.recommend.held_out import CLASS_DEMO_SPEC
from workbench.recommend.rank import BOOK_QUESTION_DATASETS
from workbench.specs import (
    EXAMPLE_SPECS, EvaluateSpec, FinetuneSpec, apply_overrides, load_spec,
)
from workbench.store import ACTIVE_STATUSES, RunRecord
from workbench.training.estimate import estimate
from workbench.ui.messages import problems_shown
from workbench.ui.run_state import run_supervisor
from workbench.ui.speed_note import measure_speeds_note
from workbench.ui.state import current_model_name, current_store
from workbench.ui.training_runs import progress_fraction, stage_text
from workbench.units import rough_duration_text

RECIPE = EXAMPLE_SPECS / "bookcrossing-lora.yaml"
CLASS_DEMO = "class_demo"
TALLREC = "tallrec"
RECIPES = {CLASS_DEMO: "Class demo", TALLREC: "TALLRec's recipe"}
SIZES = (16, 64, 256)


def recommender_spec(n_train: int, model: str) -> FinetuneSpec:
    """TALLRec's recipe on `n_train` questions."""
    spec = apply_overrides(load_spec(RECIPE), [f"n_train={n_train}", f"model_name={model}"])
    return spec.model_copy(update={"name": f"Book recommender, LoRA on {n_train} questions"})


def class_demo_spec(model: str) -> FinetuneSpec:
    spec = apply_overrides(load_spec(CLASS_DEMO_SPEC), [f"model_name={model}"])
    return spec.model_copy(update={"name": f"Book recommender, class demo "
                                           f"({spec.data.n_train} questions)"})


def active_recommender_runs() -> list[RunRecord]:
    """Book-question runs on their way: training runs and zero-shot evaluations."""
    return [record for record in current_store().list()
            if record.kind in ("finetune", "evaluate") and record.dataset in BOOK_QUESTION_DATASETS
            and record.status in ACTIVE_STATUSES]


def launch(spec: FinetuneSpec | EvaluateSpec, what: str = "Training") -> None:
    """Start the run in the background, unless the same run is stored or on its way."""
    key = spec_key(spec, prepare_inputs(spec))
    existing = current_store().find_reusable(key)
    if existing is not None:
        st.toast(f"This run is already {existing.status} (run {existing.id}): its result shows "
                 "on this page when done.")
        return
    run_supervisor().submit(spec, key)
    st.toast(f"{what} started in the background: its result shows on this page when done.")


def train_section() -> None:
    with st.expander("Train your own recommender", icon="🏋️"):
        model = current_model_name()
        recipe = st.radio("Recipe", list(RECIPES), key="rec_train_recipe", horizontal=True,
                          format_func=RECIPES.__getitem__)
        if recipe == CLASS_DEMO:
            spec = class_demo_spec(model)
            st.markdown(
                f"Made to learn within a class period: LoRA on every projection of the sidebar's "
                f"model (**{model}**), the loss on the answer word only, and one pass over "
                f"{spec.data.n_train} Book-Crossing questions, each cut to its last "
                f"{spec.training.max_length} tokens (the disliked books and the target stay); "
                f"then its AUC on {spec.data.n_test} questions of readers it never saw, the "
                "questions the zero-shot AUC above is measured on.")
            command = "assets/specs/bookcrossing-class-demo.yaml"
        else:
            st.markdown(
                "TALLRec's recipe on questions built from Book-Crossing: LoRA (r 8, alpha 16, on "
                "the query and value projections), the Alpaca prompt, early stopping on "
                f"validation AUC. It trains the sidebar's model (**{model}**).")
            n_train = st.select_slider("Training questions (K)", SIZES, value=64,
                                       key="rec_train_k")
            spec = recommender_spec(n_train, model)
            command = f"assets/specs/bookcrossing-lora.yaml --set n_train={n_train}"
        left, right = st.columns([1, 4], vertical_alignment="center")
        if left.button("Train", key="rec_train_go", icon="▶️"):
            with problems_shown("Could not start training"):
                launch(spec)
        with right:
            training_time(spec)
        st.caption("It runs in the background: leave this page open or come back later. The "
                   f"same run from a terminal: `python -m workbench run {command}`")
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
    ending = ("" if spec.training.early_stopping_patience is None
              else "; early stopping often ends it sooner")
    st.caption(f"About {rough_duration_text(guess.seconds)} {where}, the test questions "
               f"included{ending}. The same settings trained before are reused, not trained "
               "again.")


def live_training() -> None:
    if not active_recommender_runs():
        return

    @st.fragment(run_every=2.0)
    def live() -> None:
        active = active_recommender_runs()
        if not active:
            st.rerun()  # the finished run joins the model picker, or its AUC shows
        for record in active:
            if record.status == "queued":
                st.caption(f"**{record.name}**: waiting in the queue")
                continue
            progress = record.progress or {}
            st.progress(progress_fraction(progress), text=f"**{record.name}**: {stage_text(progress)}")

    live()
