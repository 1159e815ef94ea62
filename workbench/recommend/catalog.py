"""The Book-Crossing catalog: one row per book, its editions (ISBNs) merged, for searching books
to rate and for picking candidate books to recommend.

    catalog = book_catalog()
    catalog.search("tolkien")
    catalog.candidates(exclude_ids=profile.book_ids, year_from=1990)

Book-Crossing lists a book once per edition, with the title and the author spelled as each
edition's record has them, so editions are merged on a normalised title (case, accents,
punctuation and a trailing "(...)" or ": A Novel" left out) and a normalised author.
"""

from __future__ import annotations

import difflib
import numbers
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterable, Sequence
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.data import LOADER_VERSION
from workbench.data.recommendation import read_bx_books, read_bx_ratings
from workbench.errors import WorkbenchError
from workbench.paths import data_cache_dir

# Bump when the catalog's columns or merging rules change, so cached parquet files are rebuilt.
CATALOG_VERSION = 1

MAX_QUERY_CHARS = 200
FIRST_YEAR, LAST_YEAR = 1400, 2030  # years outside are typing errors in the data (0, 2050, ...)
LIKED_ABOVE = 5  # an explicit rating above 5 (of 10) is a like, as in TALLRec
SUGGESTION_POOL = 5000  # suggestions come from this many of the most rated books
SUGGEST_CUTOFF = 0.8  # difflib similarity a suggestion needs ("tolkein" ~ "tolkien": 0.86)

COLUMNS = [
    "book_id", "title", "author", "year", "publisher", "isbns",
    "n_ratings", "n_explicit", "mean_rating", "like_share",
]
SEARCH_TEXT = "search_text"  # folded title and author words, kept in the cache for fast search


class CatalogError(WorkbenchError):
    """A search or a filter of the book catalog cannot be answered as asked."""


# --- Text normalisation --------------------------------------------------------------------------

_MOJIBAKE = re.compile(r"[\u0080-\u00ff]{2,}")
_LOST_BYTE = re.compile(r"Ã\?Â(?=[\u00a0-\u00bf])")
_TRAILING_PARENTHESES = re.compile(r"\s*\((?:[^()]|\([^()]*\))*\)\s*$")
_A_NOVEL = re.compile(r"[\s:;,.-]*a novel$")
_WORD = re.compile(r"[^\W_]+")


def repair_mojibake(text: str) -> str:
    """Undo UTF-8 text read as Latin-1, once or twice ("ErzÃ?Â¤hlungen" -> "Erzählungen").

    The file is read as Latin-1 but most non-English records are UTF-8, some encoded twice; in
    those the second byte 0x83 was replaced by "?", and it is always 0x83 after "Ã" (C3 83).
    """
    if not _MOJIBAKE.search(text):
        return text
    text = _LOST_BYTE.sub("Ã\u0083Â", text)
    for _ in range(2):
        text = _MOJIBAKE.sub(_decode_run, text)
    return text


def _decode_run(match: re.Match) -> str:
    run = match.group()
    try:
        return run.encode("latin-1").decode("utf-8")
    except UnicodeDecodeError:
        return run


