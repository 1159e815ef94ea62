"""AppTests of your own table on the pages: the Data explorer keeps an upload (label guess,
flags, roles, "Use this data set"), every page's picker lists it, and bad input on the way is a
message that loses nothing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.ui.apptest import assert_no_exception, main_errors, main_metrics, open_page
from tests.your_table import applications, csv_bytes
from workbench.data import kept
from workbench.data.tables import TableChoice
from workbench.experiments import run
from workbench.specs import BaselineSpec
from workbench.store import RUNS_ENV
from workbench.ui import data_explorer_page as explorer
from workbench.ui import results_scope

EXPLORER = "pages/1_Data_Explorer.py"
TEMPLATES = "pages/2_Prompt_Templates.py"
RESULTS = "pages/4_Results.py"
TRAINING = "pages/3_Training.py"
FORGETTING = "pages/5_Forgetting.py"
PICKERS = {TEMPLATES: "pt_dataset", TRAINING: "tr_dataset", FORGETTING: "fg_dataset_0",
           RESULTS: "results_dataset", EXPLORER: "explorer_dataset"}


@pytest.fixture(autouse=True)
def stores(tmp_path, monkeypatch):
    monkeypatch.setenv(kept.TABLES_ENV, str(tmp_path / "tables"))
    monkeypatch.setenv(RUNS_ENV, str(tmp_path / "runs"))
    results_scope.cached_store.clear()
    yield tmp_path
    results_scope.cached_store.clear()


def credit_table() -> pd.DataFrame:
    """The issue's stumble: a yes/no label first, a 35-valued count last, and two columns worth
    a second look (a row number and the approved limit, known only after the decision)."""
    frame = applications()
    frame.insert(0, "row", np.arange(1, len(frame) + 1))
    frame["limit"] = np.where(frame["card"] == "yes", 2_000.0, 0.0) + np.arange(len(frame)) % 7
    frame = frame[["card"] + [c for c in frame.columns if c != "card"]]
    frame["active"] = np.arange(len(frame)) % 35
    return frame


def upload(at: AppTest, name: str, data: bytes) -> None:
    if at.radio(key="explorer_source").value != explorer.SOURCE_UPLOAD:
        at.radio(key="explorer_source").set_value(explorer.SOURCE_UPLOAD).run()
    at.file_uploader(key="explorer_upload").set_value((name, data, "text/csv")).run()
    assert_no_exception(at)


def box(at: AppTest, label: str):
    return next(b for b in at.selectbox if b.label == label)


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def keep(at: AppTest) -> None:
    button(at, "Use this data set").click().run()
    assert_no_exception(at)


def test_upload_guess_flags_keep_and_every_picker_lists_it():
    at = open_page(EXPLORER)
    upload(at, "credit.csv", csv_bytes(credit_table()))
    assert box(at, "Label column").value == "card" and box(at, "Positive class").value == "yes"
    assert not main_errors(at)
    flags = " ".join(w.value for w in at.main.warning)
    assert "**row** looks like a row id" in flags and "**limit** looks like a leak" in flags
    button(at, "Ignore the flagged columns").click().run()
    assert box(at, "Role of row").value == box(at, "Role of limit").value == "ignored"
    assert main_metrics(at)["Columns"] == "7"  # the two ignored columns are out of the view
    at.text_input(key=next(t.key for t in at.text_input if t.label == "Name")).set_value(
        "Card applications").run()
    next(t for t in at.text_input if t.label == "Description of income").set_value(
        "yearly income in thousands").run()
    keep(at)
    (record,) = kept.kept_tables()
    assert record.name == "Card applications"
    assert record.roles["row"] == record.roles["limit"] == "ignored"
    assert record.descriptions == {"income": "yearly income in thousands"}
    assert at.radio(key="explorer_source").value == explorer.SOURCE_BUILTIN
    assert at.selectbox(key="explorer_dataset").value == record.id
    assert any("Kept **Card applications**" in s.value for s in at.success)
    assert main_metrics(at)["Rows"] == "300"
    label = "Your data · Card applications (tabular)"
    for page, key in PICKERS.items():
        at.switch_page(page).run()
        assert_no_exception(at)
        picker = at.selectbox(key=key)
        assert picker.options[0] == label, page  # listed first
        picker.select(record.id).run()
        assert_no_exception(at)
        assert not main_errors(at), (page, main_errors(at))
        if page == TEMPLATES:  # the description is what prompts call the column
            at.checkbox(key="pt_readable").check().run()
            prompts = " ".join(code.value for code in at.code)
            assert "- yearly income in thousands: " in prompts and "- row:" not in prompts
            assert any("Split: seed 42, 20% test (stratified by the label)" in c.value
                       for c in at.caption)


def test_the_chosen_upload_stays_when_the_user_visits_another_page():
    at = open_page(EXPLORER)
    upload(at, "credit.csv", csv_bytes(credit_table()))
    box(at, "Label column").select("employment").run()
    box(at, "Positive class").select("student").run()
    at.switch_page(RESULTS).run()
    at.switch_page(EXPLORER).run()
    assert_no_exception(at)
    assert at.radio(key="explorer_source").value == explorer.SOURCE_UPLOAD
    assert any("uploaded earlier in this session" in c.value for c in at.caption)
    assert box(at, "Label column").value == "employment"
    assert box(at, "Positive class").value == "student"
    students = int((credit_table()["employment"] == "student").sum())
    assert main_metrics(at)["Positive (student)"] == str(students)
    button(at, "Forget it").click().run()
    assert not any(b.label == "Label column" for b in at.selectbox)


def test_every_column_ignored_is_a_message_and_the_choices_stay():
    at = open_page(EXPLORER)
    upload(at, "small.csv", csv_bytes(applications()))
    for column in ("income", "age", "employment", "city", "note"):
        box(at, f"Role of {column}").select("ignored").run()
    assert_no_exception(at)
    assert "Every column besides the label 'card' is ignored" in main_errors(at)[0]
    assert not any(b.label == "Use this data set" for b in at.button)  # nothing to keep
    box(at, "Role of age").select("numeric").run()
    assert not main_errors(at)
    assert box(at, "Role of income").value == "ignored"  # the other choices are still there
    keep(at)
    assert kept.kept_tables()[0].roles["age"] == "numeric"


def test_a_label_with_one_class_says_so_and_loses_nothing():
    frame = applications()
    frame["region"] = ["north"] * 10 + [None] * (len(frame) - 10)  # one class once blanks go
    at = open_page(EXPLORER)
    upload(at, "regions.csv", csv_bytes(frame))
    assert box(at, "Label column").value == "card"  # never the guess
    box(at, "Label column").select("region").run()
    assert_no_exception(at)
    assert "has only one value ('north')" in main_errors(at)[0]
    box(at, "Label column").select("card").run()
    assert not main_errors(at) and main_metrics(at)["Rows"] == "300"


def test_the_same_file_kept_twice_with_different_labels_is_two_data_sets():
    data = csv_bytes(applications())
    at = open_page(EXPLORER)
    upload(at, "apps.csv", data)
    keep(at)
    at.radio(key="explorer_source").set_value(explorer.SOURCE_UPLOAD).run()
    box(at, "Label column").select("employment").run()
    box(at, "Positive class").select("student").run()
    keep(at)
    first, second = kept.kept_tables()
    assert (first.name, second.name) == ("apps.csv", "apps.csv (2)")
    assert (first.label_column, second.label_column) == ("card", "employment")
    labels = [explorer.dataset_label(i) for i in map(kept.kept_info, (first, second))]
    assert at.selectbox(key="explorer_dataset").options[:2] == labels
    at.radio(key="explorer_source").set_value(explorer.SOURCE_UPLOAD).run()
    keep(at)  # the same file and label again: shown, not kept a third time
    assert len(kept.kept_tables()) == 2
    assert any("already kept as **apps.csv (2)**" in i.value for i in at.info)


def test_a_file_removed_behind_the_apps_back_and_a_removed_data_set(stores):
    record, _ = kept.keep_table(csv_bytes(applications()), "gone.csv", TableChoice("card", "yes"))
    done = run(BaselineSpec(method="logreg", data={"dataset": record.id})).record
    record.path.unlink()
    at = open_page(EXPLORER)
    at.selectbox(key="explorer_dataset").select(record.id).run()
    assert_no_exception(at)
    assert "is gone from the workbench home" in main_errors(at)[0]
    for page in (TEMPLATES, TRAINING):
        at.switch_page(page).run()
        at.selectbox(key=PICKERS[page]).select(record.id).run()
        assert_no_exception(at)
        assert any("is gone from the workbench home" in e for e in main_errors(at)), page
    at.switch_page(RESULTS).run()
    at.selectbox(key="results_dataset").select(record.id).run()
    assert_no_exception(at)
    assert "is gone from the workbench home" in main_errors(at)[0]
    assert done.id in at.dataframe[0].value["run"].tolist()  # the run is still on the board
    at.switch_page(EXPLORER).run()
    button(at, f"Remove {record.name}").click().run()
    assert_no_exception(at)
    assert kept.kept_tables() == []
    at.switch_page(RESULTS).run()
    assert f"{record.id} (removed)" in at.selectbox(key="results_dataset").options
    at.selectbox(key="results_dataset").select(record.id).run()
    assert_no_exception(at)
    assert any("is no longer a data set here" in w.value for w in at.main.warning)
    assert done.id in at.dataframe[0].value["run"].tolist()


def test_jinja_keyword_columns_and_100000_character_cells_on_the_prompt_page():
    frame = applications(rows=60).rename(columns={"income": "if", "age": "for", "city": "row"})
    words = np.array("bank card pays late early debt income house car loan".split())
    frame["essay"] = [" ".join(np.random.default_rng(i).choice(words, 25_000))[:100_000]
                      for i in range(len(frame))]
    at = open_page(EXPLORER)
    upload(at, "odd.csv", csv_bytes(frame))
    assert any("cells of up to 100,000 characters" in w.value for w in at.main.warning)
    keep(at)
    (record,) = kept.kept_tables()
    at.switch_page(TEMPLATES).run()
    at.selectbox(key="pt_dataset").select(record.id).run()
    assert_no_exception(at)
    assert not main_errors(at)
    assert any("more than the model's context" in w.value for w in at.main.warning)
    at.selectbox(key="pt_serializer").select("jinja").run()
    assert_no_exception(at)
    jinja = at.text_area(key="pt_jinja").value
    assert 'row["if"]' in jinja and 'row["for"]' in jinja and 'row["row"]' in jinja
    assert "longer than 20,000 characters" in main_errors(at)[0]  # the whole essay
    at.text_area(key="pt_jinja").set_value(
        'Earns {{ row["if"] }}, aged {{ row["for"] }}, in {{ row["row"] }}. '
        "{{ essay[:300] }}").run()
    assert_no_exception(at)
    assert not main_errors(at), main_errors(at)
    first = next(code.value for code in at.code if code.value.startswith("Earns "))
    assert ", in " in first and len(first) < 1_000
