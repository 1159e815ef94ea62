"""Fixtures shared by the recommendation tests."""

import pytest

from workbench.recommend.catalog import load_catalog


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    """Built once per session: every test module caches to the same fresh folder, no stale file."""
    folder = tmp_path_factory.getbasetemp() / "book-catalog-cache"
    folder.mkdir(exist_ok=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("workbench.recommend.catalog.data_cache_dir", lambda: folder)
        yield load_catalog()
