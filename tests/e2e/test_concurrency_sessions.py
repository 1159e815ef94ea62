"""Concurrency (issue 8): five browser sessions use the app while two training runs go on.

One fresh server with its own store. Two tiny fine-tuning runs are submitted to that store by a
run supervisor in this process (one runs, the other waits its turn: one run per device), while
five browser contexts (five Streamlit sessions) switch between pages and rerun them, all at
once. Every rerun must end without an exception box; once both runs have ended every session
lists the same runs with the same statuses, and its leaderboard (the CSV download) gives each run
its own numbers, never another run's.

Each rerun's time is measured in the browser: from the key press that asks for it to the end of
the script run it started (the app's "running" state gone). The figures (count, p50, p95, max)
are printed and written to concurrency_reruns.json in the test's tmp folder.

Measured on the 2-core machine, with other test suites sharing it (1-min load average 6.5-7.2):
30 reruns ("r") in 8 rounds, all while a run was queued or running: p50 1.67 s, p95 2.46 s,
max 2.60 s; 10 page switches: p50 2.29 s, max 3.43 s; the whole test 44 s. A p95 under 1 s is
not reliable on 2 cores with a training process next to five sessions, so the bound is loose.
"""

from __future__ import annotations

import csv
import io
import json
import os
import statistics
import time

import pytest
from playwright.sync_api import expect

from workbench import results
from workbench.specs import FinetuneSpec
from workbench.store import Store
from workbench.supervisor import RunSupervisor
from workbench.ui.pages_index import PAGES

from .conftest import (
    _RUN_COUNTER_JS, FIRST_RUN_TIMEOUT_MS, RUN_TIMEOUT_MS, VIEWPORT, assert_no_exception,
    exception_texts, main_area, page_url, runs_in, sidebar, wait_for, wait_until_idle,
)

pytestmark = pytest.mark.e2e

SESSIONS = 5
ROUNDS = 8  # reruns per session; more while the runs have not ended, up to MAX_ROUNDS
MAX_ROUNDS = 30
# The pages the sessions move between. Training is left out: its first visit on a fresh server
# (transformers import and model load, next to a training process) took ~30 s on 2 cores, and
# while a run is active its live panel redraws every second, so the app is rarely idle there.
TOURS = ("Results", "Data explorer")
# from the start: the sessions stop interacting by then (`make test` runs another worker beside)
ACTIVITY_LIMIT_S = 90
# Loose: 2 cores serve 5 sessions, the server, chromium and a training process; with other
# test suites sharing the cores (load average 8-9) p95 was 5.1 s (see the module docstring).
P95_BOUND_S = 8.0
LABELS = {page.label: page for page in PAGES}

# Times every script run that an interaction started: a key press or a click arms it, the next
# change of the app's script state to "running" binds it, the change back to "notRunning" ends it.
_RERUN_TIMER_JS = """
(() => {
  window.__reruns = [];
  window.__pending = null;
  const arm = (kind) => { window.__pending = {kind, t0: performance.now(), started: false}; };
  document.addEventListener('keydown', (e) => { if (e.key === 'r') arm('rerun'); }, true);
  document.addEventListener('click', () => arm('click'), true);
  // Each record's new value is the next record's old value (or the attribute now): a run that
  // starts and ends between two callbacks is still seen.
  const watch = () => new MutationObserver((records) => {
    const mine = records.filter((r) => r.target.getAttribute);
    mine.forEach((r, i) => {
      const next = mine.slice(i + 1).find((n) => n.target === r.target);
      const state = next ? next.oldValue : r.target.getAttribute('data-test-script-state');
      const p = window.__pending;
      if (!p || state === r.oldValue) return;
      if (state === 'running') p.started = true;
      else if (r.oldValue === 'running' && p.started) {
        window.__reruns.push({kind: p.kind, ms: performance.now() - p.t0,
                              url: location.pathname});
        window.__pending = null;
      }
    });
  }).observe(document, {attributes: true, subtree: true, attributeOldValue: true,
                        attributeFilter: ['data-test-script-state']});
  if (document.documentElement) watch(); else document.addEventListener('DOMContentLoaded', watch);
})();
"""


def tiny_run(max_steps: int, n_test: int, seed: int) -> FinetuneSpec:
    return FinetuneSpec(
        model={"name": "tiny-random-llama", "dtype": "float32"},
        data={"n_train": 16, "n_test": n_test, "val_fraction": 0.002},
        training={"method": "lora", "max_steps": max_steps, "batch_size": 4,
                  "precision": "fp32", "seed": seed},
        batch_size=4,
    )


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]  # nearest rank


