"""Bad input for the template editor's backend (workbench.prompts): what the Prompt templates page
checks on every keystroke. Each case is a TemplateSpec validation message or a TemplateProblem /
TemplateError in plain words, never an exception of another kind.
"""

from __future__ import annotations

import pandas as pd
import pytest
from pydantic import ValidationError

from workbench.data import get_info
from workbench.prompts import PromptBuilder, TemplateError, select_shots, validate_template
from workbench.prompts.jinja_sandbox import MAX_TEMPLATE_CHARS, render_jinja
from workbench.prompts.storage import template_from_yaml
from workbench.prompts.validation import BLANK_ROW_TEXT
from workbench.specs import TemplateSpec
from workbench.ui.template_editor import settings_problems

ROW = {"MedInc": 8.3252, "HouseAge": 41.0, "AveRooms": 6.98, "AveBedrms": 1.02,
       "Population": 322.0, "AveOccup": 2.56, "Latitude": 37.88, "Longitude": -122.23,
       "valuable": "yes"}


@pytest.fixture(scope="module")
def info():
    return get_info("california-housing")


def editor_messages(data: dict) -> list[str]:
    """What the editor shows for these widget values (template_editor.checked_template's path)."""
    try:
        TemplateSpec.model_validate(data)
    except ValidationError as error:
        return settings_problems(error)
    return []


def problems(info, sample=ROW, **fields) -> list[str]:
    template = TemplateSpec(**fields)
    return [str(problem) for problem in validate_template(template, info, sample)]


# --- the Jinja text ------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "jinja, words",
    [
        ("", "Template: the jinja serializer needs a template text in `jinja`"),
        ("   \n\t  \n", "Template: the jinja serializer needs a template text in `jinja`"),
        ("x" * (MAX_TEMPLATE_CHARS + 1), "Jinja template: String should have at most 20000 "
                                         "characters"),
    ],
)
def test_bad_input_empty_blank_and_over_long_templates(jinja, words):
    assert words in editor_messages({"serializer": "jinja", "jinja": jinja})


@pytest.mark.parametrize(
    "jinja, words",
    [
        ("{{ MedInc ", "Line 1: Syntax error: unexpected end of template"),
        ("Income {{ MedInc }}\n{% if HouseAge > 10 %}old", "Line 2: Syntax error: Unexpected end "
                                                           "of template"),
        ("{% for x in %}{% endfor %}", "Line 1: Syntax error"),
        ("{{ }}", "Line 1: Syntax error: Expected an expression"),
        ("{% endif %}", "Line 1: Syntax error: Encountered unknown tag 'endif'"),
        ("{{ MedInc | no_such_filter }}", "Line 1: The filter `no_such_filter` is not available"),
        ("{{ medinc }}", "Line 1: `medinc` is not a column of this data set; did you mean "
                         "`MedInc`?"),
        ("A\nB\n{{ nope }}", "Line 3: `nope` is not a column of this data set."),
        ("{{ valuable }}", "`valuable` holds the answer: a prompt that shows it gives the answer "
                           "away."),
        ("{{ row.nope }}", "There is no `nope` in this dict."),
        ("{{ MedInc + 'x' }}", "Line 1: The template failed: unsupported operand type(s)"),
        ("{{ MedInc / 0 }}", "Line 1: The template failed: float division by zero "
                             "(ZeroDivisionError)."),
        ("{{ MedInc.upper() }}", "Line 1:"),
        ("{{ '{{' }}" * 5000, "Jinja template: String should have at most"),
        ("{% if false %}never{% endif %}", BLANK_ROW_TEXT),
        ("{{ '' }}   \n\n", BLANK_ROW_TEXT),
    ],
)
def test_bad_input_jinja_problems_are_plain_messages(info, jinja, words):
    messages = editor_messages({"serializer": "jinja", "jinja": jinja})
    if not messages:
        messages = problems(info, serializer="jinja", jinja=jinja)
    assert any(words in message for message in messages), messages
    assert not any("Traceback" in message for message in messages)


def test_bad_input_unicode_and_emoji_render_as_typed(info):
    jinja = "Revenu 💰 {{ MedInc }} — âge {{ HouseAge }} 🏠\n中文 {{ '✓' }}"
    assert problems(info, serializer="jinja", jinja=jinja) == []
    text = render_jinja(jinja, {**ROW, "row": ROW})
    assert text == "Revenu 💰 8.3252 — âge 41.0 🏠\n中文 ✓"
    # a column whose value is unicode is printed, not escaped
    assert render_jinja("{{ city }}", {"city": "Zürich 🇨🇭"}) == "Zürich 🇨🇭"


def test_bad_input_rendering_that_is_empty_for_a_real_row_is_refused(info):
    template = TemplateSpec(serializer="jinja", jinja="{% if MedInc > 100 %}rich{% endif %}",
                            question="", answer_prefix="")
    builder = PromptBuilder(template, info)
    with pytest.raises(TemplateError, match="The template gives an empty prompt"):
        builder.prompt(ROW)


