"""parse_spec: a mapping to a validated spec, or a SpecError listing every problem in words
(where, what, the field meant when a name is misspelt, advice for easily misjudged bounds)."""

from __future__ import annotations

import difflib
from typing import Annotated, Any

from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from workbench.specs.base import SpecError
from workbench.specs.runs import RUN_KINDS, AnySpec, kinds_text

MAX_LISTED_PROBLEMS = 12
_RUN_SPEC = TypeAdapter(Annotated[AnySpec, Field(discriminator="kind")])


# Advice added to pydantic's message for fields whose bounds are easy to misjudge.
_FIELD_HINTS = {
    "learning_rate": "fine-tuning uses about 1e-5 (full) to 1e-3 (LoRA); above 1 the loss diverges",
    "head_learning_rate": "about 1e-3; above 1 the loss diverges",
}


def _section_fields(kind: str | None, parts: list[str]) -> list[str]:
    """The field names of the spec section at `parts` (for "did you mean"), or []."""
    model: Any = RUN_KINDS[kind].spec if kind in RUN_KINDS else None
    for part in parts:
        if model is None or part.isdigit():
            continue
        field = model.model_fields.get(part)
        if field is None:
            return []
        model = next((arg for arg in _model_types(field.annotation)), None)
    return list(model.model_fields) if model is not None else []


def _model_types(annotation: Any) -> list[type]:
    """The pydantic models inside an annotation (Optional[X], list[X], X)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [found for arg in getattr(annotation, "__args__", ()) for found in _model_types(arg)]


def _unknown_field_message(kind: str | None, parts: list[str]) -> str:
    known = _section_fields(kind, parts[:-1])
    message = "not a field of this spec (a typo?)"
    close = difflib.get_close_matches(parts[-1], known, n=1, cutoff=0.6) if parts else []
    if close:
        return f"{message}; did you mean `{close[0]}`?"
    if known:
        return f"{message}; the fields here are: {', '.join(known)}"
    return message


def _problem_line(item: dict) -> str:
    parts = [str(part) for part in item["loc"] if not str(part).startswith("function-")]
    kind = None
    if parts and parts[0] in RUN_KINDS:
        kind, parts = parts[0], parts[1:]  # the union's tag, already known from `kind`
    where = ".".join(parts)
    if item["type"] == "extra_forbidden":
        message = _unknown_field_message(kind, parts)
    elif item["type"] == "union_tag_invalid":
        where = "kind"
        message = f"{item['input'].get('kind')!r} is not a run kind; use {kinds_text()}"
    else:
        message = item["msg"].removeprefix("Value error, ")
        hint = _FIELD_HINTS.get(parts[-1] if parts else "")
        if hint and item["type"] in {"less_than_equal", "greater_than", "finite_number"}:
            message = f"{message} ({hint})"
    return f"- {where or 'spec'}: {message}"


def _format_errors(error: ValidationError) -> str:
    lines = [_problem_line(item) for item in error.errors()]
    if len(lines) > MAX_LISTED_PROBLEMS:
        more = len(lines) - MAX_LISTED_PROBLEMS
        lines = lines[:MAX_LISTED_PROBLEMS] + [f"- ... and {more} more problem{'s' * (more > 1)}"]
    return "\n".join(lines)


def parse_spec(data: Any) -> AnySpec:
    """The spec a mapping (as read from YAML) describes; `kind` defaults to evaluate."""
    if not isinstance(data, dict):
        given = "nothing" if data is None else f"a {_type_name(data)}"
        raise SpecError(
            f"A spec is a mapping with at least `kind:` ({kinds_text()}); this one is {given}.")
    data = {"kind": "evaluate", **data} if "kind" not in data else data
    try:
        return _RUN_SPEC.validate_python(data)
    except ValidationError as error:
        raise SpecError("The spec is not valid:\n" + _format_errors(error)) from None


def _type_name(value: Any) -> str:
    names = {list: "list", str: "text", int: "number", float: "number", bool: "boolean"}
    return names.get(type(value), type(value).__name__)

