"""Baselines: the seed protocol's reference AUCs, categorical and text features, parameter errors."""

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

from workbench.baselines import BaselineError, fit_predict
from workbench.data import load
from workbench.data.registry import DatasetInfo, Feature

# REFERENCES.md, California housing, seed protocol.
REFERENCE_AUC = {"xgboost": 0.965, "logreg": 0.908}


@pytest.fixture(scope="module")
def california():
    frame, info = load("california-housing", use_cache=False)
    train, test = train_test_split(frame, test_size=0.2, random_state=42)
    return train, test, info


def small_info(features, classes=("no", "yes"), name="toy") -> DatasetInfo:
    return DatasetInfo(
        name=name, title=name, kind="tabular", description="", source="", license="",
        label_column="label", classes=classes, features=tuple(features), loader=lambda: None,
    )


def categorical_frame(n=400, seed=0, classes=("no", "yes")) -> pd.DataFrame:
    """The label follows the colour and the size; some values are missing."""
    rng = np.random.default_rng(seed)
    colour = rng.choice(["red", "green", "blue"], n).astype(object)
    size = rng.normal(0, 1, n)
    score = (colour == "red") * 1.5 + size + rng.normal(0, 0.5, n)
    cut = np.quantile(score, np.linspace(0, 1, len(classes) + 1)[1:-1])
    frame = pd.DataFrame({
        "colour": colour, "size": size,
        "label": np.array(classes)[np.searchsorted(cut, score)],
    })
    frame.loc[frame.index[::37], "colour"] = None
    frame.loc[frame.index[::41], "size"] = np.nan
    return frame


CATEGORICAL_INFO = small_info([Feature("colour", "categorical"), Feature("size", "numeric")])


@pytest.mark.parametrize("method", ["xgboost", "logreg"])
def test_california_reproduces_the_reference_auc(california, method):
    train, test, info = california
    result = fit_predict(method, train, test, info)
    auc = roc_auc_score(test["valuable"] == "yes", result.probabilities[:, 1])
    assert abs(auc - REFERENCE_AUC[method]) < 0.01
    assert result.probabilities.shape == (len(test), 2)
    np.testing.assert_allclose(result.probabilities.sum(axis=1), 1.0, atol=1e-6)
    assert result.trainable_parameters == 9 if method == "logreg" else result.trainable_parameters > 100
    assert result.seconds > 0 and result.method == method


@pytest.mark.parametrize("method", ["xgboost", "logreg"])
def test_categorical_features_with_missing_and_unseen_values(method):
    frame = categorical_frame()
    train, test = frame.iloc[:300], frame.iloc[300:].copy()
    test.loc[test.index[:5], "colour"] = "purple"  # never seen in training
    result = fit_predict(method, train, test, CATEGORICAL_INFO)
    assert result.probabilities.shape == (100, 2)
    assert roc_auc_score(test["label"] == "yes", result.probabilities[:, 1]) > 0.8


@pytest.mark.parametrize("method", ["xgboost", "logreg"])
def test_multiclass_and_a_class_missing_from_training(method):
    classes = ("low", "mid", "high")
    info = small_info(CATEGORICAL_INFO.features, classes=classes)
    frame = categorical_frame(classes=classes)
    train, test = frame.iloc[:300], frame.iloc[300:]
    result = fit_predict(method, train, test, info)
    assert result.probabilities.shape == (100, 3)
    accuracy = (result.probabilities.argmax(axis=1) == test["label"].map(classes.index)).mean()
    assert accuracy > 0.5
    without_mid = train[train["label"] != "mid"]
    result = fit_predict(method, without_mid, test, info)
    assert (result.probabilities[:, 1] == 0).all()
    np.testing.assert_allclose(result.probabilities.sum(axis=1), 1.0, atol=1e-6)


def test_text_features_use_tfidf_for_logreg_and_xgboost():
    rng = np.random.default_rng(0)
    good, bad = ["great", "lovely", "superb"], ["awful", "boring", "dull"]
    labels = rng.integers(0, 2, 200)
    texts = [f"a {rng.choice(good if y else bad)} film" for y in labels]
    frame = pd.DataFrame({"review": texts, "label": np.array(["no", "yes"])[labels]})
    info = small_info([Feature("review", "text")])
    result = fit_predict("logreg", frame.iloc[:150], frame.iloc[150:], info)
    assert roc_auc_score(labels[150:], result.probabilities[:, 1]) > 0.95
    result = fit_predict("xgboost", frame.iloc[:150], frame.iloc[150:], info)
    assert roc_auc_score(labels[150:], result.probabilities[:, 1]) > 0.95  # TF-IDF components
    frame["length"] = rng.normal(0, 1, 200)  # noise beside the text: the text still decides
    mixed = small_info([Feature("review", "text"), Feature("length", "numeric")])
    result = fit_predict("xgboost", frame.iloc[:150], frame.iloc[150:], mixed)
    assert roc_auc_score(labels[150:], result.probabilities[:, 1]) > 0.95
    frame["review"] = ""
    with pytest.raises(BaselineError, match="no words"):
        fit_predict("xgboost", frame.iloc[:150], frame.iloc[150:], mixed)


def test_single_class_in_training_is_a_clear_error():
    frame = categorical_frame()
    only_yes = frame[frame["label"] == "yes"]
    for method in ("xgboost", "logreg"):
        with pytest.raises(BaselineError, match="single class"):
            fit_predict(method, only_yes, frame, CATEGORICAL_INFO)


@pytest.mark.parametrize(
    "method, params, message",
    [
        ("xgboost", {"n_estimatorz": 10}, "no parameter 'n_estimatorz' \\(did you mean 'n_estimators'"),
        ("xgboost", {"eta": 0.1}, "did you mean 'learning_rate'"),
        ("logreg", {"max_iters": 10}, "no parameter 'max_iters'"),
        ("xgboost", {"n_estimators": -1}, "n_estimators must be a whole number at least 1"),
        ("xgboost", {"learning_rate": 1e9}, "learning_rate must be a number above 0"),
        ("xgboost", {"max_depth": "deep"}, "max_depth must be a whole number"),
        ("logreg", {"C": -1}, "Could not train logistic regression: .*C"),
        ("logreg", "C=1", "mapping"),
    ],
)
def test_bad_params_are_clear_errors(method, params, message):
    frame = categorical_frame(n=100)
    with pytest.raises(BaselineError, match=message):
        fit_predict(method, frame.iloc[:80], frame.iloc[80:], CATEGORICAL_INFO, params=params)


def test_params_reach_the_estimator():
    frame = categorical_frame(n=200)
    train, test = frame.iloc[:150], frame.iloc[150:]
    result = fit_predict("xgboost", train, test, CATEGORICAL_INFO, {"n_estimators": 3, "max_depth": 2})
    assert result.params["n_estimators"] == 3
    assert result.trainable_parameters <= 3 * 4
    result = fit_predict("logreg", train, test, CATEGORICAL_INFO, {"C": 0.5, "max_iter": 200})
    assert result.params["C"] == 0.5 and result.params["max_iter"] == 200
    # One coefficient per one-hot colour (3 seen + missing) and for size, plus the intercept.
    assert result.trainable_parameters == 6


def test_unknown_method():
    frame = categorical_frame(n=50)
    with pytest.raises(BaselineError, match="logreg, xgboost"):
        fit_predict("forest", frame, frame, CATEGORICAL_INFO)
