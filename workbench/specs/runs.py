"""The run specs, one model per run kind, and the table of kinds: `kind` tells them apart in
YAML, and every message that lists the kinds reads them from RUN_KINDS."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Union

from pydantic import BaseModel, Field

from workbench.specs.base import MAX_NAME_CHARS, _Strict
from workbench.specs.data import DataSpec
from workbench.specs.forgetting import ForgettingSpec
from workbench.specs.model import ModelSpec
from workbench.specs.template import TemplateSpec
from workbench.specs.training import TrainingSpec


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


class FinetuneSpec(_Strict):
    """Fine-tune the model on the training rows written as prompts, then score the test rows."""

    kind: Literal["finetune"] = "finetune"
    name: str | None = Field(None, max_length=MAX_NAME_CHARS)
    data: DataSpec = Field(default_factory=DataSpec)
    model: ModelSpec = Field(default_factory=ModelSpec)
    template: TemplateSpec = Field(default_factory=TemplateSpec)
    training: TrainingSpec = Field(default_factory=TrainingSpec)
    batch_size: int = Field(16, ge=1, le=1024)  # scoring batch


@dataclass(frozen=True)
class RunKind:
    """What a run kind is: the spec class its `kind:` names, and whether it runs a language model
    (then its cache key holds the model's fingerprint and the store its model). What each kind
    does is workbench.experiments.kinds.RUNNERS."""

    spec: type[BaseModel]
    uses_model: bool

    @property
    def name(self) -> str:
        return self.spec.model_fields["kind"].default


RUN_KINDS: dict[str, RunKind] = {kind.name: kind for kind in (
    RunKind(EvaluateSpec, uses_model=True),  # zero-shot or few-shot scoring
    RunKind(BaselineSpec, uses_model=False),  # a classic model on the features
    RunKind(FinetuneSpec, uses_model=True),
    RunKind(ForgettingSpec, uses_model=True),  # tasks learned one after the other
)}

# Any run spec: the union of the table's classes, told apart by `kind` (workbench.specs.parse).
AnySpec = Union[tuple(kind.spec for kind in RUN_KINDS.values())]


def kinds_text() -> str:
    """"evaluate, baseline, finetune or forgetting": the run kinds, for messages."""
    names = list(RUN_KINDS)
    return f"{', '.join(names[:-1])} or {names[-1]}"
