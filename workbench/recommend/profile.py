"""A reader's book profile: the books they liked and disliked, saved as a small JSON file that
they can download and upload again.

    profile = Profile().like(catalog.book("059035342X")).dislike(catalog.book("044021145X"))
    profile_from_json(profile_to_json(profile)) == profile

Profiles are immutable: like, dislike and remove return a new profile.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from workbench.data import strict_json
from workbench.errors import WorkbenchError
from workbench.recommend.catalog import Catalog

FORMAT = "workbench-book-profile"
VERSION = 1
MAX_FILE_BYTES = 200_000
MAX_BOOKS = 200  # per list: more than a class needs, few enough for a prompt
MAX_TEXT_CHARS = 500  # a title, an author or an id; the catalog's longest title has 255
BOOK_FIELDS = ("book_id", "title", "author")
LISTS = ("liked", "disliked")

# One-click profile for a class: three well-known fantasy books liked, a legal thriller disliked.
STARTER_LIKED = (
    "the hobbit tolkien",
    "harry potter sorcerers stone rowling",
    "a game of thrones martin",
)
STARTER_DISLIKED = ("the firm grisham",)


class ProfileError(WorkbenchError):
    """A book profile (or a file meant to be one) cannot be used as it is."""


@dataclass(frozen=True)
class BookRef:
    """A book as a profile keeps it: enough to show it and to find it in the catalog."""

    book_id: str
    title: str
    author: str = ""

    @classmethod
    def of(cls, book: BookRef | Mapping[str, Any]) -> BookRef:
        """From a catalog row (pandas Series), a dict or a BookRef."""
        if isinstance(book, BookRef):
            return book
        return cls(str(book["book_id"]), str(book["title"]), str(book.get("author") or ""))

    @property
    def label(self) -> str:
        return f'"{self.title}"' if self.title else f"The book {self.book_id}"


@dataclass(frozen=True)
class Profile:
    """The books a reader liked and disliked, in the order they rated them."""

    liked: tuple[BookRef, ...] = ()
    disliked: tuple[BookRef, ...] = ()

    def __post_init__(self):
        # Lists of dicts or catalog rows are accepted and kept as tuples of BookRef.
        object.__setattr__(self, "liked", tuple(BookRef.of(b) for b in self.liked))
        object.__setattr__(self, "disliked", tuple(BookRef.of(b) for b in self.disliked))
        self.validate()

    def validate(self) -> Profile:
        for name in LISTS:
            books = getattr(self, name)
            if len(books) > MAX_BOOKS:
                raise ProfileError(
                    f"A profile holds at most {MAX_BOOKS} {name} books; this one has "
                    f"{len(books)}. Remove some first."
                )
            twice = first_repeated(books)
            if twice:
                raise ProfileError(f"{twice.label} is listed twice as {name}: keep it once.")
        disliked_ids = {book.book_id for book in self.disliked}
        for book in self.liked:
            if book.book_id in disliked_ids:
                raise ProfileError(f"{book.label} is both liked and disliked: keep it in one list.")
        return self

    @property
    def book_ids(self) -> tuple[str, ...]:
        """Every rated book, liked first: what recommendations leave out."""
        return tuple(book.book_id for book in self.liked + self.disliked)

    @property
    def is_empty(self) -> bool:
        return not self.liked and not self.disliked

    def opinion(self, book_id: str) -> str | None:
        """"liked", "disliked" or None."""
        for name in LISTS:
            if any(book.book_id == book_id for book in getattr(self, name)):
                return name
        return None

    def like(self, book: BookRef | Mapping[str, Any]) -> Profile:
        """The profile with `book` liked (moved from the disliked books if it was there)."""
        book = BookRef.of(book)
        if self.opinion(book.book_id) == "liked":
            return self
        return Profile(self.liked + (book,), without(self.disliked, book.book_id))

    def dislike(self, book: BookRef | Mapping[str, Any]) -> Profile:
        """The profile with `book` disliked (moved from the liked books if it was there)."""
        book = BookRef.of(book)
        if self.opinion(book.book_id) == "disliked":
            return self
        return Profile(without(self.liked, book.book_id), self.disliked + (book,))

    def remove(self, book_id: str) -> Profile:
        return Profile(without(self.liked, book_id), without(self.disliked, book_id))

    def require_ratings(self) -> Profile:
        """The profile itself; an error when there is nothing to recommend from."""
        if self.is_empty:
            raise ProfileError("The profile is empty: like or dislike at least one book.")
        return self


def without(books: tuple[BookRef, ...], book_id: str) -> tuple[BookRef, ...]:
    return tuple(book for book in books if book.book_id != book_id)


def first_repeated(books: Iterable[BookRef]) -> BookRef | None:
    seen: set[str] = set()
    for book in books:
        if book.book_id in seen:
            return book
        seen.add(book.book_id)
    return None


# --- The file ------------------------------------------------------------------------------------


def profile_to_json(profile: Profile) -> bytes:
    document = {
        "format": FORMAT,
        "version": VERSION,
        **{name: [asdict(book) for book in getattr(profile, name)] for name in LISTS},
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")


def profile_from_json(data: bytes | str) -> Profile:
    """A profile from an uploaded file; every problem is a ProfileError that says what is wrong."""
    document = parse_json_object(data)
    check_format(document)
    return Profile(**{name: read_books(document, name) for name in LISTS})


def not_a_profile(reason: str) -> ProfileError:
    return ProfileError(f"This file is not a book profile: {reason}")


def parse_json_object(data: bytes | str) -> dict:
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    if len(raw) > MAX_FILE_BYTES:
        raise not_a_profile(
            f"it is {-(-len(raw) // 1000)} KB and a profile is at most {MAX_FILE_BYTES // 1000} KB."
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise not_a_profile("it is not UTF-8 text (save profiles from this page).") from None
    if not text.strip():
        raise not_a_profile("it is empty." if not text else "it holds only blank space.")
    try:
        document = strict_json.loads(text)
    except strict_json.RepeatedName as error:
        raise not_a_profile(
            f'it names "{error.args[0]}" twice in one object, so one of them would be lost.'
        ) from None
    except json.JSONDecodeError as error:
        raise not_a_profile(
            f"it is not valid JSON ({error.msg} at line {error.lineno}, column {error.colno})."
        ) from None
    except (ValueError, RecursionError):  # a 5,000-digit number, [[[[...]]]] nested too deep
        raise not_a_profile("it is not JSON this page can read.") from None
    if not isinstance(document, dict):
        raise not_a_profile(
            'it should be a JSON object with "liked" and "disliked" lists, '
            f"not {json_type(document)}."
        )
    return document


def check_format(document: dict) -> None:
    if document.get("format") != FORMAT:
        raise not_a_profile(f'it should say "format": "{FORMAT}".')
    version = document.get("version")
    if isinstance(version, bool) or version != VERSION:
        shown = "missing" if version is None else json.dumps(version)
        raise not_a_profile(f'its "version" is {shown}; this page reads version {VERSION}.')


def read_books(document: dict, name: str) -> list[BookRef]:
    if name not in document:
        raise not_a_profile(f'it has no "{name}" list (an empty list [] is fine).')
    entries = document[name]
    if not isinstance(entries, list):
        raise not_a_profile(f'"{name}" should be a list of books, not {json_type(entries)}.')
    return [read_book(entry, f"{name} book {i}") for i, entry in enumerate(entries, 1)]


def read_book(entry: Any, where: str) -> BookRef:
    if not isinstance(entry, dict):
        raise not_a_profile(
            f'{where} should be an object with "book_id", "title" and "author", '
            f"not {json_type(entry)}."
        )
    for field in BOOK_FIELDS:
        if field not in entry:
            raise not_a_profile(f'{where} has no "{field}".')
        if not isinstance(entry[field], str):
            raise not_a_profile(
                f'{where} has a "{field}" that is {json_type(entry[field])}, not text.'
            )
        if len(entry[field]) > MAX_TEXT_CHARS:
            raise not_a_profile(
                f'{where} has a "{field}" of {len(entry[field]):,} characters; at most '
                f"{MAX_TEXT_CHARS} are kept in a profile."
            )
    if not entry["book_id"].strip():
        raise not_a_profile(f'{where} has an empty "book_id".')
    return BookRef(*(entry[field].strip() for field in BOOK_FIELDS))


def json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    names = {dict: "an object", list: "a list", str: "text", type(None): "null"}
    return names.get(type(value), type(value).__name__)


# --- The catalog ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResolvedProfile:
    profile: Profile  # catalog books under their catalog id, title and author
    unknown_titles: tuple[str, ...]  # not in the catalog: kept under their own id and title
    dropped_ids: tuple[str, ...]  # not in the catalog and without a title: left out


def resolve_profile(profile: Profile, catalog: Catalog) -> ResolvedProfile:
    """Match an uploaded profile's books with the catalog (any ISBN of an edition finds its book).

    Two editions of one book in a list count once; in both lists, the profile is rejected.
    """
    unknown: list[str] = []
    dropped: list[str] = []

    def resolve(books: tuple[BookRef, ...]) -> tuple[BookRef, ...]:
        resolved: dict[str, BookRef] = {}
        for book in books:
            if catalog.has(book.book_id):
                book = BookRef.of(catalog.book(book.book_id))
            elif book.title:
                unknown.append(book.title)
            else:
                dropped.append(book.book_id)
                continue
            resolved.setdefault(book.book_id, book)
        return tuple(resolved.values())

    matched = Profile(resolve(profile.liked), resolve(profile.disliked))
    return ResolvedProfile(matched, tuple(unknown), tuple(dropped))


def starter_profile(catalog: Catalog) -> Profile:
    """Three fantasy classics liked and a legal thriller disliked, each its most rated edition."""
    profile = Profile()
    for query in STARTER_LIKED:
        profile = profile.like(most_popular_match(catalog, query))
    for query in STARTER_DISLIKED:
        profile = profile.dislike(most_popular_match(catalog, query))
    return profile


def most_popular_match(catalog: Catalog, query: str) -> BookRef:
    hits = catalog.search(query, limit=1)
    if hits.empty:
        raise ProfileError(f"The starter book {query!r} is not in the catalog.")
    return BookRef.of(hits.iloc[0])
