"""Classic baselines on the raw features: logistic regression and XGBoost.

    result = fit_predict("xgboost", train, test, info)
    result.probabilities  # n_test x k, columns in info.classes order

The caller passes the same train/test frames an LLM run uses (same split, same training rows), so
both end in the same probabilities and the same metrics. Features by type:

- numeric: logistic regression imputes the median and standardises; XGBoost takes them raw
  (missing values stay missing, which XGBoost handles).
- categorical: one-hot for logistic regression (unseen test values ignored); pandas category
  dtype for XGBoost (enable_categorical), with the categories seen in training.
- text: TF-IDF (words and word pairs) for logistic regression; for XGBoost the same TF-IDF
  reduced to at most TEXT_COMPONENTS dense columns by truncated SVD (latent semantic analysis),
  fitted on the training rows, since trees split poorly on 50,000 sparse columns.
"""

from __future__ import annotations

import difflib
import time
import warnings
from dataclasses import dataclass, field
from numbers import Integral, Real
from typing import Any

import numpy as np
import pandas as pd

from workbench.data.registry import DatasetInfo
from workbench.errors import WorkbenchError

MISSING_CATEGORY = "(missing)"

# XGBoost accepts nonsense silently (n_estimators=-1 trains no tree; learning_rate=1e9 gives
# 0/1 probabilities), so the usual knobs are checked here: name -> (integer?, low, high, low open?).
XGBOOST_RANGES: dict[str, tuple[bool, float, float, bool]] = {
    "n_estimators": (True, 1, 100_000, False),
    "max_depth": (True, 0, 64, False),
    "max_leaves": (True, 0, 2**20, False),
    "max_bin": (True, 2, 100_000, False),
    "learning_rate": (False, 0.0, 1.0, True),
    "subsample": (False, 0.0, 1.0, True),
    "colsample_bytree": (False, 0.0, 1.0, True),
    "colsample_bylevel": (False, 0.0, 1.0, True),
    "colsample_bynode": (False, 0.0, 1.0, True),
    "min_child_weight": (False, 0.0, float("inf"), False),
    "gamma": (False, 0.0, float("inf"), False),
    "reg_alpha": (False, 0.0, float("inf"), False),
    "reg_lambda": (False, 0.0, float("inf"), False),
    "scale_pos_weight": (False, 0.0, float("inf"), True),
}
# XGBoost's native names for the scikit-learn-style parameters the estimator takes.
XGBOOST_ALIASES = {
    "eta": "learning_rate", "lambda": "reg_lambda", "alpha": "reg_alpha",
    "nthread": "n_jobs", "seed": "random_state", "num_boost_round": "n_estimators",
    "min_split_loss": "gamma",
}


class BaselineError(WorkbenchError):
    """A baseline cannot be trained as asked (parameters, classes, features)."""


@dataclass
class BaselineResult:
    probabilities: np.ndarray  # n_test x k, columns in info.classes order
    trainable_parameters: int  # see fit_predict
    seconds: float  # fitting and predicting
    method: str = ""
    params: dict[str, Any] = field(default_factory=dict)  # the estimator's settings as used
    notes: list[str] = field(default_factory=list)  # what was done differently, warnings


def fit_predict(
    method: str,
    train: pd.DataFrame,
    test: pd.DataFrame,
    info: DatasetInfo,
    params: dict | None = None,
    seed: int = 0,
) -> BaselineResult:
    """Fit `method` on `train`, return class probabilities for `test`.

    `trainable_parameters`: for logistic regression the coefficients plus intercepts; for XGBoost
    the number of leaves over all trees (each leaf holds one fitted value; split thresholds are
    not counted).
    """
    if method not in METHODS:
        raise BaselineError(f"Unknown baseline method {method!r}; choose one of {', '.join(METHODS)}.")
    fit, count_parameters = METHODS[method]
    if params is not None and not isinstance(params, dict):
        raise BaselineError(f"Baseline parameters are a mapping of names to values, not {params!r}.")
    started = time.perf_counter()
    y_train, present = encode_labels(train, info)
    estimator, x_test, notes = fit(train, test, y_train, info, dict(params or {}), seed)
    probabilities = full_probabilities(estimator.predict_proba(x_test), present, len(info.classes))
    if not np.isfinite(probabilities).all():
        raise BaselineError(f"{method} produced invalid probabilities; check its parameters.")
    return BaselineResult(
        probabilities=probabilities,
        trainable_parameters=count_parameters(estimator),
        seconds=time.perf_counter() - started,
        method=method,
        params=used_params(estimator),
        notes=notes,
    )


# --- labels --------------------------------------------------------------------------------------


