"""Waiting in tests: poll a condition until it holds, or fail naming what did not happen."""

from __future__ import annotations

import time

from workbench.store import ACTIVE_STATUSES


def wait_for(predicate, what: str, timeout: float = 240.0, every: float = 0.2):
    """The first truthy value of predicate(), polled every `every` seconds, or a failure naming
    `what` once `timeout` seconds have passed."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(every)


def ended_run(store, run_id: str, timeout: float = 120.0):
    """The run's record once it is no longer queued or running."""
    def record_if_ended():
        record = store.get(run_id)
        return record if record.status not in ACTIVE_STATUSES else None

    return wait_for(record_if_ended, f"run {run_id} to end", timeout, every=0.1)
