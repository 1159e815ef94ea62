"""Prompt templates side by side: several templates scored on the same rows, and the numbers a
template preview shows (rendered prompts, token counts, answer token ids).

    data = page_data_spec("california-housing", n_test=200)
    comparison = compare_templates({"list": t1, "text": t2}, data, ModelSpec(), store)
    comparison.winner, comparison.table(), winner_sentence(comparison)

Each template is scored as an ordinary evaluate run through `experiments.run`, so it is stored
(the Results page lists it) and a template that already ran on the same rows with the same model
is answered from the store. Every spec shares one DataSpec, hence the same test rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from workbench.errors import WorkbenchError
from workbench.experiments import run
from workbench.experiments.common import Progress, ShouldStop, never_stop, no_progress
from workbench.prompts import PromptBuilder
from workbench.prompts.builtin import TABULAR_SERIALIZERS
from workbench.metrics import interval_text
from workbench.rows import PreparedRows
from workbench.scoring import answer_token_ids
from workbench.specs import DataSpec, EvaluateSpec, ModelSpec, TemplateSpec, example_split
from workbench.store import RunNotFoundError, RunRecord, Store

# What a template asks and how it is answered, as opposed to how it writes the row.
TASK_FIELDS = (
    "question", "answer_prefix", "answers", "wrapper", "instruction", "shots", "shot_seed",
)


def page_data_spec(dataset: str, n_test: int | None) -> DataSpec:
    """The split every template on the prompt page is scored on (the data set's protocol, e.g.
    the seed notebook's for California); `n_test` rows are a seeded sample of its test part, the
    same rows for every template."""
    return DataSpec(dataset=dataset, n_test=n_test, **example_split(dataset))


def default_compare_names(builtins: Mapping[str, TemplateSpec]) -> list[str]:
    """The five built-in serializations of a table; every built-in of a text data set."""
    tabular = [name for name in TABULAR_SERIALIZERS if name in builtins]
    return tabular if len(tabular) > 1 else list(builtins)


def with_task_of(template: TemplateSpec, source: TemplateSpec) -> TemplateSpec:
    """`template`'s serialization with `source`'s question, answers, wrapper and shots."""
    task = {name: getattr(source, name) for name in TASK_FIELDS}
    return TemplateSpec.model_validate({**template.model_dump(), **task})


def serialization_templates(
    current: TemplateSpec, builtins: Mapping[str, TemplateSpec], names: Sequence[str]
) -> dict[str, TemplateSpec]:
    """The named built-in serializations, each asking the current template's question."""
    return {name: with_task_of(builtins[name], current) for name in names}


# --- results -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TemplateResult:
    """One template's run: `status` is the run's (done, failed, cancelled) or "missing"."""

    name: str
    run_id: str | None
    status: str
    cached: bool = False
    metrics: dict = field(default_factory=dict)
    error: str | None = None

    @property
    def test(self) -> dict:
        return self.metrics.get("test", {})

    @property
    def auc(self) -> float | None:
        return self.test.get("auc")

    @property
    def auc_ci(self) -> list[float] | None:
        return self.test.get("auc_ci")

    @property
    def accuracy(self) -> float | None:
        return self.test.get("accuracy")

    @property
    def tokens_mean(self) -> float | None:
        return (self.metrics.get("tokens_per_row") or {}).get("mean")

    @property
    def error_line(self) -> str:
        """The reason in one line (failed runs store a traceback after a blank line)."""
        return (self.error or "").strip().split("\n\n")[0]


def result_from_record(name: str, record: RunRecord, cached: bool = False) -> TemplateResult:
    return TemplateResult(
        name=name, run_id=record.id, status=record.status, cached=cached,
        metrics=record.metrics if record.status == "done" else {}, error=record.error,
    )


@dataclass(frozen=True)
class Comparison:
    results: tuple[TemplateResult, ...]
    cancelled: bool = False

    @property
    def done(self) -> list[TemplateResult]:
        return [result for result in self.results if result.status == "done"]

    @property
    def run_ids(self) -> dict[str, str]:
        return {result.name: result.run_id for result in self.results if result.run_id}

    @property
    def winner(self) -> TemplateResult | None:
        """Highest AUC (accuracy where no AUC exists); on a tie the template with fewer tokens."""
        candidates = self.done
        if not candidates:
            return None
        return max(candidates, key=_rank)

    def table(self) -> pd.DataFrame:
        """One row per template; metrics of templates that did not finish are NaN."""
        table = pd.DataFrame([_table_row(result) for result in self.results], columns=TABLE_COLUMNS)
        for column in NUMBER_COLUMNS:
            table[column] = pd.to_numeric(table[column]).astype(float)
        table["tokens_max"] = pd.to_numeric(table["tokens_max"]).astype("Int64")
        return table


def _rank(result: TemplateResult) -> tuple:
    auc = result.auc if result.auc is not None else -1.0
    return (auc, result.accuracy or 0.0, -(result.tokens_mean or 0.0))


TABLE_COLUMNS = [
    "template", "status", "auc", "auc_low", "auc_high", "accuracy", "accuracy_low",
    "accuracy_high", "f1", "brier", "tokens_mean", "tokens_max", "examples_per_s", "source",
    "run_id",
]

NUMBER_COLUMNS = [
    "auc", "auc_low", "auc_high", "accuracy", "accuracy_low", "accuracy_high", "f1", "brier",
    "tokens_mean", "examples_per_s",
]


def _bounds(interval: list[float] | None) -> tuple[float | None, float | None]:
    return (interval[0], interval[1]) if interval else (None, None)


def _status_text(result: TemplateResult) -> str:
    return f"failed: {result.error_line}" if result.status == "failed" else result.status


def _source(result: TemplateResult) -> str:
    if result.cached:
        return "from the store"
    return "scored" if result.status == "done" else ""


def _table_row(result: TemplateResult) -> dict:
    test, tokens = result.test, result.metrics.get("tokens_per_row") or {}
    auc_low, auc_high = _bounds(test.get("auc_ci"))
    accuracy_low, accuracy_high = _bounds(test.get("accuracy_ci"))
    return {
        "template": result.name, "status": _status_text(result), "auc": test.get("auc"),
        "auc_low": auc_low, "auc_high": auc_high, "accuracy": test.get("accuracy"),
        "accuracy_low": accuracy_low, "accuracy_high": accuracy_high, "f1": test.get("f1"),
        "brier": test.get("brier"), "tokens_mean": tokens.get("mean"),
        "tokens_max": tokens.get("max"),
        "examples_per_s": result.metrics.get("examples_per_second"),
        "source": _source(result), "run_id": result.run_id,
    }


def winner_sentence(comparison: Comparison) -> str | None:
    """"Best: text, AUC 0.61 [0.53, 0.69]" (accuracy when no AUC could be computed)."""
    best = comparison.winner
    if best is None:
        return None
    if best.auc is not None:
        return f"Best: {best.name}, AUC {interval_text(best.auc, best.auc_ci, digits=2)}"
    accuracy = interval_text(best.accuracy, best.test.get("accuracy_ci"), digits=2)
    return f"Best: {best.name}, accuracy {accuracy}"


def beats_chance(result: TemplateResult) -> bool:
    """True when the AUC's whole 95% interval lies above 0.5 (guessing)."""
    return bool(result.auc_ci) and result.auc_ci[0] > 0.5


def none_beats_chance(comparison: Comparison) -> bool:
    """True when templates got an AUC and not one of them is shown to beat guessing."""
    scored = [result for result in comparison.done if result.auc is not None]
    return bool(scored) and not any(beats_chance(result) for result in scored)


def overlapping_runners_up(comparison: Comparison) -> list[str]:
    """Templates whose AUC interval holds the winner's AUC: the winner's lead may be chance."""
    best = comparison.winner
    if best is None or best.auc is None:
        return []
    return [
        result.name for result in comparison.done
        if result is not best and result.auc_ci and result.auc_ci[0] <= best.auc <= result.auc_ci[1]
    ]


# --- running -------------------------------------------------------------------------------------


def template_spec(
    name: str, template: TemplateSpec, data: DataSpec, model: ModelSpec, batch_size: int = 16
) -> EvaluateSpec:
    return EvaluateSpec(
        name=f"Template: {name}", data=data, model=model, template=template, batch_size=batch_size
    )


def score_template(
    name: str,
    spec: EvaluateSpec,
    store: Store,
    progress: Progress = no_progress,
    should_stop: ShouldStop = never_stop,
    loaded=None,
) -> TemplateResult:
    """Run one spec (or find it in the store); a spec or data problem becomes a failed result."""
    try:
        outcome = run(spec, store=store, progress=progress, should_stop=should_stop, loaded=loaded)
    except WorkbenchError as error:
        return TemplateResult(name=name, run_id=None, status="failed", error=str(error))
    return result_from_record(name, outcome.record, outcome.cached)


def _numbered(progress: Progress, position: int, count: int, name: str) -> Progress:
    """Progress as "template 2/5 (text): 120/200"; other stages than scoring are named."""
    def report(stage: str, done: int, total: int, **details) -> None:
        label = f"template {position}/{count} ({name})"
        progress(label if stage == "scoring" else f"{label}, {stage}", done, total, **details)

    return report


def compare_templates(
    templates: Mapping[str, TemplateSpec],
    data: DataSpec,
    model: ModelSpec,
    store: Store,
    progress: Progress = no_progress,
    should_stop: ShouldStop = never_stop,
    loaded=None,
    batch_size: int = 16,
) -> Comparison:
    """Score each template on the same rows, one after another, stopping when asked: the
    templates finished so far are kept and the comparison says it was cancelled."""
    if not templates:
        raise WorkbenchError("Pick at least one template to compare.")
    results: list[TemplateResult] = []
    for position, (name, template) in enumerate(templates.items(), start=1):
        if should_stop():
            break
        spec = template_spec(name, template, data, model, batch_size)
        report = _numbered(progress, position, len(templates), name)
        results.append(score_template(name, spec, store, report, should_stop, loaded))
    cancelled = should_stop() or any(result.status == "cancelled" for result in results)
    return Comparison(tuple(results), cancelled=cancelled)


def comparison_from_store(store: Store, run_ids: Mapping[str, str]) -> Comparison:
    """A comparison redrawn from its stored runs ({template name: run id})."""
    results = []
    for name, run_id in run_ids.items():
        try:
            results.append(result_from_record(name, store.get(run_id), cached=False))
        except RunNotFoundError:
            results.append(TemplateResult(name, run_id, "missing", error="The run was deleted."))
    return Comparison(tuple(results))


# --- preview -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerTokens:
    class_name: str
    word: str  # as it follows the prompt: " Yes"
    ids: list[int]
    pieces: list[str]

    @property
    def multi_token(self) -> bool:
        return len(self.ids) > 1


@dataclass(frozen=True)
class TokenStats:
    rows: int
    mean: float
    max: int


@dataclass(frozen=True)
class PromptPreview:
    examples: list[tuple[str, str]]  # (prompt, true label) for the first rows
    tokens: TokenStats
    answers: list[AnswerTokens]
    answer_problem: str | None  # e.g. two answer words that encode to the same tokens
    shots: int  # few-shot examples each prompt holds


def token_stats(tokenizer, prompts: Sequence[str]) -> TokenStats:
    """Prompt lengths as scoring counts them (with the tokenizer's special tokens)."""
    if not prompts:
        return TokenStats(0, 0.0, 0)
    lengths = np.array([len(ids) for ids in tokenizer(list(prompts))["input_ids"]])
    return TokenStats(len(lengths), float(lengths.mean()), int(lengths.max()))


def answer_tokens(tokenizer, classes: Sequence[str], words: Sequence[str]) -> list[AnswerTokens]:
    """Each class's answer word with its token ids; ScoringError when two words cannot be told
    apart by their tokens."""
    ids = answer_token_ids(tokenizer, list(words))
    return [
        AnswerTokens(name, word, word_ids, list(tokenizer.convert_ids_to_tokens(word_ids)))
        for name, word, word_ids in zip(classes, words, ids)
    ]


def preview_prompts(
    template: TemplateSpec, rows: PreparedRows, tokenizer, show: int = 3, count: int = 200
) -> PromptPreview:
    """The first `show` test prompts with their labels, and token counts over `count` rows.
    Raises TemplateError when the template cannot render these rows."""
    builder = PromptBuilder(template, rows.info, tokenizer=tokenizer, train=rows.train)
    counted = rows.test.head(count)
    prompts = builder.prompts(counted)
    labels = counted[rows.info.label_column].astype(str).tolist()
    try:
        answers, problem = answer_tokens(tokenizer, rows.info.classes, builder.answer_words), None
    except WorkbenchError as error:
        answers, problem = [], str(error)
    return PromptPreview(
        examples=list(zip(prompts[:show], labels[:show])),
        tokens=token_stats(tokenizer, prompts),
        answers=answers,
        answer_problem=problem,
        shots=len(builder.shot_rows),
    )
