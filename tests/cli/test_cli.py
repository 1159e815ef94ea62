"""`python -m workbench` as a user runs it."""

import json
import subprocess
import sys
from pathlib import Path

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