_OWN_RUN_OVER_JS = """() => { const a = document.querySelector('[data-testid="stApp"]');
  return window.__pending === null && !!a
         && a.getAttribute('data-test-connection-state') === 'CONNECTED'; }"""


def wait_for_own_run(tab, timeout_s: float = RUN_TIMEOUT_MS / 1000) -> int:
    """Until the script run this session's last interaction started has ended (a fragment
    redrawing a live panel may keep the app busy afterwards: that is not this rerun). The
    browser ignores "r" while a script run is going on; a press that started nothing within
    2 s is repeated (the time counts from the press that worked). Returns the repeats."""
    deadline, repeats = time.monotonic() + timeout_s, 0
    while True:
        try:
            tab.wait_for_function(_OWN_RUN_OVER_JS, timeout=2_000, polling=50)
            return repeats
        except Exception:  # noqa: BLE001 - Playwright's timeout: not over yet, poll again
            pending = tab.evaluate("() => window.__pending")
            assert time.monotonic() < deadline, (
                f"{tab.url}: the rerun did not end in {timeout_s:.0f} s; pending {pending}, "
                f"exceptions {exception_texts(tab)}")
            if pending and pending["kind"] == "rerun" and not pending["started"]:
                tab.keyboard.press("r")
                repeats += 1
            elif pending and not pending["started"] and tab.evaluate(
                    "(t0) => performance.now() - t0 > 10000", pending["t0"]):
                tab.evaluate("() => { window.__pending = null; }")  # a click that ran nothing
                return repeats


def go_to(tab, label: str) -> None:
    sidebar(tab).get_by_role("link", name=LABELS[label].label).click()


def leaderboard_csv(tab) -> list[dict]:
    with tab.expect_download(timeout=RUN_TIMEOUT_MS) as download:
        main_area(tab).get_by_role("button", name="Download the table (CSV)").click()
    return list(csv.DictReader(io.StringIO(download.value.path().read_text())))


def listed_runs(tab) -> list[str]:
    """The options of the Results page's run details picker: "label #id (status)" per run."""
    main = main_area(tab)
    main.get_by_text("Run details: spec, notes, errors; run it again").click()
    picker = main.get_by_role("combobox", name="Run", exact=True)
    picker.click()
    options = sorted(tab.get_by_role("option").all_inner_texts())
    tab.keyboard.press("Escape")
    return options


