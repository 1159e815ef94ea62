"""`python -m workbench` as a user runs it, and as the app runs it in a child process."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from workbench.cli import main
from workbench.experiments import run
from workbench.experiments.history import read_history
from workbench.specs import apply_overrides, load_spec
from workbench.store import Store
from workbench.supervisor import CANCEL_FILE

REPO = Path(__file__).resolve().parents[2]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "workbench", *args], cwd=REPO, capture_output=True, text=True,
        timeout=300,
    )


def test_datasets_json_lists_every_data_set_with_rows():
    result = run_cli("datasets", "--json")
    assert result.returncode == 0, result.stderr
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert rows["california-housing"]["rows"] == 20_640
    for row in rows.values():
        assert {"name", "kind", "rows", "source"} <= set(row)
        assert row["kind"] in {"tabular", "text", "recommendation"}


def test_models_json():
    result = run_cli("models", "--json")
    assert result.returncode == 0, result.stderr
    models = json.loads(result.stdout)
    assert models[0]["name"] == "smollm2-135m-instruct" and models[0]["kind"] == "embedded"
    assert all({"name", "kind"} <= set(model) for model in models)


def test_assets_status_json():
    result = run_cli("assets", "status", "--json")
    assert result.returncode == 0, result.stderr
    assert all(row["fetched"] for row in json.loads(result.stdout))


def test_unknown_command_fails_with_usage():
    result = run_cli("frobnicate")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr


def test_run_prints_json_and_the_second_call_answers_from_the_store(tmp_path):
    store = str(tmp_path / "store")
    args = ("run", "assets/specs/california-xgboost.yaml", "--set", "n_train=200", "--json", "--store", store)
    first = run_cli(*args)
    assert first.returncode == 0, first.stderr
    result = json.loads(first.stdout)
    assert result["status"] == "done" and not result["cached"]
    assert 0.8 < result["metrics"]["test"]["auc"] <= 1 and 0.5 < result["metrics"]["test"]["accuracy"] <= 1
    assert "training XGBoost" in first.stderr  # progress goes to stderr
    second = json.loads(run_cli(*args).stdout)
    assert second["cached"] and second["run_id"] == result["run_id"]
    listing = run_cli("runs", "--json", "--store", store)
    assert [r["run_id"] for r in json.loads(listing.stdout)] == [result["run_id"]]
    shown = json.loads(run_cli("show", result["run_id"], "--json", "--store", store).stdout)
    assert shown["metrics"]["test"]["auc"] == result["metrics"]["test"]["auc"]


def test_run_rejects_bad_specs_and_overrides_clearly(tmp_path):
    bad = run_cli("run", "assets/specs/california-xgboost.yaml", "--set", "n_train=-1",
                  "--store", str(tmp_path))
    assert bad.returncode == 2 and "n_train" in bad.stderr and "Traceback" not in bad.stderr
    missing = run_cli("run", "no/such/spec.yaml", "--store", str(tmp_path))
    assert missing.returncode == 2 and "Cannot read the spec file" in missing.stderr
    unknown = run_cli("show", "nope", "--store", str(tmp_path))
    assert unknown.returncode == 2 and "No run with id" in unknown.stderr


# --- the app's child process: run SPEC --run-dir DIR ----------------------------------------------

TINY_LORA = {"kind": "finetune", "model": {"name": "tiny-random-llama", "dtype": "float32"},
             "data": {"n_train": 16, "n_test": 8, "val_fraction": 0.002}, "batch_size": 4,
             "training": {"method": "lora", "max_steps": 2, "batch_size": 4, "precision": "fp32"}}


def queued_run(store, **training):
    """The app's side: a queued record with spec.yaml in its folder."""
    from workbench.specs import parse_spec, spec_to_dict, spec_to_yaml

    spec = parse_spec({**TINY_LORA, "training": {**TINY_LORA["training"], **training}})
    return store.create(kind=spec.kind, method=spec.training.method, dataset=spec.data.dataset,
                        model=spec.model.name, cache_key="made-by-the-app",
                        spec=spec_to_dict(spec), spec_yaml=spec_to_yaml(spec))


