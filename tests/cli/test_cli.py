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