def fold(text: str) -> str:
    """Lower case without accents: "Gabriel García Márquez" -> "gabriel garcia marquez"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def words(text: str) -> list[str]:
    """Folded words, apostrophes dropped so "Sorcerer's" is one word: ["sorcerers"]."""
    return _WORD.findall(fold(text).replace("'", "").replace("\u2019", ""))


def short_title(title: str) -> str:
    """The title without trailing "(...)" groups (edition, series), unless nothing is left."""
    while True:
        stripped = _TRAILING_PARENTHESES.sub("", title)
        if stripped == title or not stripped.strip():
            return title
        title = stripped


def title_key(title: str) -> str:
    """What editions share: "The Lovely Bones: A Novel (Book Club)" -> "the lovely bones"."""
    key = " ".join(words(short_title(title)))
    return _A_NOVEL.sub("", key) or key


def author_key(author: str) -> str:
    """Author without spacing or dots: "J. K. Rowling", "J.K. ROWLING" -> "jkrowling"."""
    return "".join(words(author))


def search_text(title: str, author: str) -> str:
    """What a search matches: "J.K. Rowling" is found as "j k rowling" and as "jk rowling"."""
    return " ".join([*words(title), "|", *words(author), author_key(author)])


# --- Building the catalog ------------------------------------------------------------------------


def rating_counts(ratings: pd.DataFrame) -> pd.DataFrame:
    """Per ISBN: ratings (implicit ones included), explicit ratings, their sum, likes."""
    explicit = ratings["rating"] > 0
    counts = pd.DataFrame(
        {
            "isbn": ratings["isbn"],
            "n_ratings": 1,
            "n_explicit": explicit.astype("int32"),
            "rating_sum": ratings["rating"].astype("int32"),  # implicit ratings add 0
            "n_liked": (ratings["rating"] > LIKED_ABOVE).astype("int32"),
        }
    )
    return counts.groupby("isbn").sum()


def editions_frame(books: pd.DataFrame, counts: pd.DataFrame) -> pd.DataFrame:
    """One row per ISBN with repaired text, its counts and the key of the book it belongs to."""
    editions = books.dropna(subset=["title"]).copy()
    editions = editions[editions["title"].str.strip() != ""]
    for column in ("title", "author", "publisher"):
        editions[column] = editions[column].fillna("").map(repair_mojibake)
    editions["year"] = editions["year"].where(editions["year"].between(FIRST_YEAR, LAST_YEAR))
    editions = editions.join(counts, on="isbn")
    count_columns = ["n_ratings", "n_explicit", "rating_sum", "n_liked"]
    editions[count_columns] = editions[count_columns].fillna(0).astype("int64")
    editions["key"] = editions["title"].map(title_key) + "|" + editions["author"].map(author_key)
    # Most rated edition first, so "first per key" is the most rated one.
    return editions.sort_values(["n_ratings", "n_explicit", "isbn"], ascending=[False, False, True])


def most_rated_spelling(editions: pd.DataFrame, column: str) -> pd.Series:
    """Per key, the spelling of `column` with the most ratings over its editions."""
    totals = editions.groupby(["key", column], sort=False)["n_ratings"].sum().reset_index()
    totals = totals.sort_values("n_ratings", ascending=False, kind="stable")
    return totals.drop_duplicates("key").set_index("key")[column]


def build_catalog_frame() -> pd.DataFrame:
    """The catalog from the raw Book-Crossing files (tens of seconds)."""
    editions = editions_frame(read_bx_books().books, rating_counts(read_bx_ratings()))
    by_book = editions.groupby("key", sort=False)
    first = by_book[["isbn", "publisher"]].first()  # of the most rated edition
    sums = by_book[["n_ratings", "n_explicit", "rating_sum", "n_liked"]].sum()
    explicit = sums["n_explicit"].where(sums["n_explicit"] > 0)
    frame = pd.DataFrame(
        {
            "book_id": first["isbn"],
            "title": most_rated_spelling(editions, "title"),
            "author": most_rated_spelling(editions, "author"),
            "year": by_book["year"].min().astype("Int16"),
            "publisher": first["publisher"],
            "isbns": by_book["isbn"].agg(list),
            "n_ratings": sums["n_ratings"],
            "n_explicit": sums["n_explicit"],
            "mean_rating": sums["rating_sum"] / explicit,
            "like_share": sums["n_liked"] / explicit,
        }
    )
    frame = frame.sort_values(
        ["n_ratings", "n_explicit", "book_id"], ascending=[False, False, True]
    ).reset_index(drop=True)
    frame[SEARCH_TEXT] = [search_text(t, a) for t, a in zip(frame["title"], frame["author"])]
    return frame


def catalog_cache_path() -> Path:
    return data_cache_dir() / f"book-catalog-v{CATALOG_VERSION}-loader{LOADER_VERSION}.parquet"


def load_catalog(use_cache: bool = True) -> Catalog:
    """The catalog from its parquet cache, built from the raw files (and cached) when missing."""
    path = catalog_cache_path()
    if use_cache and path.is_file():
        try:
            return Catalog(pd.read_parquet(path))
        except (OSError, ValueError, KeyError):
            pass  # a damaged cache is rebuilt below
    frame = build_catalog_frame()
    if use_cache:
        write_atomically(frame, path)
    return Catalog(frame)


def write_atomically(frame: pd.DataFrame, path: Path) -> None:
    """A unique temporary name, then a rename: a reader never sees half a file."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    os.close(handle)
    try:
        frame.to_parquet(temporary, index=False)
        os.replace(temporary, path)
    finally:
        Path(temporary).unlink(missing_ok=True)


