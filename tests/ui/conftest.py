"""Fixtures shared by the page tests."""

import pytest

from workbench.store import RUNS_ENV
from workbench.ui.run_state import forget_supervisor


@pytest.fixture(scope="session", autouse=True)
def _default_lora_measured(measured_default_lora):
    """Pages see this machine's measured LoRA speed (tests/conftest.py)."""


@pytest.fixture
def use_store(monkeypatch):
    """use_store(root): pages and their background runs use the run store at `root`, with a
    fresh run supervisor (it holds the store it was started with)."""

    def use(root) -> None:
        monkeypatch.setenv(RUNS_ENV, str(root))
        forget_supervisor()

    yield use
    forget_supervisor()
