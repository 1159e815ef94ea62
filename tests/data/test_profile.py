"""Profiles: real numbers on California housing and Book-Crossing, exact ones on small frames."""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from workbench.data import load
from workbench.data import profile
from workbench.data.registry import DatasetInfo, Feature


@pytest.fixture(scope="module")
def california():
    return load("california-housing")


def _info(**fields) -> DatasetInfo:
    base = DatasetInfo(
        name="small", title="Small", kind="tabular", description="", source="", license="",
        label_column="label", classes=("no", "yes"),
        features=(Feature("x", "numeric"), Feature("color", "categorical")),
        loader=lambda: pd.DataFrame(),
    )
    return replace(base, **fields)


SMALL = pd.DataFrame(
    {
        "x": [1.0, 2.0, 3.0, 4.0, np.nan, 6.0],
        "color": ["red", "red", "blue", None, "blue", "red"],
        "label": ["yes", "yes", "no", "no", None, "yes"],
    }
)


# --- California housing ------------------------------------------------------------------------


def test_california_overview(california):
    frame, info = california
    summary = profile.overview(frame, info)
    assert summary.rows == 20_640
    assert summary.columns == 9
    assert summary.positive_class == "yes"
    assert summary.positive_rows == 10_317
    assert summary.labelled_rows == 20_640
    assert summary.missing_cells == 0


def test_california_class_balance(california):
    balance = profile.class_balance(*california)
    assert balance["class"].tolist() == ["no", "yes"]
    assert balance["rows"].tolist() == [10_323, 10_317]
    assert balance["share"].sum() == pytest.approx(1.0)


def test_california_median_income_is_most_related(california):
    relation = profile.feature_relation(*california)
    assert relation.rows_used == 20_640  # small enough to use every row
    assert relation.table["feature"].iloc[0] == "MedInc"
    assert relation.table["mutual_information"].iloc[0] > 0.2
    assert set(relation.table["feature"]) == set(california.info.feature_names)
    assert (relation.table["mutual_information"] >= 0).all()


def test_california_schema(california):
    schema = profile.schema_table(*california).set_index("column")
    assert schema.loc["valuable", "role"] == "label"
    assert schema.loc["MedInc", "role"] == "feature"
    assert schema.loc["MedInc", "type"] == "numeric"
    assert schema.loc["MedInc", "description"] == "median income"  # Feature.readable
    assert schema.loc["HouseAge", "distinct"] == 52
    assert schema["missing"].sum() == 0


def test_california_numeric_summary(california):
    summary = profile.numeric_summary(*california).set_index("feature")
    assert summary.loc["HouseAge", "max"] == 52
    assert summary.loc["MedInc", "count"] == 20_640


def test_california_histogram_separates_the_classes(california):
    frame, info = california
    histogram = profile.numeric_histogram(frame, info, "MedInc")
    table = histogram.table
    assert set(table["label"]) == {"no", "yes"}
    for _, rows in table.groupby("label"):
        assert rows["share"].sum() == pytest.approx(1.0)
    means = {
        label: np.average(rows["bin_center"], weights=rows["rows"])
        for label, rows in table.groupby("label")
    }
    assert means["yes"] > means["no"] + 1.0  # richer blocks have pricier houses
    assert 0 < histogram.outside < 300  # 1% of the rows are outside the drawn range


def test_whole_numbers_get_one_bin_each(california):
    histogram = profile.numeric_histogram(*california, "HouseAge")
    widths = histogram.table["bin_end"] - histogram.table["bin_start"]
    assert (widths == 1.0).all()


# --- small frames --------------------------------------------------------------------------------


def test_unlabelled_rows_are_counted_apart():
    balance = profile.class_balance(SMALL, _info())
    assert balance.set_index("class")["rows"].to_dict() == {"no": 2, "yes": 3, profile.MISSING_LABEL: 1}
    summary = profile.overview(SMALL, _info())
    assert summary.labelled_rows == 5
    assert summary.positive_rows == 3
    assert summary.missing_cells == 3


def test_multiclass_overview_has_no_positive_class():
    frame = pd.DataFrame({"x": [1, 2, 3], "label": ["a", "b", "c"]})
    info = _info(classes=("a", "b", "c"), features=(Feature("x", "numeric"),))
    summary = profile.overview(frame, info)
    assert summary.positive_class is None and summary.positive_rows is None
    assert summary.class_count == 3


def test_category_label_shares():
    shares = profile.category_label_shares(SMALL, _info(), "color")
    red = shares[shares["category"] == "red"].set_index("label")
    assert red.loc["yes", "share"] == pytest.approx(1.0)
    assert red.loc["yes", "rows"] == 3
    blue = shares[shares["category"] == "blue"].set_index("label")
    assert blue.loc["no", "share"] == pytest.approx(1.0)  # the unlabelled blue row is left out
    assert profile.MISSING_VALUE in set(shares["category"])


