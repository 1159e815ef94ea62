"""Number levels: each number followed by its fifth among the training rows."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from workbench.prompts import PromptBuilder, TemplateError
from workbench.prompts.levels import level_scales, level_word
from workbench.specs import FinetuneSpec, TemplateSpec, cache_key, spec_to_dict


def test_a_value_is_named_by_its_fifth_of_the_training_values():
    scale = level_scales(pd.DataFrame({"x": np.arange(100.0)}), ["x"])["x"]
    words = [level_word(scale, value) for value in (0, 25, 50, 75, 99, 1e9, -1e9)]
    assert words == ["very low", "low", "medium", "high", "very high", "very high", "very low"]
    assert level_word(scale, None) is None and level_word(scale, float("nan")) is None
    assert level_word(scale, "many") is None and level_word(scale, True) is None


def test_ties_count_half_below_and_half_above():
    # Capital gains: mostly 0. Zero is the middle of the training rows, not their top.
    gains = pd.DataFrame({"gain": [0] * 90 + list(range(1, 11))})
    scale = level_scales(gains, ["gain"])["gain"]
    assert level_word(scale, 0) == "medium"
    assert level_word(scale, 10) == "very high"


def test_only_numeric_columns_get_a_scale():
    frame = pd.DataFrame({"n": [1, 2], "flag": [True, False], "city": ["a", "b"],
                          "empty": [np.nan, np.nan]})
    assert set(level_scales(frame, ["n", "flag", "city", "empty", "missing"])) == {"n"}


def test_every_serializer_shows_the_levels_of_the_training_rows(california, california_info):
    train, row = california.iloc[1:], california.iloc[0].to_dict()  # MedInc 8.33: very high
    prompt = {
        name: PromptBuilder(TemplateSpec(serializer=name, number_levels=True,
                                         jinja="income {{ MedInc }} ({{ levels.MedInc }})"),
                            california_info, train=train).prompt(row)
        for name in ("list", "text", "table", "json", "jinja")
    }
    assert "- MedInc: 8.33 (very high)" in prompt["list"]
    assert "The MedInc is 8.33 (very high)." in prompt["text"]
    assert "| 8.33 (very high) |" in prompt["table"]
    assert json.loads(prompt["json"].split("\n")[0])["MedInc"] == "8.33 (very high)"
    assert prompt["jinja"].startswith("income 8.33 (very high)")
    plain = PromptBuilder(TemplateSpec(), california_info, train=train).prompt(row)
    assert "- MedInc: 8.33\n" in plain and "(very" not in plain


def test_levels_need_training_rows(california_info):
    with pytest.raises(TemplateError, match="training rows"):
        PromptBuilder(TemplateSpec(number_levels=True), california_info, train=None)


def test_stored_specs_without_levels_keep_their_keys():
    spec = FinetuneSpec()
    assert "number_levels" not in spec_to_dict(spec)["template"]
    with_levels = spec.model_copy(update={"template": TemplateSpec(number_levels=True)})
    assert spec_to_dict(with_levels)["template"]["number_levels"] is True
    assert cache_key(with_levels, "d", "m") != cache_key(spec, "d", "m")


def test_levels_only_writes_the_level_instead_of_the_number(california, california_info):
    train, row = california.iloc[1:], california.iloc[0].to_dict()  # MedInc 8.33: very high
    template = TemplateSpec(readable_names=True, number_levels=True, levels_only=True)
    prompt = PromptBuilder(template, california_info, train=train).prompt(row)
    assert "- median income: very high\n" in prompt
    assert "8.33" not in prompt and "(very" not in prompt
    as_json = TemplateSpec(serializer="json", number_levels=True, levels_only=True)
    first_line = PromptBuilder(as_json, california_info, train=train).prompt(row).split("\n")[0]
    assert json.loads(first_line)["MedInc"] == "very high"


def test_levels_only_without_levels_is_refused_with_the_reason():
    with pytest.raises(ValueError, match="needs number_levels"):
        TemplateSpec(levels_only=True)


def test_stored_specs_without_levels_only_keep_their_keys():
    levels = FinetuneSpec(template=TemplateSpec(number_levels=True))
    assert "levels_only" not in spec_to_dict(levels)["template"]
    only = levels.model_copy(update={"template": TemplateSpec(number_levels=True, levels_only=True)})
    assert spec_to_dict(only)["template"]["levels_only"] is True
    assert cache_key(only, "d", "m") != cache_key(levels, "d", "m")
