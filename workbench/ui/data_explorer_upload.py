"""Data explorer, an uploaded file: read it, choose its label, its columns' roles and
descriptions (data_explorer_keep.py), and show it as the explorer shows any data set.

The file stays chosen when the user visits another page and comes back: the uploader's value
is copied into the session (a widget's own value is dropped with the page), and only the user
clearing the uploader or pressing "Forget it" drops it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace

import pandas as pd
import streamlit as st

from workbench.data import tables, upload
from workbench.data.columns import column_flags
from workbench.data.registry import DatasetInfo
from workbench.errors import WorkbenchError
from workbench.ui import data_explorer_keep

MULTICLASS_CHOICE = "(all classes: multi-class)"
UPLOAD = "explorer_upload"
_FILE = "explorer_upload_file"  # (file name, bytes) of the chosen upload, across pages
KEEP = "session"


# --- cached reading --------------------------------------------------------------------------------


@st.cache_resource(max_entries=2, show_spinner=False)
def cached_upload_table(
    digest: str, extension: str, _data: bytes
) -> tuple[pd.DataFrame, list[str]]:
    """The parsed upload and its notes; the user's file name is never used, only its extension."""
    frame = upload.read_table(f"upload.{extension}", _data)
    return frame, upload.check_table(frame)


@st.cache_resource(max_entries=4, show_spinner=False)
def cached_upload_dataset(
    digest: str, label_column: str | None, positive: str | None, _frame: pd.DataFrame
) -> tuple[pd.DataFrame, DatasetInfo, list[str]]:
    """A TALLRec file through its own reader (label_column None); a table as the upload reads it."""
    if label_column is None:
        return upload.build_tallrec_dataset(_frame)
    return upload.build_upload_dataset(_frame, label_column, positive)


@st.cache_resource(max_entries=4, show_spinner=False)
def cached_labelled(digest: str, label_column: str, positive: str | None, _frame: pd.DataFrame):
    return tables.labelled_table(_frame, label_column, positive)


@st.cache_resource(max_entries=4, show_spinner=False)
def cached_prepared(
    digest: str, label_column: str, positive: str | None, choice_json: str, _labelled: tuple,
    _choice: tables.TableChoice,
) -> tables.PreparedTable:
    return tables.apply_roles(*_labelled, _choice)


@st.cache_data(max_entries=8, show_spinner=False)
def cached_flags(digest: str, label_column: str, positive: str | None, _labelled: tuple) -> list:
    data, features, classes, *_ = _labelled
    return column_flags(data, label_column, classes, {f.name: f.type for f in features})


# --- the file --------------------------------------------------------------------------------------


def _on_upload() -> None:
    file = st.session_state.get(UPLOAD)
    st.session_state[_FILE] = (file.name, file.getvalue()) if file is not None else None


def _forget() -> None:
    st.session_state[_FILE] = None


def chosen_file() -> tuple[str, bytes] | None:
    file = st.file_uploader(
        "Upload a table", type=list(upload.ACCEPTED_TYPES), key=UPLOAD, on_change=_on_upload,
        # The browser refuses bigger files before sending them; read_table checks again.
        max_upload_size=upload.MAX_UPLOAD_MB,
        help=(
            f"CSV, TSV, JSON (a list of records), JSON lines or Parquet; at most "
            f"{upload.MAX_UPLOAD_MB} MB and {upload.MAX_COLUMNS:,} columns. The first row names "
            "the columns. TALLRec JSON files are recognized."
        ),
    )
    if file is not None:
        return file.name, file.getvalue()
    earlier = st.session_state.get(_FILE)
    if earlier:
        left, right = st.columns([4, 1], vertical_alignment="center")
        left.caption(f"Showing **{upload.display_name(earlier[0])}**, uploaded earlier in this "
                     "session. Upload another file above to replace it.")
        right.button("Forget it", key="explorer_forget_upload", on_click=_forget)
    return earlier


