"""Home page and entry point: `streamlit run app.py`."""

import streamlit as st

from workbench.errors import WorkbenchError
from workbench.models import generate_text
from workbench.ui.frame import APP_TITLE, page_frame
from workbench.ui.pages_index import PAGES
from workbench.ui.state import cached_model, current_model_name

page_frame("Home", "🏠")

st.title(APP_TITLE)
st.markdown(
    """
Fine-tune language models on table, text and recommendation data, and compare them on the same
split and the same metrics with zero-shot prompting and with classic baselines such as logistic
regression and XGBoost. Everything runs on a laptop CPU: a real pretrained model
(SmolLM2-135M-Instruct) and real data sets come embedded, and any Hugging Face model or data set
works too when the hub is reachable.

**Where to start:** open the **Data explorer** to look at California housing, the seed task
(is a block's house value above the median?), or upload your own table. Then fine-tune the model
on it on the **Training** page: its "Class demo" preset is the shortest run that visibly learns,
and the page measures how long it takes on this machine before you start.
The model used by every page is picked in the sidebar.
"""
)

st.subheader("Pages")
for page in PAGES[1:]:
    st.page_link(page.path, label=f"**{page.label}**: {page.purpose}", icon=page.icon)

st.subheader("Try the current model")
with st.form("try_model"):
    prompt = st.text_input("Prompt", value="The capital of France is", max_chars=500)
    new_tokens = st.slider("New tokens", 1, 40, 12)
    submitted = st.form_submit_button("Continue the prompt (greedy)")
if submitted:
    if not prompt.strip():
        st.warning("Type a prompt first.")
    else:
        name = current_model_name()
        try:
            with st.spinner(f"Loading {name} (the first time converts the embedded model) ..."):
                loaded = cached_model(name)
            with st.spinner("Generating ..."):
                continuation = generate_text(loaded, prompt, new_tokens)
        except WorkbenchError as error:
            st.error(str(error))
        else:
            st.markdown(f"**{prompt}**{continuation}")
            st.caption(
                f"{loaded.info.title} on {loaded.device} ({loaded.dtype}), "
                f"{loaded.parameters / 1e6:.1f}M parameters, loaded in {loaded.load_seconds:.1f} s."
            )
