"""Recommendation baselines on TALLRec rows: real-file AUCs, no label leaks, hand-computed scores,
error messages."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from workbench.baselines import BaselineError
from workbench.data.tallrec import read_tallrec
from workbench.recommend.baselines import (
    RECOMMENDER_METHODS,
    SCORE_DEFAULTS,
    build_pool,
    fit_predict_recommender,
    global_like_rate,
    popularity_scores,
    recommendation_features,
    user_groups,
)
from workbench.recommend.tallrec_rows import parse_rows

TALLREC_DIR = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "tallrec"

# AUC on test.json after training on valid.json: (at least, at most). The upper bounds catch label
# leaks: pooling the test rows' histories, which repeat the previous window's target and answer,
# gives item_cf 0.998 on movies. Books' item statistics are at chance: 1,733 of 2,427 test targets
# never occur in valid.json and only 71 test rows share a training user between target and history,
# so popularity and item_cf only have to stay near 0.5 there.
AUC_BOUNDS = {
    ("book", "popularity"): (0.47, 0.56),
    ("book", "item_cf"): (0.47, 0.56),
    ("book", "xgboost"): (0.62, 0.80),
    ("book", "logreg"): (0.62, 0.80),
    ("movie", "popularity"): (0.55, 0.70),
    ("movie", "item_cf"): (0.53, 0.70),
    ("movie", "xgboost"): (0.62, 0.85),
    ("movie", "logreg"): (0.62, 0.85),
}


@pytest.fixture(scope="module")
def tallrec_files() -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
    if not TALLREC_DIR.is_dir():
        pytest.skip(f"the real TALLRec files are not at {TALLREC_DIR}")
    return {
        domain: (
            read_tallrec(TALLREC_DIR / domain / "valid.json"),
            read_tallrec(TALLREC_DIR / domain / "test.json"),
        )
        for domain in ("book", "movie")
    }


def movie_input(liked=(), disliked=(), target="Target (2000)") -> str:
    listing = lambda titles: ", ".join(f'"{title}"' for title in titles)  # noqa: E731
    return (
        f"User Preference: {listing(liked)}\nUser Unpreference: {listing(disliked)}\n"
        f'Whether the user will like the target movie "{target}"?'
    )


def movie_rows(*rows) -> pd.DataFrame:
    """rows: (liked, disliked, target, label)."""
    return pd.DataFrame({
        "input": [movie_input(liked, disliked, target) for liked, disliked, target, _ in rows],
        "label": [label for *_, label in rows],
    })


def p_yes(method, train, test, params=None) -> np.ndarray:
    return fit_predict_recommender(method, train, test, params).probabilities[:, 1]


# --- real files ----------------------------------------------------------------------------------


@pytest.mark.parametrize("method", list(RECOMMENDER_METHODS))
@pytest.mark.parametrize("domain", ["book", "movie"])
def test_real_files_give_probabilities_with_the_expected_auc(tallrec_files, domain, method):
    train, test = tallrec_files[domain]
    result = fit_predict_recommender(method, train, test)
    probabilities = result.probabilities
    auc = roc_auc_score(test["label"] == "yes", probabilities[:, 1])
    print(f"\n{domain} {method}: AUC {auc:.4f} in {result.seconds:.2f} s; {result.notes}")
    assert probabilities.shape == (len(test), 2) == (2427 if domain == "book" else 1000, 2)
    assert np.isfinite(probabilities).all()
    assert probabilities.min() >= 0 and probabilities.max() <= 1
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0)
    low, high = AUC_BOUNDS[domain, method]
    assert low < auc < high
    assert result.method == method and result.trainable_parameters > 0
    assert 0 < result.seconds < 10
    assert "test targets never seen in training" in result.notes[0]


def test_test_labels_are_never_read(tallrec_files):
    train, test = tallrec_files["movie"]
    flipped = test.assign(label=np.where(test["label"] == "yes", "no", "yes"))
    for method in RECOMMENDER_METHODS:
        expected = p_yes(method, train, test)
        np.testing.assert_array_equal(p_yes(method, train, flipped), expected)
        np.testing.assert_array_equal(p_yes(method, train, test[["input"]]), expected)


# --- leaks ---------------------------------------------------------------------------------------


def training_features(train: pd.DataFrame) -> tuple[pd.DataFrame, float]:
    """(the out-of-fold features of the training rows, the global like rate)."""
    rows = parse_rows(train, "training", with_labels=True)
    some_test = parse_rows(train.head(1), "test", with_labels=False)
    features, _ = recommendation_features(rows, some_test, dict(SCORE_DEFAULTS))
    return features, global_like_rate(rows)


def test_a_target_seen_once_gets_the_global_rate_not_its_own_label(tallrec_files):
    train, _ = tallrec_files["book"]
    features, global_rate = training_features(train)
    histories = train["liked_items"] + train["disliked_items"]
    history_items = {item for items in histories for item in items}
    once = ~train["target_item"].duplicated(keep=False) & ~train["target_item"].isin(history_items)
    assert once.sum() > 1000
    assert (features.loc[once, "target_interactions"] == 0).all()
    np.testing.assert_allclose(features.loc[once, "target_like_rate"], global_rate)
    np.testing.assert_allclose(features.loc[once, "item_cf_score"], global_rate)
    assert 0.3 < global_rate < 0.5


def sliding_windows(users=5, windows=4) -> pd.DataFrame:
    """TALLRec's layout: each user's next row holds the previous target and its answer in its
    history. Every user has items of their own, so only a row's own user knows its target."""
    rows = []
    for user in range(users):
        items = [f"U{user} item {k} ({1990 + k})" for k in range(windows + 1)]
        liked = [k % 2 == user % 2 for k in range(windows + 1)]
        for window in range(windows):
            history = range(window + 1)
            rows.append((
                [items[k] for k in history if liked[k]],
                [items[k] for k in history if not liked[k]],
                items[window + 1],
                "yes" if liked[window + 1] else "no",
            ))
    return movie_rows(*rows)


