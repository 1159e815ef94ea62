"""The Data explorer in a real browser: the default data set, and bad uploads.

Bad uploads must end in a clear error or warning (an st.error / st.warning alert), never in an
exception box. The files are generated here. Every case gets a fresh browser session; the upload
cases share one server (only opening by URL needs a fresh server, see test_pages_open.py).
"""

from __future__ import annotations

import random
import re

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
)

pytestmark = pytest.mark.e2e

EXPLORER = next(p for p in PAGES if p.path.endswith("Data_Explorer.py"))
EXPLORER_URL = page_url(EXPLORER.path)  # /Data_Explorer
CALIFORNIA_ROWS = re.compile(r"\b20,?640\b")
CALIFORNIA_POSITIVES = re.compile(r"\b10,?317\b")
PROBLEM = (
    '[data-testid="stAlert"]:has([data-testid="stAlertContentError"]), '
    '[data-testid="stAlert"]:has([data-testid="stAlertContentWarning"])'
)
UI_TIMEOUT_MS = 10_000


# --------------------------------------------------------------------------- files


def _csv(header: list[str] | None, rows: list[list[object]]) -> bytes:
    lines = [",".join(header)] if header else []
    lines += [",".join("" if v is None else str(v) for v in row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def _table(rows: int, labels: list[str | None]) -> bytes:
    rng = random.Random(0)
    body = [
        [round(rng.uniform(0, 10), 3), rng.randint(18, 90), rng.choice(["a", "b", "c"]), labels[i]]
        for i in range(rows)
    ]
    return _csv(["income", "age", "group", "label"], body)


def _junk() -> bytes:
    rng = random.Random(1)
    return bytes([0x00, 0xFF, 0xFE, 0x00]) + bytes(rng.randrange(256) for _ in range(4096))


BAD_UPLOADS = {
    # case id: (file name, mime type, content, column to pick as label or None)
    "empty_file": ("empty.csv", "text/csv", b"", None),
    "no_header_numbers_only": (
        "numbers.csv", "text/csv",
        _csv(None, [[i, i * 2, i % 2] for i in range(1, 40)]), None,
    ),
    "binary_junk": ("junk.csv", "text/csv", _junk(), None),
    "one_row": ("one_row.csv", "text/csv", _csv(["income", "age", "label"], [[3.2, 41, "yes"]]), None),
    "label_one_class": ("one_class.csv", "text/csv", _table(60, ["yes"] * 60), "label"),
    "5000_columns": (
        "wide.csv", "text/csv",
        _csv([f"c{i}" for i in range(4999)] + ["label"],
             [[(r * 7 + i) % 10 for i in range(4999)] + [r % 2] for r in range(10)]),
        None,
    ),
}


# --------------------------------------------------------------------------- page helpers


def _problems(page) -> list[str]:
    return main_area(page).locator(PROBLEM).all_inner_texts()


def _file_input(page):
    """The page's st.file_uploader input; if it sits behind a choice (a "Data set" selectbox
    option, a radio or a tab named like "upload"), make that choice first."""
    inputs = main_area(page).locator('input[type="file"]')
    if inputs.count():
        return inputs.first
    area = main_area(page)
    upload = re.compile(r"upload|your (own )?(file|table|data)", re.I)
    for tab in area.get_by_role("tab").all():
        if upload.search(tab.inner_text()):
            rerun_and_wait(page, tab.click)
            if inputs.count():
                return inputs.first
    for radio in area.get_by_role("radio").all():
        label = radio.locator("xpath=ancestor::label[1]")
        text = label.inner_text() if label.count() else (radio.get_attribute("aria-label") or "")
        if upload.search(text):
            rerun_and_wait(page, lambda: (label if label.count() else radio).click())
            if inputs.count():
                return inputs.first
    for box in area.get_by_role("combobox").all():
        box.click()
        options = page.get_by_role("option", name=upload)
        if options.count():
            rerun_and_wait(page, options.first.click)
            if inputs.count():
                return inputs.first
        else:
            page.keyboard.press("Escape")
    raise AssertionError("the Data explorer has no file uploader (input[type=file]) reachable")


def _upload(page, name: str, mime: str, content: bytes) -> None:
    file_input = _file_input(page)
    rerun_and_wait(
        page,
        lambda: file_input.set_input_files(files=[{"name": name, "mimeType": mime, "buffer": content}]),
    )


def _pick_label_column(page, column: str) -> bool:
    """Choose `column` in the page's label-column selectbox, if there is one."""
    boxes = main_area(page).get_by_role("combobox", name=re.compile(r"label|target|class", re.I))
    if not boxes.count():
        return False
    box = boxes.first
    if box.input_value() == column:
        return True
    box.click()
    option = page.get_by_role("option", name=column, exact=True)
    expect(option).to_be_visible(timeout=UI_TIMEOUT_MS)
    rerun_and_wait(page, option.click)
    expect(box).to_have_value(column)
    return True


def _open_explorer(page, server) -> None:
    open_page(page, server.url(EXPLORER_URL))
    assert_no_exception(page)


# --------------------------------------------------------------------------- tests


def test_california_housing_is_the_default(fresh_server, page):
    _open_explorer(page, fresh_server)
    main = main_area(page)
    expect(main.get_by_text("California housing").first).to_be_visible(timeout=UI_TIMEOUT_MS)
    text = main.inner_text()
    assert CALIFORNIA_ROWS.search(text), "20,640 rows not shown on the page"
    assert CALIFORNIA_POSITIVES.search(text), "10,317 positives not shown on the page"
    assert not _problems(page), f"errors on the default page: {_problems(page)}"
    screenshot(page, "data_explorer_default")


@pytest.mark.parametrize("case", list(BAD_UPLOADS))
def test_bad_upload_shows_a_clear_message(shared_server, page, case):
    name, mime, content, label = BAD_UPLOADS[case]
    _open_explorer(page, shared_server)
    before = set(_problems(page))
    _upload(page, name, mime, content)
    assert_no_exception(page)
    if label and not [p for p in _problems(page) if p not in before]:
        _pick_label_column(page, label)  # some checks only run once the label is known
        assert_no_exception(page)
    new = [p for p in _problems(page) if p not in before]
    screenshot(page, f"upload_{case}")
    assert new, f"no error or warning after uploading {name} ({case})"
    expect(main_area(page).locator(PROBLEM).first).to_be_visible()


def test_label_column_with_missing_values(shared_server, page):
    """The label is not the column the page suggests (the last one), so the user picks it."""
    rng = random.Random(2)
    bought = ["yes", "no"] * 30
    for i in (3, 10, 17, 41):
        bought[i] = None
    rows = [[bought[i], round(rng.uniform(0, 10), 3), rng.randint(18, 90), rng.choice("abc")]
            for i in range(60)]
    content = _csv(["bought", "income", "age", "group"], rows)
    _open_explorer(page, shared_server)
    _upload(page, "missing_labels.csv", "text/csv", content)
    assert_no_exception(page)
    assert _pick_label_column(page, "bought"), "no 'Label column' selectbox after the upload"
    assert_no_exception(page)
    screenshot(page, "upload_label_missing_values")
    messages = _problems(page)
    assert any(re.search(r"missing|empty|blank|without (a )?label", m, re.I) for m in messages), (
        f"no error or warning about the missing labels; alerts: {messages!r}"
    )
