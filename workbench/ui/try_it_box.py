"""Training page, "Try it": one prompt, a test row or typed text, scored by the base model and by
a run's fine-tuned model side by side (workbench.experiments.try_it).

The fine-tuned model is a copy of its own, cached for one run at a time; the base is the shared
cached model unless the run's adapter can be switched off to give it.
"""

from __future__ import annotations

import streamlit as st

from workbench.experiments.try_it import TryResult, TunedModel, load_tuned, row_prompt, try_prompt
from workbench.prompts import PromptBuilder
from workbench.specs import FinetuneSpec
from workbench.store import RunRecord
from workbench.ui.messages import problems_shown
from workbench.ui.state import cached_model
from workbench.ui.template_editor import cached_tokenizer, rows_for
from workbench.ui.chart_style import PLOTLY_CONFIG
from workbench.ui.training_charts import try_figure

MODES = {"row": "A test row", "text": "Your own text"}
_RESULT = "tr_try_result"  # (run id, TryResult)


@st.cache_resource(max_entries=1, show_spinner=False)
def cached_tuned(run_id: str, _record: RunRecord) -> TunedModel:
    return load_tuned(_record)


def try_it_box(record: RunRecord) -> None:
    st.markdown("#### Try it")
    st.caption(
        "Score one prompt with the base model and with this run's fine-tuned model: the "
        "probability of each class, side by side."
    )
    spec = rows = builder = None
    with problems_shown("Cannot write this run's prompts"):
        spec = FinetuneSpec.model_validate(record.spec)
        rows = rows_for(spec.data)
        if rows is not None:
            tokenizer = cached_tokenizer(spec.model.name)
            builder = PromptBuilder(spec.template, rows.info, tokenizer=tokenizer, train=rows.train)
    if builder is None:
        return
    left, right = st.columns([3, 2])
    mode = left.radio("Score", list(MODES), format_func=MODES.__getitem__, horizontal=True,
                      key=f"tr_try_mode_{record.id}")
    label = row_id = None
    if mode == "row":
        position = right.number_input(
            f"Test row (0 to {len(rows.test) - 1})", min_value=0, max_value=len(rows.test) - 1,
            step=1, key=f"tr_try_row_{record.id}",
        )
        prompt, label, row_id = row_prompt(rows, builder, int(position))
        st.caption(f"Row {row_id} of the data set · true class: **{label}**")
        st.code(prompt, language=None, wrap_lines=True)
    else:
        text_key = f"tr_try_text_{record.id}"
        st.session_state.setdefault(text_key, row_prompt(rows, builder, 0)[0])
        prompt = st.text_area("Prompt (ends where the answer word would follow)", key=text_key,
                              height=220)
    if st.button("Score with both models", key=f"tr_try_go_{record.id}", icon="🔎"):
        result = _score(record, spec, prompt, label, row_id)
        if result is not None:
            st.session_state[_RESULT] = (record.id, result)
    kept = st.session_state.get(_RESULT)
    if kept and kept[0] == record.id:
        show_result(kept[1])


def _score(record: RunRecord, spec: FinetuneSpec, prompt: str, label, row_id) -> TryResult | None:
    result = None
    with problems_shown("Could not score the prompt"):
        with st.spinner("Loading the fine-tuned model (once per run) ..."):
            tuned = cached_tuned(record.id, record)
            base = None if tuned.base_inside else cached_model(spec.model.name)
        with st.spinner("Scoring ..."):
            result = try_prompt(tuned, prompt, base, true_label=label, row_id=row_id)
    return result


def show_result(result: TryResult) -> None:
    left, right = st.columns([2, 3])
    with left:
        st.metric("Base model says", f"{result.base_choice} ({result.base.max():.2f})", border=True)
        st.metric("Fine-tuned says", f"{result.tuned_choice} ({result.tuned.max():.2f})", border=True)
        if result.true_label is not None:
            verdict = "right" if result.tuned_choice == result.true_label else "wrong"
            st.caption(f"True class: **{result.true_label}**: the fine-tuned model is {verdict}.")
    right.plotly_chart(try_figure(result.table(), result.true_label), key="tr_try_chart",
                       config=PLOTLY_CONFIG)
    with st.expander("The probabilities as numbers"):
        st.dataframe(
            result.table(), hide_index=True,
            column_config={
                "base model": st.column_config.NumberColumn(format="%.4f"),
                "fine-tuned": st.column_config.NumberColumn(format="%.4f"),
            },
        )
