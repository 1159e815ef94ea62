"""Prompt-template page, first half: the data set and the template editor (template_preview.py:
its YAML and the preview of its prompts; template_page.py: the page; template_runs.py: scoring).

Editor state: every widget value is seeded into `st.session_state` before the widget is drawn
(widgets never get a default argument), and widgets keep their value with
`persist_state="session"`: without it Streamlit drops the value of a widget that is not drawn in
a run (the Jinja box while another serializer is chosen, every widget after a visit to another
page) and a remounted widget comes back with the value first seeded, not the last edit.

Over 400 lines as one idea: the editor's widgets and the session state they are seeded from
belong together; split, each half would have to know the other's keys.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import streamlit as st
from pydantic import ValidationError

from workbench.data import get_info, list_datasets
from workbench.data.registry import DatasetInfo
from workbench.errors import WorkbenchError
from workbench.experiments import compare
from workbench.experiments.compare import PromptPreview
from workbench.models.tokenizer import preview_tokenizer
from workbench.prompts import builtin_templates, validate_template
from workbench.prompts.serializers import template_columns
from workbench.rows import PreparedRows, prepare_rows
from workbench.specs import DataSpec, TemplateSpec
from workbench.ui.dataset_names import picker_label, show_kept_problem, split_statement, yours_first

# The default model knows something about incomes zero-shot, so the wording visibly matters here
# (bench/templates.py: text 0.75 against table 0.54 AUC on 500 rows); on California every
# built-in template scores near chance.
DEFAULT_DATASET = "adult-income"
DEFAULT_ROWS = 200
PREVIEW_PROMPTS = 3
COUNTED_ROWS = 200  # token statistics are taken over this many of the scored rows
PAGE_KINDS = ("tabular", "text")
SERIALIZER_NAMES = ("list", "text", "values", "table", "json", "jinja")
WRAPPERS = ("none", "alpaca", "chat")

BUILTIN_LABELS = {
    "list": "list: one '- name: value' line per feature",
    "text": "text: one sentence per feature (TabLLM's best)",
    "values": "values: values only, no names",
    "table": "table: a one-row Markdown table",
    "json": "json: a JSON object",
    "jinja": "jinja: a hand-written text",
}

# Widget keys.
DATASET = "pt_dataset"
ROWS = "pt_rows"
BUILTIN = "pt_builtin"
SERIALIZER = "pt_serializer"
FEATURES = "pt_features"
READABLE = "pt_readable"
ROUNDING = "pt_rounding"
LEVELS = "pt_number_levels"
NUMBERS_PLAIN = "numbers: 8.33"
NUMBERS_WITH_LEVELS = "and levels: 8.33 (very high)"
NUMBERS_LEVELS_ONLY = "levels only: very high"
NUMBERS_CHOICES = (NUMBERS_PLAIN, NUMBERS_WITH_LEVELS, NUMBERS_LEVELS_ONLY)
JINJA = "pt_jinja"
QUESTION = "pt_question"
PREFIX = "pt_answer_prefix"
WRAPPER = "pt_wrapper"
INSTRUCTION = "pt_instruction"
SHOTS = "pt_shots"
SHOT_SEED = "pt_shot_seed"
COMPARE_NAMES = "pt_compare_names"
UPLOAD = "pt_upload"
ANSWER_KEY = "pt_class_answer_"  # + class position

KEEP = "session"  # persist_state of every widget on the page

# Plain session keys.
_LOADED_FOR = "pt_editor_dataset"
UPLOAD_MESSAGE = "pt_upload_message"

# Labels of template fields in messages, as the editor names them.
FIELD_LABELS = {
    "answers": "Answer words", "question": "Question", "jinja": "Jinja template",
    "features": "Features", "rounding": "Rounding", "shots": "Few-shot examples",
    "answer_prefix": "Answer prefix", "instruction": "Instruction", "shot_seed": "Shot seed",
}


@dataclass(frozen=True)
class PageContext:
    """The page's current choices, as the preview, scoring and comparing sections use them."""

    info: DatasetInfo
    data: DataSpec
    rows: PreparedRows
    builtins: dict[str, TemplateSpec]
    template: TemplateSpec | None  # None while the editor shows a problem
    model_name: str

    @property
    def n_rows(self) -> int:
        return len(self.rows.test)

    @property
    def method(self) -> str:
        shots = self.template.shots if self.template else 0
        return "zero-shot" if shots == 0 else f"{shots}-shot"


# --- cached resources ----------------------------------------------------------------------------


