"""Training page, the form: data set and rows, template, method with only its own options, and the
optimisation settings in an "Advanced" expander; a preset fills it all. The form's values become a
FinetuneSpec through pydantic (workbench.specs.parse_spec) and are checked against the data and
the model (workbench.training.checks); every problem is a message on the page.

Built from the spec and the methods' registry: the methods, their titles, summaries and options
are the entries of workbench.tuners; each TrainingSpec field's widget takes its label, help,
bounds and step from the field itself (workbench.ui.fields). Only the layout is written here.

Widget state as on the Prompt templates page (template_editor.py): values are seeded into
st.session_state before the widgets are drawn, widgets get no default argument, and
persist_state="session" keeps the values of widgets not drawn in a run (another method's options).

Over 400 lines as one idea: the one form, whose widgets seed and read each other's state.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import streamlit as st

from workbench.data import get_info
from workbench.data.registry import DatasetInfo
from workbench.errors import WorkbenchError
from workbench.experiments.compare import page_data_spec
from workbench.models import get_model_info
from workbench.prompts import PromptBuilder, TemplateError, builtin_templates, default_template
from workbench.rows import PreparedRows
from workbench.specs import (
    DataSpec, FinetuneSpec, SpecError, TemplateSpec, TrainingSpec, parse_spec,
)
from workbench.training.checks import SplitSizes, spec_problems
from workbench.training.meta import model_shape, target_module_choices
from workbench.training.method_options import (
    ALPACA_OPTIONS, method_fields, shown_options, uses_objective,
)
from workbench.training.presets import DEFAULT_PRESET, PRESETS, apply_preset, recipe_template
from workbench.tuners import TUNERS
from workbench.ui import template_editor as te
from workbench.ui.fields import field_form, field_widget
from workbench.ui.messages import problems_shown
from workbench.ui.state import current_model_name

KEEP = "session"
FROM_PROMPT_PAGE = "prompt-page"  # the template as edited on the Prompt templates page
RECIPE = "recipe"  # the template of the data set's measured recipe (presets.RECIPE_SPECS)
UPLOADED = "uploaded"

TRAINING_DATASET = "california-housing"  # the presets' rows and times are California's

# Widget keys; each TrainingSpec field in TRAINING_WIDGETS is edited by the widget `tr_<field>`,
# target_modules by two of its own (TARGETS, CUSTOM_TARGETS).
PRESET = "tr_preset"
DATASET = "tr_dataset"
N_TRAIN = "tr_n_train"
N_TEST = "tr_n_test"
TEMPLATE = "tr_template"
UPLOAD = "tr_template_upload"
NAME = "tr_name"
TARGETS = "tr_target_modules"
CUSTOM_TARGETS = "tr_custom_modules"
TRAINING_WIDGETS = tuple(name for name in TrainingSpec.model_fields if name != "target_modules")
# Fields only some methods read: left at their defaults when the method does not show them.
METHOD_FIELDS = method_fields()
# The "Advanced" expander, row by row (NAME: the run's name, not a training field).
ADVANCED_ROWS = (
    ("epochs", "max_steps", "learning_rate"),
    ("lr_scheduler", "warmup_ratio", "weight_decay"),
    ("batch_size", "gradient_accumulation", "max_length"),
    ("eval_every", "val_rows", "early_stopping_patience"),
    ("seed", "precision", NAME),
    ("gradient_checkpointing", "group_by_length"),
)

# Plain session keys.
_READY = "tr_ready"
_LOADED_FOR = "tr_loaded_for"  # the data set whose template choices the state holds
_TARGETS_FOR = "tr_targets_for"  # the model whose layer names the target list holds
_UPLOADED = "tr_uploaded"  # (file name, template as a dict) or None
_UPLOAD_ERROR = "tr_upload_error"
_FIT_ROWS = "tr_fit_rows"  # a preset or a new data set: fit the row counts to the split


@dataclass
class TrainingForm:
    """What the form gives the rest of the page."""

    info: DatasetInfo
    spec: FinetuneSpec | None  # None while a problem blocks the run
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rows: PreparedRows | None = None  # the whole split (before n_train / n_test)


def key(name: str) -> str:
    return f"tr_{name}"


# --- state <-> spec ------------------------------------------------------------------------------


def put_training(training: TrainingSpec, model_name: str) -> None:
    state = st.session_state
    for name in TRAINING_WIDGETS:
        state[key(name)] = getattr(training, name)
    state[key("prompt_init_text")] = training.prompt_init_text or ""
    put_targets(training.target_modules, model_name)


def put_targets(targets: list[str] | None, model_name: str) -> None:
    names, defaults = _layer_names(model_name)
    chosen = list(defaults) if targets is None else [name for name in targets if name in names]
    st.session_state[TARGETS] = chosen
    st.session_state[CUSTOM_TARGETS] = ", ".join(name for name in targets or [] if name not in names)
    st.session_state[_TARGETS_FOR] = model_name


def put_sizes(data: DataSpec) -> None:
    st.session_state[N_TRAIN] = data.n_train
    st.session_state[N_TEST] = data.n_test


def _on_preset() -> None:
    spec = apply_preset(FinetuneSpec(), st.session_state[PRESET])
    put_sizes(spec.data)
    put_training(spec.training, current_model_name())
    st.session_state[_FIT_ROWS] = True


def _first_visit() -> None:
    state = st.session_state
    state[PRESET] = DEFAULT_PRESET
    state[DATASET] = TRAINING_DATASET
    state[NAME] = ""
    _on_preset()
    state[_READY] = True


def custom_targets(text: str) -> list[str]:
    return [name.strip() for name in text.replace("\n", ",").split(",") if name.strip()]


def training_data(model_name: str) -> dict:
    """The training widgets as TrainingSpec fields; options the chosen method does not read keep
    their defaults, so they never change the run's cache key."""
    state = st.session_state
    method, objective = state[key("method")], state[key("objective")]
    shown = shown_options(method, objective)
    data = {
        name: state[key(name)] for name in TRAINING_WIDGETS
        if name not in METHOD_FIELDS or name in shown
    }
    if "prompt_init_text" in data:
        data["prompt_init_text"] = data["prompt_init_text"].strip() or None
    if "target_modules" in shown:
        _, defaults = _layer_names(model_name)
        extra = custom_targets(state[CUSTOM_TARGETS])
        chosen = list(state[TARGETS]) + [name for name in extra if name not in state[TARGETS]]
        unchanged = not extra and sorted(chosen) == sorted(defaults)
        data["target_modules"] = None if unchanged else chosen
    return data


