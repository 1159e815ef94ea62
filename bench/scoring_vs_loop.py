"""Batched label-word scoring against the seed's one-prompt-at-a-time loop.

    .venv/bin/python bench/scoring_vs_loop.py [--rows 200] [--batch-sizes 8 16 32]

(a) the seed's loop: one prompt at a time, fp32, logits of every position, P(" Yes") vs P(" No")
    at the last one;
(b) workbench.scoring.score_prompts: the default loading (bf16 where the CPU has it), batches
    sorted by length, logits of the last position only; each batch size tried, the best kept.
(c) score_prompts in fp32 with batch 16: the batching gain alone, without bf16.
Same model, same California test rows (the seed's split), same machine. Prints examples/s of each,
compares the AUCs (within 0.01?), and ends with `scoring N.Nx` (b's best against a).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from workbench.data import load  # noqa: E402
from workbench.models import load_model  # noqa: E402
from workbench.scoring import score_prompts  # noqa: E402

QUESTION = "Is this house block valuable? Yes or No?\nAnswer:"
ANSWERS = [" No", " Yes"]
MODEL = "smollm2-135m-instruct"


def california_test_rows(n: int):
    frame, info = load("california-housing")
    _, test = train_test_split(frame, test_size=0.2, random_state=42)
    test = test.head(n)
    prompts = [
        "".join(f"- {name}: {row[name]:.2f}\n" for name in info.feature_names) + QUESTION
        for row in test.to_dict("records")
    ]
    return prompts, (test[info.label_column] == "yes").to_numpy()


def seed_loop(loaded, prompts: list[str]) -> np.ndarray:
    """P(" Yes") renormalised over the two answers, the seed's way."""
    tokenizer, model = loaded.tokenizer, loaded.model
    no_id, yes_id = (tokenizer.encode(word, add_special_tokens=False)[0] for word in ANSWERS)
    positive = []
    with torch.no_grad():
        for prompt in prompts:
            inputs = tokenizer(prompt, return_tensors="pt")
            logits = model(**inputs).logits  # every position, full vocabulary
            probabilities = torch.softmax(logits[0, -1], dim=-1)
            p_yes, p_no = probabilities[yes_id].item(), probabilities[no_id].item()
            positive.append(p_yes / (p_yes + p_no))
    return np.array(positive)


def timed(function, *args):
    started = time.perf_counter()
    value = function(*args)
    return value, time.perf_counter() - started


def fastest_runs(methods: dict, repeats: int) -> dict:
    """name -> (value, fastest seconds). The machine is shared, so every method runs `repeats`
    times, interleaved, and keeps its least disturbed run."""
    best: dict = {}
    for _ in range(repeats):
        for name, (function, *args) in methods.items():
            value, seconds = timed(function, *args)
            if name not in best or seconds < best[name][1]:
                best[name] = (value, seconds)
    return best


def batched(loaded, prompts: list[str], batch_size: int) -> np.ndarray:
    return score_prompts(loaded.model, loaded.tokenizer, prompts, ANSWERS, batch_size).probabilities[:, 1]


def auc_line(name: str, labels, reference, positive) -> None:
    loop_auc, auc = roc_auc_score(labels, reference), roc_auc_score(labels, positive)
    gap = abs(loop_auc - auc)
    print(f"AUC {name}: {auc:.4f} vs loop {loop_auc:.4f}, gap {gap:.4f} "
          f"({'agree' if gap <= 0.01 else 'DISAGREE'} within 0.01); "
          f"mean |dP(yes)| {np.abs(reference - positive).mean():.5f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[8, 16, 32])
    parser.add_argument("--repeats", type=int, default=2, help="best of this many runs each")
    args = parser.parse_args()

    prompts, labels = california_test_rows(args.rows)
    n = len(prompts)
    print(f"{n} California test rows, {torch.get_num_threads()} torch threads, "
          f"best of {args.repeats} runs each")
    fp32 = load_model(MODEL, dtype="float32")
    default = load_model(MODEL)
    seed_loop(fp32, prompts[:2])  # warm-up
    batched(default, prompts[:4], 4)

    methods = {"loop": (seed_loop, fp32, prompts), "fp32": (batched, fp32, prompts, 16)}
    methods.update({size: (batched, default, prompts, size) for size in args.batch_sizes})
    runs = fastest_runs(methods, args.repeats)

    loop_positive, loop_seconds = runs["loop"]
    loop_rate = n / loop_seconds
    print(f"(a) seed loop, float32, one prompt, all positions: {loop_rate:6.1f} examples/s "
          f"({loop_seconds:.1f} s)")
    fp32_positive, fp32_seconds = runs["fp32"]
    print(f"(c) score_prompts, float32, batch  16 (batching alone): {n / fp32_seconds:6.1f} "
          f"examples/s ({fp32_seconds:.1f} s)")
    for batch_size in args.batch_sizes:
        seconds = runs[batch_size][1]
        print(f"(b) score_prompts, {default.dtype}, batch {batch_size:3d}:     "
              f"{n / seconds:6.1f} examples/s ({seconds:.1f} s)")
    batch_size = min(args.batch_sizes, key=lambda size: runs[size][1])
    positive, seconds = runs[batch_size]

    auc_line("float32 batched", labels, loop_positive, fp32_positive)
    auc_line(f"{default.dtype} batched", labels, loop_positive, positive)
    print(f"best batch size {batch_size}: {n / seconds:.1f} examples/s against {loop_rate:.1f}")
    print(f"scoring {loop_seconds / seconds:.1f}x")


if __name__ == "__main__":
    main()
