"""Metrics against scikit-learn on hand cases; the vectorised bootstrap against explicit resamples."""

import numpy as np
import pytest
from sklearn.metrics import (
    accuracy_score,
    brier_score_loss,
    f1_score,
    roc_auc_score,
    roc_curve,
)

from workbench.metrics import (
    MetricsError,
    binary_weighted_auc,
    classification_metrics,
    resample_counts,
    roc_curve_points,
    weighted_auc,
)

CLASSES = ["no", "yes"]


def binary_case(n=400, seed=1):
    """Noisy scores that rank positives higher, rounded so that ties occur."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n)
    positive = np.clip(np.round(0.35 + 0.3 * labels + rng.normal(0, 0.2, n), 1), 0, 1)
    return labels, np.column_stack([1 - positive, positive])


def three_class_case(n=300, seed=2):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, n)
    probabilities = rng.dirichlet([1, 1, 1], n)
    probabilities[np.arange(n), labels] += 0.4
    return labels, probabilities / probabilities.sum(axis=1, keepdims=True)


def test_hand_case_matches_sklearn():
    labels = np.array([0, 0, 1, 1, 1, 0])
    positive = np.array([0.1, 0.6, 0.7, 0.4, 0.9, 0.2])
    result = classification_metrics(labels, np.column_stack([1 - positive, positive]), CLASSES)
    predicted = (positive > 0.5).astype(int)  # [0, 1, 1, 0, 1, 0]
    assert result["accuracy"] == pytest.approx(4 / 6)
    assert result["auc"] == pytest.approx(roc_auc_score(labels, positive))
    assert result["auc"] == pytest.approx(8 / 9)
    assert result["f1"] == pytest.approx(f1_score(labels, predicted))
    assert result["brier"] == pytest.approx(brier_score_loss(labels, positive))
    assert result["confusion_matrix"] == [[2, 1], [1, 2]]
    assert result["n"] == 6 and result["positive_rate"] == 0.5
    assert result["class_names"] == CLASSES


def test_intervals_contain_the_point_estimates_and_are_reproducible():
    labels, probabilities = binary_case()
    result = classification_metrics(labels, probabilities, CLASSES, seed=3)
    low, high = result["auc_ci"]
    assert low <= result["auc"] <= high and high - low < 0.2
    low, high = result["accuracy_ci"]
    assert low <= result["accuracy"] <= high
    assert classification_metrics(labels, probabilities, CLASSES, seed=3) == result


def test_vectorised_bootstrap_auc_equals_sklearn_on_each_resample():
    labels, probabilities = binary_case(n=200)
    indices = np.random.default_rng(0).integers(0, 200, size=(6, 200))
    aucs = binary_weighted_auc(labels == 1, probabilities[:, 1], resample_counts(indices, 200))
    expected = [roc_auc_score(labels[i], probabilities[i, 1]) for i in indices]
    np.testing.assert_allclose(aucs, expected, atol=1e-12)


def test_vectorised_multiclass_auc_equals_sklearn_on_each_resample():
    labels, probabilities = three_class_case()
    indices = np.random.default_rng(0).integers(0, 300, size=(4, 300))
    aucs = weighted_auc(labels, probabilities, resample_counts(indices, 300))
    expected = [roc_auc_score(labels[i], probabilities[i], multi_class="ovr") for i in indices]
    np.testing.assert_allclose(aucs, expected, atol=1e-12)


def test_one_class_gives_no_auc_and_no_crash():
    labels = np.ones(5, dtype=int)
    probabilities = np.column_stack([np.full(5, 0.3), np.full(5, 0.7)])
    result = classification_metrics(labels, probabilities, CLASSES)
    assert result["auc"] is None and result["auc_ci"] is None
    assert result["accuracy"] == 1.0 and result["accuracy_ci"] == [1.0, 1.0]
    assert result["positive_rate"] == 1.0
    assert roc_curve_points(labels, probabilities, CLASSES)["fpr"] == []


def test_resamples_with_one_class_are_skipped():
    labels = np.array([0, 1, 1, 1, 1, 1, 1, 1])  # many resamples miss the single negative
    probabilities = np.column_stack([1 - labels * 0.8, labels * 0.8])
    result = classification_metrics(labels, probabilities, CLASSES, n_bootstrap=200)
    assert result["auc"] == 1.0 and result["auc_ci"] == [1.0, 1.0]


def test_multiclass_matches_sklearn():
    labels, probabilities = three_class_case()
    names = ["a", "b", "c"]
    result = classification_metrics(labels, probabilities, names)
    predicted = probabilities.argmax(axis=1)
    assert result["accuracy"] == pytest.approx(accuracy_score(labels, predicted))
    assert result["auc"] == pytest.approx(roc_auc_score(labels, probabilities, multi_class="ovr"))
    assert result["f1"] == pytest.approx(f1_score(labels, predicted, average="macro"))
    assert result["brier"] == pytest.approx(np.mean((probabilities - np.eye(3)[labels]) ** 2))
    assert result["positive_rate"] is None
    assert np.array(result["confusion_matrix"]).sum() == 300
    assert result["auc_ci"][0] <= result["auc"] <= result["auc_ci"][1]


def test_binary_brier_is_the_mean_squared_error_over_one_hot_labels():
    labels, probabilities = binary_case()
    result = classification_metrics(labels, probabilities, CLASSES, n_bootstrap=0)
    assert result["brier"] == pytest.approx(np.mean((probabilities - np.eye(2)[labels]) ** 2))
    assert result["auc_ci"] is None and result["accuracy_ci"] is None


def test_bootstrap_memory_is_blocked(monkeypatch):
    labels, probabilities = binary_case(n=100)
    whole = classification_metrics(labels, probabilities, CLASSES, n_bootstrap=50)
    monkeypatch.setattr("workbench.metrics._BOOTSTRAP_CELLS", 700)  # blocks of 7 resamples
    assert classification_metrics(labels, probabilities, CLASSES, n_bootstrap=50) == whole


def test_roc_curve_points_binary_and_multiclass():
    labels, probabilities = binary_case()
    points = roc_curve_points(labels, probabilities, CLASSES)
    fpr, tpr, _ = roc_curve(labels, probabilities[:, 1])
    assert points["fpr"] == fpr.tolist() and points["tpr"] == tpr.tolist()
    assert points["positive"] == "yes"
    labels, probabilities = three_class_case()
    points = roc_curve_points(labels, probabilities, ["a", "b", "c"])
    assert set(points["per_class"]) == {"a", "b", "c"}
    assert points["fpr"][0] == 0.0 and points["tpr"][-1] == 1.0


@pytest.mark.parametrize(
    "labels, probabilities, message",
    [
        (np.array([0, 1]), np.full((3, 2), 0.5), "shape"),
        (np.array([0, 1]), np.array([[0.5, 0.5], [np.nan, np.nan]]), "not finite"),
        (np.array([0, 2]), np.full((2, 2), 0.5), "class indices"),
        (np.array([], dtype=int), np.empty((0, 2)), "no rows"),
    ],
)
def test_bad_inputs_give_clear_errors(labels, probabilities, message):
    with pytest.raises(MetricsError, match=message):
        classification_metrics(labels, probabilities, CLASSES)


def test_a_note_explains_accuracy_trailing_auc_when_answers_lean_one_way():
    from workbench.metrics import classification_metrics, threshold_note

    rng = np.random.default_rng(0)
    labels = np.repeat([0, 1], 100)
    # Ranks positives higher, but every probability of "yes" is above 0.5.
    p_yes = 0.6 + 0.3 * (labels * 0.5 + rng.uniform(0, 0.5, size=200))
    leaning = classification_metrics(labels, np.column_stack([1 - p_yes, p_yes]), ["no", "yes"])
    note = threshold_note(leaning)
    assert leaning["accuracy"] == 0.5 and leaning["auc"] > 0.8
    assert note and '"yes" on 200 of 200 rows' in note and "threshold" in note
    # Balanced answers, or accuracy close to AUC: nothing to explain.
    centred = p_yes - 0.25
    balanced = classification_metrics(labels, np.column_stack([1 - centred, centred]), ["no", "yes"])
    assert threshold_note(balanced) is None
    assert threshold_note({"auc": 0.7, "accuracy": 0.5}) is None  # no confusion matrix stored
