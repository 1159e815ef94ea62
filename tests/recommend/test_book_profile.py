"""A reader's book profile: liking, disliking, the JSON file, the starter profile."""

import json
from dataclasses import asdict

import pytest

from workbench.errors import WorkbenchError
from workbench.recommend.profile import (
    FORMAT,
    BookRef,
    Profile,
    ProfileError,
    profile_from_json,
    profile_to_json,
    resolve_profile,
    starter_profile,
)

HOBBIT = BookRef("0345339681", "The Hobbit", "J.R.R. Tolkien")
DUNE = BookRef("0441172717", "Dune", "Frank Herbert")
FIRM = BookRef("044021145X", "The Firm", "John Grisham")
NOT_A_PROFILE = "This file is not a book profile: "


def document(liked=(), disliked=(), **changes) -> dict:
    """A profile file's content; BookRefs become objects, anything else is kept as it is."""

    def books(value):
        if not isinstance(value, (list, tuple)):
            return value
        return [asdict(book) if isinstance(book, BookRef) else book for book in value]

    return {"format": FORMAT, "version": 1, "liked": books(liked), "disliked": books(disliked)} | (
        changes
    )


def upload(content: dict | list | str) -> bytes:
    return content.encode() if isinstance(content, str) else json.dumps(content).encode()


# --- Liking and disliking ------------------------------------------------------------------------


def test_like_dislike_and_remove_return_new_profiles():
    empty = Profile()
    profile = empty.like(HOBBIT).like(DUNE).dislike(FIRM)
    assert empty.is_empty and not profile.is_empty
    assert profile.liked == (HOBBIT, DUNE)
    assert profile.disliked == (FIRM,)
    assert profile.book_ids == (HOBBIT.book_id, DUNE.book_id, FIRM.book_id)
    assert profile.opinion(FIRM.book_id) == "disliked"
    assert profile.opinion("unknown") is None

    assert profile.like(HOBBIT) == profile  # liking twice changes nothing
    removed = profile.remove(HOBBIT.book_id).remove(FIRM.book_id)
    assert removed == Profile(liked=(DUNE,))
    assert removed.remove("unknown") == removed
    assert profile.liked == (HOBBIT, DUNE)  # the original is unchanged


def test_liking_a_disliked_book_moves_it_and_back():
    profile = Profile(liked=[HOBBIT], disliked=[FIRM])
    moved = profile.like(FIRM)
    assert moved.liked == (HOBBIT, FIRM) and moved.disliked == ()
    back = moved.dislike(FIRM)
    assert back.liked == (HOBBIT,) and back.disliked == (FIRM,)


def test_a_profile_cannot_list_a_book_as_liked_and_disliked():
    with pytest.raises(ProfileError) as raised:
        Profile(liked=[HOBBIT, DUNE], disliked=[FIRM, DUNE])
    assert str(raised.value) == '"Dune" is both liked and disliked: keep it in one list.'
    with pytest.raises(ProfileError, match=r'"Dune" is listed twice as liked: keep it once\.'):
        Profile(liked=[DUNE, HOBBIT, DUNE])
    assert issubclass(ProfileError, WorkbenchError)


def test_a_profile_holds_at_most_200_books_per_list():
    books = [BookRef(str(i), f"Book {i}") for i in range(201)]
    Profile(liked=books[:200])
    with pytest.raises(ProfileError, match="at most 200 liked books; this one has 201"):
        Profile(liked=books)
    with pytest.raises(ProfileError, match="at most 200 liked books"):
        Profile(liked=books[:200]).like(books[200])


def test_an_empty_profile_cannot_be_used_for_recommendations():
    with pytest.raises(ProfileError) as raised:
        Profile().require_ratings()
    assert str(raised.value) == "The profile is empty: like or dislike at least one book."
    profile = Profile(disliked=[FIRM])
    assert profile.require_ratings() is profile
    assert Profile().like(HOBBIT).remove(HOBBIT.book_id).is_empty


# --- The file ------------------------------------------------------------------------------------


def test_a_profile_survives_the_json_file():
    profile = Profile(liked=[HOBBIT, BookRef("3596125049", "Erzählungen", "Franz Kafka")])
    profile = profile.dislike(FIRM)
    data = profile_to_json(profile)
    assert json.loads(data)["format"] == "workbench-book-profile"
    assert json.loads(data)["version"] == 1
    assert "Erzählungen" in data.decode("utf-8")
    assert profile_from_json(data) == profile
    assert profile_from_json(profile_to_json(Profile())) == Profile()


