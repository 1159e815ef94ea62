"""AppTest of the home page (app.py): frame, model picker, the "Try the current model" form."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from workbench.models import DEFAULT_MODEL
from workbench.ui.frame import APP_TITLE
from tests.ui.apptest import assert_no_exception, open_page

PICKER_KEY = "_model_picker"
TINY = "tiny-random-llama"
PROMPT = "The capital of France is"


def _submit_prompt(at: AppTest, prompt: str = PROMPT, new_tokens: int | None = None) -> None:
    at.text_input[0].set_value(prompt)
    if new_tokens is not None:
        at.slider[0].set_value(new_tokens)
    submit = next(b for b in at.button if "Continue the prompt" in b.label)
    submit.click()
    at.run()


def _output(at: AppTest) -> str:
    """The markdown holding **prompt** + continuation."""
    hits = [m.value for m in at.markdown if m.value.startswith(f"**{PROMPT}**")]
    assert hits, "no continuation shown; errors: " + "; ".join(e.value for e in at.error)
    return hits[0]


def test_home_renders_with_frame():
    at = open_page()
    assert_no_exception(at)
    assert at.title[0].value == APP_TITLE
    picker = at.sidebar.selectbox(key=PICKER_KEY)
    assert picker.label == "Model"
    assert picker.value == DEFAULT_MODEL == "smollm2-135m-instruct"
    assert any(c.value.startswith("Device:") for c in at.sidebar.caption)
    assert any("Current model:" in c.value for c in at.sidebar.caption)
    assert not at.error, [e.value for e in at.error]  # e.g. "Embedded assets missing"


def test_form_with_tiny_model_produces_output():
    at = open_page()
    at.sidebar.selectbox(key=PICKER_KEY).set_value(TINY).run()
    assert_no_exception(at)
    assert any("Tiny random Llama" in c.value for c in at.sidebar.caption)
    assert any("Untrained" in w.value for w in at.sidebar.warning)
    _submit_prompt(at, new_tokens=4)
    assert_no_exception(at)
    assert not at.error, [e.value for e in at.error]
    output = _output(at)
    assert len(output) > len(f"**{PROMPT}**"), "the tiny model continued with nothing"
    assert any("Tiny random Llama" in c.value and "parameters" in c.value for c in at.caption)


def test_default_model_knows_the_capital_of_france():
    # The embedded model is converted once (~20 s) the first time; later loads take ~0.3 s.
    at = open_page(timeout=120)
    assert at.sidebar.selectbox(key=PICKER_KEY).value == DEFAULT_MODEL
    _submit_prompt(at)
    assert_no_exception(at)
    assert not at.error, [e.value for e in at.error]
    continuation = _output(at)[len(f"**{PROMPT}**"):]
    assert continuation.startswith(" Paris"), f"continuation: {continuation!r}"


def test_empty_prompt_asks_for_one():
    at = open_page()
    _submit_prompt(at, prompt="   ")
    assert_no_exception(at)
    assert any("Type a prompt" in w.value for w in at.warning)
