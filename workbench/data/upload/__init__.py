"""Uploaded tables: parse the bytes, check them, and turn them into a data set.

    frame = read_table("loans.csv", data)            # DataValidationError with a plain message
    warnings = check_table(frame)                    # things worth knowing, not fatal
    frame, info, notes = build_upload_dataset(frame, "approved", "yes")

The file name is only used for its extension and for display, never as a path, and nothing
uploaded is ever unpickled (Parquet is read by pyarrow, JSON by the json module). Limits, each
refused with a message: MAX_UPLOAD_MB bytes, MAX_COLUMNS columns, MAX_ROWS rows (a Parquet file
is checked from its footer before it is read) and MAX_PARQUET_MEMORY bytes once unpacked.

Reading is read.py (with one module per format: delimited.py, json_tables.py, parquet.py),
checking check.py, building build.py (the label column: labels.py; the limits: limits.py).
"""

from workbench.data.upload.build import (
    ONE_VS_REST_NEGATIVE, TALLREC_QUESTION, TEXT_MIN_MEAN_CHARS, build_tallrec_dataset,
    build_upload_dataset, looks_like_tallrec,
)
from workbench.data.upload.check import check_table
from workbench.data.upload.labels import default_positive, label_values, suggest_label_column
from workbench.data.upload.limits import (
    ACCEPTED_TYPES, MAX_CLASSES, MAX_COLUMNS, MAX_PARQUET_MEMORY, MAX_ROWS, MAX_UPLOAD_BYTES,
    MAX_UPLOAD_MB, MIN_ROWS, SMALL_CLASS_ROWS,
)
from workbench.data.upload.read import display_name, file_extension, read_table

__all__ = [
    "ACCEPTED_TYPES", "MAX_CLASSES", "MAX_COLUMNS", "MAX_PARQUET_MEMORY", "MAX_ROWS",
    "MAX_UPLOAD_BYTES", "MAX_UPLOAD_MB", "MIN_ROWS", "ONE_VS_REST_NEGATIVE", "SMALL_CLASS_ROWS",
    "TALLREC_QUESTION", "TEXT_MIN_MEAN_CHARS", "build_tallrec_dataset", "build_upload_dataset",
    "check_table", "default_positive", "display_name", "file_extension", "label_values",
    "looks_like_tallrec", "read_table", "suggest_label_column",
]
