"""The app's one run supervisor (fine-tuning runs in their own processes), shared by every session.

A module global reached through cache_resource, like the job queue (jobs_panel.py): "Clear caches"
cannot orphan the runs it watches, and a module reload still finds the cached supervisor. It is
made on first use, after one `Store().reconcile()` (runs of an app that died become
`interrupted`), and kills its children when the app exits.
"""

from __future__ import annotations

import atexit
import threading

import streamlit as st

from workbench.store import Store
from workbench.supervisor import RunSupervisor

_SUPERVISOR: RunSupervisor | None = None
_LOCK = threading.Lock()  # two sessions' first reruns may ask at the same time


def _global_supervisor() -> RunSupervisor:
    global _SUPERVISOR
    with _LOCK:
        if _SUPERVISOR is None:
            store = Store()
            store.reconcile()
            supervisor = RunSupervisor(store)
            atexit.register(supervisor.shutdown)
            _SUPERVISOR = supervisor
        return _SUPERVISOR


@st.cache_resource(show_spinner=False)
def run_supervisor() -> RunSupervisor:
    return _global_supervisor()


def forget_supervisor() -> None:
    """Shut the supervisor down and drop it (tests that switch stores)."""
    global _SUPERVISOR
    with _LOCK:
        if _SUPERVISOR is not None:
            _SUPERVISOR.shutdown()
            atexit.unregister(_SUPERVISOR.shutdown)
        _SUPERVISOR = None
    run_supervisor.clear()
