"""What a prompt template may use, checked on the parsed template before it is compiled.

A prompt template turns one row into text, so it needs variables, `if`, `for`, `set`, filters
and a few text methods. Everything else Jinja offers (macros, imports, call blocks, recursive
loops, `self`) is refused here with the line it is on: those are the ways to reach Python
internals or to make a template run for ever. The sandbox (jinja_sandbox.py) enforces the same
at run time; these rules exist to give a clear message, with a line number, while the user types.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Collection, Iterator

from jinja2 import nodes
from jinja2.runtime import LoopContext
from jinja2.visitor import NodeTransformer

# The only methods a template may call, by the type of the object they are called on.
ALLOWED_METHODS: dict[type, frozenset[str]] = {
    str: frozenset({
        "capitalize", "count", "endswith", "find", "isalpha", "isdigit", "isnumeric", "join",
        "lower", "lstrip", "replace", "rsplit", "rstrip", "split", "splitlines", "startswith",
        "strip", "title", "upper",
    }),
    dict: frozenset({"get", "items", "keys", "values"}),
    float: frozenset({"is_integer"}),
    LoopContext: frozenset({"changed", "cycle"}),
}
METHOD_NAMES = frozenset().union(*ALLOWED_METHODS.values())

# Names of the guard filters the compiler inserts; a space keeps users from typing them.
LOOP_GUARD = "loop guard"
CONCAT_GUARD = "concat guard"

_UNAVAILABLE_TAGS: dict[type, str] = {
    nodes.Macro: "{% macro %}",
    nodes.CallBlock: "{% call %}",
    nodes.FilterBlock: "{% filter %}",
    nodes.Extends: "{% extends %}",
    nodes.Include: "{% include %}",
    nodes.Import: "{% import %}",
    nodes.FromImport: "{% from ... import %}",
    nodes.Block: "{% block %}",
    nodes.ScopedEvalContextModifier: "{% autoescape %}",
    nodes.EvalContextModifier: "{% autoescape %}",
    nodes.ExprStmt: "{% do %}",
}

_UNDERSCORE = "names starting with an underscore reach Python internals"


# Jinja's code generator takes time cubic in the nesting depth (a 300-deep attribute chain
# takes seconds to compile); real prompt templates nest a handful of levels.
MAX_DEPTH = 40


def nesting_depth(ast: nodes.Node) -> int:
    """How deep the syntax tree goes (iteratively: a deep tree must not exhaust the stack)."""
    deepest, stack = 0, [(ast, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > MAX_DEPTH:
            break
        stack.extend((child, depth + 1) for child in node.iter_child_nodes())
    return deepest


@dataclass(frozen=True)
class Violation:
    line: int | None
    message: str


def walk(
    node: nodes.Node, parent: nodes.Node | None = None
) -> Iterator[tuple[nodes.Node, nodes.Node | None]]:
    """Every node below `node` (included) with its parent, innermost first: in
    `lipsum.__globals__.os.popen()` the `__globals__` is what to report, not the call."""
    for child in node.iter_child_nodes():
        yield from walk(child, node)
    yield node, parent


def find_violations(
    ast: nodes.Template, filters: Collection[str], tests: Collection[str]
) -> list[Violation]:
    found = []
    for node, parent in walk(ast):
        message = _violation(node, parent, filters, tests)
        if message:
            found.append((type(node) not in _UNAVAILABLE_TAGS, Violation(node.lineno, message)))
    # An unavailable tag explains the rest: {% macro m() %} first, then the call m() inside it.
    return [violation for _, violation in sorted(found, key=lambda item: item[0])]


def _violation(node, parent, filters: Collection[str], tests: Collection[str]) -> str | None:
    if type(node) in _UNAVAILABLE_TAGS:
        return f"{_UNAVAILABLE_TAGS[type(node)]} is not available in prompt templates."
    if isinstance(node, nodes.For) and node.recursive:
        return "Recursive loops are not available in prompt templates."
    if isinstance(node, nodes.Name) and node.ctx == "load":
        return _name_violation(node, parent)
    if isinstance(node, nodes.Getattr):
        return _getattr_violation(node, parent)
    if isinstance(node, nodes.Getitem):
        key = node.arg.value if isinstance(node.arg, nodes.Const) else None
        if isinstance(key, str) and key.startswith("_"):
            return f'["{key}"] is not allowed in templates: {_UNDERSCORE}.'
    if isinstance(node, nodes.Call):
        return _call_violation(node)
    if isinstance(node, nodes.Filter) and node.name not in filters:
        return f"The filter `{node.name}` is not available in templates."
    if isinstance(node, nodes.Test) and node.name not in tests:
        return f"The test `{node.name}` is not available in templates."
    return None


def _name_violation(node: nodes.Name, parent) -> str | None:
    if node.name == "self":
        return (
            "`self` is not allowed in templates (Jinja reserves it for the template object); "
            'a column named self is row["self"].'
        )
    if node.name == "range" and not (isinstance(parent, nodes.Call) and parent.node is node):
        return "`range` is a function: call it, as in range(3)."
    if node.name == "loop" and not (isinstance(parent, nodes.Getattr) and parent.node is node):
        return "Use loop.index, loop.first, loop.last ... rather than `loop` itself."
    return None


def _getattr_violation(node: nodes.Getattr, parent) -> str | None:
    if node.attr.startswith("_"):
        return f"`.{node.attr}` is not allowed in templates: {_UNDERSCORE}."
    called = isinstance(parent, nodes.Call) and parent.node is node
    if node.attr in METHOD_NAMES and not called:
        return f"`.{node.attr}` is a method: call it, as in .{node.attr}()."
    return None


def _call_violation(node: nodes.Call) -> str | None:
    target = node.node
    if isinstance(target, nodes.Name):
        if target.name in {"range", "self"}:
            return None  # range() is allowed; self is reported as a name
        return f"`{target.name}()` is not available in templates: the only function is range()."
    if isinstance(target, nodes.Getattr):
        if target.attr in METHOD_NAMES or target.attr.startswith("_"):
            return None  # allowed, or reported as an attribute
        return (
            f"Calling `.{target.attr}()` is not allowed in templates; text and row methods such as "
            ".upper(), .split() and .items() are, and filters such as | round(2) or | format."
        )
    return "Only range() and methods such as .upper() can be called in templates."


class _AddGuards(NodeTransformer):
    def visit_For(self, node: nodes.For) -> nodes.For:
        node = self.generic_visit(node)
        node.iter = _guard(node.iter, LOOP_GUARD)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Filter:
        node = self.generic_visit(node)
        return _guard(nodes.List(node.nodes, lineno=node.lineno), CONCAT_GUARD)


def _guard(node: nodes.Expr, name: str) -> nodes.Filter:
    return nodes.Filter(node, name, [], [], None, None, lineno=node.lineno)


def add_guards(ast: nodes.Template) -> nodes.Template:
    """Route every loop's iterable and every `~` through the sandbox's guard filters, which count
    loop iterations and check that joined text is plain and not too long."""
    return _AddGuards().visit(ast)
