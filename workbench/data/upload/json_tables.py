"""JSON and JSON lines uploads: a list of records or an object of columns; duplicate names,
bad lines and nesting are named. Cells holding lists or objects become their JSON text."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from workbench.data import strict_json
from workbench.data.upload.limits import MAX_COLUMNS, check_row_count, too_many_columns
from workbench.errors import DataValidationError


def _json_problem(error: Exception) -> str:
    """What is wrong, in words, for the errors json.loads raises besides JSONDecodeError."""
    if isinstance(error, strict_json.RepeatedName):
        return (
            f"the name '{error.args[0]}' appears twice in one object, so one of its values "
            "would be lost; column names must be unique"
        )
    if isinstance(error, RecursionError):
        return "it is nested too deeply to be a table"
    return "it holds a number too long to read (thousands of digits)"


def read_json(text: str) -> pd.DataFrame:
    try:
        parsed = strict_json.loads(text)
    except json.JSONDecodeError as error:
        if error.msg == "Extra data":  # one object per line, uploaded as .json
            return read_jsonl(text)
        raise DataValidationError(
            f"The JSON is not valid: {error.msg} at line {error.lineno}, column {error.colno}."
        ) from None
    except (ValueError, RecursionError) as error:
        raise DataValidationError(f"The JSON cannot be used: {_json_problem(error)}.") from None
    return _records_to_frame(parsed)


def read_jsonl(text: str) -> pd.DataFrame:
    """All lines parsed as one JSON list (fast); on a problem, line by line to say which."""
    lines = [line for line in text.splitlines() if line.strip()]
    try:
        records = strict_json.loads("[" + ",".join(lines) + "]")
    except (ValueError, RecursionError):
        records = None
    if records is None or len(records) != len(lines):  # a line that is not one value
        records = [_jsonl_record(number, line)
                   for number, line in enumerate(text.splitlines(), start=1) if line.strip()]
    bad = next((i for i, record in enumerate(records) if not isinstance(record, dict)), None)
    if bad is not None:
        raise DataValidationError(
            f"Line {_line_number(text, bad)} of the JSON lines file is not an object: each line "
            'must be one record like {"column": value, ...}.'
        )
    return _records_to_frame(records)


def _jsonl_record(number: int, line: str) -> object:
    try:
        return strict_json.loads(line)
    except json.JSONDecodeError as error:
        reason = error.msg
    except (ValueError, RecursionError) as error:
        reason = _json_problem(error)
    raise DataValidationError(f"Line {number} of the JSON lines file is not valid JSON: {reason}.")


def _line_number(text: str, record_index: int) -> int:
    """The line (from 1) of the record_index-th non-blank line."""
    seen = -1
    for number, line in enumerate(text.splitlines(), start=1):
        seen += bool(line.strip())
        if seen == record_index:
            return number
    return record_index + 1


_JSON_SHAPE_HINT = (
    'Use a list of records, [{"column": value, ...}, ...], or an object of columns, '
    '{"column": [value, ...], ...}.'
)


def _records_to_frame(parsed: object) -> pd.DataFrame:
    if isinstance(parsed, list):
        bad = next((i for i, item in enumerate(parsed) if not isinstance(item, dict)), None)
        if bad is not None:
            raise DataValidationError(
                f"Item {bad + 1} of the JSON list is not an object, so it has no column names. "
                + _JSON_SHAPE_HINT
            )
        check_row_count(len(parsed))
        columns = {key for record in parsed for key in record}
        if len(columns) > MAX_COLUMNS:
            raise too_many_columns(len(columns))
        frame = pd.DataFrame.from_records(parsed)
    elif isinstance(parsed, dict) and parsed and all(isinstance(v, list) for v in parsed.values()):
        lengths = {len(values) for values in parsed.values()}
        if len(lengths) > 1:
            raise DataValidationError(
                "The JSON columns have different lengths: every column needs one value per row."
            )
        if len(parsed) > MAX_COLUMNS:
            raise too_many_columns(len(parsed))
        frame = pd.DataFrame(parsed)
    else:
        raise DataValidationError("The JSON is not a table. " + _JSON_SHAPE_HINT)
    return flatten_nested_cells(frame)


_NESTED = (list, dict, np.ndarray)


def flatten_nested_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """Lists and objects inside cells (JSON, Parquet list and struct columns) become their JSON
    text, so every cell is hashable."""
    for column in frame.columns:
        if frame[column].dtype == object:
            nested = frame[column].map(lambda value: isinstance(value, _NESTED))
            if nested.any():
                frame[column] = frame[column].map(
                    lambda value: json.dumps(value, ensure_ascii=False, default=_plain)
                    if isinstance(value, _NESTED) else value
                )
    return frame


def _plain(value: object) -> object:
    """json.dumps' fallback for what Parquet cells hold: numpy arrays and numbers, bytes, dates."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)
