"""Fine-tuning runs on the tiny random Llama: every method trains a few steps and lands as a done
run with the common artifacts; exported adapters reload; cancel, early stopping, live progress and
divergence behave; a run can go into a record made beforehand."""

import re

import numpy as np
import pytest

from workbench.experiments import RunNotQueuedError, run
from workbench.experiments.finetune import validation_frame
from workbench.experiments.history import read_history
from workbench.export import export_run
from workbench.models import load_model
from workbench.prompts import PromptBuilder
from workbench.results import first_paragraph, leaderboard
from workbench.rows import prepare_rows
from workbench.scoring import score_prompts
from workbench.specs import FinetuneSpec, spec_to_dict, spec_to_yaml
from workbench.store import RunNotFoundError, Store

TINY = {"name": "tiny-random-llama", "dtype": "float32"}
DATA = {"n_train": 16, "n_test": 8, "val_fraction": 0.002}  # about 40 validation rows
METHODS = ["lora", "full", "last_layers", "prefix", "prompt", "ia3", "head", "head_lora"]


def tiny_spec(method: str, model: dict = TINY, data: dict = DATA, **training) -> FinetuneSpec:
    options = {"method": method, "max_steps": 2, "batch_size": 4, "precision": "fp32",
               "num_virtual_tokens": 4, **training}
    return FinetuneSpec(model=model, data=data, training=options, batch_size=4)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return Store(tmp_path_factory.mktemp("runs"))


def finished(spec, store, **kwargs):
    record = run(spec, store=store, **kwargs).record
    assert record.status == "done", record.error
    return record


def method_spec(method: str) -> FinetuneSpec:
    extra = {"prompt_init_text": "Is the block valuable?"} if method == "prompt" else {}
    return tiny_spec(method, **extra)


@pytest.mark.parametrize("method", METHODS)
def test_every_method_trains_and_lands_as_a_done_run(store, method):
    record = finished(method_spec(method), store)
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
    assert read_history(record.folder) == metrics["history"]  # written live, step by step
    saved = "adapter" if method in {"lora", "prefix", "prompt", "ia3", "head_lora"} else "model"
    assert (record.folder / saved).is_dir()


def test_full_fine_tuning_saves_safetensors(store):
    record = finished(tiny_spec("full"), store)
    assert (record.folder / "model" / "model.safetensors").is_file()


def test_every_method_s_run_is_on_the_leaderboard_of_its_data_set(store):
    ids = {method: finished(method_spec(method), store).id for method in METHODS}  # stored above
    table = leaderboard(store.list(dataset="california-housing"))
    assert set(ids.values()) <= set(table["run"])
    assert set(table[table["run"].isin(ids.values())]["family"]) == {"fine-tuned"}


def test_the_exported_adapter_loads_as_its_readme_says_and_gives_the_stored_probabilities(
    store, tmp_path
):
    spec = tiny_spec("lora", learning_rate=0.05)
    record = finished(spec, store)
    folder = export_run(store, record.id, tmp_path / "export")
    assert {"spec.yaml", "metrics.json", "predictions.parquet", "history.jsonl", "README.md",
            "adapter"} <= {path.name for path in folder.iterdir()}
    readme = (folder / "README.md").read_text()
    assert "lora" in readme and "california-housing" in readme and "test AUC" in readme
    code = re.search(r"```python\n(.*?)```", readme, re.S).group(1)
    assert "PeftModel.from_pretrained" in code and str(folder.resolve() / "adapter") in code
    loaded = {}
    exec(code, loaded)  # the README's own code, outside the workbench
    model, tokenizer = loaded["model"], loaded["tokenizer"]
    rows = prepare_rows(spec.data)
    builder = PromptBuilder(spec.template, rows.info, tokenizer=tokenizer, train=rows.train)
    result = score_prompts(model, tokenizer, builder.prompts(rows.test), builder.answer_words, batch_size=4)
    stored = store.predictions(record.id)[["p_no", "p_yes"]].to_numpy()
    np.testing.assert_allclose(result.probabilities, stored, atol=1e-4)
    with model.disable_adapter():  # the adapter did change the answers
        base = score_prompts(model, tokenizer, builder.prompts(rows.test), builder.answer_words)
    assert np.abs(base.probabilities - stored).max() > 1e-3


