"""Book-Crossing's explicit ratings (1-10) as a sparse books x readers matrix, books in catalog
order, for item-based collaborative filtering and for candidate pools that follow a profile.

    ratings = book_ratings(catalog)
    ratings.rows(["059035342X"])         # catalog rows of books (any ISBN of an edition)
    ratings.by_book[rows]                # their ratings, one sparse row per book

Implicit ratings (0: the reader had the book but did not rate it) are left out. A reader who
rated two editions of one book counts once, with the later rating of the file.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy import sparse

from workbench.data.recommendation import read_bx_ratings
from workbench.recommend.catalog import Catalog


@dataclass(frozen=True)
class BookRatings:
    catalog: Catalog
    by_book: sparse.csr_matrix  # catalog rows x readers, explicit ratings 1-10 (0: none)

    @cached_property
    def by_reader(self) -> sparse.csr_matrix:
        """Readers x books: the books each reader rated."""
        return self.by_book.T.tocsr()

    @cached_property
    def centred_by_book(self) -> sparse.csr_matrix:
        """Books x readers, each rating minus its reader's mean explicit rating."""
        by_reader = self.by_reader.astype(np.float64)
        counts = np.diff(by_reader.indptr)
        means = np.asarray(by_reader.sum(axis=1)).ravel() / np.maximum(counts, 1)
        by_reader.data -= np.repeat(means, counts)
        return by_reader.T.tocsr()

    @property
    def n_readers(self) -> int:
        return self.by_book.shape[1]

    def rows(self, book_ids: Iterable[str]) -> np.ndarray:
        """Catalog rows of the books, in order; books the catalog does not know are left out."""
        return self.catalog.rows_of(book_ids)

    def readers_of(self, rows: np.ndarray) -> np.ndarray:
        """The readers who rated any of the books at `rows`."""
        return np.unique(self.by_book[np.asarray(rows, dtype=np.int64)].indices)


def book_ratings(catalog: Catalog) -> BookRatings:
    """The explicit ratings of the catalog's books (about a second; cache the result)."""
    ratings = read_bx_ratings()
    ratings = ratings[ratings["rating"] > 0]
    rows = catalog.row_per_isbn(ratings["isbn"])
    known = rows >= 0
    rows = rows[known]
    readers, reader_codes = np.unique(ratings["user_id"].to_numpy()[known], return_inverse=True)
    values = ratings["rating"].to_numpy()[known].astype(np.float32)
    # COO -> CSR would sum a reader's ratings of two editions; keep the later one instead.
    order = np.lexsort((np.arange(len(values)), reader_codes, rows))
    rows, reader_codes, values = rows[order], reader_codes[order], values[order]
    last = np.ones(len(order), dtype=bool)
    last[:-1] = (rows[1:] != rows[:-1]) | (reader_codes[1:] != reader_codes[:-1])
    matrix = sparse.csr_matrix(
        (values[last], (rows[last], reader_codes[last])), shape=(len(catalog), len(readers))
    )
    return BookRatings(catalog, matrix)
