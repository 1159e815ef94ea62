"""The Training page in a real browser: a run started with the button shows its live panel (the
fragment AppTest does not run), then lands as a finished run with its metrics and "Try it".

Runs go to a store made for this module (WORKBENCH_RUNS, inherited by the server and the run's
child process); the tiny random Llama keeps the run to seconds.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from workbench.ui.pages_index import PAGES

from .conftest import (
    assert_no_exception, main_area, open_page, page_url, pick_option, rerun_and_wait, runs_in,
    screenshot, sidebar, wait_until_idle,
)

pytestmark = pytest.mark.e2e

TRAINING = next(p for p in PAGES if p.path.endswith("Training.py"))
RUN_TIMEOUT_MS = 240_000  # a child process imports torch, trains the tiny model, scores
UI_TIMEOUT_MS = 10_000


@pytest.fixture(scope="module", autouse=True)
def training_store(tmp_path_factory):
    with runs_in(tmp_path_factory.mktemp("training-browser-store")) as root:
        yield root


def test_a_run_started_on_the_page_trains_live_and_lands_with_its_metrics(fresh_server, page):
    open_page(page, fresh_server.url(page_url(TRAINING.path)))
    pick_option(page, "Model", "tiny-random-llama", scope=sidebar(page))
    pick_option(page, "Preset", "Quick check: LoRA, 64 rows, 20 steps")
    main = main_area(page)
    expect(main.get_by_text("Trainable", exact=True)).to_be_visible(timeout=UI_TIMEOUT_MS)
    rerun_and_wait(page, lambda: main.get_by_role("button", name="Start training").click())
    expect(main.get_by_text("Running now", exact=True)).to_be_visible(timeout=UI_TIMEOUT_MS)
    expect(main.get_by_role("button", name="Cancel")).to_be_visible()
    # The fragment redraws the panel while the run trains; the page reruns once when it ends.
    expect(main.get_by_text("Test AUC", exact=True)).to_be_visible(timeout=RUN_TIMEOUT_MS)
    wait_until_idle(page)
    expect(main.get_by_text("Running now", exact=True)).to_have_count(0)
    assert_no_exception(page)
    rerun_and_wait(page, lambda: main.get_by_role("button", name="Score with both models").click())
    expect(main.get_by_text("Fine-tuned says", exact=True)).to_be_visible(timeout=UI_TIMEOUT_MS)
    assert_no_exception(page)
    page.set_viewport_size({"width": 1400, "height": 3200})
    wait_until_idle(page)
    screenshot(page, "training_run_done")
    assert not page.js_errors, f"JavaScript errors: {page.js_errors}"
