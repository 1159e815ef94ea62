"""Suite-wide: no test reads or writes the user's own run store.

Runs go to a temporary store unless a test points WORKBENCH_RUNS elsewhere itself; the embedded
models stay in WORKBENCH_HOME, where `make assets` put them.
"""

import os

import pytest

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
