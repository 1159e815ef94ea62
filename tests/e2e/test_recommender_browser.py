"""The Recommender page as a user lives it, in a real browser: open it by its URL, pick the tiny
model and read its held-out AUC, load the starter profile, press Recommend, watch the progress
bar while the books are scored, and read the chart, the table, a prompt, and the item-based CF
and popularity lists of the same candidates with their overlap; download the profile, upload a
broken file (a clear error, no traceback) and the downloaded one again.

The store is this module's own (WORKBENCH_RUNS): no trained run, and the tiny model's zero-shot
run on 16 Book-Crossing questions, made here in-process (a few seconds), whose AUC the page
shows. The tiny random Llama scores ten books in about a second."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from workbench.experiments import run
from workbench.recommend.held_out import zero_shot_spec
from workbench.recommend.profile import profile_from_json
from workbench.specs import apply_overrides
from workbench.store import Store
from workbench.ui.pages_index import PAGES

from .conftest import (
    assert_no_exception, main_area, open_page, page_url, pick_option, rerun_and_wait, runs_in,
    screenshot, sidebar, type_and_enter,
)

pytestmark = pytest.mark.e2e

RECOMMENDER = next(p for p in PAGES if p.path.endswith("Recommender.py"))
TINY = "tiny-random-llama"
UI_TIMEOUT_MS = 15_000
SCORING_TIMEOUT_MS = 90_000  # first scoring loads the model
STARTER_LIKED = ("The Hobbit", "Harry Potter and the Sorcerer's Stone", "A Game of Thrones")
STARTER_DISLIKED = ("The Firm",)

# Remembers whether a progress bar was ever drawn: scoring ten books on the tiny model takes
# about a second, too short to poll for reliably.
_WATCH_PROGRESS_JS = """
() => {
  window.__sawProgress = false;
  new MutationObserver(() => {
    if (document.querySelector('[data-testid="stProgress"]')) window.__sawProgress = true;
  }).observe(document.body, {childList: true, subtree: true});
}
"""


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    with runs_in(tmp_path_factory.mktemp("recommender-store")) as root:
        zero = run(apply_overrides(zero_shot_spec(TINY), ["n_test=16"]), store=Store(root)).record
        assert zero.status == "done", zero.error
        yield Store(root)


def _set_number(page, label: str, value: int) -> None:
    field = main_area(page).get_by_role("spinbutton", name=label)
    type_and_enter(page, field, str(value))
    expect(field).to_have_value(str(value))


def _alerts(page, kind: str):
    """st.error / st.success / st.info boxes of the main area."""
    content = {"error": "stAlertContentError", "success": "stAlertContentSuccess"}[kind]
    return main_area(page).locator(f'[data-testid="stAlert"]:has([data-testid="{content}"])')


# Scrolls an element to the top of the view, below Streamlit's fixed toolbar.
_SCROLL_TO_TOP_JS = """
e => {
  e.scrollIntoView({block: 'start'});
  let box = e.parentElement;
  while (box && !(box.scrollHeight > box.clientHeight
                  && /(auto|scroll)/.test(getComputedStyle(box).overflowY))) {
    box = box.parentElement;
  }
  if (box) box.scrollTop -= 70;
}
"""


def _screenshot_from(page, locator, name: str) -> None:
    locator.first.evaluate(_SCROLL_TO_TOP_JS)
    page.wait_for_timeout(200)
    screenshot(page, name)


def _upload(page, name: str, content: bytes) -> None:
    file_input = main_area(page).locator('input[type="file"]')
    expect(file_input).to_have_count(1)
    rerun_and_wait(page, lambda: file_input.set_input_files(
        files=[{"name": name, "mimeType": "application/json", "buffer": content}]))


def test_starter_profile_is_ranked_downloaded_and_uploaded(fresh_server, page, store):
    open_page(page, fresh_server.url(page_url(RECOMMENDER.path)))
    main = main_area(page)
    expect(page.get_by_role("heading", name="Recommender")).to_be_visible()
    expect(main.get_by_text("No books yet", exact=False)).to_be_visible()
    pick_option(page, "Model", TINY, sidebar(page))
    zero_auc = store.list()[0].metrics["test"]["auc"]
    expect(main.get_by_text(f"Held-out: {TINY} zero-shot, AUC {zero_auc:.3f} (95% interval",
                            exact=False)).to_be_visible()
    expect(main.get_by_text("on 16 Book-Crossing questions of held-out readers",
                            exact=False)).to_be_visible()
    _set_number(page, "Candidate pool", 10)
    _set_number(page, "Recommendations", 5)

    rerun_and_wait(page, main.get_by_role("button", name="Starter profile (3 fantasy books)").click)
    expect(_alerts(page, "success")).to_contain_text("Starter profile:")
    for title in STARTER_LIKED + STARTER_DISLIKED:
        expect(main.get_by_text(title, exact=False).first).to_be_visible()
    expect(main.get_by_text("👍 Liked (3)")).to_be_visible()
    expect(main.get_by_text("👎 Disliked (1)")).to_be_visible()

    page.evaluate(_WATCH_PROGRESS_JS)
    rerun_and_wait(page, main.get_by_role("button", name="Recommend").click,
                   timeout_ms=SCORING_TIMEOUT_MS)
    assert_no_exception(page)
    assert page.evaluate("() => window.__sawProgress"), "no progress bar while scoring"
    expect(main.locator('[data-testid="stProgress"]')).to_have_count(0)
    expect(main.get_by_text("Top 5 of 10 candidates")).to_be_visible(timeout=UI_TIMEOUT_MS)
    expect(main.get_by_text(f"Zero-shot: {TINY} (no training)").first).to_be_visible()
    expect(main.locator(".js-plotly-plot")).to_have_count(1)
    expect(main.locator(".js-plotly-plot")).to_contain_text("axis zoomed to")
    # The model's table, then item-based CF and popularity on the same ten candidates.
    tables = main.locator('[data-testid="stDataFrame"]')
    expect(tables).to_have_count(3)
    for index in range(3):
        expect(tables.nth(index)).to_be_visible()
    expect(main.get_by_text("The same 10 candidates without a language model",
                            exact=False)).to_be_visible()
    for method in ("Item-based CF", "Popularity"):
        expect(main.get_by_text(method, exact=True)).to_be_visible()
    expect(main.get_by_text("books also in the model's top 5", exact=False)).to_have_count(2)
    prompt = main.locator('[data-testid="stCode"]').first
    expect(prompt).to_contain_text("User Preference:")
    expect(prompt).to_contain_text("The Hobbit")
    expect(prompt).to_contain_text("Whether the user will like the target book")
    expect(_alerts(page, "error")).to_have_count(0)
    # The ranking at the top of the view: chart, table and prompt in the screenshot.
    _screenshot_from(page, main.get_by_text("Top 5 of 10 candidates"), "recommender_ranked.png")
    _screenshot_from(page, main.get_by_text("The same 10 candidates without a language model",
                                            exact=False), "recommender_classic.png")
    _screenshot_from(page, main.get_by_role("heading", name="2. Model"),
                     "recommender_model_auc.png")

    # The profile as a file, and that file back after a broken one.
    with page.expect_download() as download:
        main.get_by_role("button", name="Download the profile").click()
    saved = download.value
    assert saved.suggested_filename == "book-profile.json"
    data = open(saved.path(), "rb").read()
    profile = profile_from_json(data)
    for books, titles in ((profile.liked, STARTER_LIKED), (profile.disliked, STARTER_DISLIKED)):
        assert len(books) == len(titles), books
        assert all(b.title.startswith(t) for b, t in zip(books, titles)), books

    _upload(page, "broken.json", b'{"format": "workbench-book-profile", "liked": [')
    assert_no_exception(page)
    error = _alerts(page, "error")
    expect(error).to_have_count(1)
    expect(error).to_contain_text("broken.json: This file is not a book profile: it is not "
                                  "valid JSON")
    expect(main.get_by_text("👍 Liked (3)")).to_be_visible()  # the profile is kept
    error.scroll_into_view_if_needed()
    screenshot(page, "recommender_bad_upload.png")

    _upload(page, "book-profile.json", data)
    assert_no_exception(page)
    expect(_alerts(page, "error")).to_have_count(0)
    expect(_alerts(page, "success")).to_contain_text(
        "Loaded 3 liked and 1 disliked books from book-profile.json.")
    # The same profile: the ranking on the page is still current.
    expect(main.get_by_text("Top 5 of 10 candidates")).to_be_visible()
    expect(main.get_by_text("changed since this ranking", exact=False)).to_have_count(0)
