"""Classic recommendation baselines for TALLRec-style rows (yes/no: will the user like the target?).

    result = fit_predict_recommender("item_cf", train, test)
    result.probabilities  # n_test x 2, columns ("no", "yes"): column 1 is P(like)

Each row is one user: the items of its history are (item, liked?) interactions, and a training row
adds its target with its label. The interaction pool is the training rows only. A test row's own
history is used to score that row, but the histories of other test rows are not pooled: TALLRec
files list a user's rows one after another as sliding windows, so the next row's history holds
this row's target with its answer (movies: 98% of rows), and pooling test histories would read
the test labels. The rows are parsed and checked by workbench.recommend.tallrec_rows.

Methods:
- popularity: the target's like rate in the pool, a Bayesian mean toward the global like rate with
  weight `prior` (default 5); unseen items get the global rate.
- item_cf: item-item cosine similarity over the rows' +1/-1 vectors; a target's score is the
  similarity-weighted mean rating of the row's history, mapped to (0, 1) and blended toward its
  popularity with weight evidence / (evidence + `shrinkage`), evidence = sum of |similarity|.
- xgboost, logreg: a classifier on FEATURES (below). The features of training rows are computed
  out of fold (`folds`, default 5) from the other folds' rows, with each user's windows in one
  fold, so no row sees its own label, nor the copies of it in its user's later windows.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from workbench.baselines import (
    XGBOOST_ALIASES,
    XGBOOST_RANGES,
    BaselineError,
    BaselineResult,
    check_param_names,
    check_ranges,
    count_logreg_parameters,
    count_xgboost_leaves,
    fit_explained,
    used_params,
)
from workbench.recommend.tallrec_rows import Rows, check_same_domain, parse_rows

RECOMMENDER_METHODS: dict[str, str] = {
    "popularity": "popularity",
    "item_cf": "item-based collaborative filtering",
    "xgboost": "XGBoost on recommendation features",
    "logreg": "logistic regression on recommendation features",
}
# Parameters of the scores themselves (the classifiers take their estimator's parameters too).
SCORE_DEFAULTS = {"prior": 5.0, "shrinkage": 1.0, "folds": 5}
SCORE_RANGES = {  # as XGBOOST_RANGES: name -> (integer?, low, high, low open?)
    "prior": (False, 0.0, float("inf"), True),
    "shrinkage": (False, 0.0, float("inf"), False),
    "folds": (True, 2, 1000, False),
}
SCORE_PARAMS = {"popularity": ("prior",), "item_cf": ("prior", "shrinkage")}
FEATURES = (
    "history_length",  # liked + disliked history items
    "liked_count",
    "history_like_ratio",  # (liked + 1) / (history_length + 2)
    "target_interactions",  # the target's interactions in the pool
    "target_like_rate",  # the popularity score
    "item_cf_score",  # the item_cf score
    "liked_share_by_target_author",  # share of liked history items by the target's author (books)
    "disliked_share_by_target_author",  # the same for disliked ones; both 0 for movies
)
# One thread: on a few thousand rows of 8 features XGBoost's threads mostly wait for each other
# (book rows: 0.5 s on one thread, 5 s on two of a busy 2-core machine).
XGBOOST_DEFAULTS = {"n_estimators": 200, "max_depth": 4, "learning_rate": 0.05, "n_jobs": 1}
SAME_USER_JACCARD = 0.5  # consecutive windows of 10 items share 10 of 12; other users rarely half


# --- the interaction pool ------------------------------------------------------------------------


@dataclass
class Pool:
    """What the training rows say about items: like counts and item-item similarity."""

    items: pd.Index  # item titles; position = item code
    likes: np.ndarray
    interactions: np.ndarray
    similarity: sparse.csr_matrix  # items x items cosine similarity

    def codes(self, items: pd.Series) -> np.ndarray:
        return self.items.get_indexer(items)  # -1 for items the pool never saw


def interactions(rows: Rows) -> pd.DataFrame:
    """(row, item, liked) of histories and labelled targets; one per row and item, the target's
    label winning when a row's target also sits in its history."""
    targets = rows.targets.assign(row=np.arange(len(rows.targets))).dropna(subset=["liked"])
    both = pd.concat([rows.history, targets], ignore_index=True)[["row", "item", "liked"]]
    return both.drop_duplicates(["row", "item"], keep="last")


