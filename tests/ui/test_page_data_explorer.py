"""AppTest of the Data explorer: built-in data sets, uploads good and bad, never a traceback.

The page is reached through app.py and `switch_page`: run alone, the shared frame's
`st.page_link("app.py")` fails in AppTest (it only knows pages of the app it started from).
AppTest drives `st.file_uploader` (`set_value((name, bytes, mime))`), so uploads are tested here
as the page shows them; tests/e2e repeats a few in a real browser.
"""

from __future__ import annotations

import io
import json
import os

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from workbench.data import list_datasets
from workbench.ui import data_explorer_page as explorer
from tests.ui.apptest import REPO, assert_no_exception, main_errors, main_metrics, open_page

PAGE = "pages/1_Data_Explorer.py"
TALLREC_BOOK = REPO.parent / "shared" / "data" / "tallrec" / "book" / "valid.json"

OFFLINE = [info.name for info in list_datasets() if info.offline and not info.needs_file]
ONLINE = [info.name for info in list_datasets() if not info.offline and not info.needs_file]
NEEDS_FILE = [info.name for info in list_datasets() if info.needs_file]


def _select_dataset(at: AppTest, name: str) -> None:
    at.selectbox(key="explorer_dataset").select(name).run()


def _upload(at: AppTest, filename: str, data: bytes, mime: str = "text/csv") -> None:
    if at.radio(key="explorer_source").value != explorer.SOURCE_UPLOAD:
        at.radio(key="explorer_source").set_value(explorer.SOURCE_UPLOAD).run()
    at.file_uploader(key="explorer_upload").set_value((filename, data, mime)).run()


# --- built-in data sets --------------------------------------------------------------------------


def test_california_is_the_default_with_its_numbers():
    at = open_page(PAGE)
    assert_no_exception(at)
    assert at.selectbox(key="explorer_dataset").value == "california-housing"
    metrics = main_metrics(at)
    assert metrics["Rows"] == "20,640"
    assert metrics["Positive (yes)"] == "10,317"
    assert metrics["Missing values"] == "0"
    assert not main_errors(at)
    assert [tab.label for tab in at.tabs] == ["Overview", "Features", "Samples"]
    assert any("MedHouseVal" in caption.value for caption in at.caption)  # the label rule


def test_selectbox_labels_are_stable_and_say_what_needs_more():
    labels = {info.name: explorer.dataset_label(info) for info in list_datasets()}
    assert labels["california-housing"] == "California housing (tabular)"
    for name in ONLINE:
        assert labels[name].endswith(": online")
    for name in NEEDS_FILE:
        assert labels[name].endswith(": needs a file")


@pytest.mark.parametrize("name", OFFLINE)
def test_each_offline_data_set_renders_every_feature(name):
    at = open_page(PAGE, timeout=120)
    _select_dataset(at, name)
    assert_no_exception(at)
    assert not main_errors(at)
    assert "Rows" in main_metrics(at)
    info = next(i for i in list_datasets() if i.name == name)
    tabs = [tab.label for tab in at.tabs]
    assert ("Text" in tabs) == bool(info.text_column)
    assert ("Recommendation" in tabs) == (info.kind == "recommendation")
    feature_box = next(box for box in at.selectbox if box.label == "Distribution of")
    for feature in feature_box.options:
        feature_box.select(feature).run()
        assert_no_exception(at)
        feature_box = next(box for box in at.selectbox if box.label == "Distribution of")


@pytest.mark.parametrize("name", ONLINE)
def test_online_data_set_offline_shows_the_loader_message(name, monkeypatch):
    monkeypatch.setattr("workbench.hub.hub_reachable", lambda *args, **kwargs: False)
    at = open_page(PAGE)
    _select_dataset(at, name)
    assert_no_exception(at)
    errors = main_errors(at)
    assert errors and "not reachable" in errors[0]


@pytest.mark.parametrize("name", NEEDS_FILE)
def test_data_set_that_needs_a_file_points_to_the_upload(name):
    at = open_page(PAGE)
    _select_dataset(at, name)
    assert_no_exception(at)
    assert any(explorer.SOURCE_UPLOAD in info.value for info in at.main.info)


