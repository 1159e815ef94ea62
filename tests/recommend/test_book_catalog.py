"""The Book-Crossing catalog, built from the real embedded files."""

import time

import pandas as pd
import pytest

from workbench.data.recommendation import read_bx_ratings
from workbench.errors import WorkbenchError
from workbench.recommend.catalog import (
    COLUMNS,
    CatalogError,
    catalog_cache_path,
    fold,
    load_catalog,
    repair_mojibake,
    title_key,
)

# The Sorcerer's Stone by "J. K. Rowling" and (the last edition) by "J.K. Rowling"
SORCERERS_STONE_EDITIONS = ["059035342X", "0590353403", "043936213X", "0939173344"]
WILD_ANIMUS = "0971880107"  # the most rated ISBN in Book-Crossing


def title_and_author(books: pd.DataFrame) -> pd.Series:
    return (books["title"] + " " + books["author"]).map(fold)


def test_catalog_is_built_from_the_real_files(catalog):
    books = catalog.books
    assert list(books.columns) == COLUMNS
    assert len(books) > 200_000
    assert books["book_id"].is_unique
    assert (books["title"].str.strip() != "").all()
    assert books["n_ratings"].is_monotonic_decreasing
    assert (books["n_explicit"] <= books["n_ratings"]).all()
    assert books["like_share"].dropna().between(0, 1).all()
    assert books["mean_rating"].dropna().between(1, 10).all()
    assert catalog_cache_path().is_file()


def test_harry_potter_editions_are_merged_with_summed_counts(catalog):
    rows = catalog.books[catalog.books["isbns"].map(lambda isbns: "0590353403" in isbns)]
    assert len(rows) == 1
    book = rows.iloc[0]
    assert set(SORCERERS_STONE_EDITIONS) <= set(book["isbns"])
    assert book["book_id"] == "059035342X"  # the most rated edition
    assert book["title"].startswith("Harry Potter and the Sorcerer's Stone")
    assert book["year"] == 1998

    ratings = read_bx_ratings()
    ratings = ratings[ratings["isbn"].isin(book["isbns"])]
    explicit = ratings.loc[ratings["rating"] > 0, "rating"]
    assert book["n_ratings"] == len(ratings) > 800
    assert book["n_explicit"] == len(explicit)
    assert book["mean_rating"] == pytest.approx(explicit.mean())
    assert book["like_share"] == pytest.approx((explicit > 5).mean())


def test_title_key_merges_editions_not_books():
    assert title_key("Harry Potter and the Sorcerer's Stone (Harry Potter (Paperback))") == (
        title_key("Harry Potter and the Sorcerer's Stone (Book 1)")
    )
    assert title_key("The Lovely Bones: A Novel") == title_key("The Lovely Bones") == (
        "the lovely bones"
    )
    assert title_key("(Untitled)") == "untitled"  # nothing would be left without the parentheses
    assert title_key("Harry Potter and the Chamber of Secrets (Book 2)") != (
        title_key("Harry Potter and the Sorcerer's Stone (Book 1)")
    )


def test_mojibake_is_repaired():
    assert repair_mojibake("Patrick SÃ¼skind") == "Patrick Süskind"
    assert repair_mojibake("Kolonien. ErzÃ?Â¤hlungen.") == "Kolonien. Erzählungen."  # twice
    assert repair_mojibake("Il Ã?Â©tait Ã?Â\xa0 Bhopal") == "Il était à Bhopal"
    assert repair_mojibake("Der GroÃ?Â?vater") == "Der GroÃ?Â?vater"  # a byte is lost: kept as is
    assert repair_mojibake("Müller") == "Müller"


def test_search_rowling_finds_harry_potter_first(catalog):
    found = catalog.search("rowling")
    assert len(found) == 20
    assert found["title"].head(4).str.startswith("Harry Potter").all()
    assert found.iloc[0]["book_id"] == "059035342X"
    assert found["n_ratings"].is_monotonic_decreasing


def test_search_ignores_case_and_accents(catalog):
    tolkien = catalog.search("tolkien")
    assert not tolkien.empty
    assert title_and_author(tolkien).str.contains("tolkien").all()
    pd.testing.assert_frame_equal(catalog.search("TOLKIEN"), tolkien)
    pd.testing.assert_frame_equal(catalog.search("Tólkien"), tolkien)

    marquez = catalog.search("garcía márquez", limit=50)
    pd.testing.assert_frame_equal(catalog.search("GARCIA MARQUEZ", limit=50), marquez)
    assert "One Hundred Years of Solitude" in set(marquez["title"])
    assert "Erzählungen" in catalog.search("erzahlungen").iloc[0]["title"]  # was ErzÃ?Â¤hlungen


def test_every_query_word_must_match_title_or_author(catalog):
    found = catalog.search("hobbit TOLKIEN")
    assert not found.empty
    for word in ("hobbit", "tolkien"):
        assert title_and_author(found).str.contains(word).all()
    assert catalog.search("hobbit rowling").empty
    assert len(catalog.search("harry potter", limit=3)) == 3


@pytest.mark.parametrize("query", ["", "   ", "\n\t"])
def test_an_empty_query_is_an_error(catalog, query):
    with pytest.raises(CatalogError, match=r"^Type part of a title or an author\.$"):
        catalog.search(query)


