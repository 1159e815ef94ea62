"""The estimate before a run: trainable counts are those of the really built model; memory and
time are positive and grow with the batch and the rows; earlier runs set the speed."""

import pytest

from workbench.specs import FinetuneSpec
from workbench.store import RunRecord
from workbench.training import build_trainable, count_parameters
from workbench.training.estimate import REFERENCE_SPEEDS, estimate, prompt_tokens, training_plan
from workbench.training.meta import target_module_choices
from workbench.training.methods import METHODS
from workbench.training.speed_probe import SPEEDS_ENV

TINY = {"name": "tiny-random-llama", "dtype": "float32"}


@pytest.fixture(autouse=True)
def _nothing_measured_yet(tmp_path, monkeypatch):
    """Estimates from the reference speeds: no probe or run of this suite measured anything."""
    monkeypatch.setenv(SPEEDS_ENV, str(tmp_path / "speeds"))


def tiny_spec(method: str = "lora", n_train: int = 64, **training) -> FinetuneSpec:
    return FinetuneSpec(
        model=TINY, data={"n_train": n_train, "n_test": 32},
        training={"method": method, "num_virtual_tokens": 4, **training},
    )


@pytest.mark.parametrize("method", list(METHODS))
def test_trainable_count_is_the_built_models(method):
    extra = {"prompt_init_text": "Is the block valuable?"} if method == "prompt" else {}
    spec = tiny_spec(method, lora_r=4, last_k=1, **extra)
    built = build_trainable(spec, num_labels=2)
    trainable, total = count_parameters(built.model)
    guess = estimate(spec)
    assert guess.trainable_parameters == trainable
    if METHODS[method].quantization == "none":  # 4-bit weights count as stored, two per byte
        assert guess.total_parameters == total


def test_target_modules_change_the_count():
    spec = tiny_spec("lora", target_modules=["q_proj"])
    built = build_trainable(spec, num_labels=2)
    assert estimate(spec).trainable_parameters == count_parameters(built.model)[0]
    assert estimate(spec).trainable_parameters < estimate(tiny_spec("lora")).trainable_parameters


def test_linear_layers_and_the_default_targets():
    names, defaults = target_module_choices("tiny-random-llama")
    assert "q_proj" in names and "down_proj" in names and "lm_head" not in names
    assert set(defaults) <= set(names) and len(defaults) == 7


def test_memory_and_time_grow_with_batch_and_rows():
    small = estimate(tiny_spec(batch_size=4))
    assert small.memory_bytes > 0 and small.seconds > 0 and small.basis
    assert estimate(tiny_spec(batch_size=32)).memory_bytes > small.memory_bytes
    assert estimate(tiny_spec(n_train=512, batch_size=4)).seconds > small.seconds
    assert estimate(tiny_spec(gradient_checkpointing=True, batch_size=32)).memory_bytes < estimate(
        tiny_spec(batch_size=32)).memory_bytes
    full = estimate(tiny_spec("full"))
    assert full.memory_parts["gradients and optimizer"] == 12 * full.trainable_parameters


def test_quantized_weights_take_less_memory():
    lora = estimate(tiny_spec("lora")).memory_parts["weights"]
    assert estimate(tiny_spec("lora8bit")).memory_parts["weights"] < lora
    assert estimate(tiny_spec("qlora")).memory_parts["weights"] < estimate(tiny_spec("lora8bit")).memory_parts["weights"]


def test_training_plan():
    spec = tiny_spec(batch_size=16, epochs=2).training
    assert training_plan(spec, 100) == (14, 200, 2)
    steps = tiny_spec(max_steps=5, batch_size=8, eval_every=2).training
    assert training_plan(steps, 100) == (5, 40, 2)


def _done_run(spec: FinetuneSpec, seconds: float, score: float) -> RunRecord:
    metrics = {"device": "cpu", "training_seconds": seconds, "steps": 4, "n_train": 64, "n_val": 0,
               "examples_per_second": score, "history": [], "test": {"auc": 0.7}}
    return RunRecord(
        id="r1", kind="finetune", method=spec.training.method, dataset=spec.data.dataset,
        model=spec.model.name, name=None, cache_key="k", status="done",
        spec=spec.model_dump(mode="json"), created_at=0.0, metrics=metrics,
    )


def test_earlier_runs_of_the_same_model_and_method_set_the_speed():
    spec = tiny_spec(batch_size=16)
    reference = estimate(spec)
    assert "reference" in reference.basis
    slow = _done_run(spec, seconds=640.0, score=1.0)  # 0.1 examples/s
    guess = estimate(spec, past_runs=[slow, slow])
    assert guess.basis.startswith("based on your 2 earlier LoRA runs")
    assert guess.seconds > 640 and guess.seconds > reference.seconds
    other_method = estimate(tiny_spec("full"), past_runs=[slow])
    assert "reference" in other_method.basis


def test_every_method_has_a_reference_speed():
    assert set(REFERENCE_SPEEDS) == set(METHODS)


def test_training_cuts_examples_to_max_length_while_scoring_reads_whole_prompts():
    whole, cut = prompt_tokens(tiny_spec()), prompt_tokens(tiny_spec(max_length=32))
    assert whole.train == whole.score > 40  # California rows as lists: longer than 32 tokens
    assert cut.train == 32 and cut.score == whole.score
    long, short = estimate(tiny_spec()), estimate(tiny_spec(max_length=32))
    assert short.prompt_tokens == 32 and short.seconds < long.seconds
    assert short.memory_bytes < long.memory_bytes
