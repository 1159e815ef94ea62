"""Recommender page, "Your books": search the Book-Crossing catalog, like or dislike books, keep
the profile in the session, download it and upload it again, or start from the starter profile."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from workbench.recommend.catalog import Catalog, book_catalog
from workbench.recommend.profile import (
    Profile, ProfileError, profile_from_json, profile_to_json, resolve_profile, starter_profile,
)
from workbench.ui.messages import problems_shown

PROFILE = "rec_profile"
SEARCH_HITS = 8
_UPLOADED = "rec_uploaded_file"  # the upload already applied, so a rerun does not apply it again
_NOTICE = "rec_profile_notice"  # (kind, text) shown once after a change


@st.cache_resource(show_spinner="Loading the Book-Crossing catalog ...")
def cached_catalog() -> Catalog:
    return book_catalog()


def current_profile() -> Profile:
    return st.session_state.setdefault(PROFILE, Profile())


def set_profile(profile: Profile, notice: tuple[str, str] | None = None) -> None:
    st.session_state[PROFILE] = profile
    if notice:
        st.session_state[_NOTICE] = notice


def _like(book: pd.Series) -> None:
    before = current_profile().opinion(str(book["book_id"]))
    set_profile(current_profile().like(book), ("info", f'Moved "{book["title"]}" to the books you '
                                                "like.") if before == "disliked" else None)


def _dislike(book: pd.Series) -> None:
    before = current_profile().opinion(str(book["book_id"]))
    set_profile(current_profile().dislike(book), ("info", f'Moved "{book["title"]}" to the books '
                                                   "you dislike.") if before == "liked" else None)


def _remove(book_id: str) -> None:
    set_profile(current_profile().remove(book_id))


def _starter() -> None:
    with problems_shown("Cannot build the starter profile", show=lambda text: st.session_state.
                        __setitem__(_NOTICE, ("error", text))):
        set_profile(starter_profile(cached_catalog()),
                    ("success", "Starter profile: three fantasy books liked, a legal thriller "
                                "disliked. Now press Recommend."))


def _clear() -> None:
    set_profile(Profile())


def profile_section(catalog: Catalog) -> None:
    st.subheader("1. Your books")
    notice = st.session_state.pop(_NOTICE, None)
    if notice:
        getattr(st, notice[0])(notice[1])
    left, right = st.columns([3, 2], gap="large")
    with left:
        search_box(catalog)
    with right:
        profile_lists()
        profile_files(catalog)


def search_box(catalog: Catalog) -> None:
    query = st.text_input("Search the catalog by title or author", key="rec_search",
                          placeholder="e.g. tolkien, harry potter, the da vinci code",
                          max_chars=200)
    st.button("Starter profile (3 fantasy books)", key="rec_starter", on_click=_starter,
              help="Likes The Hobbit, Harry Potter and the Sorcerer's Stone and A Game of "
                   "Thrones; dislikes The Firm. One click for a class demo.")
    if not query:
        st.caption(f"{len(catalog):,} books, most rated first. Like or dislike a few, then ask "
                   "for recommendations below.")
        return
    hits = search_hits(catalog, query, SEARCH_HITS)
    if hits is None:
        return
    profile = current_profile()
    for _, book in hits.iterrows():
        book_row(book, profile.opinion(str(book["book_id"])))


def search_hits(catalog: Catalog, query: str, limit: int) -> pd.DataFrame | None:
    """The books matching `query`, or None after saying why there are none."""
    hits = None
    with problems_shown("Cannot search the catalog", show=st.warning):
        hits = catalog.search(query, limit=limit)
    if hits is not None and hits.empty:
        suggestions = catalog.suggest(query)
        hint = f" Did you mean: {', '.join(suggestions)}?" if suggestions else ""
        st.warning(f"No book matches \"{query.strip()}\".{hint}")
        return None
    return hits


def book_row(book: pd.Series, opinion: str | None) -> None:
    book_id = str(book["book_id"])
    text, like, dislike = st.columns([6, 1, 1], vertical_alignment="center")
    year = f", {int(book['year'])}" if pd.notna(book["year"]) else ""
    mark = {"liked": " · 👍 liked", "disliked": " · 👎 disliked"}.get(opinion, "")
    text.markdown(f"**{book['title']}**  \n{book['author']}{year} · "
                  f"{int(book['n_ratings']):,} ratings{mark}")
    like.button("👍", key=f"rec_like_{book_id}", help="I like it", on_click=_like, args=(book,),
                disabled=opinion == "liked")
    dislike.button("👎", key=f"rec_dislike_{book_id}", help="I don't like it", on_click=_dislike,
                   args=(book,), disabled=opinion == "disliked")


def profile_lists() -> None:
    profile = current_profile()
    if profile.is_empty:
        st.info("No books yet: search for books you know, or load the starter profile.")
        return
    for name, books, icon in (("Liked", profile.liked, "👍"), ("Disliked", profile.disliked, "👎")):
        st.markdown(f"**{icon} {name}** ({len(books)})")
        if not books:
            st.caption("none")
        for book in books:
            text, remove = st.columns([7, 1], vertical_alignment="center")
            text.markdown(f"{book.title}  \n:gray[{book.author}]")
            remove.button("✕", key=f"rec_remove_{name}_{book.book_id}", help="Remove",
                          on_click=_remove, args=(book.book_id,))
    st.button("Clear the profile", key="rec_clear", on_click=_clear)


def profile_files(catalog: Catalog) -> None:
    profile = current_profile()
    st.download_button("Download the profile", data=profile_to_json(profile),
                       file_name="book-profile.json", mime="application/json",
                       key="rec_download", disabled=profile.is_empty, icon="⬇️")
    upload = st.file_uploader("Upload a profile", type=["json"], key="rec_upload",
                              max_upload_size=1,  # MB; profile_from_json allows 200 KB
                              help="A file saved with Download the profile.")
    if upload is None:
        return
    # The upload's own id, not its content: the same file uploaded again (after clearing or
    # editing the profile) is a new upload and loads again.
    if st.session_state.get(_UPLOADED) == upload.file_id:
        return
    data = upload.getvalue()
    try:
        resolved = resolve_profile(profile_from_json(data), catalog)
    except ProfileError as error:
        st.error(f"{upload.name}: {error}")
        return
    st.session_state[_UPLOADED] = upload.file_id
    unknown = (f" Not in the catalog, kept under their own titles: {', '.join(resolved.unknown_titles)}."
               if resolved.unknown_titles else "")
    dropped = (f" Left out {len(resolved.dropped_ids)} books with neither a title nor an id of "
               f"the catalog ({', '.join(resolved.dropped_ids[:5])})." if resolved.dropped_ids else "")
    set_profile(resolved.profile, ("success", f"Loaded {len(resolved.profile.liked)} liked and "
                                              f"{len(resolved.profile.disliked)} disliked books "
                                              f"from {upload.name}.{unknown}{dropped}"))
    st.rerun()