@st.cache_resource(max_entries=6, show_spinner=False)
def cached_rows(data_json: str) -> PreparedRows:
    """Split and sampled rows per DataSpec, shared read-only (errors are not cached)."""
    return prepare_rows(DataSpec.model_validate_json(data_json))


@st.cache_resource(max_entries=3, show_spinner=False)
def cached_tokenizer(model_name: str):
    """The preview's own tokenizer: never the one a background job scores with."""
    return preview_tokenizer(model_name)


# Two sessions' scripts run in two threads and share the cached tokenizer.
_TOKENIZER_LOCK = threading.Lock()


@st.cache_data(max_entries=64, show_spinner=False)
def cached_preview(
    template_json: str, data_json: str, model_name: str, _template: TemplateSpec,
    _rows: PreparedRows, _tokenizer: Any,
) -> PromptPreview:
    with _TOKENIZER_LOCK:
        return compare.preview_prompts(
            _template, _rows, _tokenizer, show=PREVIEW_PROMPTS, count=COUNTED_ROWS
        )


# --- widget state --------------------------------------------------------------------------------


def _answer_key(position: int) -> str:
    return f"{ANSWER_KEY}{position}"


def numbers_choice(template: TemplateSpec) -> str:
    if template.levels_only:
        return NUMBERS_LEVELS_ONLY
    return NUMBERS_WITH_LEVELS if template.number_levels else NUMBERS_PLAIN


def put_template(template: TemplateSpec, info: DatasetInfo) -> None:
    """Show `template` in the editor's widgets."""
    state = st.session_state
    state[SERIALIZER] = template.serializer
    features = template.features if template.features is not None else info.feature_names
    state[FEATURES] = list(features)
    state[READABLE] = template.readable_names
    state[ROUNDING] = template.rounding
    state[LEVELS] = numbers_choice(template)
    if template.jinja:
        state[JINJA] = template.jinja
    else:
        state.setdefault(JINJA, "")
    state[QUESTION] = template.question
    state[PREFIX] = template.answer_prefix
    for position, name in enumerate(info.classes):
        state[_answer_key(position)] = template.answers.get(name, "")
    state[WRAPPER] = template.wrapper
    state[INSTRUCTION] = template.instruction or ""
    state[SHOTS] = template.shots
    state[SHOT_SEED] = template.shot_seed


def _reset_for_dataset(info: DatasetInfo, test_rows: int) -> None:
    builtins = builtin_templates(info)
    first = next(iter(builtins))
    st.session_state[BUILTIN] = first
    st.session_state[JINJA] = builtins.get("jinja", builtins[first]).jinja or ""
    put_template(builtins[first], info)
    st.session_state[ROWS] = min(DEFAULT_ROWS, test_rows)
    st.session_state[COMPARE_NAMES] = compare.default_compare_names(builtins)
    st.session_state[UPLOAD_MESSAGE] = None
    st.session_state[_LOADED_FOR] = info.name


def _on_builtin(info: DatasetInfo) -> None:
    put_template(builtin_templates(info)[st.session_state[BUILTIN]], info)


def _on_serializer(info: DatasetInfo) -> None:
    """Choosing jinja with an empty box starts from the data set's Jinja example."""
    if st.session_state[SERIALIZER] == "jinja" and not st.session_state.get(JINJA, "").strip():
        example = builtin_templates(info).get("jinja")
        st.session_state[JINJA] = example.jinja if example else ""


def template_data(info: DatasetInfo) -> dict:
    """The editor's widgets as TemplateSpec fields."""
    state = st.session_state
    serializer = state[SERIALIZER]
    features = list(state[FEATURES])
    return {
        "serializer": serializer,
        # All features in the data set's order is the default (None), which keeps cache keys
        # equal to those of the built-in templates and of spec files.
        "features": None if features == info.feature_names else features,
        "readable_names": bool(state[READABLE]),
        "rounding": state[ROUNDING],
        "number_levels": state.get(LEVELS, NUMBERS_PLAIN) != NUMBERS_PLAIN,
        "levels_only": state.get(LEVELS) == NUMBERS_LEVELS_ONLY,
        "jinja": state[JINJA] if serializer == "jinja" else None,
        "question": state[QUESTION],
        "answer_prefix": state[PREFIX],
        "answers": {
            name: state.get(_answer_key(position), "").strip()
            for position, name in enumerate(info.classes)
        },
        "wrapper": state[WRAPPER],
        "instruction": state[INSTRUCTION].strip() or None,
        "shots": int(state[SHOTS]),
        "shot_seed": int(state[SHOT_SEED]),
    }


