"""Item-based CF, popularity and the overlap of two rankings, on the real Book-Crossing ratings.

The CF score of a book is checked against the adjusted cosine computed here with pandas from the
raw ratings file, so the sparse-matrix code is compared with a second, plain computation."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from workbench.data.recommendation import read_bx_ratings
from workbench.recommend.classic import (
    catalog_like_rate, item_cf_ranking, popularity_ranking, ranking_overlap,
)
from workbench.recommend.rank import RecommendError
from workbench.recommend.ratings import book_ratings

SORCERERS_STONE = "059035342X"
HOBBIT = "0345339681"
THE_FIRM = "044021145X"


@pytest.fixture(scope="module")
def ratings(catalog):
    return book_ratings(catalog)


@pytest.fixture(scope="module")
def popular(catalog):
    return catalog.candidates([SORCERERS_STONE, HOBBIT, THE_FIRM], n=60)


@pytest.fixture(scope="module")
def centred(catalog) -> pd.DataFrame:
    """Explicit ratings of catalog books (one per reader and book, the later one), each minus its
    reader's mean, computed from the raw file with pandas."""
    raw = read_bx_ratings()
    raw = raw[raw["rating"] > 0]
    raw = raw.assign(book=catalog.row_per_isbn(raw["isbn"]))
    raw = raw[raw["book"] >= 0].drop_duplicates(["user_id", "book"], keep="last")
    return raw.assign(centred=raw["rating"] - raw.groupby("user_id")["rating"].transform("mean"))


def adjusted_cosine(catalog, centred, first: str, second: str) -> float:
    """Cosine of two books' reader-mean-centred explicit ratings."""
    rows = catalog.rows_of([first, second])
    vectors = centred[centred["book"].isin(rows)].pivot(index="user_id", columns="book",
                                                        values="centred").fillna(0)
    a, b = vectors[rows[0]].to_numpy(), vectors[rows[1]].to_numpy()
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_the_ratings_matrix_holds_every_explicit_rating_of_a_book(catalog, ratings):
    book = catalog.book(SORCERERS_STONE)
    row = catalog.rows_of([SORCERERS_STONE])[0]
    raw = read_bx_ratings()
    raw = raw[raw["isbn"].isin(book["isbns"]) & (raw["rating"] > 0)]
    assert ratings.by_book[row].nnz == raw["user_id"].nunique() > 400
    assert sorted(ratings.by_book[row].data) == sorted(
        raw.drop_duplicates("user_id", keep="last")["rating"].astype(np.float32))
    assert ratings.by_book.shape == (len(catalog), ratings.n_readers)


def test_item_cf_scores_are_adjusted_cosines_with_liked_minus_disliked(catalog, ratings, popular,
                                                                      centred):
    ranked = item_cf_ranking(ratings, [SORCERERS_STONE, HOBBIT], [THE_FIRM], popular)
    assert list(ranked["rank"]) == list(range(1, len(popular) + 1))
    assert ranked["score"].is_monotonic_decreasing
    assert set(ranked["book_id"]) == set(popular["book_id"])
    assert {"title", "author", "year", "n_ratings", "score", "co_raters"} <= set(ranked.columns)
    chamber = ranked[ranked["title"].str.startswith("Harry Potter and the Chamber")].iloc[0]
    expected = (adjusted_cosine(catalog, centred, chamber["book_id"], SORCERERS_STONE)
                + adjusted_cosine(catalog, centred, chamber["book_id"], HOBBIT)
                - adjusted_cosine(catalog, centred, chamber["book_id"], THE_FIRM))
    assert chamber["score"] == pytest.approx(expected, abs=1e-9)
    # Readers of the first book rate its sequels: they lead the list.
    assert ranked.head(5)["title"].str.startswith("Harry Potter").sum() >= 3, ranked.head(5)


def test_co_raters_count_readers_of_the_candidate_and_the_profile(catalog, ratings, popular):
    ranked = item_cf_ranking(ratings, [SORCERERS_STONE], [], popular)
    raw = read_bx_ratings()
    raw = raw[raw["rating"] > 0]
    readers = lambda book_id: set(raw.loc[raw["isbn"].isin(catalog.book(book_id)["isbns"]),  # noqa: E731
                                          "user_id"])
    for _, book in ranked.head(3).iterrows():
        assert book["co_raters"] == len(readers(book["book_id"]) & readers(SORCERERS_STONE))


