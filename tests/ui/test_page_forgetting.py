"""AppTest of the Forgetting page: the preset form, problems as messages, the YAML the CLI runs,
stored comparisons drawn as charts and a table, and a launch that runs in the background.

Runs go to a temporary store (WORKBENCH_RUNS) on the tiny random Llama."""

from __future__ import annotations

import time

import pytest

from tests.ui.apptest import assert_no_exception, main_errors, open_page_with_model
from workbench.experiments import run
from workbench.forgetting.plan import method_runs
from workbench.specs import ForgettingSpec, parse_spec, read_yaml
from workbench.store import Store

PAGE = "pages/5_Forgetting.py"
TINY = "tiny-random-llama"
TIMEOUT = 120


def tiny_comparison(methods=("naive", "lora")) -> ForgettingSpec:
    return parse_spec({
        "kind": "forgetting", "name": "Reviews then houses (class-incremental)",
        "model": {"name": TINY}, "setting": "class_incremental",
        "tasks": [
            {"name": "reviews", "data": {"dataset": "amazon-reviews", "n_train": 8, "n_test": 8}},
            {"name": "houses", "data": {"dataset": "california-housing", "n_train": 8, "n_test": 8}},
        ],
        "methods": list(methods),
        "training": {"method": "full", "batch_size": 4, "precision": "fp32"},
        "curve_every": 1, "curve_rows": 4, "probe_texts": 2, "batch_size": 8,
    })


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    root = tmp_path_factory.mktemp("forgetting-page-store")
    store = Store(root)
    for spec in method_runs(tiny_comparison()):
        assert run(spec, store=store).record.status == "done"
    return root


def _page(model: str | None = TINY):
    return open_page_with_model(PAGE, model, TIMEOUT)


def _page_with_preset(title: str):
    at = _page()
    at.selectbox(key="fg_preset").set_value(title).run()
    assert_no_exception(at)
    return at


def test_the_default_preset_fills_the_form_with_a_valid_comparison(tmp_path, use_store):
    use_store(tmp_path / "runs")
    at = _page()
    assert at.selectbox(key="fg_preset").value == "Cars, then electronics (one label space)"
    assert at.selectbox(key="fg_dataset_0").value == "newsgroups-cars"
    assert at.selectbox(key="fg_dataset_1").value == "newsgroups-cars"
    assert at.multiselect(key="fg_methods").value == ["naive", "replay", "ewc"]
    assert at.radio(key="fg_setting").value == "label_words"
    assert not main_errors(at)
    spec = parse_spec(read_yaml(at.main.code[0].value))
    assert isinstance(spec, ForgettingSpec) and spec.model.name == TINY
    first, second = spec.tasks
    assert first.template.question == "Is this post about cars? Yes or no?"
    assert second.template.answers == {"electronics": "Yes", "autos": "No"}  # one label space
    assert first.learning_rate_factor == 1 and second.learning_rate_factor == 3  # B trains harder
    assert at.number_input(key="fg_lr_factor_1").value == 3
    assert any("3 runs" in md.value for md in at.main.markdown)
    assert any("No forgetting runs yet" in info.value for info in at.main.info)
    assert any("rewires what \"Yes\" means" in c.value for c in at.main.caption)  # the file's words
    at.checkbox(key="fg_sweep").check().run()  # a sweep around the preset's lambda
    spec = parse_spec(read_yaml(at.main.code[0].value))
    assert spec.ewc_sweep.low == pytest.approx(spec.ewc_lambda / 100)
    assert spec.ewc_sweep.high == pytest.approx(spec.ewc_lambda * 10)


def test_the_class_incremental_preset_stays_as_a_second_choice(tmp_path, use_store):
    use_store(tmp_path / "runs")
    at = _page_with_preset("Reviews then houses (class-incremental)")
    assert at.radio(key="fg_setting").value == "class_incremental"
    assert any("not a skill erased" in c.value for c in at.main.caption)
    assert at.selectbox(key="fg_dataset_0").value == "amazon-reviews"
    assert len(at.multiselect(key="fg_methods").value) == 6
    spec = parse_spec(read_yaml(at.main.code[0].value))
    assert spec.tasks[0].template.jinja == "Review: {{ review[:400] }}"  # the preset's template


