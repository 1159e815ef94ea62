"""The server as users start it (`make run`) costs almost nothing while a tab sits open.

With Streamlit's default file watcher the server watched the project folder recursively (.venv
included), overflowed inotify and kept most of a core busy for as long as a browser tab was open:
27 s of CPU in 30 s. `.streamlit/config.toml` turns the watcher off; this test holds the server
started by the README's command to that.
"""

from __future__ import annotations

import time

import psutil

from tests.e2e.conftest import open_page

IDLE_SECONDS = 10
MAX_CORE_SHARE = 0.05  # "a few percent of a core"; the fixed server measured about 0.3%


def cpu_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system


def test_idle_server_with_an_open_tab_uses_almost_no_cpu(fresh_server, page):
    open_page(page, fresh_server.url("/"))
    server = psutil.Process(fresh_server.server_pid())
    page.wait_for_timeout(3_000)  # the first run's after-work (caches, imports) settles

    before, started = cpu_seconds(server), time.monotonic()
    page.wait_for_timeout(IDLE_SECONDS * 1000)
    used, elapsed = cpu_seconds(server) - before, time.monotonic() - started

    share = used / elapsed
    print(f"idle server with one open tab: {used:.2f} s of CPU in {elapsed:.1f} s ({share:.1%} of a core)")
    assert share < MAX_CORE_SHARE, (
        f"the server used {share:.0%} of a core while idle with one tab open "
        f"({used:.1f} s of CPU in {elapsed:.0f} s)\n" + fresh_server.log_text(3_000))
    assert "Inotify" not in fresh_server.log_text()
