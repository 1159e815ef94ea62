"""TALLRec questions built from the embedded ratings: Book-Crossing and MovieLens as yes/no rows.

    tallrec_input(["Dune" by ...], [], target, "book")   # the three-line input TALLRec writes

Each row asks whether a user will like a target item, given up to 10 of their other items split
into liked and disliked, in the layout of the TALLRec files (workbench.data.tallrec), so the same
templates, training and baselines read both. The recipes follow TALLRec (Bao et al., 2023):
- books: explicit Book-Crossing ratings (1-10) of known books, like = rating > 5, users with more
  than 3 such ratings; a user's books are shuffled (seeded) and each target's history is up to 10
  of the books before it in that order;
- movies: MovieLens ratings, like = rating > 3; a user's movies in time order and each target's
  history is the previous 10.
A user gives at most TARGETS_PER_USER rows (the last positions of their order), so heavy raters
do not dominate; rows keep `user_id`, and these data sets split by user.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import numpy as np
import pandas as pd

from workbench.data import tallrec
from workbench.data.registry import DatasetInfo, Feature, get_info, register

HISTORY_ITEMS = 10
BUILD_SEED = 0


@dataclass(frozen=True)
class Recipe:
    domain: str  # "book" or "movie"
    min_ratings: int  # a user needs more than this many usable ratings
    targets_per_user: int
    shuffle: bool  # books: shuffled history; movies: time order


BOOK_RECIPE = Recipe("book", min_ratings=3, targets_per_user=1, shuffle=True)
MOVIE_RECIPE = Recipe("movie", min_ratings=10, targets_per_user=10, shuffle=False)


# --- writing items and inputs --------------------------------------------------------------------


def _clean(text: str) -> str:
    # A double quote inside a title would end the item early for TALLRec's parser, and a line
    # break would break its three-line layout.
    return str(text).replace('"', "'").replace("\r", " ").replace("\n", " ")


def book_item(title: str, author: str | None) -> str:
    """`"Title" written by Author`, as TALLRec's book files write an item."""
    return f'"{_clean(title)}" written by {_clean(author) if author else "an unknown author"}'


def movie_item(title: str, year: int | None) -> str:
    """`"Title (1995)"`, as TALLRec's movie files write an item."""
    return f'"{_clean(title)} ({year})"' if year is not None and not pd.isna(year) else f'"{_clean(title)}"'


def tallrec_input(liked: Iterable[str], disliked: Iterable[str], target: str, domain: str) -> str:
    """The three lines of a TALLRec input from written items (book_item / movie_item). As in
    TALLRec's files, a book target is quoted once more and a movie target is not."""
    asked = f'"{target}"' if domain == "book" else target
    return "\n".join([
        f"{tallrec.PREFERENCE} {', '.join(liked)}",
        f"{tallrec.UNPREFERENCE} {', '.join(disliked)}",
        f"Whether the user will like the target {domain} {asked}?",
    ])


def instruction_for(domain: str) -> str:
    return tallrec.INSTRUCTION.format(item=domain)


# --- building rows -------------------------------------------------------------------------------


