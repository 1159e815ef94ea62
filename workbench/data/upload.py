"""Uploaded tables: parse the bytes, check them, and turn them into a data set.

    frame = read_table("loans.csv", data)            # DataValidationError with a plain message
    warnings = check_table(frame)                    # things worth knowing, not fatal
    frame, info, notes = build_upload_dataset(frame, "approved", "yes")

The file name is only used for its extension and for display, never as a path, and nothing
uploaded is ever unpickled (Parquet is read by pyarrow, JSON by the json module). Limits, each
refused with a message: MAX_UPLOAD_MB bytes, MAX_COLUMNS columns, MAX_ROWS rows (a Parquet file
is checked from its footer before it is read) and MAX_PARQUET_MEMORY bytes once unpacked.
"""

from __future__ import annotations

import csv
import io
import json
import re
import warnings as warnings_module
from dataclasses import replace
from pathlib import PurePath, PureWindowsPath

import numpy as np
import pandas as pd

from workbench.data import strict_json, tallrec
from workbench.data.registry import DatasetInfo, Feature, FeatureType
from workbench.errors import DataValidationError

MAX_UPLOAD_MB = 50
MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 1_000_000  # decimal MB, as browsers show file sizes
MAX_COLUMNS = 1_000
MAX_ROWS = 2_000_000  # Book-Crossing, the largest built-in set, has 1.15 million
MAX_PARQUET_MEMORY = 1_000_000_000  # bytes once decompressed: a small file can unpack to far more
MIN_ROWS = 2
MAX_CLASSES = 30
SMALL_CLASS_ROWS = 5  # fewer rows than this in a class: warn, a split cannot stratify it
ACCEPTED_TYPES = ("csv", "tsv", "json", "jsonl", "parquet")
TEXT_MIN_MEAN_CHARS = 40  # string columns longer than this on average are free text
ONE_VS_REST_NEGATIVE = "other"

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_LABEL_NAMES = ("label", "target", "class", "y", "outcome", "output", "liked")
_POSITIVE_NAMES = ("yes", "1", "true", "positive", "pos", "y", "1.0")
# Leading bytes of formats people upload by mistake, and what to tell them.
_MAGIC = (
    (b"PK\x03\x04", "a zip archive or an Excel workbook: save the sheet as CSV and upload that"),
    (b"\x1f\x8b", "gzip-compressed: unpack it first"),
    (b"%PDF", "a PDF document, not a table"),
    (b"\x80\x04", "a Python pickle, which the workbench never opens: save it as Parquet or CSV"),
    (b"\x80\x05", "a Python pickle, which the workbench never opens: save it as Parquet or CSV"),
    (b"\x89PNG", "a PNG image, not a table"),
    (b"\xff\xd8\xff", "a JPEG image, not a table"),
    (b"SQLite format 3", "an SQLite database: export the table as CSV"),
)


# ---------------------------------------------------------------------------------------------
# Reading


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
        frame = _read_parquet(data)
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


def _format_mismatch(data: bytes) -> str | None:
    for magic, what in _MAGIC:
        if data.startswith(magic):
            return what
    if data.startswith(b"PAR1"):
        return "a Parquet file: give it the .parquet extension"
    return None


def _decode_text(data: bytes, extension: str) -> str:
    mismatch = _format_mismatch(data)
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


def _read_parquet(data: bytes) -> pd.DataFrame:
    _check_parquet_ends(data)
    metadata = _parquet_metadata(data)
    _check_parquet_shape(metadata)
    try:
        _check_parquet_size(_parquet_unpacked_bytes(data, metadata))
        frame = pd.read_parquet(io.BytesIO(data))
    except DataValidationError:
        raise
    except Exception as error:  # pyarrow raises several types for damaged files
        raise _damaged_parquet(error) from error
    return _flatten_nested_cells(frame)


def _check_parquet_ends(data: bytes) -> None:
    if data.startswith(b"PAR1") and data.endswith(b"PAR1"):
        return
    if data.startswith(b"PAR1"):
        raise DataValidationError(
            "The Parquet file is cut short: its end (the part that lists the columns) is "
            "missing. Upload the whole file again."
        )
    mismatch = _format_mismatch(data)
    detail = f"it is {mismatch}" if mismatch else "it is damaged, cut short or another format"
    raise DataValidationError(f"This is not a valid Parquet file: {detail}.")


