"""Forgetting page, the form: a preset (the example specs), the tasks in order, the setting, the
methods to compare and their settings, turned into a ForgettingSpec through pydantic.

Widget values live in st.session_state under `fg_*` keys; choosing a preset writes its values
there, so every field stays editable after it. The settings' boxes take their bounds, steps and
help from the spec's fields (workbench.ui.fields); the labels say which method each one is for."""

from __future__ import annotations

from dataclasses import dataclass, field

import streamlit as st

from workbench.data import get_info, list_datasets
from workbench.forgetting.labels import (
    METHOD_EXPLANATIONS, METHOD_TITLES, SETTING_EXPLANATIONS, SETTING_TITLES,
)
from workbench.forgetting.presets import forgetting_presets, preset_description
from workbench.specs import (
    FORGETTING_METHODS, DataSpec, ForgettingSpec, ForgettingTask, LambdaSweep, SpecError, TrainingSpec,
    example_split, parse_spec,
)
from workbench.ui.dataset_names import picker_label, show_kept_problem, split_statement, yours_first
from workbench.ui.fields import field_form, field_widget
from workbench.ui.state import current_model_name

PRESET = "fg_preset"
_LOADED = "fg_loaded_preset"
_TASK_SPECS = "fg_task_specs"  # the preset's tasks: their templates and split settings
_TRAINING = "fg_training"  # the preset's training settings the form does not show
MAX_TASKS = 4


@dataclass
class ForgettingForm:
    spec: ForgettingSpec | None
    errors: list[str] = field(default_factory=list)


def _choosable_datasets() -> list[str]:
    """Data sets a task can use, yours first (not the ones that need a file chosen)."""
    return [info.name for info in yours_first(list_datasets()) if not info.needs_file]


def _task_label(name: str) -> str:
    info = get_info(name)
    return picker_label(info, f"{name}{'' if info.offline else ' (hub)'}")


def load_preset(spec: ForgettingSpec) -> None:
    """Write a preset's values into the widgets' state."""
    state = st.session_state
    state["fg_task_count"] = len(spec.tasks)
    state[_TASK_SPECS] = [task.model_dump() for task in spec.tasks]
    state[_TRAINING] = spec.training.model_dump()
    for index, task in enumerate(spec.tasks):
        state[f"fg_dataset_{index}"] = task.data.dataset
        state[f"fg_classes_{index}"] = list(task.classes or [])
        state[f"fg_train_{index}"] = task.data.n_train or 128
        state[f"fg_test_{index}"] = task.data.n_test or 100
        state[f"fg_lr_factor_{index}"] = float(task.learning_rate_factor)
    training = spec.training
    sweep_base = spec.ewc_lambda or ForgettingSpec.model_fields["ewc_lambda"].default
    state.update({
        "fg_setting": spec.setting, "fg_methods": list(spec.methods),
        "fg_epochs": float(training.epochs), "fg_batch": training.batch_size,
        "fg_lr_full": training.learning_rate,
        "fg_lr_lora": spec.learning_rate("lora"), "fg_lr_last": spec.learning_rate("last_layers"),
        "fg_last_k": training.last_k, "fg_lora_r": training.lora_r,
        "fg_lr_head": float(spec.head_learning_rate or training.learning_rate),
        "fg_replay": float(spec.replay_fraction), "fg_lambda": float(spec.ewc_lambda),
        "fg_sweep": spec.ewc_sweep is not None,
        # A sweep around the spec's lambda: its useful range depends on the Fisher's scale.
        "fg_sweep_low": float(spec.ewc_sweep.low if spec.ewc_sweep else sweep_base / 100),
        "fg_sweep_high": float(spec.ewc_sweep.high if spec.ewc_sweep else min(sweep_base * 10, 1e12)),
        "fg_sweep_count": spec.ewc_sweep.count if spec.ewc_sweep else 5,
        "fg_fisher_rows": spec.fisher_rows, "fg_curve_every": spec.curve_every,
        "fg_curve_rows": spec.curve_rows, "fg_probe": spec.probe_texts,
    })
    state[_LOADED] = state.get(PRESET)


def _on_preset() -> None:
    presets = forgetting_presets()
    chosen = presets.get(st.session_state.get(PRESET))
    if chosen is not None:
        load_preset(chosen)


def preset_picker() -> None:
    presets = forgetting_presets()
    if not presets:
        st.error("No forgetting presets found in assets/specs (forgetting-*.yaml).")
        return
    titles = list(presets)
    if st.session_state.get(PRESET) not in titles:
        st.session_state[PRESET] = titles[0]
    st.selectbox("Preset", titles, key=PRESET, on_change=_on_preset,
                 help="The example specs in assets/specs/forgetting-*.yaml; every field below "
                      "stays editable.")
    if st.session_state.get(_LOADED) != st.session_state[PRESET] or "fg_task_count" not in st.session_state:
        load_preset(presets[st.session_state[PRESET]])
    description = preset_description(st.session_state[PRESET])
    if description:
        st.caption(description)