def test_a_very_long_query_is_an_error(catalog):
    with pytest.raises(CatalogError, match="201 characters long: type at most 200"):
        catalog.search("a" * 201)
    assert issubclass(CatalogError, WorkbenchError)


def test_a_query_without_hits_gives_an_empty_frame_and_suggestions(catalog):
    found = catalog.search("tolkein")
    assert found.empty
    assert list(found.columns) == COLUMNS
    assert "tolkien" in fold(catalog.suggest("tolkein")[0])
    assert catalog.suggest("hary poter")[0].startswith("Harry Potter")
    assert catalog.suggest("grisam") == ["John Grisham"]
    assert catalog.suggest("xqzvw") == []
    assert catalog.suggest("   ") == []


def test_candidates_are_the_most_popular_books_not_excluded(catalog):
    by_explicit = catalog.books.sort_values("n_explicit", ascending=False, kind="stable")
    pd.testing.assert_frame_equal(catalog.candidates(n=10), by_explicit.head(10))
    # Any edition's ISBN excludes the whole book.
    candidates = catalog.candidates(exclude_ids=[WILD_ANIMUS, "0590353403"], n=30)
    assert len(candidates) == 30
    assert not {WILD_ANIMUS, "059035342X"} & set(candidates["book_id"])
    assert candidates["n_explicit"].is_monotonic_decreasing
    first = by_explicit.iloc[0]["book_id"]
    assert catalog.candidates(exclude_ids=first, n=1).iloc[0]["book_id"] != first


def test_candidates_by_author_match_the_author_only(catalog):
    grisham = catalog.candidates(n=100, author="GRISHAM")
    assert "The Firm" in set(grisham["title"])
    assert grisham["author"].map(fold).str.contains("grisham").all()
    potter = catalog.candidates(n=100, author="potter")  # Beatrix Potter, not Harry Potter
    assert not potter.empty
    assert potter["author"].map(fold).str.contains("potter").all()


def test_candidates_within_years(catalog):
    everything = catalog.candidates(n=len(catalog))
    assert everything["year"].isna().any()  # unknown years are kept without a year filter
    nineties = catalog.candidates(n=500, year_from=1990, year_to=1999)
    assert len(nineties) == 500
    assert nineties["year"].notna().all()
    assert nineties["year"].between(1990, 1999).all()
    assert catalog.candidates(n=500, year_to=1900)["year"].le(1900).all()
    assert catalog.candidates(author="grisham", year_to=1950).empty


@pytest.mark.parametrize(
    ("year_from", "year_to", "message"),
    [
        (2000, 1990, r"The year range is empty: 'from' \(2000\) is after 'to' \(1990\)\."),
        (1300, None, r"The year 'from' \(1300\) must be between 1400 and 2030\."),
        (None, 2100, r"The year 'to' \(2100\) must be between 1400 and 2030\."),
    ],
)
def test_a_bad_year_range_is_an_error(catalog, year_from, year_to, message):
    with pytest.raises(CatalogError, match=message):
        catalog.candidates(year_from=year_from, year_to=year_to)


def test_book_by_id(catalog):
    assert catalog.book("059035342X")["title"].startswith("Harry Potter and the Sorcerer's Stone")
    assert catalog.book(" 0590353403 ")["book_id"] == "059035342X"  # another edition's ISBN
    assert catalog.has("0590353403") and not catalog.has("not-an-isbn")
    with pytest.raises(CatalogError, match=r"No book with id 'not-an-isbn' in the Book-Crossing"):
        catalog.book("not-an-isbn")


def test_the_cached_catalog_loads_fast_and_is_the_same(catalog):
    started = time.perf_counter()
    cached = load_catalog()
    load_seconds = time.perf_counter() - started
    pd.testing.assert_frame_equal(cached.books, catalog.books)
    started = time.perf_counter()
    cached.search("harry potter")
    search_seconds = time.perf_counter() - started
    # Targets are 2 s and 0.3 s; the bounds leave room for a busy machine, not for a rebuild.
    assert load_seconds < 5
    assert search_seconds < 1


def test_rows_of_books_by_any_edition_and_by_author(catalog):
    rows = catalog.rows_of(["0590353403", "059035342X", "not-an-isbn", WILD_ANIMUS])
    assert len(rows) == 2  # two editions of one book count once; unknown ids are left out
    assert catalog.books.iloc[rows[0]]["book_id"] == "059035342X"
    assert catalog.books.iloc[rows[1]]["book_id"] == WILD_ANIMUS
    assert list(catalog.row_per_isbn(pd.Series(["043936213X", "nope"]))) == [rows[0], -1]
    rowling = catalog.rows_by_authors(["J.K. ROWLING"])
    assert rows[0] in rowling and len(rowling) > 10
    assert set(catalog.books["author"].iloc[rowling].map(lambda a: a.replace(" ", "").replace(
        ".", "").lower())) == {"jkrowling"}


def test_candidates_among_given_rows_keep_their_order(catalog):
    rows = catalog.rows_by_authors(["Agatha Christie"])[::-1]
    found = catalog.candidates(exclude_ids=[catalog.books["book_id"].iloc[rows[0]]], n=5,
                               among=rows)
    assert list(found.index) == list(rows[1:6])
