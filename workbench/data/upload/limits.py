"""What an upload may be (size, columns, rows, classes), and the shape checks every reader
shares."""

from __future__ import annotations

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


def check_row_count(rows: int) -> None:
    if rows > MAX_ROWS:
        raise DataValidationError(
            f"The table has {rows:,} rows; the workbench accepts at most {MAX_ROWS:,}. "
            "Upload a random sample of the rows."
        )


def too_many_columns(count: int) -> DataValidationError:
    return DataValidationError(
        f"The table has {count:,} columns; the workbench accepts at most {MAX_COLUMNS:,}. "
        "Keep the columns you need (features and label) and upload again."
    )


def check_unique_names(names: list[str]) -> None:
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
