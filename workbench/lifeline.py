"""A run's child process dies with the app that started it, and gives way to it on the CPU.

The supervisor passes its pid in WORKBENCH_PARENT_PID. On Linux the kernel then sends SIGTERM to
the child when the supervising thread goes away, even on a SIGKILL of the app; elsewhere a small
thread notices the parent is gone. Either way the run is left `running` with a dead pid, which
`Store.reconcile()` turns into `interrupted` at the next start.

The child also lowers its own scheduling priority (nice 10): on a class server with two cores a
training run would otherwise take the cores from the pages' reruns, which then wait behind it.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time

PARENT_ENV = "WORKBENCH_PARENT_PID"
CHILD_NICENESS = 10
_PR_SET_PDEATHSIG = 1


def _parent_death_signal() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1.0)
    os.kill(os.getpid(), signal.SIGTERM)


def _give_way_to_the_app() -> None:
    try:
        os.nice(CHILD_NICENESS)
    except (OSError, AttributeError):  # no os.nice (Windows) or not allowed: run as it is
        pass


def tie_to_parent() -> None:
    """Call first in a child run; does nothing when no supervisor started this process."""
    parent = os.environ.pop(PARENT_ENV, None)
    if not parent or not parent.isdigit():
        return
    parent_pid = int(parent)
    _give_way_to_the_app()
    if not _parent_death_signal():
        threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True).start()
    if os.getppid() != parent_pid:  # the app died before the signal was armed
        os.kill(os.getpid(), signal.SIGTERM)
