"""Your own table from the command line: a spec naming the file by path gives the app's data
fingerprint and baseline AUCs, `datasets add` keeps it as the app does, and bad specs are
refused in words."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.your_table import applications, csv_bytes
from workbench import results
from workbench.experiments import baseline_grid
from workbench.cli import main
from workbench.data import kept
from workbench.data.tables import TableChoice
from workbench.experiments import run
from workbench.store import Store


@pytest.fixture(autouse=True)
def tables(tmp_path, monkeypatch):
    monkeypatch.setenv(kept.TABLES_ENV, str(tmp_path / "tables"))


@pytest.fixture
def table_file(tmp_path):
    path = tmp_path / "applications.csv"
    path.write_bytes(csv_bytes(applications()))
    return path


def cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def write_spec(path, method: str, table, **data) -> str:
    fields = {"file": str(table), "label_column": "card", "positive_class": "yes",
              "val_fraction": 0.0, **data}
    path.write_text(f"kind: baseline\nmethod: {method}\ndata: {json.dumps(fields)}\n")
    return str(path)


def test_a_spec_naming_the_file_gives_the_apps_fingerprint_and_baseline_aucs(
    tmp_path, table_file, capsys
):
    # The app: "Use this data set" keeps the upload, then Results' "Run baselines".
    record, _ = kept.keep_table(table_file.read_bytes(), "upload.csv", TableChoice("card", "yes"))
    app_store = Store(tmp_path / "app-runs")
    specs = [spec for spec in baseline_grid.baseline_specs(results.baseline_split([], record.id))
             if spec.data.n_train is None]
    app = {spec.method: run(spec, store=app_store).record for spec in specs}
    assert set(app) == {"logreg", "xgboost"}

    # The command line, on another store so that it really runs.
    for method in ("logreg", "xgboost"):
        spec = write_spec(tmp_path / f"{method}.yaml", method, table_file)
        code, out, err = cli(capsys, "run", spec, "--json", "--store", str(tmp_path / "cli-runs"))
        assert code == 0, err
        answer = json.loads(out)
        assert not answer["cached"] and answer["dataset"] == record.id
        stored = Store(tmp_path / "cli-runs").get(answer["run_id"])
        assert stored.cache_key == app[method].cache_key  # same data fingerprint, same spec
        assert answer["metrics"]["test"]["auc"] == app[method].metrics["test"]["auc"]
        assert answer["metrics"]["test"]["auc_ci"] == app[method].metrics["test"]["auc_ci"]

    # A renamed copy is answered from the store; an edited file is another data set.
    copy = tmp_path / "renamed.csv"
    shutil.copy(table_file, copy)
    code, out, _ = cli(capsys, "run", write_spec(tmp_path / "copy.yaml", "logreg", copy),
                       "--json", "--store", str(tmp_path / "cli-runs"))
    assert code == 0 and json.loads(out)["cached"]
    edited = applications()
    edited.loc[3, "income"] = 999.0
    changed = tmp_path / "applications-v2.csv"
    changed.write_bytes(csv_bytes(edited))
    code, out, _ = cli(capsys, "run", write_spec(tmp_path / "edited.yaml", "logreg", changed),
                       "--json", "--store", str(tmp_path / "cli-runs"))
    answer = json.loads(out)
    assert code == 0 and not answer["cached"] and answer["dataset"] != record.id


def test_datasets_add_keeps_it_as_the_app_does_and_lists_it(table_file, capsys):
    code, out, err = cli(capsys, "datasets", "add", str(table_file), "--label", "card",
                         "--positive", "yes", "--name", "Card applications",
                         "--role", "city=ignored", "--describe", "income=yearly income",
                         "--test-fraction", "0.25", "--split-seed", "3")
    assert code == 0, err
    (record,) = kept.kept_tables()
    assert out.startswith(f"Kept: {record.id} (Card applications), 300 rows")
    assert record.roles["city"] == "ignored" and record.descriptions == {"income": "yearly income"}
    assert record.split == {"test_fraction": 0.25, "split_seed": 3}
    app, new = kept.keep_table(table_file.read_bytes(), "x.csv", record.choice)
    assert not new and app.id == record.id  # the app finds the same data set
    code, out, _ = cli(capsys, "datasets", "--json")
    listed = {row["name"]: row for row in json.loads(out)}[record.id]
    assert listed["group"] == "Your data" and listed["rows"] == 300
    assert listed["details"]["sha256"] == record.sha256
    assert listed["details"]["label choice"] == "'card' = 'yes' against the rest"
    code, out, _ = cli(capsys, "datasets", "add", str(table_file), "--label", "card",
                       "--positive", "yes", "--role", "city=ignored", "--describe",
                       "income=yearly income")
    assert code == 0 and out.startswith(f"Already kept: {record.id}")
    code, out, _ = cli(capsys, "datasets", "remove", record.id)
    assert code == 0 and kept.kept_tables() == []


BAD = {
    "no label column": ({"file": "T"}, "needs `label_column`"),
    "a label without a file": ({"label_column": "card"}, "describe a table given by `file`"),
    "a file and a train_file": ({"file": "T", "label_column": "card", "train_file": "T"},
                                "either `file`"),
    "a URL": ({"file": "https://example.com/t.csv", "label_column": "card"}, "on this machine"),
    "a missing file": ({"file": "MISSING", "label_column": "card"}, "There is no file"),
    "a label that is not a column": ({"file": "T", "label_column": "crad"},
                                     "There is no column 'crad'"),
    "a role that is no role": ({"file": "T", "label_column": "card", "roles": {"age": "date"}},
                               "roles.age"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_table_specs_exit_2_with_a_message(case, tmp_path, table_file, capsys):
    data, message = BAD[case]
    data = {k: (str(table_file) if v == "T" else str(tmp_path / "nope.csv") if v == "MISSING" else v)
            for k, v in data.items()}
    spec = tmp_path / "bad.yaml"
    spec.write_text(f"kind: baseline\nmethod: logreg\ndata: {json.dumps(data)}\n")
    code, _, err = cli(capsys, "run", str(spec), "--store", str(tmp_path / "runs"))
    assert code == 2 and message in err and "Traceback" not in err
    assert kept.kept_tables() == []


def test_a_built_in_spec_pointed_at_a_file_runs_on_the_file(tmp_path, table_file, capsys):
    spec = Path(__file__).resolve().parents[2] / "assets" / "specs" / "california-logreg.yaml"
    code, out, err = cli(capsys, "run", str(spec), "--json",
                         "--set", f"file={table_file}", "--set", "data.label_column=card",
                         "--set", "data.positive_class=yes", "--store", str(tmp_path / "runs"))
    assert code == 0, err
    (record,) = kept.kept_tables()
    assert json.loads(out)["dataset"] == record.id and record.name == "applications.csv"