def _parquet_metadata(data: bytes):
    """The footer only (names, rows, sizes): checked before anything is decompressed."""
    import pyarrow.parquet as parquet

    try:
        return parquet.ParquetFile(io.BytesIO(data)).metadata
    except Exception as error:  # a damaged footer
        raise _damaged_parquet(error) from error


def _check_parquet_shape(metadata) -> None:
    names = metadata.schema.to_arrow_schema().names  # top-level columns, nested ones once
    if len(names) > MAX_COLUMNS:
        raise _too_many_columns(len(names))
    _check_unique_names(names)
    _check_row_count(metadata.num_rows)


def _parquet_unpacked_bytes(data: bytes, metadata) -> int:
    """Bytes once read: what the footer says, plus text columns counted value by value (a text
    repeated a million times is stored once, in a dictionary, and the footer counts it once)."""
    import pyarrow as pa
    import pyarrow.compute as compute
    import pyarrow.parquet as parquet

    stated = sum(metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups))
    schema = metadata.schema.to_arrow_schema()
    text = [f.name for f in schema if pa.types.is_string(f.type) or pa.types.is_binary(f.type)
            or pa.types.is_large_string(f.type) or pa.types.is_large_binary(f.type)]
    if not text:
        return stated
    table = parquet.read_table(io.BytesIO(data), columns=text, read_dictionary=text)
    decoded = 0
    for column in table.columns:
        for chunk in column.chunks:
            lengths = compute.binary_length(chunk.dictionary)
            decoded += compute.sum(lengths.take(chunk.indices)).as_py() or 0
    return stated + decoded


def _check_parquet_size(unpacked: int) -> None:
    if unpacked > MAX_PARQUET_MEMORY:
        raise DataValidationError(
            f"The Parquet file unpacks to {unpacked / 1e9:,.1f} GB of data; the workbench reads "
            f"at most {MAX_PARQUET_MEMORY / 1e9:,.0f} GB. Upload a sample of the rows or fewer "
            "columns."
        )


def _damaged_parquet(error: Exception) -> DataValidationError:
    return DataValidationError(
        f"The Parquet file is damaged or cut short and could not be read "
        f"({_first_line(error)}). Save it again, or upload it as CSV."
    )


def _read_delimited(text: str, separator: str) -> pd.DataFrame:
    kind = "TSV" if separator == "\t" else "CSV"
    header = _header_fields(text, separator)
    if separator == "," and len(header) == 1 and header[0].count(";") >= 1:
        separator, header = ";", _header_fields(text, ";")  # spreadsheets in many locales
    if len(header) > MAX_COLUMNS:
        raise _too_many_columns(len(header))
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
    _check_unique_names(header)
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


def _read_json(text: str) -> pd.DataFrame:
    try:
        parsed = strict_json.loads(text)
    except json.JSONDecodeError as error:
        if error.msg == "Extra data":  # one object per line, uploaded as .json
            return _read_jsonl(text)
        raise DataValidationError(
            f"The JSON is not valid: {error.msg} at line {error.lineno}, column {error.colno}."
        ) from None
    except (ValueError, RecursionError) as error:
        raise DataValidationError(f"The JSON cannot be used: {_json_problem(error)}.") from None
    return _records_to_frame(parsed)


def _read_jsonl(text: str) -> pd.DataFrame:
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
        _check_row_count(len(parsed))
        columns = {key for record in parsed for key in record}
        if len(columns) > MAX_COLUMNS:
            raise _too_many_columns(len(columns))
        frame = pd.DataFrame.from_records(parsed)
    elif isinstance(parsed, dict) and parsed and all(isinstance(v, list) for v in parsed.values()):
        lengths = {len(values) for values in parsed.values()}
        if len(lengths) > 1:
            raise DataValidationError(
                "The JSON columns have different lengths: every column needs one value per row."
            )
        if len(parsed) > MAX_COLUMNS:
            raise _too_many_columns(len(parsed))
        frame = pd.DataFrame(parsed)
    else:
        raise DataValidationError("The JSON is not a table. " + _JSON_SHAPE_HINT)
    return _flatten_nested_cells(frame)


_NESTED = (list, dict, np.ndarray)


def _flatten_nested_cells(frame: pd.DataFrame) -> pd.DataFrame:
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


_READERS = {
    "csv": lambda text: _read_delimited(text, ","),
    "tsv": lambda text: _read_delimited(text, "\t"),
    "json": _read_json,
    "jsonl": _read_jsonl,
}


