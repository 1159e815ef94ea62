"""Full prompts: few-shot examples, the row, the question, the answer prefix, and a wrapper.

    builder = PromptBuilder(template, info, tokenizer, train)
    builder.prompt(row)      # ends right before the answer word
    builder.answer_words     # [" No", " Yes"]: in info.classes order, as they follow the prompt

Layout without a wrapper (each example and the target: row, question, answer prefix):

    - MedInc: 3.1                         <- a few-shot example
    Is this house block valuable? Yes or no?
    Answer: No

    - MedInc: 8.33                        <- the row to classify
    Is this house block valuable? Yes or no?
    Answer:

alpaca: the instruction (template.instruction, else the question) goes in "### Instruction:",
    the examples and the row in "### Input:" (followed by the question when an instruction was
    given separately); the answer follows "### Response:\n". The answer prefix is used only in
    the examples.
chat: one user turn per example with the assistant's answer word as reply, then the row as the
    last user turn; the instruction, when given, opens the first user turn; the model's chat
    template adds the generation prompt. The answer prefix is not used.
"""

from __future__ import annotations

from typing import Any, Mapping

import pandas as pd

from workbench.data.registry import DatasetInfo
from workbench.prompts.errors import TemplateError
from workbench.prompts.fewshot import select_shots
from workbench.prompts.levels import level_scales
from workbench.prompts.serializers import NO_SCALES, Scales, serialize_row, template_columns
from workbench.prompts.validation import answer_problems
from workbench.prompts.wrappers import alpaca_prompt, chat_prompt, require_chat_template
from workbench.specs import TemplateSpec

EXAMPLE_SEPARATOR = "\n\n"


def append_answer(text: str, word: str) -> str:
    """`word` as it follows `text`: after a space unless `text` ends with whitespace."""
    if not text or text[-1].isspace():
        return text + word
    return f"{text} {word}"


class PromptBuilder:
    def __init__(
        self,
        template: TemplateSpec,
        info: DatasetInfo,
        tokenizer: Any = None,
        train: pd.DataFrame | None = None,
    ):
        problems = answer_problems(template, info)
        if problems:
            raise TemplateError(" ".join(problem.message for problem in problems))
        if template.wrapper == "chat":
            require_chat_template(tokenizer)
        self.template = template
        self.info = info
        self.tokenizer = tokenizer
        self.scales = self._number_scales(train)
        self.shot_rows = select_shots(
            train, info.label_column, info.classes, template.shots, template.shot_seed
        )
        self._shots = [
            (self._row_text(row), template.answers[row[info.label_column]])
            for row in self.shot_rows.to_dict("records")
        ]
        self._examples = [append_answer(self._block(text), word) for text, word in self._shots]
        # Probe with a stand-in row: the end of a prompt does not depend on the row.
        self._answers_follow_space = self._wrap("x")[-1:].isspace()

    @property
    def answer_words(self) -> list[str]:
        prefix = "" if self._answers_follow_space else " "
        return [prefix + self.template.answers[name] for name in self.info.classes]

    def prompt(self, row: Mapping[str, Any]) -> str:
        text = self._wrap(self._row_text(row))
        if not text.strip():
            raise TemplateError(
                "The template gives an empty prompt (no row text, question or answer prefix): "
                "a model cannot be asked nothing."
            )
        return text

    def prompts(self, frame: pd.DataFrame) -> list[str]:
        return [self.prompt(row) for row in frame.to_dict("records")]

    def _number_scales(self, train: pd.DataFrame | None) -> Scales:
        if not self.template.number_levels:
            return NO_SCALES
        if train is None or train.empty:
            raise TemplateError(
                "Number levels compare each number with the training rows, and there are none "
                "here: turn number levels off for this template."
            )
        return level_scales(train, template_columns(self.info))

    def _row_text(self, row: Mapping[str, Any]) -> str:
        # Trailing blank lines (a Jinja loop's last newline) would separate row and question.
        return serialize_row(row, self.info, self.template, self.scales).rstrip()

    def _wrap(self, row_text: str) -> str:
        if self.template.wrapper == "alpaca":
            return self._alpaca(row_text)
        if self.template.wrapper == "chat":
            return self._chat(row_text)
        return self._plain(row_text)

    def _block(self, row_text: str, with_prefix: bool = True) -> str:
        parts = [row_text, self.template.question]
        if with_prefix:
            parts.append(self.template.answer_prefix)
        return "\n".join(part for part in parts if part)

    def _plain(self, row_text: str) -> str:
        return EXAMPLE_SEPARATOR.join([*self._examples, self._block(row_text)])

    def _alpaca(self, row_text: str) -> str:
        instruction = self.template.instruction or self.template.question
        target = self._block(row_text, with_prefix=False) if self.template.instruction else row_text
        return alpaca_prompt(instruction, EXAMPLE_SEPARATOR.join([*self._examples, target]))

    def _chat(self, row_text: str) -> str:
        messages = []
        for text, word in self._shots:
            messages.append({"role": "user", "content": self._block(text, with_prefix=False)})
            messages.append({"role": "assistant", "content": word})
        messages.append({"role": "user", "content": self._block(row_text, with_prefix=False)})
        if self.template.instruction:
            first = messages[0]
            first["content"] = f"{self.template.instruction}{EXAMPLE_SEPARATOR}{first['content']}"
        return chat_prompt(self.tokenizer, messages)
