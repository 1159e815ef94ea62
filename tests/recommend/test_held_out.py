"""A recommender's held-out AUC from its stored run, and the zero-shot run on the same questions."""

from __future__ import annotations

from workbench.recommend.held_out import (
    CLASS_DEMO_SPEC, ZERO_SHOT_SPEC, active_zero_shot, find_zero_shot, held_out, questions_of,
    zero_shot_spec,
)
from workbench.recommend.rank import QUESTION_DATASET
from workbench.prompts.builtin import default_template
from workbench.specs import EXAMPLE_SPECS, load_spec, spec_to_dict
from workbench.store import RunRecord

MODEL = "smollm2-135m-instruct"
TEST = {"n": 200, "auc": 0.6123, "auc_ci": [0.5511, 0.6702]}


def record(spec, status="done", metrics=None, model=MODEL, run_id="run-1", created=1.0):
    spec_dict = spec_to_dict(spec)
    return RunRecord(id=run_id, kind=spec_dict["kind"], method="x", dataset=spec.data.dataset,
                     model=model, name=None, cache_key="k", status=status, spec=spec_dict,
                     created_at=created, metrics=metrics or {})


def test_the_three_book_specs_ask_the_same_question_on_the_same_split():
    demo, zero, lora = (load_spec(p) for p in (CLASS_DEMO_SPEC, ZERO_SHOT_SPEC,
                                               EXAMPLE_SPECS / "bookcrossing-lora.yaml"))
    assert demo.template == zero.template == lora.template == default_template(QUESTION_DATASET)
    assert demo.data.dataset == zero.data.dataset == QUESTION_DATASET
    for spec in (zero, lora):
        assert spec.data.split_seed == demo.data.split_seed
        assert spec.data.test_fraction == demo.data.test_fraction
    assert zero.kind == "evaluate" and demo.kind == "finetune"


def test_held_out_reads_the_test_auc_and_its_interval():
    demo = load_spec(CLASS_DEMO_SPEC)
    held = held_out(record(demo, metrics={"test": TEST}))
    assert (held.auc, held.low, held.high, held.n) == (0.6123, 0.5511, 0.6702, 200)
    assert held.text == ("AUC 0.612 (95% interval 0.551 to 0.670) on 200 Book-Crossing "
                         "questions of held-out readers")
    assert held_out(record(demo, metrics={})) is None
    assert held_out(record(demo, metrics={"test": {"n": 5, "auc": None}})) is None
    tallrec = load_spec(EXAMPLE_SPECS / "tallrec-book-lora.yaml")
    assert held_out(record(tallrec, metrics={"test": {"n": 2427, "auc": 0.5}})).text == (
        "AUC 0.500 on 2,427 questions of TALLRec's book test file")


def test_the_zero_shot_spec_scores_the_same_questions_as_the_run():
    demo = load_spec(CLASS_DEMO_SPEC)
    zero = zero_shot_spec("tiny-random-llama")
    assert zero.kind == "evaluate" and zero.model.name == "tiny-random-llama"
    assert zero.data.n_train is None
    assert questions_of(spec_to_dict(zero)) == questions_of(spec_to_dict(demo))
    lora = load_spec(EXAMPLE_SPECS / "bookcrossing-lora.yaml")
    like = zero_shot_spec(MODEL, like=spec_to_dict(lora))
    assert like.data.n_test == lora.data.n_test == 500
    assert questions_of(spec_to_dict(like)) == questions_of(spec_to_dict(lora))


def test_find_zero_shot_matches_model_template_and_questions():
    demo = load_spec(CLASS_DEMO_SPEC)
    lora = load_spec(EXAMPLE_SPECS / "bookcrossing-lora.yaml")
    on_demo = record(zero_shot_spec(MODEL), run_id="zs-demo", metrics={"test": TEST})
    on_lora = record(zero_shot_spec(MODEL, like=spec_to_dict(lora)), run_id="zs-lora")
    other_model = record(zero_shot_spec("gpt2"), model="gpt2", run_id="zs-gpt2")
    reworded = zero_shot_spec(MODEL).model_copy(deep=True)
    reworded.template.instruction = "Will they like it?"
    other_words = record(reworded, run_id="zs-words")
    running = record(zero_shot_spec(MODEL), status="running", run_id="zs-running")
    trained = record(demo, run_id="demo")
    records = [running, other_words, other_model, on_lora, on_demo, trained]

    assert find_zero_shot(records, MODEL).id == "zs-demo"  # the class demo's questions first
    assert find_zero_shot(records, MODEL, like=spec_to_dict(demo)).id == "zs-demo"
    assert find_zero_shot(records, MODEL, like=spec_to_dict(lora)).id == "zs-lora"
    assert find_zero_shot([on_lora], MODEL).id == "zs-lora"  # else any book questions
    assert find_zero_shot(records, "gpt2").id == "zs-gpt2"
    assert find_zero_shot(records, "other-model") is None
    assert find_zero_shot([other_words, running, trained], MODEL) is None
    assert active_zero_shot(records, MODEL).id == "zs-running"
    assert active_zero_shot(records, MODEL, like=spec_to_dict(lora)) is None
