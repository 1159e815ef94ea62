"""Classic recommenders beside the language model: the same candidates, ranked for the same
profile by item-based collaborative filtering and by popularity, and how far two rankings agree.

    cf = item_cf_ranking(ratings, liked_ids, disliked_ids, candidates)
    popular = popularity_ranking(candidates)
    overlap = ranking_overlap(lm_ranking, cf, top_n=10)   # books in both top 10s, Spearman

Item-based CF (Sarwar et al., 2001): each book is the vector of its explicit Book-Crossing
ratings, each centred on its reader's mean rating ("adjusted cosine"), so a reader who rated one
book above their habit and another below it makes the two books dissimilar. A candidate's score
is the sum of its cosine similarities with the liked books minus those with the disliked ones;
a candidate no reader rated together with a profile book scores 0. Popularity ignores the
profile: a book's like rate (ratings above 5) pulled toward the catalog's rate by PRIOR ratings,
so a book liked by 3 of 3 readers does not beat one liked by 400 of 500.

Each ranking is the candidates' columns plus `rank` (from 1) and `score`, best first; ties keep
the candidates' order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import spearmanr
from sklearn.preprocessing import normalize

from workbench.recommend.rank import RecommendError
from workbench.recommend.ratings import BookRatings

PRIOR = 10  # ratings' worth of the catalog's like rate in a popularity score
METHODS = {
    "item_cf": "Item-based CF",
    "popularity": "Popularity",
}


def item_cf_ranking(ratings: BookRatings, liked_ids: Sequence[str], disliked_ids: Sequence[str],
                    candidates: pd.DataFrame) -> pd.DataFrame:
    """The candidates ranked by item-item similarity with the liked books minus the disliked
    ones; `co_raters` counts the readers who rated the candidate and a book of the profile."""
    check_candidates(candidates)
    liked = ratings.rows(liked_ids)
    disliked = ratings.rows(disliked_ids)
    if len(liked) + len(disliked) == 0:
        raise RecommendError(
            "None of your books is in the Book-Crossing ratings, so collaborative filtering has "
            "nothing to go on.")
    rows = ratings.catalog.row_per_isbn(candidates["book_id"].astype(str))
    if (rows < 0).any():
        unknown = candidates["title"].iloc[int(np.flatnonzero(rows < 0)[0])]
        raise RecommendError(f'The candidate "{unknown}" is not in the Book-Crossing catalog.')
    matrix = ratings.centred_by_book
    profile_rows = np.concatenate([liked, disliked])
    # Only the rows of these books: the readers who rated none of them never enter.
    vectors = normalize(matrix[np.concatenate([rows, profile_rows])])
    similarity = (vectors[: len(rows)] @ vectors[len(rows):].T).toarray()
    sign = np.concatenate([np.ones(len(liked)), -np.ones(len(disliked))])
    rated = ratings.by_book[rows] > 0
    profile_readers = np.zeros(ratings.n_readers, dtype=bool)
    profile_readers[ratings.readers_of(profile_rows)] = True
    co_raters = np.asarray(rated[:, profile_readers].sum(axis=1)).ravel()
    return ranked(candidates, similarity @ sign, co_raters=co_raters)


def popularity_ranking(candidates: pd.DataFrame, prior: float = PRIOR,
                       global_rate: float | None = None) -> pd.DataFrame:
    """The candidates ranked by their like rate shrunk toward `global_rate` (by default the
    candidates' own overall like rate) with the weight of `prior` ratings."""
    check_candidates(candidates)
    n = candidates["n_explicit"].to_numpy(dtype=np.float64)
    likes = (candidates["like_share"].fillna(0).to_numpy(dtype=np.float64) * n).round()
    if global_rate is None:
        global_rate = likes.sum() / n.sum() if n.sum() else 0.5
    return ranked(candidates, (likes + prior * global_rate) / (n + prior))


def catalog_like_rate(books: pd.DataFrame) -> float:
    """The share of all explicit ratings in the catalog that are likes."""
    n = books["n_explicit"].to_numpy(dtype=np.float64)
    return float((books["like_share"].fillna(0).to_numpy() * n).sum() / n.sum())


def ranked(candidates: pd.DataFrame, score: np.ndarray, **extra: np.ndarray) -> pd.DataFrame:
    table = candidates.reset_index(drop=True).assign(score=score, **extra)
    table = table.sort_values("score", ascending=False, kind="stable").reset_index(drop=True)
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    return table


def check_candidates(candidates: pd.DataFrame) -> None:
    if candidates.empty:
        raise RecommendError("There are no candidate books to rank: loosen the filters.")


# --- two rankings of the same candidates ---------------------------------------------------------


@dataclass(frozen=True)
class Overlap:
    top_n: int
    shared: tuple[str, ...]  # book_ids in both top-n lists, in the first list's order
    spearman: float | None  # rank correlation of the scores; None when a ranking is all ties

    @property
    def count(self) -> int:
        return len(self.shared)


def ranking_overlap(first: pd.DataFrame, second: pd.DataFrame, top_n: int,
                    first_score: str = "p_yes", second_score: str = "score") -> Overlap:
    """How two rankings of the same candidates agree: the books in both top-n lists, and
    Spearman's correlation of their scores over every book both ranked (ties share a rank)."""
    if top_n < 1:
        raise RecommendError(f"The top of a ranking holds at least one book, not {top_n}.")
    joined = first[["book_id", first_score]].merge(
        second[["book_id", second_score]], on="book_id", suffixes=(" A", " B"))
    if len(joined) < 2:
        raise RecommendError("The two rankings share fewer than two books: nothing to compare.")
    a, b = (joined.iloc[:, 1], joined.iloc[:, 2])
    rho = None if a.nunique() < 2 or b.nunique() < 2 else float(spearmanr(a, b).statistic)
    top_b = set(second.nsmallest(top_n, "rank")["book_id"])
    shared = tuple(i for i in first.nsmallest(top_n, "rank")["book_id"] if i in top_b)
    return Overlap(top_n, shared, rho)