def test_other_presets_and_edits_change_the_spec(tmp_path, use_store):
    use_store(tmp_path / "runs")
    at = _page_with_preset("IMDb then AG News (the seed's GPT-2 recipe)")
    assert at.selectbox(key="fg_dataset_1").value == "ag-news"
    assert at.multiselect(key="fg_classes_1").value == ["Sci/Tech", "Sports"]
    at.selectbox(key="fg_preset").set_value("Reviews then houses (label words)").run()
    at.multiselect(key="fg_methods").set_value(["naive", "ewc"]).run()
    at.checkbox(key="fg_sweep").check().run()
    at.number_input(key="fg_lr_factor_1").set_value(2.5).run()
    assert_no_exception(at)
    spec = parse_spec(read_yaml(at.main.code[0].value))
    assert spec.setting == "label_words" and spec.methods == ["naive", "ewc"]
    assert [task.learning_rate_factor for task in spec.tasks] == [1, 2.5]
    assert spec.ewc_sweep is not None
    assert any("6 runs" in md.value for md in at.main.markdown)  # naive + 5 lambdas


def test_bad_choices_are_messages_not_tracebacks(tmp_path, use_store):
    use_store(tmp_path / "runs")
    at = _page()
    at.multiselect(key="fg_methods").set_value([]).run()
    assert "Pick at least one method to compare." in main_errors(at)
    at.multiselect(key="fg_methods").set_value(["naive"]).run()
    at.selectbox(key="fg_dataset_0").set_value("pima-diabetes").run()
    at.selectbox(key="fg_dataset_1").set_value("pima-diabetes").run()
    assert_no_exception(at)
    assert any("same name" in error for error in main_errors(at))
    at.selectbox(key="fg_dataset_1").set_value("imdb").run()
    at.button(key="fg_launch").click().run()
    assert_no_exception(at)
    assert any("hub" in error for error in main_errors(at))  # offline: a clear reason


def test_stored_comparisons_are_drawn(stored, use_store):
    use_store(stored)
    at = _page()
    assert_no_exception(at)
    assert at.selectbox(key="fg_comparison").options[0].startswith(
        "reviews -> houses · class incremental · tiny-random-llama · since ")
    table = at.main.dataframe[0].value
    assert list(table["method"]) == ["Naive full fine-tuning", "LoRA"]
    assert "forgetting of reviews" in table.columns
    charts = at.main.get("plotly_chart")
    assert len(charts) == 5  # heatmaps, bars, curves, trade-off, perplexity


def test_a_launch_runs_in_the_background_and_lands_in_the_results(tmp_path, use_store):
    root = tmp_path / "runs"
    use_store(root)
    at = _page()
    at.number_input(key="fg_train_0").set_value(8).run()
    at.number_input(key="fg_train_1").set_value(8).run()
    at.number_input(key="fg_test_0").set_value(10).run()
    at.number_input(key="fg_test_1").set_value(10).run()
    at.number_input(key="fg_probe").set_value(2).run()
    at.multiselect(key="fg_methods").set_value(["naive"]).run()
    at.button(key="fg_launch").click().run()
    assert_no_exception(at)
    store = Store(root)
    records = [r for r in store.list() if r.kind == "forgetting"]
    assert len(records) == 1 and records[0].method == "naive"
    deadline = time.monotonic() + 240
    while store.get(records[0].id).status in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(1)
    record = store.get(records[0].id)
    assert record.status == "done", record.error
    at.run()
    assert_no_exception(at)
    assert list(at.main.dataframe[0].value["method"]) == ["Naive full fine-tuning"]
    # Launching the same comparison again reuses the stored run.
    at.button(key="fg_launch").click().run()
    assert len([r for r in store.list() if r.kind == "forgetting"]) == 1
