"""Bad uploads through the real file uploader (issue 8): a malformed CSV and an empty file sent
with Playwright's set_input_files to the Data explorer of a real `streamlit run` server. Each
shows the workbench's own message in an st.error, never an exception box, and the same browser
session then opens another page of the app, which renders in full.

The many other bad inputs are covered under AppTest (tests/ui/test_bad_input_pages.py) and in
the backend (tests/reliability/test_bad_input_*.py); a browser adds what those cannot see: the
real upload request and the frontend's own handling of the file.
"""

from __future__ import annotations

import urllib.request

import pytest
from playwright.sync_api import expect

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

EXPLORER_URL = page_url(next(p.path for p in PAGES if p.path.endswith("Data_Explorer.py")))
RESULTS_URL = page_url(next(p.path for p in PAGES if p.path.endswith("Results.py")))
ERROR = '[data-testid="stAlert"]:has([data-testid="stAlertContentError"])'
UI_TIMEOUT_MS = 10_000

# (file name, content, what the error must say)
BAD_FILES = [
    ("unclosed_quote.csv", b'age,label\n31,"yes\n42,no\n', "is never closed"),
    ("empty.csv", b"", "The file is empty (0 bytes)."),
]


def _errors(page) -> list[str]:
    return main_area(page).locator(ERROR).all_inner_texts()


def _choose_upload(page) -> None:
    upload = main_area(page).get_by_text("Upload a file", exact=True)
    rerun_and_wait(page, upload.click)
    expect(main_area(page).locator('input[type="file"]')).to_have_count(1, timeout=UI_TIMEOUT_MS)


def _upload(page, name: str, content: bytes) -> None:
    file_input = main_area(page).locator('input[type="file"]').first
    rerun_and_wait(page, lambda: file_input.set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": content}]))


def test_bad_input_uploads_in_a_real_browser(shared_server, page):
    open_page(page, shared_server.url(EXPLORER_URL))
    _choose_upload(page)
    for name, content, fragment in BAD_FILES:
        _upload(page, name, content)
        # Replacing a file reruns twice (the old file goes, then the new one arrives).
        expect(main_area(page).locator(ERROR)).to_contain_text(fragment, timeout=UI_TIMEOUT_MS)
        wait_until_idle(page)
        assert_no_exception(page)
        errors = _errors(page)
        assert len(errors) == 1 and fragment in errors[0], (name, errors)
        expect(main_area(page).get_by_text("Rows", exact=True)).to_have_count(0)  # no metrics
        screenshot(page, f"bad_input_upload_{name.replace('.', '_')}")

    # The server keeps serving: its health check, and another page in the same browser.
    with urllib.request.urlopen(shared_server.url("/_stcore/health"), timeout=5) as answer:
        assert answer.read().decode().strip() == "ok"
    open_page(page, shared_server.url(RESULTS_URL))
    assert_no_exception(page)
    expect(main_area(page).get_by_role("heading").first).to_be_visible(timeout=UI_TIMEOUT_MS)
    expect(sidebar(page).get_by_text("Data explorer").first).to_be_visible(timeout=UI_TIMEOUT_MS)
    assert not _errors(page)
