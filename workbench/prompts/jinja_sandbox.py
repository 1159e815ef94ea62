"""Render user-typed Jinja prompt templates without letting them reach Python or run for ever.

Three layers, each enough on its own for what it guards:
- jinja_rules refuses, before compiling, the constructs a prompt template has no use for
  (macros, imports, `self`, underscore names, calls other than range() and a few text methods),
  and templates nested more than 40 deep (Jinja's compiler is slow on those).
- `PromptSandbox`, an ImmutableSandboxedEnvironment with StrictUndefined and no globals but a
  capped `range`: attributes starting with `_` and methods outside a short list are refused at
  run time, `x["attr"]` never falls back to attributes, and `str.format` (a classic way around
  sandboxes) is not among the allowed methods.
- jinja_guards bounds loops, text and numbers, and lets only plain values become text; the
  output stops at 20,000 characters.

Every failure becomes a `TemplateError` with the template line when it is known.
"""

from __future__ import annotations

import difflib
import re
import types
from functools import lru_cache
from typing import Any, Iterator, Mapping

from jinja2 import StrictUndefined, Template, TemplateSyntaxError, UndefinedError
from jinja2.exceptions import SecurityError, TemplateError as JinjaTemplateError
from jinja2.nodes import Template as TemplateNode
from jinja2.sandbox import ImmutableSandboxedEnvironment

from workbench.prompts.errors import TemplateError
from workbench.prompts.jinja_guards import (
    BUDGET, MAX_TEXT_CHARS, TEMPLATE_FILTERS, Budget, capped_range, check_power, check_repeat,
    check_replace, checked_size, concat_guard, join_plain, loop_guard, percent_format, printable,
    too_long,
)
from workbench.prompts.jinja_rules import (
    ALLOWED_METHODS, CONCAT_GUARD, LOOP_GUARD, MAX_DEPTH, Violation, add_guards, find_violations,
    nesting_depth,
)

MAX_TEMPLATE_CHARS = 20_000
TEMPLATE_FILENAME = "<template>"  # Jinja's file name for compiled templates, in tracebacks


# --- the environment -------------------------------------------------------------------------


def _allowed_methods(obj: Any) -> frozenset[str]:
    return frozenset().union(
        *(names for kind, names in ALLOWED_METHODS.items() if isinstance(obj, kind))
    )


def _is_allowed_callable(obj: Any) -> bool:
    if obj is capped_range:
        return True
    owner = getattr(obj, "__self__", None)
    is_method = isinstance(obj, (types.BuiltinMethodType, types.MethodType))
    return is_method and owner is not None and obj.__name__ in _allowed_methods(owner)