def run_name(info: DatasetInfo, spec_data: dict) -> str:
    typed = st.session_state[NAME].strip()
    if typed:
        return typed
    rows = spec_data["data"].get("n_train")
    sized = f"{rows:,} rows" if rows else "all rows"
    return f"{info.title} · {TUNERS[spec_data['training']['method']].title} · {sized}"


# --- cached facts --------------------------------------------------------------------------------


def _layer_names(model_name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(Linear layer names, default LoRA targets); empty when the model cannot be read."""
    try:
        return target_module_choices(model_name)
    except Exception:  # noqa: BLE001 - checked_spec says why
        return (), ()


def split_spec(dataset: str) -> DataSpec:
    """The data set's split protocol, as on the Prompt templates page (shares its row cache)."""
    return page_data_spec(dataset, None)


# --- sections ------------------------------------------------------------------------------------


def preset_section() -> None:
    st.selectbox(
        "Preset", list(PRESETS), key=PRESET, on_change=_on_preset, persist_state=KEEP,
        help="Fills the rows, the method and the settings below; the data set, the template "
        "and the model stay. Change anything afterwards.",
    )
    st.caption(PRESETS[st.session_state[PRESET]].description
               + " Its time on this machine is in the estimate under \"Before you launch\".")


def _fit_rows(rows: PreparedRows) -> None:
    """After a preset or a new data set: row counts the split has (typed ones are checked)."""
    if not st.session_state.pop(_FIT_ROWS, False):
        return
    for widget, available in ((N_TRAIN, len(rows.train)), (N_TEST, len(rows.test))):
        asked = st.session_state.get(widget)
        if asked is not None and asked > available:
            st.session_state[widget] = available


def _on_dataset() -> None:
    st.session_state[_FIT_ROWS] = True


def data_section() -> tuple[DatasetInfo, PreparedRows | None]:
    left, middle, right = st.columns([3, 1.2, 1.2])
    name, _ = te.pick_dataset(
        left, DATASET, TRAINING_DATASET, on_change=_on_dataset,
        help="The tabular, text and recommendation-question data sets that work offline.",
    )
    info = get_info(name)
    data = split_spec(name)
    rows = te.rows_for(data)
    if rows is not None:
        _fit_rows(rows)
    middle.number_input(
        "Training rows", min_value=1, max_value=10_000_000, step=64, key=N_TRAIN,
        persist_state=KEEP, value=None, placeholder="all",
        help="A seeded random sample of the training split. Empty: all of it.",
    )
    right.number_input(
        "Test rows", min_value=1, max_value=10_000_000, step=100, key=N_TEST, persist_state=KEEP,
        value=None, placeholder="all",
        help="Scored after training: the first of the shuffled test split, the same rows as "
        "the other runs on the Results page.",
    )
    if rows is not None:
        st.caption(split_caption(data, rows))
    return info, rows


def split_caption(data: DataSpec, rows: PreparedRows) -> str:
    stratified = "stratified" if data.stratify else "not stratified"
    return (
        f"Split (seed {data.split_seed}, {data.test_fraction:.0%} test, "
        f"{data.val_fraction:.0%} validation, {stratified}): {len(rows.train):,} training, "
        f"{len(rows.val):,} validation and {len(rows.test):,} test rows. Validation rows "
        "(up to 200) give the AUC during training."
    )


def recipe_summary(template: TemplateSpec) -> str:
    """'list, readable names, levels only': how the recipe writes a row."""
    parts = [template.serializer]
    if template.readable_names:
        parts.append("readable names")
    if template.number_levels:
        parts.append("levels only" if template.levels_only else "numbers with their levels")
    return ", ".join(parts)


def _template_choices(info: DatasetInfo) -> dict[str, tuple[str, TemplateSpec | None]]:
    """{choice: (label, template or None when it has a problem)}; the first is the default."""
    choices = {}
    recipe = recipe_template(info.name)
    if recipe is not None:
        file_name, template = recipe
        choices[RECIPE] = (f"recipe: {recipe_summary(template)} ({file_name})", template)
    choices |= {
        name: (te.BUILTIN_LABELS.get(name, name), template)
        for name, template in builtin_templates(info).items()
    }
    if te.editor_holds(info):
        template, _ = te.checked_template(info, None)
        choices[FROM_PROMPT_PAGE] = ("yours, as edited on the Prompt templates page", template)
    uploaded = st.session_state.get(_UPLOADED)
    if uploaded and uploaded[0] == info.name:
        choices[UPLOADED] = (f"uploaded: {uploaded[1]}", TemplateSpec.model_validate(uploaded[2]))
    return choices


def _on_upload(info: DatasetInfo) -> None:
    file = st.session_state.get(UPLOAD)
    st.session_state[_UPLOAD_ERROR] = None
    if file is None:
        return
    try:
        template = te.uploaded_template(file.getvalue(), file.name, info)
    except TemplateError as error:
        st.session_state[_UPLOAD_ERROR] = str(error)
        return
    st.session_state[_UPLOADED] = (info.name, file.name, template.model_dump(mode="json"))
    st.session_state[TEMPLATE] = UPLOADED


def template_section(
    info: DatasetInfo, rows: PreparedRows | None, model_name: str, errors: list[str]
) -> TemplateSpec | None:
    choices = _template_choices(info)
    if st.session_state.get(_LOADED_FOR) != info.name:
        st.session_state[TEMPLATE] = next(iter(choices))
        st.session_state[_LOADED_FOR] = info.name
    if st.session_state.get(TEMPLATE) not in choices:
        st.session_state[TEMPLATE] = next(iter(choices))
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    choice = left.selectbox(
        "Template", list(choices), key=TEMPLATE, persist_state=KEEP,
        format_func=lambda option: choices[option][0],
        help="How a row becomes a prompt: the one the data set's fine-tuning recipe was "
        "measured with (where it has one), the built-in ones, yours as edited on the Prompt "
        "templates page, or an uploaded file.",
    )
    with right.popover("Upload", width="stretch", help="Use a template file (YAML)."):
        st.file_uploader(
            "Template file (YAML)", type=["yaml", "yml"], key=UPLOAD, on_change=_on_upload,
            args=(info,), help="A template downloaded from the Prompt templates page, or a run "
            "spec whose `template:` section is used.",
        )
    if st.session_state.get(_UPLOAD_ERROR):
        st.error(st.session_state[_UPLOAD_ERROR])
    template = choices[choice][1]
    if template is None:
        errors.append(
            "Template: the one on the Prompt templates page has a problem; fix it there or pick "
            "another template."
        )
    elif rows is not None and len(rows.train):
        _example_prompt(template, rows, model_name)
    return template


def _example_prompt(template: TemplateSpec, rows: PreparedRows, model_name: str) -> None:
    """The first training row as the model will see it, with the answer it learns."""
    with st.expander("Example: a training row as the model sees it"):
        with problems_shown("Cannot write this template's prompts"):
            tokenizer = te.cached_tokenizer(model_name)
            builder = PromptBuilder(template, rows.info, tokenizer=tokenizer, train=rows.train)
            row = rows.train.iloc[0]
            answer = template.answers[str(row[rows.info.label_column])]
            st.code(builder.prompt(row.to_dict()), language=None, wrap_lines=True)
            st.caption(f"Target: the answer word **{answer.strip()}** (class "
                       f"`{row[rows.info.label_column]}`), right after the prompt.")


def training_widget(container, name: str) -> None:
    """A TrainingSpec field's widget, as the field describes it."""
    field_widget(container, TrainingSpec, name, key(name), persist_state=KEEP)


def method_section(model_name: str) -> None:
    field_widget(st, TrainingSpec, "method", key("method"), persist_state=KEEP,
                 format_func=lambda name: TUNERS[name].title)
    method = st.session_state[key("method")]
    st.caption(TUNERS[method].summary)
    _method_options(TUNERS[method].options, model_name)
    if uses_objective(method):
        _objective_options(shown_options(method, st.session_state[key("objective")]))


def _method_options(options: tuple[str, ...], model_name: str) -> None:
    """The method's own options: its numbers side by side, then the others one per line."""
    numbers = [name for name in options if name != "target_modules"
               and field_form(TrainingSpec, name).kind == "number"]
    if len(numbers) > 1:
        for column, name in zip(st.columns(len(numbers)), numbers):
            training_widget(column, name)
    for name in options:
        if name == "target_modules":
            _target_modules(model_name)
        elif name not in numbers or len(numbers) == 1:
            training_widget(st, name)


def _target_modules(model_name: str) -> None:
    """The model's Linear layers to pick from, and names typed in for layers it does not offer."""
    names, defaults = _layer_names(model_name)
    if st.session_state.get(_TARGETS_FOR) != model_name:
        put_targets(None, model_name)
    st.session_state[TARGETS] = [name for name in st.session_state[TARGETS] if name in names]
    form = field_form(TrainingSpec, "target_modules")
    st.multiselect(
        form.label, names, key=TARGETS, persist_state=KEEP,
        help=f"{form.help} Default for this architecture: {', '.join(defaults)}.",
    )
    st.text_input(
        "Custom module names (advanced)", key=CUSTOM_TARGETS, persist_state=KEEP,
        placeholder="comma-separated, e.g. q_proj, v_proj",
        help="Names added to the list above, for layers it does not offer.",
    )


def _objective_options(options: set[str]) -> None:
    training_widget(st, "objective")
    alpaca = [name for name in ALPACA_OPTIONS if name in options]
    if alpaca:
        for column, name in zip(st.columns(len(alpaca)), alpaca):
            training_widget(column, name)


def advanced_section() -> None:
    with st.expander("Advanced: optimisation settings"):
        for names in ADVANCED_ROWS:
            widths = [1, 1, 2] if NAME in names else len(names)
            for column, name in zip(st.columns(widths), names):
                if name == NAME:
                    column.text_input("Run name", key=NAME, persist_state=KEEP,
                                      placeholder="automatic: data set · method · rows")
                else:
                    training_widget(column, name)


# --- the form ------------------------------------------------------------------------------------


def training_form() -> TrainingForm:
    model_name = current_model_name()
    if not st.session_state.get(_READY):
        with st.spinner("Reading the model's layers ..."):
            _first_visit()
    preset_section()
    st.markdown("#### Data")
    info, rows = data_section()
    form = TrainingForm(info=info, spec=None, rows=rows)
    st.markdown("#### Prompt")
    template = template_section(info, rows, model_name, form.errors)
    title = get_model_info(model_name).title
    st.markdown("#### Method")
    st.caption(f"Model: **{title}**, the one picked in the sidebar.")
    method_section(model_name)
    advanced_section()
    if rows is None:
        form.errors.append(f"{info.title} could not be loaded (see above).")
        return form
    # Without a usable template the other settings are still checked, with the default one.
    spec = checked_spec(form, info, template or default_template(info), model_name)
    form.spec = spec if template is not None else None
    return form


def checked_spec(
    form: TrainingForm, info: DatasetInfo, template: TemplateSpec, model_name: str
) -> FinetuneSpec | None:
    data = {
        "kind": "finetune",
        "data": {**split_spec(info.name).model_dump(mode="json"),
                 "n_train": st.session_state[N_TRAIN], "n_test": st.session_state[N_TEST]},
        "model": {"name": model_name},
        "template": template.model_dump(mode="json"),
        "training": training_data(model_name),
    }
    data["name"] = run_name(info, data)
    try:
        spec = parse_spec(data)
    except SpecError as error:
        form.errors.append(str(error))
        return None
    try:
        names, _ = target_module_choices(model_name)
        layers = model_shape(model_name, TrainingSpec(method="full")).layers  # any method's
    except WorkbenchError as error:
        form.errors.append(str(error))
        return None
    except Exception as error:  # noqa: BLE001 - an architecture transformers cannot build
        form.errors.append(f"Cannot read the layers of {model_name}: {type(error).__name__}: {error}")
        return None
    rows = form.rows
    split = SplitSizes(len(rows.train), len(rows.val), len(rows.test))
    for problem in spec_problems(spec, split, info.title, list(names), layers):
        (form.errors if problem.blocking else form.warnings).append(problem.message)
    return None if form.errors else spec