# --- the tasks -----------------------------------------------------------------------------------


def _preset_task(index: int, dataset: str) -> dict | None:
    """The preset's task at this place, if the user kept its data set: its name, template and
    split settings still apply."""
    preset_tasks = st.session_state.get(_TASK_SPECS) or []
    preset = preset_tasks[index] if index < len(preset_tasks) else None
    return preset if preset and preset["data"]["dataset"] == dataset else None


def _task_data(index: int, dataset: str) -> dict:
    """The preset's data settings when the task keeps the preset's data set, the data set's own
    split protocol otherwise; the row counts from the form."""
    preset = _preset_task(index, dataset)
    data = dict(preset["data"]) if preset else {"dataset": dataset, **example_split(dataset)}
    data.update(n_train=int(st.session_state[f"fg_train_{index}"]),
                n_test=int(st.session_state[f"fg_test_{index}"]))
    return data


def task_inputs(index: int, datasets: list[str]) -> dict:
    letter = "ABCDEFGH"[index]
    key = f"fg_dataset_{index}"
    if st.session_state.get(key) not in datasets:
        st.session_state[key] = datasets[min(index, len(datasets) - 1)]
    first, second, third, fourth = st.columns([5, 2, 2, 2])
    dataset = first.selectbox(
        f"Task {letter}", datasets, key=key,
        format_func=_task_label,
    )
    second.number_input("training rows", 8, 5000, step=8, key=f"fg_train_{index}",
                        help="rows this task trains on (a random sample of its training split)")
    third.number_input("test rows", 10, 5000, step=10, key=f"fg_test_{index}",
                       help="rows every evaluation of this task reads")
    field_widget(fourth, ForgettingTask, "learning_rate_factor", f"fg_lr_factor_{index}")
    info = get_info(dataset)
    show_kept_problem(dataset)
    try:
        st.caption(f"Task {letter}: {split_statement(DataSpec(**_task_data(index, dataset)))}")
    except ValueError:  # the form's checks below say what is wrong
        pass
    classes = None
    if len(info.classes) > 2:
        if not set(st.session_state.get(f"fg_classes_{index}") or []) <= set(info.classes):
            st.session_state[f"fg_classes_{index}"] = []
        chosen = st.multiselect(
            f"Classes of task {letter}", list(info.classes), key=f"fg_classes_{index}",
            help="keep only these classes' rows (the seed used AG News' Sci/Tech and Sports); "
                 "empty: all classes")
        classes = [name for name in info.classes if name in chosen] or None
    preset = _preset_task(index, dataset)
    return {"data": _task_data(index, dataset), "classes": classes,
            # None: the data set's name and default template
            "learning_rate_factor": float(st.session_state[f"fg_lr_factor_{index}"]),
            "name": preset.get("name") if preset else None,
            "template": preset.get("template") if preset else None}


def tasks_section() -> list[dict]:
    st.markdown("##### Tasks, in training order")
    st.number_input("Number of tasks", 2, MAX_TASKS, key="fg_task_count",
                    help="The model trains on task A, then B, ...; A is the one watched for forgetting.")
    datasets = _choosable_datasets()
    tasks = []
    for index in range(int(st.session_state["fg_task_count"])):
        for suffix, default in (("train", 128), ("test", 100), ("lr_factor", 1.0)):
            st.session_state.setdefault(f"fg_{suffix}_{index}", default)
        tasks.append(task_inputs(index, datasets))
    return tasks


# --- methods and settings ------------------------------------------------------------------------


def methods_section() -> None:
    st.markdown("##### Setting and methods")
    st.radio("Setting", list(SETTING_TITLES), key="fg_setting", horizontal=True,
             format_func=SETTING_TITLES.get,
             help=" ".join(f"{SETTING_TITLES[k]}: {v}" for k, v in SETTING_EXPLANATIONS.items()))
    st.multiselect(
        "Methods to compare", list(FORGETTING_METHODS), key="fg_methods",
        format_func=METHOD_TITLES.get,
        help="\n\n".join(f"**{METHOD_TITLES[m]}**: {METHOD_EXPLANATIONS[m]}" for m in FORGETTING_METHODS),
    )