# --- question, answer words, few-shot ------------------------------------------------------------

@pytest.mark.parametrize(
    "fields, words",
    [
        ({"answers": {"no": "", "yes": "Yes"}}, "Answer words: answer words cannot be empty"),
        ({"answers": {"no": "   ", "yes": "\t"}}, "Answer words: answer words cannot be empty"),
        ({"answers": {"no": "Yes", "yes": "Yes"}}, "Answer words: each class needs a different "
                                                   "answer word"),
        ({"answers": {"no": " Yes", "yes": "Yes "}}, "each class needs a different answer word"),
        ({"answers": {"no": "No"}}, "give an answer word for each of at least two classes"),
        ({"answers": {"no": "N" * 101, "yes": "Yes"}}, "answer words are limited to 100 "
                                                       "characters"),
        ({"question": "?" * 5001}, "Question: String should have at most 5000 characters"),
        ({"answer_prefix": "A" * 201}, "Answer prefix: String should have at most 200 characters"),
        ({"instruction": "I" * 5001}, "Instruction: String should have at most 5000 characters"),
        ({"shots": -1}, "Few-shot examples: Input should be greater than or equal to 0"),
        ({"shots": 10**9}, "Few-shot examples: Input should be less than or equal to 64"),
        ({"shots": "three"}, "Few-shot examples: Input should be a valid integer"),
        ({"shots": float("nan")}, "Few-shot examples: Input should be a finite number"),
        ({"shot_seed": float("inf")}, "Shot seed: Input should be a finite number"),
        ({"rounding": -2}, "Rounding: Input should be greater than or equal to 0"),
        ({"serializer": "xml"}, "serializer: Input should be 'list', 'text', 'values', 'table', "
                                "'json' or 'jinja'"),
    ],
)
def test_bad_input_task_fields(fields, words):
    messages = editor_messages(fields)
    assert any(words in message for message in messages), messages


def test_bad_input_answer_words_that_do_not_fit_the_classes(info):
    assert problems(info, answers={"cheap": "No", "pricey": "Yes"}) == [
        "No answer word for the class `no` (classes: no, yes).",
        "No answer word for the class `yes` (classes: no, yes).",
        "`cheap` is not a class of this data set (classes: no, yes).",
        "`pricey` is not a class of this data set (classes: no, yes).",
    ]
    with pytest.raises(TemplateError, match="No answer word for the class `no`"):
        PromptBuilder(TemplateSpec(answers={"No": "No", "yes": "Yes"}), info)


def test_bad_input_emoji_answer_words_are_accepted(info):
    builder = PromptBuilder(TemplateSpec(answers={"no": "👎", "yes": "👍"}), info)
    assert builder.answer_words == [" 👎", " 👍"]
    assert builder.prompt(ROW).endswith("Answer:")


def test_bad_input_features_empty_unknown_or_twice(info):
    assert problems(info, features=[]) == ["Choose at least one feature."]
    assert problems(info, features=["MedInc", "MedInc"]) == [
        "`MedInc` is listed twice in the features."]
    assert problems(info, features=["medinc"]) == [
        "`medinc` is not a feature of this data set; did you mean `MedInc`?"]
    assert problems(info, features=["🚀"]) == ["`🚀` is not a feature of this data set."]


def test_bad_input_more_shots_than_training_rows_gives_what_there_is(info):
    train = pd.DataFrame([{**ROW, "valuable": "yes"}, {**ROW, "MedInc": 1.0, "valuable": "no"}])
    assert len(select_shots(train, "valuable", ["no", "yes"], 64, seed=0)) == 2
    with pytest.raises(TemplateError, match="needs the training rows to draw them from"):
        select_shots(None, "valuable", ["no", "yes"], 4, seed=0)
    with pytest.raises(TemplateError, match="No training row has a label among"):
        select_shots(train.assign(valuable="maybe"), "valuable", ["no", "yes"], 4, seed=0)


# --- uploaded template files ---------------------------------------------------------------------

@pytest.mark.parametrize(
    "text, words",
    [
        ("", "should be a mapping of template fields"),
        ("   \n", "should be a mapping of template fields"),
        ("serializer: [list\n", "is not valid YAML (line 2)"),
        ("42", "should be a mapping of template fields"),
        ("serializer: jinja\njinja: ''\n", "the jinja serializer needs a template text"),
        ("question: .nan\n", "question: Input should be a valid string"),
        ("shots: .inf\n", "shots: Input should be a finite number"),
        ("a: &a [x, x]\n" + "".join(f"b{n}: *a\n" for n in range(20)), "more than 16 aliases"),
    ],
)
def test_bad_input_uploaded_template_yaml(text, words):
    with pytest.raises(TemplateError) as caught:
        template_from_yaml(text, source="`bad.yaml`")
    assert words in str(caught.value), str(caught.value)
