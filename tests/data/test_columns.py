"""The first label guess on an upload and the columns flagged for a second look."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.your_table import applications
from workbench.data.columns import column_flags, label_problem, suggest_label_column
from workbench.data.tables import TableChoice, prepare_table


def credit_card_shape(rows: int = 200) -> pd.DataFrame:
    """The issue's table: yes/no columns in front and the middle, a 35-valued count last."""
    rng = np.random.default_rng(1)
    return pd.DataFrame({
        "card": rng.choice(["yes", "no"], rows), "reports": rng.integers(0, 5, rows),
        "income": rng.gamma(3, 1.2, rows).round(3), "owner": rng.choice(["yes", "no"], rows),
        "selfemp": rng.choice(["yes", "no"], rows), "active": np.arange(rows) % 35,
    })


def test_the_guess_is_a_yes_no_column_at_an_end_not_the_last_column_the_page_refuses():
    frame = credit_card_shape()
    assert label_problem(frame, "active") is not None  # 35 classes: the old guess
    assert suggest_label_column(frame) == "card"
    assert suggest_label_column(frame[["reports", "income", "card", "owner", "active"]]) == "owner"


@pytest.mark.parametrize("name", ["label", "Target", "outcome", "y"])
def test_a_column_named_like_a_label_wins_when_it_can_be_one(name):
    frame = credit_card_shape().rename(columns={"reports": name})
    assert suggest_label_column(frame) == name


def test_a_named_label_the_page_would_refuse_is_passed_over():
    frame = credit_card_shape()
    frame["label"] = "yes"  # one class
    assert label_problem(frame, "label") == (
        "'label' has one value ('yes') in the rows that have one: a label needs at least two "
        "classes.")
    assert suggest_label_column(frame) == "card"
    only_missing = frame.assign(label=[None] * (len(frame) - 1) + ["yes"])  # one class once
    assert suggest_label_column(only_missing) == "card"                    # blanks are dropped


def test_without_any_possible_label_the_guess_is_named_or_last_and_says_why():
    frame = pd.DataFrame({"x": np.arange(50.0), "Target": ["a"] * 50, "z": np.arange(50)})
    assert suggest_label_column(frame) == "Target"
    assert "one value" in label_problem(frame, "Target")
    assert suggest_label_column(frame.drop(columns="Target")) == "z"


def test_row_ids_and_a_leaking_column_are_flagged_and_honest_columns_are_not():
    frame = applications()
    frame.insert(0, "customer_id", [f"C-{i:05d}" for i in range(len(frame))])
    frame.insert(1, "row", np.arange(1, len(frame) + 1))
    frame["approved_limit"] = np.where(frame["card"] == "yes", 1_000.0, 0.0) + np.random.default_rng(
        0).normal(0, 50, len(frame))
    table = prepare_table(frame, TableChoice("card", "yes"))
    flags = {flag.column: flag for flag in column_flags(table.data, "card", table.classes, table.roles)}
    assert set(flags) == {"customer_id", "row", "approved_limit"}
    assert flags["row"].kind == flags["customer_id"].kind == "row id"
    assert flags["approved_limit"].kind == "leak" and "AUC 1.000" in flags["approved_limit"].reason


def test_an_id_column_of_unique_categories_does_not_look_predictive():
    """Out-of-fold encoding: a unique value per row says nothing about the label."""
    frame = applications()
    frame["ticket"] = [f"t{i}" for i in range(len(frame))]
    table = prepare_table(frame, TableChoice("card", "yes"))
    flags = column_flags(table.data, "card", table.classes, table.roles)
    assert [(flag.column, flag.kind) for flag in flags] == [("ticket", "row id")]
