"""Prompt-template page: the template as YAML (shown, downloaded, uploaded) and the preview of
its prompts with their token counts and answer tokens."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from workbench.data.registry import DatasetInfo
from workbench.errors import WorkbenchError
from workbench.experiments.compare import PromptPreview
from workbench.models import get_model_info
from workbench.prompts import TemplateError, template_from_yaml, template_to_yaml
from workbench.prompts.validation import answer_problems, feature_problems
from workbench.rows import ROW_ID
from workbench.specs import TemplateSpec
from workbench.ui.context_warning import context_warning
from workbench.ui.template_editor import (
    UPLOAD, UPLOAD_MESSAGE, PageContext, cached_preview, cached_tokenizer, put_template,
)

MAX_UPLOAD_BYTES = 200_000


# --- YAML ----------------------------------------------------------------------------------------


def yaml_section(info: DatasetInfo, template: TemplateSpec | None) -> None:
    with st.expander("Template as YAML: download or upload"):
        if template is not None:
            text = template_to_yaml(template)
            st.code(text, language="yaml")
            st.download_button(
                "Download YAML", text, file_name=f"{info.name}-{template.serializer}-template.yaml",
                mime="application/x-yaml", key="pt_download",
            )
        else:
            st.caption("Fix the template's problems to download it.")
        st.file_uploader(
            "Upload a template (YAML)", type=["yaml", "yml"], key=UPLOAD,
            on_change=_on_upload, args=(info,),
            help="A template file, or a run spec whose `template:` section is used.",
        )
    message = st.session_state.get(UPLOAD_MESSAGE)
    if message:
        kind, text = message
        (st.success if kind == "success" else st.error)(text)


def uploaded_template(data: bytes, filename: str, info: DatasetInfo) -> TemplateSpec:
    """A template from uploaded bytes, checked to fit `info`; TemplateError says what is wrong."""
    source = f"`{filename}`"
    if len(data) > MAX_UPLOAD_BYTES:
        raise TemplateError(f"{source} is {len(data):,} bytes: too large for a template.")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise TemplateError(f"{source} is not a UTF-8 text file.") from None
    template = template_from_yaml(text, source=source)
    problems = answer_problems(template, info) + feature_problems(template, info)
    if problems:
        listed = " ".join(problem.message for problem in problems)
        raise TemplateError(f"{source} does not fit {info.title}: {listed}")
    return template


def _on_upload(info: DatasetInfo) -> None:
    uploaded = st.session_state.get(UPLOAD)
    if uploaded is None:
        st.session_state[UPLOAD_MESSAGE] = None
        return
    try:
        template = uploaded_template(uploaded.getvalue(), uploaded.name, info)
    except TemplateError as error:
        st.session_state[UPLOAD_MESSAGE] = ("error", str(error))
        return
    put_template(template, info)
    st.session_state[UPLOAD_MESSAGE] = ("success", f"Loaded the template from `{uploaded.name}`.")


# --- preview -------------------------------------------------------------------------------------


def preview_section(context: PageContext) -> None:
    st.markdown("#### Preview")
    if context.template is None:
        st.info("Fix the template's problems (on the left) to see its prompts.")
        return
    try:
        with st.spinner("Loading the tokenizer ..."):
            tokenizer = cached_tokenizer(context.model_name)
        preview = cached_preview(
            context.template.model_dump_json(), context.data.model_dump_json(),
            context.model_name, context.template, context.rows, tokenizer,
        )
    except WorkbenchError as error:
        st.error(str(error))
        return
    except Exception as error:  # noqa: BLE001 - the page must never show a traceback
        st.error(f"The preview failed: {type(error).__name__}: {error}")
        return
    _token_metrics(preview, context)
    context_warning(preview.tokens.max, context.model_name)
    _answer_table(preview)
    for position, (prompt, label) in enumerate(preview.examples):
        row_id = context.rows.test[ROW_ID].iloc[position]
        st.markdown(f"**Test row {row_id}** · true label: `{label}`")
        st.code(prompt, language=None, wrap_lines=True)


def _token_metrics(preview: PromptPreview, context: PageContext) -> None:
    left, middle, right = st.columns(3)
    left.metric("Mean tokens", f"{preview.tokens.mean:.1f}", border=True)
    middle.metric("Max tokens", f"{preview.tokens.max:,}", border=True)
    right.metric("Shots", preview.shots, border=True)
    title = get_model_info(context.model_name).title
    st.caption(
        f"Tokens per prompt over {preview.tokens.rows} of the test rows, with {title}'s "
        "tokenizer: longer prompts score more slowly. In the tokens below, Ġ or ▁ marks a space."
    )


def _answer_table(preview: PromptPreview) -> None:
    if preview.answer_problem:
        st.error(preview.answer_problem)
        return
    table = pd.DataFrame(
        {
            "class": [answer.class_name for answer in preview.answers],
            "answer word": [repr(answer.word) for answer in preview.answers],
            "token ids": [", ".join(map(str, answer.ids)) for answer in preview.answers],
            "tokens": [" ".join(answer.pieces) for answer in preview.answers],
        }
    )
    st.dataframe(table, hide_index=True)
    for answer in preview.answers:
        if answer.multi_token:
            st.warning(
                f"The answer {answer.word!r} is {len(answer.ids)} tokens: its probability is the "
                "product of theirs, which favours shorter answers; one-token words compare best.",
                icon="ℹ️",
            )
