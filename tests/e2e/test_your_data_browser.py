"""Your own table, end to end in a real browser: upload a table the test builds (numeric,
categorical and free-text columns, a yes/no label), keep it, write a Jinja template for it and
score it zero-shot, run the baselines, fine-tune it with LoRA on the Training page, and find the
four runs on one Results leaderboard with their AUCs and intervals. Then the server restarts:
the kept data set is still in every picker and its runs still on Results. No exception box at
any step.

The tiny random Llama keeps scoring and training to seconds; its AUCs are near chance, which
is all this test needs (the README's screenshot uses the real model).
"""

from __future__ import annotations

import csv
import io

import pytest
from playwright.sync_api import expect

from tests.your_table import applications, csv_bytes
from workbench.data import kept
from workbench.store import Store
from workbench.ui.pages_index import PAGES

from .conftest import (
    assert_no_exception, main_area, open_page, page_url, pick_option, rerun_and_wait,
    screenshot, sidebar, type_and_enter, wait_for, wait_until_idle,
)

pytestmark = pytest.mark.e2e

URLS = {name: page_url(next(p.path for p in PAGES if p.path.endswith(f"{name}.py")))
        for name in ("Data_Explorer", "Prompt_Templates", "Training", "Forgetting", "Results")}
TINY = "tiny-random-llama"
TABLE = "card_applications.csv"
OPTION = f"Your data · {TABLE} (tabular)"
UI_TIMEOUT_MS = 15_000
JOB_TIMEOUT_S = 180
JINJA = ('Applicant earning {{ income }} thousand, aged {{ age }}, {{ employment }}, '
         'living in {{ city }}.\nNote: {{ note }}')


@pytest.fixture(autouse=True)
def homes(tmp_path, monkeypatch):
    """Set before the servers start: they and their run processes inherit both."""
    monkeypatch.setenv(kept.TABLES_ENV, str(tmp_path / "tables"))
    monkeypatch.setenv("WORKBENCH_RUNS", str(tmp_path / "runs"))
    return Store(tmp_path / "runs")


def go(page, name: str) -> None:
    link = sidebar(page).get_by_role("link", name=name, exact=True)
    rerun_and_wait(page, link.click)
    assert_no_exception(page)


def pick_ours(page, label: str = "Data set", scope=None) -> None:
    pick_option(page, label, OPTION, scope)
    expect((scope or main_area(page)).get_by_role("combobox", name=label)).to_have_value(OPTION)
    assert_no_exception(page)


def done_runs(store: Store, dataset: str) -> dict[str, list]:
    runs: dict[str, list] = {}
    for record in store.list(dataset=dataset):
        if record.status == "done":
            runs.setdefault(record.method, []).append(record)
    return runs


def leaderboard(page) -> list[dict]:
    button = main_area(page).get_by_role("button", name="Download the table (CSV)")
    with page.expect_download(timeout=UI_TIMEOUT_MS) as download:
        button.click()
    return list(csv.DictReader(io.StringIO(download.value.path().read_text())))


def check_four_methods(page) -> list[dict]:
    """Zero-shot, LoRA, logistic regression and XGBoost on the one leaderboard, with AUCs and
    95% intervals, the chart drawn, no exception."""
    rows = leaderboard(page)
    methods = {row["method"] for row in rows}
    assert {"zero-shot", "lora", "logistic regression", "XGBoost"} <= methods, methods
    for row in rows:
        auc, low, high = (float(row[k]) for k in ("AUC", "AUC low", "AUC high"))
        assert 0 <= low <= auc <= high <= 1, row
        assert row["AUC (95% CI)"].startswith(f"{auc:.3f} ["), row
    expect(main_area(page).locator('[data-testid="stPlotlyChart"]').first).to_be_visible()
    assert_no_exception(page)
    return rows