def settings_problems(error: ValidationError) -> list[str]:
    """Pydantic's complaints in the editor's words: "Answer words: each class needs ..."."""
    lines = []
    for item in error.errors():
        field = str(item["loc"][0]) if item["loc"] else ""
        where = FIELD_LABELS.get(field, field or "Template")
        lines.append(f"{where}: {item['msg'].removeprefix('Value error, ')}")
    return lines


# --- choosing the data set -----------------------------------------------------------------------


def page_datasets() -> tuple[list[DatasetInfo], list[DatasetInfo]]:
    """(usable here, left out) among the tabular and text data sets and the recommendation
    data sets written as questions (TALLRec's rows: a text column to prompt with)."""
    candidates = [info for info in list_datasets()
                  if info.kind in PAGE_KINDS or (info.kind == "recommendation" and info.text_column)]
    usable = [info for info in candidates if info.offline and not info.needs_file]
    return usable, [info for info in candidates if info not in usable]


def _why_left_out(info: DatasetInfo) -> str:
    return f"{info.title} ({'needs a file' if info.needs_file else 'downloads from the hub'})"


def rows_for(data: DataSpec) -> PreparedRows | None:
    if show_kept_problem(data.dataset):  # checked first: the rows may sit in the cache
        return None
    try:
        with st.spinner(f"Loading and splitting {data.dataset} ..."):
            return cached_rows(data.model_dump_json())
    except WorkbenchError as error:
        st.error(str(error))
    except Exception as error:  # noqa: BLE001 - a broken loader must not show a traceback
        st.error(f"{data.dataset} could not be loaded: {type(error).__name__}: {error}")
    return None


def pick_dataset(
    column, key: str, default: str = DEFAULT_DATASET, **widget
) -> tuple[str, list[DatasetInfo]]:
    """A select box of the usable data sets, `default` first chosen; (the chosen name, the
    data sets left out)."""
    usable, left_out = page_datasets()
    usable = yours_first(usable)
    names = [info.name for info in usable]
    titles = {info.name: picker_label(info, f"{info.title} ({info.kind})") for info in usable}
    if st.session_state.get(key) not in names:
        st.session_state[key] = default if default in names else names[0]
    name = column.selectbox(
        "Data set", names, format_func=titles.__getitem__, key=key, persist_state=KEEP, **widget
    )
    return name, left_out


def choose_data() -> tuple[DatasetInfo, DataSpec, PreparedRows] | None:
    """Data set, starting template and number of test rows, in one row of widgets."""
    left, middle, right = st.columns([3, 3, 2])
    name, left_out = pick_dataset(left, DATASET)
    if left_out:
        left.caption("Not offline: " + ", ".join(_why_left_out(info) for info in left_out) + ".")
    if name == DEFAULT_DATASET:
        left.caption("A task the default model has read about: how the row is written "
                     "changes its zero-shot AUC.")
    info = get_info(name)
    full = rows_for(compare.page_data_spec(name, None))
    if full is None:
        return None
    if st.session_state.get(_LOADED_FOR) != name:
        _reset_for_dataset(info, len(full.test))
    builtins = builtin_templates(info)
    middle.selectbox(
        "Start from", list(builtins), key=BUILTIN, persist_state=KEEP, on_change=_on_builtin,
        args=(info,),
        format_func=lambda option: BUILTIN_LABELS.get(option, option),
        help="A built-in template for this data set; choosing one replaces your edits.",
    )
    n_rows = right.number_input(
        "Test rows to score", min_value=1, max_value=len(full.test), step=50, key=ROWS,
        persist_state=KEEP,
        help=f"A seeded sample of the {len(full.test):,} test rows (split seed "
        f"{compare.page_data_spec(name, None).split_seed}): the same rows for every template.",
    )
    data = compare.page_data_spec(name, int(n_rows))
    rows = rows_for(data)
    if rows is not None:
        st.caption(f"{split_statement(data)} Scores use {len(rows.test):,} of its "
                   f"{len(full.test):,} test rows, the same for every template.")
    return (info, data, rows) if rows is not None else None


# --- the editor ----------------------------------------------------------------------------------


