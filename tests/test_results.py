"""Results backend: leaderboard, test sets and rescoring, shots curve, ROC, disagreements and
"Run baselines".

The store holds real runs made through experiments.run: logistic regression and XGBoost on a few
training rows (scored on the whole test split), zero-shot and 2-shot runs of the tiny model on 30
of those test rows, a cancelled run and a failed one. `build_results_store` is shared with the
page tests (tests/ui, tests/e2e).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workbench import results
from workbench.experiments import baseline_grid
from workbench.experiments import run
from workbench.specs import BaselineSpec, DataSpec, EvaluateSpec
from workbench.store import RunRecord, Store

CALIFORNIA = "california-housing"
LM_TEST_ROWS = 30
SEED_SPLIT = dict(dataset=CALIFORNIA, split_seed=42, test_fraction=0.2, stratify=False)
TINY = {"name": "tiny-random-llama"}


def _evaluate(shots: int) -> EvaluateSpec:
    return EvaluateSpec(model=TINY, data=DataSpec(**SEED_SPLIT, n_test=LM_TEST_ROWS),
                        template={"shots": shots})


def _baseline(method: str, n_train: int, **params) -> BaselineSpec:
    # The split "Run baselines" uses: no validation rows, the whole test split.
    return BaselineSpec(method=method, params=params,
                        data=DataSpec(**SEED_SPLIT, val_fraction=0.0, n_train=n_train))


def build_results_store(root: Path) -> dict[str, str]:
    """A store with the four methods of the Done-when check plus a cancelled and a failed run;
    returns {name: run id}."""
    store = Store(root)
    made = {
        "logreg-16": run(_baseline("logreg", 16), store=store),
        "logreg-64": run(_baseline("logreg", 64), store=store),
        "xgboost-16": run(_baseline("xgboost", 16), store=store),
        "zero-shot": run(_evaluate(0), store=store),
        "few-shot": run(_evaluate(2), store=store),
        "cancelled": run(_evaluate(1), store=store, should_stop=lambda: True),
        # XGBoost refuses a forest of -1 trees: a run that fails while running.
        "failed": run(_baseline("xgboost", 32, n_estimators=-1), store=store),
    }
    ids = {name: outcome.record.id for name, outcome in made.items()}
    statuses = {name: store.get(run_id).status for name, run_id in ids.items()}
    assert statuses == {**{name: "done" for name in ids}, "cancelled": "cancelled",
                        "failed": "failed"}, statuses
    return ids


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Store, dict[str, str]]:
    root = tmp_path_factory.mktemp("results-store")
    ids = build_results_store(root)
    return Store(root), ids


@pytest.fixture
def store(built) -> Store:
    return built[0]


@pytest.fixture
def ids(built) -> dict[str, str]:
    return built[1]


@pytest.fixture
def records(store) -> list[RunRecord]:
    return store.list(dataset=CALIFORNIA)


DONE = ("logreg-16", "logreg-64", "xgboost-16", "zero-shot", "few-shot")
BASELINES = ("logreg-16", "logreg-64", "xgboost-16")


class FakeSource:
    """Predictions from frames in memory, for what a real run cannot easily produce."""

    def __init__(self, frames: dict[str, pd.DataFrame | Exception]):
        self.frames = frames

    def predictions(self, run_id: str) -> pd.DataFrame:
        frame = self.frames[run_id]
        if isinstance(frame, Exception):
            raise frame
        return frame


def _frame(row_ids, labels, p_yes, classes=("no", "yes")) -> pd.DataFrame:
    p_yes = np.asarray(p_yes, dtype=float)
    return pd.DataFrame({
        "row_id": row_ids, "label": labels, f"p_{classes[0]}": 1 - p_yes, f"p_{classes[1]}": p_yes,
        "predicted": [classes[1] if p > 0.5 else classes[0] for p in p_yes],
    })


def _record(run_id: str, kind: str, method: str, auc: float, n_train: int, **spec) -> RunRecord:
    return RunRecord(
        id=run_id, kind=kind, method=method, dataset=CALIFORNIA, model="m" if kind != "baseline"
        else None, name=None, cache_key=run_id, status="done", spec=spec, created_at=0.0,
        metrics={"test": {"n": 10, "auc": auc, "auc_ci": [auc - 0.1, auc + 0.05],
                          "accuracy": 0.5}, "n_train": n_train},
    )


# --- leaderboard ---------------------------------------------------------------------------------


def test_leaderboard_has_one_row_per_finished_run_best_auc_first(records, ids):
    table = results.leaderboard(records)
    assert list(table.columns) == results.LEADERBOARD_COLUMNS
    assert sorted(table["run"]) == sorted(ids[name] for name in DONE)
    aucs = table["AUC"].tolist()
    assert aucs == sorted(aucs, reverse=True)
    assert set(table["method"]) == {"zero-shot", "few-shot (2)", "logistic regression", "XGBoost"}
    assert set(table["family"]) == {"zero-shot", "few-shot", "baseline"}
    by_run = table.set_index("run")
    few = by_run.loc[ids["few-shot"]]
    assert few["template"] == "list, 2 shots" and few["n train"] == "2"
    assert few["model"] == "tiny-random-llama" and few["trainable parameters"] == 0
    assert few["test rows"] == "seed 42, 20% test, 30 rows (sample 0)"
    assert few["n test"] == LM_TEST_ROWS and not few["rescored"]
    assert by_run.loc[ids["zero-shot"], "template"] == "list"
    logreg = by_run.loc[ids["logreg-64"]]
    assert logreg["template"] == "-" and logreg["model"] == "-" and logreg["n train"] == "64"
    assert logreg["test rows"] == "seed 42, 20% test, all 4,128 rows"
    assert logreg["trainable parameters"] == 9  # 8 weights and a bias
    assert logreg["AUC low"] < logreg["AUC"] < logreg["AUC high"]
    assert logreg["AUC (95% CI)"] == (
        f"{logreg['AUC']:.3f} [{logreg['AUC low']:.3f}, {logreg['AUC high']:.3f}]"
    )
    assert (table["seconds"] >= 0).all()


def test_failed_and_cancelled_runs_are_listed_separately(records, ids):
    others = results.other_runs(records).set_index("run")
    assert list(others.columns) == results.OTHER_RUN_COLUMNS[1:]
    assert set(others.index) == {ids["failed"], ids["cancelled"]}
    assert others.loc[ids["cancelled"], "status"] == "cancelled"
    failed = others.loc[ids["failed"]]
    assert failed["status"] == "failed" and "n_estimators" in failed["reason"]
    assert "Traceback" not in failed["reason"]


def test_template_summary_and_labels_of_other_shapes():
    chat = _record("r-chat01", "evaluate", "zero-shot", 0.6, 0,
                   template={"serializer": "text", "wrapper": "chat", "shots": 0})
    assert results.template_summary(chat) == "text, chat wrapper"
    one = _record("r-one001", "evaluate", "few-shot", 0.6, 1,
                  template={"serializer": "json", "shots": 1})
    assert results.template_summary(one) == "json, 1 shot"
    lora = _record("r-lora01", "finetune", "lora", 0.7, 256, template={"serializer": "list"},
                   data={"n_train": 256})
    assert results.method_family(lora) == "fine-tuned"
    assert results.series_name(lora) == "m · lora (list)"
    every = _record("r-all001", "baseline", "xgboost", 0.9, 16_512, data={"n_train": None})
    assert results.train_rows_label(every) == "all (16,512)"
    assert results.run_label(every) == "XGBoost · all (16,512) rows · #all001"


def test_run_labels_name_what_differs_between_the_runs():
    from dataclasses import replace

    text = _record("r-text01", "evaluate", "zero-shot", 0.6, 0, template={"serializer": "text"})
    json_ = _record("r-json01", "evaluate", "zero-shot", 0.6, 0, template={"serializer": "json"})
    named = replace(_record("r-name01", "evaluate", "zero-shot", 0.6, 0,
                            template={"serializer": "list"}), name="Template: list")
    lora = _record("r-lora01", "finetune", "lora", 0.7, 256, template={"serializer": "list"},
                   data={"n_train": 256})
    xgb = _record("r-xgb001", "baseline", "xgboost", 0.9, 256, data={"n_train": 256})
    labels = results.run_labels([text, json_, named, lora, xgb])
    assert labels["r-text01"] == "zero-shot · text template"
    assert labels["r-json01"] == "zero-shot · json template"
    assert labels["r-name01"] == "zero-shot · Template: list"
    assert labels["r-lora01"] == "lora · list template"  # every trained run had 256 rows
    assert labels["r-xgb001"] == "XGBoost"
    fewer = _record("r-xgb002", "baseline", "xgboost", 0.8, 64, data={"n_train": 64})
    assert results.run_labels([xgb, fewer]) == {"r-xgb001": "XGBoost · 256 rows",
                                                "r-xgb002": "XGBoost · 64 rows"}
    # Runs alike in everything shown keep apart by their ids; one run alone is its method.
    twin = _record("r-text02", "evaluate", "zero-shot", 0.5, 0, template={"serializer": "text"})
    both = results.run_labels([text, twin])
    assert both == {"r-text01": "zero-shot · #text01", "r-text02": "zero-shot · #text02"}
    assert results.run_labels([xgb]) == {"r-xgb001": "XGBoost"}


# --- test sets and rescoring ---------------------------------------------------------------------


def test_runs_are_grouped_by_the_test_rows_they_scored(store, ids):
    row_ids, problems = results.row_ids_by_run(store, [ids[name] for name in DONE])
    assert not problems
    sets = results.test_sets(row_ids)
    assert [s.size for s in sets] == [LM_TEST_ROWS, 4128]
    shared, whole = sets
    assert set(shared.exact) == {ids["zero-shot"], ids["few-shot"]}
    assert set(shared.covering) == {ids[name] for name in DONE}
    assert set(shared.rescored) == {ids[name] for name in BASELINES}
    assert set(whole.exact) == set(whole.covering) == {ids[name] for name in BASELINES}


def test_rescoring_on_a_runs_own_rows_gives_its_stored_metrics(store, ids):
    for name in ("zero-shot", "logreg-16"):
        stored = store.get(ids[name]).metrics["test"]
        again = results.score_rows(store.predictions(ids[name]))
        assert again["auc"] == pytest.approx(stored["auc"])
        assert again["auc_ci"] == pytest.approx(stored["auc_ci"])
        assert again["accuracy"] == pytest.approx(stored["accuracy"])


def test_baselines_are_rescored_on_the_shared_rows(store, ids, records):
    row_ids, _ = results.row_ids_by_run(store, [ids[name] for name in DONE])
    shared = results.test_sets(row_ids)[0]
    rescored = results.scores_on(store, shared)
    assert set(rescored) == {ids[name] for name in BASELINES}
    assert all(metrics["n"] == LM_TEST_ROWS for metrics in rescored.values())
    table = results.leaderboard(records, rescored).set_index("run")
    assert (table["n test"] == LM_TEST_ROWS).all()
    assert table.loc[list(rescored), "rescored"].all()
    assert not table.loc[[ids["zero-shot"], ids["few-shot"]], "rescored"].any()
    # Independent check: the AUC of the baseline's probabilities on the 30 rows.
    from sklearn.metrics import roc_auc_score

    frame = store.predictions(ids["logreg-64"])
    part = frame[frame["row_id"].isin(shared.row_ids)]
    expected = roc_auc_score(part["label"] == "yes", part["p_yes"])
    assert table.loc[ids["logreg-64"], "AUC"] == pytest.approx(expected)


def test_damaged_or_missing_predictions_are_clear_errors(tmp_path):
    store = Store(tmp_path / "store")
    made = []
    for key in ("gone", "damaged"):
        record = store.create(kind="baseline", method="logreg", dataset=CALIFORNIA, model=None,
                              cache_key=key, spec={}, spec_yaml="{}\n")
        store.finish(record.id, {"test": {"auc": 0.5}}, _frame([1, 2], ["no", "yes"], [0.2, 0.7]))
        made.append(record.id)
    gone, damaged = made
    (store.folder(gone) / "predictions.parquet").unlink()
    (store.folder(damaged) / "predictions.parquet").write_bytes(b"PAR1 this is not parquet PAR1")
    with pytest.raises(results.ResultsError, match="no predictions file"):
        results.read_predictions(store, gone)
    with pytest.raises(results.ResultsError, match="cannot be read .* damaged"):
        results.read_predictions(store, damaged)
    found, problems = results.row_ids_by_run(store, made)
    assert not found and set(problems) == set(made)
    missing_column = FakeSource({"x": pd.DataFrame({"row_id": [1], "label": ["no"]})})
    with pytest.raises(results.ResultsError, match="lacks predicted"):
        results.read_predictions(missing_column, "x")


# --- shots curve ---------------------------------------------------------------------------------


def test_shots_curve_points(records, ids):
    points = results.shots_curve(records)
    assert list(points.columns) == results.SHOTS_COLUMNS
    lines = {series: part for series, part in points.groupby("series")}
    assert set(lines) == {"tiny-random-llama · prompting (list)", "logistic regression", "XGBoost"}
    prompting = lines["tiny-random-llama · prompting (list)"]
    assert prompting["x"].tolist() == ["0", "2"]
    assert prompting["family"].tolist() == ["zero-shot", "few-shot"]
    assert lines["logistic regression"]["n train"].tolist() == [16, 64]
    assert lines["XGBoost"]["x"].tolist() == ["16"]
    by_run = {row["run ids"][0]: row for _, row in points.iterrows()}
    for name in DONE:
        stored = next(r for r in records if r.id == ids[name]).metrics["test"]
        point = by_run[ids[name]]
        assert point["AUC"] == pytest.approx(stored["auc"]) and point["runs"] == 1
        assert [point["AUC low"], point["AUC high"]] == pytest.approx(stored["auc_ci"])
        assert point["band"] == "95% CI"


def test_several_runs_at_one_point_are_averaged_with_their_range():
    four_shots = {"serializer": "list", "shots": 4}
    runs = [
        _record("r-a", "evaluate", "few-shot", 0.60, 4, template=four_shots),
        _record("r-b", "evaluate", "few-shot", 0.70, 4, template=four_shots),
        _record("r-c", "baseline", "logreg", 0.90, 16_512, data={"n_train": None}),
    ]
    points = results.shots_curve(runs).set_index("series")
    few = points.loc["m · prompting (list)"]
    assert few["AUC"] == pytest.approx(0.65) and few["runs"] == 2
    assert (few["AUC low"], few["AUC high"]) == (0.60, 0.70)
    assert few["band"] == "range of 2 runs"
    every = points.loc["logistic regression"]
    assert every["x"] == "all (16,512)" and every["all rows"]


def test_the_shots_axis_puts_zero_first_and_all_last(records):
    points = results.shots_curve(records)
    reference = results.reference_points(CALIFORNIA)
    assert len(reference) == 20  # logistic regression, XGBoost and TabLLM's published curve
    indexed = reference.set_index(["series", "x"])["AUC"]
    assert indexed[("reference: XGBoost", "1,024")] == 0.928
    assert indexed[("reference: TabLLM (T0-11B)", "0")] == 0.61
    assert indexed[("reference: TabLLM (T0-11B)", "256")] == 0.83
    assert results.x_order(points, reference) == [
        "0", "2", "4", "8", "16", "32", "64", "128", "256", "512", "1,024", "all (16,512)"]
    assert results.reference_points("pima-diabetes").empty
    assert results.x_order(results.reference_points("pima-diabetes")) == []


# --- ROC and disagreements -----------------------------------------------------------------------


def test_roc_curves(store, ids):
    chosen = [ids["xgboost-16"], ids["zero-shot"]]
    curves = results.roc_curves(store, chosen)
    assert list(curves) == chosen
    for run_id, curve in curves.items():
        assert curve["fpr"][0] == 0 and curve["tpr"][0] == 0
        assert curve["fpr"][-1] == 1 and curve["tpr"][-1] == 1
        assert np.all(np.diff(curve["fpr"]) >= 0) and np.all(np.diff(curve["tpr"]) >= 0)
        assert curve["auc"] == pytest.approx(store.get(run_id).metrics["test"]["auc"])
    row_ids = store.predictions(ids["zero-shot"])["row_id"].to_numpy()
    on_shared = results.roc_curves(store, [ids["xgboost-16"]], row_ids)[ids["xgboost-16"]]
    assert len(on_shared["fpr"]) <= LM_TEST_ROWS + 1


def test_disagreements_join_on_shared_rows(store, ids):
    found = results.disagreements(store, ids["zero-shot"], ids["logreg-64"])
    assert found.shared == LM_TEST_ROWS
    a, b = store.predictions(ids["zero-shot"]), store.predictions(ids["logreg-64"])
    joined = a.merge(b, on="row_id")
    expected = joined[joined["predicted_x"] != joined["predicted_y"]]
    assert found.count == len(expected) > 0
    assert found.right("A") + found.right("B") + found.right("neither") == found.count
    assert found.right("neither") == 0  # two classes: one of two different answers is right
    rows = found.rows
    assert (rows["A predicted"] != rows["B predicted"]).all()
    assert ((rows["right"] == "A") == (rows["A predicted"] == rows["label"])).all()
    assert list(rows.columns) == ["row_id", "label", "A predicted", "B predicted", "A p(yes)",
                                  "B p(yes)", "right"]
    assert found.summary() == (f"disagree on {found.count} of {LM_TEST_ROWS} shared rows; A right "
                               f"on {found.right('A')}, B right on {found.right('B')}")
    same = results.disagreements(store, ids["logreg-16"], ids["logreg-16"])
    assert same.shared == 4128 and same.count == 0


def test_disagreements_need_shared_rows_and_the_same_classes():
    source = FakeSource({
        "a": _frame([1, 2, 3], ["no", "yes", "no"], [0.2, 0.9, 0.6]),
        "b": _frame([7, 8], ["no", "yes"], [0.3, 0.4]),
        "c": _frame([1, 2], ["bad", "good"], [0.3, 0.4], classes=("bad", "good")),
        "d": _frame([1, 2, 3], ["no", "yes", "no"], [0.8, 0.1, 0.4]),
    })
    with pytest.raises(results.NoSharedRowsError, match="share no test rows"):
        results.disagreements(source, "a", "b")
    with pytest.raises(results.ResultsError, match="different classes"):
        results.disagreements(source, "a", "c")
    found = results.disagreements(source, "a", "d")
    assert found.shared == 3 and found.count == 3
    assert found.rows["right"].tolist() == ["A", "A", "B"]
    assert found.summary() == "disagree on 3 of 3 shared rows; A right on 2, B right on 1"


def test_disagreement_rows_get_the_data_sets_columns():
    rows = pd.DataFrame({"row_id": [2, 0], "label": ["yes", "no"], "right": ["A", "B"]})
    frame = pd.DataFrame({"MedInc": [1.0, 2.0, 3.0], "label": ["no", "no", "yes"],
                          "right": [0, 0, 0]})
    joined = results.with_features(rows, frame, label_column="label")
    assert joined["MedInc"].tolist() == [3.0, 1.0]
    assert "right (feature)" in joined.columns and joined["right"].tolist() == ["A", "B"]
    with pytest.raises(results.ResultsError, match="do not fit"):
        results.with_features(pd.DataFrame({"row_id": [5]}), frame)


# --- "Run baselines" -----------------------------------------------------------------------------


def test_baselines_use_the_split_of_the_language_model_runs(records):
    data = results.baseline_split(records, CALIFORNIA)
    assert (data.split_seed, data.test_fraction, data.stratify) == (42, 0.2, False)
    assert (data.val_fraction, data.n_train, data.n_test) == (0.0, None, None)
    lm = _record("r-lm", "evaluate", "zero-shot", 0.5, 0,
                 data={"split_seed": 7, "test_fraction": 0.3, "stratify": True})
    lm.status = "done"
    assert results.baseline_split([lm], CALIFORNIA).split_seed == 7
    # No language-model runs: the data set's example spec, else the defaults.
    assert results.baseline_split([], CALIFORNIA).stratify is False
    pima = results.baseline_split([], "pima-diabetes")
    assert (pima.dataset, pima.split_seed, pima.stratify) == ("pima-diabetes", 42, True)
    specs = baseline_grid.baseline_specs(data)
    assert len(specs) == 10
    assert [(s.method, s.data.n_train) for s in specs[:5]] == [
        ("logreg", 16), ("logreg", 64), ("logreg", 256), ("logreg", 1024), ("logreg", None)]
    assert {s.method for s in specs[5:]} == {"xgboost"}
    assert all(s.data.split_seed == 42 and s.data.val_fraction == 0.0 for s in specs)


def test_run_baselines_reuses_stored_runs_and_stops_when_asked(store, records):
    specs = baseline_grid.baseline_specs(results.baseline_split(records, CALIFORNIA), grid=(16,))
    seen = []
    counts = baseline_grid.run_baselines(specs, store, lambda *report: seen.append(report), lambda: False)
    assert counts == {"ran": 0, "from the store": 2, "failed": 0}
    assert seen[-1][1:] == (2, 2) and "XGBoost on 16 training rows" in seen[-1][0]
    assert baseline_grid.counts_sentence(counts) == "2 baseline runs: 2 from the store"
    stopped = baseline_grid.run_baselines(specs, store, lambda *report: None, lambda: True)
    assert sum(stopped.values()) == 0
