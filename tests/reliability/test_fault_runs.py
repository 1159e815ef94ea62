"""Faults (issue 8): a run that raises, a child killed with SIGKILL, the app restarted mid-run, the
disk full while saving, and damaged run folders. Each uses real child processes
(`python -m workbench run spec.yaml --run-dir runs/<id>` under a RunSupervisor, or the CLI on its
own) and a real store in tmp_path. After each fault the store stays consistent: every run shows
the right status with a reason, nothing half-written sits under a result's name, and the other
runs are exactly as they were.

The store of finished runs the tests start from is made once per module by real children and
copied into each test's tmp_path (a copy is a store: folders are found from its root).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.polling import ended_run, wait_for
from workbench import results
from workbench.specs import BaselineSpec, FinetuneSpec, spec_to_yaml
from workbench.store import (
    INDEX_FILE, METRICS_FILE, PREDICTIONS_FILE, SPEC_FILE, Store, StoreDamagedError, process_alive,
)
from workbench.supervisor import PROJECT_ROOT, RunSupervisor

TINY = {"name": "tiny-random-llama", "dtype": "float32"}
ACTIVE = ("queued", "running")


def tiny_finetune(max_steps: int, seed: int) -> FinetuneSpec:
    """The tiny random Llama with LoRA: seconds to start, `max_steps` of a few ms each."""
    return FinetuneSpec(
        model=TINY, data={"n_train": 16, "n_test": 8, "val_fraction": 0.002},
        training={"method": "lora", "max_steps": max_steps, "batch_size": 4, "precision": "fp32",
                  "seed": seed},
        batch_size=4,
    )


def logreg(n_train: int = 32, **params) -> BaselineSpec:
    return BaselineSpec(method="logreg", data={"n_train": n_train, "n_test": 64}, params=params)


def training(store: Store, run_id: str) -> bool:
    progress = store.get(run_id).progress
    return progress.get("stage") == "training" and progress.get("done", 0) > 0


def snapshot(store: Store, run_ids) -> dict:
    """Status, metrics and the bytes of the artifacts of runs: what "unaffected" compares."""
    state = {}
    for run_id in run_ids:
        record = store.get(run_id)
        files = {name: hashlib.sha1((record.folder / name).read_bytes()).hexdigest()
                 for name in (SPEC_FILE, METRICS_FILE, PREDICTIONS_FILE)
                 if (record.folder / name).is_file()}
        state[run_id] = (record.status, json.dumps(record.metrics, sort_keys=True), record.error,
                         files)
    return state


def no_results_files(folder: Path) -> bool:
    names = {path.name for path in folder.iterdir()} if folder.is_dir() else set()
    return not ({METRICS_FILE, PREDICTIONS_FILE} & names) and not any(
        name.endswith(".tmp") for name in names)


def cli_run(store: Store, spec, tmp_path: Path, name: str) -> subprocess.Popen:
    """`python -m workbench run SPEC --store ROOT` on its own: not tied to any app."""
    path = tmp_path / f"{name}.yaml"
    path.write_text(spec_to_yaml(spec))
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "PYTHONUNBUFFERED": "1"}
    env.pop("WORKBENCH_PARENT_PID", None)
    log = open(tmp_path / f"{name}.log", "wb")
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "workbench", "run", str(path), "--store", str(store.root)],
            cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL)
    finally:
        log.close()


def the_new_run(store: Store, known: set[str], what: str) -> str:
    (run_id,) = wait_for(lambda: {r.id for r in store.list()} - known, what, timeout=60)
    return run_id


@pytest.fixture(scope="module")
def finished_store(tmp_path_factory) -> tuple[Path, list[str]]:
    """Two finished baseline runs, each made by its own child process (two supervisors, as two
    app processes would, so they run side by side)."""
    store = Store(tmp_path_factory.mktemp("fault-template") / "store")
    records = [RunSupervisor(store).submit(spec)
               for spec in (logreg(64), BaselineSpec(method="xgboost",
                                                     data={"n_train": 64, "n_test": 64}))]
    for record in records:
        assert ended_run(store, record.id, timeout=120).status == "done", store.get(record.id).error
    return store.root, [record.id for record in records]


@pytest.fixture
def store_copy(finished_store, tmp_path) -> tuple[Store, list[str]]:
    root, ids = finished_store
    shutil.copytree(root, tmp_path / "store")
    return Store(tmp_path / "store"), ids


# --- (a) a run that raises ------------------------------------------------------------------------


def test_fault_a_run_that_raises_fails_with_its_reason_and_the_run_beside_it_finishes(store_copy):
    store, earlier = store_copy
    before = snapshot(store, earlier)
    # Two supervisors: the failing run and a good one run at the same time, side by side.
    bad = RunSupervisor(store).submit(logreg(32, solver="no-such-solver"))
    good = RunSupervisor(store).submit(logreg(48))
    failed, done = ended_run(store, bad.id, timeout=90), ended_run(store, good.id, timeout=90)

    assert failed.status == "failed"
    reason = results.first_paragraph(failed.error)
    assert reason.startswith("Could not train logistic regression: The 'solver' parameter")
    assert "no-such-solver" in reason
    assert "Traceback" in failed.error  # the details follow the reason
    assert no_results_files(failed.folder) and (failed.folder / "log.txt").is_file()
    assert store.find_done(failed.cache_key) is None  # never answers a later identical spec

    assert done.status == "done" and len(store.predictions(done.id)) == 64
    assert snapshot(store, earlier) == before
    records = store.list()
    board = results.leaderboard(records)
    assert set(board["run"]) == {*earlier, good.id}
    others = results.other_runs(records)
    assert others.set_index("run").loc[bad.id, "reason"] == reason


# --- (b) a child killed with SIGKILL --------------------------------------------------------------


def test_fault_a_run_killed_with_sigkill_ends_in_words_and_never_stays_running(store_copy):
    """(A run whose process dies with nobody to record it, a CLI run or the app's child after
    the app died, is settled by reconciliation: see the app-restart test.)"""
    store, earlier = store_copy
    before = snapshot(store, earlier)
    supervised = RunSupervisor(store).submit(tiny_finetune(100_000, seed=11))
    wait_for(lambda: training(store, supervised.id), "the run to train", timeout=120)
    os.kill(store.get(supervised.id).pid, signal.SIGKILL)

    # Its watcher thread records the kill, in words, with the log's last lines.
    killed = ended_run(store, supervised.id, timeout=15)
    assert killed.status == "failed" and "killed" in results.first_paragraph(killed.error)
    assert "Last lines of the log" in killed.error
    assert Store(store.root).reconcile() == []  # a restart changes nothing: `failed` stays
    assert store.get(supervised.id).status == "failed"
    # What it wrote before the kill (log, training history) is no result.
    assert no_results_files(killed.folder)
    assert store.find_done(killed.cache_key) is None and store.find_reusable(killed.cache_key) is None
    records = store.list()
    assert set(results.leaderboard(records)["run"]) == set(earlier)
    assert set(results.other_runs(records)["run"]) == {supervised.id}
    assert snapshot(store, earlier) == before


# --- (c) the app restarted mid-run ----------------------------------------------------------------

APP = """
import sys, time
from workbench.specs import FinetuneSpec
from workbench.store import Store
from workbench.supervisor import RunSupervisor

