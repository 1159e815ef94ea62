"""AppTest of the Prompt-template page: editor, live problems, preview, YAML, scoring, comparing.

Jobs run on the shared background queue; AppTest does not run the job panel's fragment timer,
so the tests rerun the page until the job has ended. Runs go to a temporary store
(WORKBENCH_RUNS), and the tiny random model keeps scoring fast.
"""

from __future__ import annotations

import re
import time

import pytest
from streamlit.testing.v1 import AppTest

from workbench.jobs import ACTIVE
from workbench.ui import template_editor as te
from workbench.ui import template_runs as tr
from workbench.ui.jobs_panel import job_queue
from tests.ui.apptest import assert_no_exception, main_errors, main_metrics, open_page

PAGE = "pages/2_Prompt_Templates.py"
PICKER_KEY = "_model_picker"
TINY = "tiny-random-llama"
JOB_TIMEOUT_S = 120


@pytest.fixture(autouse=True)
def temporary_store(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_RUNS", str(tmp_path / "runs"))


def _page(timeout: float = 60, dataset: str | None = "california-housing") -> AppTest:
    """The page on `dataset` (most tests use California's columns); None: as it opens."""
    at = open_page(PAGE, timeout)
    assert_no_exception(at)
    if dataset is not None and at.selectbox(key=te.DATASET).value != dataset:
        at.selectbox(key=te.DATASET).set_value(dataset).run()
        assert_no_exception(at)
    return at


def _use_jinja(at: AppTest, text: str) -> None:
    at.selectbox(key=te.SERIALIZER).select("jinja").run()
    at.text_area(key=te.JINJA).set_value(text).run()
    assert_no_exception(at)


def _tiny_with_rows(at: AppTest, rows: int) -> None:
    at.sidebar.selectbox(key=PICKER_KEY).set_value(TINY).run()
    at.number_input(key=te.ROWS).set_value(rows).run()
    assert_no_exception(at)


def _job(at: AppTest, job_key: str):
    job = job_queue().get(at.session_state[job_key]["id"])
    assert job is not None, "no job was submitted"
    return job


def _wait_for_job(at: AppTest, job_key: str, status: str = "done") -> None:
    """Wait until the page's job has ended, then rerun the page to draw the result."""
    deadline = time.monotonic() + JOB_TIMEOUT_S
    job = _job(at, job_key)
    while job.status in ACTIVE:
        assert time.monotonic() < deadline, f"job still {job.status} after {JOB_TIMEOUT_S} s"
        time.sleep(0.2)
    at.run()
    assert_no_exception(at)
    assert job.status == status, f"job {job.status}: {job.error}"


def _click(at: AppTest, key: str) -> None:
    at.button(key=key).click().run()
    assert_no_exception(at)


# --- rendering and preview -----------------------------------------------------------------------


def test_page_opens_on_adult_income_where_the_model_knows_something():
    at = _page(dataset=None)
    assert at.selectbox(key=te.DATASET).value == "adult-income"
    assert any("has read about" in caption.value for caption in at.main.caption)
    prompts = [code.value for code in at.main.code if code.value.endswith("Answer:")]
    assert prompts and prompts[0].startswith("- age: ")
    assert at.multiselect(key=te.COMPARE_NAMES).value == ["list", "text", "values", "table", "json"]


def test_page_renders_california_with_the_list_template():
    at = _page()
    assert at.title[0].value == "Prompt templates"
    assert at.selectbox(key=te.DATASET).value == "california-housing"
    assert at.selectbox(key=te.BUILTIN).value == "list"
    assert at.number_input(key=te.ROWS).value == 200
    assert not main_errors(at)
    assert at.multiselect(key=te.COMPARE_NAMES).value == ["list", "text", "values", "table", "json"]


def test_preview_shows_prompts_token_counts_and_answer_token_ids():
    at = _page()
    prompts = [code.value for code in at.main.code if code.value.endswith("Answer:")]
    assert len(prompts) == te.PREVIEW_PROMPTS
    assert prompts[0].startswith("- MedInc: ")
    assert any("true label" in md.value for md in at.main.markdown)
    metrics = main_metrics(at)
    assert float(metrics["Mean tokens"]) > 50
    assert int(metrics["Max tokens"]) >= float(metrics["Mean tokens"])
    answers = at.main.dataframe[0].value
    assert answers["answer word"].tolist() == ["' No'", "' Yes'"]
    assert all(ids.isdigit() for ids in answers["token ids"])  # one token each


def test_text_serializer_changes_the_preview():
    at = _page()
    at.selectbox(key=te.BUILTIN).select("text").run()
    assert_no_exception(at)
    assert at.checkbox(key=te.READABLE).value is True
    prompts = [code.value for code in at.main.code if code.value.endswith("Answer:")]
    assert prompts[0].startswith("The median income is ")


def test_numbers_as_levels_only_shorten_the_preview():
    at = _page()
    tokens_with_numbers = float(main_metrics(at)["Mean tokens"])
    at.selectbox(key=te.LEVELS).select(te.NUMBERS_WITH_LEVELS).run()
    assert_no_exception(at)
    prompts = [code.value for code in at.main.code if code.value.endswith("Answer:")]
    assert re.search(r"- MedInc: [\d.]+ \((very )?(low|medium|high)\)", prompts[0])
    at.selectbox(key=te.LEVELS).select(te.NUMBERS_LEVELS_ONLY).run()
    assert_no_exception(at)
    prompts = [code.value for code in at.main.code if code.value.endswith("Answer:")]
    assert re.match(r"- MedInc: (very )?(low|medium|high)\n", prompts[0])
    assert float(main_metrics(at)["Mean tokens"]) < tokens_with_numbers
    yaml_text = "\n".join(code.value for code in at.main.code)
    assert "levels_only: true" in yaml_text


def test_multi_token_answer_is_flagged():
    at = _page()
    at.text_input(key=te._answer_key(1)).set_value("Affirmative").run()
    assert_no_exception(at)
    assert not main_errors(at)
    assert any("' Affirmative' is 2 tokens" in warning.value
               for warning in at.main.warning)


def test_no_rounding_chat_wrapper_and_shots_change_the_preview():
    at = _page()
    at.number_input(key=te.ROUNDING).set_value(None).run()
    at.selectbox(key=te.WRAPPER).select("chat").run()
    at.number_input(key=te.SHOTS).set_value(2).run()
    assert_no_exception(at)
    assert not main_errors(at)
    prompt = next(code.value for code in at.main.code if "<|im_start|>assistant" in code.value)
    assert prompt.count("<|im_start|>user") == 3  # two examples and the row
    assert re.search(r"MedInc: \d+\.\d{3,}", prompt), "values were rounded"
    assert main_metrics(at)["Shots"] == "2"
    assert at.button(key="pt_score_start").label.endswith("(2-shot)")


# --- problems shown while editing ----------------------------------------------------------------


def test_jinja_syntax_error_is_shown_with_its_line():
    at = _page()
    _use_jinja(at, "Income: {{ MedInc }}\nAge: {{ HouseAge }\n")
    errors = main_errors(at)
    assert any(error.startswith("Line 2: Syntax error") for error in errors), errors
    assert not [code for code in at.main.code if code.value.endswith("Answer:")]  # no preview


def test_jinja_unknown_column_is_shown_with_its_line_and_name():
    at = _page()
    _use_jinja(at, "Income: {{ MedInc }}\n\nAge: {{ HouseAgee }}")
    errors = main_errors(at)
    assert any("Line 3" in error and "`HouseAgee`" in error and "`HouseAge`" in error
               for error in errors), errors


def test_template_injection_is_refused_with_a_clear_message():
    at = _page()
    _use_jinja(at, "{{ ''.__class__.__mro__ }}")
    errors = main_errors(at)
    assert errors and all("not allowed in templates" in error for error in errors), errors


def test_fixed_jinja_template_previews_and_survives_a_serializer_switch():
    at = _page()
    _use_jinja(at, "Income {{ MedInc }}, age {{ HouseAge }}.")
    assert not main_errors(at)
    assert any(code.value.startswith("Income ") for code in at.main.code)
    at.selectbox(key=te.SERIALIZER).select("json").run()
    at.selectbox(key=te.SERIALIZER).select("jinja").run()
    assert_no_exception(at)
    assert at.text_area(key=te.JINJA).value == "Income {{ MedInc }}, age {{ HouseAge }}."


@pytest.mark.parametrize(
    "no, yes, message",
    [
        ("Yes", "Yes", "Answer words: each class needs a different answer word"),
        ("", "Yes", "Answer words: answer words cannot be empty"),
    ],
)
def test_invalid_answer_words_show_an_error(no, yes, message):
    at = _page()
    at.text_input(key=te._answer_key(0)).set_value(no)
    at.text_input(key=te._answer_key(1)).set_value(yes).run()
    assert_no_exception(at)
    assert message in main_errors(at)
    assert at.button(key="pt_score_start").disabled
    assert at.button(key="pt_compare_start").disabled


def test_no_features_is_a_problem():
    at = _page()
    at.multiselect(key=te.FEATURES).set_value([]).run()
    assert_no_exception(at)
    assert "Choose at least one feature." in main_errors(at)


# --- YAML upload ---------------------------------------------------------------------------------


def _upload(at: AppTest, name: str, data: bytes) -> None:
    at.file_uploader(key=te.UPLOAD).set_value((name, data, "application/x-yaml")).run()
    assert_no_exception(at)


def test_uploaded_template_is_loaded_into_the_editor():
    at = _page()
    yaml_text = (
        "serializer: table\nfeatures: [Latitude, MedInc]\nquestion: Pricey?\n"
        "answers: {no: Cheap, yes: Pricey}\n"
    )
    _upload(at, "mine.yaml", yaml_text.encode())
    assert any("Loaded the template" in s.value for s in at.main.success)
    assert at.selectbox(key=te.SERIALIZER).value == "table"
    assert at.multiselect(key=te.FEATURES).value == ["Latitude", "MedInc"]
    assert at.text_input(key=te._answer_key(1)).value == "Pricey"
    assert any(code.value.startswith("| Latitude | MedInc |") for code in at.main.code)


@pytest.mark.parametrize(
    "data, fragment",
    [
        (b"serializer: [list\n", "is not valid YAML (line"),
        (b"- just\n- a list\n", "should be a mapping of template fields"),
        (b"serializer: xml\n", "is not a valid template"),
        (b"answers: {cheap: No, pricey: Yes}\n", "does not fit California housing"),
        (b"\xff\xfe\x00binary", "is not a UTF-8 text file"),
    ],
)
def test_bad_uploaded_template_shows_a_clear_error(data, fragment):
    at = _page()
    _upload(at, "bad.yaml", data)
    assert any(fragment in error for error in main_errors(at)), main_errors(at)
    assert at.selectbox(key=te.SERIALIZER).value == "list"  # the editor is unchanged


# --- data sets -----------------------------------------------------------------------------------


def test_text_data_set_starts_from_its_text_template():
    at = _page()
    at.selectbox(key=te.DATASET).select("amazon-reviews").run()
    assert_no_exception(at)
    assert not main_errors(at)
    assert at.selectbox(key=te.BUILTIN).value == "jinja"
    assert at.multiselect(key=te.COMPARE_NAMES).value == ["jinja", "list"]
    assert any(code.value.startswith("Review: ") for code in at.main.code)


def test_only_offline_data_sets_are_offered():
    usable, left_out = te.page_datasets()
    assert "california-housing" in [info.name for info in usable]
    assert all(info.offline and not info.needs_file for info in usable)
    assert {info.name for info in left_out} >= {"imdb", "ag-news"}


# --- scoring and comparing -----------------------------------------------------------------------


def test_scoring_with_the_tiny_model_then_from_the_store():
    at = _page()
    _tiny_with_rows(at, 12)
    _click(at, "pt_score_start")
    _wait_for_job(at, tr.SCORE_JOB)
    metrics = main_metrics(at)
    assert {"AUC", "Accuracy", "F1", "Brier", "Examples/s"} <= set(metrics)
    assert any("scored now" in md.value for md in at.main.markdown)
    assert any("true no" in str(table.value) for table in at.main.table)  # confusion matrix
    _click(at, "pt_score_start")
    _wait_for_job(at, tr.SCORE_JOB)
    assert any("from the store" in md.value for md in at.main.markdown)


def test_comparing_two_templates_with_the_tiny_model():
    at = _page()
    _tiny_with_rows(at, 12)
    at.multiselect(key=te.COMPARE_NAMES).set_value(["list", "json"]).run()
    _click(at, "pt_compare_start")
    _wait_for_job(at, tr.COMPARE_JOB)
    # A trophy when the best template beats guessing, else a warning that none does.
    winners = [s.value for s in [*at.main.success, *at.main.warning] if "Best:" in s.value]
    assert winners and ("list" in winners[0] or "json" in winners[0])
    assert "AUC" in winners[0]
    table = at.main.dataframe[-1].value
    assert table["template"].tolist() == ["list", "json"]
    assert table["source"].tolist() == ["scored", "scored"]
    assert at.main.get("plotly_chart")
    # The comparison is kept (as run ids) and redrawn after any rerun.
    at.run()
    assert [s.value for s in [*at.main.success, *at.main.warning] if "Best:" in s.value] == winners


def test_edits_survive_a_visit_to_another_page():
    at = _page()
    at.text_input(key=te.QUESTION).set_value("Is this block expensive?").run()
    at.selectbox(key=te.WRAPPER).select("alpaca").run()
    at.text_input(key=te.INSTRUCTION).set_value("Answer about house prices.").run()
    at.selectbox(key=te.WRAPPER).select("none").run()  # the instruction box is hidden now
    at.switch_page("pages/1_Data_Explorer.py").run()
    at.switch_page(PAGE).run()
    assert_no_exception(at)
    assert at.text_input(key=te.QUESTION).value == "Is this block expensive?"
    at.selectbox(key=te.WRAPPER).select("alpaca").run()
    assert at.text_input(key=te.INSTRUCTION).value == "Answer about house prices."
    instruction = "### Instruction:\nAnswer about house prices."
    assert any(instruction in code.value for code in at.main.code)


def test_cancelling_a_comparison_keeps_what_finished():
    at = _page()
    _tiny_with_rows(at, 1000)
    _click(at, "pt_compare_start")
    assert _job(at, tr.COMPARE_JOB).status in ACTIVE
    at.run()  # while it runs, a second comparison cannot be started
    assert at.button(key="pt_compare_start").disabled
    at.button(key=f"{tr.COMPARE_JOB}-cancel").click().run()
    _wait_for_job(at, tr.COMPARE_JOB, status="cancelled")
    assert any("was cancelled" in warning.value for warning in at.main.warning)
    assert any(warning.value.startswith("Cancelled: ") for warning in at.main.warning)
    assert not at.button(key="pt_compare_start").disabled
