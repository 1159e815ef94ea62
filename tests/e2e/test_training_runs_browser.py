"""Training runs as a user lives them, in a real browser: a run goes on while the user visits
another page, a second one is cancelled, a third with an impossible setting fails in words, and a
run whose app is killed shows as `interrupted` after a restart while earlier runs stay intact.

The store is this module's own (WORKBENCH_RUNS, inherited by the servers and the runs' child
processes); the tiny random Llama keeps each run to seconds of training.
"""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from workbench.specs import BaselineSpec
from workbench.store import Store, process_alive
from workbench.ui.pages_index import PAGES

from .conftest import (
    assert_no_exception, main_area, open_page, page_url, pick_option, rerun_and_wait, runs_in,
    screenshot, sidebar, type_and_enter, wait_for, wait_until_idle,
)

pytestmark = pytest.mark.e2e

TRAINING = next(p for p in PAGES if p.path.endswith("Training.py"))
QUICK = "Quick check: LoRA, 64 rows, 20 steps"
UI_TIMEOUT_MS = 15_000


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    with runs_in(tmp_path_factory.mktemp("training-runs-store")) as root:
        yield Store(root)


def set_up_tiny_run(page, url: str, max_steps: int) -> None:
    """The quick-check preset on the tiny model, with one evaluation halfway."""
    open_page(page, url)
    pick_option(page, "Model", "tiny-random-llama", sidebar(page))
    main = main_area(page)
    pick_option(page, "Preset", QUICK, main)
    main.get_by_text("Advanced: optimisation settings").click()
    type_and_enter(page, main.get_by_role("spinbutton", name="Max steps"), str(max_steps))
    type_and_enter(page, main.get_by_role("spinbutton", name="Evaluate every"), str(max(max_steps // 2, 1)))
    expect(main.get_by_text("Trainable", exact=True)).to_be_visible(timeout=UI_TIMEOUT_MS)


def tick_gradient_checkpointing(page, tries: int = 5) -> None:
    """Tick it in the advanced settings. A click can be lost during the expander's opening
    animation or under a rerun the page's speed probe triggers when it ends: look, then retry."""
    main = main_area(page)
    label = main.get_by_text("Gradient checkpointing", exact=True)
    box = main.get_by_role("checkbox", name="Gradient checkpointing")
    for _ in range(tries):
        wait_until_idle(page)
        if not label.is_visible():
            main.get_by_text("Advanced: optimisation settings").click()
            label.wait_for(state="visible", timeout=UI_TIMEOUT_MS)
        if box.count() and box.is_checked(timeout=UI_TIMEOUT_MS):
            return
        rerun_and_wait(page, label.click)
    expect(box).to_be_checked(timeout=UI_TIMEOUT_MS)


def start_run(page, store: Store, known: set[str]) -> str:
    main = main_area(page)
    rerun_and_wait(page, lambda: main.get_by_role("button", name="Start training").click())
    new = wait_for(lambda: {r.id for r in store.list()} - known, "the new run", timeout=30)
    (run_id,) = new
    known.add(run_id)
    return run_id


def training_step(store: Store, run_id: str) -> int:
    progress = store.get(run_id).progress
    return progress.get("done", 0) if progress.get("stage") == "training" else 0


def progress_texts(page) -> list[str]:
    return main_area(page).locator('[data-testid="stProgress"]').all_inner_texts()


# Three runs one after the other in a real browser, about 3 minutes on 2 cores: `make test-slow`.
# `make test` keeps a page-started run landing (test_training_browser.py), cancel
# (tests/ui/test_page_training.py) and a killed app (the test below).
@pytest.mark.slow
def test_a_run_goes_on_across_pages_a_second_is_cancelled_a_third_fails_in_words(
    fresh_server, page, store
):
    known: set[str] = set()
    set_up_tiny_run(page, fresh_server.url(page_url(TRAINING.path)), max_steps=120)
    first = start_run(page, store, known)
    main = main_area(page)
    expect(main.get_by_text("Running now", exact=True)).to_be_visible(timeout=UI_TIMEOUT_MS)
    wait_for(lambda: training_step(store, first) > 0, "the first run to train")

    # Another page, then back: the run kept going, and the live panel shows it moving.
    rerun_and_wait(page, lambda: sidebar(page).get_by_role("link", name="Results").click())
    step_away = training_step(store, first)
    time.sleep(2)
    rerun_and_wait(page, lambda: sidebar(page).get_by_role("link", name="Training").click())
    expect(main.get_by_text("Running now", exact=True)).to_be_visible(timeout=UI_TIMEOUT_MS)
    assert training_step(store, first) > step_away, "the run stopped while the page was away"
    seen = progress_texts(page)
    # The panel moves on (or the run, on a fast machine, already ended).
    wait_for(lambda: progress_texts(page) != seen or store.get(first).status == "done",
             "the live panel to move", timeout=30)
    assert any("step" in text for text in seen) or store.get(first).status == "done"
    assert_no_exception(page)

    # A second run queues behind the first; once it trains, Cancel stops it.
    second = start_run(page, store, known)
    expect(main.get_by_text("number 1 in the queue", exact=False)).to_be_visible(
        timeout=UI_TIMEOUT_MS)
    screenshot(page, "training_two_runs")
    wait_for(lambda: store.get(first).status == "done", "the first run to finish")
    wait_for(lambda: training_step(store, second) > 0, "the second run to train")
    cancel = main.get_by_role("button", name="Cancel")
    expect(cancel).to_have_count(1, timeout=UI_TIMEOUT_MS)
    cancel.click()
    wait_for(lambda: store.get(second).status != "running", "the second run to stop", timeout=90)
    cancelled = store.get(second)
    assert cancelled.status == "cancelled" and cancelled.metrics["cancelled_early"]
    assert (cancelled.folder / "adapter").is_dir()

    # A third run with a setting only the run can find impossible: it fails, in words.
    pick_option(page, "Method", "Prefix tuning", main)
    tick_gradient_checkpointing(page)
    third = start_run(page, store, known)
    failed = wait_for(lambda: store.get(third).status not in ("queued", "running") and store.get(third),
                      "the third run to end")
    assert failed.status == "failed"
    reason = failed.error.split("\n\n")[0]
    assert reason.startswith("Prefix tuning cannot run with gradient checkpointing")
    wait_until_idle(page)
    page.reload()
    wait_until_idle(page)
    alert = main.get_by_test_id("stAlertContentError").get_by_text(reason[:60], exact=False)
    expect(alert).to_be_visible(timeout=UI_TIMEOUT_MS)
    assert store.get(first).status == "done"
    assert_no_exception(page)
    screenshot(page, "training_failed_run")
    assert not page.js_errors, f"JavaScript errors: {page.js_errors}"


# The live panel reruns every second; with Streamlit's default full garbage collection after each
# run the server took about 37% of a core from the training beside it, 4% without
# (.streamlit/config.toml, runner.postScriptGC).
LIVE_PANEL_SECONDS = 8
LIVE_PANEL_MAX_CORE_SHARE = 0.15


def server_core_share_meanwhile(server, seconds: float) -> float:
    import psutil

    process = psutil.Process(server.server_pid())
    before, started = sum(process.cpu_times()[:2]), time.monotonic()
    time.sleep(seconds)
    return (sum(process.cpu_times()[:2]) - before) / (time.monotonic() - started)


def test_the_live_panel_leaves_the_run_the_cpu_and_killing_the_app_shows_it_interrupted(start_server, page, store):
    from workbench.experiments import run

    run(BaselineSpec(method="logreg", data={"n_train": 64, "n_test": 32}), store=store)
    earlier = {r.id: r.status for r in store.list()}
    server = start_server()
    set_up_tiny_run(page, server.url(page_url(TRAINING.path)), max_steps=100_000)
    run_id = start_run(page, store, set(earlier))
    wait_for(lambda: training_step(store, run_id) > 0, "the run to train")
    share = server_core_share_meanwhile(server, LIVE_PANEL_SECONDS)
    assert share < LIVE_PANEL_MAX_CORE_SHARE, (
        f"with the live panel open the server used {share:.0%} of a core, taken from the run")
    child = store.get(run_id).pid
    server.kill_app()  # SIGKILL: no atexit, no goodbye
    wait_for(lambda: not process_alive(child), "the run's process to die with the app", timeout=20)
    assert store.get(run_id).status == "running"  # as the dead app left it

    restarted = start_server()
    open_page(page, restarted.url(page_url(TRAINING.path)))
    main = main_area(page)
    expect(main.get_by_text("Running now", exact=True)).to_have_count(0)
    assert store.get(run_id).status == "interrupted"
    warning = main.get_by_test_id("stAlertContentWarning").get_by_text("Interrupted", exact=False)
    expect(warning).to_be_visible(timeout=UI_TIMEOUT_MS)
    assert {r.id: r.status for r in store.list() if r.id in earlier} == earlier
    for run_id_before, status in earlier.items():
        if status == "done":
            assert len(store.predictions(run_id_before)) > 0
    assert_no_exception(page)
    screenshot(page, "training_interrupted_run")
