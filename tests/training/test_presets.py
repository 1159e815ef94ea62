"""Presets: each one is a valid spec that keeps the data set, template and model; the class
demo is a few minutes at the reference speeds, and no description promises a time (the estimate
measures this machine)."""

import re

import pytest

from workbench.prompts import default_template
from workbench.specs import FinetuneSpec
from workbench.training.estimate import estimate
from workbench.training.presets import DEFAULT_PRESET, PRESETS, apply_preset
from workbench.training.speed_probe import SPEEDS_ENV


@pytest.fixture(autouse=True)
def _nothing_measured_yet(tmp_path, monkeypatch):
    """Estimates from the reference speeds: no probe or run of this suite measured anything."""
    monkeypatch.setenv(SPEEDS_ENV, str(tmp_path / "speeds"))


@pytest.mark.parametrize("name", list(PRESETS))
def test_a_preset_sets_rows_and_training_and_keeps_the_rest(name):
    start = FinetuneSpec(
        data={"dataset": "german-credit", "split_seed": 7, "n_train": 5},
        template=default_template("german-credit"), model={"name": "tiny-random-llama"},
        training={"method": "full", "early_stopping_patience": 9},
    )
    spec = apply_preset(start, name)
    assert spec.data.dataset == "german-credit" and spec.data.split_seed == 7
    assert spec.template == start.template and spec.model == start.model
    assert spec.data.n_train == PRESETS[name].data["n_train"]
    assert spec.training.early_stopping_patience == PRESETS[name].training.get("early_stopping_patience")
    assert PRESETS[name].description


@pytest.mark.parametrize("name", list(PRESETS))
def test_no_preset_promises_a_time_measured_elsewhere(name):
    text = PRESETS[name].description.lower()
    assert not re.search(r"\b(\d+|a|one|two|few)\s+(minutes?|min|seconds?|hours?)\b", text), text


def test_the_class_demo_takes_a_few_minutes_at_the_reference_speeds():
    spec = apply_preset(FinetuneSpec(), DEFAULT_PRESET)
    guess = estimate(spec)
    assert 60 < guess.seconds < 8 * 60, guess
    assert spec.training.method == "lora" and spec.data.n_train == 256 and spec.training.epochs == 1
