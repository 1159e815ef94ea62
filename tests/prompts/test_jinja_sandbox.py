"""Template injection: known payloads render nothing dangerous and fail with a clear message."""

from __future__ import annotations

import time

import pytest
from jinja2.exceptions import SecurityError, UndefinedError

from workbench.prompts import TemplateError, serialize_row
from workbench.prompts.jinja_guards import MAX_LOOP_ITERATIONS, MAX_TEXT_CHARS
from workbench.prompts.jinja_sandbox import SANDBOX, render_jinja
from workbench.specs import TemplateSpec

# Server-side template injection payloads, from the usual attribute walks to resource exhaustion.
PAYLOADS = [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ ''.__class__.__base__.__subclasses__() }}",
    "{{ ().__class__.__base__.__subclasses__() }}",
    "{{ [].__class__.__mro__[-1].__subclasses__() }}",
    "{{ config }}",
    "{{ config.items() }}",
    "{{ self }}",
    "{{ self.__init__.__globals__ }}",
    "{{ self._TemplateReference__context }}",
    "{{ lipsum.__globals__['os'].popen('id').read() }}",
    "{{ lipsum.__globals__.__builtins__.__import__('os').popen('id').read() }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ joiner.__init__.__globals__.os.popen('id').read() }}",
    "{{ namespace.__init__.__globals__.os.popen('id').read() }}",
    "{{ request }}",
    "{{ request.application.__globals__.__builtins__.__import__('os').popen('id').read() }}",
    "{{ namespace }}",
    "{{ range.__globals__ }}",
    "{{ row.__class__ }}",
    "{{ row.__class__.__init__.__globals__ }}",
    "{{ MedInc.__class__.__mro__ }}",
    "{{ row['__class__'] }}",
    "{{ row['__cl' ~ 'ass__'] }}",
    "{{ MedInc | attr('__class__') }}",
    "{{ (MedInc | string)['__class__'] }}",
    "{{ '{0.__class__}'.format(MedInc) }}",
    "{{ '{0.__class__.__mro__}'.format(row) }}",
    "{{ '%s' | format(row.items) }}",
    "{{ 'abc'.upper ~ '' }}",
    "{{ row.get }}",
    "{{ row.pop('MedInc') }}",
    "{{ row.update({'MedInc': 1}) }}",
    "{% set x = row.__class__ %}{{ x }}",
    "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}",
    "{% import 'os' as os %}",
    "{% include '/etc/passwd' %}",
    "{% extends '/etc/passwd' %}",
    "{% for x in range(10**9) %}a{% endfor %}",
    "{% for a in range(10000) %}{% for b in range(10000) %}{% endfor %}{% endfor %}",
    "{{ 'a' * 10**9 }}",
    "{{ ['a'] * 10**9 }}",
    "{{ 9 ** (9 ** 9) }}",
    "{{ 'a' | center(10**9) }}",
    "{{ '%999999999d' | format(1) }}",
    "{{ '%999999999d' % 1 }}",
    "{{ 'a'.replace('', 'b' * 19999) }}",
    "{% set a = 'a' * 19999 %}{% set a = a ~ a %}{% set a = a ~ a %}{{ a }}",
    "{{ ('a' * 19999) | replace('a', 'aaaa') }}",
    "{{ range(10000) | list | join('x' * 1000) }}",
]

# What a rendering must never show: Python objects, the process or the file system.
LEAK_MARKERS = ("<class", "<module", "function", "method", "object at", "uid=", "root:", "Template")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_fails_clearly_and_quickly(payload, first_row, california_info):
    spec = TemplateSpec(serializer="jinja", jinja=payload)
    started = time.perf_counter()
    try:
        text = serialize_row(first_row, california_info, spec)
    except TemplateError as error:
        message = str(error)
        assert message.startswith("Line 1: ") or "longer than" in message
        assert "Traceback" not in message
    else:  # a harmless rendering is acceptable; one that shows Python internals is not
        assert not any(marker in text for marker in LEAK_MARKERS), text
        assert len(text) <= MAX_TEXT_CHARS
    assert time.perf_counter() - started < 1.0


