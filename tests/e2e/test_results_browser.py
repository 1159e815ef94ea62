"""The Results page in a real browser, over a store prepared for this module (WORKBENCH_RUNS):
logistic regression, XGBoost, zero-shot and 2-shot runs on California, a cancelled and a failed
run (tests/test_results.py's builder)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.test_results import build_results_store
from workbench.ui.pages_index import PAGES

from .conftest import (
    assert_no_exception,
    main_area,
    open_page,
    page_url,
    rerun_and_wait,
    screenshot,
    wait_until_idle,
)

pytestmark = pytest.mark.e2e

RESULTS = next(p for p in PAGES if p.path.endswith("Results.py"))
RESULTS_URL = page_url(RESULTS.path)  # /Results
UI_TIMEOUT_MS = 10_000
TALL_VIEWPORT = {"width": 1400, "height": 4400}  # the whole page in one screenshot


@pytest.fixture(scope="module", autouse=True)
def results_store(tmp_path_factory):
    """Module-scoped and autouse: set before any server of this module starts (it inherits the
    environment)."""
    root = tmp_path_factory.mktemp("results-browser-store")
    ids = build_results_store(root)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WORKBENCH_RUNS", str(root))
        yield ids


def _legend(page) -> list[str]:
    texts = main_area(page).locator('[data-testid="stPlotlyChart"] .legendtext')
    return texts.evaluate_all("nodes => nodes.map(node => node.textContent)")  # SVG: no innerText


def _whole_page_screenshot(page, name: str) -> None:
    page.set_viewport_size(TALL_VIEWPORT)
    wait_until_idle(page)
    page.wait_for_timeout(500)  # plotly redraws at the new width
    screenshot(page, name)


def test_results_page_shows_the_four_methods(fresh_server, page):
    open_page(page, fresh_server.url(RESULTS_URL))
    assert_no_exception(page)
    main = main_area(page)
    expect(main.locator("h1").first).to_have_text("Results")
    expect(main.get_by_role("combobox", name="Data set")).to_have_value("California housing")
    expect(main.locator('[data-testid="stDataFrame"]').first).to_be_visible(timeout=UI_TIMEOUT_MS)
    charts = main.locator('[data-testid="stPlotlyChart"]')
    expect(charts).to_have_count(3, timeout=UI_TIMEOUT_MS)  # AUC per run, shots curve, ROC
    expect(main.get_by_text("Best AUC")).to_be_visible()
    legend = _legend(page)
    for name in ("zero-shot", "few-shot", "baseline", "logistic regression", "XGBoost",
                 "tiny-random-llama · prompting (list)"):
        assert name in legend, f"{name!r} not in the chart legends {legend}"
    assert any(text.startswith("reference: XGBoost") for text in legend)
    summary = re.compile(r"^A and B disagree on \d+ of 30 shared rows")
    expect(main.get_by_text(summary)).to_be_visible()
    expect(main.get_by_text("Runs not in the table")).to_be_visible()
    _whole_page_screenshot(page, "results")
    assert_no_exception(page)
    assert not page.js_errors, f"JavaScript errors: {page.js_errors}"


def test_own_rows_and_a_data_set_without_runs(shared_server, page):
    open_page(page, shared_server.url(RESULTS_URL))
    main = main_area(page)
    own = main.get_by_text("Each run's own test rows", exact=True)
    rerun_and_wait(page, own.click)
    assert_no_exception(page)
    expect(main.get_by_text(re.compile(r"^Each run on its own test rows"))).to_be_visible()
    box = main.get_by_role("combobox", name="Data set")
    box.click()
    option = page.get_by_role("option", name="Pima Indians diabetes", exact=True)
    expect(option).to_be_visible(timeout=UI_TIMEOUT_MS)
    rerun_and_wait(page, option.click)
    assert_no_exception(page)
    expect(main.get_by_text(re.compile(r"No runs for Pima Indians diabetes yet"))).to_be_visible()
    expect(main.get_by_role("button", name=re.compile("Run baselines"))).to_be_visible()
    expect(main.locator('[data-testid="stPlotlyChart"]')).to_have_count(0)
    screenshot(page, "results_empty_data_set")