def test_switching_back_is_served_from_the_cache(monkeypatch):
    calls = []
    real_load = explorer.load
    monkeypatch.setattr(explorer, "load", lambda name: calls.append(name) or real_load(name))
    explorer.cached_dataset.clear()
    at = open_page(PAGE)
    for name in ["movielens", "california-housing", "movielens", "california-housing"]:
        _select_dataset(at, name)
        assert_no_exception(at)
    assert calls == ["california-housing", "movielens"]


# --- uploads ---------------------------------------------------------------------------------------


def _csv(text: str) -> bytes:
    return text.encode()


def _table(rows: int = 40, label: list | None = None) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "income": rng.normal(50, 10, rows).round(2),
            "city": rng.choice(["Lyon", "Paris", "Nice"], rows),
            "label": label if label is not None else ["yes", "no"] * (rows // 2),
        }
    )


BAD_UPLOADS = {
    "empty": ("empty.csv", b"", "The file is empty"),
    "whitespace": ("blank.csv", b"  \n \n", "only blank space"),
    "no header": ("numbers.csv", _csv("1,2,0\n3,4,1\n5,6,0\n"), "looks like data, not column names"),
    "binary junk": ("junk.csv", bytes(np.random.default_rng(1).integers(0, 256, 4096, dtype=np.uint8)),
                    "binary data"),
    "one row": ("one.csv", _csv("income,label\n3.2,yes\n"), "only 1 row of data"),
    # Without 'city' no column but 'label' is named or shaped like a label: the guess is it.
    "one class": ("one_class.csv", _table(label=["yes"] * 40).drop(columns="city")
                  .to_csv(index=False).encode(), "has only one value ('yes')"),
    "5,000 columns": (
        "wide.csv",
        _csv(",".join(f"c{i}" for i in range(5_000)) + "\n" + ",".join("1" for _ in range(5_000))
             + "\n"),
        "the workbench accepts at most 1,000",
    ),
    "duplicate columns": ("dup.csv", _csv("a,a,label\n1,2,yes\n3,4,no\n"), "must be unique"),
    "malformed csv": ("bad.csv", _csv("a,b,label\n1,2,yes\n3,4,no,5\n"), "Line 3 of the CSV"),
    "malformed json": ("bad.json", _csv('[{"a": 1,}]'), "The JSON is not valid"),
    "malformed jsonl": ("bad.jsonl", _csv('{"a": 1}\n{"a"\n'), "Line 2 of the JSON lines file"),
    "damaged parquet": ("bad.parquet", b"PAR1" + os.urandom(100) + b"PAR1", "damaged or cut short"),
    "zip named csv": ("sheet.csv", b"PK\x03\x04" + os.urandom(50), "Excel workbook"),
    "too many classes": ("prices.csv", _csv("x,label\n" + "".join(f"{i},{i * 1.5}\n" for i in range(99))),
                         "99 different values"),
    "over the size limit": ("big.csv", b"a,label\n" + b"1,yes\n" * (9 * 1024 * 1024), "the limit is 50 MB"),
}


@pytest.mark.parametrize("case", list(BAD_UPLOADS))
def test_bad_upload_shows_a_clear_error(case):
    filename, data, fragment = BAD_UPLOADS[case]
    at = open_page(PAGE)
    _upload(at, filename, data)
    assert_no_exception(at)
    errors = main_errors(at)
    assert errors, f"no error shown for {case}"
    assert fragment in errors[0]
    assert not at.main.metric  # nothing is drawn from a file that could not be used


def test_good_csv_upload_with_emoji_column_and_infinities():
    frame = _table().rename(columns={"city": "🏙️ city"})
    frame.loc[3, "income"] = np.inf
    at = open_page(PAGE)
    _upload(at, "people.csv", frame.to_csv(index=False).encode())
    assert_no_exception(at)
    assert not main_errors(at)
    assert _label_box(at).value == "label"
    metrics = main_metrics(at)
    assert metrics["Rows"] == "40"
    assert metrics["Positive (yes)"] == "20"
    assert any("infinite" in warning.value for warning in at.main.warning)
    assert any("Your upload: people.csv" in md.value for md in at.main.markdown)