@pytest.mark.parametrize(
    "payload, words",
    [
        ("{{ ''.__class__ }}", "`.__class__` is not allowed"),
        ("{{ config }}", "`config` is not available in templates"),
        ("{{ self }}", "`self` is not allowed"),
        ("{{ lipsum.__globals__ }}", "`.__globals__` is not allowed"),
        ("{{ '{0.__class__}'.format(MedInc) }}", "`.format()` is not allowed"),
        ("{% macro m() %}{% endmacro %}", "{% macro %} is not available"),
        ("{% for x in range(10**9) %}{% endfor %}", "range() is limited"),
        ("{{ 'a' * 10**9 }}", "longer than 20,000 characters"),
        ("{{ MedInc | attr('x') }}", "filter `attr` is not available"),
        ("{{ row.items }}", "is a method"),
        ("{{ 9 ** (9 ** 9) }}", "more than 1,000 digits"),
    ],
)
def test_payload_messages_say_what_is_wrong(payload, words):
    with pytest.raises(TemplateError) as caught:
        render_jinja(payload, {"MedInc": 8.33, "row": {"MedInc": 8.33}})
    assert words in str(caught.value)


def test_errors_carry_the_template_line():
    with pytest.raises(TemplateError) as caught:
        render_jinja("first line\nsecond line\n{{ MedInc.__class__ }}", {"MedInc": 1})
    assert caught.value.line == 3


def test_runtime_errors_carry_the_template_line():
    with pytest.raises(TemplateError) as caught:
        render_jinja("a\n{{ MedInc + 'x' }}", {"MedInc": 1})
    assert caught.value.line == 2
    assert "unsupported operand" in caught.value.message


def test_nested_loops_are_counted_together():
    template = "{% for a in range(200) %}{% for b in range(200) %}{% endfor %}{% endfor %}"
    with pytest.raises(TemplateError, match=f"{MAX_LOOP_ITERATIONS:,}"):
        render_jinja(template, {})


def test_output_is_capped():
    template = "{% for a in range(5000) %}{{ 'x' * 10 }}{% endfor %}"
    with pytest.raises(TemplateError, match="longer than"):
        render_jinja(template, {})


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__ }}",
        "{{ x.__class__.__mro__ }}",
        "{{ '{0.__class__}'.format(x) }}",
        "{{ d.pop('a') }}",
    ],
)
def test_the_sandbox_refuses_even_without_the_static_rules(source):
    """Second layer: compiled straight by the environment, bypassing jinja_rules."""
    with pytest.raises(SecurityError):
        SANDBOX.from_string(source).render(x=1.5, d={"a": 1})


def test_the_sandbox_has_no_stock_globals():
    assert set(SANDBOX.globals) == {"range"}
    for name in ("lipsum", "cycler", "joiner", "namespace", "dict"):
        with pytest.raises(UndefinedError):
            SANDBOX.from_string("{{ %s }}" % name).render()


def test_the_sandbox_never_prints_objects():
    with pytest.raises(TemplateError, match="only print text"):
        SANDBOX.from_string("{{ 'a'.upper }}").render()


def test_ordinary_templates_still_work():
    variables = {"MedInc": 8.33, "name": "ann smith", "row": {"MedInc": 8.33, "HouseAge": 41}}
    template = (
        "{% if MedInc > 5 %}rich{% else %}poor{% endif %} "
        "{{ name.title() }} {{ name.split() | length }} {{ name | upper }} "
        "{{ MedInc | round(1) }} {{ row.get('HouseAge') }} {{ ', '.join(row.keys()) }} "
        "{% for key in row %}{{ loop.index }}:{{ key }} {% endfor %}"
        "{{ 'a' ~ 1 }} {{ [1, 2, 3] | sum }}"
    )
    assert render_jinja(template, variables) == (
        "rich Ann Smith 2 ANN SMITH 8.3 41 MedInc, HouseAge 1:MedInc 2:HouseAge a1 6"
    )


def test_block_tags_leave_no_blank_lines():
    template = "{% for key, value in row.items() %}\n{{ key }}: {{ value }}\n{% endfor %}\nend"
    assert render_jinja(template, {"row": {"a": 1, "b": 2}}) == "a: 1\nb: 2\nend"
