"""Template comparison and preview backend (workbench.experiments.compare) on the tiny model."""

from __future__ import annotations

import re
import time

import pytest

from workbench.errors import WorkbenchError
from workbench.experiments import compare
from workbench.experiments.compare import Comparison, TemplateResult
from workbench.models import load_model
from workbench.models.tokenizer import preview_tokenizer
from workbench.prompts import builtin_templates
from workbench.rows import prepare_rows
from workbench.specs import ModelSpec, TemplateSpec
from workbench.store import Store

TINY = ModelSpec(name="tiny-random-llama")
ROWS = 20


@pytest.fixture(scope="module")
def tiny():
    return load_model("tiny-random-llama")


@pytest.fixture
def store(tmp_path) -> Store:
    return Store(tmp_path)


@pytest.fixture(scope="module")
def builtins() -> dict[str, TemplateSpec]:
    return builtin_templates("california-housing")


@pytest.fixture(scope="module")
def two_templates(builtins) -> dict[str, TemplateSpec]:
    return {"list": builtins["list"], "text": builtins["text"]}


def _data(rows: int = ROWS):
    return compare.page_data_spec("california-housing", rows)


def _compare(templates, store, tiny, **options) -> Comparison:
    return compare.compare_templates(templates, _data(), TINY, store, loaded=tiny, **options)


# --- the data protocol ---------------------------------------------------------------------------


def test_page_split_follows_the_seed_protocol():
    california = compare.page_data_spec("california-housing", 200)
    protocol = (california.split_seed, california.test_fraction, california.stratify)
    assert protocol == (42, 0.2, False)
    assert california.n_test == 200
    assert compare.page_data_spec("adult-income", None).stratify is True


def test_serializations_take_the_question_answers_and_shots_of_the_current_template(builtins):
    current = builtins["list"].model_copy(
        update={"question": "Pricey?", "answers": {"no": "Cheap", "yes": "Pricey"}, "shots": 2}
    )
    templates = compare.serialization_templates(current, builtins, ["text", "json"])
    assert list(templates) == ["text", "json"]
    for name, template in templates.items():
        assert template.serializer == name
        assert (template.question, template.answers, template.shots) == (
            "Pricey?", {"no": "Cheap", "yes": "Pricey"}, 2,
        )
    assert templates["text"].readable_names is True  # the serialization itself is kept


# --- comparing -----------------------------------------------------------------------------------


def test_each_template_is_a_stored_run_on_the_same_rows(store, tiny, two_templates):
    comparison = _compare(two_templates, store, tiny)
    assert not comparison.cancelled
    assert [result.name for result in comparison.results] == ["list", "text"]
    assert [result.status for result in comparison.results] == ["done", "done"]
    records = [store.get(result.run_id) for result in comparison.results]
    assert all(record.status == "done" and record.kind == "evaluate" for record in records)
    assert records[0].spec["template"]["serializer"] == "list"
    assert records[1].spec["template"]["serializer"] == "text"
    row_ids = [store.predictions(record.id)["row_id"].tolist() for record in records]
    assert row_ids[0] == row_ids[1] and len(row_ids[0]) == ROWS


def test_the_table_has_auc_intervals_accuracy_and_tokens(store, tiny, two_templates):
    table = _compare(two_templates, store, tiny).table()
    assert table["template"].tolist() == ["list", "text"]
    for column in ("auc", "auc_low", "auc_high", "accuracy", "tokens_mean", "tokens_max"):
        assert table[column].notna().all(), column
    assert (table["auc_low"] <= table["auc"]).all() and (table["auc"] <= table["auc_high"]).all()
    # The text serialization writes sentences: more tokens per row than the list.
    assert table["tokens_mean"][1] > table["tokens_mean"][0]
    assert table["source"].tolist() == ["scored", "scored"]


def test_the_winner_has_the_highest_auc_and_is_stated_in_words(store, tiny, two_templates):
    comparison = _compare(two_templates, store, tiny)
    best = max(comparison.results, key=lambda result: result.auc)
    assert comparison.winner is best
    sentence = compare.winner_sentence(comparison)
    assert re.fullmatch(rf"Best: {best.name}, AUC \d\.\d\d \[\d\.\d\d, \d\.\d\d\]", sentence)


def test_a_second_call_answers_from_the_store(store, tiny, two_templates):
    first = _compare(two_templates, store, tiny)
    started = time.perf_counter()
    second = _compare(two_templates, store, tiny)
    assert time.perf_counter() - started < 10
    assert [result.cached for result in second.results] == [True, True]
    assert second.run_ids == first.run_ids
    assert second.table()["source"].tolist() == ["from the store", "from the store"]
    assert len(store.list()) == 2


def test_progress_is_numbered_per_template(store, tiny, two_templates):
    reports = []
    _compare(two_templates, store, tiny, progress=lambda *report: reports.append(report))
    assert ("template 1/2 (list)", ROWS, ROWS) in reports
    assert ("template 2/2 (text)", ROWS, ROWS) in reports
    assert any(stage.startswith("template 2/2 (text), loading data") for stage, _, _ in reports)


def test_cancel_keeps_the_finished_templates(store, tiny, two_templates):
    stop = []

    def progress(stage, done, total, **details):
        if stage.startswith("template 2/2"):
            stop.append(True)  # cancel as soon as the second template starts

    comparison = _compare(
        two_templates, store, tiny, progress=progress, should_stop=lambda: bool(stop)
    )
    assert comparison.cancelled
    assert [result.status for result in comparison.results] == ["done", "cancelled"]
    assert store.get(comparison.results[1].run_id).status == "cancelled"
    assert comparison.winner.name == "list"  # the finished one is still compared
    assert comparison.table()["auc"].isna().tolist() == [False, True]