def question_rows(ratings: pd.DataFrame, recipe: Recipe, seed: int = BUILD_SEED) -> pd.DataFrame:
    """TALLRec rows from ratings with columns user_id, item_id, item (written), title, liked
    (bool) and, for time order, timestamp."""
    rng = np.random.default_rng(seed)
    counts = ratings.groupby("user_id", sort=True).size()
    users = counts.index[counts > recipe.min_ratings]
    ratings = ratings[ratings["user_id"].isin(users)]
    order = ["user_id", "timestamp"] if not recipe.shuffle else ["user_id"]
    ratings = ratings.sort_values(order, kind="stable")
    instruction = instruction_for(recipe.domain)
    rows = []
    for user_id, history in ratings.groupby("user_id", sort=False):
        if recipe.shuffle:
            history = history.iloc[rng.permutation(len(history))]
        items, liked = history["item"].to_numpy(), history["liked"].to_numpy()
        first_target = max(min(HISTORY_ITEMS, recipe.min_ratings), len(history) - recipe.targets_per_user)
        for position in range(first_target, len(history)):
            earlier = slice(max(0, position - HISTORY_ITEMS), position)
            kept, kept_liked = items[earlier], liked[earlier]
            target = history.iloc[position]
            rows.append({
                "user_id": int(user_id),
                "item_id": target["item_id"],
                "target_item": target["title"],
                "instruction": instruction,
                "input": tallrec_input(
                    kept[kept_liked], kept[~kept_liked], target["item"], recipe.domain),
                "output": "Yes." if target["liked"] else "No.",
            })
    frame = pd.DataFrame(rows)
    frame[tallrec.LABEL] = frame["output"].map(tallrec.OUTPUT_LABELS)
    return frame


def book_ratings() -> pd.DataFrame:
    from workbench.data import load

    frame = load("book-crossing").frame
    explicit = frame[(frame["rating"] > 0) & frame["title"].notna()]
    return pd.DataFrame({
        "user_id": explicit["user_id"].to_numpy(),
        "item_id": explicit["isbn"].astype(str).to_numpy(),
        "title": explicit["title"].astype(str).to_numpy(),
        "item": [book_item(t, a) for t, a in zip(explicit["title"].astype(str), explicit["author"])],
        "liked": (explicit["rating"] > 5).to_numpy(),
    })


def movie_ratings() -> pd.DataFrame:
    from workbench.data import load

    frame = load("movielens").frame
    return pd.DataFrame({
        "user_id": frame["user_id"].to_numpy(),
        "item_id": frame["movie_id"].astype(str).to_numpy(),
        "title": frame["title"].astype(str).to_numpy(),
        "item": [movie_item(t, y) for t, y in zip(frame["title"].astype(str), frame["year"])],
        "liked": (frame["rating"] > 3).to_numpy(),
        "timestamp": frame["timestamp"].to_numpy(),
    })


def load_book_questions() -> pd.DataFrame:
    return question_rows(book_ratings(), BOOK_RECIPE)


def load_movie_questions() -> pd.DataFrame:
    return question_rows(movie_ratings(), MOVIE_RECIPE)


def questions_info(domain: str, name: str, ratings: str, like_rule: str, loader) -> DatasetInfo:
    recipe = BOOK_RECIPE if domain == "book" else MOVIE_RECIPE
    history = "up to 10 shuffled" if recipe.shuffle else "the previous 10 (in time order)"
    per_user = ("One question per user" if recipe.targets_per_user == 1
                else f"At most {recipe.targets_per_user} questions per user")
    origin = get_info(ratings)
    return DatasetInfo(
        name=name,
        title=f"{origin.title.removesuffix(' ratings')} as TALLRec questions",
        kind="recommendation",
        description=(
            f"One row per question, written like TALLRec's files: {history} of a user's rated "
            f"{domain}s as liked and disliked, then a target {domain} they rated. Task: will the "
            f"user like the target {domain} (answer Yes. or No.). {per_user}; splits keep each "
            "user in one part."
        ),
        source=f"built here with TALLRec's recipe from {origin.source}",
        license="as the ratings it is built from",
        label_column=tallrec.LABEL,
        classes=tallrec.CLASSES,
        features=(Feature("input", "text", f"the user's {domain}s and the target {domain}"),),
        loader=loader,
        text_column="input",
        user_column="user_id",
        item_column="item_id",
        item_title_column="target_item",
        group_split=True,
        label_rule=f"like = {like_rule}, as TALLRec",
    )


register(questions_info(
    "book", "book-crossing-tallrec", "book-crossing", "rating > 5 of 10", load_book_questions))
register(questions_info(
    "movie", "movielens-tallrec", "movielens", "rating > 3 of 5", load_movie_questions))
