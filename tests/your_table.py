"""A table that is not built in, for the "your own data" tests: card applications with numeric,
categorical and free-text columns and a yes/no label, made from a seed (no file in the repo).

The label follows income, employment and the words of the note, with noise, so every method
has something to learn and none is perfect; no single column gives it away.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

GOOD_WORDS = ("steady job", "pays on time", "owns a home", "long credit history", "savings")
BAD_WORDS = ("missed payments", "new in town", "high debts", "short history", "late rent")
FILLER = ("applied online", "asked about fees", "called twice", "visited a branch",
          "referred by a friend", "wants a low limit", "travels often", "first card")


def applications(rows: int = 300, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    income = rng.gamma(4.0, 9.0, rows).round(1)
    age = rng.integers(19, 75, rows)
    employment = rng.choice(["salaried", "self-employed", "student", "retired"], rows,
                            p=[0.55, 0.2, 0.15, 0.1])
    city = rng.choice(["Lyon", "Paris", "Nice", "Lille", "Nantes"], rows)
    tone = rng.normal(0, 1, rows)
    score = (0.05 * (income - income.mean()) + 0.8 * (employment == "salaried")
             - 0.7 * (employment == "student") + 0.9 * tone + rng.normal(0, 0.8, rows))
    notes = []
    for value in tone:
        words = GOOD_WORDS if value + rng.normal(0, 0.7) > 0 else BAD_WORDS
        parts = [rng.choice(words), rng.choice(FILLER), rng.choice(words + FILLER)]
        notes.append(f"Applicant {int(rng.integers(1, 10_000))}: " + ", ".join(parts) + ".")
    return pd.DataFrame({
        "income": income, "age": age, "employment": employment, "city": city, "note": notes,
        "card": np.where(score > np.quantile(score, 0.55), "yes", "no"),
    })


def csv_bytes(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode()