def test_disliking_a_book_turns_its_scores_around(ratings, popular):
    liked = item_cf_ranking(ratings, [HOBBIT], [], popular).set_index("book_id")["score"]
    disliked = item_cf_ranking(ratings, [], [HOBBIT], popular).set_index("book_id")["score"]
    assert np.allclose(liked, -disliked.loc[liked.index])
    assert liked.abs().max() > 0.05


def test_item_cf_says_when_it_cannot_rank(ratings, popular):
    with pytest.raises(RecommendError, match="None of your books is in the Book-Crossing"):
        item_cf_ranking(ratings, ["not-an-isbn"], [], popular)
    with pytest.raises(RecommendError, match="no candidate books"):
        item_cf_ranking(ratings, [HOBBIT], [], popular.head(0))
    stranger = pd.concat([popular.head(2), popular.head(1).assign(book_id="X-1", title="Mine")])
    with pytest.raises(RecommendError, match='The candidate "Mine" is not in the Book-Crossing'):
        item_cf_ranking(ratings, [HOBBIT], [], stranger)


def test_item_cf_takes_well_under_a_second(catalog, ratings):
    candidates = catalog.candidates([], n=300)
    profile = list(catalog.books["book_id"].iloc[300:310])
    item_cf_ranking(ratings, profile[:5], profile[5:], candidates)  # matrices built once
    started = time.perf_counter()
    item_cf_ranking(ratings, profile[:5], profile[5:], candidates)
    assert time.perf_counter() - started < 1.0


def test_popularity_is_a_like_rate_pulled_toward_the_catalogs(catalog, popular):
    rate = catalog_like_rate(catalog.books)
    raw = read_bx_ratings()
    explicit = raw.loc[(raw["rating"] > 0) & (catalog.row_per_isbn(raw["isbn"]) >= 0), "rating"]
    assert rate == pytest.approx((explicit > 5).mean(), abs=1e-9)
    ranked = popularity_ranking(popular, prior=10, global_rate=rate)
    assert ranked["score"].is_monotonic_decreasing
    top = ranked.iloc[0]
    likes = round(top["like_share"] * top["n_explicit"])
    assert top["score"] == pytest.approx((likes + 10 * rate) / (top["n_explicit"] + 10))
    few = pd.DataFrame({"book_id": ["a", "b"], "title": ["Few", "Many"],
                        "n_explicit": [3, 500], "like_share": [1.0, 0.8]})
    assert list(popularity_ranking(few, global_rate=0.7)["title"]) == ["Many", "Few"]
    assert list(popularity_ranking(few, prior=0.01, global_rate=0.7)["title"]) == ["Few", "Many"]


def test_overlap_counts_shared_top_books_and_correlates_scores():
    first = pd.DataFrame({"book_id": list("abcde"), "rank": [1, 2, 3, 4, 5],
                          "p_yes": [0.9, 0.8, 0.7, 0.6, 0.5]})
    same = first.rename(columns={"p_yes": "score"})
    reverse = same.assign(rank=[5, 4, 3, 2, 1], score=[0.1, 0.2, 0.3, 0.4, 0.5])
    overlap = ranking_overlap(first, same, top_n=3)
    assert (overlap.count, overlap.shared) == (3, ("a", "b", "c"))
    assert overlap.spearman == pytest.approx(1.0)
    overlap = ranking_overlap(first, reverse, top_n=2)
    assert overlap.count == 0 and overlap.spearman == pytest.approx(-1.0)
    ties = same.assign(score=0.0)
    assert ranking_overlap(first, ties, top_n=2).spearman is None
    with pytest.raises(RecommendError, match="at least one book"):
        ranking_overlap(first, same, top_n=0)
    with pytest.raises(RecommendError, match="share fewer than two books"):
        ranking_overlap(first, same.assign(book_id=list("vwxyz")), top_n=2)
