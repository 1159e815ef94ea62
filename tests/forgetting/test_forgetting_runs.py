"""Forgetting runs end to end on the tiny random Llama: the plan (one run per method), the stored
matrix and its figures, the curve, the perplexity probe, the shared first stage, the CLI."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

from workbench import cli
from workbench.errors import DataValidationError
from workbench.experiments import prepare_inputs, run, spec_key
from workbench.experiments.rows import prepare_class_rows
from workbench.forgetting import metrics as fm
from workbench.forgetting.plan import comparison_key, method_runs
from workbench.forgetting.presets import forgetting_presets
from workbench.specs import DataSpec, ForgettingSpec, SpecError, apply_overrides, parse_spec, spec_to_dict
from workbench.store import Store

TINY = "tiny-random-llama"


def comparison(**changes) -> ForgettingSpec:
    data = {
        "kind": "forgetting", "name": "tiny",
        "model": {"name": TINY},
        "tasks": [
            {"name": "reviews", "data": {"dataset": "amazon-reviews", "n_train": 16, "n_test": 12}},
            {"name": "houses", "data": {"dataset": "california-housing", "n_train": 16, "n_test": 12}},
        ],
        "methods": ["naive"],
        "training": {"method": "full", "batch_size": 4, "learning_rate": 1e-3, "precision": "fp32"},
        "curve_every": 2, "curve_rows": 8, "probe_texts": 4, "batch_size": 8,
    }
    data.update(changes)
    return parse_spec(data)


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Store:
    return Store(tmp_path_factory.mktemp("forgetting-store"))


# --- the plan ------------------------------------------------------------------------------------


def test_one_run_per_method_and_per_lambda_of_a_sweep():
    spec = comparison(methods=["naive", "lora", "ewc"], ewc_sweep={"low": 1, "high": 100, "count": 3})
    runs = method_runs(spec)
    assert [r.methods for r in runs] == [["naive"], ["lora"], ["ewc"], ["ewc"], ["ewc"]]
    assert [r.ewc_lambda for r in runs[2:]] == pytest.approx([1, 10, 100])
    assert all(r.ewc_sweep is None and r.learning_rates == {} for r in runs)
    assert runs[0].training.method == "full" and runs[0].training.learning_rate == 1e-3
    assert runs[1].training.method == "lora" and runs[1].training.learning_rate == 1e-3  # default
    assert runs[3].name == "tiny: EWC (lambda 10)"
    # Each run spells its templates out: the data set's default when the comparison had none.
    assert runs[0].tasks[0].template.question == "Is this review great? Yes or no?"
    assert runs[0].tasks[1].template.question == "Is this house block valuable? Yes or no?"


def test_a_method_keeps_its_cache_key_when_another_methods_setting_changes():
    first = method_runs(comparison(methods=["naive", "replay"], replay_fraction=0.25))
    second = method_runs(comparison(methods=["naive", "replay"], replay_fraction=0.5))
    rows = prepare_inputs(first[0])
    assert spec_key(first[0], rows) == spec_key(second[0], rows)  # naive: unchanged
    assert spec_key(first[1], rows) != spec_key(second[1], rows)  # replay: changed
    assert comparison_key(first[0]) == comparison_key(first[1]) == comparison_key(second[1])
    other_tasks = comparison(tasks=[{"data": {"dataset": "pima-diabetes"}},
                                    {"data": {"dataset": "california-housing"}}])
    assert comparison_key(method_runs(other_tasks)[0]) != comparison_key(first[0])


def test_bad_comparisons_are_spec_errors_that_say_what_is_wrong():
    with pytest.raises(SpecError, match="same name"):
        comparison(tasks=[{"data": {"dataset": "pima-diabetes"}}, {"data": {"dataset": "pima-diabetes"}}])
    with pytest.raises(SpecError, match="each method once"):
        comparison(methods=["naive", "naive"])
    with pytest.raises(SpecError, match="tasks"):
        comparison(tasks=[{"data": {"dataset": "pima-diabetes"}}])
    with pytest.raises(SpecError, match="learning rates"):
        comparison(learning_rates={"lora": 5})


def test_data_overrides_apply_to_every_task_and_indexes_reach_one():
    spec = apply_overrides(comparison(), ["n_train=8", "tasks.1.data.n_test=5", "methods=[lora, replay]"])
    assert [t.data.n_train for t in spec.tasks] == [8, 8]
    assert [t.data.n_test for t in spec.tasks] == [12, 5]
    assert spec.methods == ["lora", "replay"]
    with pytest.raises(SpecError, match="not a section"):
        apply_overrides(comparison(), ["tasks.7.data.n_test=5"])


def test_the_example_specs_are_valid_comparisons():
    presets = forgetting_presets()
    assert len(presets) >= 2
    first = next(iter(presets.values()))
    # The default compares plain fine-tuning with what the issue asks it against: replay and EWC.
    assert {"naive", "replay", "ewc"} <= set(first.methods)
    assert all(get.model.name for get in presets.values())


def test_a_class_filter_keeps_only_those_rows_and_counts_them():
    rows = prepare_class_rows(DataSpec(dataset="adult-income", n_train=20, n_test=10), [">50K", "<=50K"])
    assert rows.info.classes == (">50K", "<=50K")
    assert len(rows.train) == 20 and len(rows.test) == 10
    assert set(rows.train[rows.info.label_column]) <= {">50K", "<=50K"}
    assert list(rows.labels(rows.train)) == [0 if v == ">50K" else 1 for v in rows.train["income"]]
    with pytest.raises(DataValidationError, match="not distinct classes"):
        prepare_class_rows(DataSpec(dataset="adult-income"), ["rich", "poor"])


# --- runs ----------------------------------------------------------------------------------------


def test_a_naive_run_stores_the_matrix_its_figures_the_curve_and_the_probe(store):
    record = run(method_runs(comparison())[0], store=store).record
    assert record.status == "done", record.error
    metrics = record.metrics
    matrix = np.array(metrics["matrix"])
    assert matrix.shape == (3, 2) and ((0 <= matrix) & (matrix <= 1)).all()
    assert metrics["forgetting"][0] == pytest.approx(fm.forgetting(matrix)[0])
    assert metrics["forgetting"][1] is None
    assert metrics["backward_transfer"] == pytest.approx(matrix[2, 0] - matrix[1, 0])
    # 16 rows in batches of 4: 4 steps per task; task A at step 0 of B, then every 2 steps.
    assert [p["step"] for p in metrics["curve"]] == [0, 2, 4]
    assert [p["global_step"] for p in metrics["curve"]] == [4, 6, 8]
    assert len(metrics["perplexity"]) == 3 and all(math.isfinite(p) and p > 1 for p in metrics["perplexity"])
    assert [s["steps"] for s in metrics["stages"]] == [4, 4]
    predictions = store.predictions(record.id)
    assert len(predictions) == 24
    accuracy = predictions.groupby("task", sort=False)["correct"].mean()
    assert list(accuracy.index) == ["reviews", "houses"]
    assert list(accuracy) == pytest.approx(list(matrix[-1]))
    history = (record.folder / "history.jsonl").read_text().splitlines()
    assert sum('"kind": "curve"' in line for line in history) == 3
    assert sum('"loss"' in line for line in history) == 8


def test_a_later_task_can_train_at_a_multiple_of_the_learning_rate(store):
    spec = comparison()
    spec.tasks[1].learning_rate_factor = 3.0
    record = run(method_runs(spec)[0], store=store).record
    assert record.status == "done", record.error
    assert [s["learning_rate"] for s in record.metrics["stages"]] == pytest.approx([1e-3, 3e-3])
    history = [json.loads(line) for line in (record.folder / "history.jsonl").read_text().splitlines()]
    peak = {stage: max(e.get("learning_rate", 0) for e in history if e.get("stage") == stage)
            for stage in (0, 1)}
    assert peak[1] == pytest.approx(3 * peak[0], rel=0.05)  # the optimizer really used it
    # Stored specs and comparison keys of tasks at the default factor stay as they were.
    assert "learning_rate_factor" in spec.tasks[1].model_dump()
    assert "learning_rate_factor" not in spec_to_dict(comparison())["tasks"][0]
    assert comparison_key(spec) != comparison_key(comparison())
    with pytest.raises(SpecError, match="learning_rate_factor"):
        comparison(tasks=[{"data": {"dataset": "amazon-reviews"}, "learning_rate_factor": 0},
                          {"data": {"dataset": "california-housing"}}])


def test_replay_ewc_and_multitask_reuse_the_first_stage_of_naive(store):
    runs = method_runs(comparison(methods=["naive", "replay", "ewc", "multitask"]))
    records = [run(spec, store=store).record for spec in runs]
    assert all(r.status == "done" for r in records), [r.error for r in records]
    naive, replay, ewc, multitask = (r.metrics for r in records)
    for other in (replay, ewc, multitask):
        assert other["reused_first_stage"] is True
        assert other["matrix"][:2] == naive["matrix"][:2]
    # 25% of B's 16 rows come back from A; multi-task trains on all of A and B.
    assert replay["stages"][1]["replayed"] == 4 and replay["stages"][1]["examples"] == 20
    assert multitask["stages"][1]["examples"] == 32
    assert ewc["ewc_lambda"] == 1000.0


def test_class_incremental_runs_keep_union_and_within_task_accuracy(store):
    spec = method_runs(comparison(setting="class_incremental", methods=["last_layers"]))[0]
    record = run(spec, store=store).record
    assert record.status == "done", record.error
    metrics = record.metrics
    assert metrics["classes"] == ["other", "great", "no", "yes"]
    within = np.array(metrics["within_task_matrix"], dtype=float)
    union = np.array(metrics["matrix"])
    assert within.shape == union.shape == (3, 2)
    assert (within >= union - 1e-9).all()  # winning among fewer classes is never harder


def test_a_strong_ewc_penalty_keeps_the_weights_near_the_first_task(tmp_path):
    from workbench.experiments.forgetting import build_tasks, fisher_for, load_trainable
    from workbench.training import train
    from workbench.training.ewc import EWCPenalty

    # Train long enough for the unpenalised drift to add up; the strong penalty's proximal step
    # after each optimizer step takes the weights the first task needs back to the anchor.
    spec = method_runs(comparison(methods=["ewc"], training={
        "method": "full", "batch_size": 4, "learning_rate": 1e-2, "epochs": 4, "precision": "fp32"}))[0]
    drifts = {}
    for strength in (0.0, 1e6):
        trainable = load_trainable(spec, "ewc", 4)
        tasks = build_tasks(spec, prepare_inputs(spec), trainable)
        fisher = fisher_for(spec, trainable, tasks[0], lambda *a, **k: None)
        penalty = EWCPenalty(trainable.model, fisher, strength)
        anchor = {n: p.detach().clone() for n, p in trainable.model.named_parameters()}
        train(trainable, spec.training, tasks[1].examples, [], tasks[1].first_answer_ids,
              tmp_path / f"checkpoints-{strength}", lambda *a, **k: None, lambda: False,
              penalty=penalty)
        drifts[strength] = sum(float(((p.detach() - anchor[n]) ** 2 * fisher[n]).sum())
                               for n, p in trainable.model.named_parameters() if n in fisher)
    assert drifts[1e6] < 0.01 * drifts[0.0]


def test_the_cli_runs_a_comparison_and_prints_matrices_and_forgetting(tmp_path, capsys):
    spec_file = tmp_path / "forgetting.yaml"
    spec_file.write_text(json.dumps(comparison(methods=["naive", "lora"]).model_dump(mode="json")))
    code = cli.main(["run", str(spec_file), "--json", "--store", str(tmp_path / "store")])
    assert code == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["tasks"] == ["reviews", "houses"]
    assert [r["method"] for r in printed["runs"]] == ["naive", "lora"]
    for entry in printed["runs"]:
        assert entry["status"] == "done" and len(entry["matrix"]) == 3
        assert entry["forgetting"][1] is None and isinstance(entry["forgetting"][0], float)
    assert "max over" in printed["forgetting_definition"]
    # Again: both answered from the store; the text output shows each matrix.
    assert cli.main(["run", str(spec_file), "--store", str(tmp_path / "store")]) == 0
    text = capsys.readouterr().out
    assert "before training" in text and "forgetting (points): reviews" in text


def test_the_perplexity_of_a_tied_classifier_is_its_language_models():
    from workbench.forgetting.probe import perplexity, probe_texts
    from workbench.models import load_model
    from workbench.training.methods import load_classifier

    texts = probe_texts(3)
    assert len(set(texts)) == 3
    assert probe_texts(3, exclude=texts[:1])[0] != texts[0]
    causal = load_model(TINY, device="cpu", dtype="float32")
    spec = method_runs(comparison(setting="class_incremental"))[0]
    classifier = load_classifier(spec, 4)
    ids = causal.tokenizer(texts[0], return_tensors="pt")["input_ids"]
    with torch.inference_mode():
        expected = math.exp(float(causal.model(input_ids=ids, labels=ids).loss))
    assert perplexity(causal.model, causal.tokenizer, texts[:1]) == pytest.approx(expected, rel=1e-4)
    assert perplexity(classifier.model, classifier.tokenizer, texts) == pytest.approx(
        perplexity(causal.model, causal.tokenizer, texts), rel=1e-4)
