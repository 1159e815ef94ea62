"""Bad input to the data uploads (issue 8): every bad file ends in the workbench's own
DataValidationError whose message names the problem in plain words, or loads correctly; nothing
hangs, nothing a user uploads is unpickled, and an upload's file name is never used as a path.

Covers `workbench.data.upload` (the Data explorer's loader: CSV, TSV, JSON, JSON lines, Parquet)
and the TALLRec reader (`workbench.data.tallrec`, also reached through an upload). The page side
is in tests/ui/test_bad_input_pages.py and tests/e2e/test_bad_input_upload_browser.py.
"""

from __future__ import annotations

import io
import json
import pathlib
import pickle
import sys
import time
import tomllib

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from workbench.data import tallrec, upload
from workbench.data.upload import (
    MAX_COLUMNS,
    MAX_ROWS,
    MAX_UPLOAD_BYTES,
    MAX_UPLOAD_MB,
    build_tallrec_dataset,
    build_upload_dataset,
    check_table,
    looks_like_tallrec,
    read_table,
    suggest_label_column,
)
from workbench.errors import DataValidationError

REPO = pathlib.Path(__file__).resolve().parents[2]
FORMATS = ("csv", "tsv", "json", "jsonl", "parquet")
TALLREC_INSTRUCTION = tallrec.INSTRUCTION.format(item="book")


# --- building files --------------------------------------------------------------------------------


def encode(frame: pd.DataFrame, extension: str) -> bytes:
    """`frame` written as an upload of that type (pandas' own writers: what users upload)."""
    if extension == "csv":
        return frame.to_csv(index=False).encode()
    if extension == "tsv":
        return frame.to_csv(index=False, sep="\t").encode()
    if extension == "json":
        return frame.to_json(orient="records", force_ascii=False).encode()
    if extension == "jsonl":
        return frame.to_json(orient="records", lines=True, force_ascii=False).encode()
    return parquet_bytes(pa.Table.from_pandas(frame, preserve_index=False))


def parquet_bytes(table: pa.Table, **options) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(table, buffer, **options)
    return buffer.getvalue()