def uploaded_view() -> tuple[str, pd.DataFrame, DatasetInfo, tuple[str, ...]] | None:
    """(cache key, rows, info, notes) of the upload as chosen so far; None when there is nothing
    to show (no file, or a problem already said on the page)."""
    file = chosen_file()
    if file is None:
        st.caption(
            f"CSV, TSV, JSON, JSON lines or Parquet, up to {upload.MAX_UPLOAD_MB} MB, with a "
            "header row. You then pick the label column and its positive class, and can keep "
            "the table as a data set of your own."
        )
        return None
    file_name, data = file
    digest = hashlib.sha256(data).hexdigest()[:16]
    shown_name = upload.display_name(file_name)
    table = _read_upload(digest, upload.file_extension(file_name), data)
    if table is None:
        return None
    frame, table_notes = table
    if upload.looks_like_tallrec(frame):
        return _tallrec_view(digest, frame, shown_name)
    label_column, positive = _label_choice(frame, digest)
    try:
        labelled = cached_labelled(digest, label_column, positive, frame)
        choice = data_explorer_keep.columns_box(
            digest, label_column, labelled, cached_flags(digest, label_column, positive, labelled))
        prepared = cached_prepared(digest, label_column, positive, _choice_json(choice),
                                   labelled, choice)
    except WorkbenchError as error:
        st.error(str(error))
        return None
    except Exception as error:  # noqa: BLE001 - a traceback is no message
        st.error(f"The table could not be prepared: {type(error).__name__}: {error}")
        return None
    data_explorer_keep.keep_box(digest, shown_name, data, choice)
    info = replace(tables.preview_info(prepared, f"Your upload: {shown_name}"),
                   source=f"your upload ({shown_name})")
    key = f"upload:{digest}:{_choice_json(choice)}"
    return key, prepared.data, info, tuple(table_notes) + prepared.notes


def _choice_json(choice: tables.TableChoice) -> str:
    return json.dumps([choice.label_column, choice.positive_class, choice.roles,
                       choice.descriptions], sort_keys=True)


def _tallrec_view(digest: str, frame: pd.DataFrame, shown_name: str):
    st.info("Recognized a TALLRec file: the label is each record's answer, output 'Yes.' (yes) "
            "or 'No.' (no). Train on it as the train_file or test_file of tallrec-book or "
            "tallrec-movie (Training page or a spec).", icon="🔎")
    try:
        data, info, notes = cached_upload_dataset(digest, None, None, frame)
    except WorkbenchError as error:
        st.error(str(error))
        return None
    except Exception as error:  # noqa: BLE001
        st.error(f"The table could not be prepared: {type(error).__name__}: {error}")
        return None
    info = replace(info, title=f"{info.title}: {shown_name}",
                   source=f"{info.source} ({shown_name})")
    return f"upload:{digest}:tallrec", data, info, tuple(notes)


def _read_upload(digest: str, extension: str, data: bytes) -> tuple[pd.DataFrame, list[str]] | None:
    try:
        with st.spinner("Reading the file ..."):
            return cached_upload_table(digest, extension, data)
    except WorkbenchError as error:
        st.error(str(error))
    except Exception as error:  # noqa: BLE001 - a parser failure we did not foresee: say so, no traceback
        st.error(
            f"The file could not be read ({type(error).__name__}: {str(error)[:200]}). Check that "
            "it is a valid CSV, TSV, JSON, JSON lines or Parquet file with a header row."
        )
    return None


def _label_choice(frame: pd.DataFrame, digest: str) -> tuple[str, str | None]:
    """Label column and positive class selectboxes, keyed by the file so a new file starts over;
    the first guess is a column the page accepts (workbench.data.columns)."""
    columns = list(frame.columns)
    left, right = st.columns(2)
    label_key = f"upload_label_{digest}"
    if st.session_state.get(label_key) not in columns:
        st.session_state[label_key] = upload.suggest_label_column(frame)
    label_column = left.selectbox(
        "Label column", columns, key=label_key, persist_state=KEEP,
        help="The column a model should predict: two to 30 classes.",
    )
    values = upload.label_values(frame, label_column)
    if len(values) < 2 or len(values) > upload.MAX_CLASSES:
        return label_column, None  # build_upload_dataset explains what is wrong
    options = values if len(values) == 2 else [MULTICLASS_CHOICE] + values
    positive_key = f"upload_positive_{digest}_{label_column}"
    if st.session_state.get(positive_key) not in options:
        default = upload.default_positive(values)
        st.session_state[positive_key] = default if default in options else options[0]
    positive = right.selectbox(
        "Positive class", options, key=positive_key, persist_state=KEEP,
        help="The class a binary task asks about (its probability is scored). With more than two "
        "classes, pick one to ask 'this class or another', or keep them all.",
    )
    return label_column, None if positive == MULTICLASS_CHOICE else positive
