"""DoRA, the method added as one module (workbench/tuners/dora.py) and one registry line: the spec,
the form, the estimate and the checks know it from its entry; it trains end to end on the tiny
model (and, marked slow, on the default model), and its adapter reloads with the stored answers."""

from __future__ import annotations

import pytest

from tests.tuners.method_checks import (
    estimates_and_checks,
    form_offers,
    gain_over_zero_shot,
    tiny_spec,
    trains_and_reloads,
)
from workbench.specs import parse_spec
from workbench.training import build_trainable, count_parameters
from workbench.training.method_options import shown_options
from workbench.tuners import PEFT_METHODS, TUNERS


def test_dora_is_a_method_of_the_spec_with_lora_s_options():
    spec = parse_spec({"kind": "finetune", "training": {"method": "dora", "lora_r": 4}})
    assert spec.training.method == "dora" and "dora" in PEFT_METHODS
    assert TUNERS["dora"].options == TUNERS["lora"].options
    assert shown_options("dora", "label_words") == shown_options("lora", "label_words")


def test_the_built_model_trains_magnitudes_and_low_rank_matrices():
    built = build_trainable(tiny_spec("dora", lora_r=4), num_labels=2)
    assert built.model.peft_config["default"].use_dora
    trainable = {name for name, p in built.model.named_parameters() if p.requires_grad}
    assert any("lora_magnitude_vector" in name for name in trainable)
    assert any("lora_A" in name for name in trainable) and any("lora_B" in name for name in trainable)
    lora = build_trainable(tiny_spec("lora", lora_r=4), num_labels=2)
    magnitudes = count_parameters(built.model)[0] - count_parameters(lora.model)[0]
    assert magnitudes > 0  # one per output of each adapted layer


def test_the_estimate_and_the_checks_read_its_entry(tmp_path, monkeypatch):
    dora, lora = estimates_and_checks(monkeypatch, tmp_path, "dora")
    assert dora.seconds > lora.seconds  # slower steps
    assert dora.trainable_parameters == count_parameters(build_trainable(tiny_spec("dora"), 2).model)[0]


def test_dora_trains_on_the_tiny_model_and_its_adapter_reloads(tmp_path):
    assert trains_and_reloads(tmp_path, "dora")["use_dora"] is True


def test_the_training_form_offers_dora_with_lora_s_widgets(tmp_path, monkeypatch):
    spec, _ = form_offers(monkeypatch, tmp_path, "dora",
                          {"Rank r", "Alpha", "Dropout", "Target modules"})
    assert "DoRA" in spec.name


@pytest.mark.slow
@pytest.mark.timeout(3600)  # minutes of training on an idle 2-core CPU, many more on a busy one
def test_dora_on_the_default_model_beats_zero_shot(tmp_path):
    assert gain_over_zero_shot(tmp_path, "dora", "--set", "training.lora_dropout=0") >= 0.05
