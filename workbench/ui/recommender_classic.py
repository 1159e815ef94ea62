"""Recommender page, beside the language model's ranking: the same candidates ranked for the same
profile by item-based collaborative filtering and by popularity, and how many of the model's top
books each list shares (workbench.recommend.classic)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from workbench.errors import WorkbenchError
from workbench.recommend.classic import (
    METHODS, catalog_like_rate, item_cf_ranking, popularity_ranking, ranking_overlap,
)
from workbench.recommend.profile import Profile
from workbench.recommend.ratings import BookRatings, book_ratings
from workbench.ui.recommender_profile import cached_catalog

METHOD_NOTES = {
    "item_cf": "Similarity of each book's Book-Crossing ratings with those of your liked books, "
               "minus your disliked ones (0: no reader rated it with one of your books).",
    "popularity": "The share of readers who liked the book, pulled toward the catalog's share "
                  "when few rated it. The same for every profile.",
}


@st.cache_resource(show_spinner="Loading the Book-Crossing ratings ...")
def cached_ratings() -> BookRatings:
    ratings = book_ratings(cached_catalog())
    ratings.centred_by_book  # computed once here, not in the first ranking
    return ratings


@st.cache_resource(show_spinner=False)
def cached_like_rate() -> float:
    return catalog_like_rate(cached_catalog().books)


def classic_rankings(profile: Profile, candidates: pd.DataFrame) -> dict[str, pd.DataFrame | str]:
    """Each method's ranking of the candidates, or the reason it has none."""
    rankings: dict[str, pd.DataFrame | str] = {}
    liked = [book.book_id for book in profile.liked]
    disliked = [book.book_id for book in profile.disliked]
    for method in METHODS:
        try:
            if method == "item_cf":
                rankings[method] = item_cf_ranking(cached_ratings(), liked, disliked, candidates)
            else:
                rankings[method] = popularity_ranking(candidates, global_rate=cached_like_rate())
        except WorkbenchError as error:
            rankings[method] = str(error)
        except Exception as error:  # noqa: BLE001 - a message on the page, never a traceback
            rankings[method] = f"{type(error).__name__}: {error}"
    return rankings


def classic_section(rankings: dict[str, pd.DataFrame | str], model_table: pd.DataFrame,
                    model_label: str, top_n: int) -> None:
    st.markdown(f"**The same {len(model_table)} candidates without a language model** · "
                f"overlap with the top {min(top_n, len(model_table))} of {model_label}")
    for column, (method, ranking) in zip(st.columns(len(rankings)), rankings.items()):
        with column:
            st.markdown(f"**{METHODS[method]}**")
            if isinstance(ranking, str):
                st.warning(f"{METHODS[method]}: {ranking}")
                continue
            st.caption(overlap_text(model_table, ranking, top_n))
            classic_table(ranking.head(top_n), set(model_table.head(top_n)["book_id"]),
                          f"rec_classic_{method}")
            st.caption(METHOD_NOTES[method])


def overlap_text(model_table: pd.DataFrame, ranking: pd.DataFrame, top_n: int) -> str:
    try:
        overlap = ranking_overlap(model_table, ranking, top_n)
    except WorkbenchError as error:
        return str(error)
    n = min(top_n, len(model_table))
    rho = ("rank correlation with the model's P(Yes) cannot be computed (one of them ranks "
           "every book the same)" if overlap.spearman is None
           else f"rank correlation (Spearman) with the model's P(Yes) {overlap.spearman:.2f}")
    return f"{overlap.count} of {n} books also in the model's top {n}; {rho}."


def classic_table(table: pd.DataFrame, model_top: set[str], key: str) -> None:
    shown = table.assign(in_model_top=table["book_id"].isin(model_top))
    columns = ["rank", "title", "score", "in_model_top"]  # authors: in the model's table
    if "co_raters" in shown.columns:
        columns.insert(3, "co_raters")
    st.dataframe(
        shown[columns], hide_index=True, key=key, width="stretch",
        column_config={
            "rank": st.column_config.NumberColumn("rank", width=40),
            "title": st.column_config.TextColumn("title", width="medium"),
            "score": st.column_config.NumberColumn("score", format="%.3f", width=60),
            "co_raters": st.column_config.NumberColumn(
                "co-raters", format="%d", width=70,
                help="Readers who rated this book and one of yours: the evidence behind the score."),
            "in_model_top": st.column_config.CheckboxColumn(
                "in LM top", width=70, help="Also in the language model's top list."),
        })
