"""The shared job queue and a live panel for one job (progress, elapsed time, cancel)."""

from __future__ import annotations

import atexit

import streamlit as st

from workbench.jobs import ACTIVE, Job, JobQueue

# A module global reached through cache_resource: "Clear caches" cannot orphan running threads,
# and a module reload by the file watcher still finds the cached queue (STREAMLIT.md).
_QUEUE = JobQueue()
atexit.register(_QUEUE.cancel_all)


@st.cache_resource
def job_queue() -> JobQueue:
    return _QUEUE


def _format_seconds(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


def _draw(job: Job, key: str) -> str:
    snap = job.snapshot()
    status = snap["status"]
    if status in ACTIVE:
        waiting = status == "queued"
        label = "waiting for the job before it" if waiting else (
            f"{snap['stage']}: {snap['done']}/{snap['total']}" if snap["total"] else snap["stage"] or "starting"
        )
        st.progress(min(snap["fraction"], 1.0), text=f"{snap['title']} · {label}")
        left, right = st.columns([3, 1])
        left.caption(f"Elapsed {_format_seconds(snap['elapsed'])}")
        if right.button("Cancel", key=f"{key}-cancel", disabled=snap["cancel_requested"]):
            job.cancel()
    elif status == "failed":
        st.error(f"{snap['title']} failed: {snap['error']}")
        if snap["details"]:
            with st.expander("Technical details"):
                st.code(snap["details"])
    elif status == "cancelled":
        st.warning(f"{snap['title']} was cancelled.")
    return status


def job_panel(job: Job, key: str = "job") -> None:
    """Draw the job's state; while it is active, redraw every second without rerunning the page,
    and rerun the page once when it ends so the page can show the result."""
    if job.snapshot()["status"] not in ACTIVE:
        _draw(job, key)
        return

    @st.fragment(run_every=1.0)
    def live() -> None:
        if _draw(job, key) not in ACTIVE:
            st.rerun()

    live()
