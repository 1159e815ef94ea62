"""Classification metrics from class probabilities, with bootstrap 95% intervals.

Every method (zero-shot, fine-tuned, logistic regression, XGBoost) ends in the same n x k
probabilities, so one function computes every run's metrics file. The positive class of a binary
task is the last class, as `DatasetInfo.classes` orders them.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    brier_score_loss,
    confusion_matrix,
    f1_score,
    roc_auc_score,
    roc_curve,
)

from workbench.errors import WorkbenchError

# Bootstrap resamples are counted in blocks so that memory stays near this many cells.
_BOOTSTRAP_CELLS = 4_000_000


class MetricsError(WorkbenchError):
    """Labels and probabilities that cannot be scored together."""


def classification_metrics(
    labels: np.ndarray,
    probabilities: np.ndarray,
    class_names: Sequence[str],
    n_bootstrap: int = 1000,
    seed: int = 0,
) -> dict:
    """Accuracy, ROC AUC, F1, Brier score and confusion matrix, with bootstrap intervals.

    Binary: AUC, F1 and Brier of the positive (last) class. Multi-class: one-vs-rest macro AUC over
    the classes present in `labels`, macro F1, and the Brier score as the mean squared error over
    the one-hot labels (which equals the binary Brier score when k = 2). AUC is None when the
    labels hold a single class.
    """
    labels, probabilities = check_inputs(labels, probabilities, class_names)
    k = len(class_names)
    predictions = probabilities.argmax(axis=1)
    binary = k == 2
    counts = np.bincount(labels, minlength=k)
    auc_value = auc(labels, probabilities)
    accuracy_ci, auc_ci = bootstrap_intervals(labels, probabilities, n_bootstrap, seed)
    return {
        "n": int(len(labels)),
        "class_names": list(class_names),
        "class_counts": counts.tolist(),
        "positive_rate": float(counts[-1] / len(labels)) if binary else None,
        "accuracy": float(accuracy_score(labels, predictions)),
        "accuracy_ci": accuracy_ci,
        "auc": auc_value,
        "auc_ci": auc_ci if auc_value is not None else None,
        "f1": f1(labels, predictions, k),
        "brier": brier(labels, probabilities),
        "confusion_matrix": confusion_matrix(labels, predictions, labels=range(k)).tolist(),
    }


ONE_SIDED_SHARE = 0.8  # answers this lopsided make accuracy say little about the ranking


def threshold_note(test: dict) -> str | None:
    """Why accuracy trails AUC, when it does because the answers lean to one class: accuracy
    compares each probability with 0.5, AUC ranks the rows at every threshold."""
    auc_value, accuracy = test.get("auc"), test.get("accuracy")
    matrix, names = test.get("confusion_matrix"), test.get("class_names") or []
    if auc_value is None or accuracy is None or not matrix or len(names) != 2:
        return None
    predicted = np.asarray(matrix).sum(axis=0)
    total = int(predicted.sum())
    leaning = int(predicted.argmax())
    if not total or predicted[leaning] / total < ONE_SIDED_SHARE or auc_value - accuracy < 0.1:
        return None
    return (
        f"Accuracy {accuracy:.2f} but AUC {auc_value:.2f}: the model answers "
        f"\"{names[leaning]}\" on {int(predicted[leaning]):,} of {total:,} rows. Accuracy takes "
        "the more probable answer, that is P(positive) against a threshold of 0.5, and this "
        "model's probabilities lean to one side. AUC only asks whether positive rows get a higher "
        "P(positive) than negative rows, at every threshold: it sees a ranking that a better "
        "threshold (chosen on validation rows) would turn into accuracy."
    )


def check_inputs(
    labels: np.ndarray, probabilities: np.ndarray, class_names: Sequence[str]
) -> tuple[np.ndarray, np.ndarray]:
    labels = np.asarray(labels)
    probabilities = np.asarray(probabilities, dtype=np.float64)
    k = len(class_names)
    if k < 2:
        raise MetricsError("Metrics need at least two classes.")
    if probabilities.ndim != 2 or probabilities.shape != (len(labels), k):
        raise MetricsError(
            f"Expected probabilities of shape ({len(labels)}, {k}) for {len(labels)} labels and "
            f"{k} classes, got {probabilities.shape}."
        )
    if len(labels) == 0:
        raise MetricsError("There are no rows to compute metrics on.")
    if not np.isfinite(probabilities).all():
        raise MetricsError("Some probabilities are missing or not finite (rows never scored?).")
    if not np.issubdtype(labels.dtype, np.integer) or labels.min() < 0 or labels.max() >= k:
        raise MetricsError(f"Labels must be class indices from 0 to {k - 1}.")
    return labels.astype(np.int64), probabilities


# --- point estimates -----------------------------------------------------------------------------


def auc(labels: np.ndarray, probabilities: np.ndarray) -> float | None:
    present = np.unique(labels)
    if len(present) < 2:
        return None
    if probabilities.shape[1] == 2:
        return float(roc_auc_score(labels, probabilities[:, 1]))
    per_class = [roc_auc_score(labels == c, probabilities[:, c]) for c in present]
    return float(np.mean(per_class))


def f1(labels: np.ndarray, predictions: np.ndarray, k: int) -> float:
    if k == 2:
        return float(f1_score(labels, predictions, pos_label=1, zero_division=0))
    return float(f1_score(labels, predictions, labels=range(k), average="macro", zero_division=0))


def brier(labels: np.ndarray, probabilities: np.ndarray) -> float:
    if probabilities.shape[1] == 2:
        return float(brier_score_loss(labels == 1, probabilities[:, 1]))
    one_hot = np.eye(probabilities.shape[1])[labels]
    return float(np.mean((probabilities - one_hot) ** 2))


# --- bootstrap -----------------------------------------------------------------------------------


def bootstrap_intervals(
    labels: np.ndarray, probabilities: np.ndarray, n_bootstrap: int, seed: int
) -> tuple[list[float] | None, list[float] | None]:
    """Percentile 95% intervals of accuracy and AUC over `n_bootstrap` row resamples.

    All resample indices are drawn at once (n_bootstrap x n); each resample becomes a count per
    row, and accuracy and AUC are computed from those counts for every resample together.
    Resamples with a single class give no AUC and are left out of its interval.
    """
    if n_bootstrap < 1:
        return None, None
    n = len(labels)
    indices = np.random.default_rng(seed).integers(0, n, size=(n_bootstrap, n))
    correct = (probabilities.argmax(axis=1) == labels).astype(np.float64)
    accuracies, aucs = [], []
    block = max(1, _BOOTSTRAP_CELLS // n)
    for start in range(0, n_bootstrap, block):
        counts = resample_counts(indices[start:start + block], n)
        accuracies.append(counts @ correct / n)
        aucs.append(weighted_auc(labels, probabilities, counts))
    return interval(np.concatenate(accuracies)), interval(np.concatenate(aucs))


def resample_counts(indices: np.ndarray, n: int) -> np.ndarray:
    """How often each row appears in each resample: (resamples x n)."""
    offsets = (np.arange(len(indices)) * n)[:, None]
    flat = np.bincount((indices + offsets).ravel(), minlength=len(indices) * n)
    return flat.reshape(len(indices), n).astype(np.float64)


def weighted_auc(labels: np.ndarray, probabilities: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """AUC of each resample (NaN where it has one class): binary, or one-vs-rest macro."""
    if probabilities.shape[1] == 2:
        return binary_weighted_auc(labels == 1, probabilities[:, 1], counts)
    per_class = np.stack(
        [binary_weighted_auc(labels == c, probabilities[:, c], counts)
         for c in range(probabilities.shape[1])]
    )
    # A class absent from a resample has no AUC; average over the classes it does have.
    present = ~np.isnan(per_class)
    with np.errstate(invalid="ignore"):
        macro = np.nansum(per_class, axis=0) / present.sum(axis=0)
    return np.where(present.sum(axis=0) >= 2, macro, np.nan)


def binary_weighted_auc(positive: np.ndarray, scores: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The Mann-Whitney AUC with each row weighted by its count in a resample (ties count half).

    Rows are sorted by score once; rows with equal scores are merged, so for each score the AUC
    adds (positives at it) x (negatives below it + half the negatives at it).
    """
    order = np.argsort(scores, kind="stable")
    sorted_scores = scores[order]
    starts = np.flatnonzero(np.r_[True, sorted_scores[1:] != sorted_scores[:-1]])
    pos_weights = counts[:, order] * positive[order]
    neg_weights = counts[:, order] * ~positive[order]
    pos_at = np.add.reduceat(pos_weights, starts, axis=1)
    neg_at = np.add.reduceat(neg_weights, starts, axis=1)
    neg_below = np.cumsum(neg_at, axis=1) - neg_at
    pairs = pos_at.sum(axis=1) * neg_at.sum(axis=1)
    wins = (pos_at * (neg_below + 0.5 * neg_at)).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(pairs > 0, wins / pairs, np.nan)


