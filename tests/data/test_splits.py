"""make_splits: determinism, disjointness, stratification, groups, the seed notebook's protocol."""

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import train_test_split

from workbench.data import get_info, load
from workbench.data.registry import DatasetInfo
from workbench.data.splits import make_splits
from workbench.errors import DataValidationError


@pytest.fixture(scope="module")
def california():
    return load("california-housing")


def small_info(classes=("no", "yes")) -> DatasetInfo:
    return DatasetInfo(
        name="small", title="small", kind="tabular", description="", source="", license="",
        label_column="label", classes=classes, features=(), loader=lambda: None,
    )


def all_positions(splits) -> np.ndarray:
    return np.concatenate([splits.train, splits.val, splits.test])


def test_the_same_seed_gives_the_same_splits(california):
    frame, info = california
    first, again = make_splits(frame, info, seed=7), make_splits(frame, info, seed=7)
    other = make_splits(frame, info, seed=8)
    for name in ("train", "val", "test"):
        np.testing.assert_array_equal(getattr(first, name), getattr(again, name))
    assert not np.array_equal(first.test, other.test)


def test_splits_are_disjoint_and_cover_every_row(california):
    frame, info = california
    splits = make_splits(frame, info)
    positions = all_positions(splits)
    assert len(positions) == len(frame) == len(np.unique(positions))
    assert splits.sizes == {"train": 14_448, "val": 2_064, "test": 4_128}
    assert splits.stratified and splits.warnings == ()


def test_stratified_splits_keep_the_class_shares():
    frame, info = load("universal-bank")  # 9.6% positive: stratification matters here
    splits = make_splits(frame, info)
    overall = (frame[info.label_column] == info.positive).mean()
    for part in splits.frames(frame):
        share = (part[info.label_column] == info.positive).mean()
        assert share == pytest.approx(overall, abs=0.005)


def test_unstratified_test_split_is_the_seed_notebooks(california):
    frame, info = california
    splits = make_splits(frame, info, seed=42, test_fraction=0.2, stratify=False)
    _, notebook_test = train_test_split(range(len(frame)), test_size=0.2, random_state=42)
    np.testing.assert_array_equal(splits.test, notebook_test)


def test_no_validation_split_when_asked_for_none(california):
    frame, info = california
    splits = make_splits(frame, info, val_fraction=0)
    assert splits.sizes == {"train": 16_512, "val": 0, "test": 4_128}


def test_rows_without_a_label_are_in_no_split():
    frame = pd.DataFrame({"label": pd.Categorical(["yes", None, "no"] * 20, ["no", "yes"])})
    splits = make_splits(frame, small_info())
    positions = all_positions(splits)
    assert len(positions) == 40
    assert frame["label"].iloc[positions].notna().all()


def test_group_splits_share_no_user():
    frame, info = load("movielens")
    splits = make_splits(frame, info, group_column=info.user_column)
    parts = (splits.train, splits.val, splits.test)
    users = [set(frame[info.user_column].iloc[part]) for part in parts]
    assert not (users[0] & users[1] or users[0] & users[2] or users[1] & users[2])
    assert len(all_positions(splits)) == len(frame)
    assert sum(len(group) for group in users) == 671
    assert not splits.stratified and splits.group_column == info.user_column
    assert len(splits.test) == pytest.approx(0.2 * len(frame), rel=0.25)


def test_group_splits_are_deterministic():
    frame, info = load("movielens")
    first = make_splits(frame, info, group_column="user_id", seed=3)
    again = make_splits(frame, info, group_column="user_id", seed=3)
    np.testing.assert_array_equal(first.val, again.val)


def test_tiny_data_falls_back_to_unstratified_with_a_warning():
    frame = pd.DataFrame({"label": ["no"] * 9 + ["yes"]})
    splits = make_splits(frame, small_info())
    assert not splits.stratified
    assert "'yes' has only 1 row" in splits.warnings[0]
    assert sorted(all_positions(splits)) == list(range(10))


def test_too_few_rows_is_an_error():
    frame = pd.DataFrame({"label": ["no", "yes"]})
    with pytest.raises(DataValidationError, match="too few"):
        make_splits(frame, small_info())


def test_too_few_groups_is_an_error():
    frame = pd.DataFrame({"label": ["no", "yes"] * 5, "user": [1] * 10})
    with pytest.raises(DataValidationError, match="1 groups"):
        make_splits(frame, small_info(), group_column="user")


@pytest.mark.parametrize("test_fraction, val_fraction", [(0, 0.1), (1, 0), (0.5, 0.5), (0.2, -0.1)])
def test_impossible_fractions_are_errors(california, test_fraction, val_fraction):
    frame, info = california
    with pytest.raises(DataValidationError):
        make_splits(frame, info, test_fraction=test_fraction, val_fraction=val_fraction)


def test_a_missing_label_column_is_an_error(california):
    frame, _ = california
    with pytest.raises(DataValidationError, match="no label column"):
        make_splits(frame, get_info("adult-income"))


def test_split_positions_cannot_be_changed(california):
    frame, info = california
    splits = make_splits(frame, info)
    with pytest.raises(ValueError):
        splits.test[0] = 0
