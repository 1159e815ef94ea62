"""Built-in templates: every data set of the registry has them, and they are valid."""

from __future__ import annotations

import pytest

from workbench.data import DATASETS, get_info
from workbench.data.registry import DatasetInfo, Feature
from workbench.prompts import (
    PromptBuilder, builtin_templates, default_template, serialize_row, validate_template,
)
from workbench.prompts.builtin import jinja_reference
from workbench.specs import TemplateSpec

TABULAR = [name for name, info in DATASETS.items() if info.kind == "tabular"]
TEXT = [name for name, info in DATASETS.items() if info.kind == "text"]
OFFLINE_TABLES = [name for name in TABULAR if DATASETS[name].offline]


def test_the_registry_has_the_expected_tables():
    assert {"california-housing", "adult-income", "german-credit", "pima-diabetes",
            "universal-bank", "west-roxbury"} <= set(TABULAR)


@pytest.mark.parametrize("name", TABULAR)
def test_tables_have_one_template_per_serializer_and_a_jinja_one(name):
    templates = builtin_templates(name)
    assert set(templates) == {"list", "text", "values", "table", "json", "jinja"}
    for key, template in templates.items():
        assert template.serializer == key


@pytest.mark.parametrize("name", list(DATASETS))
def test_every_builtin_template_validates(name):
    info = get_info(name)
    for key, template in builtin_templates(name).items():
        assert validate_template(template, info) == [], (name, key)


@pytest.mark.parametrize("name", OFFLINE_TABLES)
def test_builtin_templates_render_a_real_row(name):
    info = get_info(name)
    row = info.loader().iloc[0]
    for key, template in builtin_templates(name).items():
        assert validate_template(template, info, sample=row) == [], (name, key)
        assert serialize_row(row, info, template).strip()
        PromptBuilder(template, info).prompt(row)


def test_california_default_is_the_seeds_template():
    template = default_template("california-housing")
    assert template == TemplateSpec()
    assert template.question == "Is this house block valuable? Yes or no?"


def test_adult_income_question_and_answers():
    template = default_template("adult-income")
    assert template.question == "Does this person earn more than 50000 dollars per year? Yes or no?"
    assert template.answers == {"<=50K": "No", ">50K": "Yes"}


@pytest.mark.parametrize("name", TEXT)
def test_text_data_sets_use_their_text_column(name):
    info = get_info(name)
    template = default_template(name)
    assert template.serializer == "jinja"
    assert info.text_column in template.jinja


def test_amazon_reviews_prompt():
    info = get_info("amazon-reviews")
    builder = PromptBuilder(default_template("amazon-reviews"), info)
    assert builder.prompt({"review": "Tasty.", "score": "great"}) == (
        "Review: Tasty.\nIs this review great? Yes or no?\nAnswer:"
    )
    assert builder.answer_words == [" No", " Yes"]


def upload_info(classes: tuple[str, ...], positive: str | None) -> DatasetInfo:
    return DatasetInfo(
        name="upload", title="Your upload", kind="tabular", description="", source="", license="",
        label_column="loan_status", classes=classes,
        features=(Feature("income", "numeric"), Feature("home owner", "categorical")),
        loader=lambda: None, positive_class=positive,
    )


def test_uploads_get_the_generic_question():
    info = upload_info(("rejected", "approved"), "approved")
    template = default_template(info)
    assert template.question == "Is the loan status approved? Yes or no?"
    assert template.answers == {"rejected": "No", "approved": "Yes"}
    jinja = builtin_templates(info)["jinja"]
    assert jinja.jinja == 'income: {{ income }}\nhome owner: {{ row["home owner"] }}'
    for template in builtin_templates(info).values():
        assert validate_template(template, info) == []


def test_many_classes_answer_with_their_names():
    info = upload_info(("low", "mid", "high"), None)
    template = default_template(info)
    assert template.question == "What is the loan status? low, mid or high?"
    assert template.answers == {"low": "low", "mid": "mid", "high": "high"}


@pytest.mark.parametrize(
    "column, reference",
    [("MedInc", "MedInc"), ("LOT SQFT", 'row["LOT SQFT"]'), ("RADIO/TV", 'row["RADIO/TV"]'),
     ("education-num", 'row["education-num"]'), ("in", 'row["in"]'), ("row", 'row["row"]')],
)
def test_jinja_references(column, reference):
    assert jinja_reference(column) == reference
