"""Bad input typed into the Training page's form (AppTest): every value ends in a clear message
or is refused by its box, the Start button stays disabled while a problem blocks the run,
nothing is queued or stored, and the form works again once the value is fixed."""

from __future__ import annotations

import pytest

from tests.ui.apptest import MODEL_PICKER, assert_no_exception, main_errors, open_page_with_model
from workbench import hub
from workbench.store import Store
from workbench.ui import training_form as tf
from workbench.ui.frame import OTHER_MODEL

PAGE = "pages/3_Training.py"
TINY = "tiny-random-llama"


@pytest.fixture
def empty_store(tmp_path, use_store, monkeypatch):
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # the hub refuses at once
    hub._CACHE.clear()
    use_store(tmp_path / "runs")
    yield tmp_path / "runs"
    hub._CACHE.clear()


def _launch_disabled(at) -> bool:
    return at.button(key="tr_launch").disabled


def _set(at, widget, value) -> list[str]:
    widget.set_value(value).run()
    assert_no_exception(at)
    return main_errors(at)


def test_bad_input_in_the_training_form(empty_store):
    at = open_page_with_model(PAGE, TINY, 120)
    assert not main_errors(at) and not _launch_disabled(at)

    # Numbers outside a box's range (negative, zero, huge, 1e9 learning rate, NaN) are refused by
    # the box: its value stays in range and the spec stays valid.
    for name, value in [("learning_rate", 1e9), ("learning_rate", 0.0), ("learning_rate", -1e-3),
                        ("learning_rate", float("nan")), ("learning_rate", float("inf")),
                        ("epochs", -1.0), ("epochs", 0.0), ("batch_size", 0),
                        ("batch_size", -16), ("lora_r", 0), ("lora_alpha", -8),
                        ("max_steps", 0), ("gradient_accumulation", 0), ("max_length", 1)]:
        box = at.number_input(key=tf.key(name))
        _set(at, box, value)
        kept = at.number_input(key=tf.key(name)).value
        assert kept == kept and kept not in {value, float("inf")}, (name, value, kept)  # not NaN
        box.set_value(None if name == "max_steps" else
                      {"learning_rate": 5e-4, "epochs": 1.0, "batch_size": 8, "lora_r": 8,
                       "lora_alpha": 16, "gradient_accumulation": 1, "max_length": 512}[name])
    at.run()
    assert not main_errors(at), main_errors(at)

    # more training rows than the data set has
    errors = _set(at, at.number_input(key=tf.N_TRAIN), 10**7)
    assert any("10,000,000 asked, but the training split of California housing has" in error
               for error in errors), errors
    assert _launch_disabled(at)
    _set(at, at.number_input(key=tf.N_TRAIN), 64)

    # text: absurdly long, blank, unicode and emoji
    errors = _set(at, at.text_input(key=tf.NAME), "🚀" * 100_000)
    assert any("name: String should have at most 200 characters" in error for error in errors)
    assert _launch_disabled(at)
    assert not _set(at, at.text_input(key=tf.NAME), "   ")  # blank: the automatic name
    assert not _set(at, at.text_input(key=tf.NAME), "Prüfung 🚀 价格")
    assert not _launch_disabled(at)
    errors = _set(at, at.text_input(key=tf.CUSTOM_TARGETS), "💥, ,, ")
    assert any("`💥` is not a Linear layer of this model" in error for error in errors), errors
    assert not _set(at, at.text_input(key=tf.CUSTOM_TARGETS), "  ")

    at.selectbox(key=tf.key("method")).set_value("prompt").run()
    errors = _set(at, at.text_input(key=tf.key("prompt_init_text")), "x" * 10_000)
    assert any("training.prompt_init_text: String should have at most 5000" in error
               for error in errors), errors
    assert not _set(at, at.text_input(key=tf.key("prompt_init_text")), "Décide : oui ou non ? 🤔")
    at.selectbox(key=tf.key("method")).set_value("lora").run()
    assert_no_exception(at)

    # a model id that does not exist, with the hub unreachable, and one that is no id at all
    at.sidebar.selectbox(key=MODEL_PICKER).set_value(OTHER_MODEL).run()
    custom = at.sidebar.text_input[0]
    for model, words in [
        ("no-such-org/no-such-model-4d2f", "the Hugging Face hub is not reachable"),
        ("🤖 not a model", "is neither a registered model, an existing folder, nor a valid "
                          "Hugging Face hub id"),
    ]:
        errors = _set(at, custom, model)
        assert any(words in error for error in errors), errors
        assert _launch_disabled(at)

    # back to a real model: the form is whole again, and nothing was queued or stored
    at.sidebar.selectbox(key=MODEL_PICKER).set_value(TINY).run()
    assert_no_exception(at)
    assert not main_errors(at), main_errors(at)
    assert not _launch_disabled(at)
    assert at.text_input(key=tf.NAME).value == "Prüfung 🚀 价格"
    assert at.number_input(key=tf.N_TRAIN).value == 64
    assert Store(empty_store).list() == []
