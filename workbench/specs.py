"""Run specs: one typed, validated value per experiment.

The same spec drives the page form, the YAML file, the CLI (`--set key=value`), the cache key, the
run record and the comparison. Each run kind is one model; `kind` tells them apart in YAML.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import json
import re
from pathlib import Path
from typing import Annotated, Any, Literal, Union

import yaml
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator, model_validator

from workbench.errors import WorkbenchError
from workbench.tuners import method_names

SPEC_VERSION = 1


class SpecError(WorkbenchError):
    """A spec file or a `--set` override is not valid; the message lists every problem."""


# Bounds on text fields: a spec is typed by people, and a megabyte in a name or a question is a
# slip (or an attack on the pages that show it), never a setting.
MAX_NAME_CHARS = 200
MAX_TEXT_CHARS = 5_000  # a question, an instruction, a prompt-tuning start text
MAX_ANSWER_CHARS = 100
MAX_PATH_CHARS = 4_096
MAX_SPEC_BYTES = 1_000_000  # a spec file; the largest example is a few hundred bytes
MAX_YAML_ALIASES = 16  # `*name` references: enough to share a template, too few for a YAML bomb
MAX_LISTED_PROBLEMS = 12


class _Strict(BaseModel):
    # NaN fails bounds with a misleading message ("less than or equal to 1") and infinity
    # passes one-sided ones (`ewc_lambda: .inf`): both are "Input should be a finite number".
    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)


TableRole = Literal["numeric", "categorical", "text", "ignored"]
TABLE_FIELDS = ("label_column", "positive_class", "roles", "descriptions")


class DataSpec(_Strict):
    """Which rows: a data set, its split, and how many rows of each part to use."""

    dataset: str = Field("california-housing", min_length=1, max_length=MAX_NAME_CHARS)
    split_seed: int = 42
    test_fraction: float = Field(0.2, gt=0, lt=1)
    val_fraction: float = Field(0.1, ge=0, lt=1)
    stratify: bool = True
    n_train: int | None = Field(None, ge=1, description="use this many training rows (random, seeded)")
    n_test: int | None = Field(None, ge=1, description="score this many test rows (the first of the shuffled test split)")
    sample_seed: int = 0
    train_file: str | None = Field(None, max_length=MAX_PATH_CHARS)  # TALLRec-style files
    test_file: str | None = Field(None, max_length=MAX_PATH_CHARS)
    # A table of your own by path (CSV, TSV, JSON, JSON lines, Parquet) and what to make of it;
    # running the spec keeps it like the Data explorer does (workbench.data.kept) and names it
    # in `dataset` (workbench.experiments.table_specs).
    file: str | None = Field(None, max_length=MAX_PATH_CHARS)
    label_column: str | None = Field(None, min_length=1, max_length=MAX_NAME_CHARS)
    positive_class: str | None = Field(None, min_length=1, max_length=MAX_NAME_CHARS)  # None: all classes
    roles: dict[str, TableRole] = Field(default_factory=dict)  # column -> role; others inferred
    descriptions: dict[str, Annotated[str, Field(max_length=MAX_NAME_CHARS)]] = Field(
        default_factory=dict)  # column -> readable name used by prompts

    @field_validator("train_file", "test_file")
    @classmethod
    def _absolute_file(cls, value: str | None) -> str | None:
        """A relative path is read from where the spec was given (the CLI's working folder), so
        it is stored absolute: the app's worker and later reruns find the same file."""
        if value is None or not value.strip():
            return None
        value = value.strip()
        if value.lower().startswith(("http://", "https://")):
            return value
        return str(Path(value).expanduser().resolve())

    @field_validator("file")
    @classmethod
    def _local_table(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if value.strip().lower().startswith(("http://", "https://")):
            raise ValueError("give the path of a table on this machine (download it first)")
        return str(Path(value.strip()).expanduser().resolve())

    @field_validator("positive_class", mode="before")
    @classmethod
    def _class_as_text(cls, value: Any) -> Any:
        """`positive_class: 1` or `true` in YAML names the label value as the table has it."""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return str(int(value)) if float(value).is_integer() else repr(float(value))
        return value

    @model_validator(mode="before")
    @classmethod
    def _file_names_the_data_set(cls, data: Any) -> Any:
        """Until it is kept, a table by path is called after its file (task names, messages)."""
        if isinstance(data, dict) and data.get("file") and not data.get("dataset"):
            data = {**data, "dataset": f"file:{Path(str(data['file'])).name}"[:MAX_NAME_CHARS]}
        return data

    @model_validator(mode="after")
    def _fractions_leave_training_rows(self) -> "DataSpec":
        if self.test_fraction + self.val_fraction >= 0.95:
            raise ValueError("test_fraction + val_fraction must leave at least 5% for training")
        return self

    @model_validator(mode="after")
    def _table_fields_go_with_a_file(self) -> "DataSpec":
        if self.file is None:
            given = [name for name in TABLE_FIELDS if getattr(self, name)]
            if given:
                raise ValueError(f"{', '.join(given)} describe a table given by `file`; add "
                                 "`file: PATH` or leave them out")
            return self
        if not self.label_column:
            raise ValueError("a table given by `file` needs `label_column` (the column to predict)")
        if self.train_file or self.test_file:
            raise ValueError("give either `file` (one table, split here) or train_file/test_file")
        return self


SerializerName = Literal["list", "text", "values", "table", "json", "jinja"]
WrapperName = Literal["none", "alpaca", "chat"]


class TemplateSpec(_Strict):
    """How a row becomes a prompt, and which answer word stands for each class."""

    serializer: SerializerName = "list"
    features: list[str] | None = None  # subset and order; None: all, in the data set's order
    readable_names: bool = False  # "median income" instead of "MedInc"
    rounding: int | None = Field(2, ge=0, le=10)
    jinja: str | None = Field(None, max_length=20_000)  # the row template when serializer == "jinja"
    question: str = Field("Is this house block valuable? Yes or no?", max_length=MAX_TEXT_CHARS)
    # Not used by the chat wrapper (the assistant turn answers).
    answer_prefix: str = Field("Answer:", max_length=MAX_NAME_CHARS)
    answers: dict[str, str] = Field(default_factory=lambda: {"no": "No", "yes": "Yes"})
    wrapper: WrapperName = "none"
    instruction: str | None = Field(None, max_length=MAX_TEXT_CHARS)  # alpaca/chat; None: question
    shots: int = Field(0, ge=0, le=64)
    shot_seed: int = 0
    # Each number followed by its level among the training rows: "8.33 (very high)".
    number_levels: bool = False

    @field_validator("answers")
    @classmethod
    def _two_distinct_answers(cls, answers: dict[str, str]) -> dict[str, str]:
        if len(answers) < 2:
            raise ValueError("give an answer word for each of at least two classes")
        words = [word.strip() for word in answers.values()]
        if any(not word for word in words):
            raise ValueError("answer words cannot be empty")
        if any(len(word) > MAX_ANSWER_CHARS for word in words):
            raise ValueError(f"answer words are limited to {MAX_ANSWER_CHARS} characters (one "
                             "short word each reads best)")
        if len(set(words)) != len(words):
            raise ValueError("each class needs a different answer word")
        return answers

    @model_validator(mode="after")
    def _jinja_needs_text(self) -> "TemplateSpec":
        if self.serializer == "jinja" and not (self.jinja or "").strip():
            raise ValueError("the jinja serializer needs a template text in `jinja`")
        return self


class ModelSpec(_Strict):
    name: str = Field("smollm2-135m-instruct", min_length=1, max_length=MAX_PATH_CHARS)
    device: Literal["auto", "cuda", "mps", "cpu"] = "auto"
    dtype: Literal["auto", "bfloat16", "float16", "float32"] = "auto"
    quantization: Literal["none", "8bit", "4bit"] = "none"


class EvaluateSpec(_Strict):
    """Zero-shot or few-shot scoring: a trainer that does not train (`template.shots`)."""

    kind: Literal["evaluate"] = "evaluate"
    name: str | None = Field(None, max_length=MAX_NAME_CHARS)  # a label; not in the cache key
    data: DataSpec = Field(default_factory=DataSpec)
    model: ModelSpec = Field(default_factory=ModelSpec)
    template: TemplateSpec = Field(default_factory=TemplateSpec)
    batch_size: int = Field(16, ge=1, le=1024)


class BaselineSpec(_Strict):
    """A classic model on the raw features of the same split."""

    kind: Literal["baseline"] = "baseline"
    name: str | None = Field(None, max_length=MAX_NAME_CHARS)
    data: DataSpec = Field(default_factory=DataSpec)
    # popularity and item_cf read TALLRec-style questions (recommendation data sets)
    method: Literal["logreg", "xgboost", "popularity", "item_cf"] = "xgboost"
    params: dict[str, Any] = Field(default_factory=dict)  # passed to the estimator
    seed: int = 0


# The registered fine-tuning methods (workbench/tuners/, one module each), in the pages' order.
TrainingMethod = Literal[method_names()]


VALIDATION_ROWS = 200  # enough for a usable AUC, few enough to evaluate often on a CPU


class TrainingSpec(_Strict):
    """How to fine-tune: the method, its options, and the optimisation settings.

    Each field says once what a form needs to show it: `title` (the label), `description` (the
    help), its bounds (ge, gt, le, lt: the spec validates them and the forms' boxes offer them)
    and, in `json_schema_extra`, the widget's hints: "step", "format", "placeholder", "labels"
    (of a Literal's values), "radio", and "low" / "high", the range a box offers where a bound
    is open (gt, lt) or missing (workbench.ui.fields reads them). Which methods read an option:
    their entries in workbench.tuners."""

    method: TrainingMethod = Field("lora", title="Method")
    # Loss on the answer words only, or Alpaca's response.
    objective: Literal["label_words", "alpaca"] = Field(
        "label_words", title="Objective", json_schema_extra={"radio": True, "labels": {
            "label_words": "Answer word only: the loss reads the class's answer word",
            "alpaca": "Alpaca: answer as a response, optionally with EOS and the prompt",
        }})
    train_on_inputs: bool = Field(  # alpaca objective: also learn the prompt tokens
        False, title="Also learn the prompt tokens",
        description="train_on_inputs: the loss covers the prompt too, not only the answer.")
    add_eos_token: bool = Field(  # alpaca objective: end each target with EOS
        False, title="End each answer with EOS",
        description="add_eos_token: the model also learns to stop after the answer.")
    epochs: float = Field(1.0, gt=0, le=200, title="Epochs",
                          json_schema_extra={"step": 0.5, "format": "%.1f", "low": 0.1})
    max_steps: int | None = Field(
        None, ge=1, title="Max steps",
        description="Stops after this many steps whatever the epochs say. Empty: the epochs decide.",
        json_schema_extra={"step": 10, "high": 1_000_000, "placeholder": "by epochs"})
    learning_rate: float = Field(5e-4, gt=0, le=1, title="Learning rate",
                                 json_schema_extra={"step": 1e-4, "format": "%.1e", "low": 1e-7})
    batch_size: int = Field(16, ge=1, le=4096, title="Batch size",
                            description="Rows per forward pass; memory grows with it.",
                            json_schema_extra={"step": 4})
    gradient_accumulation: int = Field(
        1, ge=1, le=1024, title="Accumulation",
        description="Gradient accumulation: batches per optimizer step, a larger effective batch "
        "without the memory.", json_schema_extra={"step": 1})
    warmup_ratio: float = Field(
        0.0, ge=0, lt=1, title="Warm-up share",
        description="The share of the steps over which the learning rate rises.",
        json_schema_extra={"step": 0.05, "format": "%.2f", "high": 0.99})
    lr_scheduler: Literal["linear", "cosine", "constant", "constant_with_warmup"] = Field(
        "linear", title="Schedule")
    weight_decay: float = Field(0.0, ge=0, le=1, title="Weight decay",
                                json_schema_extra={"step": 0.01, "format": "%.2f"})
    seed: int = Field(0, title="Seed", json_schema_extra={"step": 1, "low": 0, "high": 2**31 - 1})
    precision: Literal["auto", "bf16", "fp16", "fp32"] = Field(
        "auto", title="Precision",
        description="auto: bf16 autocast where the hardware runs it natively (recent GPUs, CPUs "
        "with AVX512-BF16), else fp32.", json_schema_extra={"labels": {"fp16": "fp16 (GPU)"}})
    gradient_checkpointing: bool = Field(
        False, title="Gradient checkpointing",
        description="Less memory for activations, about a third slower.")
    group_by_length: bool = Field(False, title="Group by length",
                                  description="Batches of similar lengths: less padding, faster.")
    max_length: int = Field(  # truncation limit, never a fixed padding
        512, ge=8, le=32768, title="Max length",
        description="Tokens; longer prompts lose their start (the question stays).",
        json_schema_extra={"step": 64})
    lora_r: int = Field(8, ge=1, le=1024, title="Rank r",
                        description="Size of the low-rank matrices: more capacity, more parameters.",
                        json_schema_extra={"step": 4})
    lora_alpha: int = Field(16, ge=1, le=4096, title="Alpha",
                            description="The update is scaled by alpha / r; alpha = 2 r is common.",
                            json_schema_extra={"step": 4})
    lora_dropout: float = Field(  # as peft; 0.05 cost 1.4x speed and 1 GB here
        0.0, ge=0, lt=1, title="Dropout", description="Dropout on the LoRA input.",
        json_schema_extra={"step": 0.05, "format": "%.2f", "high": 0.9})
    target_modules: list[str] | None = Field(  # None: a sensible default for the architecture
        None, title="Target modules", description="The Linear layers LoRA adapts.")
    last_k: int = Field(  # last_layers: how many final blocks train
        2, ge=1, le=1000, title="Blocks to train (k)",
        description="The last k transformer blocks train; the others stay frozen.",
        json_schema_extra={"step": 1})
    num_virtual_tokens: int = Field(  # prefix and prompt tuning
        20, ge=1, le=512, title="Virtual tokens",
        description="How many learned vectors come before the prompt.",
        json_schema_extra={"step": 4})
    # Prompt tuning: start from these words' embeddings.
    prompt_init_text: str | None = Field(
        None, max_length=MAX_TEXT_CHARS, title="Start the virtual tokens from this text",
        description="Their first values are the embeddings of this text's tokens (repeated or cut "
        "to the number of virtual tokens); a task description often trains faster.",
        json_schema_extra={"placeholder": "empty: random start"})
    eval_every: int | None = Field(  # steps; None: once per epoch
        None, ge=1, title="Evaluate every",
        description="Validation loss and AUC every this many steps. Empty: at the end of each "
        "epoch.", json_schema_extra={"step": 1, "high": 1_000_000, "placeholder": "each epoch"})
    # Validation rows scored at each evaluation (a seeded sample); None: up to VALIDATION_ROWS.
    val_rows: int | None = Field(
        None, ge=1, le=100_000, title="Validation rows",
        description="Rows of the validation part scored at each evaluation: fewer make each "
        "evaluation quicker and its AUC noisier.",
        json_schema_extra={"step": 50, "placeholder": f"up to {VALIDATION_ROWS}"})

    @property
    def validation_rows(self) -> int:
        return self.val_rows or VALIDATION_ROWS
    early_stopping_patience: int | None = Field(  # evaluations without a better val AUC
        None, ge=1, title="Early stopping",
        description="Patience: stop after this many evaluations without a better validation "
        "AUC, and keep the best one.",
        json_schema_extra={"step": 1, "high": 1000, "placeholder": "off"})


class FinetuneSpec(_Strict):
    """Fine-tune the model on the training rows written as prompts, then score the test rows."""

    kind: Literal["finetune"] = "finetune"
    name: str | None = Field(None, max_length=MAX_NAME_CHARS)
    data: DataSpec = Field(default_factory=DataSpec)
    model: ModelSpec = Field(default_factory=ModelSpec)
    template: TemplateSpec = Field(default_factory=TemplateSpec)
    training: TrainingSpec = Field(default_factory=TrainingSpec)
    batch_size: int = Field(16, ge=1, le=1024)  # scoring batch


ForgettingMethod = Literal["naive", "lora", "last_layers", "replay", "ewc", "multitask"]
FORGETTING_METHODS: tuple[str, ...] = ("naive", "lora", "last_layers", "replay", "ewc", "multitask")
ForgettingSetting = Literal["label_words", "class_incremental"]


class ForgettingTask(_Strict):
    """One task of a sequence: a data set's rows and how they become prompts."""

    name: str | None = Field(None, max_length=60)  # None: the data set's name
    data: DataSpec = Field(default_factory=DataSpec)
    template: TemplateSpec | None = None  # None: the data set's default template
    # Keep only rows of these classes (AG News' Sci/Tech and Sports); n_train and n_test then
    # count the kept rows. None: all classes.
    classes: list[str] | None = Field(None, min_length=2)

    @property
    def label(self) -> str:
        return self.name or self.data.dataset


class LambdaSweep(_Strict):
    """EWC strengths on a log grid from `low` to `high`: one run per value."""

    low: float = Field(10.0, gt=0)
    high: float = Field(100_000.0, gt=0)
    count: int = Field(5, ge=2, le=12)

    @model_validator(mode="after")
    def _ordered(self) -> "LambdaSweep":
        if self.low > self.high:
            raise ValueError("the sweep's low end must not be above its high end")
        return self


def _forgetting_training() -> "TrainingSpec":
    return TrainingSpec(method="full", learning_rate=1e-4, batch_size=8, epochs=1)


class ForgettingSpec(_Strict):
    """Train on the tasks one after the other and measure what earlier tasks lose.

    `methods` lists the methods to compare; each runs (and is stored) as its own run with a
    one-method copy of this spec (workbench.forgetting.plan.method_runs)."""

    kind: Literal["forgetting"] = "forgetting"
    name: str | None = Field(None, max_length=MAX_NAME_CHARS)
    tasks: list[ForgettingTask] = Field(min_length=2, max_length=6)
    model: ModelSpec = Field(default_factory=ModelSpec)
    setting: ForgettingSetting = "label_words"
    methods: list[ForgettingMethod] = Field(default_factory=lambda: ["naive"], min_length=1)
    # Applies to every stage; `training.method` is set per forgetting method, `learning_rate` is
    # the full fine-tuning one, `learning_rates` overrides it for the methods that need more.
    training: TrainingSpec = Field(default_factory=_forgetting_training)
    learning_rates: dict[ForgettingMethod, float] = Field(
        default_factory=lambda: {"lora": 1e-3, "last_layers": 3e-4})
    # Class-incremental: the shared head starts random and learns at this rate (None: the body's).
    head_learning_rate: float | None = Field(None, gt=0, le=1)
    replay_fraction: float = Field(0.25, gt=0, le=1)  # earlier tasks' rows, as a share of the new task's
    ewc_lambda: float = Field(1000.0, ge=0)
    ewc_sweep: LambdaSweep | None = None  # replaces ewc_lambda with a grid of values
    fisher_rows: int = Field(64, ge=1, le=10_000)
    curve_every: int = Field(4, ge=1, le=100_000)  # steps between evaluations of the first task
    curve_rows: int = Field(64, ge=1, le=10_000)  # rows of the first task evaluated for the curve
    probe_texts: int = Field(32, ge=0, le=2_000)  # general-English perplexity probe; 0: off
    batch_size: int = Field(16, ge=1, le=1024)  # scoring batch

    @field_validator("methods")
    @classmethod
    def _distinct_methods(cls, methods: list[str]) -> list[str]:
        if len(set(methods)) != len(methods):
            raise ValueError("list each method once")
        return methods

    @field_validator("learning_rates")
    @classmethod
    def _positive_rates(cls, rates: dict[str, float]) -> dict[str, float]:
        bad = [name for name, rate in rates.items() if not 0 < rate <= 1]
        if bad:
            raise ValueError(f"learning rates must be in (0, 1]: {', '.join(bad)}")
        return rates

    @model_validator(mode="after")
    def _distinct_task_names(self) -> "ForgettingSpec":
        labels = [task.label for task in self.tasks]
        if len(set(labels)) != len(labels):
            raise ValueError(
                "two tasks have the same name: give them different `name`s "
                f"(got {', '.join(labels)})")
        if self.training.objective != "label_words":
            raise ValueError("forgetting runs train on the answer words: use objective label_words")
        return self

    @property
    def task_labels(self) -> list[str]:
        return [task.label for task in self.tasks]

    def learning_rate(self, method: str) -> float:
        return self.learning_rates.get(method, self.training.learning_rate)


RunSpec = Annotated[
    Union[EvaluateSpec, BaselineSpec, FinetuneSpec, ForgettingSpec], Field(discriminator="kind")
]
_RUN_SPEC = TypeAdapter(RunSpec)

# Short names accepted by `--set` (and the page forms) for the most used fields.
SET_ALIASES = {
    "n_train": "data.n_train",
    "n_test": "data.n_test",
    "dataset": "data.dataset",
    "split_seed": "data.split_seed",
    "train_file": "data.train_file",
    "test_file": "data.test_file",
    "file": "data.file",
    "shots": "template.shots",
    "serializer": "template.serializer",
    "model_name": "model.name",
    "method": "training.method",
    "epochs": "training.epochs",
    "learning_rate": "training.learning_rate",
    "max_steps": "training.max_steps",
}

# Fields that label a run or tune speed without changing its result.
_NOT_IN_KEY = {"name", "batch_size"}


class _Yaml12Loader(yaml.SafeLoader):
    """YAML 1.2 booleans: only true/false. Under YAML 1.1 `yes`/`no` (class names and answer
    words here) would silently become booleans."""


_Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


class _BoundedYamlLoader(_Yaml12Loader):
    """Refuses more than MAX_YAML_ALIASES `*name` references: each one can stand for a whole
    nested structure, so a few hundred bytes can expand to billions of items (a YAML bomb)."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            self.alias_count = getattr(self, "alias_count", 0) + 1
            if self.alias_count > MAX_YAML_ALIASES:
                mark = self.peek_event().start_mark
                raise yaml.composer.ComposerError(
                    None, None,
                    f"more than {MAX_YAML_ALIASES} aliases (*name); write the values out",
                    mark,
                )
        return super().compose_node(parent, index)


def yaml_problem(error: yaml.YAMLError) -> str:
    """" (line 3): expected ',' or ']'": where and what, on one line."""
    mark = getattr(error, "problem_mark", None)
    where = f" (line {mark.line + 1})" if mark is not None else ""
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    return f"{where}: {problem}"


def _yaml_type(value: Any) -> str:
    names = {list: "list", str: "text", int: "number", float: "number", bool: "boolean"}
    return names.get(type(value), type(value).__name__)


def read_yaml(text: str) -> Any:
    return yaml.load(text, Loader=_BoundedYamlLoader)  # noqa: S506 - a SafeLoader subclass


_KINDS = {"evaluate": "EvaluateSpec", "baseline": "BaselineSpec", "finetune": "FinetuneSpec",
          "forgetting": "ForgettingSpec"}

# Advice added to pydantic's message for fields whose bounds are easy to misjudge.
_FIELD_HINTS = {
    "learning_rate": "fine-tuning uses about 1e-5 (full) to 1e-3 (LoRA); above 1 the loss diverges",
    "head_learning_rate": "about 1e-3; above 1 the loss diverges",
}


def _section_fields(kind: str | None, parts: list[str]) -> list[str]:
    """The field names of the spec section at `parts` (for "did you mean"), or []."""
    model: Any = globals().get(_KINDS.get(kind or "", ""), None)
    for part in parts:
        if model is None or part.isdigit():
            continue
        field = model.model_fields.get(part)
        if field is None:
            return []
        model = next((arg for arg in _model_types(field.annotation)), None)
    return list(model.model_fields) if model is not None else []


def _model_types(annotation: Any) -> list[type]:
    """The pydantic models inside an annotation (Optional[X], list[X], X)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [found for arg in getattr(annotation, "__args__", ()) for found in _model_types(arg)]


def _unknown_field_message(kind: str | None, parts: list[str]) -> str:
    known = _section_fields(kind, parts[:-1])
    message = "not a field of this spec (a typo?)"
    close = difflib.get_close_matches(parts[-1], known, n=1, cutoff=0.6) if parts else []
    if close:
        return f"{message}; did you mean `{close[0]}`?"
    if known:
        return f"{message}; the fields here are: {', '.join(known)}"
    return message


def _problem_line(item: dict) -> str:
    parts = [str(part) for part in item["loc"] if not str(part).startswith("function-")]
    kind = None
    if parts and parts[0] in _KINDS:
        kind, parts = parts[0], parts[1:]  # the union's tag, already known from `kind`
    where = ".".join(parts)
    if item["type"] == "extra_forbidden":
        message = _unknown_field_message(kind, parts)
    elif item["type"] == "union_tag_invalid":
        where = "kind"
        message = (f"{item['input'].get('kind')!r} is not a run kind; use evaluate, baseline, "
                   "finetune or forgetting")
    else:
        message = item["msg"].removeprefix("Value error, ")
        hint = _FIELD_HINTS.get(parts[-1] if parts else "")
        if hint and item["type"] in {"less_than_equal", "greater_than", "finite_number"}:
            message = f"{message} ({hint})"
    return f"- {where or 'spec'}: {message}"


def _format_errors(error: ValidationError) -> str:
    lines = [_problem_line(item) for item in error.errors()]
    if len(lines) > MAX_LISTED_PROBLEMS:
        more = len(lines) - MAX_LISTED_PROBLEMS
        lines = lines[:MAX_LISTED_PROBLEMS] + [f"- ... and {more} more problem{'s' * (more > 1)}"]
    return "\n".join(lines)


AnySpec = Union[EvaluateSpec, BaselineSpec, FinetuneSpec, ForgettingSpec]


def parse_spec(data: Any) -> AnySpec:
    if not isinstance(data, dict):
        given = "nothing" if data is None else f"a {_yaml_type(data)}"
        raise SpecError(
            "A spec is a mapping with at least `kind:` (evaluate, baseline, finetune or "
            f"forgetting); this one is {given}.")
    data = {"kind": "evaluate", **data} if "kind" not in data else data
    try:
        return _RUN_SPEC.validate_python(data)
    except ValidationError as error:
        raise SpecError("The spec is not valid:\n" + _format_errors(error)) from None


def load_spec(path: str | Path) -> AnySpec:
    path = Path(path)
    try:
        if path.is_file() and path.stat().st_size > MAX_SPEC_BYTES:
            raise SpecError(
                f"The spec file {path} is {path.stat().st_size:,} bytes: a spec is a short YAML "
                f"file (at most {MAX_SPEC_BYTES:,} bytes).")
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise SpecError(f"Cannot read the spec file {path}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise SpecError(f"The spec file {path} is not a UTF-8 text (YAML) file.") from None
    if not text.strip():
        raise SpecError(
            f"The spec file {path} is empty: a spec is a YAML mapping with at least `kind:` "
            "(evaluate, baseline, finetune or forgetting); see assets/specs/ for examples.")
    try:
        data = read_yaml(text)
    except yaml.YAMLError as error:
        raise SpecError(f"{path} is not valid YAML{yaml_problem(error)}") from None
    except RecursionError:
        raise SpecError(f"{path} nests its YAML too deeply to be a spec.") from None
    return parse_spec(data)


# Fields added after runs were stored: left out while they hold their default, so that the
# specs (and cache keys) of runs that never set them stay as they were.
LATER_FIELDS = {"training": {"val_rows": None}, "template": {"number_levels": False}}


def spec_to_dict(spec: BaseModel) -> dict:
    """The spec as JSON-able values; a data section without a `file` leaves the table fields out,
    so specs of other data read as they did before tables by path existed."""
    values = spec.model_dump(mode="json")
    for data in [values.get("data"), *(task.get("data") for task in values.get("tasks") or [])]:
        if isinstance(data, dict) and data.get("file") is None:
            for name in ("file", *TABLE_FIELDS):
                data.pop(name, None)
    for section in [values, *(values.get("tasks") or [])]:
        for name, defaults in LATER_FIELDS.items():
            part = section.get(name) if isinstance(section, dict) else None
            if isinstance(part, dict):
                for field_name, default in defaults.items():
                    if field_name in part and part[field_name] == default:
                        del part[field_name]
    return values


def spec_to_yaml(spec: BaseModel) -> str:
    return yaml.safe_dump(spec_to_dict(spec), sort_keys=False, allow_unicode=True)


def _parse_value(text: str) -> Any:
    """`--set` values are YAML scalars: 256, 0.5, true, null, [a, b], or plain text."""
    try:
        return read_yaml(text)
    except yaml.YAMLError:
        return text


def apply_overrides(spec: BaseModel, overrides: list[str]) -> AnySpec:
    """Apply `key=value` overrides (dotted paths or SET_ALIASES) and validate the result."""
    data = spec_to_dict(spec)
    for override in overrides:
        key, sep, value = override.partition("=")
        key = key.strip()
        if not sep or not key:
            raise SpecError(f"--set takes key=value, not {override!r}")
        # A field of the spec itself wins over an alias (a baseline's own `method`).
        path = (key if key in data else SET_ALIASES.get(key, key)).split(".")
        if path[0] == "data" and isinstance(data.get("tasks"), list):
            # A forgetting spec: a data alias (n_train=64) sets it for every task.
            for index in range(len(data["tasks"])):
                _set_path(data, ["tasks", str(index), *path], _parse_value(value), key)
        else:
            _set_path(data, path, _parse_value(value), key)
    return parse_spec(data)


def _set_path(data: dict, path: list[str], value: Any, key: str) -> None:
    """data[path[0]][path[1]]... = value; a number indexes a list (tasks.1.data.n_train)."""
    node: Any = data
    for part in path[:-1]:
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and isinstance(node.get(part), (dict, list)):
            node = node[part]
        elif isinstance(node, dict) and part in node and node[part] is None:
            node[part] = {}  # an optional section left out (a task's template): start it
            node = node[part]
        else:
            raise SpecError(f"--set {key}: {part!r} is not a section of a {data['kind']} spec")
    if isinstance(node, list):
        raise SpecError(f"--set {key}: give a list item's field, e.g. tasks.0.data.n_train")
    node[path[-1]] = value


# Stood for by the data fingerprint (a table's is its file's content with the label choice,
# roles and descriptions), so never in a cache key themselves.
_DATA_NAMES = {"dataset", "train_file", "test_file", "file", *TABLE_FIELDS}


def content_hash(content: Any) -> str:
    """A short, stable hash of JSON-able content (dict keys in any order)."""
    blob = json.dumps(content, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:20]


def _keyed(spec: BaseModel) -> dict:
    return {k: v for k, v in spec_to_dict(spec).items() if k not in _NOT_IN_KEY}


def _without_data_names(data: dict) -> dict:
    return {k: v for k, v in data.items() if k not in _DATA_NAMES}


def _finish_key(content: dict, model_fingerprint: str | None) -> str:
    if model_fingerprint is not None:
        content["model"] = {k: v for k, v in content.get("model", {}).items() if k != "name"}
        content["model_fingerprint"] = model_fingerprint
    content["spec_version"] = SPEC_VERSION
    return content_hash(content)


def cache_key(spec: BaseModel, data_fingerprint: str, model_fingerprint: str | None) -> str:
    """Content hash: what the result depends on, never display names or speed settings."""
    content = _keyed(spec)
    content["data"] = _without_data_names(content["data"])
    content["data_fingerprint"] = data_fingerprint
    return _finish_key(content, model_fingerprint)


def forgetting_cache_key(
    spec: "ForgettingSpec", task_fingerprints: list[str], model_fingerprint: str
) -> str:
    """The content hash of a one-method forgetting run: its tasks' data by fingerprint."""
    content = _keyed(spec)
    for task in content["tasks"]:
        task["data"] = _without_data_names(task["data"])
    content["task_fingerprints"] = list(task_fingerprints)
    return _finish_key(content, model_fingerprint)


EXAMPLE_SPECS = Path(__file__).resolve().parents[1] / "assets" / "specs"
SPLIT_FIELDS = ("split_seed", "test_fraction", "stratify", "train_file", "test_file")


@functools.lru_cache(maxsize=None)
def _example_splits() -> dict[str, dict]:
    splits: dict[str, dict] = {}
    for path in sorted(EXAMPLE_SPECS.glob("*.yaml")):
        try:
            spec = load_spec(path)
        except SpecError:
            continue
        if isinstance(spec, ForgettingSpec):
            continue  # its tasks subsample for speed; the data sets' own specs set the protocol
        data = spec.data
        splits.setdefault(data.dataset, {
            name: getattr(data, name) for name in SPLIT_FIELDS if getattr(data, name) is not None
        })
    return splits


def example_split(dataset: str) -> dict:
    """A data set's split protocol: as its example spec (assets/specs) writes it, e.g. the seed
    notebook's unstratified 80/20 split for California, or as a kept table's record sets it
    (test fraction and seed, stratified by the label); {} (the DataSpec defaults) otherwise."""
    split = dict(_example_splits().get(dataset, {}))
    if dataset not in _example_splits():
        from workbench.data import get_info  # a kept table's protocol lives with its record

        try:
            split.update(get_info(dataset).split)
        except WorkbenchError:
            pass
    return split
