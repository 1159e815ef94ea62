"""Errors raised while turning rows into prompts; pages show `str(error)` as it is."""

from __future__ import annotations

from workbench.errors import WorkbenchError


class TemplateError(WorkbenchError):
    """A prompt template cannot be used: a Jinja syntax error, an unknown column, an unsafe or too
    costly construct, answer words that do not fit the data set, ...

    `line` is the line of the Jinja template at fault when known (1-based).
    """

    def __init__(self, message: str, line: int | None = None):
        self.message = message
        self.line = line
        super().__init__(f"Line {line}: {message}" if line is not None else message)


class ChatTemplateError(TemplateError):
    """The chat wrapper was asked for, but there is no tokenizer or it has no chat template."""
