"""Classic baselines on the same split: logistic regression and XGBoost on the raw features, and
for recommendation questions (TALLRec-style rows) popularity, item-based collaborative filtering
and both classic models on recommendation features."""

from __future__ import annotations

from workbench.baselines import METHOD_LABELS, fit_predict
from workbench.data.registry import DatasetInfo
from workbench.experiments.common import Progress, test_metrics_record
from workbench.recommend.baselines import RECOMMENDER_METHODS, fit_predict_recommender
from workbench.rows import ROW_ID, PreparedRows, predictions_frame
from workbench.specs import BaselineSpec


def reads_questions(info: DatasetInfo) -> bool:
    """TALLRec-style rows: a user's liked and disliked items and a target, in `input`."""
    return info.kind == "recommendation" and info.text_column == "input"


def baseline_methods(info: DatasetInfo) -> dict[str, str]:
    """The baselines that fit a data set: method -> label."""
    return dict(RECOMMENDER_METHODS) if reads_questions(info) else dict(METHOD_LABELS)


def run_baseline(spec: BaselineSpec, rows: PreparedRows, progress: Progress) -> tuple[dict, object]:
    label = baseline_methods(rows.info).get(spec.method, spec.method)
    progress(f"training {label}", 0, 1)
    if reads_questions(rows.info):
        result = fit_predict_recommender(spec.method, rows.train, rows.test, spec.params, spec.seed)
    else:
        features = [column for column in rows.train.columns if column != ROW_ID]
        result = fit_predict(
            spec.method, rows.train[features], rows.test[features], rows.info, spec.params, spec.seed
        )
    progress(f"training {label}", 1, 1)
    metrics = test_metrics_record(
        rows.labels(rows.test), result.probabilities, list(rows.info.classes),
        method=label,
        n_train=len(rows.train),
        n_test=len(rows.test),
        seconds=result.seconds,
        trainable_parameters=int(result.trainable_parameters),
        notes=list(rows.notes) + list(result.notes),
    )
    return metrics, predictions_frame(rows, rows.test, result.probabilities)
