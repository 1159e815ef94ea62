"""The checks that keep a prompt template's rendering small and free of Python objects.

Costs are bounded without timers: every loop iteration is counted (`loop_guard`, 10,000 per
rendering), every piece of text the template builds (`*`, `+`, `~`, `%`, filters, methods) is
checked against 20,000 characters before or right after it is made, and numbers cannot grow
without bound (`9 ** (9 ** 9)`). Only plain values (text, numbers, booleans and lists or dicts
of them) can be printed or turned into text, so no rendering shows a function or a class.
"""

from __future__ import annotations

import math
import re
from contextvars import ContextVar
from dataclasses import dataclass
from itertools import islice
from typing import Any, Iterable

from jinja2 import Undefined, pass_context, pass_environment
from jinja2.filters import FILTERS as JINJA_FILTERS

from workbench.prompts.errors import TemplateError

MAX_TEXT_CHARS = 20_000  # the rendered output, and any one piece of text built on the way
MAX_LOOP_ITERATIONS = 10_000  # all loops of one rendering together
MAX_RANGE = 10_000
MAX_NUMBER_DIGITS = 1_000


# --- limits ------------------------------------------------------------------------------------


@dataclass
class Budget:
    loops_left: int = MAX_LOOP_ITERATIONS


BUDGET: ContextVar[Budget | None] = ContextVar("prompt_template_budget", default=None)


def too_long(sequence: Any = "") -> TemplateError:
    what = (
        f"text longer than {MAX_TEXT_CHARS:,} characters" if isinstance(sequence, str)
        else f"a list of more than {MAX_TEXT_CHARS:,} items"
    )
    return TemplateError(f"The template would build {what}; prompts are limited to that. A long "
                         "text column can be cut: {{ note[:2000] }}.")


def checked_size(value: Any) -> Any:
    if isinstance(value, (str, list, tuple)) and len(value) > MAX_TEXT_CHARS:
        raise too_long(value)
    return value


def check_repeat(left: Any, right: Any) -> None:
    """`'a' * n`, `[x] * n` and int * int, before Python builds the result."""
    for sequence, count in ((left, right), (right, left)):
        if isinstance(sequence, (str, list, tuple)) and isinstance(count, int):
            if len(sequence) * count > MAX_TEXT_CHARS:
                raise too_long(sequence)
    if isinstance(left, int) and isinstance(right, int):
        if (left.bit_length() + right.bit_length()) * math.log10(2) > MAX_NUMBER_DIGITS:
            raise _number_too_large()


def _number_too_large() -> TemplateError:
    return TemplateError(
        f"The template computes a number with more than {MAX_NUMBER_DIGITS:,} digits."
    )


def check_power(base: Any, exponent: Any) -> None:
    if isinstance(base, int) and isinstance(exponent, int) and exponent > 0 and abs(base) > 1:
        if exponent * math.log10(abs(base)) > MAX_NUMBER_DIGITS:
            raise _number_too_large()


# %-conversions: flags, width and precision, the only parts that can make the result long.
_PERCENT_SPEC = re.compile(
    r"%(?:\([^)]*\))?[#0 +\-]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?[a-zA-Z%]"
)


def percent_format(template: Any, values: Any) -> str:
    """`'%.2f' % x` and the `format` filter: plain values only, widths within the text limit."""
    text = _plain_text(template)
    for width, precision in _PERCENT_SPEC.findall(text):
        for number in (width, precision):
            if number == "*" or (number and int(number) > MAX_TEXT_CHARS):
                raise too_long()
    _require_plain(values)
    return checked_size(text % values)


def capped_range(*args: int) -> range:
    numbers = range(*args)
    if len(numbers) > MAX_RANGE:
        raise TemplateError(f"range() is limited to {MAX_RANGE:,} numbers in templates.")
    return numbers


# --- plain values ----------------------------------------------------------------------------

_SCALARS = (str, int, float, bool, type(None))
_DICT_VIEWS = (type({}.keys()), type({}.values()), type({}.items()))
_CONTAINERS = (list, tuple, set, frozenset, range, *_DICT_VIEWS)


def is_plain(value: Any, depth: int = 0) -> bool:
    """Text, numbers, booleans, None, and lists / dicts of them: what a template may print."""
    if isinstance(value, _SCALARS):
        return True
    if depth > 4:
        return False
    if isinstance(value, dict):
        return all(is_plain(k, depth + 1) and is_plain(v, depth + 1) for k, v in value.items())
    if isinstance(value, _CONTAINERS):
        return all(is_plain(item, depth + 1) for item in value)
    return False


