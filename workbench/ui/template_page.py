"""Prompt-template page: choose a data set and a template, edit it, preview the prompts, score it
and compare templates on the same rows. The page file only calls `show_page()`; the editor lives in
template_editor.py, the YAML and the preview in template_preview.py, scoring and comparing in
template_runs.py.
"""

from __future__ import annotations

import streamlit as st

from workbench.prompts import builtin_templates
from workbench.ui.state import current_model_name
from workbench.ui.template_editor import PageContext, choose_data, edit_template
from workbench.ui.template_preview import preview_section, yaml_section
from workbench.ui.template_runs import compare_section, score_section


def show_page() -> None:
    chosen = choose_data()
    if chosen is None:
        return
    info, data, rows = chosen
    left, right = st.columns([5, 6], gap="large")
    with left:
        template = edit_template(info, rows)
        yaml_section(info, template)
    context = PageContext(
        info=info, data=data, rows=rows, builtins=builtin_templates(info), template=template,
        model_name=current_model_name(),
    )
    with right:
        preview_section(context)
    st.divider()
    score_section(context)
    st.divider()
    compare_section(context)
