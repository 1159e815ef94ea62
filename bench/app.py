"""How fast the app feels in a real browser: cold start, page switches, the cached model.

    .venv/bin/python bench/app.py [--cached-repeats 3]

Starts its own `streamlit run app.py` (headless, a free port, WORKBENCH_RUNS in a temporary
folder) and drives Debian chromium (/usr/bin/chromium, headless) with Playwright through the e2e
harness of tests/e2e/conftest.py. A page counts as rendered when its script run is over, nothing
is stale and no running indicator shows (the harness's wait_until_idle), with its title (h1) shown.

1. cold start: from launching the server process to the home page (app.py) rendered.
2. page switch: every page of workbench.ui.pages_index.PAGES except Home (the cold start's page),
   in navigation order, twice: a first visit, then a second one. Once by opening its URL (a new
   browser session each time) and once by clicking its link in the sidebar; each way gets its own
   fresh server, so that both see real first visits (a page's first run in a process imports its
   modules and fills its caches).
3. model load: on Home, the "Try the current model" form with 1 new token: the first submit loads
   the default model (smollm2-135m-instruct) into st.cache_resource (workbench.ui.state.
   cached_model), later ones find it there; each includes the rerun and a 1-token greedy
   generation. It runs after the page visits: no page loads the model, but they import
   transformers, so the first load is the model's own (on a server that has just started, the
   first submit also waits seconds for that import). The embedded model is converted to
   safetensors beforehand if needed: that happens once per machine, not per process.

A first time happens once per server, so it is one sample; on a shared machine (see the load
average printed) repeat the whole run. The cached model's time is the fastest of a few submits.

Prints a table of seconds and ends with one line of speedups (slower / faster): cold start against
the median first sidebar-click visit, median first against median second sidebar-click visit, first
model load against the cached one. Exits non-zero, naming the page, when a page shows an exception
box; with a message when chromium is missing or the server does not come up.
"""

from __future__ import annotations

import argparse
import inspect
import logging
import os
import re
import signal
import statistics
import sys
import tempfile
import threading
import time
from contextlib import contextmanager, suppress
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.e2e.conftest import (
    _RUN_COUNTER_JS,
    CHROMIUM,
    CHROMIUM_ARGS,
    FIRST_RUN_TIMEOUT_MS,
    RUN_TIMEOUT_MS,
    VIEWPORT,
    StreamlitServer,
    assert_no_exception,
    main_area,
    open_page,
    page_url,
    rerun_and_wait,
    sidebar,
    wait_until_idle,
)
from workbench.models.embedded import ensure_smollm2
from workbench.ui.pages_index import PAGES

# wait_until_idle returns once the app has stayed idle this long: it was rendered that much earlier.
SETTLE_S = inspect.signature(wait_until_idle).parameters["settle_ms"].default / 1000
MEASURED = PAGES[1:]  # Home is the cold start's page
WAYS = {"url": "by URL", "click": "sidebar click"}
TRY_BUTTON = "Continue the prompt (greedy)"
CTRL_C = threading.Event()


class BenchFailure(Exception):
    """Something the benchmark cannot measure through: reported as a message, not a traceback."""


# --------------------------------------------------------------------------- browser and server


@contextmanager
def headless_chromium():
    if not os.path.exists(CHROMIUM):
        raise BenchFailure(f"{CHROMIUM} is missing: install Debian's chromium (`make browser`).")
    playwright = sync_playwright().start()
    try:
        try:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
            )
        except Exception as error:  # noqa: BLE001 - any launch failure ends the bench, in words
            raise BenchFailure(f"could not launch {CHROMIUM}: {error}") from None
        yield browser
    finally:
        with suppress(Exception):  # after Ctrl-C chromium may already be gone
            playwright.stop()


def new_tab(browser):
    """A fresh browser session, counting script runs like the e2e `page` fixture does."""
    context = browser.new_context(viewport=VIEWPORT, device_scale_factor=1)
    context.add_init_script(_RUN_COUNTER_JS)
    context.set_default_timeout(RUN_TIMEOUT_MS)
    return context.new_page()


