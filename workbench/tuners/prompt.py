"""Prompt tuning (Lester et al., 2021): a few learned virtual tokens before the prompt, optionally
started from a text's embeddings; the model stays frozen (peft's PromptTuningConfig)."""

from __future__ import annotations

from workbench.tuners.registry import Tuner, register


def setup_prompt(model, training, source: str):
    from peft import PromptTuningConfig, PromptTuningInit, get_peft_model

    text = training.prompt_init_text
    config = PromptTuningConfig(
        task_type="CAUSAL_LM", num_virtual_tokens=training.num_virtual_tokens,
        prompt_tuning_init=PromptTuningInit.TEXT if text else PromptTuningInit.RANDOM,
        prompt_tuning_init_text=text, tokenizer_name_or_path=source if text else None,
    )
    return get_peft_model(model, config)


def virtual_tokens(training) -> int:
    """The virtual tokens go through every block with the prompt."""
    return training.num_virtual_tokens


PROMPT = register(Tuner(
    name="prompt", title="Prompt tuning",
    summary="Learns a few virtual words placed before the prompt; the model stays frozen. The "
    "fewest parameters; wants a high learning rate.",
    setup=setup_prompt, peft=True, options=("num_virtual_tokens", "prompt_init_text"),
    reference_speed=(6.4, 21.0), extra_tokens=virtual_tokens,
))
