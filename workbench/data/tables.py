"""A user's table as a data set: the label choice and the column roles applied to its frame.

    choice = TableChoice("card", "yes", roles={"id": "ignored"}, descriptions={"share": "..."})
    table = prepare_table(frame, choice)     # DataValidationError says what is wrong
    table.data, table.features, table.roles  # rows, typed features, every column's role
    info = table_info(table, name="credit", title="credit.csv", ...)

The same function serves the Data explorer's preview, a kept table's loader
(workbench.data.kept) and a spec naming a file, so the three read a table alike. A role is
numeric, categorical, text or ignored; roles not given are inferred (workbench.data.upload).
Ignored columns leave the data set: prompts and baselines never see them.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from workbench.data import upload
from workbench.data.registry import YOUR_DATA, DatasetInfo, Feature
from workbench.errors import DataValidationError

Role = Literal["numeric", "categorical", "text", "ignored"]
ROLES: tuple[str, ...] = ("numeric", "categorical", "text", "ignored")
MAX_DESCRIPTION_CHARS = 200
ROW_ID = "row_id"  # runs add this column (workbench.rows); a table's own is renamed
TABLE_VERSION = 1  # bump when the same file and choice would give other rows


@dataclass(frozen=True)
class TableChoice:
    """What the user chose about a table: the label, its positive class (None: every class),
    column roles (missing ones inferred) and column descriptions (used as readable names)."""

    label_column: str
    positive_class: str | None = None
    roles: dict[str, str] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PreparedTable:
    label_column: str
    data: pd.DataFrame  # label values as class names, ignored columns dropped
    features: tuple[Feature, ...]
    classes: tuple[str, ...]
    positive_class: str | None
    roles: dict[str, str]  # every column but the label, ignored ones included
    descriptions: dict[str, str]
    label_rule: str
    notes: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        return "text" if all(f.type == "text" for f in self.features) else "tabular"

    @property
    def text_column(self) -> str | None:
        texts = [f.name for f in self.features if f.type == "text"]
        if not texts:
            return None
        return max(texts, key=lambda c: self.data[c].dropna().astype(str).head(5_000).str.len().mean())

    @property
    def choice(self) -> TableChoice:
        """The choice with every role spelt out: what the data fingerprint hashes."""
        return TableChoice(self.label_column, self.positive_class, dict(self.roles),
                           dict(self.descriptions))


def labelled_table(
    frame: pd.DataFrame, label_column: str, positive_class: str | None
) -> tuple[pd.DataFrame, tuple[Feature, ...], tuple[str, ...], str | None, str, list[str]]:
    """(rows with class names as labels, inferred features, classes, positive class, label rule,
    notes): the upload's own reading of the label, for ordinary tables only."""
    if upload.looks_like_tallrec(frame):
        raise DataValidationError(
            "This is a TALLRec file: use it as the train_file or test_file of tallrec-book or "
            "tallrec-movie rather than as a table of your own.")
    data, info, notes = upload.build_upload_dataset(frame, label_column, positive_class)
    return data, info.features, info.classes, info.positive_class, info.label_rule, notes


def prepare_table(frame: pd.DataFrame, choice: TableChoice) -> PreparedTable:
    return apply_roles(*labelled_table(frame, choice.label_column, choice.positive_class), choice)


def apply_roles(
    data: pd.DataFrame, inferred: tuple[Feature, ...], classes: tuple[str, ...],
    positive: str | None, label_rule: str, notes: list[str], choice: TableChoice,
) -> PreparedTable:
    """The labelled rows with `choice`'s roles and descriptions: columns cast or dropped."""
    names = [feature.name for feature in inferred]
    _check_names(choice, names)
    roles = {f.name: choice.roles.get(f.name, f.type) for f in inferred}
    kept = [name for name in names if roles[name] != "ignored"]
    if not kept:
        raise DataValidationError(
            f"Every column besides the label '{choice.label_column}' is ignored: a model needs at "
            "least one feature. Give one of them a role (numeric, categorical or text).")
    notes = list(notes)
    data = data.drop(columns=[name for name in names if roles[name] == "ignored"])
    inferred_types = {f.name: f.type for f in inferred}
    for name in kept:
        if roles[name] == "numeric" and inferred_types[name] != "numeric":
            data[name] = _as_numbers(data[name], name, notes)
    descriptions = {name: text.strip()[:MAX_DESCRIPTION_CHARS]
                    for name, text in choice.descriptions.items()
                    if name in kept and text and text.strip()}
    renamed = {name: f"{name} (column)" for name in kept if name == ROW_ID}
    if renamed:
        data = data.rename(columns=renamed)
        notes.append(f"The column '{ROW_ID}' is called '{renamed[ROW_ID]}' here: runs number "
                     f"their rows in a column of that name.")
    features = tuple(
        Feature(renamed.get(name, name), roles[name], descriptions.get(name)) for name in kept)
    return PreparedTable(choice.label_column, data, features, classes, positive, roles, descriptions, label_rule,
                         tuple(notes) + tuple(_long_text_notes(data, features)))