def encode_labels(train: pd.DataFrame, info: DatasetInfo) -> tuple[np.ndarray, np.ndarray]:
    """(training labels as 0..m-1 over the classes present, those classes' indices in
    info.classes). Estimators see only present classes; absent ones get probability 0."""
    if info.label_column not in train.columns:
        raise BaselineError(f"The training rows have no label column {info.label_column!r}.")
    values = train[info.label_column].astype("object")
    if values.isna().any():
        raise BaselineError("Some training rows have no label: leave them out of the split.")
    known = {name: index for index, name in enumerate(info.classes)}
    unknown = sorted(set(values.astype(str)) - set(known))
    if unknown:
        raise BaselineError(f"Training labels {unknown} are not classes of {info.name}.")
    indices = values.astype(str).map(known).to_numpy(dtype=np.int64)
    present = np.unique(indices)
    if len(present) < 2:
        only = info.classes[present[0]] if len(present) else "none"
        raise BaselineError(
            f"The training rows hold a single class ({only!r}): a classifier needs at least two. "
            "Use more training rows or a stratified split."
        )
    return np.searchsorted(present, indices), present


def full_probabilities(partial: np.ndarray, present: np.ndarray, k: int) -> np.ndarray:
    probabilities = np.zeros((len(partial), k), dtype=np.float64)
    probabilities[:, present] = partial
    return probabilities


# --- features ------------------------------------------------------------------------------------


def columns_by_type(info: DatasetInfo, frame: pd.DataFrame) -> dict[str, list[str]]:
    missing = [f.name for f in info.features if f.name not in frame.columns]
    if missing:
        raise BaselineError(f"The rows lack the feature columns {missing}.")
    by_type: dict[str, list[str]] = {"numeric": [], "categorical": [], "text": []}
    for feature in info.features:
        by_type[feature.type].append(feature.name)
    return by_type


def numeric_column(series: pd.Series) -> np.ndarray:
    try:
        return pd.to_numeric(series).to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError):
        raise BaselineError(f"The numeric feature {series.name!r} holds non-numbers.") from None


def text_column(series: pd.Series) -> np.ndarray:
    return series.astype("string").fillna(MISSING_CATEGORY).to_numpy(dtype=object)


def tabular_frame(frame: pd.DataFrame, by_type: dict[str, list[str]]) -> pd.DataFrame:
    """Numeric columns as float (missing as NaN), categorical and text columns as plain strings."""
    columns = {name: numeric_column(frame[name]) for name in by_type["numeric"]}
    for name in by_type["categorical"] + by_type["text"]:
        columns[name] = text_column(frame[name])
    return pd.DataFrame(columns, index=frame.index)


# --- logistic regression -------------------------------------------------------------------------


def logreg_pipeline(by_type: dict[str, list[str]], params: dict, seed: int):
    from sklearn.compose import ColumnTransformer
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline, make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    parts = []
    if by_type["numeric"]:
        numeric = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
        parts.append(("numeric", numeric, by_type["numeric"]))
    if by_type["categorical"]:
        parts.append(("categorical", OneHotEncoder(handle_unknown="ignore"), by_type["categorical"]))
    for name in by_type["text"]:
        # A single column name (not a list) hands the vectorizer the 1-d text it expects.
        tfidf = TfidfVectorizer(ngram_range=(1, 2), max_features=50_000, sublinear_tf=True)
        parts.append((f"text:{name}", tfidf, name))
    model = LogisticRegression(**{"max_iter": 1000, "random_state": seed, **params})
    return Pipeline([("features", ColumnTransformer(parts)), ("model", model)])


def fit_logreg(train, test, y_train, info, params, seed):
    from sklearn.linear_model import LogisticRegression

    check_param_names(params, LogisticRegression().get_params(), "LogisticRegression")
    by_type = columns_by_type(info, train)
    pipeline = logreg_pipeline(by_type, params, seed)
    x_train, x_test = tabular_frame(train, by_type), tabular_frame(test, by_type)
    notes = fit_explained(pipeline, x_train, y_train, "logistic regression")
    return pipeline, x_test, notes


def count_logreg_parameters(pipeline) -> int:
    model = pipeline.named_steps["model"]
    return int(model.coef_.size + model.intercept_.size)


# --- XGBoost -------------------------------------------------------------------------------------