def _tidy_columns(frame: pd.DataFrame) -> pd.DataFrame:
    names = [str(column).strip() for column in frame.columns]
    _check_unique_names(names)
    frame.columns = names
    if len(names) > MAX_COLUMNS:
        raise _too_many_columns(len(names))
    if not names:
        raise DataValidationError("The file has no columns.")
    if len(frame) == 0:
        raise DataValidationError("The file has column names but no rows of data.")
    if len(frame) < MIN_ROWS:
        raise DataValidationError(
            f"The file has only {len(frame)} row of data; the explorer needs at least {MIN_ROWS} "
            "rows, with at least two different label values."
        )
    _check_row_count(len(frame))
    return frame.reset_index(drop=True)


def _check_row_count(rows: int) -> None:
    if rows > MAX_ROWS:
        raise DataValidationError(
            f"The table has {rows:,} rows; the workbench accepts at most {MAX_ROWS:,}. "
            "Upload a random sample of the rows."
        )


def _too_many_columns(count: int) -> DataValidationError:
    return DataValidationError(
        f"The table has {count:,} columns; the workbench accepts at most {MAX_COLUMNS:,}. "
        "Keep the columns you need (features and label) and upload again."
    )


def _check_unique_names(names: list[str]) -> None:
    seen: dict[str, int] = {}
    for name in names:
        key = str(name).strip()
        seen[key] = seen.get(key, 0) + 1
    repeated = [f"'{name}' ({count} times)" for name, count in seen.items() if count > 1]
    if repeated:
        raise DataValidationError(
            "Column names must be unique; repeated: " + ", ".join(repeated[:5])
            + ". Rename the columns and upload again."
        )


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


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0][:200] if text else type(error).__name__


# ---------------------------------------------------------------------------------------------
# Checking


def check_table(frame: pd.DataFrame) -> list[str]:
    """Things about an uploaded table worth knowing before using it; none of them is fatal."""
    notes = []
    unnamed = [c for c in frame.columns if str(c).startswith("Unnamed: ")]
    if unnamed:
        notes.append(
            f"{len(unnamed)} column(s) have no name in the header and are shown as "
            + ", ".join(f"'{c}'" for c in unnamed[:3]) + " (often a saved row index)."
        )
    empty = [c for c in frame.columns if frame[c].isna().all()]
    if empty:
        notes.append("Empty columns (every value missing): " + _names(empty) + ".")
    for column, count in _infinite_counts(frame).items():
        notes.append(
            f"Column '{column}' has {count:,} infinite value(s); they are treated as missing."
        )
    constant = [c for c in frame.columns if c not in empty and frame[c].nunique(dropna=True) == 1]
    if constant:
        notes.append(
            "Columns with one value in every row (no information): " + _names(constant) + "."
        )
    duplicates = int(frame.duplicated().sum()) if len(frame) <= 2_000_000 else 0
    if duplicates:
        notes.append(f"{duplicates:,} row(s) are exact copies of an earlier row.")
    return notes


def _names(columns: list) -> str:
    shown = ", ".join(f"'{c}'" for c in columns[:5])
    return shown + (f" and {len(columns) - 5} more" if len(columns) > 5 else "")


def _infinite_counts(frame: pd.DataFrame) -> dict[str, int]:
    counts = {}
    for column in frame.columns:
        series = frame[column]
        if pd.api.types.is_float_dtype(series):
            count = int(np.isinf(series.to_numpy(dtype=float, na_value=np.nan)).sum())
            if count:
                counts[column] = count
    return counts


# ---------------------------------------------------------------------------------------------
# Building a data set


def suggest_label_column(frame: pd.DataFrame) -> str:
    """A column the page accepts as the label, named or shaped like one
    (workbench.data.columns.suggest_label_column)."""
    from workbench.data.columns import suggest_label_column as suggest

    return suggest(frame)


def label_values(frame: pd.DataFrame, label_column: str) -> list[str]:
    """The distinct label values as strings, most frequent first."""
    if label_column not in frame.columns:
        raise DataValidationError(f"There is no column '{label_column}' in the table.")
    labels = _label_strings(frame[label_column]).dropna()
    return labels.value_counts().index.tolist()


def default_positive(values: list[str]) -> str | None:
    """For two values: one named like a positive answer, else the rarer one; else None."""
    if len(values) != 2:
        return None
    for value in values:
        if value.strip().lower() in _POSITIVE_NAMES:
            return value
    return values[-1]


TALLREC_QUESTION = 'by answering "Yes." or "No."'  # in every TALLRec instruction


