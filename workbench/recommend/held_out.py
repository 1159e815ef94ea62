"""How well a recommender answers questions it never saw: a stored run's test AUC with its 95%
interval, and the zero-shot run on the same questions to compare with.

    held_out(record)                          # HeldOut(auc=0.61, low=0.55, high=0.67, ...)
    zero_shot_spec("smollm2-135m-instruct", like=record.spec)   # the same test questions
    find_zero_shot(store.list(), model, like=record.spec)       # a stored one, if any

Zero-shot means the Recommender page's own zero-shot question (bookcrossing-zero-shot.yaml's
template, the one rank.zero_shot_answerer asks), so the number beside a zero-shot ranking is
the AUC of the questions that ranking asks.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from workbench.recommend.rank import BOOK_QUESTION_DATASETS
from workbench.specs import EXAMPLE_SPECS, EvaluateSpec, SpecError, load_spec, parse_spec
from workbench.store import ACTIVE_STATUSES, RunRecord

ZERO_SHOT_SPEC = EXAMPLE_SPECS / "bookcrossing-zero-shot.yaml"
CLASS_DEMO_SPEC = EXAMPLE_SPECS / "bookcrossing-class-demo.yaml"
# What picks a run's test questions (workbench.experiments.rows.prepare_rows): the split and
# the first n_test rows of its seeded shuffle. Validation rows come out of the rest.
TEST_FIELDS = ("dataset", "split_seed", "test_fraction", "stratify", "train_file", "test_file",
               "n_test", "sample_seed")


@dataclass(frozen=True)
class HeldOut:
    auc: float
    low: float | None  # the 95% bootstrap interval, when the run stored one
    high: float | None
    n: int
    questions: str  # which questions: "500 Book-Crossing questions of held-out users"
    run_id: str

    @property
    def text(self) -> str:
        interval = (f" (95% interval {self.low:.3f} to {self.high:.3f})"
                    if self.low is not None and self.high is not None else "")
        return f"AUC {self.auc:.3f}{interval} on {self.questions}"


def held_out(record: RunRecord) -> HeldOut | None:
    """The run's test AUC and interval; None for a run without one (not done, one class)."""
    test = (record.metrics or {}).get("test") or {}
    auc = test.get("auc")
    if auc is None:
        return None
    low, high = (test.get("auc_ci") or (None, None))[:2]
    n = int(test.get("n") or 0)
    return HeldOut(float(auc), low, high, n, questions_text(record.spec.get("data", {}), n),
                   record.id)


def questions_text(data: dict, n: int) -> str:
    dataset = data.get("dataset")
    if dataset == "tallrec-book":
        return f"{n:,} questions of TALLRec's book test file"
    if dataset == "book-crossing-tallrec":
        return f"{n:,} Book-Crossing questions of held-out readers"
    return f"{n:,} test questions of {dataset}"


def questions_of(spec: dict) -> tuple:
    data = spec.get("data", {})
    return tuple(data.get(field) for field in TEST_FIELDS)


def zero_shot_spec(model: str, like: dict | None = None) -> EvaluateSpec:
    """The page's zero-shot question for `model`, on the test questions of the run whose spec is
    `like` (default: those of the class demo)."""
    base = load_spec(ZERO_SHOT_SPEC)
    data = (like or class_demo_spec_dict())["data"]
    kept = {field: data[field] for field in TEST_FIELDS if field in data}
    kept["n_train"] = None  # scores the test rows only
    try:
        return base.model_copy(update={
            "data": base.data.model_copy(update=kept),
            "model": base.model.model_copy(update={"name": model}),
            "name": f"Book-Crossing questions, zero-shot ({model})"
                    if kept.get("dataset") == "book-crossing-tallrec"
                    else f"{kept.get('dataset')} questions, zero-shot ({model})",
        })
    except ValueError as error:
        raise SpecError(f"Cannot ask the zero-shot question on these questions: {error}") from None


@lru_cache(maxsize=1)
def class_demo_spec_dict() -> dict:
    return load_spec(CLASS_DEMO_SPEC).model_dump(mode="json")


@lru_cache(maxsize=1)
def zero_shot_template() -> dict:
    return load_spec(ZERO_SHOT_SPEC).template.model_dump(mode="json")


def is_zero_shot_of(record: RunRecord, model: str) -> bool:
    """A zero-shot run of `model` with the page's question on book questions."""
    if record.kind != "evaluate" or record.model != model:
        return False
    if record.dataset not in BOOK_QUESTION_DATASETS:
        return False
    try:
        template = parse_spec(record.spec).template.model_dump(mode="json")
    except SpecError:
        return False
    return template == zero_shot_template()


def find_zero_shot(records: list[RunRecord], model: str, like: dict | None = None,
                   statuses: tuple[str, ...] = ("done",)) -> RunRecord | None:
    """The newest zero-shot run of `model` on the questions of `like` (a run's spec; None: on
    any book questions, the class demo's first) with one of `statuses`."""
    found = [r for r in records if r.status in statuses and is_zero_shot_of(r, model)]
    if like is not None:
        return next((r for r in found if questions_of(r.spec) == questions_of(like)), None)
    demo = questions_of(class_demo_spec_dict())
    return next((r for r in found if questions_of(r.spec) == demo), found[0] if found else None)


def active_zero_shot(records: list[RunRecord], model: str, like: dict | None = None
                     ) -> RunRecord | None:
    return find_zero_shot(records, model, like or class_demo_spec_dict(), ACTIVE_STATUSES)
