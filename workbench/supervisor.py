"""Runs in their own processes: the app's side of `python -m workbench run SPEC --run-dir DIR`.

    supervisor = RunSupervisor(Store())
    record = supervisor.submit(spec)        # stored as `queued` at once
    supervisor.cancel(record.id)            # stops at the next training step, keeps what trained

One dispatcher thread starts queued runs in order, one per device at a time, each as a child
process watched by its own thread. The child writes its progress and result into the store; the
supervisor only steps in when the child could not: a crash, a kill, a cancel that did not stop.
Children die with the app (see workbench.lifeline), so a run never goes on unseen: after a restart
`Store.reconcile()` marks it `interrupted`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from workbench.lifeline import PARENT_ENV
from workbench.models.hardware import pick_device
from workbench.paths import PROJECT_ROOT
from workbench.specs import AnySpec
from workbench.store import ACTIVE_STATUSES, SPEC_FILE, RunRecord, Store
from workbench.training.speed_probe import stop_probes

CANCEL_FILE = "CANCEL"  # in the run folder: the child's should_stop() checks for it
LOG_FILE = "log.txt"  # the child's stdout and stderr
_POLL_SECONDS = 0.25


@dataclass
class _Child:
    run_id: str
    device: str
    process: subprocess.Popen | None = None
    cancel_asked_at: float | None = None
    killed: bool = False
    last_progress: dict = field(default_factory=dict)
    last_change: float = field(default_factory=time.monotonic)


def _held_device(requested: str) -> str:
    try:
        return pick_device(requested)
    except ValueError:
        return requested  # the child fails with the readable reason


def run_device(spec: AnySpec) -> str:
    """The device a run will hold: baselines and CPU runs share the CPU slot."""
    model = getattr(spec, "model", None)
    return "cpu" if model is None else _held_device(model.device)


def run_device_of(record: RunRecord) -> str:
    """The device a stored run holds (or will), read from its spec."""
    model = (record.spec or {}).get("model")
    return _held_device(str(model.get("device", "auto"))) if model else "cpu"


def log_tail(run_dir: Path, lines: int = 20) -> str:
    try:
        text = (run_dir / LOG_FILE).read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.rstrip().splitlines()[-lines:])


def exit_reason(returncode: int, log: str) -> str:
    """Why a child that never recorded its end stopped, in words."""
    errors = [line.removeprefix("error: ") for line in log.splitlines() if line.startswith("error: ")]
    if errors:
        return errors[-1]
    if returncode in (-signal.SIGKILL, 137):
        return ("The training process was killed by the system, most often because the machine "
                "ran out of memory. Try a smaller batch size or max length, QLoRA, or a smaller "
                "model.")
    if returncode == -signal.SIGXFSZ:
        return ("Disk full: the run's process went over the file-size limit while writing its "
                "files and was stopped (SIGXFSZ). Free some space or raise the limit "
                "(ulimit -f) and run it again.")
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = str(-returncode)
        return f"The training process was stopped by signal {name}."
    return f"The training process exited with code {returncode} before recording a result."


class RunSupervisor:
    def __init__(self, store: Store, grace_seconds: float = 30.0, python: str = sys.executable):
        self.store = store
        self.grace_seconds = grace_seconds
        self.python = python
        self._lock = threading.Condition()
        self._waiting: list[_Child] = []  # in submission order
        self._running: dict[str, _Child] = {}
        self._submitted: list[str] = []
        self._dispatcher: threading.Thread | None = None
        self._closed = False

    # -- what pages call ----------------------------------------------------------------------

    def submit(self, spec: AnySpec, key: str | None = None) -> RunRecord:
        """Store the run as `queued` (spec.yaml in its folder) and return its record.

        Without its cache `key` the data are read here to make it, so a data problem is an error
        on the page, not a failed run."""
        from workbench.experiments import create_record

        record = create_record(spec, self.store, key)
        with self._lock:
            self._waiting.append(_Child(record.id, run_device(spec)))
            self._submitted.append(record.id)
            self._start_dispatcher()
            self._lock.notify_all()
        return record

    def cancel(self, run_id: str) -> None:
        """Queued: `cancelled` at once. Running: ask it to stop; kill it after the grace period."""
        child = self._running_child(run_id)
        with self._lock:
            if child is None or child.cancel_asked_at is not None:
                return
            child.cancel_asked_at = time.monotonic()
        (self.store.folder(run_id) / CANCEL_FILE).touch()

    def kill(self, run_id: str) -> None:
        """Stop now: the process is killed and the run marked `cancelled`."""
        child = self._running_child(run_id)
        if child is not None:
            self._kill(child)

    def _running_child(self, run_id: str) -> _Child | None:
        """The run's child when it runs; a waiting run is cancelled here and now instead."""
        with self._lock:
            if self._drop_waiting(run_id):
                self.store.fail(run_id, "Cancelled before it started.", status="cancelled")
                return None
            return self._running.get(run_id)

    def runs(self) -> list[RunRecord]:
        """This supervisor's runs, newest first, fresh from the store."""
        with self._lock:
            ids = list(self._submitted)
        return [self.store.get(run_id) for run_id in reversed(ids)]

    def queue_position(self, run_id: str) -> int | None:
        """1 for the next run to start; None when the run is not waiting."""
        with self._lock:
            ids = [child.run_id for child in self._waiting]
        return ids.index(run_id) + 1 if run_id in ids else None

    def shutdown(self) -> None:
        """Kill the children; their runs, and the waiting ones, become `interrupted`."""
        with self._lock:
            self._closed = True
            waiting, self._waiting = self._waiting, []
            running = list(self._running.values())
            self._lock.notify_all()
        for child in waiting:
            self.store.fail(child.run_id, "The app stopped before this run started.",
                            status="interrupted")
        for child in running:
            if child.process is not None and child.process.poll() is None:
                child.process.kill()
                child.process.wait(timeout=10)
            if self.store.get(child.run_id).status in ACTIVE_STATUSES:
                self.store.fail(child.run_id, "The app stopped while this run was in progress.",
                                status="interrupted")

    # -- dispatching ----------------------------------------------------------------------------

    def _drop_waiting(self, run_id: str) -> bool:
        for child in self._waiting:
            if child.run_id == run_id:
                self._waiting.remove(child)
                return True
        return False

    def _start_dispatcher(self) -> None:
        if self._dispatcher is None or not self._dispatcher.is_alive():
            self._dispatcher = threading.Thread(
                target=self._dispatch, name="workbench-runs", daemon=True)
            self._dispatcher.start()

    def _next_startable(self) -> _Child | None:
        busy = {child.device for child in self._running.values()}
        for child in self._waiting:
            if child.device not in busy:
                return child
        return None

    def _dispatch(self) -> None:
        while True:
            with self._lock:
                child = self._next_startable()
                while child is None and not self._closed:
                    self._lock.wait(timeout=1.0)
                    child = self._next_startable()
                if self._closed:
                    return
                self._waiting.remove(child)
                self._running[child.run_id] = child
            stop_probes(child.device)
            # The watcher thread starts the process: the kernel's parent-death signal follows the
            # thread that forked, and this one lives exactly as long as the child.
            threading.Thread(target=self._watch, args=(child,), name=f"run-{child.run_id}",
                             daemon=True).start()

    # -- one child --------------------------------------------------------------------------------

    def _command(self, run_dir: Path) -> list[str]:
        return [self.python, "-m", "workbench", "run", str(run_dir / SPEC_FILE),
                "--run-dir", str(run_dir)]

    def _environment(self) -> dict:
        env = dict(os.environ)
        env[PARENT_ENV] = str(os.getpid())
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def _watch(self, child: _Child) -> None:
        run_dir = self.store.folder(child.run_id)
        try:
            with open(run_dir / LOG_FILE, "ab") as log:
                child.process = subprocess.Popen(
                    self._command(run_dir), stdout=log, stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL, cwd=PROJECT_ROOT, env=self._environment(),
                )
                self.store.claim(child.run_id, child.process.pid)
                while child.process.poll() is None:
                    self._enforce_grace(child)
                    time.sleep(_POLL_SECONDS)
            self._settle(child, child.process.returncode, run_dir)
        except Exception as error:  # noqa: BLE001 - a watcher must never die with the run left `running`
            if child.process is not None and child.process.poll() is None:
                child.process.kill()
            self.store.fail(child.run_id, f"The run could not be supervised: {error}")
        finally:
            with self._lock:
                self._running.pop(child.run_id, None)
                self._lock.notify_all()

    def _enforce_grace(self, child: _Child) -> None:
        """After a cancel, kill the child once it has made no progress for the grace period:
        scoring the test rows after training stopped is progress, a hung step is not."""
        if child.cancel_asked_at is None or child.killed:
            return
        now = time.monotonic()
        progress = self.store.get(child.run_id).progress
        if progress != child.last_progress:
            child.last_progress, child.last_change = progress, now
        quiet_since = max(child.cancel_asked_at, child.last_change)
        if now - quiet_since > self.grace_seconds:
            self._kill(child)

    @staticmethod
    def _kill(child: _Child) -> None:
        child.killed = True
        if child.process is not None and child.process.poll() is None:
            child.process.kill()

    def _settle(self, child: _Child, returncode: int, run_dir: Path) -> None:
        """Record the end of a child that could not record it itself."""
        if self.store.get(child.run_id).status not in ACTIVE_STATUSES:
            return
        tail = log_tail(run_dir)
        if child.killed:
            self.store.fail(child.run_id, "Stopped at once at your request: the process was "
                            "killed, so nothing after its last save was kept.", status="cancelled")
            return
        details = f"\n\nLast lines of the log:\n{tail}" if tail else ""
        self.store.fail(child.run_id, exit_reason(returncode, tail) + details)
