"""Each serializer's exact text on the first California row, and value formatting."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.prompts import SERIALIZERS, TemplateError, serialize_row
from workbench.prompts.values import format_value, plain_value
from workbench.specs import TemplateSpec

ROUNDED_LIST = """\
- MedInc: 8.33
- HouseAge: 41
- AveRooms: 6.98
- AveBedrms: 1.02
- Population: 322
- AveOccup: 2.56
- Latitude: 37.88
- Longitude: -122.23"""

TEXT_READABLE = (
    "The median income is 8.33. The median house age is 41. The average number of rooms is 6.98. "
    "The average number of bedrooms is 1.02. The population is 322. The average occupancy is "
    "2.56. The latitude is 37.88. The longitude is -122.23."
)


def serialize(row, info, **fields) -> str:
    return serialize_row(row, info, TemplateSpec(**fields))


def test_the_first_row_is_sklearns(first_row, row_dict):
    assert first_row.to_dict() == row_dict


def test_every_issue_serializer_is_registered():
    assert {"list", "text", "values", "table", "json", "jinja"} <= set(SERIALIZERS)


def test_list_rounded_is_the_seeds_format(first_row, california_info):
    assert serialize(first_row, california_info, serializer="list") == ROUNDED_LIST


def test_list_unrounded_with_readable_names_and_a_subset(first_row, california_info):
    text = serialize(
        first_row, california_info, serializer="list", rounding=None, readable_names=True,
        features=["HouseAge", "MedInc", "AveRooms"],
    )
    assert text == (
        "- median house age: 41\n- median income: 8.3252\n"
        "- average number of rooms: 6.984126984126984"
    )


def test_text_is_tabllms_sentences(first_row, california_info):
    text = serialize(first_row, california_info, serializer="text", readable_names=True)
    assert text == TEXT_READABLE


def test_text_unrounded_with_column_names(first_row, california_info):
    text = serialize(
        first_row, california_info, serializer="text", rounding=None,
        features=["MedInc", "HouseAge"],
    )
    assert text == "The MedInc is 8.3252. The HouseAge is 41."


def test_values_only(first_row, california_info):
    assert serialize(first_row, california_info, serializer="values", rounding=1) == (
        "- 8.3\n- 41\n- 7\n- 1\n- 322\n- 2.6\n- 37.9\n- -122.2"
    )


def test_table(first_row, california_info):
    text = serialize(
        first_row, california_info, serializer="table", readable_names=True,
        features=["MedInc", "HouseAge", "Latitude"],
    )
    assert text == (
        "| median income | median house age | latitude |\n"
        "|---|---|---|\n"
        "| 8.33 | 41 | 37.88 |"
    )


def test_json_keeps_numbers_as_numbers(first_row, california_info):
    text = serialize(first_row, california_info, serializer="json", features=["MedInc", "HouseAge"])
    assert text == '{"MedInc": 8.33, "HouseAge": 41}'


def test_a_plain_dict_row_gives_the_same_text_as_a_series(first_row, row_dict, california_info):
    for name in ("list", "text", "values", "table", "json"):
        assert serialize(first_row, california_info, serializer=name) == serialize(
            row_dict, california_info, serializer=name
        )


def test_jinja_sees_columns_and_row(first_row, california_info):
    template = "Income {{ MedInc }}, age {{ row['HouseAge'] }}, {{ '%.1f' | format(Latitude) }}"
    text = serialize(first_row, california_info, serializer="jinja", jinja=template)
    assert text == "Income 8.33, age 41, 37.9"


def test_jinja_loops_over_the_row_without_the_label(first_row, california_info):
    template = "{% for name, value in row.items() %}{{ name }}={{ value }};{% endfor %}"
    text = serialize(first_row, california_info, serializer="jinja", jinja=template, rounding=0)
    assert text == (
        "MedInc=8;HouseAge=41;AveRooms=7;AveBedrms=1;Population=322;AveOccup=3;Latitude=38;"
        "Longitude=-122;"
    )


def test_jinja_reaches_columns_that_are_no_identifiers(houses_info):
    row = {"LOT SQFT": 9965, "YR BUILT": 1880.0, "REMODEL": "None", "high_value": "no"}
    template = (
        'Lot: {{ row["LOT SQFT"] }} sq ft, built {{ row["YR BUILT"] }}, remodel {{ REMODEL }}'
    )
    text = serialize(row, houses_info, serializer="jinja", jinja=template)
    assert text == "Lot: 9965 sq ft, built 1880, remodel None"


def test_jinja_feature_subset_limits_the_variables(first_row, california_info):
    spec = TemplateSpec(
        serializer="jinja", jinja="{{ row | length }} {{ MedInc }}", features=["MedInc"]
    )
    assert serialize_row(first_row, california_info, spec) == "1 8.33"


def test_a_missing_column_names_it(row_dict, california_info):
    row = {key: value for key, value in row_dict.items() if key != "HouseAge"}
    with pytest.raises(TemplateError, match="HouseAge"):
        serialize(row, california_info, serializer="list")


@pytest.mark.parametrize(
    "value, rounding, text",
    [
        (8.3252, 2, "8.33"),
        (8.3252, None, "8.3252"),
        (41.0, 2, "41"),  # whole floats print as integers
        (np.int64(7), 2, "7"),
        (np.float32(6.98), None, "6.98"),
        (-0.001, 2, "0"),
        (float("nan"), 2, "unknown"),
        (None, 2, "unknown"),
        (np.bool_(True), 2, "true"),
        ("Private", 2, "Private"),
    ],
)
def test_value_formatting(value, rounding, text):
    assert format_value(value, rounding) == text


def test_plain_values_are_python_types():
    assert type(plain_value(np.float64(1.5), 2)) is float
    assert type(plain_value(np.int64(3), 2)) is int
    assert plain_value(np.nan, 2) == "unknown"


def test_missing_values_read_unknown(row_dict, california_info):
    row = {**row_dict, "MedInc": float("nan")}
    assert serialize(row, california_info, serializer="text", features=["MedInc"]) == (
        "The MedInc is unknown."
    )
    assert serialize(row, california_info, serializer="json", features=["MedInc"]) == (
        '{"MedInc": "unknown"}'
    )


def test_table_cells_stay_on_one_line(houses_info):
    row = {"LOT SQFT": 1, "YR BUILT": 2, "REMODEL": "a|b\nc", "high_value": "no"}
    text = serialize(row, houses_info, serializer="table", features=["REMODEL"])
    assert text.splitlines()[-1] == "| a\\|b c |"