def looks_like_tallrec(frame: pd.DataFrame) -> bool:
    """Instruction / input / output records whose outputs are mostly "Yes." or "No.", or records
    with TALLRec's instruction (then the TALLRec reader names any field that is missing)."""
    if "instruction" not in frame.columns:
        return False
    if set(tallrec.FIELDS) <= set(frame.columns):
        answers = frame["output"].astype(str).str.strip()
        if answers.isin(tuple(tallrec.OUTPUT_LABELS)).mean() >= 0.9:
            return True
    instructions = frame["instruction"].head(1_000).astype(str)
    return bool(instructions.str.contains(TALLREC_QUESTION, regex=False).mean() >= 0.9)


def build_upload_dataset(
    frame: pd.DataFrame,
    label_column: str,
    positive_class: str | None,
    name: str = "upload",
    title: str = "Your upload",
) -> tuple[pd.DataFrame, DatasetInfo, list[str]]:
    """The uploaded table as a data set: label as class names, typed features, notes.

    Two label values: classes are (the other value, positive). More than two: with a positive
    class the task becomes that class against "other"; without one the names are kept.
    """
    if looks_like_tallrec(frame) and label_column == "output":
        return build_tallrec_dataset(frame, title)
    if label_column not in frame.columns:
        raise DataValidationError(f"There is no column '{label_column}' in the table.")
    notes: list[str] = []
    labels = _label_strings(frame[label_column])
    missing = int(labels.isna().sum())
    if missing == len(frame):
        raise DataValidationError(f"The label column '{label_column}' has no values at all.")
    if missing:
        notes.append(
            f"Dropped {missing:,} of {len(frame):,} rows whose label '{label_column}' is missing."
        )
    keep = labels.notna().to_numpy()
    data = frame.loc[keep].reset_index(drop=True).copy()
    data[label_column] = labels[keep].to_numpy()
    classes, positive = _classes(data, label_column, positive_class)
    data[label_column] = _apply_one_vs_rest(data[label_column], classes, positive)
    features = tuple(
        _feature(data, column, notes) for column in data.columns if column != label_column
    )
    notes += _small_class_notes(data[label_column])
    text_features = [f.name for f in features if f.type == "text"]
    info = DatasetInfo(
        name=name,
        title=title,
        kind="text" if text_features else "tabular",
        description=f"Uploaded table: {len(data):,} rows with a label, {len(features)} features.",
        source="your upload",
        license="yours",
        label_column=label_column,
        classes=classes,
        features=features,
        loader=lambda: data,
        positive_class=positive,
        text_column=_longest_text(data, text_features),
        label_rule=_label_rule(label_column, classes, positive),
    )
    return data, info, notes


def _label_strings(series: pd.Series) -> pd.Series:
    """Label values as stripped strings; 1.0 becomes "1"; blanks and NaN become missing."""
    if pd.api.types.is_bool_dtype(series):
        return series.map({True: "true", False: "false"}).astype(object)
    if pd.api.types.is_float_dtype(series):
        values = series.replace([np.inf, -np.inf], np.nan)
        whole = values.dropna()
        if len(whole) and (whole == whole.round()).all():
            return values.map(lambda v: None if pd.isna(v) else str(int(v))).astype(object)
        return values.map(lambda v: None if pd.isna(v) else repr(float(v))).astype(object)
    strings = series.map(lambda v: None if _is_missing(v) else str(v).strip()).astype(object)
    return strings.where(strings != "", None)


def _is_missing(value: object) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _classes(
    data: pd.DataFrame, label_column: str, positive_class: str | None
) -> tuple[tuple[str, ...], str | None]:
    values = sorted(data[label_column].unique().tolist())
    if len(values) < 2:
        raise DataValidationError(
            f"The label column '{label_column}' has only one value ('{values[0]}') in the rows "
            "that have a label: a classifier needs at least two classes. Pick another column."
        )
    if len(values) > MAX_CLASSES:
        raise DataValidationError(
            f"The label column '{label_column}' has {len(values):,} different values; a label "
            f"can have at most {MAX_CLASSES} classes. Pick a column of categories (for a number, "
            "a yes/no column such as 'price above median' works)."
        )
    if positive_class is not None and positive_class not in values:
        raise DataValidationError(
            f"'{positive_class}' is not a value of the label column '{label_column}'. "
            "Pick the positive class from its values."
        )
    if len(values) == 2:
        positive = positive_class or default_positive(values)
        return (next(v for v in values if v != positive), positive), positive
    if positive_class is None:
        return tuple(values), None
    negative = ONE_VS_REST_NEGATIVE
    if negative in values:
        negative = f"not {positive_class}"
    return (negative, positive_class), positive_class


