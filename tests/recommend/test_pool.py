"""Candidate pools that follow the profile, on the real Book-Crossing catalog and ratings."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.data.recommendation import read_bx_ratings
from workbench.recommend.catalog import author_key
from workbench.recommend.pool import POOLS, PoolError, candidate_pool
from workbench.recommend.profile import Profile
from workbench.recommend.ratings import book_ratings


@pytest.fixture(scope="module")
def ratings(catalog):
    return book_ratings(catalog)


@pytest.fixture(scope="module")
def christie(catalog):
    """Two Agatha Christie novels liked, a Grisham disliked."""
    return Profile(liked=(catalog.search("murder on the orient express christie", 1).iloc[0],
                          catalog.search("and then there were none christie", 1).iloc[0]),
                   disliked=(catalog.search("the firm grisham", 1).iloc[0],))


def test_most_rated_is_the_catalogs_most_rated_books(catalog, ratings, christie):
    found = candidate_pool(ratings, christie, "most_rated", n=40)
    expected = catalog.candidates(christie.book_ids, n=40)
    assert list(found["book_id"]) == list(expected["book_id"])
    assert not found["author"].str.contains("Christie").any()  # the problem the pools solve


def test_the_authors_pool_holds_other_books_by_liked_authors(ratings, christie):
    found = candidate_pool(ratings, christie, "authors", n=40)
    assert len(found) == 40
    assert set(found["author"].map(author_key)) == {"agathachristie"}
    assert not set(found["book_id"]) & set(christie.book_ids)
    assert found["n_explicit"].is_monotonic_decreasing


def test_the_co_rated_pool_holds_books_readers_of_liked_books_rated(catalog, ratings, christie):
    found = candidate_pool(ratings, christie, "co_rated", n=40)
    assert len(found) == 40 and not set(found["book_id"]) & set(christie.book_ids)
    raw = read_bx_ratings()
    raw = raw[raw["rating"] > 0]
    liked_isbns = [isbn for book in christie.liked for isbn in catalog.book(book.book_id)["isbns"]]
    readers = set(raw.loc[raw["isbn"].isin(liked_isbns), "user_id"])
    shared = [len(readers & set(raw.loc[raw["isbn"].isin(isbns), "user_id"]))
              for isbns in found["isbns"]]
    assert min(shared) >= 1
    assert shared == sorted(shared, reverse=True)  # most co-raters first
    # It follows the profile: not the most rated books.
    assert set(found["book_id"]) != set(candidate_pool(ratings, christie, "most_rated", 40)["book_id"])


def test_filters_apply_to_every_pool(ratings, christie):
    for source in POOLS:
        found = candidate_pool(ratings, christie, source, n=20, year_from=1990, year_to=1999)
        assert found["year"].between(1990, 1999).all(), source


def test_pools_say_why_they_are_empty(ratings, christie, catalog):
    nobody = Profile(disliked=christie.disliked)
    for source in ("authors", "co_rated"):
        with pytest.raises(PoolError, match="like at least one book first"):
            candidate_pool(ratings, nobody, source, n=10)
    unknown = Profile(liked=({"book_id": "X-1", "title": "My Own Book", "author": "Me"},))
    with pytest.raises(PoolError, match="None of your liked books is in the Book-Crossing"):
        candidate_pool(ratings, unknown, "co_rated", n=10)
    with pytest.raises(PoolError, match="No book you have not rated by the authors you liked "
                                        "matches these filters"):
        candidate_pool(ratings, christie, "authors", n=10, author="grisham")
    with pytest.raises(PoolError, match="No book you have not rated matches these filters"):
        candidate_pool(ratings, christie, "most_rated", n=10, author="zzqqxx nobody")
    with pytest.raises(PoolError, match="Unknown candidate pool"):
        candidate_pool(ratings, christie, "everything", n=10)


def test_a_liked_book_without_ratings_leaves_nothing_co_rated(catalog, ratings):
    unrated = catalog.books.index[catalog.books["n_explicit"] == 0][0]
    profile = Profile(liked=(catalog.books.iloc[unrated],))
    with pytest.raises(PoolError, match="No Book-Crossing reader rated your liked books"):
        candidate_pool(ratings, profile, "co_rated", n=10)
    assert not len(ratings.readers_of(np.array([unrated])))
