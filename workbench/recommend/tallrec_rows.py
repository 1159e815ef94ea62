"""TALLRec rows parsed for the classic recommenders (workbench.recommend.baselines): each row's
target (item, author, domain, liked) and its history items, one line each, with the rows' labels
checked and every unshaped row answered in words.

    rows = parse_rows(frame, "training", with_labels=True)
    rows.targets, rows.history
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbench.baselines import BaselineError
from workbench.data.tallrec import (
    BOOK_ITEM,
    CLASSES,
    PREFERENCE,
    TARGET,
    UNPREFERENCE,
    parse_input,
)

SHOWN_INPUT_CHARS = 120


@dataclass
class Rows:
    """Parsed TALLRec rows: one line per row, one line per history item (row = position)."""

    targets: pd.DataFrame  # item, author, domain, liked (1/0, NaN when the label is not used)
    history: pd.DataFrame  # row, item, author, liked (1/0)

    def take(self, positions: np.ndarray) -> Rows:
        """The rows at `positions`, renumbered 0..k-1."""
        renumber = pd.Series(np.arange(len(positions)), index=positions)
        history = self.history[self.history["row"].isin(positions)]
        history = history.assign(row=renumber[history["row"]].to_numpy())
        return Rows(self.targets.iloc[positions].reset_index(drop=True), history)


def author_key(author: str | None) -> str | None:
    """Book-Crossing writes one author as "CORMAC MCCARTHY" and "Cormac McCarthy"."""
    return " ".join(author.casefold().split()) if author else None


def listing_authors(line: str, prefix: str) -> tuple[str | None, ...]:
    listing = line[len(prefix):].strip() if line.startswith(prefix) else ""
    return tuple(author_key(match["author"]) for match in BOOK_ITEM.finditer(listing))


def parse_row(text: str) -> dict | None:
    """Titles from parse_input, plus the domain and (books) each item's author; None if unshaped."""
    parsed = parse_input(text)
    if parsed["target_item"] is None:
        return None
    lines = text.split("\n")
    target = TARGET.match(lines[-1])
    book = target["domain"] == "book"
    target_author = BOOK_ITEM.fullmatch(target["item"]) if book else None
    liked_authors = listing_authors(lines[0], PREFERENCE) if book else ()
    disliked_authors = listing_authors(lines[1], UNPREFERENCE) if book else ()
    return {
        "item": parsed["target_item"],
        "author": author_key(target_author["author"]) if target_author else None,
        "domain": target["domain"],
        "liked_items": parsed["liked_items"],
        "disliked_items": parsed["disliked_items"],
        "liked_authors": liked_authors or (None,) * len(parsed["liked_items"]),
        "disliked_authors": disliked_authors or (None,) * len(parsed["disliked_items"]),
    }


def shorten(text: str) -> str:
    text = repr(text)
    return text if len(text) <= SHOWN_INPUT_CHARS else text[: SHOWN_INPUT_CHARS - 3] + "..."


def history_frame(parsed: pd.DataFrame, side: str, liked: int) -> pd.DataFrame:
    part = pd.DataFrame({
        "row": np.arange(len(parsed)),
        "item": parsed[f"{side}_items"].to_numpy(),
        "author": parsed[f"{side}_authors"].to_numpy(),
    }).explode(["item", "author"]).dropna(subset=["item"])
    return part.assign(liked=liked)


def parse_rows(frame: pd.DataFrame, role: str, with_labels: bool) -> Rows:
    if not isinstance(frame, pd.DataFrame) or frame.empty:
        raise BaselineError(f"The {role} rows are empty: a baseline needs {role} rows.")
    if "input" not in frame.columns:
        raise BaselineError(f"The {role} rows have no 'input' column (the TALLRec question).")
    texts = frame["input"].astype("string").fillna("").to_list()
    parsed = [parse_row(text) for text in texts]
    unshaped = [index for index, row in enumerate(parsed) if row is None]
    if unshaped:
        raise BaselineError(
            f"{len(unshaped):,} of {len(frame):,} {role} rows are not TALLRec questions (three "
            "lines: User Preference: ..., User Unpreference: ..., Whether the user will like "
            f"the target ...?). The first, row {unshaped[0]}: {shorten(texts[unshaped[0]])}"
        )
    parsed = pd.DataFrame(parsed)
    targets = parsed[["item", "author", "domain"]].assign(
        liked=training_labels(frame, role) if with_labels else np.nan
    )
    history = pd.concat(
        [history_frame(parsed, "liked", 1), history_frame(parsed, "disliked", 0)],
        ignore_index=True,
    )
    return Rows(targets, history)


def training_labels(frame: pd.DataFrame, role: str) -> np.ndarray:
    if "label" not in frame.columns:
        raise BaselineError(f"The {role} rows have no 'label' column (yes or no).")
    labels = frame["label"].astype("string").str.strip().str.lower()
    odd = sorted(set(labels.fillna("(missing)")) - set(CLASSES))
    if odd:
        raise BaselineError(f"The {role} labels must be yes or no; found {odd[:5]}.")
    if labels.nunique() < 2:
        raise BaselineError(
            f"The {role} rows all say {labels.iloc[0]!r}: a recommender needs liked and "
            "disliked targets to learn from."
        )
    return (labels == "yes").to_numpy(dtype=np.float64)


def check_same_domain(train: Rows, test: Rows) -> None:
    domains = set(train.targets["domain"]) | set(test.targets["domain"])
    if len(domains) > 1:
        raise BaselineError(
            f"The rows mix domains ({', '.join(sorted(domains))}): train and test on one of them."
        )