def build_pool(rows: Rows) -> Pool:
    from sklearn.metrics.pairwise import cosine_similarity

    pairs = interactions(rows)
    codes, items = pd.factorize(pairs["item"])
    liked = pairs["liked"].to_numpy(dtype=np.float64)
    ratings = sparse.csr_matrix(
        (2 * liked - 1, (codes, pairs["row"].to_numpy())), shape=(len(items), len(rows.targets))
    )
    return Pool(
        items=pd.Index(items),
        likes=np.bincount(codes, weights=liked, minlength=len(items)),
        interactions=np.bincount(codes, minlength=len(items)).astype(np.float64),
        similarity=cosine_similarity(ratings, dense_output=False).tocsr(),
    )


def global_like_rate(rows: Rows) -> float:
    return float(interactions(rows)["liked"].mean())


# --- scores --------------------------------------------------------------------------------------


def target_counts(pool: Pool, rows: Rows) -> tuple[np.ndarray, np.ndarray]:
    """(likes, interactions) of each row's target in the pool; 0, 0 when unseen."""
    codes = pool.codes(rows.targets["item"])
    seen = codes >= 0
    likes, counts = np.zeros(len(codes)), np.zeros(len(codes))
    likes[seen], counts[seen] = pool.likes[codes[seen]], pool.interactions[codes[seen]]
    return likes, counts


def popularity_scores(pool: Pool, rows: Rows, global_rate: float, prior: float) -> np.ndarray:
    likes, counts = target_counts(pool, rows)
    return (likes + prior * global_rate) / (counts + prior)


def cf_evidence(pool: Pool, rows: Rows) -> tuple[np.ndarray, np.ndarray]:
    """Per row: sum of sim(target, h) * rating(h) and sum of |sim(target, h)| over its history."""
    history = rows.history
    target_codes = pool.codes(rows.targets["item"].iloc[history["row"]])
    history_codes = pool.codes(history["item"])
    known = (target_codes >= 0) & (history_codes >= 0)
    similarity = np.zeros(len(history))
    if known.any():
        similarity[known] = np.asarray(
            pool.similarity[target_codes[known], history_codes[known]]
        ).ravel()
    n = len(rows.targets)
    rating = 2 * history["liked"].to_numpy(dtype=np.float64) - 1
    weighted = np.bincount(history["row"], weights=similarity * rating, minlength=n)
    evidence = np.bincount(history["row"], weights=np.abs(similarity), minlength=n)
    return weighted, evidence


def item_cf_scores(
    pool: Pool, rows: Rows, global_rate: float, prior: float, shrinkage: float
) -> np.ndarray:
    weighted, evidence = cf_evidence(pool, rows)
    cf = (np.divide(weighted, evidence, out=np.zeros_like(weighted), where=evidence > 0) + 1) / 2
    no_trust = np.zeros_like(evidence)
    trust = np.divide(evidence, evidence + shrinkage, out=no_trust, where=evidence > 0)
    return trust * cf + (1 - trust) * popularity_scores(pool, rows, global_rate, prior)


# --- features ------------------------------------------------------------------------------------


def author_shares(rows: Rows) -> tuple[np.ndarray, np.ndarray]:
    """Shares of liked and of disliked history items written by the row's target author."""
    history = rows.history
    target_author = rows.targets["author"].to_numpy()[history["row"]]
    same = (history["author"].to_numpy() == target_author) & pd.notna(target_author)
    n = len(rows.targets)
    shares = []
    for liked in (1, 0):
        side = history["liked"].to_numpy() == liked
        hits = np.bincount(history["row"][side], weights=same[side], minlength=n)
        sizes = np.bincount(history["row"][side], minlength=n)
        shares.append(np.divide(hits, sizes, out=np.zeros(n), where=sizes > 0))
    return shares[0], shares[1]


def row_features(pool: Pool, rows: Rows, global_rate: float, settings: dict) -> pd.DataFrame:
    n = len(rows.targets)
    length = np.bincount(rows.history["row"], minlength=n).astype(np.float64)
    liked = np.bincount(rows.history["row"], weights=rows.history["liked"], minlength=n)
    liked_share, disliked_share = author_shares(rows)
    prior, shrinkage = settings["prior"], settings["shrinkage"]
    values = (
        length,
        liked,
        (liked + 1) / (length + 2),
        target_counts(pool, rows)[1],
        popularity_scores(pool, rows, global_rate, prior),
        item_cf_scores(pool, rows, global_rate, prior, shrinkage),
        liked_share,
        disliked_share,
    )
    return pd.DataFrame(dict(zip(FEATURES, values)))