def xgboost_frames(
    train: pd.DataFrame, test: pd.DataFrame, by_type: dict[str, list[str]]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Raw numeric columns and categoricals with the training categories (unseen -> missing)."""
    columns = by_type["numeric"] + by_type["categorical"]
    x_train = tabular_frame(train, {**by_type, "text": []})[columns]
    x_test = tabular_frame(test, {**by_type, "text": []})[columns]
    for name in by_type["categorical"]:
        categories = sorted(set(x_train[name]))
        x_train[name] = pd.Categorical(x_train[name], categories=categories)
        seen = x_test[name].where(x_test[name].isin(categories))
        x_test[name] = pd.Categorical(seen, categories=categories)
    return x_train, x_test


TEXT_COMPONENTS = 64


def text_components(
    train: pd.Series, test: pd.Series, name: str, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A text column as dense TF-IDF components (`name:0`, `name:1`, ...) for XGBoost."""
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer

    tfidf = TfidfVectorizer(ngram_range=(1, 2), max_features=50_000, sublinear_tf=True)
    try:
        x_train = tfidf.fit_transform(text_column(train))
    except ValueError:  # no word at all (empty cells, numbers only)
        raise BaselineError(f"The text column {name!r} has no words to learn from.") from None
    x_test = tfidf.transform(text_column(test))
    count = min(TEXT_COMPONENTS, x_train.shape[1] - 1, x_train.shape[0] - 1)
    if count >= 1:
        from threadpoolctl import threadpool_limits

        svd = TruncatedSVD(n_components=count, random_state=seed)
        # One BLAS thread: these products are small, and threads that wait on each other on a
        # busy 2-core machine made them 15x slower; one thread also fixes the summation order.
        with threadpool_limits(limits=1):
            x_train, x_test = svd.fit_transform(x_train), svd.transform(x_test)
    else:
        x_train, x_test = x_train.toarray(), x_test.toarray()
    columns = [f"{name}:{i}" for i in range(x_train.shape[1])]
    return (pd.DataFrame(x_train, index=train.index, columns=columns),
            pd.DataFrame(x_test, index=test.index, columns=columns))


def fit_xgboost(train, test, y_train, info, params, seed):
    from xgboost import XGBClassifier

    check_param_names(params, XGBClassifier().get_params(), "XGBClassifier", XGBOOST_ALIASES)
    check_ranges(params, XGBOOST_RANGES)
    by_type = columns_by_type(info, train)
    settings = {
        "eval_metric": "logloss", "random_state": seed, "n_jobs": 2,
        "tree_method": "hist", "enable_categorical": True, **params,
    }
    model = XGBClassifier(**settings)
    x_train, x_test = xgboost_frames(train, test, by_type)
    for name in by_type["text"]:
        text_train, text_test = text_components(train[name], test[name], name, seed)
        x_train, x_test = pd.concat([x_train, text_train], axis=1), pd.concat([x_test, text_test], axis=1)
    notes = fit_explained(model, x_train, y_train, "XGBoost")
    return model, x_test, notes


def count_xgboost_leaves(model) -> int:
    return sum(tree.count("leaf=") for tree in model.get_booster().get_dump())


# name -> (fit, count trainable parameters); a new baseline is two functions and one line here.
METHODS = {
    "logreg": (fit_logreg, count_logreg_parameters),
    "xgboost": (fit_xgboost, count_xgboost_leaves),
}
# What the pages and the runs' metrics call them.
METHOD_LABELS = {"logreg": "logistic regression", "xgboost": "XGBoost"}


# --- parameters ----------------------------------------------------------------------------------


def check_param_names(
    params: dict, known: dict, estimator: str, aliases: dict[str, str] | None = None
) -> None:
    problems = []
    for name in params:
        if name in known:
            continue
        hint = (aliases or {}).get(name) or next(
            iter(difflib.get_close_matches(str(name), list(known), n=1)), None
        )
        problems.append(f"{name!r}" + (f" (did you mean {hint!r}?)" if hint else ""))
    if problems:
        raise BaselineError(
            f"{estimator} has no parameter {', '.join(problems)}. "
            f"Known: {', '.join(sorted(known))}."
        )


def check_ranges(params: dict, ranges: dict[str, tuple[bool, float, float, bool]]) -> None:
    for name, value in params.items():
        if name not in ranges or value is None:
            continue
        integer, low, high, low_open = ranges[name]
        wanted = "a whole number" if integer else "a number"
        is_number = isinstance(value, Integral if integer else Real) and not isinstance(value, bool)
        too_low = is_number and (value <= low if low_open else value < low)
        if not is_number or too_low or value > high:
            bound = f"{'above' if low_open else 'at least'} {low:g}"
            upper = f" and at most {high:g}" if high != float("inf") else ""
            raise BaselineError(f"{name} must be {wanted} {bound}{upper}, not {value!r}.")


def fit_explained(estimator, x_train, y_train, title: str) -> list[str]:
    """Fit, turning parameter errors into a BaselineError and warnings into notes."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            estimator.fit(x_train, y_train)
        except (ValueError, TypeError) as error:  # sklearn's and XGBoost's parameter errors
            first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
            raise BaselineError(
                f"Could not train {title}: {first_line or type(error).__name__}"
            ) from error
    notes = []
    for warning in caught:
        if issubclass(warning.category, (DeprecationWarning, FutureWarning)):
            continue  # about library versions, not about this fit
        message = str(warning.message).strip().splitlines()[0]
        if message and message not in notes:
            notes.append(message)
    return notes


def used_params(estimator) -> dict[str, Any]:
    """The estimator's settings for the run record: set (not None) and JSON-friendly."""
    model = estimator.named_steps["model"] if hasattr(estimator, "named_steps") else estimator
    return {k: v for k, v in model.get_params().items() if v is not None and is_plain(v)}


def is_plain(value: Any) -> bool:
    if isinstance(value, (list, tuple)):
        return all(is_plain(item) for item in value)
    if isinstance(value, float):
        return bool(np.isfinite(value))  # XGBoost's missing=nan is no JSON
    return isinstance(value, (bool, int, str))
