"""Results: leaderboards, curves and row-level comparisons, all as joins over stored runs.

Every run, whatever its method, leaves the same artifacts: metrics.json and predictions.parquet
(row_id, label, p_<class> per class, predicted). So nothing here knows how a run was made:

    records = store.list(dataset="california-housing")
    table = leaderboard(records)                       # one row per finished run, best AUC first
    sets = test_sets(row_ids_by_run(store, run_ids)[0])  # which runs scored which test rows
    rescored = scores_on(store, sets[0])               # runs with more rows, on the shared ones
    curve = shots_curve(records, rescored)             # AUC against the number of training rows
    diff = disagreements(store, run_a, run_b)          # rows where two runs predict differently

Numbers of two runs compare only on the same test rows. A run's rows are the row ids of its
predictions (positions in the full data set), so a run scored on a superset of another's rows (a
baseline on the whole test split, a language model on 200 rows of it) can be rescored on the
shared rows from its stored probabilities, without running anything again.

`source` arguments are anything with `.predictions(run_id) -> DataFrame`: a Store, or a page's
cached view of one. One module per part: runs.py (one run described), predictions.py,
leaderboard.py, shared_rows.py (test sets), curves.py (shots and ROC; references.py: published
numbers), disagreements.py, baseline_split.py. "Run baselines" itself is
workbench.experiments.baseline_grid.
"""

from workbench.experiments.baseline_grid import baseline_specs  # older callers found it here
from workbench.results.baseline_split import baseline_split
from workbench.results.curves import (
    SHOTS_COLUMNS, reference_points, roc_curves, series_name, shots_curve, x_order,
)
from workbench.results.disagreements import (
    Disagreement, disagreements, most_different_pair, with_features,
)
from workbench.results.leaderboard import (
    LEADERBOARD_COLUMNS, OTHER_RUN_COLUMNS, best_runs, damaged_runs, leaderboard, other_runs,
)
from workbench.results.predictions import (
    NoSharedRowsError, PredictionSource, ResultsError, class_names_of, read_predictions, score_rows,
)
from workbench.results.references import REFERENCE_ALL_ROWS, REFERENCE_AUC, REFERENCE_NOTES
from workbench.results.runs import (
    FAMILIES, first_paragraph, is_complete, is_language_model, label_parts, method_family,
    method_label, run_label, run_labels, template_summary, test_rows_label, train_rows,
    train_rows_label, uses_all_training_rows,
)
from workbench.results.shared_rows import TestSet, row_ids_by_run, scores_on, test_sets

__all__ = [
    "FAMILIES", "LEADERBOARD_COLUMNS", "OTHER_RUN_COLUMNS", "REFERENCE_ALL_ROWS", "REFERENCE_AUC",
    "REFERENCE_NOTES", "SHOTS_COLUMNS", "Disagreement", "NoSharedRowsError", "PredictionSource",
    "ResultsError", "TestSet", "baseline_specs", "baseline_split", "best_runs", "class_names_of",
    "damaged_runs", "disagreements", "first_paragraph", "is_complete", "is_language_model",
    "label_parts", "leaderboard", "method_family", "method_label", "most_different_pair",
    "other_runs", "read_predictions", "reference_points", "roc_curves", "row_ids_by_run",
    "run_label", "run_labels", "score_rows", "scores_on", "series_name", "shots_curve",
    "template_summary", "test_rows_label", "test_sets", "train_rows", "train_rows_label",
    "uses_all_training_rows", "with_features", "x_order",
]
