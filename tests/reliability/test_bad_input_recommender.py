"""Bad input to the recommender (issue 8): profile files uploaded on the Recommender page, the
catalog search boxes, the candidate filters and the ranking. Each bad input is the workbench's
own error (ProfileError, CatalogError, RecommendError: all WorkbenchError) with a message that
names the problem, or a correct result; a profile file is never unpickled.

The page side is in tests/ui/test_bad_input_pages.py.
"""

from __future__ import annotations

import json
import pathlib
import pickle

import numpy as np
import pandas as pd
import pytest

from workbench.errors import WorkbenchError
from workbench.recommend.catalog import MAX_QUERY_CHARS, CatalogError, book_catalog
from workbench.recommend.profile import (
    FORMAT, MAX_BOOKS, MAX_FILE_BYTES, MAX_TEXT_CHARS, Profile, ProfileError, profile_from_json,
    profile_to_json, resolve_profile,
)
from workbench.recommend.rank import MAX_CANDIDATES, Answerer, RecommendError, rank_candidates


@pytest.fixture(scope="module")
def catalog():
    return book_catalog()  # the cached parquet catalog: ~1 s


def document(liked=(), disliked=(), **fields) -> dict:
    return {"format": FORMAT, "version": 1, "liked": list(liked), "disliked": list(disliked),
            **fields}


def book(book_id: str = "X-1", title: str = "A title", author: str = "An author") -> dict:
    return {"book_id": book_id, "title": title, "author": author}


def as_bytes(value: dict) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()


def profile_refused(data: bytes) -> str:
    with pytest.raises(ProfileError) as error:
        profile_from_json(data)
    assert isinstance(error.value, WorkbenchError)
    return str(error.value)


# --- profile files ------------------------------------------------------------------------------------

NOT_A_PROFILE = "This file is not a book profile: "
BAD_PROFILES = {
    "empty": (b"", "it is empty."),
    "whitespace only": (b"  \n\t \r\n", "it holds only blank space."),
    "bom and blank": (b"\xef\xbb\xbf \n", "it holds only blank space."),
    "over the size limit": (b" " * (MAX_FILE_BYTES + 1), "it is 201 KB and a profile is at most 200 KB"),
    "png": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff", "it is not UTF-8 text"),
    "exe": (b"MZ\x90\x00\xff\xfe" + bytes(range(256)), "it is not UTF-8 text"),
    "pickle": (pickle.dumps({"liked": [], "disliked": []}), "it is not UTF-8 text"),
    "csv": (b"book_id,title\n1,x\n", "it is not valid JSON"),
    "malformed json": (b'{"format": "workbench-book-profile", "liked": [', "it is not valid JSON"),
    "trailing comma": (b'{"format": "workbench-book-profile",}', "it is not valid JSON"),
    "json list": (b"[]", "it should be a JSON object"),
    "json string": (b'"profile"', "it should be a JSON object"),
    "nested too deeply": (b"[" * 50_000 + b"]" * 50_000, "it is not JSON this page can read"),
    "5,000-digit number": (b'{"version": ' + b"9" * 5_000 + b"}", "it is not JSON this page can read"),
    "wrong format": (as_bytes({**document(), "format": "something-else"}),
                     'it should say "format": "workbench-book-profile"'),
    "version NaN": (b'{"format": "workbench-book-profile", "version": NaN, "liked": [], "disliked": []}',
                    'its "version" is NaN'),
    "version Infinity": (b'{"format": "workbench-book-profile", "version": Infinity}',
                         'its "version" is Infinity'),
    "version true": (as_bytes(document(version=True)), 'its "version" is true'),
    "no liked list": (as_bytes({"format": FORMAT, "version": 1, "disliked": []}),
                      'it has no "liked" list'),
    "liked not a list": (as_bytes({**document(), "liked": "the hobbit"}), '"liked" should be a list of books, not text'),
    "book not an object": (as_bytes(document(liked=["the hobbit"])),
                           'liked book 1 should be an object with "book_id"'),
    "book without title": (as_bytes(document(disliked=[{"book_id": "1", "author": "x"}])),
                           'disliked book 1 has no "title"'),
    "book id NaN": (b'{"format": "workbench-book-profile", "version": 1, "liked": '
                    b'[{"book_id": NaN, "title": "x", "author": "y"}], "disliked": []}',
                    'liked book 1 has a "book_id" that is a number, not text'),
    "book id Infinity": (b'{"format": "workbench-book-profile", "version": 1, "liked": [], '
                         b'"disliked": [{"book_id": "1", "title": Infinity, "author": "y"}]}',
                         'disliked book 1 has a "title" that is a number, not text'),
    "book id blank": (as_bytes(document(liked=[book(book_id="   ")])), 'liked book 1 has an empty "book_id"'),
    "title too long": (as_bytes(document(liked=[book(title="t" * 100_000)])),
                       f'liked book 1 has a "title" of 100,000 characters; at most {MAX_TEXT_CHARS}'),
    "repeated name": (b'{"format": "workbench-book-profile", "version": 1, '
                      b'"liked": [{"book_id": "1", "title": "x", "author": "y"}], "liked": [], '
                      b'"disliked": []}',
                      'it names "liked" twice in one object, so one of them would be lost'),
}