def test_an_upload_may_have_a_byte_order_mark_and_extra_fields():
    content = document(liked=[HOBBIT])
    content["liked"][0]["note"] = "my favourite"
    content["saved_by"] = "a student"
    assert profile_from_json(b"\xef\xbb\xbf" + upload(content)) == Profile(liked=[HOBBIT])


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"title,author\nDune,Frank Herbert", "it is not valid JSON (Expecting value at line 1"),
        (upload("[]"), 'it should be a JSON object with "liked" and "disliked" lists, not a list.'),
        (upload(document(format="my-books")), 'it should say "format": "workbench-book-profile".'),
        (upload({"liked": [], "disliked": []}), 'it should say "format": "workbench-book-profile"'),
        (upload(document(version=2)), 'its "version" is 2; this page reads version 1.'),
        (upload(document(version=None)), 'its "version" is missing; this page reads version 1.'),
        (upload(document(version=True)), 'its "version" is true; this page reads version 1.'),
        (upload({"format": FORMAT, "version": 1, "liked": []}), 'it has no "disliked" list'),
        (upload(document(liked={"book_id": "1"})), '"liked" should be a list of books, not an'),
        (upload(document(liked=["Dune"])), "liked book 1 should be an object with"),
        (upload(document(liked=[{"book_id": "1", "author": "A"}])), 'liked book 1 has no "title".'),
        (
            upload(document(disliked=[{"book_id": 441172717, "title": "Dune", "author": "F"}])),
            'disliked book 1 has a "book_id" that is a number, not text.',
        ),
        (
            upload(document(liked=[{"book_id": " ", "title": "Dune", "author": ""}])),
            'liked book 1 has an empty "book_id".',
        ),
        ("Erzählungen".encode("latin-1"), "it is not UTF-8 text"),
        (b"\xff\xfe{\x00}\x00", "it is not UTF-8 text"),  # UTF-16
        (b"[" * 100_000, "it is not JSON this page can read."),
        (upload(document(liked=[HOBBIT] * 10_000)), "it is 781 KB and a profile is at most 200 KB"),
        (b" " * 200_001, "it is 201 KB and a profile is at most 200 KB."),
    ],
)
def test_a_bad_upload_says_what_is_wrong(data, reason):
    with pytest.raises(ProfileError) as raised:
        profile_from_json(data)
    assert str(raised.value).startswith(NOT_A_PROFILE + reason)


def test_an_upload_with_a_book_in_both_lists_is_rejected():
    with pytest.raises(ProfileError, match=r'^"The Firm" is both liked and disliked: keep it in'):
        profile_from_json(upload(document(liked=[HOBBIT, FIRM], disliked=[FIRM])))


def test_an_upload_with_too_many_books_is_rejected():
    books = [BookRef(str(i), "") for i in range(201)]
    with pytest.raises(ProfileError, match="at most 200 disliked books; this one has 201"):
        profile_from_json(upload(document(disliked=books)))


# --- The catalog ---------------------------------------------------------------------------------


def test_the_starter_profile_books_are_in_the_catalog(catalog):
    profile = starter_profile(catalog)
    assert len(profile.liked) == 3 and len(profile.disliked) == 1
    for book in profile.liked + profile.disliked:
        row = catalog.book(book.book_id)
        assert BookRef.of(row) == book
        assert row["isbns"][0] == book.book_id  # its most rated edition
        assert row["n_ratings"] >= 50
    titles = [book.title for book in profile.liked]
    assert titles[0].startswith("The Hobbit")
    assert titles[1].startswith("Harry Potter and the Sorcerer's Stone")
    assert titles[2].startswith("A Game of Thrones")
    assert profile.disliked[0].title == "The Firm"
    assert catalog.search("the hobbit").iloc[0]["book_id"] == profile.liked[0].book_id


def test_a_catalog_row_is_a_book_to_like(catalog):
    row = catalog.book("0590353403")
    profile = Profile().like(row)
    assert profile.liked == (BookRef("059035342X", row["title"], "J. K. Rowling"),)


def test_an_uploaded_profile_is_matched_with_the_catalog(catalog):
    uploaded = Profile(
        liked=[
            BookRef("0590353403", "HP 1", "JKR"),  # another edition of the Sorcerer's Stone
            BookRef("043936213X", "HP 1 again", "JKR"),  # and a third: the same book
            BookRef("my-own-1", "Poems by my grandmother", "Grandma"),
        ],
        disliked=[BookRef("my-own-2", ""), FIRM],
    )
    resolved = resolve_profile(uploaded, catalog)
    harry = catalog.book("059035342X")
    assert resolved.profile.liked == (
        BookRef("059035342X", harry["title"], harry["author"]),
        BookRef("my-own-1", "Poems by my grandmother", "Grandma"),
    )
    assert resolved.profile.disliked == (FIRM,)
    assert resolved.unknown_titles == ("Poems by my grandmother",)
    assert resolved.dropped_ids == ("my-own-2",)


def test_two_editions_of_one_book_liked_and_disliked_are_rejected(catalog):
    uploaded = Profile(liked=[BookRef("0590353403", "HP")], disliked=[BookRef("043936213X", "HP")])
    with pytest.raises(ProfileError, match="Sorcerer's Stone.* is both liked and disliked"):
        resolve_profile(uploaded, catalog)
