"""TALLRec questions built from Book-Crossing and MovieLens, and TALLRec files as run rows."""

import json

import numpy as np
import pandas as pd
import pytest

from workbench.data import load
from workbench.data.tallrec import BOOK_ITEM, parse_input, read_tallrec
from workbench.data.tallrec_rows import book_item, movie_item, tallrec_input
from workbench.errors import DataValidationError, DatasetUnavailableError
from workbench.rows import prepare_rows
from workbench.specs import DataSpec, SpecError, apply_overrides, parse_spec


@pytest.fixture(scope="module")
def book_questions():
    return load("book-crossing-tallrec")


@pytest.fixture(scope="module")
def movie_questions():
    return load("movielens-tallrec")


def test_inputs_are_written_exactly_like_tallrec_files(tallrec_dir):
    """Rebuilding real TALLRec inputs from their parsed items gives the same text."""
    for domain in ("book", "movie"):
        frame = read_tallrec(tallrec_dir / domain / "test.json").head(200)
        for text, row in zip(frame["input"], frame.to_dict("records")):
            if domain == "book":
                lines = text.split("\n")
                liked = [book_item(m["title"], m["author"]) for m in BOOK_ITEM.finditer(lines[0][17:])]
                disliked = [book_item(m["title"], m["author"]) for m in BOOK_ITEM.finditer(lines[1][19:])]
                target = BOOK_ITEM.fullmatch(lines[2].split("target book ", 1)[1][1:-2])
                rebuilt = tallrec_input(liked, disliked, book_item(target["title"], target["author"]), "book")
            else:
                quote = lambda title: f'"{title}"'  # noqa: E731 - movie titles carry their year
                rebuilt = tallrec_input([quote(t) for t in row["liked_items"]],
                                        [quote(t) for t in row["disliked_items"]],
                                        quote(row["target_item"]), "movie")
            if '"' not in "".join(row["liked_items"] + row["disliked_items"]):
                assert rebuilt == text


def test_book_questions_follow_tallrecs_recipe(book_questions):
    frame, info = book_questions
    ratings = load("book-crossing").frame
    explicit = ratings[(ratings["rating"] > 0) & ratings["title"].notna()]
    per_user = explicit.groupby("user_id").size()
    assert len(frame) == (per_user > 3).sum() == frame["user_id"].nunique()  # one question a user
    assert info.group_split and info.text_column == "input"
    parsed = pd.DataFrame([parse_input(text) for text in frame["input"]])
    assert parsed["target_item"].notna().all()
    history = parsed["liked_items"].map(len) + parsed["disliked_items"].map(len)
    assert history.between(3, 10).all()
    # Labels are the user's own rating of the target: like = rating > 5.
    sample = frame.sample(300, random_state=0)
    rated = sample.merge(explicit[["user_id", "isbn", "rating"]].astype({"isbn": str}),
                         left_on=["user_id", "item_id"], right_on=["user_id", "isbn"])
    assert len(rated) >= 300
    assert ((rated["rating"] > 5) == (rated["label"] == "yes")).groupby(rated["user_id"]).any().all()


def test_movie_history_is_the_previous_ten_in_time_order(movie_questions):
    frame, _ = movie_questions
    ratings = load("movielens").frame
    assert frame.groupby("user_id").size().max() == 10
    row = frame.iloc[123]
    mine = ratings[ratings["user_id"] == row["user_id"]].sort_values("timestamp", kind="stable")
    position = int(np.flatnonzero(mine["movie_id"].astype(str).to_numpy() == row["item_id"])[0])
    before = mine.iloc[position - 10:position]
    expected_liked = [movie_item(t, y)[1:-1] for t, y, r in zip(before["title"], before["year"], before["rating"]) if r > 3]
    assert list(parse_input(row["input"])["liked_items"]) == expected_liked
    assert row["label"] == ("yes" if mine.iloc[position]["rating"] > 3 else "no")


def test_questions_split_by_user(book_questions):
    rows = prepare_rows(DataSpec(dataset="book-crossing-tallrec", n_train=64, n_test=100))
    users = [set(part["user_id"]) for part in (rows.train, rows.val, rows.test)]
    assert not (users[0] & users[2]) and not (users[1] & users[2]) and not (users[0] & users[1])
    assert len(rows.train) == 64 and len(rows.test) == 100


# --- TALLRec files as the rows of a run ----------------------------------------------------------


def test_files_give_training_validation_and_test_rows(tallrec_dir):
    book = tallrec_dir / "book"
    data = DataSpec(dataset="tallrec-book", train_file=str(book / "valid.json"),
                    test_file=str(book / "test.json"), n_train=256)
    rows = prepare_rows(data)
    assert (len(rows.train), len(rows.val), len(rows.test)) == (256, 243, 2427)
    assert not set(rows.train["row_id"]) & set(rows.val["row_id"])
    assert rows.test["row_id"].tolist() == list(range(2427))  # positions in the test file
    swapped = prepare_rows(data.model_copy(update={
        "train_file": str(book / "test.json"), "test_file": str(book / "valid.json")}))
    assert swapped.fingerprint != rows.fingerprint


def test_a_relative_file_path_is_stored_absolute(tallrec_dir, monkeypatch):
    monkeypatch.chdir(tallrec_dir)
    spec = apply_overrides(parse_spec({"kind": "evaluate"}),
                           ["dataset=tallrec-movie", "test_file=movie/test.json"])
    assert spec.data.test_file == str((tallrec_dir / "movie" / "test.json").resolve())
    rows = prepare_rows(spec.data)
    assert len(rows.train) == 0 and len(rows.test) == 1000  # zero-shot needs no training file


def test_file_problems_are_explained(tallrec_dir, tmp_path):
    with pytest.raises(DatasetUnavailableError, match="needs a TALLRec JSON file"):
        prepare_rows(DataSpec(dataset="tallrec-book"))
    with pytest.raises(DatasetUnavailableError, match="No TALLRec file at"):
        prepare_rows(DataSpec(dataset="tallrec-book", train_file=str(tmp_path / "missing.json")))
    with pytest.raises(DataValidationError, match="asks about movies, not books"):
        prepare_rows(DataSpec(dataset="tallrec-book",
                              train_file=str(tallrec_dir / "movie" / "valid.json")))
    with pytest.raises(DataValidationError, match="is not read from files"):
        prepare_rows(DataSpec(dataset="california-housing",
                              train_file=str(tallrec_dir / "book" / "valid.json")))
    one_answer = tmp_path / "yes.json"
    records = json.loads((tallrec_dir / "book" / "valid.json").read_text())
    one_answer.write_text(json.dumps([r for r in records if r["output"] == "Yes."][:20]))
    with pytest.raises(DataValidationError, match="same label"):
        prepare_rows(DataSpec(dataset="tallrec-book", train_file=str(one_answer)))
    with pytest.raises(SpecError):
        parse_spec({"kind": "evaluate", "data": {"dataset": "tallrec-book", "train_file": 3}})
