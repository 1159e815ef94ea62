"""Every registered data set: documented, loadable offline where it says so, summarised."""

import pytest

from workbench.assets import ASSETS
from workbench.data import frame_fingerprint, list_datasets, load, summary

INFOS = list_datasets()
EMBEDDED = [info for info in INFOS if info.offline]


def test_the_catalog():
    assert [info.name for info in INFOS] == [
        "california-housing", "adult-income", "german-credit", "pima-diabetes", "universal-bank",
        "west-roxbury", "amazon-reviews", "newsgroups-cars", "imdb", "ag-news", "book-crossing", "movielens",
        "tallrec-book", "tallrec-movie", "book-crossing-tallrec", "movielens-tallrec",
    ]


@pytest.mark.parametrize("info", INFOS, ids=lambda info: info.name)
def test_each_data_set_is_documented(info):
    assert info.title and info.source and info.license and info.label_rule
    assert "Task:" in info.description, "says what a row is and what the task is"
    assert all(feature.readable for feature in info.features)
    assert info.offline or info.published_rows or info.needs_file
    if info.kind == "text":
        assert info.text_column
    if info.kind == "recommendation":
        assert info.item_title_column


@pytest.mark.parametrize("info", EMBEDDED, ids=lambda info: info.name)
def test_embedded_data_sets_name_their_asset_and_load(info):
    assert any(
        f"{asset.package} {asset.version}" in info.source for asset in ASSETS.values()
    ), "the source names the embedded package and version"
    frame = load(info.name).frame
    assert set(frame[info.label_column].dropna().unique()) <= set(info.classes)
    assert summary(info, frame)["rows"] == len(frame)
    from_cache = load(info.name)
    assert frame_fingerprint(from_cache.frame) == from_cache.fingerprint, "parquet changed the data"
