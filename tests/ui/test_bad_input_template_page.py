"""Bad input typed into the Prompt templates page (AppTest): each shows a clear message on the
page, never an exception box, and the page keeps working once the input is fixed."""

from __future__ import annotations

import pytest

from tests.ui.apptest import assert_no_exception, main_errors, open_page
from workbench.prompts.jinja_sandbox import MAX_TEMPLATE_CHARS
from workbench.prompts.validation import BLANK_ROW_TEXT
from workbench.ui import template_editor as te

PAGE = "pages/2_Prompt_Templates.py"
GOOD = "Income {{ MedInc }}, age {{ HouseAge }}."


@pytest.fixture(autouse=True)
def temporary_store(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_RUNS", str(tmp_path / "runs"))


def _errors_after(at, widget, value) -> list[str]:
    widget.set_value(value).run()
    assert_no_exception(at)
    return main_errors(at)


def _previewing(at) -> bool:
    return any(code.value.startswith("Income ") for code in at.main.code)


def test_bad_input_in_the_template_editor_shows_messages_and_the_page_keeps_working():
    at = open_page(PAGE)
    assert_no_exception(at)
    at.selectbox(key=te.DATASET).set_value("california-housing").run()  # the cases use its columns
    at.selectbox(key=te.SERIALIZER).select("jinja").run()
    jinja = at.text_area(key=te.JINJA)
    cases = [
        ("", "Template: the jinja serializer needs a template text in `jinja`"),
        ("  \n\t ", "Template: the jinja serializer needs a template text in `jinja`"),
        ("x" * (MAX_TEMPLATE_CHARS + 1), "Jinja template: String should have at most 20000"),
        ("{{ MedInc ", "Line 1: Syntax error: unexpected end of template"),
        ("Income {{ MedInc }}\n{% for %}", "Line 2: Syntax error"),
        ("{{ nope }}", "Line 1: `nope` is not a column of this data set."),
        ("{{ MedInc / 0 }}", "Line 1: The template failed: float division by zero"),
        ("{% if false %}x{% endif %}", BLANK_ROW_TEXT),
        ("{{ cycler.__init__.__globals__.os.popen('id').read() }}",
         "Line 1: `.__init__` is not allowed in templates"),
        ("{{ ''|attr('__class__') }}", "Line 1: The filter `attr` is not available in templates."),
        ("{{ range(10**10)|list }}", "Line 1: range() is limited to 10,000 numbers in templates."),
        ("{{ 'a' * 10**9 }}", "longer than 20,000 characters"),
    ]
    for text, words in cases:
        errors = _errors_after(at, jinja, text)
        assert any(words in error for error in errors), (text[:40], errors)
        assert not _previewing(at)
        assert at.button(key="pt_score_start").disabled
    # unicode and emoji are plain text
    assert not _errors_after(at, jinja, "Revenu 💰 {{ MedInc }} — âge {{ HouseAge }} 中文")
    assert any(code.value.startswith("Revenu 💰 ") for code in at.main.code)
    assert not _errors_after(at, jinja, GOOD)
    assert _previewing(at) and not at.button(key="pt_score_start").disabled


def test_bad_input_in_the_question_answers_and_numbers():
    at = open_page(PAGE)
    assert_no_exception(at)
    question = at.text_input(key=te.QUESTION)
    assert "Question: String should have at most 5000 characters" in _errors_after(
        at, question, "?" * 5001)
    assert not _errors_after(at, question, "Est-ce cher ? 🏠 贵吗？")
    no, yes = at.text_input(key=te._answer_key(0)), at.text_input(key=te._answer_key(1))
    for no_word, yes_word, words in [
        ("   ", "Yes", "Answer words: answer words cannot be empty"),
        ("Yes", " Yes ", "Answer words: each class needs a different answer word"),
        ("N" * 101, "Yes", "Answer words: answer words are limited to 100 characters"),
    ]:
        no.set_value(no_word)
        errors = _errors_after(at, yes, yes_word)
        assert any(error.startswith(words) for error in errors), errors
        assert at.button(key="pt_compare_start").disabled
    no.set_value("👎")
    assert not _errors_after(at, yes, "👍")
    # numbers outside a box's range are refused by the box itself: the value stays valid
    for widget_key, value in [(te.SHOTS, -1), (te.SHOTS, 10**6), (te.ROUNDING, -3),
                              (te.SHOT_SEED, -5), (te.ROWS, 10**9)]:
        box = at.number_input(key=widget_key)
        before = box.value
        box.set_value(value).run()
        assert_no_exception(at)
        after = at.number_input(key=widget_key).value
        assert after != value and (after is None or after >= 0), (widget_key, before, after)
    assert not main_errors(at)
    assert any(code.value.endswith("Answer: 👍") or "👎" in code.value for code in at.main.code)