class PromptSandbox(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**", "%", "+"})

    def __init__(self) -> None:
        super().__init__(
            undefined=StrictUndefined,
            autoescape=False,  # prompts are plain text, not HTML
            finalize=printable,
            trim_blocks=True,  # `{% for %}` lines leave no blank lines behind
            lstrip_blocks=True,
        )
        self.globals.clear()  # no lipsum, cycler, joiner, namespace, dict
        self.globals["range"] = capped_range
        self.filters = {**TEMPLATE_FILTERS, LOOP_GUARD: loop_guard, CONCAT_GUARD: concat_guard}

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if not super().is_safe_attribute(obj, attr, value):
            return False
        return not callable(value) or attr in _allowed_methods(obj)

    def is_safe_callable(self, obj: Any) -> bool:
        return super().is_safe_callable(obj) and _is_allowed_callable(obj)

    def wrap_str_format(self, value: Any) -> None:
        return None  # str.format is simply not an allowed method

    def getitem(self, obj: Any, argument: Any) -> Any:
        """`x[key]` is item lookup only; Jinja's fallback to attributes is left out."""
        try:
            return obj[argument]
        except (TypeError, LookupError):
            return self.undefined(obj=obj, name=argument)

    def call(__self, __context, __obj, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        owner = getattr(__obj, "__self__", None)
        if isinstance(owner, str) and __obj.__name__ == "join" and len(args) == 1 and not kwargs:
            if not __self.is_safe_callable(__obj):
                raise SecurityError("join is not allowed here")
            return join_plain(args[0], owner)  # joins items it has already checked and counted
        if isinstance(owner, str) and __obj.__name__ == "replace" and len(args) >= 2:
            check_replace(owner, *args[:3])
        return checked_size(super().call(__context, __obj, *args, **kwargs))

    def call_binop(self, context, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            check_repeat(left, right)
        elif operator == "**":
            check_power(left, right)
        elif operator == "%" and isinstance(left, str):
            return percent_format(left, right)
        return checked_size(super().call_binop(context, operator, left, right))


SANDBOX = PromptSandbox()


# --- compile and render ----------------------------------------------------------------------


def parse_template(source: str) -> TemplateNode:
    """The template's syntax tree; a syntax error becomes a TemplateError with its line."""
    if len(source) > MAX_TEMPLATE_CHARS:
        raise TemplateError(f"Templates are limited to {MAX_TEMPLATE_CHARS:,} characters.")
    try:
        ast = SANDBOX.parse(source)
    except TemplateSyntaxError as error:
        raise TemplateError(f"Syntax error: {error.message}", error.lineno) from None
    except RecursionError:
        raise _too_deep() from None
    if nesting_depth(ast) > MAX_DEPTH:
        raise _too_deep()
    return ast


def _too_deep() -> TemplateError:
    return TemplateError(
        f"The template nests brackets, blocks, operators or attributes more than {MAX_DEPTH} deep."
    )


def rule_violations(ast: TemplateNode) -> list[Violation]:
    try:
        return find_violations(ast, TEMPLATE_FILTERS, SANDBOX.tests)
    except RecursionError:
        raise _too_deep() from None


@lru_cache(maxsize=256)
def compile_template(source: str) -> Template:
    """Parse, check against the rules, add the guards, compile (cached by source text)."""
    ast = parse_template(source)
    violations = rule_violations(ast)
    if violations:
        raise TemplateError(violations[0].message, violations[0].line)
    try:
        return SANDBOX.from_string(add_guards(ast))
    except JinjaTemplateError as error:  # what the rules missed
        line = getattr(error, "lineno", None)
        raise TemplateError(f"The template cannot be compiled: {error.message}", line) from None
    except (RecursionError, SyntaxError, MemoryError):  # Python's own nesting limits
        raise _too_deep() from None


def render_jinja(source: str, variables: Mapping[str, Any]) -> str:
    """Render `source` with `variables`; any failure is a TemplateError with its line."""
    template = compile_template(source)
    token = BUDGET.set(Budget())
    try:
        return _collect(template.generate(dict(variables)))
    except TemplateError as error:
        raise _with_line(error, _template_line(error)) from None
    except Exception as error:  # noqa: BLE001 - a user's template can raise anything; say what, not crash
        raise _explain(error, variables) from None
    finally:
        BUDGET.reset(token)


def _collect(chunks: Iterator[str]) -> str:
    parts, total = [], 0
    try:
        for chunk in chunks:
            total += len(chunk)
            if total > MAX_TEXT_CHARS:
                raise too_long()
            parts.append(chunk)
    finally:
        chunks.close()
    return "".join(parts)


def _template_line(error: BaseException) -> int | None:
    """The template line of the innermost template frame; Jinja rewrites tracebacks so that
    template frames carry template line numbers."""
    line, tb = None, error.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == TEMPLATE_FILENAME:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _with_line(error: TemplateError, line: int | None) -> TemplateError:
    if error.line is not None or line is None:
        return error
    return type(error)(error.message, line)


_UNDEFINED_NAME = re.compile(r"^'([^']+)' is undefined$")
_MISSING_ATTRIBUTE = re.compile(r"^'(\w+) object' has no attribute '(.+)'$")
_UNSAFE_ATTRIBUTE = re.compile(
    r"access to attribute '([^']+)' of '([^']+)' object is unsafe"
)


def _explain(error: Exception, variables: Mapping[str, Any]) -> TemplateError:
    line = _template_line(error)
    if isinstance(error, UndefinedError):
        return TemplateError(_undefined_message(str(error), variables), line)
    if isinstance(error, SecurityError):
        return TemplateError(_security_message(str(error)), line)
    if isinstance(error, (RecursionError, MemoryError)):
        return TemplateError("The template is too costly to render.", line)
    return TemplateError(f"The template failed: {error} ({type(error).__name__}).", line)


def _undefined_message(message: str, variables: Mapping[str, Any]) -> str:
    match = _UNDEFINED_NAME.match(message)
    if match:
        return unknown_name_message(match.group(1), list(variables))
    match = _MISSING_ATTRIBUTE.match(message)
    if match:
        return f"There is no `{match.group(2)}` in this {match.group(1)}."
    return f"{message[:1].upper()}{message[1:]}."


# Globals of stock Jinja, Flask and Ansible that template-injection payloads reach for.
_FOREIGN_GLOBALS = frozenset({
    "config", "cycler", "dict", "g", "get_flashed_messages", "joiner", "lipsum", "lookup",
    "namespace", "request", "self", "session", "url_for",
})


def unknown_name_message(name: str, known: list[str]) -> str:
    if name in _FOREIGN_GLOBALS:
        return (
            f"`{name}` is not available in templates: they see the row's columns, `row` "
            "(the columns as a dict) and range(), nothing else."
        )
    message = f"`{name}` is not a column of this data set"
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
    if not close:  # a case slip: medinc for MedInc
        close = [column for column in known if column.lower() == name.lower()]
    if close:
        return message + "; did you mean " + " or ".join(f"`{c}`" for c in close) + "?"
    return message + "."


def _security_message(message: str) -> str:
    match = _UNSAFE_ATTRIBUTE.search(message)
    if match:
        return f"`.{match.group(1)}` of a {match.group(2)} is not allowed in templates."
    return f"{message.rstrip('.')}: not allowed in templates."
