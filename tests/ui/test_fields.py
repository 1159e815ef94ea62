"""Form widgets from the spec's fields (workbench.ui.fields): every TrainingSpec field the Training
form draws has its label on the field, and every number a box offers is one the spec accepts."""

from __future__ import annotations

import pytest
from pydantic import Field, ValidationError

from workbench.specs import ForgettingSpec, TrainingSpec, _Strict
from workbench.ui.fields import field_form
from workbench.ui.training_form import ADVANCED_ROWS, NAME, TRAINING_WIDGETS


@pytest.mark.parametrize("name", TRAINING_WIDGETS)
def test_each_training_field_describes_its_widget(name):
    form = field_form(TrainingSpec, name)
    assert TrainingSpec.model_fields[name].title == form.label
    if form.kind == "number":
        assert form.low is not None and form.high is not None and form.low < form.high
        for value in (form.low, form.high):  # the box's ends are valid values
            TrainingSpec(**{name: value})


def test_the_advanced_rows_name_training_fields():
    drawn = [name for row in ADVANCED_ROWS for name in row if name != NAME]
    assert set(drawn) <= set(TRAINING_WIDGETS) and len(drawn) == len(set(drawn))


def test_bounds_and_hints():
    rank = field_form(TrainingSpec, "lora_r")
    assert (rank.low, rank.high, rank.step, rank.integer) == (1, 1024, 4, True)
    rate = field_form(TrainingSpec, "learning_rate")  # gt=0: the box starts at its "low" hint
    assert (rate.low, rate.high, rate.format) == (1e-7, 1.0, "%.1e")
    steps = field_form(TrainingSpec, "max_steps")
    assert steps.optional and steps.placeholder == "by epochs" and steps.high == 1_000_000
    objective = field_form(TrainingSpec, "objective")
    assert objective.kind == "choice" and objective.radio and objective.choices == ("label_words", "alpaca")
    assert field_form(TrainingSpec, "gradient_checkpointing").kind == "checkbox"
    assert field_form(TrainingSpec, "prompt_init_text").kind == "text"
    assert field_form(TrainingSpec, "target_modules").kind == "list"  # the form draws its own
    # A form's own range where the spec has no bound, or an open one.
    assert field_form(ForgettingSpec, "ewc_lambda", high=1e12).high == 1e12
    assert field_form(ForgettingSpec, "fisher_rows").high == 10_000  # its le


def test_an_open_bound_without_a_range_is_an_error():
    class Open(_Strict):
        rate: float = Field(0.5, gt=0, le=1)

    with pytest.raises(ValueError, match="open bound needs a 'low' or 'high' hint"):
        field_form(Open, "rate")
    assert field_form(Open, "rate", low=0.01).low == 0.01
    with pytest.raises(ValidationError):
        Open(rate=0)
