"""Everything wrong with a template for a data set, in plain language, fast enough for every
keystroke of the template editor.

    problems = validate_template(template, info)   # [] when it is ready to use
"""

from __future__ import annotations

import difflib
from collections import Counter
from dataclasses import dataclass
from typing import Any, Mapping

from jinja2 import meta, nodes

from workbench.data.registry import DatasetInfo
from workbench.prompts.errors import TemplateError
from workbench.prompts.jinja_rules import walk
from workbench.prompts.jinja_sandbox import parse_template, rule_violations, unknown_name_message
from workbench.prompts.serializers import hidden_columns, serialize_row, template_columns
from workbench.specs import TemplateSpec

# Names every template sees besides the columns.
TEMPLATE_NAMES = frozenset({"row", "range", "loop", "levels"})


@dataclass(frozen=True)
class TemplateProblem:
    line: int | None  # line of the Jinja template (1-based), when the problem is in it
    message: str

    def __str__(self) -> str:
        return f"Line {self.line}: {self.message}" if self.line is not None else self.message


def validate_template(
    template: TemplateSpec, info: DatasetInfo, sample: Mapping[str, Any] | None = None
) -> list[TemplateProblem]:
    """Problems with answers, features and (for the jinja serializer) the Jinja text.

    `sample`: a real row to try the template on; by default a made-up row of the data set's
    columns is used, which catches unknown names and most type slips.
    """
    problems = answer_problems(template, info) + feature_problems(template, info)
    if template.serializer == "jinja":
        problems += jinja_problems(template, info, sample)
    return problems


def _suggest(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    if not close:
        close = [item for item in known if item.lower() == name.lower()]
    return f"; did you mean `{close[0]}`?" if close else "."


def answer_problems(template: TemplateSpec, info: DatasetInfo) -> list[TemplateProblem]:
    classes = list(info.classes)
    listed = ", ".join(classes)
    problems = [
        TemplateProblem(None, f"No answer word for the class `{name}` (classes: {listed}).")
        for name in classes
        if name not in template.answers
    ]
    problems += [
        TemplateProblem(
            None,
            f"`{key}` is not a class of this data set (classes: {listed}){_suggest(key, classes)}",
        )
        for key in template.answers
        if key not in classes
    ]
    return problems


def feature_problems(template: TemplateSpec, info: DatasetInfo) -> list[TemplateProblem]:
    if template.features is None:
        return []
    if not template.features:
        return [TemplateProblem(None, "Choose at least one feature.")]
    known = template_columns(info)
    problems = []
    for name in template.features:
        if name in hidden_columns(info):
            problems.append(TemplateProblem(None, _gives_answer_away(name)))
        elif name not in known:
            message = f"`{name}` is not a feature of this data set{_suggest(name, known)}"
            problems.append(TemplateProblem(None, message))
    problems += [
        TemplateProblem(None, f"`{name}` is listed twice in the features.")
        for name, count in Counter(template.features).items()
        if count > 1
    ]
    return problems


def _gives_answer_away(name: str) -> str:
    return f"`{name}` holds the answer: a prompt that shows it gives the answer away."


def jinja_problems(
    template: TemplateSpec, info: DatasetInfo, sample: Mapping[str, Any] | None
) -> list[TemplateProblem]:
    try:
        ast = parse_template(template.jinja or "")
        problems = _unique([TemplateProblem(v.line, v.message) for v in rule_violations(ast)])
        problems += _unknown_name_problems(ast, template, info)
    except TemplateError as error:
        return [TemplateProblem(error.line, error.message)]
    if problems:
        return problems  # a trial rendering would only repeat the first of them
    try:
        text = serialize_row(
            sample if sample is not None else sample_row(info, template), info, template
        )
    except TemplateError as error:
        return [TemplateProblem(error.line, error.message)]
    if not text.strip():
        return [TemplateProblem(None, BLANK_ROW_TEXT)]
    return []


BLANK_ROW_TEXT = (
    "The Jinja template writes no text for the sample row (only whitespace), so the prompt "
    "would not show the model the row: check its {% if %} conditions and that it prints "
    "columns with {{ ... }}."
)


def _unique(problems: list[TemplateProblem]) -> list[TemplateProblem]:
    return list(dict.fromkeys(problems))


def _available_columns(template: TemplateSpec, info: DatasetInfo) -> list[str]:
    return list(template.features) if template.features is not None else template_columns(info)


def _unknown_name_problems(
    ast: nodes.Template, template: TemplateSpec, info: DatasetInfo
) -> list[TemplateProblem]:
    available = _available_columns(template, info)
    problems = []
    for name in sorted(_undeclared_names(ast) - TEMPLATE_NAMES - set(available)):
        if name in hidden_columns(info):
            message = _gives_answer_away(name)
        elif name in template_columns(info):
            message = f"`{name}` is not among the template's features: add it to them."
        else:
            message = unknown_name_message(name, available)
        problems.append(TemplateProblem(_first_line_of(ast, name), message))
    return sorted(problems, key=lambda problem: problem.line or 0)


def _undeclared_names(ast: nodes.Template) -> set[str]:
    try:
        return meta.find_undeclared_variables(ast)
    except Exception:  # noqa: BLE001 - it compiles, so an unknown filter stops it: count by hand
        names = [node for node, _ in walk(ast) if isinstance(node, nodes.Name)]
        loaded = {node.name for node in names if node.ctx == "load"}
        return loaded - {node.name for node in names if node.ctx != "load"}


def _first_line_of(ast: nodes.Template, name: str) -> int | None:
    lines = [
        node.lineno for node, _ in walk(ast)
        if isinstance(node, nodes.Name) and node.name == name and node.ctx == "load"
    ]
    return min(lines) if lines else None


_SAMPLE_VALUES = {"numeric": 1.5, "categorical": "some category", "text": "Some text."}


def sample_row(info: DatasetInfo, template: TemplateSpec) -> dict[str, Any]:
    """A made-up row with every column a template may name, for trial renderings."""
    types = {feature.name: feature.type for feature in info.features}
    return {
        column: _SAMPLE_VALUES.get(types.get(column, "numeric"), 1)
        for column in _available_columns(template, info)
    }