def _apply_one_vs_rest(
    labels: pd.Series, classes: tuple[str, ...], positive: str | None
) -> pd.Series:
    if positive is None or set(labels.unique()) <= set(classes):
        return labels
    return labels.where(labels == positive, classes[0])


def _label_rule(label_column: str, classes: tuple[str, ...], positive: str | None) -> str:
    if positive is None:
        return f"'{label_column}' as it is ({len(classes)} classes)"
    return f"'{label_column}' = '{positive}' is the positive class; '{classes[0]}' the other"


def _small_class_notes(labels: pd.Series) -> list[str]:
    counts = labels.value_counts()
    small = counts[counts < SMALL_CLASS_ROWS]
    return [
        f"Class '{value}' has only {count} row(s): too few to train and test on."
        for value, count in small.items()
    ]


def _feature(data: pd.DataFrame, column: str, notes: list[str]) -> Feature:
    series = data[column]
    if pd.api.types.is_bool_dtype(series):
        return Feature(column, "categorical")
    if pd.api.types.is_numeric_dtype(series):
        infinite = np.isinf(series.to_numpy(dtype=float, na_value=np.nan))
        if infinite.any():
            data[column] = series.mask(infinite)  # charts and models cannot use inf
        return Feature(column, "numeric")
    numbers = _mostly_numbers(series)
    if numbers is not None:
        bad = series.notna() & numbers.isna()
        if bad.any():
            examples = ", ".join(f"'{v}'" for v in series[bad].astype(str).unique()[:3])
            notes.append(
                f"Column '{column}' holds numbers except {int(bad.sum()):,} value(s) such as "
                f"{examples}; those are treated as missing."
            )
        data[column] = numbers
        return Feature(column, "numeric")
    return Feature(column, _string_type(series))


def _mostly_numbers(series: pd.Series) -> pd.Series | None:
    """Numbers with a few markers such as '?' or 'n/a' (95% or more parse): the numbers."""
    present = series.dropna()
    if present.empty:
        return None
    numbers = pd.to_numeric(series.astype(str).str.strip().where(series.notna()), errors="coerce")
    return numbers if numbers.notna().sum() >= 0.95 * len(present) else None


def _string_type(series: pd.Series) -> FeatureType:
    present = series.dropna().astype(str)
    if present.empty:
        return "categorical"
    sample = present.head(5_000)
    long = sample.str.len().mean() >= TEXT_MIN_MEAN_CHARS
    varied = sample.nunique() > 0.5 * len(sample)
    return "text" if long and varied else "categorical"


def _longest_text(data: pd.DataFrame, columns: list[str]) -> str | None:
    if not columns:
        return None
    return max(columns, key=lambda c: data[c].dropna().astype(str).head(5_000).str.len().mean())


def build_tallrec_dataset(
    frame: pd.DataFrame, title: str = "Your TALLRec upload"
) -> tuple[pd.DataFrame, DatasetInfo, list[str]]:
    """TALLRec records through the TALLRec reader: label yes/no plus the parsed item helpers.

    The reader checks every record, so there are no notes to return."""
    data = tallrec.records_frame(tallrec.validate_records(_tallrec_records(frame)))
    domain = tallrec.detect_domain(data)
    if data[tallrec.LABEL].nunique() < 2:
        raise DataValidationError(
            f"Every answer in this TALLRec file is '{data['output'].iloc[0]}': "
            "a classifier needs both Yes. and No. answers."
        )
    base = tallrec.tallrec_info(domain or "book")
    description = base.description.replace(" Needs a TALLRec JSON file.", "")
    if domain is None:
        description = (
            "One row per TALLRec question: the items a user liked and disliked, and a target "
            "item. Task: will the user like the target item (answer Yes. or No.)."
        )
    info = replace(
        base,
        name="upload",
        title=title,
        description=description,
        source="your upload, in the format of " + base.source,
        license="as of the uploaded file",
        loader=lambda: data,
        offline=True,
        needs_file=False,
    )
    return data, info, []


def _tallrec_records(frame: pd.DataFrame) -> list[dict]:
    """The records as the file had them: a missing field or value is left out, not NaN, so the
    reader says "Record 3 has no 'output' field"."""
    present = [field for field in tallrec.FIELDS if field in frame.columns]
    return [
        {field: value for field, value in record.items() if not _is_missing(value)}
        for record in frame[present].to_dict("records")
    ]
