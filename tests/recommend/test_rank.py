"""Ranking books by a model's P(Yes), and recommendation runs end to end: baselines on TALLRec
files through run(), the Results page's baselines and references for them."""

import numpy as np
import pandas as pd
import pytest

from workbench import results
from workbench.data.tallrec import parse_input
from workbench.data.tallrec_rows import book_item
from workbench.experiments import run
from workbench.models import load_model
from workbench.recommend.rank import (
    RecommendError, ask_about, compare_rankings, history, rank_candidates, zero_shot_answerer,
)
from workbench.specs import DataSpec, parse_spec
from workbench.store import Store

TALLREC = pytest.importorskip("pathlib").Path(__file__).resolve().parents[2].parent / "shared" / "data" / "tallrec"
LIKED = [book_item("The Hobbit", "J.R.R. Tolkien"), book_item("A Game of Thrones", "George R.R. Martin")]
DISLIKED = [book_item("The Firm", "John Grisham")]
CANDIDATES = pd.DataFrame({
    "book_id": ["a", "b", "c", "d"],
    "title": ["The Fellowship of the Ring", "The Pelican Brief", "Eragon", 'The "Quoted" Book'],
    "author": ["J.R.R. Tolkien", "John Grisham", "Christopher Paolini", "Some One"],
})


@pytest.fixture(scope="module")
def answerer():
    return zero_shot_answerer(load_model("tiny-random-llama"))


def test_history_keeps_at_most_ten_books_in_proportion():
    liked, disliked = history([f"l{i}" for i in range(12)], [f"d{i}" for i in range(3)])
    assert (liked, disliked) == ([f"l{i}" for i in range(4, 12)], ["d1", "d2"])
    assert history(["a"], ["b"]) == (["a"], ["b"])
    liked, disliked = history([f"l{i}" for i in range(20)], ["d0"])
    assert len(liked) == 9 and disliked == ["d0"]  # a non-empty list keeps at least one book


def test_ranking_asks_tallrecs_question_for_each_candidate(answerer):
    seen = []
    ranked = rank_candidates(answerer, LIKED, DISLIKED, CANDIDATES, lambda d, t: seen.append((d, t)))
    assert ranked["rank"].tolist() == [1, 2, 3, 4]
    assert ranked["p_yes"].is_monotonic_decreasing and ranked["p_yes"].between(0, 1).all()
    assert set(ranked["book_id"]) == set(CANDIDATES["book_id"]) and seen[-1] == (4, 4)
    for prompt, title in zip(ranked["prompt"], ranked["title"]):
        assert prompt.startswith("Below is an instruction") and prompt.endswith("### Response:\n")
        question = prompt.split("### Input:\n")[1].split("\n\n### Response:")[0]
        parsed = parse_input(question)
        assert parsed["liked_items"] == ("The Hobbit", "A Game of Thrones")
        assert parsed["disliked_items"] == ("The Firm",)
        assert parsed["target_item"] == title.replace('"', "'")  # quotes cannot break the layout


def test_asking_about_one_book_matches_its_ranking(answerer):
    ranked = rank_candidates(answerer, LIKED, DISLIKED, CANDIDATES, lambda d, t: None)
    eragon = ranked[ranked["book_id"] == "c"].iloc[0]
    p_yes, prompt = ask_about(answerer, LIKED, DISLIKED, eragon, lambda d, t: None)
    assert prompt == eragon["prompt"]
    assert p_yes == pytest.approx(eragon["p_yes"], abs=2e-3)  # batched with padding vs alone


def test_no_candidates_is_explained(answerer):
    with pytest.raises(RecommendError, match="no candidate books"):
        rank_candidates(answerer, LIKED, [], CANDIDATES.iloc[:0], lambda d, t: None)


def test_two_rankings_compare_by_rank_correlation_and_overlap():
    first = CANDIDATES.assign(rank=[1, 2, 3, 4], p_yes=[0.9, 0.8, 0.7, 0.6])
    same = compare_rankings(first, first, top_n=2)
    assert same.spearman == pytest.approx(1.0) and same.top_overlap == 2
    reversed_ = compare_rankings(first, first.assign(rank=[4, 3, 2, 1]), top_n=2)
    assert reversed_.spearman == pytest.approx(-1.0) and reversed_.top_overlap == 0
    assert reversed_.table["rank B"].tolist() == [4, 3, 2, 1]


# --- recommendation runs -------------------------------------------------------------------------


def tallrec_files():
    if not TALLREC.is_dir():
        pytest.skip(f"the real TALLRec files are not at {TALLREC}")
    return {"train_file": str(TALLREC / "book" / "valid.json"),
            "test_file": str(TALLREC / "book" / "test.json")}


def test_recommendation_baselines_run_and_are_stored(tmp_path):
    store = Store(tmp_path)
    data = {"dataset": "tallrec-book", "val_fraction": 0.0, "n_train": 256, **tallrec_files()}
    aucs = {}
    for method in ("popularity", "item_cf", "xgboost"):
        outcome = run(parse_spec({"kind": "baseline", "method": method, "data": data}), store=store)
        record = outcome.record
        assert record.status == "done", record.error
        predictions = store.predictions(record.id)
        assert len(predictions) == 2427 and np.allclose(predictions[["p_no", "p_yes"]].sum(axis=1), 1)
        aucs[method] = record.metrics["test"]["auc"]
    assert aucs["xgboost"] > 0.55  # the user's own like ratio carries the signal
    again = run(parse_spec({"kind": "baseline", "method": "xgboost", "data": data}), store=store)
    assert again.cached


def test_results_offer_recommendation_baselines_and_tallrecs_numbers():
    specs = results.baseline_specs(DataSpec(dataset="tallrec-book", **tallrec_files()), grid=(16,))
    assert [spec.method for spec in specs] == ["popularity", "item_cf", "xgboost", "logreg"]
    assert [spec.method for spec in results.baseline_specs(DataSpec(), grid=(16,))] == ["logreg", "xgboost"]
    reference = results.reference_points("tallrec-book")
    tallrec = reference[reference["series"] == "reference: TALLRec (LLaMA-7B)"]
    assert dict(zip(tallrec["n train"], tallrec["AUC"])) == {16: 0.5636, 64: 0.6039, 256: 0.6438}


def test_a_classic_baseline_refuses_recommendation_methods_on_tables(tmp_path):
    outcome = run(parse_spec({"kind": "baseline", "method": "popularity",
                              "data": {"n_train": 64, "n_test": 64}}), store=Store(tmp_path))
    assert outcome.record.status == "failed"
    assert "popularity" in outcome.record.error.splitlines()[0]
