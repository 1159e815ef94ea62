"""Candidate pools: which books a ranking chooses from, so the pool can follow the profile.

    candidate_pool(ratings, profile, "co_rated", n=40, year_from=1990)

- most_rated: the books with the most explicit ratings (the same for every profile);
- authors: books by the authors of the liked books, most rated first;
- co_rated: books that readers of the liked books also rated, those most of them rated first.

Every pool leaves out the profile's books and applies the author and year filters; a pool that
comes out empty raises a PoolError that says why and what to change.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.recommend.catalog import CatalogError
from workbench.recommend.profile import Profile
from workbench.recommend.ratings import BookRatings

POOLS = {
    "most_rated": "Most rated books",
    "authors": "By authors you liked",
    "co_rated": "Co-rated with books you liked",
}
POOL_HELP = {
    "most_rated": "The books with the most ratings in Book-Crossing: the same for everyone.",
    "authors": "Other books by the authors of the books you liked, most rated first.",
    "co_rated": "Books that readers of your liked books also rated, the books most of them "
                "rated first.",
}


class PoolError(CatalogError):
    """A candidate pool that holds no book, with the reason."""


def candidate_pool(ratings: BookRatings, profile: Profile, source: str, n: int,
                   author: str | None = None, year_from: int | None = None,
                   year_to: int | None = None) -> pd.DataFrame:
    """Up to `n` candidate books from the pool `source` (a key of POOLS)."""
    if source not in POOLS:
        raise PoolError(f"Unknown candidate pool {source!r}: pick one of {', '.join(POOLS)}.")
    catalog = ratings.catalog
    among = None if source == "most_rated" else pool_rows(ratings, profile, source)
    found = catalog.candidates(profile.book_ids, n=n, author=author, year_from=year_from,
                               year_to=year_to, among=among)
    if found.empty:
        where = {"most_rated": "", "authors": " by the authors you liked",
                 "co_rated": " among those co-rated with your liked books"}[source]
        if author or year_from is not None or year_to is not None:
            raise PoolError(f"No book you have not rated{where} matches these filters: loosen "
                            "the author or the years" + ("." if source == "most_rated"
                                                         else ", or pick another pool."))
        raise PoolError(f"No book you have not rated is left{where}: pick another pool.")
    return found


def pool_rows(ratings: BookRatings, profile: Profile, source: str) -> np.ndarray:
    """Catalog rows of the pool, in the order to pick from (profile books still in)."""
    if not profile.liked:
        raise PoolError(f'The pool "{POOLS[source]}" follows the books you liked: like at '
                        "least one book first, or pick \"Most rated books\".")
    liked = ratings.rows(book.book_id for book in profile.liked)
    if not len(liked):
        raise PoolError("None of your liked books is in the Book-Crossing catalog, so the pool "
                        f'"{POOLS[source]}" has nothing to follow: pick "Most rated books".')
    if source == "authors":
        return authors_rows(ratings, liked)
    return co_rated_rows(ratings, liked)


def authors_rows(ratings: BookRatings, liked: np.ndarray) -> np.ndarray:
    books = ratings.catalog.books
    rows = ratings.catalog.rows_by_authors(books["author"].iloc[liked])
    order = np.argsort(-books["n_explicit"].to_numpy()[rows], kind="stable")
    return rows[order]


def co_rated_rows(ratings: BookRatings, liked: np.ndarray) -> np.ndarray:
    readers = ratings.readers_of(liked)
    if not len(readers):
        raise PoolError("No Book-Crossing reader rated your liked books (the catalog lists them "
                        'without ratings): pick "By authors you liked" or "Most rated books".')
    rated = ratings.by_reader[readers]
    counts = np.bincount(rated.indices, minlength=rated.shape[1])
    rows = np.flatnonzero(counts)
    return rows[np.argsort(-counts[rows], kind="stable")]  # ties: catalog order, most rated first
