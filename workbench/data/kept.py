"""Tables the user keeps: files stored by content in the workbench home, each with a label
choice, column roles and descriptions, and reached like any data set (`get_info`, `load`).

    record, new = keep_table(data, "credit.csv", TableChoice("card", "yes"), name="Credit cards")
    get_info(record.id).title       # "Credit cards"; in every page's picker ("Your data")
    remove_kept(record.id)          # its runs stay in the run store

Layout: `$WORKBENCH_TABLES` (default <workbench home>/tables) holds `files/<sha256>.<format>`
(the bytes as uploaded, shared by every choice made on them) and one `<id>.json` per kept data
set. The id is the name's slug plus the first characters of the data fingerprint
(workbench.data.tables.table_fingerprint): the same file with another label or other roles is
another data set, the same file with the same choices is the same one. A record is never
changed after it is kept, except its split protocol, which is not part of the fingerprint.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from workbench.data import upload
from workbench.data.registry import YOUR_DATA, DatasetInfo, Feature
from workbench.data.tables import PreparedTable, TableChoice, describe, prepare_table, table_fingerprint
from workbench.errors import DatasetUnavailableError, DataValidationError
from workbench.paths import workbench_home

TABLES_ENV = "WORKBENCH_TABLES"
FILES = "files"
RECORD_VERSION = 1
MAX_NAME_CHARS = 80
MAX_DESCRIPTION_CHARS = 500
DEFAULT_SPLIT = {"test_fraction": 0.2, "split_seed": 42}
_ID_TAIL = re.compile(r"-[0-9a-f]{8}$")


def tables_dir() -> Path:
    """Where kept tables live; made when the first one is kept, not by looking."""
    return Path(os.environ.get(TABLES_ENV) or workbench_home() / "tables").expanduser()


@dataclass(frozen=True)
class KeptTable:
    id: str
    name: str
    description: str
    file_name: str  # as uploaded; shown, never used as a path
    sha256: str
    format: str  # csv, tsv, json, jsonl or parquet
    size: int
    label_column: str
    positive_class: str | None
    classes: list[str]
    roles: dict[str, str]
    descriptions: dict[str, str]
    features: list[list[str]]  # [name, type] of each feature, in order
    kind: str
    text_column: str | None
    label_rule: str
    rows: int
    fingerprint: str
    kept_at: float
    split: dict = field(default_factory=lambda: dict(DEFAULT_SPLIT))
    version: int = RECORD_VERSION

    @property
    def path(self) -> Path:
        return tables_dir() / FILES / f"{self.sha256}.{self.format}"

    @property
    def choice(self) -> TableChoice:
        return TableChoice(self.label_column, self.positive_class, dict(self.roles),
                           dict(self.descriptions))

    @property
    def label_choice(self) -> str:
        if self.positive_class is None:
            return f"'{self.label_column}', all {len(self.classes)} classes"
        return f"'{self.label_column}' = '{self.positive_class}' against the rest"

    def problem(self) -> str | None:
        """Why its rows cannot be read now (its file is gone), or None."""
        if self.path.is_file():
            return None
        return (f"The file of '{self.name}' ({self.file_name}, sha256 {self.sha256[:12]}…) is "
                f"gone from the workbench home ({self.path.parent}). Its runs stay on the Results "
                "page; to use it again, upload the file on the Data explorer and keep it with the "
                "same label and roles, or remove it.")


# --- keeping ---------------------------------------------------------------------------------------


def slug(name: str) -> str:
    text = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return text[:40].strip("-") or "table"


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Sessions of one server are threads of one process: the name must differ per call.
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    try:
        temporary.write_bytes(data)
        temporary.replace(path)
    finally:
        temporary.unlink(missing_ok=True)


def _unique_name(name: str, fingerprint: str) -> str:
    taken = {record.name for record in kept_tables() if record.fingerprint != fingerprint}
    if name not in taken:
        return name
    number = 2
    while f"{name} ({number})" in taken:
        number += 1
    return f"{name} ({number})"


def keep_table(
    data: bytes, file_name: str, choice: TableChoice, name: str | None = None,
    description: str = "", split: dict | None = None,
) -> tuple[KeptTable, bool]:
    """Keep `data` with `choice`: (the record, True) for a new data set, (the record kept
    earlier with the same file and choices, False) otherwise. DataValidationError when the file
    or the choice cannot be used; nothing is written then."""
    file_name = upload.display_name(file_name)
    file_format = upload.file_extension(file_name)
    table = prepare_table(upload.read_table(file_name, data), choice)
    sha256 = hashlib.sha256(data).hexdigest()
    fingerprint = table_fingerprint(sha256, file_format, table)
    for record in kept_tables():
        if record.fingerprint == fingerprint:
            if not record.path.is_file():  # kept before, its file lost since: put it back
                _write(record.path, data)
            return record, False
    name = " ".join((name or file_name).split())[:MAX_NAME_CHARS] or file_name
    record = KeptTable(
        id=f"{slug(name)}-{fingerprint[:8]}", name=_unique_name(name, fingerprint),
        description=" ".join(description.split())[:MAX_DESCRIPTION_CHARS],
        file_name=file_name, sha256=sha256, format=file_format, size=len(data),
        label_column=table.label_column, positive_class=table.positive_class,
        classes=list(table.classes), roles=dict(table.roles),
        descriptions=dict(table.descriptions),
        features=[[feature.name, feature.type] for feature in table.features],
        kind=table.kind, text_column=table.text_column, label_rule=table.label_rule,
        rows=len(table.data), fingerprint=fingerprint, kept_at=time.time(),
        split=checked_split(split or DEFAULT_SPLIT),
    )
    folder = tables_dir()
    if not record.path.is_file():
        _write(record.path, data)
    _save(record, folder)
    return record, True


def keep_path(path: str | Path, choice: TableChoice, name: str | None = None,
              description: str = "") -> tuple[KeptTable, bool]:
    """keep_table for a file given by path (a spec's `data.file`, `datasets add`)."""
    path = Path(path).expanduser()
    try:
        size = path.stat().st_size
        if size > upload.MAX_UPLOAD_BYTES:
            raise DataValidationError(
                f"{path} is {size / 1e6:.1f} MB; a table is at most {upload.MAX_UPLOAD_MB} MB.")
        data = path.read_bytes()
    except IsADirectoryError:
        raise DataValidationError(f"{path} is a folder, not a table file.") from None
    except FileNotFoundError:
        raise DataValidationError(f"There is no file {path}.") from None
    except OSError as error:
        raise DataValidationError(f"Cannot read {path}: {error.strerror}.") from None
    return keep_table(data, path.name, choice, name=name, description=description)


def checked_split(split: dict) -> dict:
    test_fraction, seed = split.get("test_fraction"), split.get("split_seed")
    if not isinstance(test_fraction, (int, float)) or not 0.05 <= test_fraction <= 0.5:
        raise DataValidationError(
            f"The test fraction must be between 0.05 and 0.5, not {test_fraction!r}.")
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed < 2**31:
        raise DataValidationError(f"The split seed must be a whole number from 0, not {seed!r}.")
    return {"test_fraction": float(test_fraction), "split_seed": int(seed)}


def _save(record: KeptTable, folder: Path | None = None) -> None:
    folder = folder or tables_dir()
    _write(folder / f"{record.id}.json", json.dumps(asdict(record), indent=2).encode())


def set_split(name: str, test_fraction: float, split_seed: int) -> KeptTable:
    """Change a kept data set's split protocol (what pages split it by from now on)."""
    record = _require(name)
    changed = KeptTable(**{**asdict(record), "split": checked_split(
        {"test_fraction": test_fraction, "split_seed": split_seed})})
    _save(changed)
    return changed


def remove_kept(name: str) -> KeptTable:
    """Forget a kept data set; its file goes too unless another kept data set reads it."""
    record = _require(name)
    (tables_dir() / f"{record.id}.json").unlink(missing_ok=True)
    if not any(other.sha256 == record.sha256 for other in kept_tables()):
        record.path.unlink(missing_ok=True)
    return record


def _require(name: str) -> KeptTable:
    record = find_kept(name)
    if record is None:
        raise DatasetUnavailableError(f"No kept data set is called {name!r}.")
    return record


# --- reading ---------------------------------------------------------------------------------------

_CACHE: dict[str, tuple[tuple, list[KeptTable]]] = {}


def _read_record(path: Path) -> KeptTable | None:
    try:
        values = json.loads(path.read_text(encoding="utf-8"))
        return KeptTable(**values)
    except (OSError, ValueError, TypeError):
        return None  # a damaged or foreign file: not a data set


def kept_tables() -> list[KeptTable]:
    """Every kept data set, oldest first; re-read only when the folder's listing changes."""
    folder = tables_dir()
    paths = sorted(folder.glob("*.json"))  # none when the folder is not there yet
    signature = tuple((path.name, _mtime(path)) for path in paths)
    cached = _CACHE.get(str(folder))
    if cached is not None and cached[0] == signature:
        return list(cached[1])
    records = [record for record in map(_read_record, paths) if record is not None]
    records.sort(key=lambda record: record.kept_at)
    _CACHE[str(folder)] = (signature, records)
    return list(records)


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:  # removed meanwhile (another session pressed Remove)
        return -1


def find_kept(name: str) -> KeptTable | None:
    return next((record for record in kept_tables() if record.id == name), None)


def find_fingerprint(fingerprint: str) -> KeptTable | None:
    return next((r for r in kept_tables() if r.fingerprint == fingerprint), None)


def looks_kept(name: str) -> bool:
    return bool(_ID_TAIL.search(name))


def kept_problem(name: str) -> str | None:
    """Why a kept data set cannot be read now (its file is gone); None for the others."""
    record = find_kept(name)
    return record.problem() if record is not None else None


def load_rows(record: KeptTable) -> pd.DataFrame:
    """The stored file read and prepared with the record's choices, checked to be the file kept."""
    problem = record.problem()
    if problem:
        raise DatasetUnavailableError(problem)
    data = record.path.read_bytes()
    if hashlib.sha256(data).hexdigest() != record.sha256:
        raise DatasetUnavailableError(
            f"The stored file of '{record.name}' ({record.path}) was changed after it was kept, "
            "so its runs would not be comparable. Remove the data set and keep the file again.")
    table: PreparedTable = prepare_table(upload.read_table(record.file_name, data), record.choice)
    return table.data


def provenance(record: KeptTable) -> tuple[tuple[str, str], ...]:
    roles = ", ".join(f"{name}: {role}" for name, role in record.roles.items())
    return (
        ("file", record.file_name), ("sha256", record.sha256),
        ("label choice", record.label_choice), ("column roles", roles),
        *((("column descriptions", "; ".join(f"{k}: {v}" for k, v in record.descriptions.items())),)
          if record.descriptions else ()),
    )


def kept_info(record: KeptTable) -> DatasetInfo:
    features = tuple(Feature(name, kind, record.descriptions.get(name.removesuffix(" (column)")))
                     for name, kind in record.features)
    counts = describe(features, record.roles, record.rows)
    return DatasetInfo(
        name=record.id, title=record.name, kind=record.kind,
        description=record.description or f"Your table {record.file_name}: {counts}",
        source=f"your file {record.file_name} (sha256 {record.sha256[:12]}…)", license="yours",
        label_column=record.label_column, classes=tuple(record.classes),
        features=features, loader=lambda: load_rows(record),
        positive_class=record.positive_class, text_column=record.text_column,
        label_rule=record.label_rule, group=YOUR_DATA, fingerprint=record.fingerprint,
        provenance=provenance(record), split=tuple(record.split.items()),
        published_rows=record.rows,
    )


def kept_info_named(name: str) -> DatasetInfo | None:
    record = find_kept(name)
    return kept_info(record) if record is not None else None


def kept_infos() -> list[DatasetInfo]:
    return [kept_info(record) for record in kept_tables()]
