"""validate_template: plain messages with line numbers, fast enough for every keystroke."""

from __future__ import annotations

import time

from workbench.prompts import TemplateProblem, validate_template
from workbench.specs import TemplateSpec


def jinja(text: str, **fields) -> TemplateSpec:
    return TemplateSpec(serializer="jinja", jinja=text, **fields)


def test_a_good_template_has_no_problems(california_info):
    loop = "{% for k, v in row.items() %}{{ k }}: {{ v }}\n{% endfor %}"
    template = jinja("Income {{ MedInc }}\n" + loop)
    assert validate_template(template, california_info) == []


def test_syntax_error_reports_its_line(california_info):
    template = jinja("Income {{ MedInc }}\nAge {{ HouseAge }\nend")
    problems = validate_template(template, california_info)
    assert len(problems) == 1
    assert problems[0].line == 2
    assert "Syntax error" in problems[0].message


def test_unclosed_block_reports_a_line(california_info):
    problems = validate_template(jinja("a\n{% if MedInc > 3 %}\nrich"), california_info)
    assert problems[0].line is not None
    assert "endif" in problems[0].message


def test_unknown_column_is_named_with_a_suggestion(california_info):
    problems = validate_template(jinja("Income {{ MedInc }}\nAge {{ HouseAg }}"), california_info)
    assert problems == [
        TemplateProblem(2, "`HouseAg` is not a column of this data set; did you mean `HouseAge`?")
    ]


def test_case_slips_get_a_suggestion(california_info):
    [problem] = validate_template(jinja("{{ medinc }}"), california_info)
    assert "did you mean `MedInc`?" in problem.message


def test_every_unknown_column_is_reported(california_info):
    problems = validate_template(jinja("{{ foo }}\n{{ MedInc }}\n{{ bar }}"), california_info)
    assert [(p.line, p.message.split(" is ")[0]) for p in problems] == [(1, "`foo`"), (3, "`bar`")]


def test_the_label_column_gives_the_answer_away(california_info):
    [problem] = validate_template(jinja("{{ valuable }}"), california_info)
    assert "gives the answer away" in problem.message


def test_a_column_outside_the_chosen_features(california_info):
    template = jinja("{{ MedInc }} {{ HouseAge }}", features=["MedInc"])
    [problem] = validate_template(template, california_info)
    assert "not among the template's features" in problem.message


def test_attribute_problems_found_by_a_trial_rendering(california_info):
    [problem] = validate_template(jinja("ok\n{{ row.nothing_here }}"), california_info)
    assert problem.line == 2
    assert "nothing_here" in problem.message


def test_type_slips_found_by_a_trial_rendering(california_info):
    [problem] = validate_template(jinja("{{ MedInc + ' dollars' }}"), california_info)
    assert problem.line == 1
    assert "unsupported operand" in problem.message


def test_unsafe_access_is_not_allowed(california_info):
    problems = validate_template(jinja("fine\n{{ MedInc.__class__.__mro__ }}"), california_info)
    assert problems[0].line == 2
    assert "is not allowed in templates" in problems[0].message


def test_a_real_sample_row_can_be_given(first_row, california_info):
    template = jinja("{{ '%d' % MedInc }}")
    assert validate_template(template, california_info, sample=first_row) == []


def test_answers_must_match_the_classes(california_info):
    template = TemplateSpec(answers={"no": "No", "Yes": "Yes"})
    messages = [problem.message for problem in validate_template(template, california_info)]
    assert "No answer word for the class `yes` (classes: no, yes)." in messages
    assert (
        "`Yes` is not a class of this data set (classes: no, yes); did you mean `yes`?" in messages
    )


def test_features_must_exist(california_info):
    template = TemplateSpec(features=["MedInc", "Medinc", "valuable", "MedInc"])
    messages = [problem.message for problem in validate_template(template, california_info)]
    assert any("`Medinc` is not a feature" in m and "`MedInc`" in m for m in messages)
    assert any("`valuable` holds the answer" in m for m in messages)
    assert "`MedInc` is listed twice in the features." in messages


def test_problems_print_with_their_line():
    assert str(TemplateProblem(3, "Oops.")) == "Line 3: Oops."
    assert str(TemplateProblem(None, "Oops.")) == "Oops."


def test_validation_is_fast_enough_for_every_keystroke(california_info):
    loop = "{% for k in row %}{{ k }}{% endfor %}"
    texts = [f"Income {{{{ MedInc }}}} #{i}\n{loop}" for i in range(50)]
    started = time.perf_counter()
    for text in texts:  # new text each time: nothing cached
        validate_template(jinja(text), california_info)
    assert (time.perf_counter() - started) / len(texts) < 0.02
