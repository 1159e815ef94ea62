"""How to run a spec again without the app: the spec as YAML to download, and the commands that
run it as a plain CLI run, under torchrun and under accelerate launch (workbench.reproduce)."""

from __future__ import annotations

import streamlit as st
import yaml

from workbench.errors import WorkbenchError
from workbench.reproduce import reproduce_commands, spec_file_name
from workbench.specs import AnySpec, parse_spec, spec_to_yaml
from workbench.store import RunRecord

PROCESSES = 2  # shown in the commands; the caption says to put the number of GPUs there
LAUNCHERS = {
    "CLI": "One process, on this machine's GPU or CPU:",
    "torchrun": f"One process per GPU (DDP; {PROCESSES} here: put your number of GPUs); rank 0 "
                "alone writes the results:",
    "accelerate": "The same through accelerate (`assets/accelerate/` also has FSDP and DeepSpeed "
                  "configs):",
}


def stored_spec(record: RunRecord) -> AnySpec | None:
    """The run's spec, or None (with the reason and the raw YAML shown) when it no longer
    validates, e.g. one written by an older workbench."""
    try:
        return parse_spec(record.spec)
    except WorkbenchError as error:
        st.warning(f"This run's spec no longer validates, so it cannot run again as it is: {error}",
                   icon="⚠️")
        st.code(yaml.safe_dump(record.spec, sort_keys=False, allow_unicode=True), language="yaml")
        return None


def reproduce_box(spec: AnySpec, key: str, run_id: str | None = None) -> None:
    """The commands, the YAML and its download button; `key` keeps the widgets apart."""
    file_name = spec_file_name(spec, run_id)
    commands = reproduce_commands(file_name, processes=PROCESSES)
    for launcher, caption in LAUNCHERS.items():
        st.caption(caption)
        st.code(commands[launcher], language="bash")
    st.caption(f"Saved as `{file_name}` beside the workbench's folder (`--force` runs it even when "
               "the store already holds its results; without it the stored run answers at once):")
    text = spec_to_yaml(spec)
    st.code(text, language="yaml")
    st.download_button(f"Download {file_name}", text, file_name=file_name,
                       mime="application/x-yaml", key=f"{key}_download", icon="⬇️")
