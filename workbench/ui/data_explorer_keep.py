"""Data explorer, making an upload a data set of your own: the columns' roles and descriptions
(with the columns worth a second look flagged), "Use this data set", and for a kept data set its
split protocol and "Remove".

Widget values are seeded into st.session_state before the widgets are drawn and kept with
persist_state="session", as on the other pages, so leaving the page loses no choice.
"""

from __future__ import annotations

import streamlit as st

from workbench.data import kept
from workbench.data.columns import LEAK_AUC, ColumnFlag
from workbench.data.registry import DatasetInfo
from workbench.data.tables import ROLES, TableChoice
from workbench.errors import WorkbenchError
from workbench.specs import DataSpec, example_split
from workbench.ui.dataset_names import split_statement

KEEP = "session"
MAX_EDITED_COLUMNS = 60  # one row of widgets each; later columns keep their inferred role
SOURCE = "explorer_source"  # the explorer's own widget keys, set when a data set is kept
DATASET = "explorer_dataset"
_MESSAGE = "explorer_keep_message"  # ("success" | "error" | "info", text), shown once
DEFAULT_DATASET = "california-housing"


def _role_key(digest: str, column: str) -> str:
    return f"explorer_role_{digest}_{column}"


def _description_key(digest: str, column: str) -> str:
    return f"explorer_describe_{digest}_{column}"


def _ignore(keys: list[str]) -> None:
    for key in keys:
        st.session_state[key] = "ignored"


def _flag_text(flag: ColumnFlag) -> str:
    return f"- **{flag.column}** looks like a {flag.kind}: {flag.reason}."


def columns_box(digest: str, label_column: str, labelled: tuple, flags: list[ColumnFlag]) -> TableChoice:
    """Role and description widgets for each feature column; the choice they make."""
    _, features, _, positive, _, _ = labelled
    inferred = {feature.name: feature.type for feature in features}
    flagged = {flag.column: flag for flag in flags}
    for column, role in inferred.items():
        st.session_state.setdefault(_role_key(digest, column), role)
        st.session_state.setdefault(_description_key(digest, column), "")
    ignored = sum(st.session_state[_role_key(digest, c)] == "ignored" for c in inferred)
    title = (f"Columns: roles and descriptions ({len(inferred)} features, {ignored} ignored"
             + (f", {len(flags)} flagged" if flags else "") + ")")
    with st.expander(title, expanded=bool(flags)):
        if flags:
            st.warning(
                "Worth a second look before a model learns from them:\n"
                + "\n".join(_flag_text(flag) for flag in flags)
                + f"\n\nA row id teaches nothing that carries over; a column whose AUC alone is "
                f"above {LEAK_AUC} often is the answer recorded another way.", icon="🔎")
            keys = [_role_key(digest, flag.column) for flag in flags]
            st.button("Ignore the flagged columns", key=f"explorer_ignore_flagged_{digest}",
                      on_click=_ignore, args=(keys,),
                      disabled=all(st.session_state[key] == "ignored" for key in keys))
        st.caption("Role: how prompts and baselines read the column (numeric, categorical, text), "
                   "or ignored: left out of both. Description: what prompts call the column "
                   "instead of its name when the template uses readable names.")
        for column in list(inferred)[:MAX_EDITED_COLUMNS]:
            name, role, description = st.columns([2, 2, 5], vertical_alignment="center")
            mark = " 🔎" if column in flagged else ""
            name.markdown(f"`{column}`{mark}")
            role.selectbox(f"Role of {column}", ROLES, key=_role_key(digest, column),
                           label_visibility="collapsed", persist_state=KEEP)
            description.text_input(
                f"Description of {column}", key=_description_key(digest, column),
                label_visibility="collapsed", persist_state=KEEP, max_chars=200,
                placeholder=f"what '{column}' means, e.g. in words a prompt can use")
        if len(inferred) > MAX_EDITED_COLUMNS:
            st.caption(f"The {len(inferred) - MAX_EDITED_COLUMNS} columns after the "
                       f"{MAX_EDITED_COLUMNS}th keep their inferred roles here; a spec's `roles` "
                       "can set any of them.")
    return TableChoice(
        label_column, positive,
        roles={c: st.session_state[_role_key(digest, c)] for c in inferred},
        descriptions={c: st.session_state[_description_key(digest, c)] for c in inferred
                      if st.session_state[_description_key(digest, c)].strip()},
    )


# --- keeping ---------------------------------------------------------------------------------------


def _keep(digest: str, file_name: str, data: bytes, choice: TableChoice) -> None:
    state = st.session_state
    try:
        record, new = kept.keep_table(
            data, file_name, choice, name=state[f"explorer_keep_name_{digest}"],
            description=state[f"explorer_keep_description_{digest}"],
            split={"test_fraction": float(state[f"explorer_keep_test_{digest}"]),
                   "split_seed": int(state[f"explorer_keep_seed_{digest}"])})
    except WorkbenchError as error:
        state[_MESSAGE] = ("error", str(error))
        return
    except Exception as error:  # noqa: BLE001 - a disk problem, say: a message, not a traceback
        state[_MESSAGE] = ("error", f"The data set could not be kept: {type(error).__name__}: {error}")
        return
    state[SOURCE], state[DATASET] = SOURCE_DATASETS, record.id
    if new:
        state[_MESSAGE] = ("success", f"Kept **{record.name}**: it is in every page's data-set "
                           "picker, under \"Your data\", and in `python -m workbench datasets`.")
    else:
        state[_MESSAGE] = ("info", f"This file with this label and these column roles is already "
                           f"kept as **{record.name}**: here it is.")


