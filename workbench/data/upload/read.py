"""read_table: an uploaded file's bytes to a frame, by its extension, or a DataValidationError
that says what is wrong (the file name is used for its extension and for display only)."""

from __future__ import annotations

from pathlib import PurePath, PureWindowsPath

import pandas as pd

from workbench.data.upload.delimited import read_delimited
from workbench.data.upload.json_tables import read_json, read_jsonl
from workbench.data.upload.limits import (
    ACCEPTED_TYPES, MAX_COLUMNS, MAX_UPLOAD_BYTES, MAX_UPLOAD_MB, MIN_ROWS, check_row_count,
    check_unique_names, too_many_columns,
)
from workbench.data.upload.parquet import format_mismatch, read_parquet
from workbench.errors import DataValidationError


def read_table(filename: str, data: bytes) -> pd.DataFrame:
    """Parse an uploaded file by its extension; DataValidationError says what is wrong."""
    extension = file_extension(filename)
    if extension not in ACCEPTED_TYPES:
        shown = f"Files of type .{extension} are" if extension else "A file without an extension is"
        raise DataValidationError(
            f"{shown} not accepted. Upload one of: "
            + ", ".join(f".{kind}" for kind in ACCEPTED_TYPES) + "."
        )
    _check_size(data)
    if extension == "parquet":
        frame = read_parquet(data)
    else:
        text = _decode_text(data, extension)
        frame = _READERS[extension](text)
    return _tidy_columns(frame)


def file_extension(filename: str) -> str:
    return PurePath(filename or "").suffix.lower().lstrip(".")


def display_name(filename: str) -> str:
    """The file name as it may be shown: last path part (/ or \\), printable, at most 80
    characters. Shown only: no upload is ever stored under its name."""
    name = PureWindowsPath(filename or "upload").name
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return (name or "upload")[:80]


def _check_size(data: bytes) -> None:
    if len(data) > MAX_UPLOAD_BYTES:
        raise DataValidationError(
            f"The file is {len(data) / 1_000_000:.1f} MB; the limit is {MAX_UPLOAD_MB} MB. "
            "Upload a sample of the rows or keep only the columns you need."
        )
    if not data:
        raise DataValidationError("The file is empty (0 bytes).")
    if not data.removeprefix(b"\xef\xbb\xbf").strip():  # a byte-order mark is no content
        raise DataValidationError(
            "The file contains only blank space: no column names and no rows."
        )


def _decode_text(data: bytes, extension: str) -> str:
    mismatch = format_mismatch(data)
    if mismatch:
        raise DataValidationError(f"This .{extension} file is really {mismatch}.")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    head = data[:65_536]
    controls = sum(byte < 32 and byte not in (9, 10, 13) for byte in head)
    if b"\x00" in head or controls > len(head) * 0.05:
        raise DataValidationError(
            f"This does not look like a .{extension} file: it contains binary data. "
            "Upload a text file (CSV, TSV, JSON, JSONL) or a Parquet file."
        )
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")  # maps every byte; only odd accents can come out wrong


_READERS = {
    "csv": lambda text: read_delimited(text, ","),
    "tsv": lambda text: read_delimited(text, "\t"),
    "json": read_json,
    "jsonl": read_jsonl,
}


def _tidy_columns(frame: pd.DataFrame) -> pd.DataFrame:
    names = [str(column).strip() for column in frame.columns]
    check_unique_names(names)
    frame.columns = names
    if len(names) > MAX_COLUMNS:
        raise too_many_columns(len(names))
    if not names:
        raise DataValidationError("The file has no columns.")
    if len(frame) == 0:
        raise DataValidationError("The file has column names but no rows of data.")
    if len(frame) < MIN_ROWS:
        raise DataValidationError(
            f"The file has only {len(frame)} row of data; the explorer needs at least {MIN_ROWS} "
            "rows, with at least two different label values."
        )
    check_row_count(len(frame))
    return frame.reset_index(drop=True)