def start_child(record, tmp_path) -> subprocess.Popen:
    env = {**os.environ, "WORKBENCH_RUNS": str(tmp_path / "not-this-store")}
    folder = str(record.folder)
    return subprocess.Popen(
        [sys.executable, "-m", "workbench", "run", f"{folder}/spec.yaml", "--run-dir", folder,
         "--json"], cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def test_the_child_runs_into_its_queued_record(tmp_path):
    store = Store(tmp_path / "store")
    record = queued_run(store)
    child = start_child(record, tmp_path)
    stdout, stderr = child.communicate(timeout=300)
    assert child.returncode == 0, stderr
    summary = json.loads(stdout)
    assert summary["run_id"] == record.id and summary["status"] == "done"
    done = store.get(record.id)
    assert done.status == "done" and done.pid == child.pid
    assert [r.id for r in store.list()] == [record.id]
    assert (record.folder / "adapter").is_dir() and len(store.predictions(record.id)) == 8
    history = read_history(record.folder)
    assert [entry["step"] for entry in history if "loss" in entry] == [1, 2]
    assert "training: 2/2 (100%), loss" in stderr  # progress lines, for the log file
    assert not (tmp_path / "not-this-store").exists()


def test_a_cancel_file_stops_the_child_at_the_next_step_and_keeps_the_adapter(tmp_path):
    store = Store(tmp_path / "store")
    record = queued_run(store, max_steps=2000)
    child = start_child(record, tmp_path)
    deadline = time.monotonic() + 240
    while not read_history(record.folder) and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    (record.folder / CANCEL_FILE).touch()
    _, stderr = child.communicate(timeout=240)
    assert child.returncode == 1
    cancelled = store.get(record.id)
    assert cancelled.status == "cancelled", stderr
    assert cancelled.metrics["cancelled_early"] and 1 <= cancelled.metrics["steps"] < 2000
    assert (record.folder / "adapter").is_dir() and len(store.predictions(record.id)) == 8


def test_a_cancel_file_there_before_the_start_still_keeps_one_step(tmp_path, capsys):
    store = Store(tmp_path / "store")
    record = queued_run(store, max_steps=3)
    (record.folder / CANCEL_FILE).touch()
    assert main(["run", str(record.folder / "spec.yaml"), "--run-dir", str(record.folder)]) == 1
    cancelled = store.get(record.id)
    assert cancelled.status == "cancelled" and cancelled.metrics["steps"] == 1
    assert (record.folder / "adapter").is_dir()
    assert "cancelled" in capsys.readouterr().err


def test_run_dir_must_be_a_queued_run_folder(tmp_path, capsys):
    spec = "assets/specs/california-xgboost.yaml"
    assert main(["run", spec, "--run-dir", str(tmp_path)]) == 2
    assert "is not a run folder of a run store" in capsys.readouterr().err
    assert not (tmp_path.parent / "index.sqlite3").exists()  # no store made where it pointed
    store = Store(tmp_path / "store")
    done = run(load_spec(spec), store=store).record
    assert main(["run", spec, "--run-dir", str(done.folder)]) == 2
    assert f"Run {done.id} is done, not queued" in capsys.readouterr().err


# --- export ---------------------------------------------------------------------------------------


def test_export_of_a_run_without_weights_copies_its_artifacts(tmp_path, capsys):
    store = Store(tmp_path / "store")
    record = run(apply_overrides(load_spec("assets/specs/california-xgboost.yaml"), ["n_train=200"]),
                 store=store).record
    target = tmp_path / "export"
    assert main(["export", record.id, str(target), "--store", str(store.root)]) == 0
    assert sorted(path.name for path in target.iterdir()) == [
        "README.md", "metrics.json", "predictions.parquet", "spec.yaml"]
    readme = (target / "README.md").read_text()
    assert record.id in readme and "california-housing" in readme and "no language-model weights" in readme
    assert main(["export", record.id, str(target), "--store", str(store.root)]) == 2
    assert "is not empty" in capsys.readouterr().err
    assert main(["export", "no-such-run", str(tmp_path / "other"), "--store", str(store.root)]) == 2
    assert "No run with id 'no-such-run'" in capsys.readouterr().err
