"""Fixtures for the data-set tests."""

from pathlib import Path

import pytest

# The real TALLRec files live beside the project, never inside it (see shared/data/tallrec).
TALLREC_DIR = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "tallrec"


@pytest.fixture(scope="session", autouse=True)
def isolated_data_cache(tmp_path_factory):
    """load() caches to a fresh folder, so no stale parquet file hides a loader change."""
    folder = tmp_path_factory.mktemp("data-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("workbench.data.data_cache_dir", lambda: folder)
        yield folder


@pytest.fixture
def tallrec_dir() -> Path:
    if not TALLREC_DIR.is_dir():
        pytest.skip(f"the real TALLRec files are not at {TALLREC_DIR}")
    return TALLREC_DIR
