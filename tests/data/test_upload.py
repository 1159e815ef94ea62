"""Uploads: every bad input ends in a DataValidationError (or a note) with a message people can act on."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workbench.data import upload
from workbench.data.upload import (
    MAX_COLUMNS,
    MAX_UPLOAD_BYTES,
    build_tallrec_dataset,
    build_upload_dataset,
    check_table,
    default_positive,
    display_name,
    label_values,
    looks_like_tallrec,
    read_table,
    suggest_label_column,
)
from workbench.errors import DataValidationError

GOOD = pd.DataFrame(
    {
        "age": [23, 35, 47, 51, 62, 29, 41, 38, 55, 33],
        "city": ["Lyon", "Paris", "Nice", "Paris", "Lyon", "Nice", "Paris", "Lyon", "Nice", "Lyon"],
        "label": ["yes", "no"] * 5,
    }
)


def _csv(text: str) -> bytes:
    return text.encode()


def _wide_csv(columns: int) -> bytes:
    header = ",".join(f"c{i}" for i in range(columns))
    row = ",".join("1" for _ in range(columns))
    return f"{header}\n{row}\n{row}\n".encode()


# --- reading: bad files ----------------------------------------------------------------------------

BAD_FILES = {
    "empty": ("data.csv", b"", "empty (0 bytes)"),
    "whitespace only": ("data.csv", b"  \n\t\n   \n", "only blank space"),
    "no header": ("data.csv", _csv("1,2,3\n4,5,6\n7,8,9\n"), "looks like data, not column names"),
    "no header, text column": (
        "iris.csv", _csv("5.1,3.5,setosa\n4.9,3.0,setosa\n6.2,2.9,virginica\n"),
        "add a header row",
    ),
    "binary junk": ("data.csv", bytes(np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8)),
                    "binary data"),
    "one row": ("data.csv", _csv("a,b,label\n1,2,yes\n"), "only 1 row of data"),
    "header only": ("data.csv", _csv("a,b,label\n"), "no rows of data"),
    "5,000 columns": ("wide.csv", _wide_csv(5_000), "5,000 columns; the workbench accepts at most 1,000"),
    "duplicate names": ("data.csv", _csv("a,a,label\n1,2,yes\n3,4,no\n"), "repeated: 'a' (2 times)"),
    "duplicate after trimming": ("data.csv", _csv("a, a,label\n1,2,yes\n3,4,no\n"), "must be unique"),
    "extra field": ("data.csv", _csv("a,b\n1,2\n3,4,5\n"), "Line 3 of the CSV has 3 values"),
    "extra field in first row": ("data.csv", _csv("a,b\n1,2,3\n4,5\n"), "more values than the header"),
    "unclosed quote": ("data.csv", _csv('a,b\n1,"2\n3,4\n'), "never closed"),
    "wrong extension": ("data.xlsx", _csv("a,b\n1,2\n"), "Files of type .xlsx are not accepted"),
    "no extension": ("data", _csv("a,b\n1,2\n"), "without an extension"),
    "zip named csv": ("data.csv", b"PK\x03\x04" + os.urandom(64), "zip archive or an Excel workbook"),
    "pickle named csv": ("data.csv", b"\x80\x04\x95" + os.urandom(64), "never opens"),
    "gzip named csv": ("data.csv", b"\x1f\x8b\x08" + os.urandom(64), "gzip"),
    "parquet named csv": ("data.csv", b"PAR1" + os.urandom(64) + b"PAR1", "give it the .parquet extension"),
    "malformed json": ("data.json", _csv('[{"a": 1,}]'), "The JSON is not valid"),
    "json scalar": ("data.json", _csv("42"), "The JSON is not a table"),
    "json list of lists": ("data.json", _csv("[[1, 2], [3, 4]]"), "Item 1 of the JSON list is not an object"),
    "json ragged columns": ("data.json", _csv('{"a": [1, 2], "b": [1]}'), "different lengths"),
    "jsonl bad line": ("data.jsonl", _csv('{"a": 1}\n{"a": \n'), "Line 2 of the JSON lines file"),
    "jsonl not objects": ("data.jsonl", _csv("1\n2\n"), "Line 1 of the JSON lines file is not an object"),
    "damaged parquet": ("data.parquet", b"PAR1" + os.urandom(200) + b"PAR1", "damaged or cut short"),
    "csv named parquet": ("data.parquet", _csv("a,b\n1,2\n"), "not a valid Parquet file"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_file_gives_a_clear_error(case):
    filename, data, fragment = BAD_FILES[case]
    with pytest.raises(DataValidationError) as error:
        read_table(filename, data)
    assert fragment in str(error.value)
    assert "Traceback" not in str(error.value)


def test_size_limit_is_checked_on_the_bytes_and_named():
    data = b"a,label\n" + b"1,yes\n" * (MAX_UPLOAD_BYTES // 6 + 1)
    with pytest.raises(DataValidationError, match=r"the limit is 50 MB"):
        read_table("big.csv", data)


def test_too_many_json_columns():
    record = {f"c{i}": i for i in range(MAX_COLUMNS + 1)}
    with pytest.raises(DataValidationError, match="1,001 columns"):
        read_table("wide.json", json.dumps([record, record]).encode())


# --- reading: good files ---------------------------------------------------------------------------


def _parquet(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


GOOD_FILES = {
    "csv": ("data.csv", GOOD.to_csv(index=False).encode()),
    "csv with BOM": ("data.csv", b"\xef\xbb\xbf" + GOOD.to_csv(index=False).encode()),
    "semicolon csv": ("data.csv", GOOD.to_csv(index=False, sep=";").encode()),
    "latin-1 csv": ("data.csv", GOOD.replace({"Nice": "Nîmes"}).to_csv(index=False).encode("latin-1")),
    "tsv": ("data.tsv", GOOD.to_csv(index=False, sep="\t").encode()),
    "json records": ("data.json", GOOD.to_json(orient="records").encode()),
    "json columns": ("data.json", json.dumps(GOOD.to_dict(orient="list")).encode()),
    "jsonl": ("data.jsonl", GOOD.to_json(orient="records", lines=True).encode()),
    "jsonl named json": ("data.json", GOOD.to_json(orient="records", lines=True).encode()),
    "parquet": ("data.parquet", _parquet(GOOD)),
    "upper-case extension": ("DATA.CSV", GOOD.to_csv(index=False).encode()),
}


@pytest.mark.parametrize("case", list(GOOD_FILES))
def test_good_files_parse(case):
    filename, data = GOOD_FILES[case]
    frame = read_table(filename, data)
    assert list(frame.columns) == ["age", "city", "label"]
    assert len(frame) == len(GOOD)
    assert frame["label"].tolist() == GOOD["label"].tolist()
    assert pd.api.types.is_numeric_dtype(frame["age"])


def test_latin_1_text_is_decoded():
    data = GOOD.replace({"Nice": "Nîmes"}).to_csv(index=False).encode("latin-1")
    assert "Nîmes" in read_table("data.csv", data)["city"].tolist()


def test_unicode_and_emoji_column_names_survive():
    frame = read_table("data.csv", "😀 mood,prix €,label\nhappy,3,yes\nsad,4,no\n".encode())
    assert list(frame.columns) == ["😀 mood", "prix €", "label"]
    data, info, _ = build_upload_dataset(frame, "label", "yes")
    assert info.feature_names == ["😀 mood", "prix €"]


def test_nested_json_cells_become_text():
    data = json.dumps([{"tags": ["a", "b"], "label": "yes"}, {"tags": {"x": 1}, "label": "no"}])
    frame = read_table("data.json", data.encode())
    assert frame["tags"].tolist() == ['["a", "b"]', '{"x": 1}']


def test_display_name_never_keeps_a_path():
    assert display_name("../../etc/passwd.csv") == "passwd.csv"
    assert display_name("C:/Users/me/data.csv") == "data.csv"
    assert display_name("bad\x00name\n.csv") == "badname.csv"
    assert display_name("") == "upload"


# --- checking ----------------------------------------------------------------------------------------


def test_check_table_notes():
    frame = pd.DataFrame(
        {
            "x": [1.0, np.inf, -np.inf, 2.0],
            "empty": [np.nan] * 4,
            "same": ["a"] * 4,
            "Unnamed: 3": [1, 2, 3, 4],
        }
    )
    notes = " ".join(check_table(frame))
    assert "Column 'x' has 2 infinite value(s)" in notes
    assert "Empty columns (every value missing): 'empty'" in notes
    assert "one value in every row (no information): 'same'" in notes
    assert "have no name in the header" in notes


def test_check_table_counts_duplicate_rows():
    notes = check_table(pd.DataFrame({"a": [1, 1, 2], "b": ["x", "x", "y"]}))
    assert "1 row(s) are exact copies of an earlier row." in notes


def test_clean_table_has_no_notes():
    assert check_table(GOOD) == []


# --- building a data set -------------------------------------------------------------------------------


def test_binary_label_puts_the_positive_class_last():
    data, info, notes = build_upload_dataset(GOOD, "label", "no")
    assert info.classes == ("yes", "no")
    assert info.positive == "no"
    assert info.kind == "tabular"
    assert [(f.name, f.type) for f in info.features] == [("age", "numeric"), ("city", "categorical")]
    assert notes == []
    assert len(data) == len(GOOD)


def test_one_class_label_is_refused():
    frame = GOOD.assign(label="yes")
    with pytest.raises(DataValidationError, match=r"has only one value \('yes'\).*at least two classes"):
        build_upload_dataset(frame, "label", None)


def test_missing_labels_are_dropped_with_a_note():
    frame = GOOD.copy()
    frame.loc[[1, 4], "label"] = np.nan
    frame.loc[6, "label"] = "  "
    data, info, notes = build_upload_dataset(frame, "label", "yes")
    assert len(data) == len(GOOD) - 3
    assert any("Dropped 3 of 10 rows whose label 'label' is missing" in note for note in notes)


def test_label_with_only_missing_values():
    with pytest.raises(DataValidationError, match="has no values at all"):
        build_upload_dataset(GOOD.assign(label=np.nan), "label", None)


def test_label_with_too_many_values_is_refused():
    frame = pd.DataFrame({"x": range(100), "price": np.linspace(1, 2, 100)})
    with pytest.raises(DataValidationError, match="100 different values; a label can have at most"):
        build_upload_dataset(frame, "price", None)


def test_unknown_label_column_and_positive_class():
    with pytest.raises(DataValidationError, match="no column 'nope'"):
        build_upload_dataset(GOOD, "nope", None)
    with pytest.raises(DataValidationError, match="'maybe' is not a value of the label column"):
        build_upload_dataset(GOOD, "label", "maybe")


def test_numeric_labels_become_class_names():
    frame = GOOD.assign(label=[1.0, 0.0, 1.0, np.nan, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0])
    assert label_values(frame, "label") == ["1", "0"]
    data, info, _ = build_upload_dataset(frame, "label", "1")
    assert info.classes == ("0", "1")
    assert set(data["label"]) == {"0", "1"}


def test_multiclass_keeps_names_or_becomes_one_vs_rest():
    frame = pd.DataFrame({"x": range(9), "kind": ["cat", "dog", "bird"] * 3})
    _, info, _ = build_upload_dataset(frame, "kind", None)
    assert info.classes == ("bird", "cat", "dog")
    assert info.positive_class is None
    data, info, _ = build_upload_dataset(frame, "kind", "dog")
    assert info.classes == ("other", "dog")
    assert data["kind"].value_counts().to_dict() == {"other": 6, "dog": 3}


def test_small_classes_are_noted():
    frame = pd.DataFrame({"x": range(10), "label": ["yes"] * 8 + ["no"] * 2})
    _, _, notes = build_upload_dataset(frame, "label", "yes")
    assert "Class 'no' has only 2 row(s): too few to train and test on." in notes


def test_numbers_with_markers_become_numeric_with_a_note():
    frame = pd.DataFrame({"glucose": ["85", "?", "140"] + ["99"] * 37, "label": ["yes", "no"] * 20})
    data, info, notes = build_upload_dataset(frame, "label", "yes")
    assert info.features[0].type == "numeric"
    assert data["glucose"].isna().sum() == 1
    assert any("such as '?'" in note for note in notes)


def test_infinite_feature_values_become_missing():
    frame = GOOD.assign(age=[1.0, np.inf, 3.0, -np.inf, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0])
    data, _, _ = build_upload_dataset(frame, "label", "yes")
    assert data["age"].isna().sum() == 2


def test_long_free_text_is_a_text_feature():
    review = "This is a long review about the product, with many different words {}."
    frame = pd.DataFrame({"review": [review.format(i) for i in range(10)], "label": ["a", "b"] * 5})
    _, info, _ = build_upload_dataset(frame, "label", "b")
    assert info.kind == "text"
    assert info.text_column == "review"
    assert info.features[0].type == "text"


def test_label_suggestions():
    assert suggest_label_column(GOOD) == "label"
    assert suggest_label_column(pd.DataFrame({"Target": [1], "x": [2]})) == "Target"
    assert suggest_label_column(pd.DataFrame({"a": [1], "b": [2]})) == "b"
    assert default_positive(["no", "yes"]) == "yes"
    assert default_positive(["bad", "good"]) == "good"
    assert default_positive(["a", "b", "c"]) is None


# --- TALLRec --------------------------------------------------------------------------------------------


def test_tallrec_file_is_recognized_and_built(tallrec_dir):
    data = (tallrec_dir / "book" / "valid.json").read_bytes()
    frame = read_table("valid.json", data)
    assert looks_like_tallrec(frame)
    dataset, info, notes = build_tallrec_dataset(frame)
    assert info.kind == "recommendation"
    assert info.text_column == "input"
    assert info.positive == "yes"
    assert len(dataset) == 2_427
    assert dataset[info.label_column].value_counts().to_dict() == {"no": 1_416, "yes": 1_011}
    assert "book" in info.description
    assert notes == []


def test_tallrec_through_the_generic_builder(tallrec_dir):
    frame = read_table("valid.json", (tallrec_dir / "movie" / "valid.json").read_bytes())
    _, info, _ = build_upload_dataset(frame, "output", None)
    assert info.kind == "recommendation"
    assert info.classes == ("no", "yes")


def test_tallrec_with_a_bad_answer_says_which_record():
    records = [{"instruction": "i", "input": f"x{i}", "output": ("Yes.", "No.")[i % 2]}
               for i in range(20)]
    records[7]["output"] = "Maybe."
    frame = read_table("t.json", json.dumps(records).encode())
    assert looks_like_tallrec(frame)
    with pytest.raises(DataValidationError, match=r"Record 7: output must be"):
        build_tallrec_dataset(frame)


def test_instruction_data_that_is_not_tallrec_stays_a_table():
    records = [{"instruction": "Say hi", "input": "", "output": f"Hello {i}"} for i in range(5)]
    frame = read_table("alpaca.json", json.dumps(records).encode())
    assert not looks_like_tallrec(frame)


def test_module_never_unpickles():
    source = "".join(path.read_text(encoding="utf-8")
                     for path in Path(upload.__file__).parent.glob("*.py"))
    assert "read_pickle" not in source and "pickle.load" not in source
