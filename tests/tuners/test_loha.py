"""LoHa, added as one module (workbench/tuners/loha.py) and one registry line, nothing else: the
spec, the form, the estimate and the checks know it from its entry; it trains end to end on the
tiny model (and, marked slow, on the default model), and its adapter reloads with the stored
answers."""

from __future__ import annotations

import pytest

from tests.tuners import method_checks as checks
from workbench.specs import SpecError, parse_spec
from workbench.training import build_trainable, count_parameters
from workbench.training.method_options import shown_options
from workbench.tuners import METHOD_TITLES, PEFT_METHODS


def test_loha_is_a_method_of_the_spec_with_rank_alpha_and_targets():
    spec = parse_spec({"kind": "finetune", "training": {"method": "loha", "lora_r": 4}})
    assert spec.training.method == "loha" and "loha" in PEFT_METHODS
    assert METHOD_TITLES["loha"] == "LoHa"
    shown = shown_options("loha", "label_words")
    assert {"lora_r", "lora_alpha", "target_modules"} <= set(shown) and "lora_dropout" not in shown
    with pytest.raises(SpecError, match="lora_r"):
        parse_spec({"kind": "finetune", "training": {"method": "loha", "lora_r": 0}})


def test_the_built_model_trains_two_low_rank_pairs_per_layer():
    built = build_trainable(checks.tiny_spec("loha", lora_r=4), num_labels=2)
    config = built.model.peft_config["default"]
    assert type(config).__name__ == "LoHaConfig" and config.r == 4
    trainable = {name.rsplit(".", 2)[-2] for name, p in built.model.named_parameters() if p.requires_grad}
    assert trainable == {"hada_w1_a", "hada_w1_b", "hada_w2_a", "hada_w2_b"}
    lora = build_trainable(checks.tiny_spec("lora", lora_r=4), num_labels=2)
    assert count_parameters(built.model)[0] == 2 * count_parameters(lora.model)[0]


def test_the_estimate_and_the_checks_read_its_entry(tmp_path, monkeypatch):
    loha, lora = checks.estimates_and_checks(monkeypatch, tmp_path, "loha")
    assert loha.seconds > lora.seconds  # slower steps
    assert loha.trainable_parameters == 2 * lora.trainable_parameters


def test_loha_trains_on_the_tiny_model_and_its_adapter_reloads(tmp_path):
    assert checks.trains_and_reloads(tmp_path, "loha")["peft_type"] == "LOHA"


def test_the_training_form_offers_loha_with_its_own_widgets(tmp_path, monkeypatch):
    spec, shown = checks.form_offers(monkeypatch, tmp_path, "loha", {"Rank r", "Alpha", "Target modules"})
    assert "Dropout" not in shown and "LoHa" in spec.name


@pytest.mark.slow
@pytest.mark.timeout(3600)  # minutes of training on an idle 2-core CPU, many more on a busy one
def test_loha_on_the_default_model_beats_zero_shot(tmp_path):
    assert checks.gain_over_zero_shot(tmp_path, "loha") >= 0.05