def book_catalog() -> Catalog:
    """The catalog for pages (cache the result, e.g. with st.cache_resource)."""
    return load_catalog()


# --- The catalog ---------------------------------------------------------------------------------


class Catalog:
    """Books sorted by popularity (ratings, then explicit ratings); `books` has COLUMNS."""

    def __init__(self, frame: pd.DataFrame):
        missing = [c for c in [*COLUMNS, SEARCH_TEXT] if c not in frame.columns]
        if missing:
            raise KeyError(f"the catalog frame lacks {missing}")
        self._frame = frame.reset_index(drop=True)
        self._frame["isbns"] = self._frame["isbns"].map(list)  # parquet gives numpy arrays
        self.books = self._frame[COLUMNS]
        isbns = self._frame["isbns"].explode()
        row_of_isbn = pd.Series(isbns.index, index=isbns.to_numpy())  # any ISBN finds its book
        self._row_of_isbn = row_of_isbn[~row_of_isbn.index.duplicated()]

    def __len__(self) -> int:
        return len(self._frame)

    def book(self, book_id: str) -> pd.Series:
        """The row of a book by its book_id or any of its ISBNs."""
        row = self._row_of_isbn.get(str(book_id).strip())
        if row is None:
            raise CatalogError(f"No book with id {book_id!r} in the Book-Crossing catalog.")
        return self.books.iloc[row]

    def has(self, book_id: str) -> bool:
        return str(book_id).strip() in self._row_of_isbn.index

    def row_per_isbn(self, isbns: pd.Series) -> np.ndarray:
        """The catalog row of each ISBN (any edition's), -1 where the catalog does not know it."""
        rows = self._row_of_isbn.reindex(pd.Index(isbns, dtype="object"))
        return rows.fillna(-1).to_numpy(dtype=np.int64)

    def rows_of(self, book_ids: Iterable[str]) -> np.ndarray:
        """Catalog rows of the books, in order, each once; unknown ids are left out."""
        if isinstance(book_ids, str):
            book_ids = [book_ids]
        rows = self.row_per_isbn(pd.Series([str(i).strip() for i in book_ids], dtype="object"))
        rows = rows[rows >= 0]
        return rows[np.sort(np.unique(rows, return_index=True)[1])]

    def rows_by_authors(self, authors: Iterable[str]) -> np.ndarray:
        """Rows of every book whose author is one of `authors`, spelled in any way author_key
        merges ("J.K. Rowling", "J. K. ROWLING"), in catalog order."""
        keys = {author_key(author) for author in authors} - {""}
        return np.flatnonzero(self._author_keys.isin(keys).to_numpy())

    def search(self, query: str, limit: int = 20) -> pd.DataFrame:
        """Books whose title or author contains every word of `query`, most popular first."""
        query_words = words(checked_query(query))
        rows = self._rows_containing(query_words, self._frame[SEARCH_TEXT])
        return self.books.loc[rows[: max(limit, 0)]]

    def suggest(self, query: str, n: int = 5) -> list[str]:
        """Popular titles and authors that look like `query`, for a "did you mean" message."""
        query_words = words(query[:MAX_QUERY_CHARS])
        if not query_words:
            return []
        matcher = difflib.SequenceMatcher(b=" ".join(query_words))
        scores: dict[str, float] = {}
        for candidate_words, display in self._suggestion_pool:
            for window in word_windows(candidate_words, len(query_words)):
                matcher.set_seq1(window)
                if matcher.real_quick_ratio() < SUGGEST_CUTOFF:
                    continue  # the cheap upper bounds skip most windows
                if matcher.quick_ratio() >= SUGGEST_CUTOFF:
                    scores[display] = max(scores.get(display, 0.0), matcher.ratio())
        ranked = sorted(scores.items(), key=lambda item: -item[1])  # stable: popular first
        return [display for display, score in ranked if score >= SUGGEST_CUTOFF][:n]

    def candidates(
        self,
        exclude_ids: Iterable[str] = (),
        n: int = 50,
        author: str | None = None,
        year_from: int | None = None,
        year_to: int | None = None,
        among: Sequence[int] | np.ndarray | None = None,
    ) -> pd.DataFrame:
        """The books with the most explicit ratings that are not in `exclude_ids`, by an author
        and within years. Explicit ratings, not all ratings: the most rated book, "Wild
        Animus", was a giveaway that most readers only received (2,502 ratings, 581 explicit).
        `among`: pick from these catalog rows instead, in their order."""
        check_years(year_from, year_to)
        n = checked_count(n)
        keep = pd.Series(True, index=self._frame.index)
        if isinstance(exclude_ids, str):
            exclude_ids = [exclude_ids]
        excluded = [self._row_of_isbn.get(str(i).strip()) for i in exclude_ids]
        keep[[row for row in excluded if row is not None]] = False
        if author and author.strip():
            keep &= keep.index.isin(self._rows_by_author(checked_query(author)))
        year = self._frame["year"]
        if year_from is not None:
            keep &= (year >= year_from).fillna(False)
        if year_to is not None:
            keep &= (year <= year_to).fillna(False)
        if among is not None:
            among = np.asarray(among, dtype=np.int64)
            return self.books.iloc[among[keep.to_numpy()[among]][:n]]
        kept = self.books.loc[keep[keep].index]
        return kept.sort_values("n_explicit", ascending=False, kind="stable").head(n)

    def _rows_containing(self, query_words: list[str], text: pd.Series) -> pd.Index:
        """Rows (in catalog order) whose text contains every word; none for no words."""
        if not query_words:
            return pd.Index([], dtype="int64")
        for word in sorted(query_words, key=len, reverse=True):  # longest word narrows most
            text = text[text.str.contains(word, regex=False)]
        return text.index

    def _rows_by_author(self, author: str) -> pd.Index:
        author_words = words(author)
        # Title and author first (fast), then the author part of the few rows found.
        rows = self._rows_containing(author_words, self._frame[SEARCH_TEXT])
        author_text = self._frame.loc[rows, SEARCH_TEXT].str.split("|", n=1).str[1]
        return self._rows_containing(author_words, author_text)

    @cached_property
    def _author_keys(self) -> pd.Series:
        return self._frame["author"].map(author_key)

    @cached_property
    def _suggestion_pool(self) -> list[tuple[list[str], str]]:
        """Folded words and display text of popular titles and authors, most popular first."""
        popular = self._frame.head(SUGGESTION_POOL)
        pool: dict[str, str] = {}
        for title, author in zip(popular["title"], popular["author"]):
            pool.setdefault(title_key(title), title)
            pool.setdefault(" ".join(words(author)), author)
        return [(key.split(), display) for key, display in pool.items() if key]


