"""The rows a run uses live in workbench.rows (the training code below the experiments plans runs
with them); this module keeps their names importable from here."""

from workbench.rows import (
    ROW_ID, PreparedRows, group_column, predictions_frame, prepare_class_rows, prepare_file_rows,
    prepare_rows, read_data_file, with_row_ids,
)

__all__ = ["ROW_ID", "PreparedRows", "group_column", "predictions_frame", "prepare_class_rows",
           "prepare_file_rows", "prepare_rows", "read_data_file", "with_row_ids"]