SOURCE_DATASETS = "A data set"  # data_explorer_page.SOURCE_BUILTIN; here to keep the import one-way


def keep_box(digest: str, file_name: str, data: bytes, choice: TableChoice) -> None:
    state = st.session_state
    state.setdefault(f"explorer_keep_name_{digest}", file_name)
    state.setdefault(f"explorer_keep_description_{digest}", "")
    state.setdefault(f"explorer_keep_test_{digest}", kept.DEFAULT_SPLIT["test_fraction"])
    state.setdefault(f"explorer_keep_seed_{digest}", kept.DEFAULT_SPLIT["split_seed"])
    with st.container(border=True):
        st.markdown("**Keep it as a data set of your own**")
        name, description = st.columns([2, 3])
        name.text_input("Name", key=f"explorer_keep_name_{digest}", persist_state=KEEP,
                        max_chars=kept.MAX_NAME_CHARS, help="How pickers list it.")
        description.text_input("Short description", key=f"explorer_keep_description_{digest}",
                               persist_state=KEEP, max_chars=kept.MAX_DESCRIPTION_CHARS,
                               placeholder="what a row is and what the label means")
        fraction, seed, button = st.columns([2, 2, 3], vertical_alignment="bottom")
        fraction.number_input("Test fraction", min_value=0.05, max_value=0.5, step=0.05,
                              key=f"explorer_keep_test_{digest}", persist_state=KEEP,
                              help="Share of the labelled rows every page scores on.")
        seed.number_input("Split seed", min_value=0, max_value=2**31 - 1, step=1,
                          key=f"explorer_keep_seed_{digest}", persist_state=KEEP)
        button.button("Use this data set", type="primary", icon="📌",
                      key=f"explorer_keep_{digest}", on_click=_keep,
                      args=(digest, file_name, data, choice))
        st.caption("Keeps the file (by its sha256) in the workbench home with the label choice, "
                   "the column roles and descriptions above. Splits are stratified by the label "
                   "and seeded, the same on every page.")
    show_message()


def show_message() -> None:
    message = st.session_state.pop(_MESSAGE, None)
    if message:
        kind, text = message
        {"success": st.success, "error": st.error, "info": st.info}[kind](text)


# --- a kept data set -------------------------------------------------------------------------------


def _save_split(name: str) -> None:
    state = st.session_state
    try:
        kept.set_split(name, float(state[f"explorer_split_test_{name}"]),
                       int(state[f"explorer_split_seed_{name}"]))
        state[_MESSAGE] = ("success", "Split saved: pages split this data set this way from now "
                           "on (runs made before keep theirs).")
    except WorkbenchError as error:
        state[_MESSAGE] = ("error", str(error))


def _remove(name: str) -> None:
    state = st.session_state
    try:
        record = kept.remove_kept(name)
    except WorkbenchError as error:
        state[_MESSAGE] = ("error", str(error))
        return
    state[DATASET] = DEFAULT_DATASET
    state[_MESSAGE] = ("success", f"Removed **{record.name}** and its file. Its runs stay on the "
                       "Results page.")


def kept_box(info: DatasetInfo) -> None:
    """What a kept data set is made of, its split protocol, and Remove."""
    record = kept.find_kept(info.name)
    if record is None:
        return
    with st.container(border=True):
        details = dict(info.provenance)
        split = DataSpec(dataset=info.name, **example_split(info.name))
        st.caption(f"**Your data** · file `{record.file_name}` (sha256 `{record.sha256[:12]}…`) · "
                   f"label {details['label choice']} · kept {_when(record.kept_at)}. "
                   f"{split_statement(split)} Every page scores it on this split.")
        state = st.session_state
        state.setdefault(f"explorer_split_test_{info.name}", record.split["test_fraction"])
        state.setdefault(f"explorer_split_seed_{info.name}", record.split["split_seed"])
        fraction, seed, save, remove = st.columns([2, 2, 2, 2], vertical_alignment="bottom")
        fraction.number_input("Test fraction", min_value=0.05, max_value=0.5, step=0.05,
                              key=f"explorer_split_test_{info.name}")
        seed.number_input("Split seed", min_value=0, max_value=2**31 - 1, step=1,
                          key=f"explorer_split_seed_{info.name}")
        save.button("Save the split", key=f"explorer_split_save_{info.name}",
                    on_click=_save_split, args=(info.name,))
        with remove.popover("Remove…", icon="🗑️"):
            st.markdown(f"Remove **{record.name}** from the workbench? Its file goes too; its "
                        "runs stay on the Results page, marked as removed.")
            st.button(f"Remove {record.name}", key=f"explorer_remove_{info.name}",
                      type="primary", on_click=_remove, args=(info.name,))


def _when(timestamp: float) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M")