def item_matrix(rows: Rows) -> sparse.csr_matrix:
    """rows x items, 1 where a row names the item (history or target)."""
    targets = rows.targets.assign(row=np.arange(len(rows.targets)))
    named = pd.concat([rows.history[["row", "item"]], targets[["row", "item"]]])
    named = named.drop_duplicates()
    codes, items = pd.factorize(named["item"])
    return sparse.csr_matrix(
        (np.ones(len(codes)), (named["row"].to_numpy(), codes)),
        shape=(len(rows.targets), len(items)),
    )


def user_groups(rows: Rows) -> np.ndarray:
    """A group label per row: a row and a later window of the same user share one.

    TALLRec lists a user's rows as sliding windows: the next row's history holds this row's
    target (with its answer) and nearly the same items. Rows are linked when one's target is in
    the other's history and their items (history and target) overlap by SAME_USER_JACCARD."""
    targets = pd.DataFrame({"row": np.arange(len(rows.targets)), "item": rows.targets["item"]})
    pairs = targets.merge(rows.history[["row", "item"]], on="item", suffixes=("", "_later"))
    pairs = pairs[pairs["row"] != pairs["row_later"]]
    named = item_matrix(rows)
    shared = np.asarray(
        named[pairs["row"].to_numpy()].multiply(named[pairs["row_later"].to_numpy()]).sum(axis=1)
    ).ravel()
    sizes = np.asarray(named.sum(axis=1)).ravel()
    union = sizes[pairs["row"]] + sizes[pairs["row_later"]] - shared
    linked = pairs[shared / union >= SAME_USER_JACCARD]
    n = len(rows.targets)
    links = sparse.csr_matrix(
        (np.ones(len(linked)), (linked["row"], linked["row_later"])), shape=(n, n)
    )
    return connected_components(links, directed=False)[1]


def training_features(train: Rows, global_rate: float, settings: dict) -> pd.DataFrame:
    """Each fold of training rows is described by a pool of the other folds.

    Leaving out one row would not be enough: the same user's next window carries its target and
    label in its history (movies: leave-one-row-out features reach AUC 0.91 and 0.998 on their
    own labels, and the classifiers then lose 0.14 AUC on test rows). So folds keep a user's
    windows together."""
    from sklearn.model_selection import GroupKFold

    groups = user_groups(train)
    if len(np.unique(groups)) < 2:  # a single user: only rows can be held out
        groups = np.arange(len(groups))
    folds = GroupKFold(n_splits=min(settings["folds"], len(np.unique(groups))))
    parts = []
    for others, fold in folds.split(groups, groups=groups):
        pool = build_pool(train.take(others))
        parts.append(row_features(pool, train.take(fold), global_rate, settings).set_axis(fold))
    return pd.concat(parts).sort_index()


