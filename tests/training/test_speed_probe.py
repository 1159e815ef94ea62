"""The speed probe: measures this machine once per model, precision and method, keeps it, feeds
the estimate, runs in the background one at a time per device, and gives way to a run that
starts. Real training steps and scoring on the tiny model (a few seconds)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.polling import ended_run, wait_for
from workbench.specs import FinetuneSpec, spec_to_yaml
from workbench.store import Store
from workbench.supervisor import RunSupervisor
from workbench.specs import VALIDATION_ROWS
from workbench.training.estimate import estimate, row_counts
from workbench.training.speed_probe import (
    SPEEDS_ENV, kept_speeds, measure, probe_key, probe_spec, probe_state, probing_devices, start_probe,
)

TINY = {"name": "tiny-random-llama", "dtype": "float32"}


@pytest.fixture(autouse=True)
def _own_speeds(tmp_path, monkeypatch):
    monkeypatch.setenv(SPEEDS_ENV, str(tmp_path / "speeds"))


def tiny_spec(method: str = "lora", **training) -> FinetuneSpec:
    return FinetuneSpec(model=TINY, data={"n_train": 64, "n_test": 32},
                        training={"method": method, "batch_size": 16, **training})


def test_the_probe_spec_is_a_few_small_steps_of_the_same_model_and_method():
    spec = tiny_spec("last_layers", last_k=1, learning_rate=1e-3)
    probe = probe_spec(spec)
    assert probe.model == spec.model and probe.training.method == "last_layers"
    assert probe.training.last_k == 1 and probe.training.max_steps == 3
    assert probe.training.batch_size == 8 and probe.training.eval_every is None
    assert probe.data.val_fraction == 0 and probe.data.n_train == 24


def test_measure_keeps_this_machines_speeds_and_the_estimate_uses_them():
    spec = tiny_spec()
    first_guess = estimate(spec)
    assert not first_guess.measured and "not measured on this machine" in first_guess.basis

    speeds = measure(spec)
    assert speeds.train > 0 and speeds.score > 0 and speeds.tokens > 10
    assert 0 < speeds.cpu_share <= 1 and speeds.startup_seconds > 0
    assert kept_speeds(spec) == speeds

    guess = estimate(spec)
    assert guess.measured and guess.basis.startswith("measured on this machine")
    _, val_rows, test_rows = row_counts(spec.data)
    scored = min(val_rows, VALIDATION_ROWS) + test_rows  # one evaluation, then the test rows
    scale = speeds.tokens / guess.prompt_tokens
    assert guess.seconds == pytest.approx(
        speeds.startup_seconds + 64 / (speeds.train * scale) + scored / (speeds.score * scale))
    # another method, precision or model is another key: not measured yet
    assert not estimate(tiny_spec("full")).measured
    assert probe_key(tiny_spec("full")) != probe_key(spec)
    assert probe_key(tiny_spec(learning_rate=1e-2)) == probe_key(spec)


def test_a_damaged_speeds_file_means_not_measured(tmp_path):
    spec = tiny_spec()
    measure(spec)
    for file in (tmp_path / "speeds").glob("*.json"):
        file.write_text("{not json")
    assert kept_speeds(spec) is None and not estimate(spec).measured


def test_the_background_probe_measures_one_key_per_device_at_a_time():
    lora, full = tiny_spec(), tiny_spec("full")
    assert start_probe(lora)
    assert probe_state(lora) == "running" and "cpu" in probing_devices()
    assert not start_probe(full)  # one probe per device: the other waits
    assert probe_state(full) is None
    wait_for(lambda: probe_state(lora) != "running", "the first probe", timeout=120)
    assert probe_state(lora) is None and kept_speeds(lora) is not None
    assert start_probe(full)
    wait_for(lambda: probe_state(full) != "running", "the second probe", timeout=120)
    assert kept_speeds(full) is not None and not probing_devices()


def test_a_run_starting_on_the_device_ends_the_probe_without_waiting(tmp_path):
    spec = tiny_spec()
    assert start_probe(spec)
    store = Store(tmp_path / "runs")
    supervisor = RunSupervisor(store)
    run = tiny_spec(max_steps=1).model_copy(update={"data": spec.data.model_copy(
        update={"n_train": 8, "n_test": 8})})
    record = supervisor.submit(run)
    wait_for(lambda: store.get(record.id).status != "queued", "the run to start", timeout=30)
    assert not probing_devices() and probe_state(spec) is None  # ended, not failed
    assert kept_speeds(spec) is None
    assert ended_run(store, record.id).status == "done"
    supervisor.shutdown()
    assert estimate(spec, past_runs=store.list(status="done")).measured  # the run measured it


def test_a_probe_that_fails_says_why():
    spec = FinetuneSpec(model={"name": "no-such-org/no-such-model"},
                        training={"method": "lora"})
    assert start_probe(spec)
    wait_for(lambda: probe_state(spec) != "running", "the probe to fail", timeout=60)
    state = probe_state(spec)
    assert state.startswith("failed: ") and "no-such-org/no-such-model" in state
    assert kept_speeds(spec) is None


def test_the_cli_measures_a_spec_file(tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text(spec_to_yaml(tiny_spec("head")))
    done = subprocess.run([sys.executable, "-m", "workbench", "probe", str(path), "--json"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)
    assert printed["train"] > 0 and printed["score"] > 0
    assert kept_speeds(tiny_spec("head")).train == printed["train"]

    evaluate = tmp_path / "evaluate.yaml"
    evaluate.write_text("kind: evaluate\n")
    refused = subprocess.run([sys.executable, "-m", "workbench", "probe", str(evaluate)],
                             capture_output=True, text=True, timeout=120)
    assert refused.returncode == 2 and "kind: finetune" in refused.stderr
