"""Bad input on the pages (issue 8), under AppTest: the Data explorer's upload and the
Recommender's search boxes, number inputs, filters and profile upload. Every bad input shows a
clear st.error or st.warning, never an exception element; what was there before (a loaded
profile, the built-in data sets, the other pages) is still there afterwards.

AppTest drives st.file_uploader (`set_value((name, bytes, mime))`), so uploads run through the
page itself; tests/e2e/test_bad_input_upload_browser.py repeats two in a real browser. One page
session per test takes the inputs one after another: that is also what "the app keeps serving"
means. The backend's own cases are in tests/reliability/test_bad_input_*.py.
"""

from __future__ import annotations

import io
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from streamlit.testing.v1 import AppTest

from tests.ui.apptest import assert_no_exception, main_errors, main_metrics, open_page
from workbench.data import upload
from workbench.data.tallrec import INSTRUCTION
from workbench.recommend.profile import FORMAT
from workbench.ui import data_explorer_page as explorer

EXPLORER = "pages/1_Data_Explorer.py"
RECOMMENDER = "pages/6_Recommender.py"
TIMEOUT = 120


def _parquet(table: pa.Table) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return buffer.getvalue()


GOOD_CSV = ("age,city,label\n" + "".join(
    f"{20 + i},{('Lyon', 'Nice', 'Paris')[i % 3]},{('yes', 'no')[i % 2]}\n" for i in range(40)
)).encode()
ONE_CLASS_CSV = ("age,label\n" + "".join(f"{20 + i},yes\n" for i in range(40))).encode()
GOOD_PARQUET = _parquet(pa.table({"age": list(range(40)), "label": ["yes", "no"] * 20}))
TALLREC_NO_OUTPUT = json.dumps([
    {"instruction": INSTRUCTION.format(item="book"), "input": f"User Preference: x{i}"}
    for i in range(10)
]).encode()

