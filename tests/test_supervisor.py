"""Runs in child processes: one at a time per device, cancel, kill after grace, crashes recorded in
words, and runs of a dead app marked `interrupted` while earlier runs stay intact."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from tests.polling import ended_run, wait_for
from workbench.specs import BaselineSpec, FinetuneSpec
from workbench.store import Store, process_alive
from workbench.supervisor import PROJECT_ROOT, RunSupervisor, exit_reason

TINY = {"name": "tiny-random-llama", "dtype": "float32"}
DATA = {"n_train": 16, "n_test": 8, "val_fraction": 0.002}


def tiny_spec(**training) -> FinetuneSpec:
    options = {"method": "lora", "max_steps": 2, "batch_size": 4, "precision": "fp32", **training}
    return FinetuneSpec(model=TINY, data=DATA, training=options, batch_size=4)


def fake_python(tmp_path, body: str) -> str:
    """An executable standing in for the Python interpreter, to play a misbehaving child."""
    path = tmp_path / "fake-python"
    path.write_text("#!/bin/sh\n" + textwrap.dedent(body))
    path.chmod(0o755)
    return str(path)


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "store")


def test_runs_wait_their_turn_one_per_device(store, tmp_path):
    events = tmp_path / "events"
    supervisor = RunSupervisor(store, python=fake_python(
        tmp_path, f'echo "start $6" >> {events}\nsleep 0.5\necho "end $6" >> {events}\n'))
    first = supervisor.submit(tiny_spec(seed=1))
    second = supervisor.submit(tiny_spec(seed=2))
    assert store.get(second.id).status == "queued"
    assert supervisor.queue_position(second.id) in (1, None)
    ended_run(store, first.id, timeout=10), ended_run(store, second.id, timeout=10)
    folders = [str(store.folder(run.id)) for run in (first, second)]
    assert events.read_text().split("\n")[:-1] == [
        f"start {folders[0]}", f"end {folders[0]}", f"start {folders[1]}", f"end {folders[1]}"]
    assert [r.id for r in supervisor.runs()] == [second.id, first.id]


def test_cancel_a_queued_run_before_it_starts(store, tmp_path):
    supervisor = RunSupervisor(store, python=fake_python(tmp_path, "sleep 30\n"))
    first = supervisor.submit(tiny_spec(seed=3))
    second = supervisor.submit(tiny_spec(seed=4))
    supervisor.cancel(second.id)
    cancelled = store.get(second.id)
    assert cancelled.status == "cancelled" and "before it started" in cancelled.error
    supervisor.kill(first.id)
    assert ended_run(store, first.id, timeout=10).status == "cancelled"
    assert not (cancelled.folder / "log.txt").exists()  # it never ran


def test_cancel_stops_a_running_run_and_keeps_what_trained(store):
    supervisor = RunSupervisor(store)
    record = supervisor.submit(tiny_spec(max_steps=5000, seed=5))
    wait_for(lambda: store.get(record.id).progress.get("stage") == "training", "training", timeout=120)
    supervisor.cancel(record.id)
    ended = ended_run(store, record.id)
    assert ended.status == "cancelled"
    assert ended.metrics["cancelled_early"] and ended.metrics["steps"] < 5000
    assert (ended.folder / "adapter").is_dir()
    assert "training" in (ended.folder / "log.txt").read_text()


def test_a_child_that_ignores_cancel_is_killed_after_the_grace_period(store, tmp_path):
    supervisor = RunSupervisor(store, grace_seconds=1.0, python=fake_python(tmp_path, "sleep 60\n"))
    record = supervisor.submit(tiny_spec(seed=6))
    wait_for(lambda: store.get(record.id).pid != os.getpid(), "the child", timeout=10)
    started = time.monotonic()
    supervisor.cancel(record.id)
    ended = ended_run(store, record.id, timeout=10)
    assert ended.status == "cancelled" and "killed" in ended.error
    assert time.monotonic() - started < 5


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("echo 'error: The spec is not valid: no such data set'\nexit 2\n", "The spec is not valid"),
        ("echo boom >&2\nexit 3\n", "exited with code 3"),
        ("kill -9 $$\n", "ran out of memory"),
    ],
)
def test_a_child_that_dies_without_a_word_is_recorded_in_words(store, tmp_path, body, expected):
    supervisor = RunSupervisor(store, python=fake_python(tmp_path, body))
    ended = ended_run(store, supervisor.submit(tiny_spec(seed=7)).id, timeout=10)
    assert ended.status == "failed" and expected in ended.error


def test_exit_reason_prefers_the_childs_own_error_line():
    assert exit_reason(2, "loading data\nerror: Unknown data set 'x'") == "Unknown data set 'x'"
    assert "signal SIGTERM" in exit_reason(-signal.SIGTERM, "")


def test_shutdown_marks_running_and_waiting_runs_interrupted(store, tmp_path):
    supervisor = RunSupervisor(store, python=fake_python(tmp_path, "sleep 60\n"))
    running = supervisor.submit(tiny_spec(seed=8))
    waiting = supervisor.submit(tiny_spec(seed=9))
    wait_for(lambda: store.get(running.id).pid != os.getpid(), "the child", timeout=10)
    supervisor.shutdown()
    assert store.get(running.id).status == "interrupted"
    assert store.get(waiting.id).status == "interrupted"


APP = """
import sys, time
from workbench.specs import BaselineSpec, FinetuneSpec
from workbench.store import Store
from workbench.supervisor import RunSupervisor