def test_cancel_before_the_start_scores_nothing(store, tiny, two_templates):
    comparison = _compare(two_templates, store, tiny, should_stop=lambda: True)
    assert comparison.cancelled and comparison.results == ()
    assert comparison.winner is None and compare.winner_sentence(comparison) is None
    assert store.list() == []


def test_a_failing_template_is_reported_and_the_others_still_run(store, tiny, builtins):
    broken = builtins["jinja"].model_copy(update={"jinja": "Income {{ MedIncome }}"})
    comparison = _compare({"broken": broken, "list": builtins["list"]}, store, tiny)
    failed, done = comparison.results
    assert failed.status == "failed" and "MedIncome" in failed.error_line
    assert done.status == "done" and comparison.winner is done
    assert comparison.table()["status"][0].startswith("failed: ")


def test_no_templates_is_a_clear_error(store, tiny):
    with pytest.raises(WorkbenchError, match="at least one template"):
        _compare({}, store, tiny)


def test_a_comparison_is_redrawn_from_its_run_ids(store, tiny, two_templates):
    comparison = _compare(two_templates, store, tiny)
    again = compare.comparison_from_store(store, comparison.run_ids)
    columns = ["template", "auc", "auc_low", "auc_high", "accuracy", "tokens_mean"]
    assert again.table()[columns].equals(comparison.table()[columns])
    store.delete(comparison.results[0].run_id)
    partial = compare.comparison_from_store(store, comparison.run_ids)
    assert [result.status for result in partial.results] == ["missing", "done"]
    assert partial.winner.name == "text"


def _result(name: str, auc: float, interval: list[float], tokens: float = 50.0) -> TemplateResult:
    metrics = {"test": {"auc": auc, "auc_ci": interval, "accuracy": 0.5},
               "tokens_per_row": {"mean": tokens, "max": int(tokens)}}
    return TemplateResult(name, f"run-{name}", "done", metrics=metrics)


def test_runners_up_whose_interval_holds_the_winners_auc():
    comparison = Comparison((
        _result("list", 0.60, [0.50, 0.70]),
        _result("text", 0.66, [0.58, 0.74]),
        _result("json", 0.52, [0.44, 0.60]),
    ))
    assert comparison.winner.name == "text"
    assert compare.winner_sentence(comparison) == "Best: text, AUC 0.66 [0.58, 0.74]"
    assert compare.overlapping_runners_up(comparison) == ["list"]


def test_a_comparison_where_no_template_beats_guessing():
    at_chance = Comparison((_result("list", 0.55, [0.45, 0.65]), _result("text", 0.52, [0.42, 0.62])))
    assert compare.none_beats_chance(at_chance)
    one_above = Comparison((*at_chance.results, _result("json", 0.70, [0.62, 0.78])))
    assert not compare.none_beats_chance(one_above)
    assert not compare.none_beats_chance(Comparison(()))


def test_a_tie_goes_to_the_shorter_prompt():
    comparison = Comparison((_result("text", 0.6, [0.5, 0.7], tokens=120),
                             _result("list", 0.6, [0.5, 0.7], tokens=90)))
    assert comparison.winner.name == "list"


# --- preview -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tokenizer():
    return preview_tokenizer("tiny-random-llama")


@pytest.fixture(scope="module")
def rows():
    return prepare_rows(_data(40))


def test_preview_shows_prompts_labels_token_counts_and_answer_ids(builtins, rows, tokenizer):
    preview = compare.preview_prompts(builtins["list"], rows, tokenizer, show=3, count=30)
    assert len(preview.examples) == 3
    prompt, label = preview.examples[0]
    assert prompt.startswith("- MedInc: ") and prompt.endswith("Answer:")
    assert label == rows.test["valuable"].iloc[0]
    assert preview.tokens.rows == 30 and 0 < preview.tokens.mean <= preview.tokens.max
    assert [answer.word for answer in preview.answers] == [" No", " Yes"]
    assert all(len(answer.ids) == 1 and not answer.multi_token for answer in preview.answers)
    assert preview.answers[1].pieces == ["ĠYes"]
    assert preview.answer_problem is None and preview.shots == 0


def test_preview_counts_tokens_as_scoring_does(builtins, tokenizer, store, tiny):
    template = builtins["json"]
    preview = compare.preview_prompts(template, prepare_rows(_data()), tokenizer, count=ROWS)
    comparison = _compare({"json": template}, store, tiny)
    assert preview.tokens.mean == pytest.approx(comparison.results[0].tokens_mean)


def test_preview_flags_multi_token_and_indistinguishable_answers(builtins, rows, tokenizer):
    answers = {"no": "No", "yes": "Affirmative"}
    long_answer = builtins["list"].model_copy(update={"answers": answers})
    preview = compare.preview_prompts(long_answer, rows, tokenizer)
    assert [answer.multi_token for answer in preview.answers] == [False, True]
    with pytest.raises(WorkbenchError, match="same tokens"):
        compare.answer_tokens(tokenizer, ["no", "yes"], [" No", " No"])


def test_few_shot_preview_holds_the_examples(builtins, rows, tokenizer):
    few = builtins["list"].model_copy(update={"shots": 2})
    preview = compare.preview_prompts(few, rows, tokenizer)
    assert preview.shots == 2
    assert preview.examples[0][0].count("Answer:") == 3


def test_token_stats_of_no_prompts(tokenizer):
    assert compare.token_stats(tokenizer, []) == compare.TokenStats(0, 0.0, 0)


def test_preview_tokenizer_of_an_unknown_model_is_a_clear_error(monkeypatch):
    monkeypatch.setattr("workbench.hub.hub_reachable", lambda *args, **kwargs: False)
    with pytest.raises(WorkbenchError, match="not in the local cache"):
        preview_tokenizer("nobody/no-such-model-here")
