"""Real-browser harness: a real `streamlit run` server and Playwright driving Debian chromium.

See /work/shared/docs/STREAMLIT.md for why each page-open test needs its own fresh server (the
pages-directory deep-link trap) and what "the app is idle" means.

Fixtures
- `browser`: one headless chromium for the session (fails, never skips, when chromium is missing).
- `page`: a fresh context and tab per test, viewport 1400x1000.
- `fresh_server`: a new server for this test only (use it when the first request matters).
- `shared_server`: one server per test module (uploads, clicks, anything after the first page).
- `start_server`: factory for more servers inside one test.

Helpers
- `page_url(entry_path)`: the URL path Streamlit gives a page file in pages-directory mode.
- `open_page(page, url)`, `wait_until_idle(page)`, `rerun_and_wait(page, action)`.
- `assert_no_exception(page)`, `screenshot(page, name)` (into tests/e2e/screenshots/).
- `pick_option(page, label, option, scope)`, `type_and_enter(page, field, value)`: one widget
  change, waiting for its rerun.
- `runs_in(root)`: WORKBENCH_RUNS=root for the servers and run processes started meanwhile.
- `wait_for(predicate, what, timeout)`: poll until the predicate gives something truthy.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

import pytest

from tests.polling import wait_for  # noqa: F401 (the e2e tests import it from here)

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1400, "height": 1000}

SERVER_START_TIMEOUT_S = 60.0  # health "ok"; usually ~2-3 s
FIRST_RUN_TIMEOUT_MS = 90_000  # first script run on a fresh server imports torch/transformers
RUN_TIMEOUT_MS = 60_000  # any later rerun
RUN_START_TIMEOUT_MS = 5_000  # how long an interaction may take to start its rerun

def pytest_collection_modifyitems(config, items):
    """Every test under tests/e2e is an e2e test, whether or not its module says so."""
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session", autouse=True)
def _default_lora_measured(measured_default_lora):
    """Servers see this machine's measured LoRA speed (tests/conftest.py), so no page starts a
    probe beside the runs the tests start."""


# --------------------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class StreamlitServer:
    """The app started exactly as the README says, `make run`, on a free port (cwd = repo root,
    inherited environment). Nothing else is passed: a server that behaves differently under the
    tests' flags than under the user's command cannot hide here."""

    def __init__(self, log_dir: Path) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_dir / f"streamlit-{self.port}.log"
        self.process: subprocess.Popen | None = None
        self.started_s: float | None = None

    def url(self, path: str = "/") -> str:
        return self.base_url + (path if path.startswith("/") else "/" + path)

    def start(self) -> "StreamlitServer":
        command = ["make", "--no-print-directory", "run", f"PORT={self.port}"]
        env = dict(os.environ)  # WORKBENCH_HOME and friends are inherited
        env["PYTHONUNBUFFERED"] = "1"
        log = open(self.log_path, "wb")
        t0 = time.monotonic()
        try:
            # Its own process group: make and the streamlit server under it stop together.
            self.process = subprocess.Popen(
                command, cwd=REPO, env=env, stdin=subprocess.DEVNULL,
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        finally:
            log.close()  # the child keeps its own handle
        self._wait_healthy()
        self.started_s = time.monotonic() - t0
        return self

    def server_pid(self) -> int | None:
        """The streamlit process itself (make's child), for tests that watch its CPU time."""
        import psutil

        if self.process is None:
            return None
        for child in psutil.Process(self.process.pid).children(recursive=True):
            if "streamlit" in " ".join(child.cmdline()):
                return child.pid
        return None

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        last_error = "no answer yet"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"streamlit exited with code {self.process.returncode} before it was healthy.\n"
                    + self.log_text()
                )
            try:
                with urllib.request.urlopen(self.url("/_stcore/health"), timeout=2) as answer:
                    body = answer.read().decode("utf-8", "replace").strip()
                    if answer.status == 200 and body == "ok":
                        return
                    last_error = f"HTTP {answer.status}: {body!r}"
            except (urllib.error.URLError, ConnectionError, OSError) as error:
                last_error = repr(error)
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(
            f"streamlit on port {self.port} not healthy after {SERVER_START_TIMEOUT_S:.0f} s "
            f"({last_error}).\n" + self.log_text()
        )

    def kill_app(self) -> None:
        """SIGKILL the streamlit process itself (no atexit, no goodbye), then wait for make."""
        os.kill(self.server_pid(), signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        group = os.getpgid(self.process.pid)
        os.killpg(group, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(group, signal.SIGKILL)
            self.process.wait(timeout=10)

    def log_text(self, limit: int = 20_000) -> str:
        try:
            text = self.log_path.read_text("utf-8", "replace")
        except OSError:
            return "(no server log)"
        if len(text) > limit:
            text = "...\n" + text[-limit:]
        return f"--- streamlit log ({self.log_path}) ---\n{text}"


@pytest.fixture(scope="session")
def _server_log_dir() -> Path:
    return Path(tempfile.mkdtemp(prefix="workbench-e2e-"))


@pytest.fixture
def start_server(_server_log_dir, request) -> Iterator[Callable[[], StreamlitServer]]:
    """Factory: start as many fresh servers as the test needs; all stop afterwards."""
    servers: list[StreamlitServer] = []
    request.node._streamlit_servers = servers

    def start() -> StreamlitServer:
        server = StreamlitServer(_server_log_dir)
        servers.append(server)
        return server.start()

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def fresh_server(start_server) -> StreamlitServer:
    """A server no browser has talked to yet: the test's first page load is its first request."""
    return start_server()


@pytest.fixture(scope="module")
def shared_server(_server_log_dir) -> Iterator[StreamlitServer]:
    server = StreamlitServer(_server_log_dir)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On failure, attach the log of every server the test used to the report."""
    outcome = yield
    report = outcome.get_result()
    if not report.failed:
        return
    servers = list(getattr(item, "_streamlit_servers", []))
    servers += [v for v in getattr(item, "funcargs", {}).values() if isinstance(v, StreamlitServer)]
    seen = set()
    for server in servers:
        if id(server) in seen:
            continue
        seen.add(id(server))
        report.sections.append((f"streamlit server :{server.port}", server.log_text()))


# --------------------------------------------------------------------------- browser

# Counts the app's script runs: every change of stApp's data-test-script-state to "running".
# Lets `rerun_and_wait` know that the rerun an interaction caused has really started (a 15 ms run
# can begin and end between two polls).
_RUN_COUNTER_JS = """
(() => {
  window.__stRuns = 0;
  const watch = () => {
    new MutationObserver((records) => {
      for (const r of records) {
        if (r.target.getAttribute && r.target.getAttribute('data-test-script-state') === 'running') {
          window.__stRuns += 1;
        }
      }
    }).observe(document, {attributes: true, subtree: true,
                          attributeFilter: ['data-test-script-state']});
  };
  if (document.documentElement) { watch(); } else {
    document.addEventListener('DOMContentLoaded', watch);
  }
})();
"""


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium (`apt-get install chromium "
            "chromium-driver`, which `make` does) to run the e2e tests. Never `playwright install`.",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
    except Exception as error:  # noqa: BLE001 - a broken install should say so, not skip
        playwright.stop()
        pytest.fail(f"could not launch {CHROMIUM}: {error}", pytrace=False)
    yield chromium
    chromium.close()
    playwright.stop()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=VIEWPORT, device_scale_factor=1)
    context.add_init_script(_RUN_COUNTER_JS)
    context.set_default_timeout(RUN_TIMEOUT_MS)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.js_errors = errors  # JS errors in the frontend, for tests that want to look
    yield tab
    context.close()


# --------------------------------------------------------------------------- helpers


def page_url(entry_path: str) -> str:
    """The URL path of a page in pages-directory mode: app.py -> "/", pages/1_Data_Explorer.py
    -> "/Data_Explorer" (Streamlit drops the number prefix and the icon, keeps underscores)."""
    from streamlit.source_util import page_icon_and_name

    path = Path(entry_path)
    if path.parent == Path("."):  # the main script
        return "/"
    _, name = page_icon_and_name(path)
    return "/" + name


_IDLE_JS = """
() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app) return false;
  if (app.getAttribute('data-test-connection-state') !== 'CONNECTED') return false;
  if (app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (document.querySelector('[data-testid="stStatusWidgetRunningIcon"]')) return false;
  if (document.querySelector('[data-stale="true"]')) return false;
  if (document.querySelector('[data-testid="stSkeleton"], [data-testid="stAppSkeleton"]')) return false;
  return true;
}
"""


def wait_until_idle(page, timeout_ms: int = RUN_TIMEOUT_MS, settle_ms: int = 250) -> None:
    """Wait until the app is connected, no script run is in progress and no element is stale;
    then make sure it stays so for `settle_ms` (a rerun queued by a callback starts late)."""
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        remaining = max(1, int((deadline - time.monotonic()) * 1000))
        try:
            page.wait_for_function(_IDLE_JS, timeout=remaining, polling=50)
        except Exception as error:
            raise AssertionError(
                f"the app did not become idle within {timeout_ms / 1000:.0f} s at {page.url}: "
                f"{_app_state(page)}; exception boxes: {exception_texts(page)}"
            ) from error
        page.wait_for_timeout(settle_ms)
        if page.evaluate(_IDLE_JS):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"the app kept rerunning at {page.url}: {_app_state(page)}")


def _app_state(page) -> str:
    try:
        return page.evaluate(
            """() => { const a = document.querySelector('[data-testid="stApp"]');
                 return a ? `connection=${a.getAttribute('data-test-connection-state')} `
                          + `script=${a.getAttribute('data-test-script-state')} `
                          + `stale=${document.querySelectorAll('[data-stale="true"]').length}`
                          : 'no stApp element'; }"""
        )
    except Exception as error:  # noqa: BLE001 - the page itself is gone
        return f"(state unknown: {error})"


def run_count(page) -> int:
    return int(page.evaluate("() => window.__stRuns || 0"))


def rerun_and_wait(page, action: Callable[[], object], timeout_ms: int = RUN_TIMEOUT_MS) -> None:
    """Do something that makes the app rerun, wait for that rerun to start, then to finish."""
    before = run_count(page)
    action()
    try:
        page.wait_for_function(
            f"() => (window.__stRuns || 0) > {before}", timeout=RUN_START_TIMEOUT_MS, polling=20
        )
    except Exception:  # noqa: BLE001 - a timeout, or the page navigated away
        pass  # some interactions legitimately cause no rerun; idle is still required below
    wait_until_idle(page, timeout_ms=timeout_ms)


def open_page(page, url: str, timeout_ms: int = FIRST_RUN_TIMEOUT_MS) -> None:
    """Load `url` and wait for its first script run to finish (generous: the first run on a
    fresh server imports torch and transformers), failing at once on an exception box."""
    page.goto(url, wait_until="domcontentloaded", timeout=timeout_ms)
    # Fail fast: an exception box ends the wait as soon as it shows.
    page.wait_for_function(
        """() => {
          if (document.querySelector('[data-testid="stException"]')) return true;
          const a = document.querySelector('[data-testid="stApp"]');
          return !!a && a.getAttribute('data-test-script-state') === 'notRunning';
        }""",
        timeout=timeout_ms,
        polling=50,
    )
    assert_no_exception(page)
    wait_until_idle(page, timeout_ms=timeout_ms)


def exception_texts(page) -> list[str]:
    try:
        return page.locator('[data-testid="stException"]').all_inner_texts()
    except Exception:  # noqa: BLE001 - the page itself is gone: nothing to report
        return []


def assert_no_exception(page) -> None:
    texts = exception_texts(page)
    if texts:
        screenshot(page, "FAILED-" + re.sub(r"[^A-Za-z0-9_.-]+", "_", page.url.split("//")[-1]))
        raise AssertionError(
            f"{len(texts)} exception box(es) at {page.url}:\n" + "\n---\n".join(texts)
        )


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / (name if name.endswith(".png") else name + ".png")
    page.screenshot(path=str(path), full_page=True)
    return path


def sidebar(page):
    return page.locator('[data-testid="stSidebar"]')


def main_area(page):
    return page.locator('[data-testid="stMain"]')


def pick_option(page, label: str, option: str, scope=None) -> None:
    """Choose `option` in the select box named `label` (in the main area unless `scope`)."""
    (scope or main_area(page)).get_by_role("combobox", name=label).click()
    rerun_and_wait(page, lambda: page.get_by_role("option", name=option, exact=True).click())


def type_and_enter(page, field, value: str) -> None:
    field.fill(value)
    rerun_and_wait(page, lambda: field.press("Enter"))


@contextmanager
def runs_in(root: Path) -> Iterator[Path]:
    """Run stores at `root` for everything started inside: servers and their run processes
    inherit WORKBENCH_RUNS."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WORKBENCH_RUNS", str(root))
        yield root