@pytest.mark.parametrize("case", list(BAD_PROFILES))
def test_bad_input_profile_file(case):
    data, fragment = BAD_PROFILES[case]
    message = profile_refused(data)
    assert message.startswith(NOT_A_PROFILE) and fragment in message


@pytest.mark.parametrize("liked, disliked, fragment", [
    ([book("1")] * 2, [], '"A title" is listed twice as liked: keep it once.'),
    ([book("1")], [book("1")], '"A title" is both liked and disliked: keep it in one list.'),
    ([book(str(i)) for i in range(MAX_BOOKS + 1)], [],
     f"A profile holds at most {MAX_BOOKS} liked books; this one has {MAX_BOOKS + 1}."),
])
def test_bad_input_profile_contents(liked, disliked, fragment):
    assert fragment in profile_refused(as_bytes(document(liked, disliked)))


def test_bad_input_pickle_named_json_is_never_unpickled(tmp_path):
    marker = tmp_path / "unpickled"

    class Touch:
        def __reduce__(self):
            return (pathlib.Path.touch, (marker,))

    profile_refused(pickle.dumps(Touch(), protocol=4))
    assert not marker.exists()


def test_bad_input_unicode_and_emoji_books_work(catalog):
    liked = [book("🧙-1", "Le Petit Prince 🌹", "Saint-Exupéry"), book("X-三体", "三体", "刘慈欣")]
    profile = profile_from_json(as_bytes(document(liked, [book("X-2", "Ёжик", "")])))
    assert [b.title for b in profile.liked] == ["Le Petit Prince 🌹", "三体"]
    resolved = resolve_profile(profile, catalog)
    assert resolved.unknown_titles == ("Le Petit Prince 🌹", "三体", "Ёжик")
    assert profile_from_json(profile_to_json(profile)) == profile  # round trip


def test_bad_input_one_book_profile_works(catalog):
    hobbit = catalog.search("the hobbit tolkien", 1).iloc[0]
    profile = profile_from_json(profile_to_json(Profile(liked=(hobbit,))))
    assert resolve_profile(profile, catalog).profile.liked[0].book_id == hobbit["book_id"]


# --- catalog search ------------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["", " ", "   \t\n", "\u3000"], ids=["empty", "space", "blank", "ideographic space"])
def test_bad_input_search_empty_or_blank(catalog, query):
    with pytest.raises(CatalogError, match="Type part of a title or an author."):
        catalog.search(query)


def test_bad_input_search_too_long(catalog):
    with pytest.raises(CatalogError, match=f"The search is 201 characters long: type at most {MAX_QUERY_CHARS}."):
        catalog.search("x" * 201)
    assert catalog.search("x" * 200).empty


@pytest.mark.parametrize("query", ["😀", "🧙‍♂️🔥", ".*", "[](){}^$|?+", "\\", "\x00\x01",
                                   "'; DROP TABLE books; --", "%%%", "1e308", "NaN zzqqxx"])