def spec(seed):
    return FinetuneSpec(model={"name": "tiny-random-llama", "dtype": "float32"},
                        data={"n_train": 16, "n_test": 8, "val_fraction": 0.002},
                        training={"method": "lora", "max_steps": 100000, "batch_size": 4,
                                  "precision": "fp32", "seed": seed}, batch_size=4)

supervisor = RunSupervisor(Store(sys.argv[1]))
for seed in (21, 22):  # one runs, one waits its turn behind it (one run per device)
    print(supervisor.submit(spec(seed)).id, flush=True)
time.sleep(600)
"""


# Two runs at once beside a killed app, about 2 minutes on 2 cores: `make test-slow`. `make test`
# keeps a killed app's run turning `interrupted` (tests/test_supervisor.py and the browser test
# in tests/e2e/test_training_runs_browser.py).
@pytest.mark.slow
def test_fault_the_app_restarted_mid_run_interrupts_its_runs_and_leaves_others_going(
    store_copy, tmp_path
):
    store, earlier = store_copy
    before = snapshot(store, earlier)
    script = tmp_path / "app.py"
    script.write_text(APP)
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    app = subprocess.Popen([sys.executable, str(script), str(store.root)], stdout=subprocess.PIPE,
                           text=True, env=env, cwd=PROJECT_ROOT)
    known = {r.id for r in store.list()}
    # A run started from the command line, not by the app: it does not die with the app.
    alone = cli_run(store, tiny_finetune(150, seed=23), tmp_path, "alone")
    try:
        running, waiting = app.stdout.readline().strip(), app.stdout.readline().strip()
        lone = the_new_run(store, known | {running, waiting}, "the CLI run's record")
        wait_for(lambda: training(store, running), "the app's run to train", timeout=120)
        child = store.get(running).pid
        assert store.get(waiting).status == "queued"
        app.send_signal(signal.SIGKILL)  # the app dies: no atexit, no shutdown
        app.wait(timeout=10)
        wait_for(lambda: not process_alive(child), "the app's child to die with it", timeout=20)
        assert store.get(running).status == "running"  # as the dead app left it

        # The app starts again: a new Store and its reconciliation, as run_state does.
        lone_before = store.get(lone)
        restarted = Store(store.root)
        interrupted = restarted.reconcile()
        assert sorted(interrupted) == sorted([running, waiting])
        if lone_before.status in ACTIVE and process_alive(alone.pid):
            assert lone not in interrupted  # alive: picked up as it is, it goes on
        assert alone.wait(timeout=120) == 0, (tmp_path / "alone.log").read_text()[-2000:]
    finally:
        for process in (app, alone):
            if process.poll() is None:
                process.kill()

    for run_id in (running, waiting):
        record = store.get(run_id)
        assert record.status == "interrupted" and record.error.startswith("Interrupted")
        assert no_results_files(record.folder)
    finished = store.get(lone)
    assert finished.status == "done" and finished.metrics["steps"] == 150
    assert len(store.predictions(lone)) == 8
    assert Store(store.root).reconcile() == []
    assert snapshot(store, earlier) == before


# --- (d) the disk full while saving ---------------------------------------------------------------

# Stands in for the Python interpreter: the same Python, with a file-size limit (RLIMIT_FSIZE)
# and SIGXFSZ ignored, so a write past the limit fails with EFBIG as on a full disk. Needs no
# mount privileges (a tmpfs of a fixed size would need root).
LIMITED_PYTHON = """#!/bin/sh
exec {python} -c "import os, resource, signal, sys; \\
signal.signal(signal.SIGXFSZ, signal.SIG_IGN); \\
resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit})); \\
os.execv(sys.executable, [sys.executable] + sys.argv[1:])" "$@"
"""
FILE_LIMIT = 256 * 1024  # above the index and the log, below this run's predictions (~480 KB)


def test_fault_the_disk_full_while_saving_fails_the_run_and_keeps_the_store_intact(
    store_copy, tmp_path
):
    store, earlier = store_copy
    before = snapshot(store, earlier)
    python = tmp_path / "limited-python"
    python.write_text(textwrap.dedent(LIMITED_PYTHON.format(python=sys.executable,
                                                            limit=FILE_LIMIT)))
    python.chmod(0o755)
    big = BaselineSpec(method="logreg",
                       data={"n_train": 64, "test_fraction": 0.9, "val_fraction": 0.0})
    failed = ended_run(store, RunSupervisor(store, python=str(python)).submit(big).id, timeout=120)

    assert failed.status == "failed"
    reason = results.first_paragraph(failed.error)
    assert reason.startswith("Disk full: could not write predictions.parquet"), failed.error
    assert "File too large" in reason
    assert no_results_files(failed.folder)  # no half-written file, under any name
    assert (failed.folder / SPEC_FILE).is_file()
    assert store.find_done(failed.cache_key) is None

    reopened = Store(store.root)  # the index still opens, and lists every run as it was
    with sqlite3.connect(reopened.root / INDEX_FILE) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert {r.id: r.status for r in reopened.list()} == {
        **{run_id: "done" for run_id in earlier}, failed.id: "failed"}
    assert snapshot(reopened, earlier) == before
    assert set(results.leaderboard(reopened.list())["run"]) == set(earlier)


# --- (e) damaged run folders and a damaged index --------------------------------------------------


def clone_run(store: Store, run_id: str) -> str:
    """Another run with the same files and record (a new id): cheap material to damage."""
    record = store.get(run_id)
    new_id = f"{run_id}-copy{len(store.list())}"
    shutil.copytree(record.folder, store.folder(new_id))
    with sqlite3.connect(store.root / INDEX_FILE) as db:
        db.row_factory = sqlite3.Row
        row = dict(db.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone())
        row.update(id=new_id, created_at=row["created_at"] + len(store.list()),
                   finished_at=row["finished_at"] + len(store.list()))
        db.execute(f"INSERT INTO runs ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})",
                   tuple(row.values()))
    return new_id


@pytest.fixture
def damaged_store(store_copy) -> tuple[Store, str, str, dict[str, str]]:
    """The finished store plus four copies of its first run, each damaged another way, and a
    run folder the index does not know."""
    store, (intact, other) = store_copy
    damaged = {name: clone_run(store, intact) for name in (
        "metrics truncated", "predictions garbage", "spec deleted", "folder deleted")}
    folder = {name: store.folder(run_id) for name, run_id in damaged.items()}
    text = (folder["metrics truncated"] / METRICS_FILE).read_text()
    (folder["metrics truncated"] / METRICS_FILE).write_text(text[: len(text) // 2])
    (folder["predictions garbage"] / PREDICTIONS_FILE).write_bytes(b"not a parquet file" * 50)
    (folder["spec deleted"] / SPEC_FILE).unlink()
    shutil.rmtree(folder["folder deleted"])
    stray = store.runs_dir / "20240101-000000-baseline-stray0"  # a folder the index lacks
    shutil.copytree(store.folder(other), stray)
    return store, intact, other, damaged


def test_fault_damaged_run_folders_are_reported_and_everything_else_still_works(damaged_store):
    store, intact, other, damaged = damaged_store
    records = Store(store.root).list()  # listing reads only the index: every run, no stray
    assert {r.id for r in records} == {intact, other, *damaged.values()}
    problems = {r.id: store.artifact_problem(r) for r in records}
    assert problems[intact] is None and problems[other] is None
    assert "metrics.json is damaged" in problems[damaged["metrics truncated"]]
    assert "predictions.parquet is damaged" in problems[damaged["predictions garbage"]]
    assert "spec.yaml is missing" in problems[damaged["spec deleted"]]
    assert "folder" in problems[damaged["folder deleted"]] and "missing" in problems[
        damaged["folder deleted"]]
    # The cache never answers with a damaged copy: the intact run (the oldest) is found.
    assert store.find_done(store.get(intact).cache_key).id == intact
    assert store.reconcile() == []

    # The Results page's data functions: the leaderboard and curves from the index, row-level
    # joins only over readable predictions, each unreadable one a ResultsError in words.
    board = results.leaderboard(records)
    assert set(board["run"]) == {r.id for r in records}
    assert not results.shots_curve(records).empty
    row_ids, unreadable = results.row_ids_by_run(store, [r.id for r in records])
    assert set(unreadable) == {damaged["predictions garbage"], damaged["folder deleted"]}
    assert "cannot be read" in unreadable[damaged["predictions garbage"]]
    assert "no predictions file" in unreadable[damaged["folder deleted"]]
    (shared,) = results.test_sets(row_ids)
    assert set(shared.covering) == set(row_ids) and shared.size == 64
    curves = results.roc_curves(store, [intact, damaged["spec deleted"]])
    assert curves[intact]["auc"] == curves[damaged["spec deleted"]]["auc"]
    assert results.disagreements(store, intact, other).shared == 64
    with pytest.raises(results.ResultsError, match="cannot be read"):
        results.disagreements(store, intact, damaged["predictions garbage"])
    messages = results.damaged_runs(store, records)
    assert set(messages) == set(damaged.values())
    assert all(run_id in message for run_id, message in messages.items())


def test_fault_a_damaged_index_says_so_and_keeps_the_run_folders(store_copy):
    store, ids = store_copy
    (store.root / INDEX_FILE).write_bytes(b"garbage" * 1000)
    for leftover in store.root.glob(INDEX_FILE + "-*"):  # -wal, -shm
        leftover.unlink()
    with pytest.raises(StoreDamagedError, match="cannot be read .*Move it away"):
        Store(store.root).list()
    assert all(store.folder(run_id).is_dir() for run_id in ids)


@pytest.fixture
def results_page(monkeypatch):
    """open(root): the Results page under AppTest over the store at `root`, caches emptied."""
    from tests.ui.apptest import open_page
    from workbench.store import RUNS_ENV
    from workbench.ui import results_scope

    def clear() -> None:
        for cached in (results_scope.cached_store, results_scope.cached_predictions,
                       results_scope.cached_test_sets, results_scope.cached_rescore,
                       results_scope.cached_most_different_pair):
            cached.clear()

    def open_results(root: Path):
        monkeypatch.setenv(RUNS_ENV, str(root))
        clear()
        return open_page("pages/4_Results.py")

    yield open_results
    clear()


def test_fault_the_results_page_over_damaged_runs_warns_instead_of_failing(damaged_store, results_page):
    store, intact, other, damaged = damaged_store
    at = results_page(store.root)
    assert not at.exception, [e.value for e in at.exception]
    warnings = " ".join(w.value for w in at.main.warning)
    for run_id in damaged.values():
        assert run_id in warnings
    # Compared on shared rows: the runs whose predictions can be read (2 intact, 2 damaged
    # elsewhere); the two without readable predictions are named in the warnings.
    assert {m.label: m.value for m in at.main.metric}["Runs compared"] == "4"
    assert not at.main.error, [e.value for e in at.main.error]

    (store.root / INDEX_FILE).write_bytes(b"garbage" * 1000)
    for leftover in store.root.glob(INDEX_FILE + "-*"):
        leftover.unlink()
    at = results_page(store.root)
    assert not at.exception, [e.value for e in at.exception]
    errors = " ".join(e.value for e in at.main.error)
    assert "The run store cannot be read" in errors and "Move it away" in errors


def test_fault_a_reconciliation_racing_a_finishing_run_never_marks_it_interrupted(store_copy):
    """Every Results page run reconciles: one that listed a run as `running` just before its
    process recorded `done` and exited must not overwrite the result with `interrupted`."""
    store, _ = store_copy
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True)
    record = store.create(kind="baseline", method="logreg", dataset="california-housing",
                          model=None, cache_key="race", spec={}, spec_yaml="kind: baseline\n")
    store.start(record.id, pid=int(dead.stdout))
    listed = store.get(record.id)  # what a reconciliation read: running, its pid now dead
    store.finish(record.id, {"test": {"n": 0}})  # the run ends meanwhile
    assert not store._interrupt(listed)
    assert not store.fail(record.id, "late")  # no end overwrites a recorded end
    assert store.get(record.id).status == "done" and store.get(record.id).error is None