# (file name, bytes, what the page's st.error must say)
BAD_UPLOADS = {
    "empty": ("empty.csv", b"", "The file is empty (0 bytes)."),
    "whitespace only": ("blank.json", b" \n\t \n", "only blank space"),
    "over the size limit": ("big.csv", b"a,label\n" + b"1,yes\n" * (upload.MAX_UPLOAD_BYTES // 6 + 1),
                            f"the limit is {upload.MAX_UPLOAD_MB} MB"),
    "png named csv": ("photo.csv", b"\x89PNG\r\n\x1a\n" + bytes(64), "really a PNG image"),
    "exe named csv": ("setup.csv", b"MZ\x90\x00" + bytes(range(256)) * 4, "binary data"),
    "pickle named parquet": ("frame.parquet", b"\x80\x04\x95" + bytes(64), "never opens"),
    "duplicate json keys": ("dup.json", b'[{"a": 1, "a": 2, "label": "yes"}, {"a": 3, "label": "no"}]',
                            "the name 'a' appears twice in one object"),
    "duplicate csv names": ("dup.csv", b"a,a,label\n1,2,yes\n3,4,no\n", "must be unique"),
    "one row": ("one.jsonl", b'{"a": 1, "label": "yes"}\n', "only 1 row of data"),
    # Only 'label' can be named the label (age has 40 values), so the page's guess is it.
    "label with one class": ("one_class.csv", ONE_CLASS_CSV, "has only one value ('yes')"),
    "5,000 columns": ("wide.csv", (",".join(f"c{i}" for i in range(5_000)) + "\n"
                                   + ",".join("1" for _ in range(5_000)) + "\n").encode(),
                      "5,000 columns"),
    "malformed csv": ("bad.csv", b'a,label\n1,"yes\n2,no\n', "is never closed"),
    "malformed json": ("bad.json", b'[{"a": 1,}]', "The JSON is not valid"),
    "5,000-digit number": ("big.json", b'[{"a": ' + b"7" * 5_000 + b"}]", "a number too long"),
    "truncated parquet": ("cut.parquet", GOOD_PARQUET[: len(GOOD_PARQUET) // 2],
                          "The Parquet file is cut short"),
    "parquet with repeated names": ("dup.parquet", _parquet(pa.Table.from_arrays(
        [pa.array([1, 2]), pa.array(["y", "n"]), pa.array(["y", "n"])], names=["a", "label", "label"])),
        "repeated: 'label' (2 times)"),
    "tallrec without output": ("valid.json", TALLREC_NO_OUTPUT, "Record 0 has no 'output' field"),
}


def _use_upload_source(at: AppTest) -> None:
    if at.radio(key="explorer_source").value != explorer.SOURCE_UPLOAD:
        at.radio(key="explorer_source").set_value(explorer.SOURCE_UPLOAD).run()


def _upload(at: AppTest, filename: str, data: bytes) -> None:
    _use_upload_source(at)
    at.file_uploader(key="explorer_upload").set_value((filename, data, "application/octet-stream"))
    at.run()
    assert_no_exception(at)


def test_bad_input_explorer_uploads_one_after_another():
    """Every bad file in one session: its own error each time, nothing drawn from it; then a
    good file is explored, and the built-in data sets and another page still work."""
    at = open_page(EXPLORER, TIMEOUT)
    _use_upload_source(at)
    uploader = at.file_uploader(key="explorer_upload")
    assert uploader.proto.max_upload_size_mb == upload.MAX_UPLOAD_MB  # the browser's own limit
    for case, (filename, data, fragment) in BAD_UPLOADS.items():
        _upload(at, filename, data)
        errors = main_errors(at)
        assert len(errors) == 1 and fragment in errors[0], (case, errors)
        assert not at.main.metric, case  # nothing is drawn from a file that could not be used
    _upload(at, "people 😀.csv", GOOD_CSV)
    assert not main_errors(at)
    assert main_metrics(at)["Rows"] == "40"
    at.radio(key="explorer_source").set_value(explorer.SOURCE_BUILTIN).run()
    assert_no_exception(at)
    assert main_metrics(at)["Rows"] == "20,640"  # California housing, the default
    at.switch_page("pages/4_Results.py").run()
    assert_no_exception(at)
    assert not main_errors(at)


def test_bad_input_explorer_odd_but_valid_uploads_load():
    """Unicode and emoji names, NaN and infinity, nested Parquet cells, a million rows: loaded,
    with notes where something was changed."""
    at = open_page(EXPLORER, TIMEOUT)
    emoji = "😀 mood,prix €,年齢,🏷️ label\n" + "".join(
        f"{('happy', 'sad')[i % 2]},{i},{'nan' if i == 3 else ('inf' if i == 4 else i)},"
        f"{('oui', 'non')[i % 2]}\n" for i in range(20))
    _upload(at, "émoji 😀.csv", emoji.encode())
    assert not main_errors(at)
    assert next(box for box in at.selectbox if box.label == "Label column").value == "🏷️ label"
    assert main_metrics(at)["Rows"] == "20"
    assert any("Column '年齢' has 1 infinite value(s)" in w.value for w in at.main.warning)

    nested = _parquet(pa.table({"tags": [[1, 2], [3]] * 10, "label": ["yes", "no"] * 10}))
    _upload(at, "nested.parquet", nested)
    assert not main_errors(at) and main_metrics(at)["Rows"] == "20"

    million = b"x,label\n" + b"1.5,yes\n2,no\n" * 500_000
    _upload(at, "million.csv", million)
    assert not main_errors(at)
    assert main_metrics(at)["Rows"] == "1,000,000"


# --- Recommender -------------------------------------------------------------------------------------


def _recommender() -> AppTest:
    at = open_page(RECOMMENDER, TIMEOUT)  # the sidebar's default model: never loaded here
    assert_no_exception(at)
    return at


def _warnings(at: AppTest) -> list[str]:
    return [w.value for w in at.main.warning]


def _search(at: AppTest, key: str, text: str) -> None:
    """set_value, not input: input() drops text over max_chars as the browser does, set_value
    sends it as a crafted request could (Streamlit then cuts it to max_chars)."""
    at.text_input(key=key).set_value(text).run()
    assert_no_exception(at)


@pytest.mark.parametrize("key", ["rec_search", "rec_ask_query"])
def test_bad_input_recommender_search_boxes(key):
    at = _recommender()
    _search(at, key, "   ")
    assert "Type part of a title or an author." in _warnings(at)
    _search(at, key, "😀🔥")
    assert 'No book matches "😀🔥".' in _warnings(at)
    _search(at, key, "x" * 500)  # past max_chars=200: searched as its first 200 characters
    assert f'No book matches "{"x" * 200}".' in _warnings(at)
    _search(at, key, ".*\x00")
    assert any(w.startswith('No book matches ".*') for w in _warnings(at))
    _search(at, key, "tolkien 🧙")  # emoji around a word: the word is searched
    assert not _warnings(at) and not main_errors(at)
    _search(at, key, "")
    assert not _warnings(at)


def test_bad_input_recommender_numbers_filters_and_profile_files():
    at = _recommender()
    # Absurd numbers: Streamlit puts an out-of-range value back to the default.
    for value in (10**12, -5, 0):
        at.number_input(key="rec_pool").set_value(value).run()
        assert_no_exception(at)
        assert at.number_input(key="rec_pool").value == 40
        at.number_input(key="rec_top_n").set_value(value).run()
        assert_no_exception(at)
        assert at.number_input(key="rec_top_n").value == 10
    # A profile, then filters that match nothing or are blank.
    at.button(key="rec_starter").click().run()
    assert_no_exception(at)
    for author in ("😀", "   "):
        at.text_input(key="rec_author").input(author).run()
        at.number_input(key="rec_pool").set_value(5).run()
        if author.strip():
            at.button(key="rec_go").click().run()
            assert_no_exception(at)
            assert any(w.startswith("No book you have not rated matches these filters")
                       for w in _warnings(at)), _warnings(at)
    at.text_input(key="rec_author").set_value("x" * 300).run()  # past max_chars=100: cut
    at.button(key="rec_go").click().run()
    assert_no_exception(at)
    assert at.text_input(key="rec_author").value == "x" * 100
    assert any(w.startswith("No book you have not rated matches these filters")
               for w in _warnings(at)), _warnings(at)
    assert not at.main.dataframe  # nothing was ranked

    # Bad profile files: each its own error, and the starter profile stays as it was.
    liked_before = _liked_titles(at)
    assert len(liked_before) == 3
    bad = {
        "empty.json": (b"", "it is empty."),
        "blank.json": (b"  \n ", "it holds only blank space."),
        "photo.json": (b"\x89PNG\r\n\x1a\n\xff", "it is not UTF-8 text"),
        "nan.json": (b'{"format": "%s", "version": 1, "liked": [{"book_id": NaN, "title": "x", '
                     b'"author": "y"}], "disliked": []}' % FORMAT.encode(),
                     'liked book 1 has a "book_id" that is a number, not text'),
        "twice.json": (b'{"format": "%s", "version": 1, "liked": [], "liked": [], "disliked": []}'
                       % FORMAT.encode(), 'it names "liked" twice'),
        "long.json": (json.dumps({"format": FORMAT, "version": 1, "disliked": [], "liked": [
            {"book_id": "1", "title": "t" * 5_000, "author": ""}]}).encode(),
            'liked book 1 has a "title" of 5,000 characters'),
    }
    for name, (data, fragment) in bad.items():
        at.get("file_uploader")[0].set_value((name, data, "application/json"))
        at.run()
        assert_no_exception(at)
        errors = main_errors(at)
        assert len(errors) == 1 and errors[0].startswith(f"{name}: ") and fragment in errors[0], \
            (name, errors)
        assert _liked_titles(at) == liked_before  # the profile is kept
    emoji = json.dumps({"format": FORMAT, "version": 1, "disliked": [], "liked": [
        {"book_id": "X-🌹", "title": "Le Petit Prince 🌹", "author": "Saint-Exupéry"}]}).encode()
    at.get("file_uploader")[0].set_value(("émoji 🌹.json", emoji, "application/json"))
    at.run()
    assert_no_exception(at)
    assert _liked_titles(at) == ["Le Petit Prince 🌹"]


def _liked_titles(at: AppTest) -> list[str]:
    values = [md.value for md in at.main.markdown]
    start = next(i for i, v in enumerate(values) if v.startswith("**👍 Liked**"))
    end = next(i for i, v in enumerate(values) if v.startswith("**👎 Disliked**"))
    return [v.split("  \n")[0] for v in values[start + 1:end] if ":gray[" in v]
