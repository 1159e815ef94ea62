"""CSV and TSV uploads (a semicolon-separated CSV too), with parser errors put in words."""

from __future__ import annotations

import csv
import io
import re
import warnings as warnings_module

import pandas as pd

from workbench.data.upload.limits import MAX_COLUMNS, check_unique_names, too_many_columns
from workbench.errors import DataValidationError

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def read_delimited(text: str, separator: str) -> pd.DataFrame:
    kind = "TSV" if separator == "\t" else "CSV"
    header = _header_fields(text, separator)
    if separator == "," and len(header) == 1 and header[0].count(";") >= 1:
        separator, header = ";", _header_fields(text, ";")  # spreadsheets in many locales
    if len(header) > MAX_COLUMNS:
        raise too_many_columns(len(header))
    try:
        with warnings_module.catch_warnings():
            warnings_module.simplefilter("error", pd.errors.ParserWarning)
            frame = pd.read_csv(io.StringIO(text), sep=separator, index_col=False)
    except pd.errors.ParserWarning:
        raise DataValidationError(
            f"Some rows of the {kind} have more values than the header has column names "
            f"({len(header)}). Check the separators and quotes in those rows."
        ) from None
    except pd.errors.EmptyDataError:
        raise DataValidationError(f"The {kind} has no column names and no rows.") from None
    except (pd.errors.ParserError, ValueError, csv.Error) as error:
        raise DataValidationError(_explain_parser_error(str(error), kind)) from error
    _check_header_is_names(header, frame)
    check_unique_names(header)
    return frame


def _header_fields(text: str, separator: str) -> list[str]:
    try:
        return next(csv.reader(io.StringIO(text), delimiter=separator), [])
    except csv.Error:
        return []


def _explain_parser_error(message: str, kind: str) -> str:
    fields = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", message)
    if fields:
        expected, line, saw = fields.groups()
        return (
            f"Line {line} of the {kind} has {saw} values but the header has {expected} column "
            "names. Check the separators and quotes on that line."
        )
    quote = re.search(r"EOF inside string starting at row (\d+)", message)
    if quote:
        return (
            f"A quoted value that starts near row {quote.group(1)} of the {kind} is never closed. "
            "Check the quotes (\") in the file."
        )
    return f"The file could not be read as {kind}: {message.strip().splitlines()[0]}"


def _looks_like_number(text: str) -> bool:
    return bool(_NUMBER.match(str(text).strip()))


def _check_header_is_names(header: list[str], frame: pd.DataFrame) -> None:
    """A first line of values instead of names: every name is a number or a value of its column."""
    if not header or len(header) != len(frame.columns):
        return
    sample = frame.head(1_000)
    for name, column in zip(header, frame.columns):
        name = name.strip()
        if _looks_like_number(name):
            continue
        if not name or not sample[column].astype(str).str.strip().eq(name).any():
            return
    raise DataValidationError(
        "The first line looks like data, not column names: add a header row with a name for "
        f"each column (the first line was: {', '.join(header[:6])}"
        + (", ..." if len(header) > 6 else "") + ")."
    )
