"""Opening pages under AppTest and reading what they show: shared by the page tests."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

REPO = Path(__file__).resolve().parents[2]
APP = str(REPO / "app.py")
MODEL_PICKER = "_model_picker"  # the sidebar's model select box (workbench.ui.frame)


def open_page(page: str | None = None, timeout: float = 60) -> AppTest:
    """The home page, then `page` through switch_page: run alone, a page file's sidebar links
    (st.page_link to app.py) fail under AppTest."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    at.run()
    if page is not None:
        at.switch_page(page).run()
    return at


def open_page_with_model(page: str, model: str | None, timeout: float = 60) -> AppTest:
    """`page` opened without an exception, then (when given) `model` picked in the sidebar."""
    at = open_page(page, timeout)
    assert_no_exception(at)
    if model:
        at.sidebar.selectbox(key=MODEL_PICKER).set_value(model).run()
        assert_no_exception(at)
    return at


def assert_no_exception(at: AppTest) -> None:
    assert not at.exception, "exception on the page: " + "\n".join(
        str(e.value) for e in at.exception
    )


def main_errors(at: AppTest) -> list[str]:
    return [error.value for error in at.main.error]


def main_metrics(at: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in at.main.metric}
