"""Suite-wide: no test reads or writes the user's own run store or kept tables.

Runs go to a temporary store and kept tables to a temporary folder unless a test points
WORKBENCH_RUNS or WORKBENCH_TABLES elsewhere itself; the embedded models stay in WORKBENCH_HOME,
where `make assets` put them.
"""

import os
import shutil
import tempfile

import pytest

from workbench.data.kept import TABLES_ENV
from workbench.store import RUNS_ENV


@pytest.fixture(scope="session", autouse=True)
def _temporary_run_store(tmp_path_factory):
    previous = os.environ.get(RUNS_ENV)
    os.environ[RUNS_ENV] = str(tmp_path_factory.mktemp("suite-runs"))
    yield
    if previous is None:
        os.environ.pop(RUNS_ENV, None)
    else:
        os.environ[RUNS_ENV] = previous


# Set on import, before any test module is collected: some list the data sets (kept tables
# included) at import time.
_PREVIOUS_TABLES = os.environ.get(TABLES_ENV)
os.environ[TABLES_ENV] = tempfile.mkdtemp(prefix="workbench-suite-tables-")


@pytest.fixture(scope="session", autouse=True)
def _temporary_tables():
    yield
    shutil.rmtree(os.environ[TABLES_ENV], ignore_errors=True)
    if _PREVIOUS_TABLES is None:
        os.environ.pop(TABLES_ENV, None)
    else:
        os.environ[TABLES_ENV] = _PREVIOUS_TABLES


@pytest.fixture(scope="session")
def measured_default_lora(_temporary_run_store):
    """This machine's speed for the default model's LoRA, measured once per suite the way the
    Training page's probe does, so that page tests see a measured estimate (and start no probe
    of their own) while a new user's first visit starts one."""
    from workbench.specs import FinetuneSpec
    from workbench.training.speed_probe import measure

    return measure(FinetuneSpec())


if os.environ.get("PYTEST_XDIST_WORKER"):
    # `make test` runs two workers on two cores: torch computes on one thread in each worker's
    # own process, or the two OpenMP pools wait at every barrier for a core the other holds.
    # Processes the tests start (servers, runs, the CLI) keep torch's default, as a user's do.
    import torch

    torch.set_num_threads(1)


def pytest_collection_modifyitems(items):
    """The browser tests first (`make test` gives each worker whole files, and these take
    longest); the other files then fill whichever worker is free."""
    items.sort(key=lambda item: not item.nodeid.startswith("tests/e2e/"))