spec = FinetuneSpec(model={"name": "tiny-random-llama"}, data={"n_train": 16, "n_test": 8})
record = RunSupervisor(Store(sys.argv[1]), python=sys.argv[2]).submit(spec)
print(record.id, flush=True)
time.sleep(600)
"""

# A child that ties itself to the app the way `python -m workbench` does, then works for a while.
CHILD = f"""exec {sys.executable} -c "from workbench.lifeline import tie_to_parent; tie_to_parent(); \\
import time; time.sleep(120)"
"""


def test_killing_the_app_kills_its_run_which_shows_as_interrupted_after_a_restart(store, tmp_path):
    from workbench.experiments import run

    earlier = run(BaselineSpec(method="logreg", data={"n_train": 64, "n_test": 32}), store=store)
    assert earlier.record.status == "done"
    script = tmp_path / "app.py"
    script.write_text(APP)
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    app = subprocess.Popen([sys.executable, str(script), str(store.root), fake_python(tmp_path, CHILD)],
                           stdout=subprocess.PIPE, text=True, env=env)
    try:
        run_id = app.stdout.readline().strip()
        wait_for(lambda: store.get(run_id).pid not in (None, app.pid), "the child", timeout=60)
        child_pid = store.get(run_id).pid
        time.sleep(1.0)  # the child arms its parent-death signal first thing
        assert process_alive(child_pid)
        app.send_signal(signal.SIGKILL)
        app.wait(timeout=10)
        wait_for(lambda: not process_alive(child_pid), "the child to die with the app", timeout=15)
    finally:
        if app.poll() is None:
            app.kill()
    assert store.get(run_id).status == "queued"  # nobody could record the end...
    assert Store(store.root).reconcile() == [run_id]  # ...until the app starts again
    assert store.get(run_id).status == "interrupted"
    intact = store.get(earlier.record.id)
    assert intact.status == "done" and len(store.predictions(intact.id)) == 32
    assert json.loads((intact.folder / "metrics.json").read_text())["test"]["n"] == 32


def test_a_run_started_by_the_app_gives_way_to_it_on_the_cpu():
    from workbench.lifeline import CHILD_NICENESS, PARENT_ENV

    code = "import os; from workbench.lifeline import tie_to_parent; tie_to_parent(); print(os.nice(0))"
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), PARENT_ENV: str(os.getpid())}
    child = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                           timeout=60)
    assert child.returncode == 0, child.stderr
    assert int(child.stdout) == min(os.nice(0) + CHILD_NICENESS, 19)
    alone = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                           env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)})
    assert int(alone.stdout) == os.nice(0)  # a CLI run keeps its priority