@contextmanager
def fresh_server(log_dir: Path):
    """A server object that is stopped on the way out, whatever happened (Ctrl-C included)."""
    server = StreamlitServer(log_dir)
    try:
        yield server
    finally:
        server.stop()


def server_start_failure(error: RuntimeError, lines: int = 25) -> BenchFailure:
    first, *log = str(error).splitlines()
    tail = "\n".join([first, *log[-lines:]])
    return BenchFailure(f"the Streamlit server did not come up: {tail}")


# --------------------------------------------------------------------------- measuring


def rendered(tab, label: str, action) -> float:
    """Run `action` (it waits until the app is idle) and check the page; returns the moment the
    page was rendered (time.monotonic)."""
    if CTRL_C.is_set():  # Playwright's event loop can swallow a lone SIGINT's KeyboardInterrupt
        raise KeyboardInterrupt
    try:
        action()
        done = time.monotonic() - SETTLE_S
        assert_no_exception(tab)  # also saves a screenshot under tests/e2e/screenshots/
    except AssertionError as error:  # an exception box, or the app never became idle
        raise BenchFailure(f"{label}: {error}") from None
    try:
        main_area(tab).locator("h1").first.wait_for(state="visible", timeout=10_000)
    except PlaywrightError:
        raise BenchFailure(f"{label}: no page title (h1) after its run, at {tab.url}") from None
    return done


def cold_start(tab, server: StreamlitServer) -> float:
    started = time.monotonic()
    try:
        server.start()
    except RuntimeError as error:
        raise server_start_failure(error) from None
    return rendered(tab, "Home (cold start)", lambda: open_page(tab, server.url("/"))) - started


def click_nav_link(tab, entry) -> None:
    link = sidebar(tab).locator('[data-testid="stPageLink-NavLink"]', has_text=entry.label)
    rerun_and_wait(tab, link.click, timeout_ms=FIRST_RUN_TIMEOUT_MS)


def switch_to(tab, server: StreamlitServer, entry, way: str, visit: int) -> float:
    label = f"{entry.label} ({WAYS[way]}, visit {visit})"
    if way == "url":
        action = lambda: open_page(tab, server.url(page_url(entry.path)))  # noqa: E731
    else:
        action = lambda: click_nav_link(tab, entry)  # noqa: E731
    started = time.monotonic()
    seconds = rendered(tab, label, action) - started
    if not tab.url.rstrip("/").endswith(page_url(entry.path).rstrip("/")):
        raise BenchFailure(f"{label}: landed on {tab.url}")
    return seconds


def try_model_once(tab) -> tuple[float, float]:
    """Submit Home's "Try the current model" form: (seconds until rendered, the load time the page
    reports, which is the first load's for a cached model)."""
    button = main_area(tab).get_by_role("button", name=TRY_BUTTON)
    started = time.monotonic()
    submit = lambda: rerun_and_wait(tab, button.click, FIRST_RUN_TIMEOUT_MS)  # noqa: E731
    seconds = rendered(tab, "Home (try the model)", submit) - started
    caption = main_area(tab).get_by_text(re.compile(r"loaded in [\d.]+ s"))
    if caption.count() != 1:
        alerts = main_area(tab).locator('[data-testid="stAlert"]').all_inner_texts()
        raise BenchFailure(f"Home: the model gave no answer: {alerts or 'no message either'}")
    return seconds, float(re.search(r"loaded in ([\d.]+) s", caption.inner_text()).group(1))


def model_load_times(tab, server: StreamlitServer, cached_repeats: int) -> dict:
    """The first submit loads the model in this server process, the later ones find it cached.
    The machine may be shared: the cached time is the fastest of `cached_repeats` submits."""
    switch_to(tab, server, PAGES[0], "click", visit=2)
    tokens = main_area(tab).get_by_role("slider", name="New tokens")
    tokens.focus()
    tokens.press("Home")  # the slider's minimum, 1 token: generation stays a small part of both
    if tokens.input_value() != "1":
        raise BenchFailure(f"Home: could not set New tokens to 1 (it shows {tokens.input_value()})")
    first, inside_server = try_model_once(tab)
    cached = min(try_model_once(tab)[0] for _ in range(cached_repeats))
    return {"first": first, "cached": cached, "inside_server": inside_server}