# About 2.5 minutes of two runs and five browser sessions on 2 cores: `make test-slow`.
@pytest.mark.slow
def test_concurrency_five_sessions_while_two_runs_go_on(start_server, browser, tmp_path):
    started = time.monotonic()
    with runs_in(tmp_path / "store") as root:
        store = Store(root)
        server = start_server()
        supervisor = RunSupervisor(store)
        contexts = []
        try:
            runs = [supervisor.submit(tiny_run(40, 8, seed=1)),
                    supervisor.submit(tiny_run(30, 16, seed=2))]
            tabs = []
            for _ in range(SESSIONS):
                context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
                context.add_init_script(_RUN_COUNTER_JS)
                context.add_init_script(_RERUN_TIMER_JS)
                context.set_default_timeout(RUN_TIMEOUT_MS)
                contexts.append(context)
                tab = context.new_page()
                tab.js_errors = []
                tab.on("pageerror", lambda error, tab=tab: tab.js_errors.append(str(error)))
                tabs.append(tab)
            results_url = server.url(page_url(LABELS["Results"].path))
            for tab in tabs:  # all five open at once
                tab.goto(results_url, wait_until="commit", timeout=FIRST_RUN_TIMEOUT_MS)
            for tab in tabs:
                wait_until_idle(tab, timeout_ms=FIRST_RUN_TIMEOUT_MS)
                assert_no_exception(tab)

            first_visits_s = time.monotonic() - started
            load_before = os.getloadavg()[0]
            statuses_seen = set()
            rounds = repeats = active_rounds = 0
            where = ["Results"] * SESSIONS
            while rounds < MAX_ROUNDS and time.monotonic() - started < ACTIVITY_LIMIT_S and (
                rounds < ROUNDS or any(store.get(r.id).status in ("queued", "running") for r in runs)
            ):
                rounds += 1
                statuses = {store.get(r.id).status for r in runs}
                active_rounds += bool(statuses & {"queued", "running"})
                statuses_seen |= statuses
                for number, tab in enumerate(tabs):
                    # Every fourth round a page switch, else a plain rerun ("r").
                    if rounds % 4 == 0:
                        where[number] = TOURS[(TOURS.index(where[number]) + 1 + number % 2)
                                              % len(TOURS)]
                        go_to(tab, where[number])
                    else:
                        tab.keyboard.press("r")
                for tab in tabs:
                    repeats += wait_for_own_run(tab)
                    assert_no_exception(tab)
            activity_s = time.monotonic() - started
            timings = [m for tab in tabs for m in tab.evaluate("() => window.__reruns")]

            reruns = [m["ms"] / 1000 for m in timings if m["kind"] == "rerun"]
            switches = [m["ms"] / 1000 for m in timings if m["kind"] == "click"]
            figures = {
                "sessions": SESSIONS, "rounds": rounds, "rounds_with_a_run_queued_or_running": active_rounds,
                "activity_seconds": round(activity_s, 1),
                "server_start_and_first_visits_seconds": round(first_visits_s, 1),
                "load_average_1min": [round(load_before, 1), round(os.getloadavg()[0], 1)],
                "cpus": os.cpu_count(),
                "run_statuses_seen_during_reruns": sorted(statuses_seen),
                "reruns": len(reruns), "r_presses_repeated": repeats,
                "rerun_p50_s": round(statistics.median(reruns), 3),
                "rerun_p95_s": round(percentile(reruns, 95), 3),
                "rerun_max_s": round(max(reruns), 3),
                "page_switches_and_clicks": len(switches),
                "switch_p50_s": round(statistics.median(switches), 3) if switches else None,
                "switch_p95_s": round(percentile(switches, 95), 3) if switches else None,
                "switch_max_s": round(max(switches), 3) if switches else None,
            }
            (tmp_path / "concurrency_reruns.json").write_text(json.dumps(figures, indent=2))
            print("\nconcurrency figures:", json.dumps(figures))

            for run in runs:
                wait_for(lambda run=run: store.get(run.id).status not in ("queued", "running"),
                         f"run {run.id} to end", timeout=120)
            ended = {r.id: store.get(r.id) for r in runs}
            assert all(record.status == "done" for record in ended.values()), {
                run_id: (r.status, r.error) for run_id, r in ended.items()}

            # Every session, on Results, lists the same runs with the same statuses and gives
            # each run its own numbers: its stored ones, or (the run scored on more rows) those
            # of its stored predictions on the rows both runs share, as the page compares them.
            (shared, *_) = results.test_sets(results.row_ids_by_run(store, list(ended))[0])
            expected = results.scores_on(store, shared)
            views = []
            for tab in tabs:
                if where[tabs.index(tab)] != "Results":
                    go_to(tab, "Results")
                else:
                    tab.keyboard.press("r")
            for tab in tabs:
                wait_until_idle(tab)
                assert_no_exception(tab)
                expect(main_area(tab).get_by_text("Leaderboard", exact=True)).to_be_visible()
                table = leaderboard_csv(tab)
                views.append((listed_runs(tab), sorted((row["run"], row["AUC"], row["n test"])
                                                        for row in table)))
                for row in table:
                    record = ended[row["run"]]
                    assert row["label"].endswith(f"#{record.id[-6:]}")
                    test = expected.get(record.id) or record.metrics["test"]
                    assert (row["rescored"] == "True") == (record.id in expected)
                    assert int(float(row["n test"])) == test["n"]
                    auc = test["auc"]
                    assert (row["AUC"] == "" and auc is None) or float(row["AUC"]) == pytest.approx(auc)
                assert {row["run"] for row in table} == set(ended)
            assert all(view == views[0] for view in views), views
            options = views[0][0]
            assert len(options) == 2 and all(option.endswith("(done)") for option in options)
            assert {option.split("#")[1].split(" ")[0] for option in options} == {
                run_id[-6:] for run_id in ended}

            errors = [e for tab in tabs for e in tab.js_errors]
        finally:
            supervisor.shutdown()
            for context in contexts:
                context.close()
    assert not errors, errors
    print(f"concurrency test: {time.monotonic() - started:.1f} s")

    assert len(reruns) >= SESSIONS * ROUNDS // 2, figures
    assert figures["rerun_p95_s"] < P95_BOUND_S, figures
