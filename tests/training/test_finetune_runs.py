"""Fine-tuning runs on the tiny random Llama: every method trains a few steps and lands as a done
run with the common artifacts; adapters reload; cancel and early stopping behave."""

import numpy as np
import pytest

from workbench.experiments import run
from workbench.experiments.finetune import validation_frame
from workbench.experiments.rows import prepare_rows
from workbench.models import load_model
from workbench.prompts import PromptBuilder
from workbench.scoring import score_prompts
from workbench.specs import FinetuneSpec
from workbench.store import Store

TINY = {"name": "tiny-random-llama", "dtype": "float32"}
DATA = {"n_train": 16, "n_test": 8, "val_fraction": 0.002}  # about 40 validation rows


def tiny_spec(method: str, **training) -> FinetuneSpec:
    options = {"method": method, "max_steps": 2, "batch_size": 4, "precision": "fp32",
               "num_virtual_tokens": 4, **training}
    return FinetuneSpec(model=TINY, data=DATA, training=options, batch_size=4)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return Store(tmp_path_factory.mktemp("runs"))


def finished(spec, store, **kwargs):
    record = run(spec, store=store, **kwargs).record
    assert record.status == "done", record.error
    return record


@pytest.mark.parametrize("method", ["lora", "full", "last_layers", "prefix", "prompt", "ia3", "head", "head_lora"])
def test_every_method_trains_and_lands_as_a_done_run(store, method):
    extra = {"prompt_init_text": "Is the block valuable?"} if method == "prompt" else {}
    record = finished(tiny_spec(method, **extra), store)
    metrics = record.metrics
    predictions = store.predictions(record.id)
    assert len(predictions) == 8 and metrics["n_train"] == 16 and metrics["method"] == method
    np.testing.assert_allclose(predictions[["p_no", "p_yes"]].sum(axis=1), 1.0, rtol=1e-5)
    assert metrics["steps"] == 2 and not metrics["cancelled_early"]
    assert 0 < metrics["trainable_parameters"] <= metrics["total_parameters"]
    if method != "full" and method != "head":
        assert metrics["trainable_parameters"] < metrics["total_parameters"] / 2
    steps = [entry for entry in metrics["history"] if "loss" in entry]
    evals = [entry for entry in metrics["history"] if "val_auc" in entry]
    assert [entry["step"] for entry in steps] == [1, 2] and len(evals) == 1
    saved = "adapter" if method in {"lora", "prefix", "prompt", "ia3", "head_lora"} else "model"
    assert (record.folder / saved).is_dir()


def test_full_fine_tuning_saves_safetensors(store):
    record = finished(tiny_spec("full"), store)
    assert (record.folder / "model" / "model.safetensors").is_file()


def test_the_adapter_reloads_and_gives_the_stored_probabilities(store):
    from peft import PeftModel

    spec = tiny_spec("lora", learning_rate=0.05)
    record = finished(spec, store)
    loaded = load_model("tiny-random-llama", device="cpu", dtype="float32")
    model = PeftModel.from_pretrained(loaded.model, str(record.folder / "adapter")).eval()
    rows = prepare_rows(spec.data)
    builder = PromptBuilder(spec.template, rows.info, tokenizer=loaded.tokenizer, train=rows.train)
    result = score_prompts(model, loaded.tokenizer, builder.prompts(rows.test), builder.answer_words, batch_size=4)
    stored = store.predictions(record.id)[["p_no", "p_yes"]].to_numpy()
    np.testing.assert_allclose(result.probabilities, stored, atol=1e-4)
    with model.disable_adapter():  # the adapter did change the answers
        base = score_prompts(model, loaded.tokenizer, builder.prompts(rows.test), builder.answer_words)
    assert np.abs(base.probabilities - stored).max() > 1e-3


def test_cancel_stops_training_at_the_next_step_and_keeps_what_was_trained(store):
    spec = tiny_spec("lora", max_steps=3, seed=1)
    record = run(spec, store=store, should_stop=lambda: True).record
    assert record.status == "cancelled"
    assert record.metrics["cancelled_early"] and record.metrics["steps"] == 1
    assert len(store.predictions(record.id)) == 8
    assert (record.folder / "adapter").is_dir()
    assert not run(spec, store=store).cached  # a cancelled run never answers for a full one


def test_early_stopping_keeps_the_best_validation_auc(store):
    spec = tiny_spec("lora", max_steps=8, eval_every=1, early_stopping_patience=2, learning_rate=0.05)
    record = finished(spec, store)
    history = record.metrics["history"]
    evals = [entry for entry in history if "val_auc" in entry]
    best = max(evals, key=lambda entry: entry["val_auc"])
    assert record.metrics["best_step"] == best["step"]
    # Training stops once `patience` evaluations in a row fail to beat the best one.
    assert record.metrics["steps"] == 8 or record.metrics["steps"] - best["step"] == 2
    # The saved adapter is the best step's: its validation AUC is the best one.
    from peft import PeftModel

    from workbench.metrics import auc

    loaded = load_model("tiny-random-llama", device="cpu", dtype="float32")
    model = PeftModel.from_pretrained(loaded.model, str(record.folder / "adapter")).eval()
    rows = prepare_rows(spec.data)
    val = validation_frame(rows)
    builder = PromptBuilder(spec.template, rows.info, tokenizer=loaded.tokenizer, train=rows.train)
    result = score_prompts(model, loaded.tokenizer, builder.prompts(val), builder.answer_words)
    assert auc(rows.labels(val), result.probabilities) == pytest.approx(best["val_auc"], abs=1e-6)


@pytest.mark.parametrize("method", ["qlora", "lora8bit"])
def test_quantized_lora_trains_on_the_cpu(store, method):
    record = finished(tiny_spec(method), store)
    assert (record.folder / "adapter").is_dir() and len(store.predictions(record.id)) == 8