def edit_template(info: DatasetInfo, rows: PreparedRows) -> TemplateSpec | None:
    """The editor's widgets and the template's problems; the template when it has none.

    Problems in the Jinja text show right under its box, the others below the editor."""
    st.markdown("#### Template")
    _serialization_inputs(info)
    jinja_problems = st.container()
    _task_inputs(info)
    sample = rows.test.iloc[0].to_dict() if len(rows.test) else None
    template, problems = checked_template(info, sample)
    for problem in problems:
        box = jinja_problems if problem.startswith("Line ") else st
        box.error(problem, icon="⚠️")
    return template


def _serialization_inputs(info: DatasetInfo) -> None:
    """How the row is written: serializer, wrapper, features, names, rounding, Jinja text."""
    left, right = st.columns(2)
    left.selectbox(
        "Serializer", SERIALIZER_NAMES, key=SERIALIZER, persist_state=KEEP,
        on_change=_on_serializer, args=(info,), help="How the row's features become text.",
    )
    right.selectbox(
        "Wrapper", WRAPPERS, key=WRAPPER, persist_state=KEEP,
        help="none: plain text. alpaca: the Alpaca instruction format. chat: the model's own "
        "chat template (instruct models).",
    )
    st.multiselect(
        "Features (in prompt order)", template_columns(info), key=FEATURES, persist_state=KEEP,
        help="Which columns the prompt shows, in the order you pick them. For the jinja "
        "serializer: the names the template may use.",
    )
    st.checkbox(
        "Readable names", key=READABLE, persist_state=KEEP,
        help="Each column's description instead of its name ('median income' for MedInc); "
        "for your own data, the descriptions given on the Data explorer.",
    )
    left, right = st.columns(2)
    left.selectbox(
        "Numbers", NUMBERS_CHOICES, key=LEVELS, persist_state=KEEP,
        help="A number's level is its place among the training rows (very low, low, medium, "
        "high, very high: fifths of the training rows). A small model reads 'very high' more "
        "easily than 8.33, and levels only make short prompts. Jinja templates use "
        "`{{ levels.MedInc }}`.",
    )
    right.number_input(
        "Round numbers to (decimals)", min_value=0, max_value=10, step=1, key=ROUNDING,
        persist_state=KEEP, placeholder="as stored", help="Empty: values as stored.",
        value=None,  # makes the box clearable; the value itself comes from the session
    )
    if st.session_state[SERIALIZER] == "jinja":
        st.text_area(
            "Jinja template (one row)", key=JINJA, persist_state=KEEP, height=180,
            help="Columns by name ({{ MedInc }}), or row[\"LOT SQFT\"] for names with spaces. "
            "Checked when you leave the box or press Ctrl+Enter. Runs in a sandbox.",
        )


def _task_inputs(info: DatasetInfo) -> None:
    """What is asked and how it is answered: question, answers, instruction, shots."""
    st.text_input("Question", key=QUESTION, persist_state=KEEP)
    _answer_inputs(info)
    if st.session_state[WRAPPER] != "none":
        st.text_input(
            "Instruction", key=INSTRUCTION, persist_state=KEEP,
            help="Empty: the question is the instruction.",
        )
    left, right = st.columns(2)
    left.number_input(
        "Few-shot examples (k)", min_value=0, max_value=64, step=1, key=SHOTS, persist_state=KEEP,
        help="Training rows shown with their answers before the row (class-balanced).",
    )
    right.number_input(
        "Shot seed", min_value=0, max_value=1_000_000, step=1, key=SHOT_SEED, persist_state=KEEP,
    )


def _answer_inputs(info: DatasetInfo) -> None:
    columns = st.columns(1 + min(len(info.classes), 4))
    columns[0].text_input(
        "Answer prefix", key=PREFIX, persist_state=KEEP, help="Not used by the chat wrapper.",
    )
    for position, name in enumerate(info.classes):
        column = columns[1 + position % (len(columns) - 1)]
        column.text_input(
            f"Answer for '{name}'", key=_answer_key(position), persist_state=KEEP,
            help="The word the model's next-token probability is read for.",
        )


def editor_holds(info: DatasetInfo) -> bool:
    """Whether this session's editor holds a template for `info` (the page was opened on it)."""
    return st.session_state.get(_LOADED_FOR) == info.name


def checked_template(
    info: DatasetInfo, sample: dict | None
) -> tuple[TemplateSpec | None, list[str]]:
    """The template built from the widgets, or None, and every problem with it in words
    ("Line 2: `HouseAgee` is not a column ...")."""
    try:
        template = TemplateSpec.model_validate(template_data(info))
    except ValidationError as error:
        return None, settings_problems(error)
    problems = [str(problem) for problem in validate_template(template, info, sample)]
    return (None if problems else template), problems