def table(rows: int = 10, **columns) -> pd.DataFrame:
    base = {"age": [20 + i for i in range(rows)], "label": ["yes", "no"] * (rows // 2)}
    return pd.DataFrame({**base, **columns})


def wide(columns: int) -> pd.DataFrame:
    return pd.DataFrame({f"c{i}": [i, i + 1] for i in range(columns)})


def tallrec_records(n: int = 10) -> list[dict]:
    return [
        {"instruction": TALLREC_INSTRUCTION, "input": f"User Preference: x{i}",
         "output": ("Yes.", "No.")[i % 2]}
        for i in range(n)
    ]


def refused(filename: str, data: bytes) -> str:
    """The message of the DataValidationError read_table raises (the test fails if none)."""
    with pytest.raises(DataValidationError) as error:
        read_table(filename, data)
    message = str(error.value)
    assert "Traceback" not in message and "pyarrow" not in message.lower()
    return message


def build_refused(frame: pd.DataFrame, label: str) -> str:
    with pytest.raises(DataValidationError) as error:
        build_upload_dataset(frame, label, None)
    return str(error.value)


# --- empty, blank, too big ---------------------------------------------------------------------------


@pytest.mark.parametrize("extension", FORMATS)
def test_bad_input_empty_file(extension):
    assert "The file is empty (0 bytes)" in refused(f"data.{extension}", b"")


@pytest.mark.parametrize("extension", FORMATS)
@pytest.mark.parametrize("blank", [b" ", b"\n\n\n", b" \t\r\n  \n", b"\xef\xbb\xbf  \n"],
                         ids=["space", "newlines", "mixed", "bom and spaces"])
def test_bad_input_whitespace_only(extension, blank):
    message = refused(f"data.{extension}", blank)
    assert "only blank space" in message or "no column names and no rows" in message


@pytest.mark.parametrize("extension", FORMATS)
def test_bad_input_over_the_size_limit_is_refused_before_parsing(extension):
    data = b"a,label\n" + b"1,yes\n" * (MAX_UPLOAD_BYTES // 6 + 1)  # just over 50 MB
    start = time.perf_counter()
    message = refused(f"big.{extension}", data)
    assert time.perf_counter() - start < 1.0  # checked on the bytes: nothing was parsed
    assert f"The file is 50.0 MB; the limit is {MAX_UPLOAD_MB} MB" in message
    assert "Upload a sample of the rows" in message


def test_bad_input_size_limit_is_exact():
    """A file of exactly 50,000,000 bytes is read; one byte more is refused."""
    header, row = b"text,label\n", b"%s,yes\n" % (b"x" * 95)  # 100 bytes a row
    rows = (MAX_UPLOAD_BYTES - len(header)) // len(row)
    padding = MAX_UPLOAD_BYTES - len(header) - rows * len(row)
    at_limit = header + b"x" * padding + row * rows
    assert len(at_limit) == MAX_UPLOAD_BYTES
    assert len(read_table("limit.csv", at_limit)) == rows
    assert "the limit is 50 MB" in refused("over.csv", at_limit + b"\n")


def test_bad_input_browser_limit_is_not_below_the_backend_limit():
    """Streamlit refuses files over server.maxUploadSize before the backend sees them, and the
    Data explorer's uploader asks for the backend's own limit (max_upload_size): the browser's
    limit must not be the smaller one, or the workbench's message would never be seen."""
    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] >= MAX_UPLOAD_MB
    source = (REPO / "workbench" / "ui" / "data_explorer_upload.py").read_text()
    assert "max_upload_size=upload.MAX_UPLOAD_MB" in source


# --- wrong type ----------------------------------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(range(256)) * 4
WRONG_TYPES = {
    "png named csv": ("photo.csv", PNG, "really a PNG image, not a table"),
    "png named json": ("photo.json", PNG, "really a PNG image, not a table"),
    "png named parquet": ("photo.parquet", PNG, "not a valid Parquet file: it is a PNG image"),
    "exe named csv": ("setup.csv", EXE, "it contains binary data"),
    "exe named tsv": ("setup.tsv", EXE, "it contains binary data"),
    "exe named jsonl": ("setup.jsonl", EXE, "it contains binary data"),
    "exe named parquet": ("setup.parquet", EXE, "not a valid Parquet file"),
    "jpeg named csv": ("photo.csv", b"\xff\xd8\xff\xe0" + bytes(64), "a JPEG image"),
    "pdf named json": ("paper.json", b"%PDF-1.7\n" + bytes(64), "a PDF document"),
    "xlsx named csv": ("sheet.csv", b"PK\x03\x04" + bytes(64), "an Excel workbook"),
    "gzip named csv": ("data.csv", b"\x1f\x8b\x08\x00" + bytes(64), "gzip-compressed"),
    "sqlite named csv": ("db.csv", b"SQLite format 3\x00" + bytes(64), "an SQLite database"),
    "parquet named csv": ("data.csv", encode(table(), "parquet"), "give it the .parquet extension"),
    "csv named parquet": ("data.parquet", encode(table(), "csv"), "not a valid Parquet file"),
    "exe extension": ("setup.exe", EXE, "Files of type .exe are not accepted"),
    "xlsx extension": ("sheet.xlsx", b"PK\x03\x04", "Files of type .xlsx are not accepted"),
    "pickle extension": ("frame.pkl", pickle.dumps(table()), "Files of type .pkl are not accepted"),
    "no extension": ("data", encode(table(), "csv"), "A file without an extension is not accepted"),
}


@pytest.mark.parametrize("case", list(WRONG_TYPES))
def test_bad_input_wrong_type(case):
    filename, data, fragment = WRONG_TYPES[case]
    assert fragment in refused(filename, data)


# --- nothing uploaded is unpickled, no file name is a path ------------------------------------------


class _TouchWhenUnpickled:
    """Unpickling this creates `marker`: the proof that something ran pickle on it."""

    def __init__(self, marker: pathlib.Path):
        self.marker = marker

    def __reduce__(self):
        return (pathlib.Path.touch, (self.marker,))


@pytest.mark.parametrize("extension", FORMATS)
@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_bad_input_pickle_payload_is_never_unpickled(tmp_path, extension, protocol):
    marker = tmp_path / "unpickled"
    payload = pickle.dumps(_TouchWhenUnpickled(marker), protocol=protocol)
    message = refused(f"data.{extension}", payload)
    assert not marker.exists(), "an uploaded pickle was unpickled"
    assert any(word in message for word in ("pickle", "binary data", "not a valid Parquet"))


def test_bad_input_no_unpickling_while_reading_any_upload(monkeypatch):
    """Every good and bad upload of this module read with every unpickler wired to record a
    call: none may be called (pandas.read_pickle, pickle.load(s), numpy.load, torch.load)."""
    calls: list[str] = []

    def record(name):
        def called(*args, **kwargs):
            calls.append(name)
            raise AssertionError(f"{name} called on an upload")
        return called

    for module, name in ((pickle, "load"), (pickle, "loads"), (pd, "read_pickle"), (np, "load")):
        monkeypatch.setattr(module, name, record(f"{module.__name__}.{name}"))
    torch = sys.modules.get("torch")  # imported by an earlier test, or not at all
    if torch is not None:
        monkeypatch.setattr(torch, "load", record("torch.load"))
    uploads = [(name, data) for name, data, _ in WRONG_TYPES.values()]
    uploads += [(f"good.{ext}", encode(table(), ext)) for ext in FORMATS]
    uploads += [(name, data) for name, data, _ in MALFORMED.values()]
    for filename, data in uploads:
        try:
            read_table(filename, data)
        except DataValidationError:
            pass
    assert calls == []
    if torch is None:
        assert "torch" not in sys.modules, "reading an upload imported torch"


def test_bad_input_upload_modules_hold_no_unpickling_code():
    sources = [REPO / "workbench" / "data" / f for f in ("tallrec.py", "tallrec_rows.py")]
    sources += sorted((REPO / "workbench" / "data" / "upload").glob("*.py"))
    sources += [REPO / "workbench" / "recommend" / "profile.py",
                REPO / "workbench" / "ui" / "data_explorer_page.py",
                REPO / "workbench" / "ui" / "recommender_profile.py"]
    for source in sources:
        text = source.read_text()
        for call in ("read_pickle(", "pickle.load", "torch.load(", "joblib.load(",
                     "allow_pickle=True", "dill.load", "cloudpickle"):
            assert call not in text, f"{source.name} holds {call}"


@pytest.mark.parametrize("filename", [
    "../../etc/passwd.csv", "/etc/passwd.csv", "C:\\Windows\\win.ini.csv", "..\\..\\x.csv",
    "data\x00.csv", "~/data.csv", "con.csv", "a" * 500 + ".csv",
])
def test_bad_input_file_name_is_never_a_path(tmp_path, monkeypatch, filename):
    """The bytes given are what is read, whatever the name says; a file at that name (here one
    made in the working folder) is never opened, and nothing is written."""
    monkeypatch.chdir(tmp_path)
    target = pathlib.Path(filename.replace("\x00", ""))
    if not target.is_absolute() and len(target.name) < 255:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("other,columns\nfrom,disk\n")
    before = sorted(p.name for p in tmp_path.rglob("*"))
    frame = read_table(filename, encode(table(), "csv"))
    assert list(frame.columns) == ["age", "label"]
    assert sorted(p.name for p in tmp_path.rglob("*")) == before
    shown = upload.display_name(filename)  # for messages only
    assert "/" not in shown and "\\" not in shown and "\x00" not in shown and shown != ".."
    assert len(shown) <= 80


# --- NaN and infinity -------------------------------------------------------------------------------


def test_bad_input_nan_and_inf_in_csv_become_missing_with_a_note():
    data = b"x,y,label\nnan,inf,yes\n1,-inf,no\nNaN,Infinity,yes\n2,3,no\n,5,yes\n6,7,no\n"
    frame = read_table("values.csv", data)
    assert frame["x"].isna().sum() == 3
    assert np.isinf(frame["y"]).sum() == 3
    assert "Column 'y' has 3 infinite value(s); they are treated as missing." in check_table(frame)
    dataset, info, _ = build_upload_dataset(frame, "label", "yes")
    assert info.features[0].type == info.features[1].type == "numeric"
    assert dataset["y"].isna().sum() == 3 and not np.isinf(dataset["y"]).any()


def test_bad_input_nan_and_infinity_in_json():
    data = (b'[{"x": NaN, "y": Infinity, "label": "yes"}, {"x": 1, "y": -Infinity, "label": "no"},'
            b' {"x": 2, "y": 1e999, "label": "yes"}, {"x": 3, "y": 4, "label": "no"}]')
    frame = read_table("values.json", data)
    assert frame["x"].isna().sum() == 1
    assert "Column 'y' has 3 infinite value(s); they are treated as missing." in check_table(frame)
    dataset, _, _ = build_upload_dataset(frame, "label", "yes")
    assert dataset["y"].isna().sum() == 3


def test_bad_input_nan_and_inf_in_parquet():
    frame = table(x=[np.nan, np.inf, -np.inf] + [1.0] * 7)
    loaded = read_table("values.parquet", encode(frame, "parquet"))
    dataset, _, _ = build_upload_dataset(loaded, "label", "yes")
    assert dataset["x"].isna().sum() == 3


def test_bad_input_nan_and_inf_in_the_label_are_dropped_with_a_note():
    frame = read_table("labels.csv", b"x,label\n1,1\n2,0\n3,nan\n4,inf\n5,-inf\n6,1\n7,0\n")
    dataset, info, notes = build_upload_dataset(frame, "label", "1")
    assert info.classes == ("0", "1") and len(dataset) == 4
    assert "Dropped 3 of 7 rows whose label 'label' is missing." in notes


def test_bad_input_label_that_is_all_nan():
    frame = read_table("labels.csv", b"x,label\n1,nan\n2,NaN\n3,\n")
    assert "The label column 'label' has no values at all" in build_refused(frame, "label")


# --- unicode and emoji names: these work ------------------------------------------------------------

UNICODE_NAMES = ["😀 mood", "prix €", "年齢", "città", "עמודה", "Ω\u0301mega", "🏷️ label"]


@pytest.mark.parametrize("extension", FORMATS)
def test_bad_input_unicode_and_emoji_column_names_work(extension):
    rows = 10
    frame = pd.DataFrame({
        name: ([f"v{i % 3} ✓" for i in range(rows)] if i % 2 else list(range(rows)))
        for i, name in enumerate(UNICODE_NAMES[:-1])
    })
    frame[UNICODE_NAMES[-1]] = ["oui 👍", "non 👎"] * (rows // 2)
    loaded = read_table(f"données 📊.{extension}", encode(frame, extension))
    assert list(loaded.columns) == UNICODE_NAMES
    assert suggest_label_column(loaded) == "🏷️ label"
    dataset, info, _ = build_upload_dataset(loaded, "🏷️ label", "oui 👍")
    assert info.classes == ("non 👎", "oui 👍")
    assert info.feature_names == UNICODE_NAMES[:-1]
    assert dataset["🏷️ label"].value_counts().to_dict() == {"oui 👍": 5, "non 👎": 5}


def test_bad_input_latin_1_and_utf_16_text_is_decoded():
    text = "ville,label\nNîmes,oui\nSète,non\nLyon,oui\n"
    for encoding in ("latin-1", "utf-16", "utf-8-sig"):
        assert read_table("villes.csv", text.encode(encoding))["ville"].tolist()[:2] == ["Nîmes", "Sète"]


# --- duplicate column names ---------------------------------------------------------------------------

DUPLICATES = {
    "csv": ("dup.csv", b"a,a,label\n1,2,yes\n3,4,no\n", "repeated: 'a' (2 times)"),
    "csv after trimming": ("dup.csv", b"a , a,label\n1,2,yes\n3,4,no\n", "must be unique"),
    "tsv": ("dup.tsv", b"a\tb\ta\tlabel\n1\t2\t3\tyes\n4\t5\t6\tno\n", "repeated: 'a' (2 times)"),
    "emoji csv": ("dup.csv", "😀,😀,label\n1,2,yes\n3,4,no\n".encode(), "repeated: '😀' (2 times)"),
    "json records": ("dup.json", b'[{"a": 1, "a": 2, "label": "yes"}, {"a": 3, "label": "no"}]',
                     "the name 'a' appears twice in one object"),
    "json columns": ("dup.json", b'{"a": [1, 2], "a": [3, 4], "label": ["yes", "no"]}',
                     "the name 'a' appears twice in one object"),
    "jsonl": ("dup.jsonl", b'{"a": 1, "label": "yes"}\n{"a": 1, "a": 2, "label": "no"}\n',
              "Line 2 of the JSON lines file is not valid JSON: the name 'a' appears twice"),
    "parquet": ("dup.parquet", parquet_bytes(pa.Table.from_arrays(
        [pa.array([1, 2]), pa.array([3, 4]), pa.array(["yes", "no"])], names=["a", "a", "label"])),
        "repeated: 'a' (2 times)"),
}


@pytest.mark.parametrize("case", list(DUPLICATES))
def test_bad_input_duplicate_column_names(case):
    filename, data, fragment = DUPLICATES[case]
    message = refused(filename, data)
    assert fragment in message
    assert "unique" in message


# --- label with one class, one row ------------------------------------------------------------------


@pytest.mark.parametrize("labels, shown", [
    (["yes"] * 10, "'yes'"),
    ([1] * 10, "'1'"),
    ([1.0] * 9 + [np.nan], "'1'"),
    (["yes"] * 8 + [None, "  "], "'yes'"),
    ([True] * 10, "'true'"),
])
def test_bad_input_label_column_with_one_class(labels, shown):
    frame = read_table("one_class.csv", encode(table(label=labels), "csv"))
    message = build_refused(frame, "label")
    assert f"The label column 'label' has only one value ({shown})" in message
    assert "needs at least two classes" in message


def test_bad_input_tallrec_with_one_answer():
    records = [{**record, "output": "Yes."} for record in tallrec_records()]
    frame = read_table("tallrec.json", json.dumps(records).encode())
    assert looks_like_tallrec(frame)
    with pytest.raises(DataValidationError, match=r"Every answer in this TALLRec file is 'Yes\.'"):
        build_tallrec_dataset(frame)


@pytest.mark.parametrize("extension", FORMATS)
def test_bad_input_one_row(extension):
    message = refused(f"one.{extension}", encode(table().head(1), extension))
    assert "The file has only 1 row of data" in message and "at least 2" in message


@pytest.mark.parametrize("extension", ["csv", "tsv"])
def test_bad_input_header_without_rows(extension):
    message = refused(f"header.{extension}", encode(table().head(0), extension))
    assert "column names but no rows of data" in message


# --- 5,000 columns, a million rows --------------------------------------------------------------------


@pytest.mark.parametrize("extension", FORMATS)
def test_bad_input_5000_columns(extension):
    start = time.perf_counter()
    message = refused(f"wide.{extension}", encode(wide(5_000), extension))
    assert f"The table has 5,000 columns; the workbench accepts at most {MAX_COLUMNS:,}" in message
    assert time.perf_counter() - start < 5


def test_bad_input_5000_columns_as_json_columns():
    data = json.dumps({f"c{i}": [1, 2] for i in range(5_000)}).encode()
    assert "5,000 columns" in refused("wide.json", data)


def test_bad_input_a_million_rows_of_csv_are_read_quickly():
    """~12 MB, well under the size limit: accepted, and read, checked and built in seconds."""
    data = b"x,city,label\n" + b"1.5,Lyon,yes\n2,Paris,no\n" * 500_000
    start = time.perf_counter()
    frame = read_table("million.csv", data)
    check_table(frame)
    dataset, info, _ = build_upload_dataset(frame, "label", "yes")
    assert len(dataset) == 1_000_000 and info.classes == ("no", "yes")
    assert time.perf_counter() - start < 15  # ~2 s on 2 cores; a hang or a quadratic step fails


def test_bad_input_a_million_rows_of_json_lines_are_read_quickly():
    data = b'{"x": 1, "label": "yes"}\n{"x": 2, "label": "no"}\n' * 500_000
    start = time.perf_counter()
    frame = read_table("million.jsonl", data)
    assert len(frame) == 1_000_000 and list(frame.columns) == ["x", "label"]
    assert time.perf_counter() - start < 10  # one json.loads, not a million


def test_bad_input_a_million_rows_of_parquet():
    n = 1_000_000
    data = parquet_bytes(pa.table({"x": np.arange(n) % 7,
                                   "label": np.array(["yes", "no"])[np.arange(n) % 2]}))
    frame = read_table("million.parquet", data)
    assert len(frame) == n


def test_bad_input_more_rows_than_the_limit():
    data = b"x,label\n" + b"1,yes\n0,no\n" * (MAX_ROWS // 2 + 1)
    message = refused("tall.csv", data)
    assert f"The table has {MAX_ROWS + 2:,} rows; the workbench accepts at most {MAX_ROWS:,}" in message


def test_bad_input_parquet_with_twenty_million_rows_is_refused_before_reading():
    """A 100 KB file of 20 million zeros: refused from its footer, nothing decompressed."""
    data = parquet_bytes(pa.table({"x": np.zeros(20_000_000, dtype=np.int8)}), compression="zstd")
    assert len(data) < 1_000_000
    start = time.perf_counter()
    message = refused("bomb.parquet", data)
    assert f"The table has 20,000,000 rows; the workbench accepts at most {MAX_ROWS:,}" in message
    assert time.perf_counter() - start < 1


def test_bad_input_parquet_whose_text_unpacks_to_gigabytes():
    """One 10 KB text repeated 200,000 times is stored once: a 3 KB file holding 2 GB."""
    n = 200_000
    repeated = pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, dtype=np.int32)),
                                              pa.array(["y" * 10_000]))
    labels = pa.array(np.array(["yes", "no"])[np.arange(n) % 2])
    data = parquet_bytes(pa.table({"text": repeated, "label": labels}), store_schema=False)
    assert len(data) < 100_000
    message = refused("bomb.parquet", data)
    assert "The Parquet file unpacks to 2.0 GB of data; the workbench reads at most 1 GB" in message


# --- malformed files -------------------------------------------------------------------------------------

GOOD_PARQUET = encode(table(rows=1_000), "parquet")
MALFORMED = {
    # CSV and TSV
    "csv extra field": ("bad.csv", b"a,b,label\n1,2,yes\n3,4,no,5\n6,7,no\n",
                        "Line 3 of the CSV has 4 values but the header has 3 column names"),
    "csv extra field in first row": ("bad.csv", b"a,b\n1,2,3\n4,5\n", "more values than the header"),
    "csv unclosed quote": ("bad.csv", b'a,label\n1,"yes\n2,no\n', "is never closed"),
    "csv no header": ("bad.csv", b"1,2,0\n3,4,1\n5,6,0\n", "looks like data, not column names"),
    "csv binary junk": ("bad.csv", bytes(np.random.default_rng(0).integers(0, 256, 4096,
                                                                       dtype=np.uint8)),
                        "binary data"),
    "csv nul bytes": ("bad.csv", b"a,label\n1,yes\x00\x00\x00\n2,no\n", "binary data"),
    "tsv extra field": ("bad.tsv", b"a\tlabel\n1\tyes\n2\tno\t3\n4\tyes\n", "Line 3 of the TSV"),
    # JSON and JSON lines
    "json trailing comma": ("bad.json", b'[{"a": 1, "label": "yes"},]', "The JSON is not valid"),
    "json cut short": ("bad.json", encode(table(), "json")[:-30], "The JSON is not valid"),
    "json single quotes": ("bad.json", b"[{'a': 1}]", "The JSON is not valid"),
    "json scalar": ("bad.json", b"42", "The JSON is not a table"),
    "json string": ("bad.json", b'"a,b\\n1,2"', "The JSON is not a table"),
    "json empty object": ("bad.json", b"{}", "The JSON is not a table"),
    "json null": ("bad.json", b"null", "The JSON is not a table"),
    "json list of lists": ("bad.json", b"[[1, 2], [3, 4]]", "Item 1 of the JSON list is not an object"),
    "json mixed list": ("bad.json", b'[{"a": 1}, 2]', "Item 2 of the JSON list is not an object"),
    "json ragged columns": ("bad.json", b'{"a": [1, 2], "b": [1]}', "different lengths"),
    "json empty list": ("bad.json", b"[]", "The file has no columns"),
    "json nested too deeply": ("bad.json", b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    "json 5,000-digit number": ("bad.json", b'[{"a": ' + b"7" * 5_000 + b', "label": "yes"}]',
                                "a number too long to read"),
    "jsonl bad line": ("bad.jsonl", b'{"a": 1}\n{"a": \n{"a": 3}\n', "Line 2 of the JSON lines file"),
    "jsonl not objects": ("bad.jsonl", b'{"a": 1}\n\n[1, 2]\n', "Line 3 of the JSON lines file is not an object"),
    "jsonl nested too deeply": ("bad.jsonl", b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    # Parquet
    "parquet cut short": ("bad.parquet", GOOD_PARQUET[: len(GOOD_PARQUET) // 2],
                          "The Parquet file is cut short"),
    "parquet head and tail only": ("bad.parquet", GOOD_PARQUET[:40] + GOOD_PARQUET[-300:],
                                   "damaged or cut short"),
    "parquet junk between magic": ("bad.parquet", b"PAR1" + bytes(range(256)) * 4 + b"PAR1",
                                   "damaged or cut short"),
    "parquet damaged pages": ("bad.parquet", GOOD_PARQUET[:4] + bytes(200)
                              + GOOD_PARQUET[204:], "damaged or cut short"),
    "parquet start missing": ("bad.parquet", GOOD_PARQUET[100:], "not a valid Parquet file"),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_bad_input_malformed_file(case):
    filename, data, fragment = MALFORMED[case]
    assert fragment in refused(filename, data)


def test_bad_input_parquet_list_and_struct_columns_become_text():
    data = parquet_bytes(pa.table({
        "tags": [[1, 2], [3], [], None],
        "place": [{"city": "Lyon", "zip": 69}, {"city": "Nice", "zip": 6}, None, {"city": "", "zip": 0}],
        "label": ["yes", "no", "yes", "no"],
    }))
    frame = read_table("nested.parquet", data)
    assert frame["tags"].tolist()[:3] == ["[1, 2]", "[3]", "[]"]
    assert json.loads(frame["place"].iloc[0]) == {"city": "Lyon", "zip": 69}
    check_table(frame)  # hashable cells: duplicates and counts work
    dataset, info, _ = build_upload_dataset(frame, "label", "yes")
    assert len(dataset) == 4 and info.feature_names == ["tags", "place"]


# --- TALLRec files -------------------------------------------------------------------------------------


def _without(records: list[dict], field: str, index: int | None = None) -> list[dict]:
    return [{k: v for k, v in r.items() if not (k == field and (index is None or i == index))}
            for i, r in enumerate(records)]


TALLREC_BAD = {
    "one record without output": (_without(tallrec_records(), "output", 3),
                                  "Record 3 has no 'output' field"),
    "no output at all": (_without(tallrec_records(), "output"), "Record 0 has no 'output' field"),
    "no input at all": (_without(tallrec_records(), "input"), "Record 0 has no 'input' field"),
    "one record without input": (_without(tallrec_records(), "input", 6),
                                 "Record 6 has no 'input' field"),
    "null output": ([*tallrec_records(9), {**tallrec_records(1)[0], "output": None}],
                    "Record 9 has no 'output'"),
    "number as input": ([*tallrec_records(9), {**tallrec_records(1)[0], "input": 42}],
                        "Record 9: 'input' must be a string"),
    "answer not yes or no": ([*tallrec_records(9), {**tallrec_records(1)[0], "output": "Maybe."}],
                             'Record 9: output must be "Yes." or "No."'),
}


@pytest.mark.parametrize("case", list(TALLREC_BAD))
def test_bad_input_tallrec_upload_with_missing_or_bad_fields(case):
    """Through the Data explorer's path (read_table, looks_like_tallrec, build_tallrec_dataset)
    and through the TALLRec reader itself: the same record and field are named."""
    records, fragment = TALLREC_BAD[case]
    data = json.dumps(records).encode()
    frame = read_table("tallrec.json", data)
    assert looks_like_tallrec(frame), "a TALLRec file with a bad record must still be TALLRec"
    with pytest.raises(DataValidationError) as error:
        build_tallrec_dataset(frame)
    assert fragment in str(error.value)
    with pytest.raises(DataValidationError) as error:
        tallrec.read_tallrec(data)
    assert fragment in str(error.value)


@pytest.mark.parametrize("data, fragment", [
    (b"", "not valid JSON"),
    (b"   \n", "not valid JSON"),
    (b"[]", "has no records"),
    (b'{"instruction": "x"}', "A TALLRec file is a JSON list of records; this file holds a dict"),
    (b"[1, 2]", "Record 0 is not an object"),
    (b'[{"instruction": "i", "input": "x", "output": "Yes."},', "not valid JSON"),
    (b"\x89PNG\r\n\x1a\n\xff\xfe", "not UTF-8 text"),
    (b"[" * 100_000 + b"]" * 100_000, "nested thousands deep"),
    (b'[{"instruction": ' + b"1" * 5_000 + b"}]", "a number thousands of digits long"),
])
def test_bad_input_tallrec_reader_on_malformed_bytes(data, fragment):
    with pytest.raises(DataValidationError) as error:
        tallrec.read_tallrec(data)
    assert fragment in str(error.value)


def test_bad_input_tallrec_with_unicode_titles_works():
    records = tallrec_records()
    records[0]["input"] = ('User Preference: "Le Petit Prince 🌹" written by Antoine de Saint-Exupéry\n'
                           'User Unpreference: "三体" written by 刘慈欣\n'
                           'Whether the user will like the target book ""Ёжик" written by Юрий"?')
    frame = read_table("tallrec.json", json.dumps(records, ensure_ascii=False).encode())
    dataset, info, _ = build_tallrec_dataset(frame)
    assert info.kind == "recommendation" and len(dataset) == 10
    assert dataset.loc[0, "liked_items"] == ("Le Petit Prince 🌹",)
    assert dataset.loc[0, "disliked_items"] == ("三体",)
    assert dataset.loc[0, "target_item"] == "Ёжик"