def recommendation_features(
    train: Rows, test: Rows, settings: dict
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """FEATURES for training rows (out of fold) and test rows (pool = all training rows). The
    global like rate is that of all training interactions in both, so it carries no row's label."""
    global_rate = global_like_rate(train)
    x_train = training_features(train, global_rate, settings)
    x_test = row_features(build_pool(train), test, global_rate, settings)
    return x_train, x_test


# --- methods -------------------------------------------------------------------------------------


def split_params(method: str, params: dict) -> tuple[dict, dict]:
    """(score settings with defaults, the estimator's own parameters)."""
    names = SCORE_PARAMS.get(method, tuple(SCORE_DEFAULTS))
    own = {name: value for name, value in params.items() if name not in names}
    if method in SCORE_PARAMS and own:
        raise BaselineError(
            f"{RECOMMENDER_METHODS[method]} has no parameter {', '.join(map(repr, own))}. "
            f"Known: {', '.join(names)}."
        )
    settings = {name: params.get(name, SCORE_DEFAULTS[name]) for name in names}
    check_ranges(settings, SCORE_RANGES)
    return settings, own


# Each fit returns (P(yes) per test row, trainable parameters, estimator parameters, notes).


def fit_popularity(train: Rows, test: Rows, settings: dict, params: dict, seed: int):
    pool = build_pool(train)
    scores = popularity_scores(pool, test, global_like_rate(train), settings["prior"])
    return scores, len(pool.items) + 1, {}, []


def fit_item_cf(train: Rows, test: Rows, settings: dict, params: dict, seed: int):
    pool = build_pool(train)
    scores = item_cf_scores(pool, test, global_like_rate(train), **settings)
    kept = pool.similarity.nnz - pool.similarity.diagonal().astype(bool).sum()
    evidence = cf_evidence(pool, test)[1]
    notes = [
        f"{int((evidence == 0).sum()):,} of {len(evidence):,} test rows have no history item "
        "that shares a training user with the target: scored by popularity."
    ]
    return scores, int(kept) + len(pool.items) + 1, {}, notes


def fit_classifier(model, count_parameters, train: Rows, test: Rows, settings: dict, title):
    x_train, x_test = recommendation_features(train, test, settings)
    notes = fit_explained(model, x_train, train.targets["liked"].astype(int), title)
    scores = model.predict_proba(x_test)[:, 1]
    return scores, count_parameters(model), used_params(model), notes


def fit_xgboost(train: Rows, test: Rows, settings: dict, params: dict, seed: int):
    from xgboost import XGBClassifier

    check_param_names(params, XGBClassifier().get_params(), "XGBClassifier", XGBOOST_ALIASES)
    check_ranges(params, XGBOOST_RANGES)
    model = XGBClassifier(**{
        **XGBOOST_DEFAULTS, "eval_metric": "logloss", "random_state": seed,
        "tree_method": "hist", **params,
    })
    return fit_classifier(model, count_xgboost_leaves, train, test, settings, "XGBoost")


def fit_logreg(train: Rows, test: Rows, settings: dict, params: dict, seed: int):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    check_param_names(params, LogisticRegression().get_params(), "LogisticRegression")
    model = Pipeline([
        ("scale", StandardScaler()),
        ("model", LogisticRegression(**{"max_iter": 1000, "random_state": seed, **params})),
    ])
    return fit_classifier(
        model, count_logreg_parameters, train, test, settings, "logistic regression"
    )


METHOD_FITS = {
    "popularity": fit_popularity, "item_cf": fit_item_cf, "xgboost": fit_xgboost,
    "logreg": fit_logreg,
}


def unseen_note(train: Rows, test: Rows) -> str:
    unseen = int((~test.targets["item"].isin(interactions(train)["item"])).sum())
    return (
        f"{unseen:,} of {len(test.targets):,} test targets never seen in training: their "
        "popularity is the global like rate."
    )


def fit_predict_recommender(
    method: str,
    train: pd.DataFrame,
    test: pd.DataFrame,
    params: dict | None = None,
    seed: int = 0,
) -> BaselineResult:
    """Fit `method` on TALLRec-style `train` rows (input, label); P(no), P(yes) for `test` rows.

    Test labels are never read. `trainable_parameters`: popularity, one like rate per training
    item plus the global rate; item_cf, the off-diagonal similarity entries kept plus those rates;
    xgboost, the leaves over all trees; logreg, the coefficients and the intercept.
    """
    if method not in RECOMMENDER_METHODS:
        raise BaselineError(
            f"Unknown recommender method {method!r}; choose one of "
            f"{', '.join(RECOMMENDER_METHODS)}."
        )
    if params is not None and not isinstance(params, dict):
        raise BaselineError(
            f"Recommender parameters are a mapping of names to values, not {params!r}."
        )
    started = time.perf_counter()
    settings, own = split_params(method, dict(params or {}))
    train_rows = parse_rows(train, "training", with_labels=True)
    test_rows = parse_rows(test, "test", with_labels=False)
    check_same_domain(train_rows, test_rows)
    fit = METHOD_FITS[method]
    scores, count, estimator_params, notes = fit(train_rows, test_rows, settings, own, seed)
    scores = np.asarray(scores, dtype=np.float64)
    if not np.isfinite(scores).all():
        raise BaselineError(f"{method} produced invalid probabilities; check its parameters.")
    return BaselineResult(
        probabilities=np.column_stack([1 - scores, scores]),
        trainable_parameters=int(count),
        seconds=time.perf_counter() - started,
        method=method,
        params={**estimator_params, **settings},
        notes=[unseen_note(train_rows, test_rows), *notes],
    )