def options_section() -> None:
    with st.expander("Training and method settings"):
        left, right = st.columns(2)
        field_widget(left, TrainingSpec, "epochs", "fg_epochs", label="Epochs per task")
        field_widget(right, TrainingSpec, "batch_size", "fg_batch")
        field_widget(left, TrainingSpec, "learning_rate", "fg_lr_full",
                     label="Learning rate, full fine-tuning", help="naive, replay, EWC and multi-task")
        field_widget(right, TrainingSpec, "learning_rate", "fg_lr_lora", label="Learning rate, LoRA")
        field_widget(left, TrainingSpec, "learning_rate", "fg_lr_last",
                     label="Learning rate, last layers")
        field_widget(right, TrainingSpec, "last_k", "fg_last_k", label="Last layers: blocks that train")
        field_widget(left, TrainingSpec, "lora_r", "fg_lora_r", label="LoRA rank")
        if st.session_state.get("fg_setting") == "class_incremental":
            field_widget(right, TrainingSpec, "learning_rate", "fg_lr_head",
                         label="Learning rate, the shared head", help="the classification layer "
                         "starts random and needs larger steps than the pretrained body")
        # ForgettingSpec's own fields: bounds from the spec; labels, help and the ranges of open
        # bounds here.
        replay = field_form(ForgettingSpec, "replay_fraction", low=0.05)
        right.slider("Replay: share of earlier rows", replay.low, replay.high, step=0.05,
                     key="fg_replay",
                     help="earlier tasks' rows mixed into each new task, as a share of its rows")
        field_widget(left, ForgettingSpec, "ewc_lambda", "fg_lambda", label="EWC lambda",
                     high=1e12, format="%g",
                     help="strength of the pull back to the earlier tasks' weights")
        field_widget(right, ForgettingSpec, "fisher_rows", "fg_fisher_rows",
                     label="EWC: rows for the Fisher")
        st.checkbox("Sweep EWC lambda on a log grid (one run per value)", key="fg_sweep")
        if st.session_state["fg_sweep"]:
            a, b, c = st.columns(3)
            field_widget(a, LambdaSweep, "low", "fg_sweep_low", label="from", low=1e-6, high=1e12,
                         format="%g")
            field_widget(b, LambdaSweep, "high", "fg_sweep_high", label="to", low=1e-6, high=1e12,
                         format="%g")
            field_widget(c, LambdaSweep, "count", "fg_sweep_count", label="values")
        left, right = st.columns(2)
        field_widget(left, ForgettingSpec, "curve_every", "fg_curve_every",
                     label="Evaluate task A every N steps")
        field_widget(right, ForgettingSpec, "curve_rows", "fg_curve_rows",
                     label="Task A rows for that curve")
        field_widget(st, ForgettingSpec, "probe_texts", "fg_probe",
                     label="Perplexity probe: held-out review texts (0: off)")


def spec_from_state(tasks: list[dict]) -> dict:
    state = st.session_state
    sweep = ({"low": state["fg_sweep_low"], "high": state["fg_sweep_high"],
              "count": int(state["fg_sweep_count"])} if state["fg_sweep"] else None)
    return {
        "kind": "forgetting",
        "name": state.get(PRESET),
        "tasks": tasks,
        "model": {"name": current_model_name()},
        "setting": state["fg_setting"],
        "methods": list(state["fg_methods"]),
        "training": {
            **state.get(_TRAINING, {}),
            "method": "full", "epochs": float(state["fg_epochs"]), "batch_size": int(state["fg_batch"]),
            "learning_rate": float(state["fg_lr_full"]), "last_k": int(state["fg_last_k"]),
            "lora_r": int(state["fg_lora_r"]), "lora_alpha": 2 * int(state["fg_lora_r"]),
        },
        "learning_rates": {"lora": float(state["fg_lr_lora"]),
                           "last_layers": float(state["fg_lr_last"])},
        "head_learning_rate": (float(state["fg_lr_head"])
                               if state["fg_setting"] == "class_incremental" else None),
        "replay_fraction": float(state["fg_replay"]),
        "ewc_lambda": float(state["fg_lambda"]),
        "ewc_sweep": sweep,
        "fisher_rows": int(state["fg_fisher_rows"]),
        "curve_every": int(state["fg_curve_every"]),
        "curve_rows": int(state["fg_curve_rows"]),
        "probe_texts": int(state["fg_probe"]),
    }


def forgetting_form() -> ForgettingForm:
    preset_picker()
    tasks = tasks_section()
    methods_section()
    options_section()
    if not st.session_state.get("fg_methods"):
        return ForgettingForm(None, ["Pick at least one method to compare."])
    try:
        return ForgettingForm(parse_spec(spec_from_state(tasks)))
    except SpecError as error:
        return ForgettingForm(None, [str(error)])

