"""Rows as text: one small function per serializer, registered with one line.

    text = serialize_row(row, info, template)   # the row part of a prompt only

The built-in serializations follow TabLLM (Hegselmann et al., 2023), on the first California row:
    list    - MedInc: 8.3252              (one line per feature; the seed's format)
    text    The median income is 8.33.    (one sentence per feature; TabLLM's best)
    values  - 8.33                        (one line per value, no names)
    table   a one-row Markdown table
    json    {"MedInc": 8.33, ...}
    jinja   the template's own Jinja text, rendered in the sandbox (jinja_sandbox.py)

`template.features` picks and orders the columns (default: the data set's features),
`template.readable_names` uses each feature's readable name ("median income" for MedInc), and
`template.rounding` rounds floats; values are formatted as values.py describes (NaN: "unknown").
`template.number_levels` follows each number with its level among the training rows
("8.33 (very high)", levels.py), or with `template.levels_only` writes the level instead of the
number ("very high"); Jinja templates read the levels as `levels.MedInc`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable, Mapping

import numpy as np

from workbench.data.registry import DatasetInfo
from workbench.prompts.errors import TemplateError
from workbench.prompts.jinja_sandbox import render_jinja, unknown_name_message
from workbench.prompts.levels import level_word
from workbench.prompts.values import format_value, plain_value
from workbench.specs import TemplateSpec

Row = Mapping[str, Any]
Scales = Mapping[str, np.ndarray]  # column -> sorted training values (levels.level_scales)
Serializer = Callable[[Row, DatasetInfo, TemplateSpec, Scales], str]
NO_SCALES: Scales = {}

SERIALIZERS: dict[str, Serializer] = {}


def register_serializer(name: str) -> Callable[[Serializer], Serializer]:
    def register(function: Serializer) -> Serializer:
        SERIALIZERS[name] = function
        return function

    return register


@dataclass(frozen=True)
class Field:
    """One cell as serializers use it."""

    name: str  # the column
    label: str  # what the prompt calls it: the column or its readable name
    value: str | int | float | bool  # plain and rounded (values.plain_value)
    text: str  # as printed (values.format_value)


def hidden_columns(info: DatasetInfo) -> set[str]:
    """Columns a prompt must never show: they hold the answer."""
    return {column for column in (info.label_column, info.rating_column) if column}


def template_columns(info: DatasetInfo) -> list[str]:
    """Columns a template may name: the features, then the data set's other row columns."""
    extra = (info.text_column, info.user_column, info.item_column, info.item_title_column)
    columns = list(info.feature_names)
    for column in extra:
        if column and column not in columns and column not in hidden_columns(info):
            columns.append(column)
    return columns


def selected_columns(info: DatasetInfo, template: TemplateSpec) -> list[str]:
    return list(template.features) if template.features is not None else list(info.feature_names)


def _cell(row: Row, column: str) -> Any:
    try:
        return row[column]
    except (KeyError, IndexError):
        known = [str(name) for name in row.keys()]
        raise TemplateError(unknown_name_message(column, known)) from None


def row_fields(row: Row, info: DatasetInfo, template: TemplateSpec, scales: Scales) -> list[Field]:
    readable = {feature.name: feature.label for feature in info.features}
    fields = []
    for column in selected_columns(info, template):
        value = _cell(row, column)
        label = readable.get(column, column) if template.readable_names else column
        plain, text = plain_value(value, template.rounding), format_value(value, template.rounding)
        level = level_word(scales[column], value) if column in scales else None
        if level:
            plain = text = level if template.levels_only else f"{text} ({level})"
        fields.append(Field(column, label, plain, text))
    return fields


def row_levels(row: Row, scales: Scales) -> dict[str, str]:
    """Column -> the level word of its value, for the columns that have one."""
    words = {column: level_word(scale, row.get(column)) for column, scale in scales.items()}
    return {column: word for column, word in words.items() if word}


def serialize_row(
    row: Row, info: DatasetInfo, template: TemplateSpec, scales: Scales = NO_SCALES
) -> str:
    """The row part of a prompt, by `template.serializer`; `scales` (the training rows' values)
    give the number levels when the template asks for them."""
    try:
        serializer = SERIALIZERS[template.serializer]
    except KeyError:
        known = ", ".join(sorted(SERIALIZERS))
        raise TemplateError(
            f"Unknown serializer {template.serializer!r}; known: {known}."
        ) from None
    return serializer(row, info, template, scales if template.number_levels else NO_SCALES)


@register_serializer("list")
def serialize_list(row: Row, info: DatasetInfo, template: TemplateSpec, scales: Scales) -> str:
    fields = row_fields(row, info, template, scales)
    return "\n".join(f"- {field.label}: {field.text}" for field in fields)


@register_serializer("text")
def serialize_text(row: Row, info: DatasetInfo, template: TemplateSpec, scales: Scales) -> str:
    fields = row_fields(row, info, template, scales)
    return " ".join(f"The {field.label} is {field.text}." for field in fields)


@register_serializer("values")
def serialize_values(row: Row, info: DatasetInfo, template: TemplateSpec, scales: Scales) -> str:
    return "\n".join(f"- {field.text}" for field in row_fields(row, info, template, scales))


def _table_cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")  # one line, and no column breaks


@register_serializer("table")
def serialize_table(row: Row, info: DatasetInfo, template: TemplateSpec, scales: Scales) -> str:
    fields = row_fields(row, info, template, scales)
    header = "| " + " | ".join(_table_cell(field.label) for field in fields) + " |"
    rule = "|" + "|".join("---" for _ in fields) + "|"
    values = "| " + " | ".join(_table_cell(field.text) for field in fields) + " |"
    return "\n".join((header, rule, values))


@register_serializer("json")
def serialize_json(row: Row, info: DatasetInfo, template: TemplateSpec, scales: Scales) -> str:
    fields = row_fields(row, info, template, scales)
    return json.dumps({field.label: field.value for field in fields}, ensure_ascii=False)


def jinja_variables(
    row: Row, info: DatasetInfo, template: TemplateSpec, scales: Scales = NO_SCALES
) -> dict[str, Any]:
    """Each column under its own name (plain, rounded values), and all of them as `row`, which
    also reaches names that are not identifiers: row["LOT SQFT"]; with number levels, each
    number's level word as `levels`. The label never appears."""
    if template.features is not None:
        columns = list(template.features)
    else:
        hidden = hidden_columns(info)
        columns = [name for name in row.keys() if name not in hidden]
    values = {str(column): plain_value(_cell(row, column), template.rounding) for column in columns}
    levels = row_levels({column: row[column] for column in columns}, scales)
    return {"levels": levels, **values, "row": values}


@register_serializer("jinja")
def serialize_jinja(row: Row, info: DatasetInfo, template: TemplateSpec, scales: Scales) -> str:
    return render_jinja(template.jinja or "", jinja_variables(row, info, template, scales))
