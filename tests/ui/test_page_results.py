"""AppTest of the Results page over a real store (WORKBENCH_RUNS points at it).

The store is built once for the module by tests/test_results.py's builder: logistic regression,
XGBoost, zero-shot and 2-shot runs on California, plus a cancelled and a failed run. Caches are
cleared before each test: AppTest shares them across tests, and each test may use another store.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.test_results import build_results_store
from workbench import results
from workbench.experiments import baseline_grid
from workbench.metrics import classification_metrics
from workbench.store import RUNS_ENV, Store
from workbench.ui import results_scope
from workbench.ui.jobs_panel import job_queue
from tests.ui.apptest import assert_no_exception, open_page

PAGE = "pages/4_Results.py"
FOUR_METHODS = {"zero-shot", "few-shot (2)", "logistic regression", "XGBoost"}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    root = tmp_path_factory.mktemp("results-page-store")
    return root, build_results_store(root)


def _clear_caches() -> None:
    for cached in (results_scope.cached_store, results_scope.cached_predictions,
                   results_scope.cached_test_sets, results_scope.cached_rescore,
                   results_scope.cached_most_different_pair):
        cached.clear()


@pytest.fixture
def use_store(monkeypatch):
    """Point the page at a store (Store() reads WORKBENCH_RUNS) with empty caches."""

    def use(root: Path) -> None:
        monkeypatch.setenv(RUNS_ENV, str(root))
        _clear_caches()

    yield use
    _clear_caches()


@pytest.fixture
def ids(built, use_store) -> dict[str, str]:
    use_store(built[0])
    return built[1]


def _leaderboard(at: AppTest) -> pd.DataFrame:
    return at.dataframe[0].value


def _charts(at: AppTest) -> int:
    return len(at.get("plotly_chart"))


def _texts(elements) -> str:
    return "\n".join(str(element.value) for element in elements)


def test_the_four_methods_in_one_table_and_on_the_charts(ids):
    at = open_page(PAGE)
    assert_no_exception(at)
    assert not at.main.error
    assert at.title[0].value == "Results"
    assert at.selectbox(key="results_dataset").value == "california-housing"
    table = _leaderboard(at)
    assert set(table["method"]) == FOUR_METHODS
    assert len(table) == 5
    assert _charts(at) == 3  # AUC per run, shots curve, ROC curves
    metrics = {metric.label: metric for metric in at.main.metric}
    assert metrics["Runs compared"].value == "5"
    best = table.iloc[0]
    assert metrics["Best AUC"].value == f"{best['AUC']:.3f}"
    assert at.get("download_button"), "no CSV download of the leaderboard"


def test_runs_are_compared_on_their_shared_rows_by_default(ids):
    at = open_page(PAGE)
    scope = at.radio(key="results_scope_california-housing")
    assert scope.value != results_scope.OWN_ROWS
    assert scope.options[-1] == "Each run's own test rows"
    table = _leaderboard(at).set_index("run")
    assert (table["n test"] == 30).all()
    assert table.loc[[ids["logreg-16"], ids["logreg-64"], ids["xgboost-16"]], "rescored"].all()
    scope.set_value(results_scope.OWN_ROWS).run()
    assert_no_exception(at)
    own = _leaderboard(at).set_index("run")
    assert own.loc[ids["logreg-16"], "n test"] == 4128 and not own["rescored"].any()


def test_failed_and_cancelled_runs_have_their_own_table(ids):
    at = open_page(PAGE)
    others = next(frame.value for frame in at.dataframe if "reason" in frame.value.columns)
    assert set(others["status"]) == {"failed", "cancelled"}
    assert "n_estimators" in others.set_index("status").loc["failed", "reason"]


def test_disagreement_section_compares_two_runs(ids):
    at = open_page(PAGE)
    run_a = at.selectbox(key="results_run_a_california-housing")
    run_b = at.selectbox(key="results_run_b_california-housing")
    # It opens on the two runs that disagree most, never on two that agree everywhere.
    source = Store()  # its predictions(run_id) is what the page reads
    ranked = _leaderboard(at)["run"].tolist()[:8]
    shares = {
        (a, b): found.count / found.shared
        for i, a in enumerate(ranked) for b in ranked[i + 1:]
        for found in [results.disagreements(source, a, b)]
    }
    assert run_a.value != run_b.value
    assert shares[(run_a.value, run_b.value)] == max(shares.values()) > 0
    summary = next(md.value for md in at.main.markdown if "disagree on" in md.value)
    assert "of 30 shared rows" in summary
    rows = next(frame.value for frame in at.dataframe if "right" in frame.value.columns)
    assert "MedInc" in rows.columns  # the data set's columns joined on row_id
    run_b.set_value(run_a.value).run()
    assert_no_exception(at)
    assert "Pick two different runs." in _texts(at.main.info)


def test_run_details_show_the_spec_and_the_error(ids):
    at = open_page(PAGE)
    details = at.selectbox(key="results_details_california-housing")
    details.set_value(ids["failed"]).run()
    assert_no_exception(at)
    assert "n_estimators" in _texts(at.main.error)
    assert any("method: xgboost" in code.value for code in at.main.code)


def test_a_data_set_without_runs_shows_a_friendly_message(ids):
    at = open_page(PAGE)
    at.selectbox(key="results_dataset").set_value("pima-diabetes").run()
    assert_no_exception(at)
    message = _texts(at.main.info)
    assert "No runs for **Pima Indians diabetes** yet" in message
    assert any("--set dataset=pima-diabetes" in code.value for code in at.main.code)
    assert any(button.label == "Run baselines" for button in at.button)
    assert _charts(at) == 0 and not at.dataframe


def test_an_empty_store(tmp_path, use_store):
    use_store(tmp_path / "empty")
    at = open_page(PAGE)
    assert_no_exception(at)
    assert "No runs for **California housing** yet" in _texts(at.main.info)
    assert any("california-zero-shot.yaml" in code.value for code in at.main.code)


def test_run_baselines_button_runs_in_the_background(built, use_store, monkeypatch):
    use_store(built[0])
    monkeypatch.setattr(baseline_grid, "BASELINE_GRID", (16,))  # both already in the store
    at = open_page(PAGE)
    button = next(b for b in at.button if b.label == "Run baselines")
    button.click().run()
    assert_no_exception(at)
    title = "Run baselines: California housing"
    job = next(job for job in job_queue().jobs() if job.title == title)
    deadline = time.monotonic() + 120
    while job.status in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert job.status == "done", job.snapshot()
    at.run()
    assert_no_exception(at)
    assert "2 baseline runs: 2 from the store" in _texts(at.main.success)


def _write_run(store: Store, key: str, kind: str, method: str, rows: np.ndarray,
               labels: np.ndarray, rng: np.random.Generator, **extra) -> str:
    """A stored run with noisy probabilities (no model involved: the page only reads files)."""
    p_yes = np.clip(labels * 0.3 + rng.random(len(rows)) * 0.7, 0, 1)
    probabilities = np.column_stack([1 - p_yes, p_yes])
    metrics = {"test": classification_metrics(labels, probabilities, ["no", "yes"]),
               "method": method, "n_train": extra.pop("n_train"), "n_test": len(rows),
               "seconds": 1.0, "trainable_parameters": 0}
    spec = {"kind": kind, "data": {"dataset": "california-housing", "split_seed": 42,
                                   "test_fraction": 0.2, "n_test": 200, **extra}}
    record = store.create(kind=kind, method=method, dataset="california-housing", model="m",
                          cache_key=key, spec=spec, spec_yaml="{}\n")
    store.start(record.id)
    frame = pd.DataFrame({"row_id": rows, "label": np.where(labels == 1, "yes", "no"),
                          "p_no": 1 - p_yes, "p_yes": p_yes,
                          "predicted": np.where(p_yes > 0.5, "yes", "no")})
    store.finish(record.id, metrics, frame)
    return record.id


def test_a_hundred_runs_stay_fast_and_a_damaged_file_is_a_message(tmp_path, use_store):
    store = Store(tmp_path / "many")
    rng = np.random.default_rng(0)
    rows = np.sort(rng.choice(20_640, 200, replace=False))
    labels = rng.integers(0, 2, 200)
    made = [
        _write_run(store, f"k{i}", "evaluate", ("zero-shot", "few-shot")[i % 2], rows, labels, rng,
                   n_train=(0, 4)[i % 2])
        for i in range(100)
    ]
    (store.folder(made[3]) / "predictions.parquet").write_bytes(b"PAR1 damaged PAR1")
    use_store(store.root)
    started = time.perf_counter()
    at = open_page(PAGE)
    first = time.perf_counter() - started
    assert_no_exception(at)
    assert len(_leaderboard(at)) == 99
    warnings = _texts(at.main.warning)
    assert f"Run {made[3]}: its predictions file cannot be read" in warnings
    started = time.perf_counter()
    at.run()
    rerun = time.perf_counter() - started
    assert_no_exception(at)
    print(f"100 runs: first render {first:.2f} s, rerun {rerun:.2f} s")
    assert first < 30 and rerun < 3, (first, rerun)
    # Each run on its own rows: the damaged run is in the table (stored metrics); its curve and
    # its rows cannot be drawn, and the page says so instead of failing.
    at.radio(key="results_scope_california-housing").set_value(results_scope.OWN_ROWS).run()
    assert_no_exception(at)
    assert len(_leaderboard(at)) == 100
    at.selectbox(key="results_run_a_california-housing").set_value(made[3]).run()
    assert_no_exception(at)
    assert "its predictions file cannot be read" in _texts(at.main.error)


def test_runs_that_did_not_finish_are_listed_with_their_reason(tmp_path, use_store):
    store = Store(tmp_path / "unfinished")
    failed = store.create(kind="baseline", method="xgboost", dataset="california-housing",
                          model=None, cache_key="a", spec={}, spec_yaml="kind: baseline\n")
    store.start(failed.id)
    store.fail(failed.id, "XGBoost ran out of memory.\n\nTraceback (most recent call last): ...")
    going = store.create(kind="evaluate", method="zero-shot", dataset="california-housing",
                         model="m", cache_key="b", spec={}, spec_yaml="kind: evaluate\n")
    store.start(going.id)  # this process: alive, so still running
    store.progress(going.id, stage="scoring", done=40, total=200)
    use_store(store.root)
    at = open_page(PAGE)
    assert_no_exception(at)
    assert "No finished runs for **California housing** yet." in _texts(at.main.info)
    others = at.dataframe[0].value.set_index("status")
    assert others.loc["failed", "reason"] == "XGBoost ran out of memory."
    assert others.loc["running", "reason"] == "scoring: 40/200"
    assert any(button.label == "Run baselines" for button in at.button)


def test_a_stored_run_runs_again_from_its_spec(tmp_path, use_store):
    from tests.polling import ended_run
    from workbench.experiments import run
    from workbench.specs import BaselineSpec
    from workbench.ui.run_state import forget_supervisor

    root = tmp_path / "rerun"
    first = run(BaselineSpec(method="logreg", data={"n_train": 64, "n_test": 50}), store=Store(root)).record
    use_store(root)
    forget_supervisor()  # the page's supervisor must work on this store
    try:
        at = open_page(PAGE)
        assert sum(code.value.endswith(".yaml --force") for code in at.main.code) == 3
        next(b for b in at.button if b.label == "Run it again").click().run()
        assert_no_exception(at)
        assert "Queued as run" in _texts(at.main.success)
        store = Store(root)
        again = next(r for r in store.list() if r.id != first.id)
        assert again.cache_key == first.cache_key and again.spec == first.spec
        assert ended_run(store, again.id).status == "done", store.get(again.id).error
        np.testing.assert_array_equal(store.predictions(again.id)["p_yes"], store.predictions(first.id)["p_yes"])
    finally:
        forget_supervisor()
