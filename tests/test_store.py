"""The run store: index and folders, atomic artifacts, cache lookups, reconciliation."""

import json
import subprocess
import sys

import pandas as pd
import pytest

from workbench.store import RunNotFoundError, Store


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "store")


def make_run(store, key="k1", **kw):
    return store.create(
        kind="evaluate", method="zero-shot", dataset="california-housing", model="m",
        cache_key=key, spec={"kind": "evaluate"}, spec_yaml="kind: evaluate\n", **kw,
    )


def test_a_run_is_done_only_with_its_artifacts(store):
    record = make_run(store)
    assert record.status == "queued" and (record.folder / "spec.yaml").is_file()
    store.start(record.id)
    assert store.find_done("k1") is None
    predictions = pd.DataFrame({"row_id": [3, 5], "label": ["no", "yes"], "p_no": [0.9, 0.2],
                                "p_yes": [0.1, 0.8], "predicted": ["no", "yes"]})
    store.finish(record.id, {"test": {"auc": 1.0}}, predictions)
    done = store.find_done("k1")
    assert done.id == record.id and done.status == "done" and done.metrics["test"]["auc"] == 1.0
    assert json.loads((record.folder / "metrics.json").read_text())["test"]["auc"] == 1.0
    pd.testing.assert_frame_equal(store.predictions(record.id), predictions)
    assert not list(record.folder.glob(".*tmp"))


def test_find_done_ignores_runs_whose_files_are_gone(store):
    record = make_run(store)
    store.finish(record.id, {"test": {}})
    (record.folder / "metrics.json").unlink()
    assert store.find_done("k1") is None


def test_a_run_on_its_way_or_done_is_reusable_and_a_failed_one_is_not(store):
    failed = make_run(store)
    store.fail(failed.id, "boom")
    assert store.find_reusable("k1") is None
    queued = make_run(store)
    assert store.find_reusable("k1").id == queued.id
    store.start(queued.id)
    assert store.find_reusable("k1").status == "running"
    store.finish(queued.id, {"test": {}})
    assert store.find_reusable("k1").id == queued.id and store.find_reusable("other") is None


def test_failed_runs_keep_their_reason(store):
    record = make_run(store)
    store.fail(record.id, "out of memory")
    got = store.get(record.id)
    assert (got.status, got.error) == ("failed", "out of memory")
    assert store.find_done("k1") is None


def test_listing_and_unknown_ids(store):
    first, second = make_run(store, "a"), make_run(store, "b")
    assert {r.id for r in store.list()} == {first.id, second.id}
    assert store.list(dataset="other") == []
    with pytest.raises(RunNotFoundError):
        store.get("nope")


def test_runs_of_dead_processes_become_interrupted(store):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True)
    record = make_run(store)
    store.start(record.id, pid=int(dead.stdout))
    alive = make_run(store, "k2")
    store.start(alive.id)  # this process: alive
    assert store.reconcile() == [record.id]
    assert store.get(record.id).status == "interrupted"
    assert store.get(alive.id).status == "running"


def test_two_store_objects_share_one_index(tmp_path):
    one, two = Store(tmp_path / "s"), Store(tmp_path / "s")
    record = make_run(one)
    assert two.get(record.id).id == record.id