def test_rare_categories_are_grouped():
    frame = pd.DataFrame({"c": [f"v{i}" for i in range(30)] + ["common"] * 30,
                          "label": ["yes", "no"] * 30})
    info = _info(features=(Feature("c", "categorical"),))
    shares = profile.category_label_shares(frame, info, "c", top=5)
    assert shares["category"].nunique() == 6
    assert profile.OTHER_VALUES in set(shares["category"])


def test_relation_skips_text_and_finds_the_informative_feature():
    rng = np.random.default_rng(0)
    label = rng.choice(["no", "yes"], 2_000)
    frame = pd.DataFrame(
        {
            "signal": np.where(label == "yes", 1.0, 0.0) + rng.normal(0, 0.3, 2_000),
            "noise": rng.normal(0, 1, 2_000),
            "group": rng.choice(list("abc"), 2_000),
            "note": ["some free text"] * 2_000,
            "label": label,
        }
    )
    info = _info(features=(
        Feature("signal", "numeric"), Feature("noise", "numeric"),
        Feature("group", "categorical"), Feature("note", "text"),
    ))
    relation = profile.feature_relation(frame, info, sample_rows=500)
    assert relation.rows_used == 500
    assert relation.skipped == ("note",)
    assert relation.table["feature"].iloc[0] == "signal"
    assert relation.table.set_index("feature").loc["noise", "mutual_information"] < 0.05


def test_relation_with_one_class_is_empty():
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0], "color": list("abc"), "label": ["yes"] * 3})
    assert profile.feature_relation(frame, _info()).table.empty


def test_histogram_of_a_column_without_numbers():
    frame = SMALL.assign(x=np.nan)
    assert profile.numeric_histogram(frame, _info(), "x").table.empty


def test_examples_and_samples_are_seeded():
    frame = pd.DataFrame({"x": range(100), "label": ["no", "yes"] * 50})
    info = _info(features=(Feature("x", "numeric"),))
    examples = profile.examples_per_class(frame, info, per_class=3)
    assert examples["label"].tolist() == ["no"] * 3 + ["yes"] * 3
    assert examples.equals(profile.examples_per_class(frame, info, per_class=3))
    assert len(profile.sample_rows(frame, 10)) == 10
    assert len(profile.sample_rows(frame.head(4), 10)) == 4


def test_text_lengths_and_summary():
    frame = pd.DataFrame({"text": ["one two three", "four", "", None], "label": ["a", "b", "a", "b"]})
    info = _info(kind="text", classes=("a", "b"), features=(Feature("text", "text"),),
                 text_column="text")
    lengths = profile.text_lengths(frame, info)
    assert lengths["words"].tolist() == [3, 1, 0, 0]
    assert lengths["characters"].tolist() == [13, 4, 0, 0]
    summary = profile.text_length_summary(lengths).set_index("label")
    assert summary.loc["a", "max"] == 3
    assert summary.loc["b", "rows"] == 2
    whole = profile.text_length_profile(frame, info)
    assert whole.rows_used == 4
    assert whole.histogram.table.groupby("label")["rows"].sum().to_dict() == {"a": 2, "b": 2}


def test_log_binned_counts():
    bins = profile.log_binned_counts(pd.Series([1, 1, 2, 4, 9, 10, 250]))
    assert bins["bin"].tolist() == ["1", "2", "3–4", "5–9", "10–19", "20–49", "50–99", "100–199",
                                    "200–499"]
    assert bins["count"].tolist() == [2, 1, 1, 1, 1, 0, 0, 0, 1]
    assert profile.log_binned_counts(pd.Series([40, 60]))["bin"].iloc[0] == "20–49"


# --- recommendation: Book-Crossing (1.15M rows) --------------------------------------------------


@pytest.fixture(scope="module")
def book_crossing():
    return load("book-crossing")


def test_book_crossing_profile_is_fast_and_right(book_crossing):
    frame, info = book_crossing
    start = time.perf_counter()
    summary = profile.overview(frame, info)
    balance = profile.class_balance(frame, info).set_index("class")["rows"]
    relation = profile.feature_relation(frame, info)
    schema = profile.schema_table(frame, info)
    stats = profile.recommendation_summary(frame, info)
    per_user = profile.log_binned_counts(profile.rating_counts(frame, info.user_column))
    top = profile.top_items(frame, info)
    elapsed = time.perf_counter() - start
    assert elapsed < 15, f"profiling Book-Crossing took {elapsed:.1f} s"

    assert summary.rows == 1_149_780
    assert balance[profile.MISSING_LABEL] == 716_109  # implicit ratings (0) have no label
    assert balance["yes"] + balance["no"] == summary.labelled_rows
    assert relation.rows_used == profile.RELATION_SAMPLE_ROWS
    assert "title" in relation.skipped
    assert set(schema.set_index("column")["role"][["user_id", "isbn", "rating", "liked"]]) == {
        "user", "item", "rating", "label"}
    assert stats.users == per_user["count"].sum() > 100_000
    assert top["ratings"].is_monotonic_decreasing
    assert {"item", "title", "ratings", "liked share", "mean rating"} <= set(top.columns)
    assert top["title"].map(lambda t: isinstance(t, str)).all()
