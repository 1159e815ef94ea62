"""run(spec): real runs on real data, stored with the common artifacts, answered from the store."""

import numpy as np
import pytest

from workbench.errors import WorkbenchError
from workbench.experiments import run
from workbench.experiments.kinds import RUNNERS
from workbench.rows import prepare_rows
from workbench.specs import (
    RUN_KINDS, BaselineSpec, DataSpec, EvaluateSpec, SpecError, apply_overrides, load_spec, parse_spec,
)
from workbench.store import Store

TINY = {"name": "tiny-random-llama"}


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "store")


def test_every_run_kind_has_one_runner_and_messages_list_the_kinds():
    assert list(RUNNERS) == list(RUN_KINDS)
    assert all(RUN_KINDS[name].spec.model_fields["kind"].default == name for name in RUN_KINDS)
    with pytest.raises(SpecError, match="use evaluate, baseline, finetune or forgetting"):
        parse_spec({"kind": "train"})


def test_rows_follow_the_seed_protocol_and_limits():
    rows = prepare_rows(DataSpec(stratify=False, val_fraction=0.0, n_train=64, n_test=50))
    assert len(rows.train) == 64 and len(rows.test) == 50
    full = prepare_rows(DataSpec(stratify=False, val_fraction=0.0))
    assert len(full.test) == 4128
    assert set(rows.test.row_id) <= set(full.test.row_id)
    assert set(rows.train.row_id).isdisjoint(full.test.row_id)
    again = prepare_rows(DataSpec(stratify=False, val_fraction=0.0, n_train=64, n_test=50))
    assert list(again.test.row_id) == list(rows.test.row_id)


def test_asking_for_more_rows_than_the_split_has_is_noted():
    rows = prepare_rows(DataSpec(dataset="pima-diabetes", n_test=10_000))
    assert len(rows.test) < 10_000 and "using all of them" in rows.notes[0]


def test_baseline_run_writes_the_common_artifacts(store):
    spec = BaselineSpec(method="logreg", data=DataSpec(stratify=False, val_fraction=0.0, n_train=256))
    outcome = run(spec, store=store)
    record = outcome.record
    assert record.status == "done" and not outcome.cached
    assert {"spec.yaml", "metrics.json", "predictions.parquet"} <= {p.name for p in record.folder.iterdir()}
    predictions = store.predictions(record.id)
    assert list(predictions.columns) == ["row_id", "label", "p_no", "p_yes", "predicted"]
    assert len(predictions) == 4128
    np.testing.assert_allclose(predictions[["p_no", "p_yes"]].sum(axis=1), 1.0)
    assert 0.85 < record.metrics["test"]["auc"] < 0.95
    assert record.metrics["n_train"] == 256


def test_the_same_spec_is_answered_from_the_store(store):
    spec = BaselineSpec(method="xgboost", data=DataSpec(n_train=100, n_test=200))
    first = run(spec, store=store)
    second = run(spec.model_copy(update={"name": "another label"}), store=store)
    assert second.cached and second.record.id == first.record.id
    forced = run(spec, store=store, force=True)
    assert not forced.cached and forced.record.id != first.record.id


def test_zero_and_few_shot_runs_on_the_tiny_model(store):
    zero = run(EvaluateSpec(model=TINY, data=DataSpec(n_test=24)), store=store).record
    few = run(apply_overrides(EvaluateSpec(model=TINY, data=DataSpec(n_test=24)), ["shots=2"]), store=store).record
    assert zero.status == few.status == "done"
    assert (zero.method, few.method) == ("zero-shot", "few-shot")
    assert zero.metrics["tokens_per_row"]["mean"] < few.metrics["tokens_per_row"]["mean"]
    assert list(store.predictions(zero.id).row_id) == list(store.predictions(few.id).row_id)


def test_cancelling_stores_a_cancelled_run(store):
    outcome = run(EvaluateSpec(model=TINY, data=DataSpec(n_test=40), batch_size=4), store=store,
                  should_stop=lambda: True)
    assert outcome.record.status == "cancelled"
    assert store.find_done(outcome.record.cache_key) is None


def test_a_failure_while_running_is_stored_with_its_reason(store):
    spec = EvaluateSpec(model=TINY, data=DataSpec(n_test=8),
                        template={"serializer": "jinja", "jinja": "{{ NoSuchColumn }}"})
    record = run(spec, store=store).record
    assert record.status == "failed" and "NoSuchColumn" in record.error


def test_bad_data_fails_before_anything_is_stored(store):
    with pytest.raises(WorkbenchError, match="Unknown data set"):
        run(BaselineSpec(data=DataSpec(dataset="no-such-data")), store=store)
    assert store.list() == []


def test_example_spec_runs_as_written(store):
    spec = apply_overrides(load_spec("assets/specs/california-logreg.yaml"), ["n_train=64"])
    assert run(spec, store=store).record.status == "done"