def interval(values: np.ndarray) -> list[float] | None:
    values = values[~np.isnan(values)]
    if len(values) == 0:
        return None
    low, high = np.percentile(values, [2.5, 97.5])
    return [float(low), float(high)]


# --- curves for the Results page -----------------------------------------------------------------


def roc_curve_points(
    labels: np.ndarray, probabilities: np.ndarray, class_names: Sequence[str]
) -> dict:
    """ROC curve points: {"fpr", "tpr"} of the positive class for binary tasks; for multi-class
    the micro-average one-vs-rest curve plus "per_class" curves. Empty lists for one class."""
    labels, probabilities = check_inputs(labels, probabilities, class_names)
    k = len(class_names)
    if len(np.unique(labels)) < 2:
        return {"fpr": [], "tpr": [], "positive": class_names[-1] if k == 2 else None}
    if k == 2:
        return {**_curve(labels == 1, probabilities[:, 1]), "positive": class_names[-1]}
    one_hot = np.eye(k, dtype=bool)[labels]
    per_class = {
        name: _curve(one_hot[:, c], probabilities[:, c])
        for c, name in enumerate(class_names)
        if one_hot[:, c].any()
    }
    return {**_curve(one_hot.ravel(), probabilities.ravel()), "positive": None,
            "per_class": per_class}


def _curve(positive: np.ndarray, scores: np.ndarray) -> dict:
    fpr, tpr, _ = roc_curve(positive, scores)
    return {"fpr": fpr.tolist(), "tpr": tpr.tolist()}


def interval_text(value: float | None, interval: Sequence[float] | None, digits: int = 3) -> str:
    """"0.965 [0.960, 0.970]"; "-" when there is no value."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if not interval:
        return f"{value:.{digits}f}"
    return f"{value:.{digits}f} [{interval[0]:.{digits}f}, {interval[1]:.{digits}f}]"
