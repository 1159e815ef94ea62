"""Few-shot examples: class-balanced, seeded, deterministic."""

from __future__ import annotations

import pandas as pd
import pytest

from workbench.prompts import TemplateError, select_shots


def frame(counts: dict[str, int]) -> pd.DataFrame:
    labels = [name for name, count in counts.items() for _ in range(count)]
    return pd.DataFrame({"x": range(len(labels)), "label": labels})


@pytest.mark.parametrize("shots", [1, 2, 4, 7, 16])
def test_classes_are_balanced(shots):
    rows = select_shots(frame({"no": 50, "yes": 10}), "label", ("no", "yes"), shots, seed=0)
    counts = rows["label"].value_counts().reindex(["no", "yes"], fill_value=0)
    assert len(rows) == shots
    assert abs(counts["no"] - counts["yes"]) <= 1


def test_same_seed_same_rows_other_seed_other_rows():
    train = frame({"no": 500, "yes": 500})
    first = select_shots(train, "label", ("no", "yes"), 8, seed=3)
    again = select_shots(train, "label", ("no", "yes"), 8, seed=3)
    other = select_shots(train, "label", ("no", "yes"), 8, seed=4)
    assert first.index.tolist() == again.index.tolist()
    assert first.index.tolist() != other.index.tolist()


def test_a_small_class_gives_what_it_has_and_the_others_fill_in():
    rows = select_shots(frame({"no": 20, "yes": 2}), "label", ("no", "yes"), 8, seed=0)
    assert rows["label"].value_counts().to_dict() == {"no": 6, "yes": 2}


def test_fewer_rows_than_shots_gives_every_row():
    rows = select_shots(frame({"no": 2, "yes": 1}), "label", ("no", "yes"), 8, seed=0)
    assert sorted(rows["x"]) == [0, 1, 2]


def test_rows_without_a_known_class_are_never_picked():
    train = pd.DataFrame({"label": ["no", None, "maybe", "yes"] * 5})
    rows = select_shots(train, "label", ("no", "yes"), 6, seed=1)
    assert set(rows["label"]) == {"no", "yes"}


def test_the_order_does_not_follow_the_classes():
    train = frame({"no": 100, "yes": 100})
    orders = {
        tuple(select_shots(train, "label", ("no", "yes"), 6, seed).label) for seed in range(10)
    }
    assert len(orders) > 2  # not always no, yes, no, yes, ...


def test_no_shots_needs_no_training_rows():
    assert select_shots(None, "label", ("no", "yes"), 0, seed=0).empty


def test_shots_without_training_rows_is_an_error():
    with pytest.raises(TemplateError, match="training rows"):
        select_shots(None, "label", ("no", "yes"), 4, seed=0)


def test_no_labelled_row_is_an_error():
    with pytest.raises(TemplateError, match="No training row"):
        select_shots(frame({"maybe": 3}), "label", ("no", "yes"), 2, seed=0)