def _label_box(at: AppTest):
    return next(box for box in at.selectbox if box.label == "Label column")


def _positive_box(at: AppTest):
    return next(box for box in at.selectbox if box.label == "Positive class")


def test_picking_a_label_with_missing_values_warns_and_drops_them():
    frame = _table()
    frame.insert(0, "bought", ["yes", "no"] * 20)
    frame.loc[[2, 9, 30], "bought"] = None
    frame = frame.drop(columns="label")
    at = open_page(PAGE)
    _upload(at, "shop.csv", frame.to_csv(index=False).encode())
    _label_box(at).select("bought").run()
    assert_no_exception(at)
    assert any("Dropped 3 of 40 rows whose label 'bought' is missing" in w.value
               for w in at.main.warning)
    assert main_metrics(at)["Rows"] == "37"


def test_positive_class_choice_and_multiclass():
    frame = _table()
    frame["kind"] = ["cat", "dog", "bird", "dog"] * 10
    at = open_page(PAGE)
    _upload(at, "pets.json", frame.to_json(orient="records").encode(), "application/json")
    _label_box(at).select("kind").run()
    assert_no_exception(at)
    assert _positive_box(at).options[0] == explorer.MULTICLASS_CHOICE
    assert main_metrics(at)["Classes"] == "3"
    _positive_box(at).select("dog").run()
    assert_no_exception(at)
    assert main_metrics(at)["Positive (dog)"] == "20"


def test_parquet_and_tsv_uploads():
    frame = _table()
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    at = open_page(PAGE)
    _upload(at, "people.parquet", buffer.getvalue(), "application/octet-stream")
    assert_no_exception(at)
    assert main_metrics(at)["Rows"] == "40"
    _upload(at, "people.tsv", frame.to_csv(index=False, sep="\t").encode(), "text/tab-separated-values")
    assert_no_exception(at)
    assert main_metrics(at)["Rows"] == "40"


@pytest.mark.skipif(not TALLREC_BOOK.is_file(), reason="the real TALLRec files are not there")
def test_tallrec_upload_is_recognized():
    at = open_page(PAGE)
    _upload(at, "valid.json", TALLREC_BOOK.read_bytes(), "application/json")
    assert_no_exception(at)
    assert any("Recognized a TALLRec file" in info.value for info in at.main.info)
    assert not any(box.label == "Label column" for box in at.selectbox)
    metrics = main_metrics(at)
    assert metrics["Rows"] == "2,427"
    assert metrics["Positive (yes)"] == "1,011"
    assert [tab.label for tab in at.tabs] == ["Overview", "Features", "Samples", "Text", "Recommendation"]


def test_invalid_json_shaped_like_tallrec_says_which_record():
    records = [{"instruction": "i", "input": f"x{i}", "output": ("Yes.", "No.")[i % 2]}
               for i in range(20)]
    records[4]["output"] = "Perhaps."
    at = open_page(PAGE)
    _upload(at, "tallrec.json", json.dumps(records).encode(), "application/json")
    assert_no_exception(at)
    assert any("Record 4: output must be" in error for error in main_errors(at))


def test_unexpected_parser_failure_is_an_error_not_a_traceback(monkeypatch):
    def broken(filename, data):
        raise RuntimeError("parser exploded")

    monkeypatch.setattr(explorer.upload, "read_table", broken)
    explorer.cached_upload_table.clear()
    at = open_page(PAGE)
    _upload(at, "fine.csv", b"a,label\n1,yes\n2,no\n")
    assert_no_exception(at)
    errors = main_errors(at)
    assert errors and "The file could not be read" in errors[0] and "parser exploded" in errors[0]
    explorer.cached_upload_table.clear()
