"""Instruction wrappers around a prompt: the Alpaca template (the seed's and TALLRec's) and the
model's own chat template."""

from __future__ import annotations

from typing import Any

from workbench.prompts.errors import ChatTemplateError

ALPACA_TEMPLATE = (
    "Below is an instruction that describes a task, paired with an input that provides further "
    "context. Write a response that appropriately completes the request.\n\n"
    "### Instruction:\n{instruction}\n\n### Input:\n{input}\n\n### Response:\n"
)

Message = dict[str, str]


def alpaca_prompt(instruction: str, input_text: str) -> str:
    """The answer follows the response header directly."""
    return ALPACA_TEMPLATE.format(instruction=instruction, input=input_text)


def require_chat_template(tokenizer: Any) -> None:
    if tokenizer is None:
        raise ChatTemplateError(
            "The chat wrapper needs the model's tokenizer, to apply its chat template."
        )
    if not getattr(tokenizer, "chat_template", None):
        raise ChatTemplateError(
            "This model's tokenizer has no chat template (a base model, not an instruct one): "
            "choose the alpaca wrapper or none."
        )


def chat_prompt(tokenizer: Any, messages: list[Message]) -> str:
    """The conversation in the model's chat format, ending where the assistant's reply starts."""
    require_chat_template(tokenizer)
    try:
        return tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    except Exception as error:  # noqa: BLE001 - the model's own Jinja can raise anything
        raise ChatTemplateError(f"The model's chat template failed: {error}") from None
