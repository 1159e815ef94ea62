"""Recommendations from a language model: each candidate book becomes TALLRec's question "will
this user like it?" with the user's rated books as history, and candidates are ranked by P(Yes).

    answerer = zero_shot_answerer(loaded)           # or tuned_answerer(load_tuned(record))
    ranked = rank_candidates(answerer, liked, disliked, candidates, progress)
    ranked[["rank", "title", "p_yes", "prompt"]]

`liked` and `disliked` are books written as TALLRec writes them (tallrec_rows.book_item). The
prompt is built by the model's own template, the one it was trained with, so a fine-tuned model
sees exactly the layout of its training rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from workbench.data import get_info
from workbench.data.tallrec_rows import HISTORY_ITEMS, book_item, tallrec_input
from workbench.errors import WorkbenchError
from workbench.prompts import PromptBuilder
from workbench.prompts.builtin import default_template
from workbench.scoring import score_prompts

# The data set whose layout zero-shot questions follow; its classes are ("no", "yes").
QUESTION_DATASET = "book-crossing-tallrec"
# Data sets whose rows are TALLRec book questions: runs trained on them can recommend books.
BOOK_QUESTION_DATASETS = ("book-crossing-tallrec", "tallrec-book")
YES = "yes"
MAX_CANDIDATES = 1_000  # one prompt each: a pool this size takes minutes on a laptop CPU

Progress = Callable[[int, int], None]


class RecommendError(WorkbenchError):
    """A ranking that cannot be made as asked (no candidates, a run that cannot recommend)."""


@dataclass
class Answerer:
    """A model that answers TALLRec book questions: P(Yes) for each prompt, in order."""

    label: str
    builder: PromptBuilder
    probabilities: Callable[[list[str], Progress], np.ndarray]  # n x classes

    def p_yes(self, prompts: list[str], progress: Progress) -> np.ndarray:
        column = list(self.builder.info.classes).index(YES)
        return self.probabilities(prompts, progress)[:, column]


def zero_shot_answerer(loaded, batch_size: int = 16, label: str | None = None) -> Answerer:
    """The base model asked TALLRec's question in TALLRec's layout, without training."""
    info = get_info(QUESTION_DATASET)
    builder = PromptBuilder(default_template(info), info, tokenizer=loaded.tokenizer)

    def probabilities(prompts: list[str], progress: Progress) -> np.ndarray:
        return score_prompts(loaded.model, loaded.tokenizer, prompts, builder.answer_words,
                             batch_size=batch_size, progress=progress).probabilities

    return Answerer(label or f"{loaded.info.name} · zero-shot", builder, probabilities)


def tuned_answerer(tuned, label: str | None = None) -> Answerer:
    """A stored fine-tuning run (workbench.experiments.try_it.load_tuned) as it scored its test
    rows; one ranking at a time, since the copy is shared."""
    from workbench.experiments.finetune import score_test

    def probabilities(prompts: list[str], progress: Progress) -> np.ndarray:
        with tuned.lock:
            return score_test(tuned.spec, tuned.trainable, prompts, tuned.builder.answer_words,
                              lambda stage, done, total, **_: progress(done, total))

    return Answerer(label or f"run {tuned.run_id}", tuned.builder, probabilities)


def can_recommend(record) -> bool:
    """A finished fine-tuning run on TALLRec book questions."""
    return (record.kind == "finetune" and record.status == "done"
            and record.dataset in BOOK_QUESTION_DATASETS)


# --- questions -----------------------------------------------------------------------------------


def history(liked: Sequence[str], disliked: Sequence[str], limit: int = HISTORY_ITEMS
            ) -> tuple[list[str], list[str]]:
    """At most `limit` books, as TALLRec's questions hold: the latest of each list, in the
    proportion the lists have (at least one of a list that is not empty)."""
    liked, disliked = list(liked), list(disliked)
    if len(liked) + len(disliked) <= limit:
        return liked, disliked
    share = round(limit * len(liked) / (len(liked) + len(disliked)))
    keep_liked = min(len(liked), max(share, 1 if liked else 0), limit - (1 if disliked else 0))
    return liked[len(liked) - keep_liked:], disliked[len(disliked) - (limit - keep_liked):]


def question_prompts(answerer: Answerer, liked: Sequence[str], disliked: Sequence[str],
                     candidates: pd.DataFrame) -> list[str]:
    shown_liked, shown_disliked = history(liked, disliked)
    return [
        answerer.builder.prompt({"input": tallrec_input(
            shown_liked, shown_disliked, book_item(title, author), "book")})
        for title, author in zip(candidates["title"], candidates["author"])
    ]


def rank_candidates(answerer: Answerer, liked: Sequence[str], disliked: Sequence[str],
                    candidates: pd.DataFrame, progress: Progress) -> pd.DataFrame:
    """The candidates (title, author, ...) with p_yes and prompt, best first, ranked from 1.
    Ties keep the candidates' order (popular first)."""
    if candidates.empty:
        raise RecommendError("There are no candidate books to rank: loosen the filters.")
    if len(candidates) > MAX_CANDIDATES:
        raise RecommendError(
            f"{len(candidates):,} candidate books are too many to rank (each is one prompt to "
            f"score); pick at most {MAX_CANDIDATES:,}."
        )
    prompts = question_prompts(answerer, liked, disliked, candidates)
    ranked = candidates.reset_index(drop=True).assign(
        p_yes=answerer.p_yes(prompts, progress), prompt=prompts)
    ranked = ranked.sort_values("p_yes", ascending=False, kind="stable").reset_index(drop=True)
    ranked.insert(0, "rank", np.arange(1, len(ranked) + 1))
    return ranked


def ask_about(answerer: Answerer, liked: Sequence[str], disliked: Sequence[str],
              book: pd.Series | dict, progress: Progress) -> tuple[float, str]:
    """P(Yes) that the user likes one book, and the prompt the model saw."""
    one = pd.DataFrame([{"title": book["title"], "author": book["author"]}])
    prompt = question_prompts(answerer, liked, disliked, one)[0]
    return float(answerer.p_yes([prompt], progress)[0]), prompt


# --- two models ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RankingComparison:
    table: pd.DataFrame  # rank by each model, side by side, in the first model's order
    spearman: float  # rank correlation over every candidate both ranked
    top_overlap: int  # books in both top-n lists
    top_n: int


def compare_rankings(first: pd.DataFrame, second: pd.DataFrame, top_n: int,
                     key: str = "book_id") -> RankingComparison:
    joined = first[[key, "title", "rank", "p_yes"]].merge(
        second[[key, "rank", "p_yes"]], on=key, suffixes=(" A", " B"))
    if len(joined) < 2:
        raise RecommendError("The two rankings share fewer than two books: nothing to compare.")
    rho = spearmanr(joined["rank A"], joined["rank B"]).statistic
    top_a = set(first.nsmallest(top_n, "rank")[key])
    top_b = set(second.nsmallest(top_n, "rank")[key])
    return RankingComparison(joined.sort_values("rank A").reset_index(drop=True),
                             float(rho), len(top_a & top_b), top_n)