def _check_names(choice: TableChoice, names: list[str]) -> None:
    unknown = [name for name in {**choice.roles, **choice.descriptions} if name not in names]
    if choice.label_column in unknown:
        raise DataValidationError(
            f"'{choice.label_column}' is the label: it has no role or description of its own.")
    if unknown:
        raise DataValidationError(
            "Roles or descriptions name columns the table does not have: "
            + ", ".join(f"'{name}'" for name in unknown[:5])
            + f". Its columns: {', '.join(names[:20])}.")
    bad = {name: role for name, role in choice.roles.items() if role not in ROLES}
    if bad:
        name, role = next(iter(bad.items()))
        raise DataValidationError(
            f"'{role}' is not a column role (column '{name}'); use one of {', '.join(ROLES)}.")


def _as_numbers(series: pd.Series, name: str, notes: list[str]) -> pd.Series:
    numbers = pd.to_numeric(series.astype("string").str.strip(), errors="coerce")
    lost = int((series.notna() & numbers.isna()).sum())
    if lost == int(series.notna().sum()):
        raise DataValidationError(
            f"Column '{name}' holds no numbers, so it cannot be numeric: make it categorical or "
            "text, or ignore it.")
    if lost:
        notes.append(f"Column '{name}' as numbers: {lost:,} value(s) that are not numbers are "
                     "treated as missing.")
    return numbers.astype(float)


LONG_TEXT_CHARS = 4_000  # about 1,000 tokens: one such cell fills a small model's prompt


def _long_text_notes(data: pd.DataFrame, features: tuple[Feature, ...]) -> list[str]:
    notes = []
    for feature in features:
        if feature.type != "text":
            continue
        lengths = data[feature.name].dropna().astype(str).str.len()
        longest = int(lengths.max()) if len(lengths) else 0
        if longest > LONG_TEXT_CHARS:
            cut = "{{ " + jinja_reference(feature.name) + "[:2000] }}"
            notes.append(
                f"Column '{feature.name}' has cells of up to {longest:,} characters (about "
                f"{longest // 4:,} tokens). A prompt longer than the model's context loses its "
                f"start; cut the column in a Jinja template ({cut}) or ignore it.")
    return notes


_JINJA_KEYWORDS = frozenset({
    "and", "block", "else", "elif", "endfor", "endif", "extends", "false", "for", "if", "import",
    "in", "include", "is", "levels", "loop", "macro", "none", "not", "or", "range", "recursive", "row",
    "self", "set", "true", "with", "False", "None", "True",
})


def jinja_reference(column: str) -> str:
    """How a template names a column: `MedInc`, or row["LOT SQFT"] when it is no identifier."""
    if column.isidentifier() and column not in _JINJA_KEYWORDS:
        return column
    return f"row[{json.dumps(column, ensure_ascii=False)}]"


def table_fingerprint(sha256: str, file_format: str, table: PreparedTable) -> str:
    """The data fingerprint of a table: its file's content and what was chosen about it, never
    its name or path (a renamed copy has the same one, an edited file another)."""
    content = {
        "sha256": sha256, "format": file_format, "label_column": table.label_column,
        "positive_class": table.positive_class, "roles": table.roles,
        "descriptions": table.descriptions, "version": TABLE_VERSION,
    }
    blob = json.dumps(content, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def describe(features: tuple[Feature, ...], roles: dict[str, str], rows: int) -> str:
    """"300 rows with a label, 4 feature(s) (2 numeric, 1 categorical, 1 text); 1 column ignored"."""
    counts = {kind: sum(f.type == kind for f in features) for kind in ("numeric", "categorical", "text")}
    parts = ", ".join(f"{count} {kind}" for kind, count in counts.items() if count)
    ignored = sum(role == "ignored" for role in roles.values())
    return (f"{rows:,} rows with a label, {len(features)} feature(s) ({parts})"
            + (f"; {ignored} column(s) ignored" if ignored else "") + ".")


def preview_info(table: PreparedTable, title: str) -> DatasetInfo:
    """The table as the Data explorer shows it before it is kept."""
    return DatasetInfo(
        name="upload", title=title, kind=table.kind,
        description=f"Uploaded table: {describe(table.features, table.roles, len(table.data))}",
        source="your upload", license="yours", label_column=table.label_column,
        classes=table.classes, features=table.features, loader=lambda: table.data,
        positive_class=table.positive_class, text_column=table.text_column,
        label_rule=table.label_rule, group=YOUR_DATA,
    )