def queued_record(store, spec):
    """A run record made beforehand, as the app makes it before it starts the child process."""
    return store.create(kind=spec.kind, method=spec.training.method, dataset=spec.data.dataset,
                        model=spec.model.name, cache_key="made-by-the-app",
                        spec=spec_to_dict(spec), spec_yaml=spec_to_yaml(spec))


def test_a_run_goes_into_the_queued_record_made_for_it(store):
    spec = tiny_spec("lora", seed=2)
    made = queued_record(store, spec)
    assert made.status == "queued"
    outcome = run(spec, store=store, run_id=made.id)
    assert not outcome.cached and outcome.record.id == made.id and outcome.record.status == "done"
    assert len([r for r in store.list() if r.cache_key == "made-by-the-app"]) == 1
    with pytest.raises(RunNotQueuedError, match="is done, not queued"):
        run(spec, store=store, run_id=made.id)
    with pytest.raises(RunNotFoundError):
        run(spec, store=store, run_id="no-such-run")


def test_a_data_problem_fails_the_queued_record(store):
    spec = tiny_spec("lora", data={**DATA, "dataset": "no-such-data"})
    record = run(spec, store=store, run_id=queued_record(store, spec).id).record
    assert record.status == "failed" and "Unknown data set" in first_paragraph(record.error)


def test_the_store_shows_the_training_loss_eta_and_validation_metrics(store):
    spec = tiny_spec("lora", max_steps=3, seed=3)
    seen = {}

    def progress(stage, done, total, **details):
        if stage == "training" and "val_auc" in details:  # the store has it before the caller
            seen.update(store.list(status="running")[0].progress)

    record = run(spec, store=store, progress=progress).record
    assert record.status == "done"
    assert seen["stage"] == "training" and seen["done"] == seen["total"] == 3
    assert np.isfinite(seen["loss"]) and seen["eta_seconds"] == 0 and seen["examples_per_second"] > 0
    assert {"epoch", "learning_rate", "val_loss", "val_auc", "val_accuracy"} <= set(seen)


def test_a_diverging_loss_fails_the_run_with_advice(store):
    # float16 weights at the highest learning rate the spec allows: NaN by the third step.
    spec = tiny_spec("lora", model={**TINY, "dtype": "float16"}, learning_rate=1.0, max_steps=3,
                     lr_scheduler="constant")
    record = run(spec, store=store).record
    assert record.status == "failed"
    reason = first_paragraph(record.error)
    assert re.fullmatch(r"Training diverged at step \d: the loss became (NaN|infinite)\. Lower the "
                        r"learning rate \(it was 1\).*", reason), reason
    assert "Traceback" in record.error  # after the reason
    assert any(not np.isfinite(entry["loss"]) for entry in read_history(record.folder))


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


def test_each_evaluation_scores_the_validation_rows_asked_for(store):
    spec = tiny_spec("lora", max_steps=2, eval_every=1, val_rows=5)
    record = finished(spec, store)
    assert record.metrics["n_val"] == 5 < len(prepare_rows(spec.data).val)
    assert len([entry for entry in record.metrics["history"] if "val_auc" in entry]) == 2


@pytest.mark.parametrize("method", ["qlora", "lora8bit"])
def test_quantized_lora_trains_on_the_cpu(store, method):
    record = finished(tiny_spec(method), store)
    assert (record.folder / "adapter").is_dir() and len(store.predictions(record.id)) == 8


def test_prefix_tuning_with_gradient_checkpointing_fails_in_words(store):
    record = run(tiny_spec("prefix", gradient_checkpointing=True), store=store).record
    assert record.status == "failed"
    assert record.error.startswith("Prefix tuning cannot run with gradient checkpointing")