def test_the_next_window_does_not_leak_a_training_label():
    train = sliding_windows().sample(frac=1, random_state=0)  # folds must not rely on row order
    rows = parse_rows(train, "training", with_labels=True)
    users = train["input"].str.extract(r'"U(\d) item', expand=False).to_numpy()
    groups = user_groups(rows)
    assert len(set(groups)) == 5
    assert all(len(set(users[groups == group])) == 1 for group in set(groups))
    features, global_rate = training_features(train)
    np.testing.assert_allclose(features["target_like_rate"], global_rate)
    np.testing.assert_allclose(features["item_cf_score"], global_rate)
    # Why: leaving out only the row itself lets its user's next window tell the label.
    liked = train["label"].eq("yes").to_numpy()
    row_out = np.array([
        popularity_scores(
            build_pool(rows.take(np.delete(np.arange(len(train)), row))),
            rows.take(np.array([row])), global_rate, prior=5,
        )[0]
        for row in range(len(train))
    ])
    told = ~np.isclose(row_out, global_rate)
    assert told.sum() == 15  # every target but each user's last
    assert ((row_out > global_rate) == liked)[told].all()


def test_real_training_features_do_not_predict_their_own_labels(tallrec_files):
    train, _ = tallrec_files["movie"]
    groups = user_groups(parse_rows(train, "training", with_labels=True))
    # The movie files are a few users' sliding windows, one user after another.
    assert len(set(groups)) == 14 and (np.diff(groups) != 0).sum() == 13
    for rows in (train, train.sample(frac=1, random_state=0)):
        features, _ = training_features(rows)
        labels = rows["label"] == "yes"
        # Leaving out only the row itself gives 0.91 and 0.998 here; on test rows they reach ~0.58.
        assert roc_auc_score(labels, features["target_like_rate"]) < 0.7
        assert roc_auc_score(labels, features["item_cf_score"]) < 0.7


