"""Templates as YAML: round trips, YAML 1.2 booleans, clear errors."""

from __future__ import annotations

import pytest

from workbench.data import DATASETS
from workbench.prompts import (
    TemplateError, builtin_templates, load_template, save_template, template_from_yaml,
    template_to_yaml,
)
from workbench.specs import EvaluateSpec, TemplateSpec, spec_to_yaml


@pytest.mark.parametrize("name", list(DATASETS))
def test_builtin_templates_round_trip(name, tmp_path):
    for key, template in builtin_templates(name).items():
        path = save_template(template, tmp_path / f"{key}.yaml")
        assert load_template(path) == template


def test_a_custom_template_round_trips(tmp_path):
    template = TemplateSpec(
        serializer="jinja",
        jinja='Income: {{ MedInc }}\n{% for k, v in row.items() %}{{ k }}: "{{ v }}"\n{% endfor %}',
        features=["MedInc", "HouseAge"], rounding=None, question="Valuable?",
        answer_prefix="Answer:\n", answers={"no": "no", "yes": "yes"}, wrapper="alpaca",
        instruction="Line one.\nLine two.", shots=4, shot_seed=7,
    )
    path = save_template(template, tmp_path / "sub" / "custom.yaml")
    assert load_template(path) == template


def test_jinja_is_written_as_block_text():
    text = template_to_yaml(TemplateSpec(serializer="jinja", jinja="a: {{ MedInc }}\nb"))
    assert "jinja: |-\n  a: {{ MedInc }}\n  b\n" in text


def test_yes_and_no_stay_strings():
    template = template_from_yaml("answers:\n  no: No\n  yes: Yes\n")
    assert template.answers == {"no": "No", "yes": "Yes"}


def test_a_run_spec_gives_its_template():
    spec = EvaluateSpec(template=TemplateSpec(shots=3))
    assert template_from_yaml(spec_to_yaml(spec)) == TemplateSpec(shots=3)


def test_invalid_yaml_names_the_line():
    with pytest.raises(TemplateError, match=r"not valid YAML \(line 2\)"):
        template_from_yaml("question: ok\nanswer_prefix: a: b\n")


def test_invalid_fields_are_listed():
    with pytest.raises(TemplateError) as caught:
        template_from_yaml("serializer: xml\nanswers:\n  no: No\ncolour: red\n")
    message = str(caught.value)
    assert "- serializer:" in message
    assert "- answers:" in message
    assert "- colour:" in message


def test_not_a_mapping():
    with pytest.raises(TemplateError, match="mapping"):
        template_from_yaml("- just\n- a list\n")


def test_missing_file(tmp_path):
    with pytest.raises(TemplateError, match="Cannot read the template file"):
        load_template(tmp_path / "nope.yaml")
