"""The Prompt-template page in a real browser: a comparison with the tiny model, and a template
problem shown while editing. Runs go to a temporary store (WORKBENCH_RUNS), so the comparison
really scores instead of answering from an earlier run's store."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from workbench.ui.pages_index import PAGES

from .conftest import (
    assert_no_exception,
    main_area,
    open_page,
    page_url,
    pick_option,
    rerun_and_wait,
    screenshot,
    sidebar,
    wait_until_idle,
)

pytestmark = pytest.mark.e2e

TEMPLATES = next(p for p in PAGES if p.path.endswith("Prompt_Templates.py"))
TEMPLATES_URL = page_url(TEMPLATES.path)  # /Prompt_Templates
TINY = "tiny-random-llama"
CALIFORNIA = "California housing (tabular)"
UI_TIMEOUT_MS = 10_000
JOB_TIMEOUT_MS = 180_000  # the first job on a fresh server also imports transformers


@pytest.fixture(autouse=True)
def runs_folder(tmp_path, monkeypatch):
    """Autouse, so it is set before `fresh_server` starts the server, which inherits it."""
    monkeypatch.setenv("WORKBENCH_RUNS", str(tmp_path / "runs"))
    return tmp_path / "runs"


def _pick_model(page, name: str) -> None:
    picker = sidebar(page).get_by_role("combobox", name="Model")
    picker.click()
    option = page.get_by_role("option", name=name, exact=True)
    expect(option).to_be_visible(timeout=UI_TIMEOUT_MS)
    rerun_and_wait(page, option.click)
    expect(picker).to_have_value(name)


def _set_number(page, label: str, value: int) -> None:
    box = main_area(page).get_by_role("spinbutton", name=label, exact=True)
    box.fill(str(value))
    rerun_and_wait(page, lambda: box.press("Enter"))
    expect(box).to_have_value(str(value))


def _remove_template(page, name: str) -> None:
    button = main_area(page).get_by_role("button", name=f"Remove {name}", exact=True)
    rerun_and_wait(page, button.click)
    expect(button).to_have_count(0)


def test_compare_three_templates_with_the_tiny_model(fresh_server, page, runs_folder):
    open_page(page, fresh_server.url(TEMPLATES_URL))
    expect(main_area(page).locator("h1").first).to_have_text("Prompt templates")
    _pick_model(page, TINY)
    _set_number(page, "Test rows to score", 20)
    for name in ("values", "table"):
        _remove_template(page, name)
    compare = main_area(page).get_by_role("button", name="Compare 3 templates on 20 rows")
    rerun_and_wait(page, compare.click)
    winner = main_area(page).get_by_text(re.compile(r"^Best: (list|text|json), AUC 0\.\d\d \["))
    expect(winner).to_be_visible(timeout=JOB_TIMEOUT_MS)
    wait_until_idle(page)
    assert_no_exception(page)
    expect(main_area(page).locator('[data-testid="stPlotlyChart"]')).to_be_visible()
    # The page's default task: adult income, which the default model knows something about.
    caption = main_area(page).get_by_text("3 templates on 20 Adult census income test rows")
    expect(caption).to_be_visible()
    winner.scroll_into_view_if_needed()
    screenshot(page, "prompt_templates_compare_tiny")
    assert any(runs_folder.glob("runs/*/metrics.json")), "the runs were not stored"
    assert not page.js_errors, f"JavaScript errors: {page.js_errors}"


def test_jinja_problem_is_shown_with_its_line(fresh_server, page):
    open_page(page, fresh_server.url(TEMPLATES_URL))
    pick_option(page, "Data set", CALIFORNIA)
    serializer = main_area(page).get_by_role("combobox", name="Serializer")
    serializer.click()
    rerun_and_wait(page, page.get_by_role("option", name="jinja", exact=True).click)
    box = main_area(page).get_by_role("textbox", name="Jinja template (one row)")
    box.fill("Income: {{ MedInc }}\nAge: {{ HouseAgee }}")
    rerun_and_wait(page, lambda: box.press("Control+Enter"))
    problem = main_area(page).locator('[data-testid="stAlert"]', has_text="Line 2:")
    expect(problem).to_contain_text("HouseAgee is not a column")
    expect(problem).to_contain_text("did you mean HouseAge?")
    assert_no_exception(page)
    problem.scroll_into_view_if_needed()
    screenshot(page, "prompt_templates_jinja_problem")
