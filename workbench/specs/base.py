"""What every part of a spec shares: strict models, bounds on text, and the SpecError."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from workbench.errors import WorkbenchError


class SpecError(WorkbenchError):
    """A spec file or a `--set` override is not valid; the message lists every problem."""


# Bounds on text fields: a spec is typed by people, and a megabyte in a name or a question is a
# slip (or an attack on the pages that show it), never a setting.
MAX_NAME_CHARS = 200
MAX_TEXT_CHARS = 5_000  # a question, an instruction, a prompt-tuning start text
MAX_ANSWER_CHARS = 100
MAX_PATH_CHARS = 4_096


class _Strict(BaseModel):
    # NaN fails bounds with a misleading message ("less than or equal to 1") and infinity
    # passes one-sided ones (`ewc_lambda: .inf`): both are "Input should be a finite number".
    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)
