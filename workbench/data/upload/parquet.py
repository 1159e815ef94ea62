"""Parquet uploads: the footer is checked (columns, rows, unpacked size) before anything is
decompressed, and a file whose first bytes say it is something else is named for what it is."""

from __future__ import annotations

import io

import pandas as pd

from workbench.data.upload.json_tables import flatten_nested_cells
from workbench.data.upload.limits import (
    MAX_COLUMNS, MAX_PARQUET_MEMORY, check_row_count, check_unique_names, too_many_columns,
)
from workbench.errors import DataValidationError

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


def format_mismatch(data: bytes) -> str | None:
    for magic, what in _MAGIC:
        if data.startswith(magic):
            return what
    if data.startswith(b"PAR1"):
        return "a Parquet file: give it the .parquet extension"
    return None


def read_parquet(data: bytes) -> pd.DataFrame:
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
    return flatten_nested_cells(frame)


def _check_parquet_ends(data: bytes) -> None:
    if data.startswith(b"PAR1") and data.endswith(b"PAR1"):
        return
    if data.startswith(b"PAR1"):
        raise DataValidationError(
            "The Parquet file is cut short: its end (the part that lists the columns) is "
            "missing. Upload the whole file again."
        )
    mismatch = format_mismatch(data)
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
        raise too_many_columns(len(names))
    check_unique_names(names)
    check_row_count(metadata.num_rows)


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


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0][:200] if text else type(error).__name__
