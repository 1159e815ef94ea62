"""Form widgets drawn from a spec field's own metadata, so that a label, a help text, a bound or a
step is written once, on the field (workbench.specs), and every form reads it from there:

- `title`: the label; `description`: the help;
- the bounds the spec validates (ge, gt, le, lt): the range the box offers;
- `json_schema_extra`: the widget's hints: "step", "format", "placeholder", "labels" (of a
  Literal's values), "radio" (a Literal as radio buttons), and "low" / "high": the range the box
  offers where the spec's bound is open (gt, lt) or missing.

A form names the field and the widget's key; it may give another label or help where its context
needs one ("Epochs per task"), and a range where the field has no bound of its own.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass, field
from typing import Any, Literal

import annotated_types
from pydantic import BaseModel


@dataclass(frozen=True)
class FieldForm:
    """What a form needs to draw one field."""

    name: str
    kind: Literal["number", "checkbox", "choice", "text", "list"]  # list: the form draws its own
    label: str
    help: str | None = None
    optional: bool = False  # None is a value: the box may be empty
    integer: bool = False
    low: float | int | None = None
    high: float | int | None = None
    step: float | int | None = None
    format: str | None = None
    placeholder: str | None = None
    choices: tuple = ()
    labels: dict = field(default_factory=dict)  # choice -> how the form writes it
    radio: bool = False


def _annotation_parts(annotation: Any) -> tuple[Any, bool]:
    """(the annotation without None, whether None is allowed)."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        if len(args) == 1:
            return args[0], len(args) < len(typing.get_args(annotation))
    return annotation, False


def _bounds(metadata: list) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for item in metadata:
        for name in ("ge", "gt", "le", "lt"):
            if isinstance(item, getattr(annotated_types, name.capitalize())):
                found[name] = getattr(item, name)
    return found


def field_form(model: type[BaseModel], name: str, low: float | int | None = None,
               high: float | int | None = None) -> FieldForm:
    """The field's widget as its metadata describes it; `low` / `high` give a range where the field
    has none (a form's own limit), and override the field's hints."""
    info = model.model_fields[name]
    hints = dict(info.json_schema_extra or {}) if isinstance(info.json_schema_extra, dict) else {}
    annotation, optional = _annotation_parts(info.annotation)
    common = {"name": name, "label": info.title or name.replace("_", " ").capitalize(),
              "help": info.description, "optional": optional,
              "placeholder": hints.get("placeholder")}
    if annotation is bool:
        return FieldForm(kind="checkbox", **common)
    if typing.get_origin(annotation) is Literal:
        return FieldForm(kind="choice", choices=typing.get_args(annotation),
                         labels=dict(hints.get("labels") or {}), radio=bool(hints.get("radio")),
                         **common)
    if annotation is str:
        return FieldForm(kind="text", **common)
    if typing.get_origin(annotation) is list:
        return FieldForm(kind="list", **common)
    if annotation not in (int, float):
        raise TypeError(f"{model.__name__}.{name}: no widget for {info.annotation}")
    bounds = _bounds(info.metadata)
    low = low if low is not None else hints.get("low", bounds.get("ge"))
    high = high if high is not None else hints.get("high", bounds.get("le"))
    if low is None and "gt" in bounds or high is None and "lt" in bounds:
        raise ValueError(f"{model.__name__}.{name}: an open bound needs a 'low' or 'high' hint, "
                         "the range the form's box offers")
    cast = int if annotation is int else float
    step = hints.get("step")
    return FieldForm(
        kind="number", integer=annotation is int,
        low=None if low is None else cast(low), high=None if high is None else cast(high),
        step=None if step is None else cast(step), format=hints.get("format"), **common,
    )


def field_widget(container: Any, model: type[BaseModel], name: str, key: str, *,
                 label: str | None = None, low: float | int | None = None,
                 high: float | int | None = None, **options: Any) -> Any:
    """Draw the field's widget in `container` (st, a column, an expander) under `key`; `options`
    go to the widget (persist_state, on_change, ...) and win over the field's (help, format).
    The value comes from st.session_state[key]."""
    form = field_form(model, name, low, high)
    if form.kind == "list":
        raise TypeError(f"{model.__name__}.{name}: a list needs a widget of the form's own")
    label = label or form.label
    options = {"key": key, "help": form.help, **options}
    if form.kind == "checkbox":
        return container.checkbox(label, **options)
    if form.kind == "choice":
        if form.labels:
            options.setdefault("format_func", lambda choice: form.labels.get(choice, choice))
        if form.radio:
            return container.radio(label, list(form.choices), **{"horizontal": True, **options})
        return container.selectbox(label, list(form.choices), **options)
    if form.kind == "text":
        return container.text_input(label, **{"placeholder": form.placeholder, **options})
    if form.optional:
        options = {"value": None, "placeholder": form.placeholder, **options}
    return container.number_input(label, **{
        "min_value": form.low, "max_value": form.high, "step": form.step, "format": form.format,
        **options})
