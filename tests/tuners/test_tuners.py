"""The fine-tuning methods' registry (workbench.tuners): one entry per method, and everything that
lists methods or tells them apart is derived from it."""

from __future__ import annotations

import subprocess
import sys
import typing
from pathlib import Path

import pytest

from workbench.specs import TrainingSpec
from workbench.training.estimate import REFERENCE_SPEEDS
from workbench.training.method_options import METHOD_INFO, shown_options
from workbench.training.methods import CLASSIFIER_METHODS, METHODS, PEFT_METHODS
from workbench.tuners import METHOD_TITLES, TUNERS, Tuner, register

ROOT = Path(__file__).resolve().parents[2]


def test_the_spec_s_method_list_is_the_registry():
    assert typing.get_args(TrainingSpec.model_fields["method"].annotation) == tuple(TUNERS)
    assert TrainingSpec().method in TUNERS


def test_the_method_tables_are_views_of_the_registry():
    assert METHODS is TUNERS and METHOD_INFO is TUNERS
    assert set(REFERENCE_SPEEDS) == set(TUNERS)
    assert PEFT_METHODS == {name for name, tuner in TUNERS.items() if tuner.peft}
    assert CLASSIFIER_METHODS == {name for name, tuner in TUNERS.items() if tuner.base == "classifier"}
    assert METHOD_TITLES == {name: tuner.title for name, tuner in TUNERS.items()}


@pytest.mark.parametrize("name", list(TUNERS))
def test_each_entry_is_whole(name):
    tuner = TUNERS[name]
    assert tuner.name == name and tuner.title and tuner.summary.endswith(".")
    assert callable(tuner.setup)
    assert tuner.base in ("causal", "classifier") and tuner.quantization in ("none", "8bit", "4bit")
    train, score = tuner.reference_speed
    assert train > 0 and score > 0
    assert set(tuner.options) <= set(TrainingSpec.model_fields), "options are TrainingSpec fields"
    assert set(tuner.options) <= shown_options(name, "label_words")


def test_titles_are_distinct():
    titles = [tuner.title for tuner in TUNERS.values()]
    assert len(set(titles)) == len(titles)


def test_a_name_registers_once():
    with pytest.raises(ValueError, match="two fine-tuning methods are called 'lora'"):
        register(Tuner(name="lora", title="again", summary="again.", setup=lambda *args: None,
                       reference_speed=(1.0, 1.0)))
    assert TUNERS["lora"].title == "LoRA"


def test_method_hooks_answer_for_every_method():
    training = TrainingSpec(last_k=4, num_virtual_tokens=7)
    assert TUNERS["prompt"].added_tokens(training) == 7
    assert TUNERS["lora"].added_tokens(training) == 0
    assert TUNERS["last_layers"].blocks_with_gradient(training, 30) == 4
    assert TUNERS["full"].blocks_with_gradient(training, 30) == 30
    assert TUNERS["last_layers"].problems(training, 4) and not TUNERS["last_layers"].problems(training, 5)
    assert TUNERS["lora"].problems(training, 4) == []


def test_reading_the_registry_imports_no_torch():
    """workbench.specs reads the method names: a spec parses without torch, peft or
    transformers."""
    code = ("import sys, workbench.specs; "
            "print(sorted(m for m in ('torch', 'peft', 'transformers') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"
