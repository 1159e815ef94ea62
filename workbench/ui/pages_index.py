"""Every page of the app, in navigation order. Paths are relative to app.py."""

from dataclasses import dataclass


@dataclass(frozen=True)
class PageEntry:
    path: str
    label: str
    icon: str
    purpose: str


PAGES = (
    PageEntry("app.py", "Home", "🏠", "what the workbench is and where to start"),
    PageEntry(
        "pages/1_Data_Explorer.py", "Data explorer", "📊",
        "built-in data sets and your own tables: schema, balance, distributions, samples; keep "
        "an upload as a data set every page can use",
    ),
    PageEntry(
        "pages/2_Prompt_Templates.py", "Prompt templates", "📝",
        "how a row becomes a prompt: edit, preview, score zero-shot or few-shot, compare templates",
    ),
    PageEntry(
        "pages/3_Training.py", "Training", "🏋️",
        "fine-tune the model: presets, cost estimate, live loss and AUC curves, try the result",
    ),
    PageEntry(
        "pages/4_Results.py", "Results", "🏆",
        "one leaderboard per data set: zero-shot, few-shot and baselines, ROC curves, shots curve",
    ),
    PageEntry(
        "pages/5_Forgetting.py", "Forgetting", "🧠",
        "train on task A then B: what A loses, and what LoRA, replay, EWC or multi-task save",
    ),
    PageEntry(
        "pages/6_Recommender.py", "Recommender", "📚",
        "rate books, get recommendations ranked by a zero-shot or fine-tuned model's P(Yes)",
    ),
)
