"""The Forgetting page as a user lives it, in a real browser: keep two of the default's methods
on small tasks, run the comparison, watch it run in the background, and read the matrices,
charts and table when it ends; launching it again reuses the stored runs.

The store is this module's own (WORKBENCH_RUNS, inherited by the server and the runs' child
processes); the tiny random Llama keeps each run to seconds."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from workbench.store import ACTIVE_STATUSES, Store
from workbench.ui.pages_index import PAGES

from .conftest import (
    assert_no_exception, main_area, open_page, page_url, pick_option, rerun_and_wait, runs_in,
    screenshot, sidebar, type_and_enter, wait_for,
)

pytestmark = pytest.mark.e2e

FORGETTING = next(p for p in PAGES if p.path.endswith("Forgetting.py"))
UI_TIMEOUT_MS = 15_000
RUN_TIMEOUT_S = 300


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    with runs_in(tmp_path_factory.mktemp("forgetting-store")) as root:
        yield Store(root)


def _forgetting_runs(store: Store):
    return [record for record in store.list() if record.kind == "forgetting"]


def _all_ended(store: Store):
    """The forgetting runs once there are some and none is queued or running; None before."""
    runs = _forgetting_runs(store)
    return runs if runs and all(r.status not in ACTIVE_STATUSES for r in runs) else None


def test_a_comparison_runs_in_the_background_and_draws_its_results(fresh_server, page, store):
    open_page(page, fresh_server.url(page_url(FORGETTING.path)))
    pick_option(page, "Model", "tiny-random-llama", sidebar(page))
    main = main_area(page)
    for field in main.get_by_role("spinbutton", name="training rows").all():
        type_and_enter(page, field, "8")
    for field in main.get_by_role("spinbutton", name="test rows").all():
        type_and_enter(page, field, "10")
    methods = main.get_by_role("combobox", name="Methods to compare")
    for title in ("EWC",):  # the default's naive, replay and EWC, less EWC: two runs
        chip = main.get_by_role("button", name=f"Remove {title}")
        rerun_and_wait(page, chip.click)
    expect(methods).to_be_visible()
    expect(main.get_by_text("2 runs", exact=True)).to_be_visible(timeout=UI_TIMEOUT_MS)
    rerun_and_wait(page, lambda: main.get_by_role("button", name="Run the comparison").click())
    expect(main.get_by_text("Running now", exact=True)).to_be_visible(timeout=UI_TIMEOUT_MS)
    screenshot(page, "forgetting_running")

    records = wait_for(lambda: _all_ended(store), "the comparison to finish", timeout=RUN_TIMEOUT_S)
    assert sorted(r.method for r in records) == ["naive", "replay"]
    assert all(r.status == "done" for r in records), [r.error for r in records]

    expect(main.get_by_text("Running now", exact=True)).to_have_count(0, timeout=30_000)
    expect(main.get_by_text("Accuracy matrices.", exact=False)).to_be_visible(timeout=30_000)
    expect(main.locator(".js-plotly-plot")).to_have_count(5, timeout=UI_TIMEOUT_MS)
    assert_no_exception(page)
    screenshot(page, "forgetting_results")

    rerun_and_wait(page, lambda: main.get_by_role("button", name="Run the comparison").click())
    assert len(_forgetting_runs(store)) == 2  # both reused, nothing new queued
    assert_no_exception(page)
