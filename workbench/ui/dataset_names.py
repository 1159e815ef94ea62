"""How every page names data sets in its picker ("Your data · credit.csv" for a kept table,
listed first), what it says when a kept table's file is gone, and how it states a split."""

from __future__ import annotations

import streamlit as st

from workbench.data import get_info, kept
from workbench.data.registry import YOUR_DATA, DatasetInfo
from workbench.errors import WorkbenchError
from workbench.specs import DataSpec, example_split

YOURS = f"{YOUR_DATA} · "


def is_yours(info: DatasetInfo) -> bool:
    return info.group == YOUR_DATA


def picker_label(info: DatasetInfo, built_in: str) -> str:
    """`built_in` for a registered data set (each page words its own), "Your data · title
    (kind)" for a kept table. Labels never change with state: the browser sends them back."""
    return f"{YOURS}{info.title} ({info.kind})" if is_yours(info) else built_in


def yours_first(infos: list[DatasetInfo]) -> list[DatasetInfo]:
    return sorted(infos, key=lambda info: not is_yours(info))


def removed_title(name: str) -> str:
    """What a picker shows for a data set that runs name but nothing registers or keeps."""
    return f"{name} (removed)" if kept.looks_kept(name) else name


def show_kept_problem(name: str) -> bool:
    """An error on the page when `name` is a kept table whose file is gone; True then."""
    problem = kept.kept_problem(name)
    if problem:
        st.error(problem, icon="📄")
    return problem is not None


def split_statement(data: DataSpec) -> str:
    """"Split: seed 42, 20% test (stratified by the label), 10% validation.\""""
    if data.test_file:
        return "Split: the test rows come from the test file."
    stratified = "stratified by the label" if data.stratify else "not stratified"
    validation = f", {data.val_fraction:.0%} validation" if data.val_fraction else ""
    return (f"Split: seed {data.split_seed}, {data.test_fraction:.0%} test ({stratified})"
            f"{validation}.")


def dataset_notice(name: str) -> None:
    """A kept data set: its split protocol; a removed one or one whose file is gone: that its
    runs stay but cannot be rerun or drawn row by row."""
    if show_kept_problem(name):
        return
    try:
        info = get_info(name)
    except WorkbenchError:
        st.warning(f"**{name}** is no longer a data set here (a table you kept and removed, or "
                   "one this version does not have): its runs stay below; running them again "
                   "or showing their rows needs it back (keep the file again with the same "
                   "label and roles).", icon="📄")
        return
    if is_yours(info):
        st.caption(f"Your data, from {info.source}. "
                   f"{split_statement(DataSpec(dataset=name, **example_split(name)))}")


def dataset_title(name: str) -> str:
    """A data set's title as pickers show it; a removed one's name, said to be gone."""
    try:
        info = get_info(name)
    except Exception:  # noqa: BLE001 - a run on a data set this version does not register, or a removed one
        return removed_title(name)
    return picker_label(info, info.title)
