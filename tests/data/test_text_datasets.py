"""Text data sets: the embedded Amazon reviews, and the hub loaders against local folders."""

import time

import pandas as pd
import pytest

from workbench.data import get_info, load
from workbench.data import text
from workbench.errors import DatasetUnavailableError, DataValidationError


@pytest.fixture
def hub_unreachable(monkeypatch):
    monkeypatch.setattr("workbench.hub.hub_reachable", lambda *args, **kwargs: False)


@pytest.fixture
def hf_cache(tmp_path):
    return str(tmp_path / "hf-cache")


def test_amazon_reviews_are_both_r_tables():
    frame, info = load("amazon-reviews")
    assert info.kind == "text" and info.offline
    assert len(frame) == 5_000
    assert list(frame.columns) == [info.text_column, info.label_column]
    assert frame["score"].value_counts().to_dict() == {"great": 3_258, "other": 1_742}
    assert info.classes == ("other", "great")
    assert frame["review"].str.len().min() > 0


def test_newsgroup_posts_are_balanced_and_keep_no_header_naming_their_group():
    frame, info = load("newsgroups-cars")
    assert info.kind == "text" and info.offline
    assert frame["newsgroup"].value_counts().to_dict() == {"autos": 1_000, "electronics": 1_000}
    assert info.classes == ("electronics", "autos")
    posts = frame["post"]
    assert posts.str.len().min() > 0
    assert posts.str.startswith("Subject:").mean() > 0.99
    assert not posts.str.contains(r"^(?:Newsgroups|Path|Xref|From):", regex=True).any()


def test_a_post_keeps_its_subject_and_body_and_drops_the_rest_of_its_header():
    raw = ("Xref: cmu rec.autos:1\nPath: a!b\nNewsgroups: rec.autos\nArticle-I.D.: x.1\n"
           "Subject: Re: headlights\nLines: 2\n\nA loose wire.\n\nThanks.\n")
    assert text.newsgroup_post_text(raw) == "Subject: Re: headlights\nA loose wire.\n\nThanks."
    assert text.newsgroup_post_text("no header here\n\nbody") == "no header here\n\nbody"


def test_online_text_data_sets_publish_their_size():
    assert get_info("imdb").published_rows == 50_000
    assert get_info("ag-news").published_rows == 127_600
    assert get_info("ag-news").classes == ("World", "Sports", "Business", "Sci/Tech")
    assert not get_info("imdb").offline and not get_info("ag-news").offline


def test_imdb_from_a_local_folder_of_csv_files(tmp_path, hf_cache, hub_unreachable):
    folder = tmp_path / "imdb"
    folder.mkdir()
    pd.DataFrame({"text": ["A dull film.", "Loved it!"], "label": [0, 1]}).to_csv(
        folder / "train.csv", index=False
    )
    pd.DataFrame({"text": ["Superb acting."], "label": [1]}).to_csv(
        folder / "test.csv", index=False
    )
    frame = text.load_imdb(source=folder, cache_dir=hf_cache)
    assert frame.to_dict("list") == {
        "text": ["A dull film.", "Loved it!", "Superb acting."],
        "sentiment": ["negative", "positive", "positive"],
    }


def test_ag_news_from_a_local_folder_of_parquet_files(tmp_path, hf_cache, hub_unreachable):
    folder = tmp_path / "ag_news"
    folder.mkdir()
    articles = [f"Article {code}" for code in range(4)]
    pd.DataFrame({"text": articles, "label": [0, 1, 2, 3]}).to_parquet(folder / "train.parquet")
    pd.DataFrame({"text": ["Late score"], "label": [1]}).to_parquet(folder / "test.parquet")
    frame = text.load_ag_news(source=folder, cache_dir=hf_cache)
    assert frame["topic"].tolist() == ["World", "Sports", "Business", "Sci/Tech", "Sports"]
    assert frame["text"].tolist() == articles + ["Late score"]


def test_an_unknown_label_code_is_reported(tmp_path, hf_cache):
    folder = tmp_path / "bad"
    folder.mkdir()
    pd.DataFrame({"text": ["x", "y"], "label": [0, 7]}).to_csv(folder / "train.csv", index=False)
    with pytest.raises(DataValidationError, match=r"Unexpected label codes \[7\]"):
        text.load_ag_news(source=folder, cache_dir=hf_cache)


@pytest.mark.parametrize("name", ["imdb", "ag-news"])
def test_unreachable_hub_fails_fast_naming_the_offline_alternative(name, hub_unreachable):
    started = time.monotonic()
    with pytest.raises(DatasetUnavailableError, match="amazon-reviews") as raised:
        load(name)
    assert time.monotonic() - started < 2
    assert "not reachable" in str(raised.value)
