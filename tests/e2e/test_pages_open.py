"""Every page opens by its own URL on a freshly started server with the full frame.

The page list comes from workbench.ui.pages_index.PAGES, so a new page is covered automatically.
Each case starts its own server and makes the page's URL the server's first page request: that is
the case where a pages-directory app can run the page file alone, without its frame
(see /work/shared/docs/STREAMLIT.md).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from workbench.ui.frame import APP_TITLE
from workbench.ui.pages_index import PAGES

from .conftest import (
    assert_no_exception,
    main_area,
    open_page,
    page_url,
    rerun_and_wait,
    screenshot,
    sidebar,
    wait_until_idle,
)

pytestmark = pytest.mark.e2e

TINY = "tiny-random-llama"
TINY_TITLE = "Tiny random Llama (untrained)"
FRAME_TIMEOUT_MS = 10_000  # the run has finished: what is not there now will not come


def _page_id(entry) -> str:
    return Path(entry.path).stem


def assert_full_frame(page, entry) -> None:
    """The frame drawn by workbench.ui.frame.page_frame, plus the page's own title."""
    side = sidebar(page)
    expect(side, "the sidebar is missing: the page ran without its frame").to_be_visible(
        timeout=FRAME_TIMEOUT_MS
    )
    # Our navigation, every label, in the sidebar; Streamlit's own page list stays hidden.
    links = side.locator('[data-testid="stPageLink-NavLink"]')
    for other in PAGES:
        expect(
            links.filter(has_text=re.compile(rf"^\W*{re.escape(other.label)}\s*$")),
            f"sidebar navigation lacks {other.label!r}",
        ).to_have_count(1, timeout=FRAME_TIMEOUT_MS)
    expect(side.locator('[data-testid="stSidebarNav"]')).to_have_count(0)
    # The model picker and the device line.
    picker = side.get_by_role("combobox", name="Model")
    expect(picker, "no Model picker in the sidebar").to_be_visible(timeout=FRAME_TIMEOUT_MS)
    expect(picker).not_to_have_value("")
    expect(side.get_by_text("Current model:")).to_be_visible()
    expect(side.get_by_text(re.compile(r"^Device: \S+"))).to_be_visible()
    # The page config set by the frame (absent when the page runs alone) and the page title.
    assert page.title().endswith(f" · {APP_TITLE}"), f"page config not set: title {page.title()!r}"
    heading = main_area(page).locator("h1").first
    expect(heading, "no page title (h1)").to_be_visible(timeout=FRAME_TIMEOUT_MS)
    assert heading.inner_text().strip(), "empty page title (h1)"
    if entry.path == "app.py":
        expect(heading).to_have_text(APP_TITLE)


def test_page_url_mapping():
    assert page_url("app.py") == "/"
    assert page_url("pages/1_Data_Explorer.py") == "/Data_Explorer"
    assert page_url("pages/12_Train and Compare.py") == "/Train_and_Compare"


@pytest.mark.parametrize("entry", PAGES, ids=_page_id)
def test_page_opens_by_url_on_fresh_server(fresh_server, page, entry):
    url = fresh_server.url(page_url(entry.path))
    open_page(page, url)  # the first page request this server ever sees
    assert page.url.rstrip("/") == url.rstrip("/"), f"redirected from {url} to {page.url}"
    assert_full_frame(page, entry)
    assert_no_exception(page)
    screenshot(page, _page_id(entry))
    assert not page.js_errors, f"JavaScript errors: {page.js_errors}"


def _pick_model(page, name: str) -> None:
    picker = sidebar(page).get_by_role("combobox", name="Model")
    picker.click()
    option = page.get_by_role("option", name=name, exact=True)
    expect(option).to_be_visible(timeout=FRAME_TIMEOUT_MS)
    rerun_and_wait(page, option.click)
    expect(picker).to_have_value(name)


def _assert_current_model_is_tiny(page) -> None:
    side = sidebar(page)
    expect(side.get_by_role("combobox", name="Model")).to_have_value(TINY)
    expect(side.get_by_text(f"Current model: {TINY_TITLE}")).to_be_visible()
    expect(side.locator('[data-testid="stAlert"]', has_text="Untrained")).to_be_visible()


def test_model_choice_survives_sidebar_navigation(fresh_server, page):
    open_page(page, fresh_server.url("/"))
    _pick_model(page, TINY)
    _assert_current_model_is_tiny(page)
    assert_no_exception(page)

    explorer = next(p for p in PAGES if p.path.endswith("Data_Explorer.py"))
    link = sidebar(page).locator('[data-testid="stPageLink-NavLink"]', has_text=explorer.label)
    rerun_and_wait(page, link.click)
    page.wait_for_url(re.compile(re.escape(page_url(explorer.path)) + r"/?$"))
    wait_until_idle(page)
    assert_no_exception(page)
    expect(main_area(page).locator("h1").first).to_contain_text("Data explorer")
    _assert_current_model_is_tiny(page)
    screenshot(page, "navigation_model_kept")