def _describe(value: Any) -> str:
    if callable(value):
        return "a function or method (call it, with parentheses)"
    return f"a {type(value).__name__} object"


def _require_plain(value: Any) -> None:
    if isinstance(value, Undefined):
        str(value)  # raises the UndefinedError that names the missing variable
    if not is_plain(value):
        raise TemplateError(
            f"A template can only print text, numbers and lists of them, not {_describe(value)}."
        )


def _plain_text(value: Any) -> str:
    _require_plain(value)
    return str(value)


def printable(value: Any) -> Any:
    """`finalize`: applied to every `{{ ... }}` before it becomes text."""
    if isinstance(value, Undefined):
        return value  # its str() raises the UndefinedError that names it
    _require_plain(value)
    return value


# --- filters ---------------------------------------------------------------------------------


def _text_filter(method):
    """A filter on text: the value must be plain; the result is checked for length."""

    def apply(value: Any, *args: Any) -> Any:
        return checked_size(method(_plain_text(value), *args))

    apply.__name__ = getattr(method, "__name__", "text_filter")
    return apply


def _replace(value: Any, old: str, new: str, count: int | None = None) -> str:
    text = _plain_text(value)
    check_replace(text, old, new, count)
    return text.replace(old, new) if count is None else text.replace(old, new, count)


def check_replace(text: str, old: Any, new: Any, count: Any = None) -> None:
    if not isinstance(old, str) or not isinstance(new, str):
        return  # str.replace raises its own TypeError
    hits = text.count(old) if old else len(text) + 1
    if isinstance(count, int) and count >= 0:
        hits = min(hits, count)
    if len(text) + hits * (len(new) - len(old)) > MAX_TEXT_CHARS:
        raise too_long()


def join_plain(value: Iterable, separator: str = "") -> str:
    items = [_plain_text(item) for item in islice(value, MAX_TEXT_CHARS + 1)]
    return checked_join(_plain_text(separator), items)


def checked_join(separator: str, items: list) -> str:
    if sum(map(len, items)) + len(separator) * max(len(items) - 1, 0) > MAX_TEXT_CHARS:
        raise too_long()
    return separator.join(items)


def _center(value: Any, width: int = 80) -> str:
    if isinstance(width, int) and width > MAX_TEXT_CHARS:
        raise too_long()
    return _plain_text(value).center(width)


def _format(value: Any, *args: Any, **kwargs: Any) -> str:
    return percent_format(value, kwargs or args)


@pass_environment
def _truncate(environment, value: Any, *args: Any, **kwargs: Any) -> str:
    truncate = JINJA_FILTERS["truncate"]
    return checked_size(truncate(environment, _plain_text(value), *args, **kwargs))


# The guards take the context only so that Jinja never runs them at compile time on constants
# (a loop over a literal list must be counted when the template renders).
@pass_context
def loop_guard(context, iterable: Any) -> list:
    """Every `for` iterates over this: a list of at most the iterations left to this rendering."""
    budget = BUDGET.get() or Budget()
    items = list(islice(iter(iterable), budget.loops_left + 1))
    if len(items) > budget.loops_left:
        raise TemplateError(
            f"The template's loops run more than {MAX_LOOP_ITERATIONS:,} times in all."
        )
    budget.loops_left -= len(items)
    return items


@pass_context
def concat_guard(context, parts: list) -> str:
    """`a ~ b`: plain values only, and not too long."""
    return checked_join("", [_plain_text(part) for part in parts])


# Jinja filters that neither turn arbitrary objects into text nor build long text.
_SAFE_JINJA_FILTERS = (
    "abs", "count", "d", "default", "dictsort", "first", "float", "int", "items", "last", "length",
    "list", "map", "max", "min", "reject", "reverse", "round", "select", "sort", "sum", "unique",
)

TEMPLATE_FILTERS: dict[str, Any] = {
    **{name: JINJA_FILTERS[name] for name in _SAFE_JINJA_FILTERS},
    "capitalize": _text_filter(str.capitalize),
    "center": _center,
    "format": _format,
    "join": join_plain,
    "lower": _text_filter(str.lower),
    "replace": _replace,
    "string": _text_filter(str),
    "title": _text_filter(str.title),
    "trim": _text_filter(str.strip),
    "truncate": _truncate,
    "upper": _text_filter(str.upper),
    "wordcount": _text_filter(lambda text: len(text.split())),
}
