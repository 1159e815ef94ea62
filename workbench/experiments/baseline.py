"""Logistic regression and XGBoost on the raw features of the same split."""

from __future__ import annotations

from workbench.baselines import fit_predict
from workbench.experiments.common import Progress, test_metrics_record
from workbench.experiments.rows import ROW_ID, PreparedRows, predictions_frame
from workbench.specs import BaselineSpec

METHOD_LABELS = {"logreg": "logistic regression", "xgboost": "XGBoost"}


def run_baseline(spec: BaselineSpec, rows: PreparedRows, progress: Progress) -> tuple[dict, object]:
    progress(f"training {METHOD_LABELS[spec.method]}", 0, 1)
    features = [column for column in rows.train.columns if column != ROW_ID]
    result = fit_predict(
        spec.method, rows.train[features], rows.test[features], rows.info, spec.params, spec.seed
    )
    progress(f"training {METHOD_LABELS[spec.method]}", 1, 1)
    metrics = test_metrics_record(
        rows.labels(rows.test), result.probabilities, list(rows.info.classes),
        method=METHOD_LABELS[spec.method],
        n_train=len(rows.train),
        n_test=len(rows.test),
        seconds=result.seconds,
        trainable_parameters=int(result.trainable_parameters),
        notes=list(rows.notes),
    )
    return metrics, predictions_frame(rows, rows.test, result.probabilities)
