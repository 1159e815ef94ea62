"""Background jobs: order, progress, cancel, failures kept with their reason."""

import threading
import time

from workbench.errors import WorkbenchError
from workbench.jobs import JobQueue


def wait_for(job, statuses=("done", "failed", "cancelled"), timeout=10):
    deadline = time.time() + timeout
    while job.status not in statuses:
        assert time.time() < deadline, f"job stuck in {job.status}"
        time.sleep(0.01)


def test_jobs_run_one_at_a_time_in_order():
    jobs, running, overlap, order = JobQueue(), [], [], []

    def work(name):
        def function(progress, should_stop):
            running.append(name)
            overlap.append(len(running))
            progress("working", 1, 2)
            time.sleep(0.05)
            order.append(name)
            running.remove(name)
            return name
        return function

    submitted = [jobs.submit(f"job {i}", work(i)) for i in range(3)]
    for job in submitted:
        wait_for(job)
    assert order == [0, 1, 2] and max(overlap) == 1
    assert [job.result for job in submitted] == [0, 1, 2]
    assert submitted[0].snapshot()["stage"] == "working"


def test_cancel_stops_a_running_job_and_skips_a_queued_one():
    jobs, started = JobQueue(), threading.Event()

    def slow(progress, should_stop):
        started.set()
        while not should_stop():
            time.sleep(0.01)

    first = jobs.submit("slow", slow)
    second = jobs.submit("never", lambda p, s: "ran")
    started.wait(5)
    second.cancel()
    first.cancel()
    wait_for(first)
    assert first.status == "cancelled" and second.status == "cancelled" and second.result is None


def test_failures_keep_a_plain_reason_and_the_traceback():
    jobs = JobQueue()

    def expected(progress, should_stop):
        raise WorkbenchError("the data set has one class")

    def unexpected(progress, should_stop):
        return 1 / 0

    a, b = jobs.submit("a", expected), jobs.submit("b", unexpected)
    wait_for(b)
    assert (a.status, a.error, a.details) == ("failed", "the data set has one class", None)
    assert b.status == "failed" and "ZeroDivisionError" in b.error and "Traceback" in b.details
    ok = jobs.submit("after", lambda p, s: "still serving")
    wait_for(ok)
    assert ok.result == "still serving"