def word_windows(text_words: list[str], length: int) -> list[str]:
    """Every run of `length` consecutive words (the whole text when it is shorter)."""
    last = max(len(text_words) - length, 0)
    return [" ".join(text_words[start : start + length]) for start in range(last + 1)]


def checked_query(query: str) -> str:
    if not isinstance(query, str) or not query.strip():
        raise CatalogError("Type part of a title or an author.")
    if len(query) > MAX_QUERY_CHARS:
        raise CatalogError(
            f"The search is {len(query)} characters long: type at most {MAX_QUERY_CHARS}."
        )
    return query


def checked_count(n: int) -> int:
    """A number of books: a whole number, at least 0 (a negative one means none)."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise CatalogError(f"The number of books must be a whole number, not {n!r}.")
    return max(int(n), 0)


def check_years(year_from: int | None, year_to: int | None) -> None:
    for name, year in (("from", year_from), ("to", year_to)):
        if year is not None and not FIRST_YEAR <= year <= LAST_YEAR:
            raise CatalogError(
                f"The year '{name}' ({year}) must be between {FIRST_YEAR} and {LAST_YEAR}."
            )
    if year_from is not None and year_to is not None and year_from > year_to:
        raise CatalogError(
            f"The year range is empty: 'from' ({year_from}) is after 'to' ({year_to})."
        )
