"""Tables the user keeps: stored by content, reached like any data set, and every bad input on
the way answered in words with nothing stored lost."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.your_table import applications, csv_bytes
from workbench.data import get_info, kept, list_datasets, load
from workbench.data.registry import YOUR_DATA
from workbench.data.tables import TableChoice
from workbench.errors import DatasetUnavailableError, DataValidationError
from workbench.prompts import PromptBuilder, builtin_templates, validate_template
from workbench.specs import TemplateSpec, example_split

CARD = TableChoice("card", "yes")


@pytest.fixture(autouse=True)
def tables(tmp_path, monkeypatch):
    monkeypatch.setenv(kept.TABLES_ENV, str(tmp_path / "tables"))
    return tmp_path / "tables"


def test_a_kept_table_is_a_data_set_like_the_built_in_ones():
    frame = applications()
    record, new = kept.keep_table(csv_bytes(frame), "applications.csv", CARD,
                                  description="card applications", split={"test_fraction": 0.25,
                                                                           "split_seed": 7})
    assert new and record.id.startswith("applications-csv-")
    info = get_info(record.id)
    assert info.group == YOUR_DATA and info.title == "applications.csv"
    assert info.classes == ("no", "yes") and info.positive == "yes"
    assert [(f.name, f.type) for f in info.features] == [
        ("income", "numeric"), ("age", "numeric"), ("employment", "categorical"),
        ("city", "categorical"), ("note", "text")]
    assert info.kind == "tabular" and info.text_column == "note"
    assert record.id in [i.name for i in list_datasets()]
    loaded = load(record.id)
    assert loaded.fingerprint == record.fingerprint and len(loaded.frame) == len(frame)
    assert example_split(record.id) == {"test_fraction": 0.25, "split_seed": 7}
    assert dict(info.provenance)["sha256"] == record.sha256
    assert (kept.tables_dir() / kept.FILES / f"{record.sha256}.csv").read_bytes() == csv_bytes(frame)
    # A mixed table gets every serializer over all its columns, not a text-only template.
    assert set(builtin_templates(info)) == {"list", "text", "values", "table", "json", "jinja"}


def test_same_file_other_label_is_another_data_set_and_same_names_are_told_apart():
    data = csv_bytes(applications())
    first, _ = kept.keep_table(data, "data.csv", CARD)
    second, new = kept.keep_table(data, "data.csv", TableChoice("employment", "student"))
    assert new and second.id != first.id and second.fingerprint != first.fingerprint
    assert (first.name, second.name) == ("data.csv", "data.csv (2)")
    assert second.sha256 == first.sha256  # one stored file for both
    again, new = kept.keep_table(data, "renamed copy.csv", CARD)
    assert not new and again.id == first.id  # the same file and choice: the same data set
    other = csv_bytes(applications(seed=1))
    third, _ = kept.keep_table(other, "data.csv", CARD)
    assert third.name == "data.csv (3)" and third.id != first.id
    kept.remove_kept(first.id)
    assert get_info(second.id).title == "data.csv (2)"
    assert second.path.is_file()  # still read by the other choice
    kept.remove_kept(second.id)
    assert not second.path.exists()
    with pytest.raises(DatasetUnavailableError, match="keep it again"):
        get_info(first.id)


def test_the_fingerprint_is_the_content_and_the_choice_never_the_name():
    frame = applications()
    a, _ = kept.keep_table(csv_bytes(frame), "a.csv", CARD, name="A")
    roles = dict(a.roles, city="ignored")
    b, _ = kept.keep_table(csv_bytes(frame), "a.csv", TableChoice("card", "yes", roles), name="B")
    assert b.fingerprint != a.fingerprint  # another role: other features
    edited = frame.copy()
    edited.loc[0, "income"] += 1
    c, _ = kept.keep_table(csv_bytes(edited), "a.csv", CARD, name="C")
    assert c.fingerprint != a.fingerprint
    assert "city" not in load(b.id).frame.columns  # ignored columns leave the rows


def test_roles_cast_columns_and_descriptions_become_readable_names():
    frame = applications()
    frame["zip"] = np.random.default_rng(0).choice(["75001", "69002", "06000"], len(frame))
    choice = TableChoice("card", "yes", roles={"zip": "categorical", "age": "categorical"},
                         descriptions={"income": "yearly income in thousands of euros"})
    record, _ = kept.keep_table(csv_bytes(frame), "zip.csv", choice)
    info = get_info(record.id)
    types = {f.name: f.type for f in info.features}
    assert types["zip"] == "categorical" and types["age"] == "categorical"
    readable = TemplateSpec(serializer="list", readable_names=True, question="Card?")
    prompt = PromptBuilder(readable, info).prompt(load(record.id).frame.iloc[0])
    assert prompt.startswith("- yearly income in thousands of euros: ")
    text = PromptBuilder(readable.model_copy(update={"serializer": "text"}), info).prompt(
        load(record.id).frame.iloc[0])
    assert text.startswith("The yearly income in thousands of euros is ")


BAD_CHOICES = {
    "a label with one class once blank rows are dropped": (
        lambda f: f.assign(card=["yes"] + [None] * (len(f) - 1)), TableChoice("card"),
        "has only one value ('yes') in the rows that have a label"),
    "every column ignored": (
        lambda f: f, TableChoice("card", "yes", roles={c: "ignored" for c in
                                                        ("income", "age", "employment", "city", "note")}),
        "Every column besides the label 'card' is ignored"),
    "a role for a column that is not there": (
        lambda f: f, TableChoice("card", "yes", roles={"incme": "ignored"}),
        "Roles or descriptions name columns the table does not have: 'incme'"),
    "a role that is no role": (
        lambda f: f, TableChoice("card", "yes", roles={"age": "date"}), "'date' is not a column role"),
    "words as numbers": (
        lambda f: f, TableChoice("card", "yes", roles={"city": "numeric"}), "holds no numbers"),
    "a role for the label": (
        lambda f: f, TableChoice("card", "yes", roles={"card": "numeric"}), "'card' is the label"),
}


@pytest.mark.parametrize("case", list(BAD_CHOICES))
def test_bad_choices_are_refused_in_words_and_nothing_is_kept(case):
    change, choice, message = BAD_CHOICES[case]
    earlier, _ = kept.keep_table(csv_bytes(applications()), "earlier.csv", CARD)
    with pytest.raises(DataValidationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        kept.keep_table(csv_bytes(change(applications())), "bad.csv", choice)
    assert [record.id for record in kept.kept_tables()] == [earlier.id]
    assert len(load(earlier.id).frame) == 300


def test_columns_named_like_jinja_keywords_work_in_every_template():
    frame = applications().rename(columns={"income": "if", "age": "for", "city": "row"})
    frame["row_id"] = np.arange(len(frame)) * 3  # what runs number their rows by
    record, _ = kept.keep_table(csv_bytes(frame), "keywords.csv", CARD)
    info = get_info(record.id)
    rows = load(record.id).frame
    assert "row_id (column)" in rows.columns and "row_id" not in rows.columns
    for name, template in builtin_templates(info).items():
        assert not validate_template(template, info, rows.iloc[0].to_dict()), name
        prompt = PromptBuilder(template, info).prompt(rows.iloc[0])
        assert str(rows.iloc[0]["row"]) in prompt, name
    custom = TemplateSpec(serializer="jinja", question="Card?",
                          jinja='Earns {{ row["if"] }} at {{ row["for"] }} in {{ row["row"] }}.')
    assert not validate_template(custom, info, rows.iloc[0].to_dict())
    first = rows.iloc[0]
    assert PromptBuilder(custom, info).prompt(first).startswith(
        f"Earns {first['if']} at {first['for']} in {first['row']}.")


def test_a_text_column_of_100000_character_cells_is_kept_with_a_note():
    frame = applications(rows=60)
    words = np.array("bank card pays late early debt income house car loan savings".split())
    rng = np.random.default_rng(0)
    frame["essay"] = [" ".join(rng.choice(words, 25_000))[:100_000] for _ in range(len(frame))]
    record, _ = kept.keep_table(csv_bytes(frame), "essays.csv", CARD)
    assert dict((f.name, f.type) for f in get_info(record.id).features)["essay"] == "text"
    from workbench.data.tables import prepare_table

    notes = prepare_table(frame, CARD).notes
    assert any("cells of up to 100,000 characters" in note and "[:2000]" in note for note in notes)
    assert load(record.id).frame["essay"].str.len().max() == 100_000


def test_a_file_removed_behind_the_apps_back_is_named_and_the_record_stays():
    record, _ = kept.keep_table(csv_bytes(applications()), "gone.csv", CARD)
    record.path.unlink()
    info = get_info(record.id)  # still listed: pickers and Results keep showing it
    assert info.name in [i.name for i in list_datasets()]
    with pytest.raises(DatasetUnavailableError, match="is gone from the workbench home"):
        load(record.id)
    assert "gone.csv" in kept.kept_problem(record.id)
    again, new = kept.keep_table(csv_bytes(applications()), "gone.csv", CARD)  # kept again
    assert not new and again.id == record.id and len(load(record.id).frame) == 300


def test_a_stored_file_changed_behind_the_apps_back_is_refused():
    record, _ = kept.keep_table(csv_bytes(applications()), "changed.csv", CARD)
    record.path.write_bytes(csv_bytes(applications(seed=3)))
    with pytest.raises(DatasetUnavailableError, match="was changed after it was kept"):
        load(record.id)


def test_damaged_records_are_skipped_and_splits_are_checked(tables):
    record, _ = kept.keep_table(csv_bytes(applications()), "a.csv", CARD)
    (tables / "junk.json").write_text("{not json")
    assert [r.id for r in kept.kept_tables()] == [record.id]
    with pytest.raises(DataValidationError, match="between 0.05 and 0.5"):
        kept.set_split(record.id, 0.9, 1)
    assert kept.set_split(record.id, 0.3, 5).split == {"test_fraction": 0.3, "split_seed": 5}
    assert example_split(record.id) == {"test_fraction": 0.3, "split_seed": 5}


def test_tallrec_files_are_not_kept_as_tables():
    records = pd.DataFrame({"instruction": ['Answer by answering "Yes." or "No."'] * 20,
                            "input": [f"x{i}" for i in range(20)], "output": ["Yes.", "No."] * 10})
    with pytest.raises(DataValidationError, match="TALLRec file"):
        kept.keep_table(records.to_json(orient="records").encode(), "t.json",
                        TableChoice("output"))


def test_run_baselines_leaves_out_sizes_the_training_part_cannot_hold():
    from workbench import results
    from workbench.experiments import baseline_grid

    record, _ = kept.keep_table(csv_bytes(applications()), "a.csv", CARD)
    data = results.baseline_split([], record.id)
    assert baseline_grid.training_rows(data) == 240  # 300 rows, 20% test, no validation
    sizes = [spec.data.n_train for spec in baseline_grid.baseline_specs(
        data, train_rows=baseline_grid.training_rows(data))]
    assert sizes == [16, 64, None, 16, 64, None]
    assert baseline_grid.training_rows(results.baseline_split([], "california-housing")) is None


def test_a_run_on_a_kept_table_exports_with_its_file_label_choice_and_roles(tmp_path):
    from workbench.experiments import run
    from workbench.export import export_run
    from workbench.specs import BaselineSpec
    from workbench.store import Store

    roles = {"city": "ignored"}
    record, _ = kept.keep_table(csv_bytes(applications()), "apps.csv",
                                TableChoice("card", "yes", roles=roles))
    store = Store(tmp_path / "runs")
    done = run(BaselineSpec(method="logreg", data={"dataset": record.id}), store=store).record
    assert done.status == "done", done.error
    card = (export_run(store, done.id, tmp_path / "export") / "README.md").read_text()
    for line in ("| file | apps.csv |", f"| sha256 | {record.sha256} |",
                 "| label choice | 'card' = 'yes' against the rest |",
                 "| column roles | income: numeric, age: numeric, employment: categorical, "
                 "city: ignored, note: text |"):
        assert line in card
    kept.remove_kept(record.id)
    card = (export_run(store, done.id, tmp_path / "again") / "README.md").read_text()
    assert "is no longer kept here" in card