def test_your_table_from_upload_to_one_leaderboard_and_after_a_restart(
    start_server, page, homes, tmp_path
):
    store = homes
    server = start_server()
    # --- Data explorer: upload, a guess that holds, keep it -------------------------------------
    open_page(page, server.url(URLS["Data_Explorer"]))
    pick_option(page, "Model", TINY, sidebar(page))
    main = main_area(page)
    rerun_and_wait(page, main.get_by_text("Upload a file", exact=True).click)
    file_input = main.locator('input[type="file"]').first
    rerun_and_wait(page, lambda: file_input.set_input_files(files=[{
        "name": TABLE, "mimeType": "text/csv", "buffer": csv_bytes(applications())}]))
    expect(main.get_by_role("combobox", name="Label column")).to_have_value("card")
    expect(main.get_by_role("combobox", name="Positive class")).to_have_value("yes")
    assert_no_exception(page)
    screenshot(page, "your_data_upload")
    rerun_and_wait(page, main.get_by_role("button", name="Use this data set").click)
    expect(main.get_by_text(f"Kept {TABLE}", exact=False)).to_be_visible(timeout=UI_TIMEOUT_MS)
    (record,) = kept.kept_tables()
    assert_no_exception(page)
    screenshot(page, "your_data_kept")

    # --- Prompt templates: a Jinja template of our own, scored zero-shot -------------------------
    go(page, "Prompt templates")
    pick_ours(page)
    pick_option(page, "Serializer", "jinja")
    box = main.get_by_role("textbox", name="Jinja template (one row)")
    box.fill(JINJA)
    rerun_and_wait(page, lambda: box.press("Control+Enter"))
    expect(main.locator("code:visible", has_text="Applicant earning").first).to_be_visible(
        timeout=UI_TIMEOUT_MS)
    assert_no_exception(page)
    score = main.get_by_role("button", name="Score 60 rows (zero-shot)")
    rerun_and_wait(page, score.click)
    zero_shot = wait_for(lambda: done_runs(store, record.id).get("zero-shot"), "the zero-shot run",
                         timeout=JOB_TIMEOUT_S)[0]
    assert zero_shot.spec["template"]["jinja"] == JINJA
    wait_until_idle(page)
    assert_no_exception(page)
    screenshot(page, "your_data_prompt_template")

    # --- Results: the baselines -----------------------------------------------------------------
    go(page, "Results")
    pick_ours(page)
    rerun_and_wait(page, main.get_by_role("button", name="Run baselines").click)
    wait_for(lambda: {"logreg", "xgboost"} <= set(done_runs(store, record.id)), "the baselines",
             timeout=JOB_TIMEOUT_S)
    assert_no_exception(page)

    # --- Training: LoRA, short ------------------------------------------------------------------
    go(page, "Training")
    pick_ours(page)
    pick_option(page, "Preset", "Quick check: LoRA, 64 rows, 20 steps")
    main.get_by_text("Advanced: optimisation settings").click()
    type_and_enter(page, main.get_by_role("spinbutton", name="Max steps"), "4")
    expect(main.get_by_text("Trainable", exact=True)).to_be_visible(timeout=UI_TIMEOUT_MS)
    known = {r.id for r in store.list()}
    rerun_and_wait(page, main.get_by_role("button", name="Start training").click)
    wait_for(lambda: done_runs(store, record.id).get("lora"), "the LoRA run", timeout=JOB_TIMEOUT_S)
    assert {r.id for r in store.list()} - known
    wait_until_idle(page)
    assert_no_exception(page)

    # --- Results: the four runs on one leaderboard ----------------------------------------------
    go(page, "Results")
    pick_ours(page)
    rows = check_four_methods(page)
    expect(main.get_by_text("Split: seed 42, 20% test (stratified by the label)",
                            exact=False).first).to_be_visible()
    main.get_by_text("Leaderboard", exact=True).scroll_into_view_if_needed()
    screenshot(page, "your_data_leaderboard")

    # --- a restart: still in every picker, its runs still on Results ----------------------------
    server.stop()
    server = start_server()
    open_page(page, server.url(URLS["Data_Explorer"]))
    for name in ("Data explorer", "Prompt templates", "Training", "Forgetting"):
        if name != "Data explorer":
            go(page, name)
        label = "Task A" if name == "Forgetting" else "Data set"
        picker = main_area(page).get_by_role("combobox", name=label).first
        picker.click()
        expect(page.get_by_role("option", name=OPTION, exact=True)).to_be_visible(
            timeout=UI_TIMEOUT_MS)
        page.keyboard.press("Escape")
        assert_no_exception(page)
    go(page, "Results")
    pick_ours(page)
    again = check_four_methods(page)
    assert {row["run"] for row in again} == {row["run"] for row in rows}
    assert not page.js_errors, f"JavaScript errors: {page.js_errors}"
