"""Book-Crossing and MovieLens: real counts, TALLRec's like rules, compact dtypes."""

import pandas as pd
import pytest

from workbench.data import load
from workbench.data import recommendation
from workbench.data.splits import make_splits


@pytest.fixture(scope="module")
def book_crossing():
    return load("book-crossing")  # about 4 s the first time, then from the parquet cache


@pytest.fixture(scope="module")
def movielens():
    return load("movielens")


def test_book_crossing_keeps_every_rating(book_crossing):
    frame, info = book_crossing
    assert len(frame) == 1_149_780
    assert frame[info.user_column].nunique() == 105_283
    assert frame[info.item_column].nunique() == 340_556


def test_book_crossing_likes_follow_tallrec(book_crossing):
    frame, info = book_crossing
    liked = frame[info.label_column]
    assert liked.value_counts().to_dict() == {"yes": 363_268, "no": 70_403}
    implicit = frame["rating"] == 0
    assert implicit.sum() == 716_109
    assert liked[implicit].isna().all() and liked[~implicit].notna().all()
    assert (frame.loc[liked == "yes", "rating"] > 5).all()
    assert frame.loc[liked == "no", "rating"].between(1, 5).all()


def test_book_crossing_joins_book_details(book_crossing):
    frame, info = book_crossing
    assert frame[info.item_title_column].notna().sum() == 1_031_175  # ISBNs found in BX-Books
    escaped = frame.loc[frame["isbn"] == "0449003787", "title"]
    assert set(escaped) == {'"O" Is for Outlaw'}


def test_book_crossing_dtypes_are_compact(book_crossing):
    frame, _ = book_crossing
    assert frame["user_id"].dtype == "int32" and frame["rating"].dtype == "int8"
    for column in ("isbn", "title", "author", "publisher", "liked"):
        assert isinstance(frame[column].dtype, pd.CategoricalDtype), column
    assert frame.memory_usage(deep=True).sum() < 100e6


def test_every_book_line_parses():
    table = recommendation.read_bx_books()
    assert len(table.books) == 271_379
    assert table.skipped_lines == 0
    assert table.books["isbn"].is_unique


def test_malformed_book_lines_are_counted_and_skipped(tmp_path):
    path = tmp_path / "BX-Books.csv"
    header = '"ISBN";"Book-Title";"Book-Author";"Year-Of-Publication";"Publisher";"S";"M";"L"'
    good = '"0001";"A \\"Quoted\\" Title";"Ann Author";"1999";"Pub";"s";"m";"l"'
    bad = '"0002";"Broken";"Line";"2000";"Pub";"s";"m";"l";"one field too many"'
    short = '"0004";"Short";"Line"'
    unknown_year = '"0003";"Old Book";"";"0";"Pub";"s";"m";"l"'
    lines = [header, good, bad, short, unknown_year]
    path.write_text("\r\n".join(lines) + "\r\n", encoding="latin-1")
    table = recommendation.read_bx_books(path)
    assert table.skipped_lines == 2
    assert table.books["isbn"].tolist() == ["0001", "0003"]
    assert table.books["title"].tolist() == ['A "Quoted" Title', "Old Book"]
    assert table.books["year"].isna().tolist() == [False, True]
    assert table.books["author"].isna().tolist() == [False, True]


def test_movielens_likes_are_ratings_above_3(movielens):
    frame, info = movielens
    assert len(frame) == 100_004
    assert frame[info.user_column].nunique() == 671
    assert frame[info.label_column].value_counts().to_dict() == {"yes": 62_106, "no": 37_898}
    assert ((frame["rating"] > 3) == (frame["liked"] == "yes")).all()
    assert {"title", "genres", "year", "timestamp"} <= set(frame.columns)


def test_book_crossing_splits_by_user_use_only_explicit_ratings(book_crossing):
    frame, info = book_crossing
    splits = make_splits(frame, info, group_column=info.user_column)
    assert sum(splits.sizes.values()) == 433_671
    users = frame[info.user_column].to_numpy()
    assert not set(users[splits.train]) & set(users[splits.test])
