"""Forgetting metrics on small hand-made accuracy matrices, checked by hand arithmetic."""

import math

import numpy as np
import pytest

from workbench.forgetting.metrics import (
    average_accuracy, backward_transfer, forgetting, matrix_frame,
)

# Rows: before training, after task 0, after task 1, after task 2. Row 0 and the entry of task 1
# before it was learned (0.95) are high on purpose: neither may count as accuracy to forget.
R3 = np.array([
    [0.95, 0.50, 0.50],
    [0.80, 0.95, 0.50],
    [0.90, 0.70, 0.30],
    [0.60, 0.60, 0.90],
])


def test_max_forgetting_takes_the_best_row_after_learning_before_the_last():
    # task 0: max(R[1,0]=0.80, R[2,0]=0.90) - 0.60 = 0.30; task 1: R[2,1]=0.70 - 0.60 = 0.10
    np.testing.assert_allclose(forgetting(R3, "max"), [0.30, 0.10, np.nan])


def test_avalanche_forgetting_uses_the_row_just_after_learning():
    # task 0: R[1,0]=0.80 - 0.60 = 0.20 (differs from "max"); task 1: 0.70 - 0.60 = 0.10
    np.testing.assert_allclose(forgetting(R3, "avalanche"), [0.20, 0.10, np.nan])


def test_forgetting_is_negative_when_a_task_improved_later():
    R = np.array([[0.5, 0.5], [0.6, 0.5], [0.8, 0.9]])
    np.testing.assert_allclose(forgetting(R), [-0.2, np.nan])
    np.testing.assert_allclose(forgetting(R, "avalanche"), [-0.2, np.nan])


def test_backward_transfer_and_average_accuracy():
    # BWT = mean(R[3,0] - R[1,0], R[3,1] - R[2,1]) = mean(0.60 - 0.80, 0.60 - 0.70) = -0.15
    assert backward_transfer(R3) == pytest.approx(-0.15)
    assert backward_transfer(R3) == pytest.approx(-np.nanmean(forgetting(R3, "avalanche")))
    assert average_accuracy(R3) == pytest.approx((0.60 + 0.60 + 0.90) / 3)


def test_a_single_task_has_no_forgetting_or_backward_transfer():
    R = [[0.5], [0.9]]
    assert np.isnan(forgetting(R)).all()
    assert math.isnan(backward_transfer(R))
    assert average_accuracy(R) == pytest.approx(0.9)


def test_matrix_frame_labels_rows_and_columns():
    frame = matrix_frame(R3, ["housing", "adult", "bank"])
    assert list(frame.index) == ["before training", "after housing", "after adult", "after bank"]
    assert list(frame.columns) == ["housing", "adult", "bank"]
    assert frame.loc["after adult", "housing"] == 0.90


@pytest.mark.parametrize("matrix, message", [
    (np.zeros((3, 3)), "shape"),
    (np.zeros(4), "shape"),
    (np.zeros((1, 0)), "shape"),
    ([[0.5, 0.5], [1.2, 0.5], [0.5, 0.5]], "between 0 and 1"),
    ([[0.5, 0.5], [-0.1, 0.5], [0.5, 0.5]], "between 0 and 1"),
    ([[0.5, 0.5], [np.nan, 0.5], [0.5, 0.5]], "between 0 and 1"),
])
def test_bad_matrices_are_refused_with_a_clear_message(matrix, message):
    for function in (forgetting, backward_transfer, average_accuracy):
        with pytest.raises(ValueError, match=message):
            function(matrix)


def test_bad_definition_and_task_names_are_refused():
    with pytest.raises(ValueError, match="definition"):
        forgetting(R3, "min")
    with pytest.raises(ValueError, match="one distinct name per task"):
        matrix_frame(R3, ["a", "b"])
    with pytest.raises(ValueError, match="one distinct name per task"):
        matrix_frame(R3, ["a", "a", "b"])
