"""How a row becomes a prompt, and which answer word stands for each class."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from workbench.specs.base import MAX_ANSWER_CHARS, MAX_NAME_CHARS, MAX_TEXT_CHARS, _Strict

SerializerName = Literal["list", "text", "values", "table", "json", "jinja"]
WrapperName = Literal["none", "alpaca", "chat"]


class TemplateSpec(_Strict):
    """How a row becomes a prompt, and which answer word stands for each class."""

    serializer: SerializerName = "list"
    features: list[str] | None = None  # subset and order; None: all, in the data set's order
    readable_names: bool = False  # "median income" instead of "MedInc"
    rounding: int | None = Field(2, ge=0, le=10)
    jinja: str | None = Field(None, max_length=20_000)  # the row template when serializer == "jinja"
    question: str = Field("Is this house block valuable? Yes or no?", max_length=MAX_TEXT_CHARS)
    # Not used by the chat wrapper (the assistant turn answers).
    answer_prefix: str = Field("Answer:", max_length=MAX_NAME_CHARS)
    answers: dict[str, str] = Field(default_factory=lambda: {"no": "No", "yes": "Yes"})
    wrapper: WrapperName = "none"
    instruction: str | None = Field(None, max_length=MAX_TEXT_CHARS)  # alpaca/chat; None: question
    shots: int = Field(0, ge=0, le=64)
    shot_seed: int = 0
    # Each number followed by its level among the training rows: "8.33 (very high)".
    number_levels: bool = False
    # With number_levels, the level word instead of the number: "median income: very high".
    levels_only: bool = False

    @field_validator("answers")
    @classmethod
    def _two_distinct_answers(cls, answers: dict[str, str]) -> dict[str, str]:
        if len(answers) < 2:
            raise ValueError("give an answer word for each of at least two classes")
        words = [word.strip() for word in answers.values()]
        if any(not word for word in words):
            raise ValueError("answer words cannot be empty")
        if any(len(word) > MAX_ANSWER_CHARS for word in words):
            raise ValueError(f"answer words are limited to {MAX_ANSWER_CHARS} characters (one "
                             "short word each reads best)")
        if len(set(words)) != len(words):
            raise ValueError("each class needs a different answer word")
        return answers

    @model_validator(mode="after")
    def _jinja_needs_text(self) -> "TemplateSpec":
        if self.serializer == "jinja" and not (self.jinja or "").strip():
            raise ValueError("the jinja serializer needs a template text in `jinja`")
        return self

    @model_validator(mode="after")
    def _levels_only_needs_levels(self) -> "TemplateSpec":
        if self.levels_only and not self.number_levels:
            raise ValueError("levels_only writes each number's level instead of the number: "
                             "it needs number_levels: true")
        return self

