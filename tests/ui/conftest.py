"""Fixtures shared by the page tests."""

import pytest

from workbench.store import RUNS_ENV
from workbench.ui.run_state import forget_supervisor


@pytest.fixture
def use_store(monkeypatch):
    """use_store(root): pages and their background runs use the run store at `root`, with a
    fresh run supervisor (it holds the store it was started with)."""

    def use(root) -> None:
        monkeypatch.setenv(RUNS_ENV, str(root))
        forget_supervisor()

    yield use
    forget_supervisor()
