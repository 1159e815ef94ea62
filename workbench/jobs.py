"""Background jobs: work that must survive page reruns, run one at a time per device.

A page submits a function; one worker thread runs the queue in order, so one heavy job uses the
device at a time and the rest wait where every page can see them. The function gets
`progress(stage, done, total, **details)` and `should_stop()`; it never touches streamlit (a worker thread
cannot draw). Pages read `Job.snapshot()`.
"""

from __future__ import annotations

import queue
import secrets
import threading
import time
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable

from workbench.errors import WorkbenchError

JobFunction = Callable[[Callable[..., None], Callable[[], bool]], Any]
ACTIVE = {"queued", "running"}


@dataclass
class Job:
    id: str
    title: str
    function: JobFunction = field(repr=False)
    status: str = "queued"
    stage: str = ""
    done: int = 0
    total: int = 0
    submitted_at: float = field(default_factory=time.time)
    started_at: float | None = None
    finished_at: float | None = None
    result: Any = None
    error: str | None = None
    details: str | None = None  # traceback of an unexpected error
    cancel_requested: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def report(self, stage: str, done: int, total: int, **details) -> None:
        with self.lock:
            self.stage, self.done, self.total = stage, done, total

    def should_stop(self) -> bool:
        return self.cancel_requested

    def cancel(self) -> None:
        with self.lock:
            self.cancel_requested = True
            if self.status == "queued":
                self.status, self.finished_at = "cancelled", time.time()

    def snapshot(self) -> dict:
        with self.lock:
            elapsed = None
            if self.started_at:
                elapsed = (self.finished_at or time.time()) - self.started_at
            return {
                "id": self.id, "title": self.title, "status": self.status, "stage": self.stage,
                "done": self.done, "total": self.total, "elapsed": elapsed,
                "fraction": self.done / self.total if self.total else 0.0,
                "error": self.error, "details": self.details, "result": self.result,
                "cancel_requested": self.cancel_requested,
            }


class JobQueue:
    """One worker thread, started on first use, running jobs in submission order."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._queue: queue.Queue[Job] = queue.Queue()
        self._lock = threading.Lock()
        self._worker: threading.Thread | None = None

    def submit(self, title: str, function: JobFunction) -> Job:
        job = Job(id=secrets.token_hex(4), title=title, function=function)
        with self._lock:
            self._jobs[job.id] = job
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._work, name="workbench-jobs", daemon=True)
                self._worker.start()
        self._queue.put(job)
        return job

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def jobs(self) -> list[Job]:
        return sorted(self._jobs.values(), key=lambda job: job.submitted_at, reverse=True)

    def active(self) -> list[Job]:
        return [job for job in self.jobs() if job.status in ACTIVE]

    def cancel_all(self) -> None:
        for job in self.active():
            job.cancel()

    def _work(self) -> None:
        while True:
            job = self._queue.get()
            if job.status != "queued":  # cancelled while waiting
                continue
            self._run(job)

    @staticmethod
    def _run(job: Job) -> None:
        with job.lock:
            job.status, job.started_at = "running", time.time()
        status, result, error, details = "done", None, None, None
        try:
            result = job.function(job.report, job.should_stop)
            if job.cancel_requested:
                status = "cancelled"
        except WorkbenchError as problem:
            status, error = "failed", str(problem)
        except Exception as problem:  # noqa: BLE001 - a worker must never die silently (STREAMLIT.md)
            status, error = "failed", f"{type(problem).__name__}: {problem}"
            details = traceback.format_exc()
        with job.lock:
            job.status, job.result, job.error, job.details = status, result, error, details
            job.finished_at = time.time()