# --- hand-made rows ------------------------------------------------------------------------------

TINY_TRAIN = movie_rows(
    (["A (1990)", "B (1991)"], ["C (1992)"], "D (1993)", "yes"),
    (["A (1990)"], ["B (1991)"], "C (1992)", "no"),
    ([], ["A (1990)"], "D (1993)", "no"),
)


def test_popularity_is_the_smoothed_like_rate_of_the_training_interactions():
    # Interactions: A liked, liked, disliked; B liked, disliked; C disliked twice; D liked,
    # disliked: 4 likes in 9. The test rows' histories (E liked) are not pooled.
    test = movie_rows(
        ([], ["B (1991)"], "A (1990)", "no"),
        (["E (1994)"], [], "D (1993)", "no"),
        (["E (1994)"], [], "E (1994)", "no"),
    )
    global_rate = 4 / 9
    expected = [(2 + 5 * global_rate) / 8, (1 + 5 * global_rate) / 7, global_rate]
    np.testing.assert_allclose(p_yes("popularity", TINY_TRAIN, test), expected)
    with_prior_2 = [(2 + 2 * global_rate) / 5, (1 + 2 * global_rate) / 4, global_rate]
    np.testing.assert_allclose(p_yes("popularity", TINY_TRAIN, test, {"prior": 2}), with_prior_2)
    result = fit_predict_recommender("popularity", TINY_TRAIN, test)
    assert result.trainable_parameters == 5  # A, B, C, D and the global rate
    assert result.params == {"prior": 5.0}
    assert result.notes == [
        "1 of 3 test targets never seen in training: their popularity is the global like rate."
    ]


def test_item_cf_prefers_targets_liked_alongside_the_users_likes():
    # Those who liked L1 or L2 liked P and disliked Q.
    train = movie_rows(
        (["L1 (1990)"], [], "P (1995)", "yes"),
        (["L1 (1990)"], [], "Q (1996)", "no"),
        (["L2 (1991)"], [], "P (1995)", "yes"),
        (["L2 (1991)"], [], "Q (1996)", "no"),
    )
    test = movie_rows(
        (["L1 (1990)", "L2 (1991)"], [], "P (1995)", "no"),
        (["L1 (1990)", "L2 (1991)"], [], "Q (1996)", "no"),
        ([], ["L1 (1990)", "L2 (1991)"], "P (1995)", "no"),
        (["Z (1999)"], [], "P (1995)", "no"),
    )
    scores = p_yes("item_cf", train, test)
    popularity = p_yes("popularity", train, test)
    assert scores[0] > scores[1] and scores[0] > scores[2]
    # sim(P, L1) = sim(P, L2) = 1/2: evidence 1, CF score 1, blended half-half with popularity.
    assert scores[0] == pytest.approx(0.5 * 1 + 0.5 * popularity[0])
    assert scores[1] == pytest.approx(0.5 * 0 + 0.5 * popularity[1])
    assert scores[3] == pytest.approx(popularity[3])  # Z never met P: popularity alone


def test_author_overlap_features_for_books():
    def book_input(liked, disliked, target):
        listing = lambda books: ", ".join(f'"{t}" written by {a}' for t, a in books)  # noqa: E731
        return (
            f"User Preference: {listing(liked)}\nUser Unpreference: {listing(disliked)}\n"
            f'Whether the user will like the target book ""{target[0]}" written by {target[1]}"?'
        )

    rows = pd.DataFrame({
        "input": [
            book_input(
                [("A", "Jane Roe"), ("B", "Jo Doe")], [("C", "JANE ROE")], ("D", "Jane  Roe")
            ),
            book_input([], [("E", "Jo Doe")], ("F", "Ann Poe")),
        ],
        "label": ["yes", "no"],
    })
    parsed = parse_rows(rows, "training", with_labels=True)
    features, _ = recommendation_features(parsed, parsed, dict(SCORE_DEFAULTS))
    np.testing.assert_allclose(features["liked_share_by_target_author"], [0.5, 0.0])
    np.testing.assert_allclose(features["disliked_share_by_target_author"], [1.0, 0.0])
    np.testing.assert_allclose(features["history_like_ratio"], [3 / 5, 1 / 3])


