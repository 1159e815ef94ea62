"""history.jsonl: appended entry by entry while training, read back at any moment."""

import math

from workbench.experiments.history import HISTORY_FILE, append_history, read_history


def test_entries_read_back_in_order(tmp_path):
    entries = [{"step": 1, "epoch": 0.25, "loss": 0.7, "learning_rate": 1e-3},
               {"step": 1, "epoch": 0.25, "val_loss": 0.69, "val_auc": 0.5, "val_accuracy": 0.5}]
    for entry in entries:
        append_history(tmp_path, entry)
    assert read_history(tmp_path) == entries


def test_no_file_yet_is_no_history(tmp_path):
    assert read_history(tmp_path) == []


def test_a_half_written_last_line_is_left_for_later(tmp_path):
    append_history(tmp_path, {"step": 1, "loss": 0.7})
    with open(tmp_path / HISTORY_FILE, "a") as handle:
        handle.write('{"step": 2, "lo')  # the writer is halfway through
    assert read_history(tmp_path) == [{"step": 1, "loss": 0.7}]


def test_a_diverged_loss_reads_back_as_nan(tmp_path):
    append_history(tmp_path, {"step": 3, "loss": float("nan")})
    assert math.isnan(read_history(tmp_path)[0]["loss"])