def test_bad_input_search_odd_text_finds_nothing_without_error(catalog, query):
    hits = catalog.search(query, limit=8)
    assert hits.empty and list(hits.columns)[:3] == ["book_id", "title", "author"]
    assert catalog.suggest(query) == [] or all(isinstance(s, str) for s in catalog.suggest(query))


def test_bad_input_search_emoji_around_words_still_finds_the_book(catalog):
    assert catalog.search("🧙 hobbit 🔥", 1).iloc[0]["title"].startswith("The Hobbit")
    assert catalog.search("GARCÍA MÁRQUEZ", 1).iloc[0]["author"] == "Gabriel Garcia Marquez"


@pytest.mark.parametrize("limit", [0, -5])
def test_bad_input_search_limit_zero_or_negative(catalog, limit):
    assert catalog.search("tolkien", limit=limit).empty


# --- candidates --------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [float("nan"), float("inf"), 2.5, "10", None, True])
def test_bad_input_candidate_count_that_is_not_a_whole_number(catalog, n):
    with pytest.raises(CatalogError, match="The number of books must be a whole number"):
        catalog.candidates(n=n)


def test_bad_input_candidate_count_absurd_values(catalog):
    assert catalog.candidates(n=-5).empty
    assert catalog.candidates(n=0).empty
    assert len(catalog.candidates(n=10**12)) == len(catalog)
    assert len(catalog.candidates(n=np.int64(3))) == 3


@pytest.mark.parametrize("years, fragment", [
    ((0, None), "The year 'from' (0) must be between 1400 and 2030."),
    ((None, 10**9), "The year 'to' (1000000000) must be between 1400 and 2030."),
    ((-2000, None), "The year 'from' (-2000) must be between"),
    ((float("nan"), None), "The year 'from' (nan) must be between"),
    ((None, float("inf")), "The year 'to' (inf) must be between"),
    ((2000, 1990), "The year range is empty: 'from' (2000) is after 'to' (1990)."),
])
def test_bad_input_candidate_years(catalog, years, fragment):
    with pytest.raises(CatalogError) as error:
        catalog.candidates(year_from=years[0], year_to=years[1])
    assert fragment in str(error.value)


@pytest.mark.parametrize("author", ["😀", "zzqqxx", ".*"])
def test_bad_input_candidate_author_that_matches_nothing(catalog, author):
    assert catalog.candidates(author=author).empty


@pytest.mark.parametrize("author", ["", "   ", None])
def test_bad_input_candidate_blank_author_is_no_filter(catalog, author):
    assert len(catalog.candidates(n=20, author=author)) == 20


def test_bad_input_candidate_author_too_long(catalog):
    with pytest.raises(CatalogError, match="type at most 200"):
        catalog.candidates(author="x" * 201)


@pytest.mark.parametrize("exclude", ["059035342X", ["😀", "", "   ", "no-such-id"], ()])
def test_bad_input_candidate_exclusions_that_are_odd(catalog, exclude):
    assert len(catalog.candidates(exclude_ids=exclude, n=5)) == 5


# --- ranking -----------------------------------------------------------------------------------------


def _answerer_that_must_not_run() -> Answerer:
    def probabilities(prompts, progress):
        raise AssertionError("scored candidates that should have been refused")

    return Answerer("never", builder=None, probabilities=probabilities)


def test_bad_input_ranking_no_candidates():
    empty = pd.DataFrame(columns=["book_id", "title", "author"])
    with pytest.raises(RecommendError, match="There are no candidate books to rank"):
        rank_candidates(_answerer_that_must_not_run(), ["x"], [], empty, lambda d, t: None)


def test_bad_input_ranking_too_many_candidates_is_refused_before_scoring(catalog):
    pool = catalog.candidates(n=MAX_CANDIDATES + 1)
    with pytest.raises(RecommendError) as error:
        rank_candidates(_answerer_that_must_not_run(), ["x"], [], pool, lambda d, t: None)
    assert "1,001 candidate books are too many to rank" in str(error.value)
    assert f"at most {MAX_CANDIDATES:,}" in str(error.value)
