"""Which rows a run uses: a data set (or a table by path), its split, and how many rows."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from workbench.specs.base import MAX_NAME_CHARS, MAX_PATH_CHARS, _Strict

TableRole = Literal["numeric", "categorical", "text", "ignored"]
TABLE_FIELDS = ("label_column", "positive_class", "roles", "descriptions")


class DataSpec(_Strict):
    """Which rows: a data set, its split, and how many rows of each part to use."""

    dataset: str = Field("california-housing", min_length=1, max_length=MAX_NAME_CHARS)
    split_seed: int = 42
    test_fraction: float = Field(0.2, gt=0, lt=1)
    val_fraction: float = Field(0.1, ge=0, lt=1)
    stratify: bool = True
    n_train: int | None = Field(None, ge=1, description="use this many training rows (random, seeded)")
    n_test: int | None = Field(None, ge=1, description="score this many test rows (the first of the shuffled test split)")
    sample_seed: int = 0
    train_file: str | None = Field(None, max_length=MAX_PATH_CHARS)  # TALLRec-style files
    test_file: str | None = Field(None, max_length=MAX_PATH_CHARS)
    # A table of your own by path (CSV, TSV, JSON, JSON lines, Parquet) and what to make of it;
    # running the spec keeps it like the Data explorer does (workbench.data.kept) and names it
    # in `dataset` (workbench.experiments.table_specs).
    file: str | None = Field(None, max_length=MAX_PATH_CHARS)
    label_column: str | None = Field(None, min_length=1, max_length=MAX_NAME_CHARS)
    positive_class: str | None = Field(None, min_length=1, max_length=MAX_NAME_CHARS)  # None: all classes
    roles: dict[str, TableRole] = Field(default_factory=dict)  # column -> role; others inferred
    descriptions: dict[str, Annotated[str, Field(max_length=MAX_NAME_CHARS)]] = Field(
        default_factory=dict)  # column -> readable name used by prompts

    @field_validator("train_file", "test_file")
    @classmethod
    def _absolute_file(cls, value: str | None) -> str | None:
        """A relative path is read from where the spec was given (the CLI's working folder), so
        it is stored absolute: the app's worker and later reruns find the same file."""
        if value is None or not value.strip():
            return None
        value = value.strip()
        if value.lower().startswith(("http://", "https://")):
            return value
        return str(Path(value).expanduser().resolve())

    @field_validator("file")
    @classmethod
    def _local_table(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if value.strip().lower().startswith(("http://", "https://")):
            raise ValueError("give the path of a table on this machine (download it first)")
        return str(Path(value.strip()).expanduser().resolve())

    @field_validator("positive_class", mode="before")
    @classmethod
    def _class_as_text(cls, value: Any) -> Any:
        """`positive_class: 1` or `true` in YAML names the label value as the table has it."""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return str(int(value)) if float(value).is_integer() else repr(float(value))
        return value

    @model_validator(mode="before")
    @classmethod
    def _file_names_the_data_set(cls, data: Any) -> Any:
        """Until it is kept, a table by path is called after its file (task names, messages)."""
        if isinstance(data, dict) and data.get("file") and not data.get("dataset"):
            data = {**data, "dataset": f"file:{Path(str(data['file'])).name}"[:MAX_NAME_CHARS]}
        return data

    @model_validator(mode="after")
    def _fractions_leave_training_rows(self) -> "DataSpec":
        if self.test_fraction + self.val_fraction >= 0.95:
            raise ValueError("test_fraction + val_fraction must leave at least 5% for training")
        return self

    @model_validator(mode="after")
    def _table_fields_go_with_a_file(self) -> "DataSpec":
        if self.file is None:
            given = [name for name in TABLE_FIELDS if getattr(self, name)]
            if given:
                raise ValueError(f"{', '.join(given)} describe a table given by `file`; add "
                                 "`file: PATH` or leave them out")
            return self
        if not self.label_column:
            raise ValueError("a table given by `file` needs `label_column` (the column to predict)")
        if self.train_file or self.test_file:
            raise ValueError("give either `file` (one table, split here) or train_file/test_file")
        return self