def measure_way(browser, log_dir: Path, way: str, model_repeats: int = 0) -> dict:
    """Cold start, then two rounds of visits to every page, on one fresh server."""
    tab = new_tab(browser)
    try:
        with fresh_server(log_dir) as server:
            result = {"cold": cold_start(tab, server), "visits": {1: {}, 2: {}}}
            for visit in (1, 2):
                for entry in MEASURED:
                    seconds = switch_to(tab, server, entry, way, visit)
                    result["visits"][visit][entry.label] = seconds
            if model_repeats:
                result["model"] = model_load_times(tab, server, model_repeats)
            return result
    finally:
        with suppress(Exception):
            tab.context.close()


# --------------------------------------------------------------------------- report


def median_visit(result: dict, visit: int) -> float:
    return statistics.median(result["visits"][visit].values())


def print_table(results: dict, cached_repeats: int) -> None:
    ways = list(results)
    two = lambda first, second: f"{first:9.2f}{second:9.2f}"  # noqa: E731
    print(f"{'seconds':22s}" + "".join(f"{WAYS[way]:>18s}" for way in ways))
    print(f"{'page':22s}" + f"{'1st':>9s}{'2nd':>9s}" * len(ways))
    for entry in MEASURED:
        row = [two(results[way]["visits"][1][entry.label], results[way]["visits"][2][entry.label])
               for way in ways]
        print(f"{entry.label:22s}" + "".join(row))
    medians = [two(median_visit(results[way], 1), median_visit(results[way], 2)) for way in ways]
    print(f"{'median of pages':22s}" + "".join(medians))
    colds = "".join(f"{results[way]['cold']:9.2f}{'':9s}" for way in ways)
    print(f"{'cold start':22s}{colds}  (server launch to Home rendered)")
    model = results["click"]["model"]
    print(f"{'model, first load':22s}{model['first']:9.2f}  (submit to answer on Home; "
          f"the server says it loaded in {model['inside_server']:.2f})")
    print(f"{'model, cached':22s}{model['cached']:9.2f}  (fastest of {cached_repeats} submits)")


def ratio_line(results: dict) -> str:
    clicks, model = results["click"], results["click"]["model"]
    cold = statistics.median(result["cold"] for result in results.values())
    return (
        f"app: page switch vs cold start {cold / median_visit(clicks, 1):.1f}x, "
        f"second visit vs first {median_visit(clicks, 1) / median_visit(clicks, 2):.1f}x, "
        f"cached model vs first load {model['first'] / model['cached']:.1f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cached-repeats", type=int, default=3,
                        help="submits with the cached model; the fastest counts")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-app-") as folder:
        os.environ["WORKBENCH_RUNS"] = str(Path(folder) / "runs")  # the servers inherit it
        with headless_chromium() as browser:
            ensure_smollm2(log=print)  # once per machine, not what a first load in a process costs
            print(f"{len(MEASURED)} pages, {os.cpu_count()} CPUs, each way on its own fresh server",
                  flush=True)
            results = {
                "url": measure_way(browser, Path(folder), "url"),
                "click": measure_way(browser, Path(folder), "click", args.cached_repeats),
            }
    print_table(results, args.cached_repeats)
    print(f"load average {os.getloadavg()[0]:.1f}: on a busy machine every time is longer")
    print(ratio_line(results))


def remember_ctrl_c(signum, frame) -> None:
    CTRL_C.set()
    signal.default_int_handler(signum, frame)  # KeyboardInterrupt, as usual


if __name__ == "__main__":
    signal.signal(signal.SIGINT, remember_ctrl_c)
    try:
        main()
    except BenchFailure as failure:
        sys.exit(f"bench/app.py: {failure}")
    # Ctrl-C reaches the whole process group: Playwright's driver may die first, so the
    # interruption can surface here as a closed-browser error instead of KeyboardInterrupt.
    except (KeyboardInterrupt, PlaywrightError) as error:
        if not CTRL_C.is_set():
            sys.exit(f"bench/app.py: the browser failed: {str(error).splitlines()[0]}")
        logging.getLogger("asyncio").setLevel(logging.CRITICAL)  # the dead driver's futures
        sys.exit("bench/app.py: interrupted; the server it started is stopped")