# --- errors --------------------------------------------------------------------------------------


def test_unknown_method():
    with pytest.raises(BaselineError, match=r"Unknown recommender method 'svd'; choose one of "
                                            r"popularity, item_cf, xgboost, logreg\."):
        fit_predict_recommender("svd", TINY_TRAIN, TINY_TRAIN)


def test_one_class_training_rows():
    liked_only = TINY_TRAIN.assign(label="yes")
    with pytest.raises(BaselineError, match=r"The training rows all say 'yes'"):
        fit_predict_recommender("popularity", liked_only, TINY_TRAIN)


@pytest.mark.parametrize("role", ["training", "test"])
def test_empty_rows(role):
    empty = TINY_TRAIN.head(0)
    train, test = (empty, TINY_TRAIN) if role == "training" else (TINY_TRAIN, empty)
    with pytest.raises(BaselineError, match=rf"The {role} rows are empty"):
        fit_predict_recommender("item_cf", train, test)


def test_rows_that_are_not_tallrec_questions():
    long_text = "Tell me about " + "books " * 50
    bad = pd.concat([
        TINY_TRAIN.head(1),
        pd.DataFrame({"input": [long_text, "hello"], "label": ["no", "yes"]}),
    ], ignore_index=True)
    with pytest.raises(BaselineError) as caught:
        fit_predict_recommender("xgboost", bad, TINY_TRAIN)
    message = str(caught.value)
    assert message.startswith("2 of 3 training rows are not TALLRec questions")
    assert "The first, row 1: 'Tell me about books books" in message
    assert message.endswith("...") and len(message) < 300
    test = pd.concat([TINY_TRAIN.head(2), bad.tail(1)], ignore_index=True)
    with pytest.raises(BaselineError, match=r"^1 of 3 test rows .* The first, row 2: 'hello'$"):
        fit_predict_recommender("popularity", TINY_TRAIN, test)


def test_bad_parameters():
    with pytest.raises(BaselineError, match=r"popularity has no parameter 'shrinkage'"):
        fit_predict_recommender("popularity", TINY_TRAIN, TINY_TRAIN, {"shrinkage": 2})
    with pytest.raises(BaselineError, match=r"n_estimators must be a whole number at least 1"):
        fit_predict_recommender("xgboost", TINY_TRAIN, TINY_TRAIN, {"n_estimators": -1})
    with pytest.raises(BaselineError, match=r"LogisticRegression has no parameter 'depth'"):
        fit_predict_recommender("logreg", TINY_TRAIN, TINY_TRAIN, {"depth": 3})
    with pytest.raises(BaselineError, match=r"prior must be a number above 0, not -1\."):
        fit_predict_recommender("item_cf", TINY_TRAIN, TINY_TRAIN, {"prior": -1})
    with pytest.raises(BaselineError, match=r"folds must be a whole number at least 2 and at most"):
        fit_predict_recommender("logreg", TINY_TRAIN, TINY_TRAIN, {"folds": 1.5})


def test_mixed_domains():
    book = pd.DataFrame({
        "input": ['User Preference: \nUser Unpreference: \n'
                  'Whether the user will like the target book ""X" written by Y"?'],
        "label": ["yes"],
    })
    with pytest.raises(BaselineError, match=r"The rows mix domains \(book, movie\)"):
        fit_predict_recommender("popularity", TINY_TRAIN, book)
