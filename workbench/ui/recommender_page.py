"""Recommender page: your books (recommender_profile.py), a model (zero-shot or a run trained on
TALLRec book questions) with its held-out AUC (recommender_auc.py), a candidate pool (the most
rated books, or books that follow the profile), and the ranking by P(Yes) with the prompt each
book was asked with, beside the same candidates ranked by item-based CF and by popularity
(recommender_classic.py); one book on its own; two models side by side.

Scoring runs in the page (a few dozen prompts on the cached model, as the Results page's quick
scoring does) with a progress bar; rankings stay in the session until the inputs change."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from workbench.data.tallrec_rows import book_item
from workbench.errors import WorkbenchError
from workbench.experiments.try_it import load_tuned
from workbench.recommend.catalog import Catalog
from workbench.recommend.pool import POOL_HELP, POOLS, candidate_pool
from workbench.recommend.profile import Profile
from workbench.recommend.rank import (
    Answerer, RecommendError, ask_about, can_recommend, compare_rankings, rank_candidates,
    tuned_answerer, zero_shot_answerer,
)
from workbench.results import run_label
from workbench.store import RunRecord
from workbench.ui.messages import problems_shown
from workbench.ui.recommender_auc import ZERO_SHOT, auc_summary, held_out_section
from workbench.ui.recommender_classic import cached_ratings, classic_rankings, classic_section
from workbench.ui.recommender_profile import (
    cached_catalog, current_profile, profile_section, search_hits,
)
from workbench.ui.recommender_train import train_section
from workbench.ui.state import cached_model, current_model_name, current_store
from workbench.ui.training_charts import PLOTLY_CONFIG

RANKING = "rec_ranking"  # the last ranking: inputs and result tables
ANSWER = "rec_answer"  # the last "ask about one book"


@st.cache_resource(max_entries=2, show_spinner=False)
def cached_tuned_answerer(run_id: str, _record: RunRecord) -> Answerer:
    return tuned_answerer(load_tuned(_record), label=run_label(_record))


def recommender_runs() -> dict[str, RunRecord]:
    """Runs that can recommend, best test AUC first (the store lists newest first)."""
    runs = [record for record in current_store().list() if can_recommend(record)]
    runs.sort(key=lambda r: -((r.metrics or {}).get("test", {}).get("auc") or 0.0))
    return {record.id: record for record in runs}


def answerer_for(choice: str, runs: dict[str, RunRecord]) -> Answerer:
    if choice == ZERO_SHOT:
        return zero_shot_answerer(cached_model(current_model_name()))
    return cached_tuned_answerer(choice, runs[choice])


def model_label(choice: str, runs: dict[str, RunRecord], base_model: str | None = None) -> str:
    """`base_model`: the sidebar's model, read once per run by the caller, so a selectbox's
    format_func never reads the session state itself (AppTest calls it outside the script)."""
    if choice == ZERO_SHOT:
        return f"Zero-shot: {base_model or current_model_name()} (no training)"
    record = runs[choice]
    auc = (record.metrics or {}).get("test", {}).get("auc")
    auc_text = f", test AUC {auc:.3f}" if auc is not None else ""
    return f"{run_label(record)} · {record.dataset}{auc_text} ({record.id[-6:]})"


def show_page() -> None:
    catalog = cached_catalog()
    profile_section(catalog)
    runs = recommender_runs()
    choices = model_section(runs)
    train_section()
    pool = candidate_section()
    ranking_section(choices, runs, pool)
    ask_section(catalog, choices[0], runs)


# --- model ---------------------------------------------------------------------------------------


def model_section(runs: dict[str, RunRecord]) -> list[str]:
    st.subheader("2. Model")
    options = [ZERO_SHOT, *runs]
    base_model = current_model_name()
    left, right = st.columns(2)
    first = left.selectbox("Recommend with", options, key="rec_model",
                           format_func=lambda choice: model_label(choice, runs, base_model))
    chosen = [first]
    if right.toggle("Compare with a second model", key="rec_compare", disabled=len(options) < 2,
                    help="Needs a trained run besides zero-shot."):
        others = [option for option in options if option != first]
        chosen.append(right.selectbox("Second model", others, key="rec_model_b",
                                      format_func=lambda choice: model_label(choice, runs,
                                                                             base_model)))
    for column, choice, key in zip(st.columns(len(chosen)), chosen, ("rec_auc", "rec_auc_b")):
        with column:
            held_out_section(choice, runs, base_model, key)
    if not runs:
        st.caption(
            "No fine-tuned recommender yet: train one below (**Train your own recommender**), or "
            "on the **Training** page with the data set *Book-Crossing as TALLRec questions*; "
            "it appears here when done.")
    return chosen


# --- candidates ----------------------------------------------------------------------------------


def candidate_section() -> dict:
    st.subheader("3. Candidates")
    source = st.radio("Pick candidates from", list(POOLS), key="rec_pool_source",
                      horizontal=True, format_func=POOLS.__getitem__,
                      help=" ".join(f"**{POOLS[k]}**: {POOL_HELP[k]}" for k in POOLS))
    st.caption(POOL_HELP[source])
    columns = st.columns([1, 1, 2, 2])
    top_n = columns[0].number_input("Recommendations", 1, 50, 10, key="rec_top_n")
    pool_size = columns[1].number_input("Candidate pool", 5, 300, 40, step=5, key="rec_pool",
                                        help="How many books of the pool you have not rated are "
                                             "ranked; each is one prompt to score.")
    author = columns[2].text_input("Only by author (optional)", key="rec_author", max_chars=100)
    years = columns[3].slider("Published between", 1900, 2005, (1900, 2005), key="rec_years",
                              help="Keep the full range to include books with no known year.")
    year_from, year_to = years if years != (1900, 2005) else (None, None)
    return {"source": source, "n": int(pool_size), "top_n": int(top_n),
            "author": author.strip() or None, "year_from": year_from, "year_to": year_to}


def candidates_for(profile: Profile, pool: dict) -> pd.DataFrame | None:
    """The pool's candidates, or None after a warning that says why there are none."""
    found = None
    with problems_shown("Cannot pick candidate books", show=st.warning):
        found = candidate_pool(cached_ratings(), profile, pool["source"], n=pool["n"],
                               author=pool["author"], year_from=pool["year_from"],
                               year_to=pool["year_to"])
    return found


# --- ranking -------------------------------------------------------------------------------------


def written(profile: Profile) -> tuple[list[str], list[str]]:
    return ([book_item(b.title, b.author) for b in profile.liked],
            [book_item(b.title, b.author) for b in profile.disliked])


def ranking_inputs(profile: Profile, choices: list[str], pool: dict) -> tuple:
    return (profile, tuple(choices), tuple(sorted(pool.items())), current_model_name())


def ranking_section(choices: list[str], runs: dict[str, RunRecord], pool: dict) -> None:
    st.subheader("4. Recommendations")
    profile = current_profile()
    clicked = st.button("Recommend", key="rec_go", type="primary", icon="✨")
    if clicked:
        if profile.is_empty:
            st.error("The profile is empty: like or dislike at least one book first (or load the "
                     "starter profile).")
        else:
            candidates = candidates_for(profile, pool)
            if candidates is not None:
                run_ranking(profile, choices, runs, pool, candidates)
    shown = st.session_state.get(RANKING)
    if shown is None:
        st.caption("Each candidate becomes TALLRec's question \"will this user like this book?\" "
                   "with your books as history; books are ranked by the model's P(Yes).")
        return
    if shown["inputs"] != ranking_inputs(profile, choices, pool):
        st.info("Your books, the model or the candidates changed since this ranking: press "
                "Recommend to update it.")
    show_ranking(shown, runs)


def run_ranking(profile: Profile, choices: list[str], runs: dict[str, RunRecord], pool: dict,
                candidates: pd.DataFrame) -> None:
    liked, disliked = written(profile)
    tables, labels = [], []
    for choice in choices:
        label = model_label(choice, runs)
        bar = st.progress(0.0, text=f"Loading {label} ...")
        try:
            answerer = answerer_for(choice, runs)

            def progress(done: int, total: int, bar=bar, label=label) -> None:
                bar.progress(done / max(total, 1),
                             text=f"Scoring {done} of {total} books with {label} ...")

            tables.append(rank_candidates(answerer, liked, disliked, candidates, progress))
        except Exception as error:  # noqa: BLE001 - a message on the page, never a traceback
            bar.empty()
            reason = str(error) if isinstance(error, WorkbenchError) else f"{type(error).__name__}: {error}"
            st.error(f"{label}: {reason}")
            return
        bar.empty()
        labels.append(label)
    st.session_state[RANKING] = {
        "inputs": ranking_inputs(profile, choices, pool), "tables": tables, "labels": labels,
        "top_n": pool["top_n"], "classic": classic_rankings(profile, candidates),
        "pool": POOLS[pool["source"]],
    }


def show_ranking(shown: dict, runs: dict[str, RunRecord]) -> None:
    tables, labels, top_n = shown["tables"], shown["labels"], shown["top_n"]
    _, choices, _, base_model = shown["inputs"]
    # The models' held-out AUCs as stored now: a zero-shot AUC measured since still shows.
    headers = [label if summary is None else f"{label} · {summary}" for label, summary in
               zip(labels, (auc_summary(choice, runs, base_model) for choice in choices))]
    if len(tables) == 2:
        show_comparison(tables, labels, headers, top_n)
        classic_section(shown["classic"], tables[0], labels[0], top_n)
        return
    table = tables[0]
    st.markdown(f"**Top {min(top_n, len(table))} of {len(table)} candidates** · {headers[0]}")
    st.caption(f"Pool: {shown['pool']}. {spread_text(table.head(top_n))}")
    st.plotly_chart(score_figure(table.head(top_n)), config=PLOTLY_CONFIG, key="rec_chart")
    ranking_table(table.head(top_n), "rec_table")
    classic_section(shown["classic"], table, labels[0], top_n)
    prompt_viewer(table.head(top_n), "rec_prompt_pick")


def spread_text(table: pd.DataFrame) -> str:
    low, high = table["p_yes"].min(), table["p_yes"].max()
    return (f"P(Yes) of these books runs from {low:.3f} to {high:.3f} (a spread of "
            f"{high - low:.3f}); the chart's axis spans that range, not 0 to 1, so the "
            "differences show.")


def ranking_table(table: pd.DataFrame, key: str) -> None:
    st.dataframe(
        table[["rank", "title", "author", "year", "p_yes", "n_ratings"]],
        hide_index=True, key=key, width="stretch",
        column_config={
            "p_yes": st.column_config.NumberColumn("P(Yes)", format="%.4f"),
            "year": st.column_config.NumberColumn("year", format="%d"),
            "n_ratings": st.column_config.NumberColumn("ratings", format="%d"),
        })


def prompt_viewer(table: pd.DataFrame, key: str) -> None:
    titles = {int(row["rank"]): f"{int(row['rank'])}. {row['title']}" for _, row in table.iterrows()}
    pick = st.selectbox("Show the prompt the model saw for", list(titles), key=key,
                        format_func=titles.__getitem__)
    st.code(table.loc[table["rank"] == pick, "prompt"].iloc[0], language=None, wrap_lines=True)


def score_figure(table: pd.DataFrame) -> go.Figure:
    """Dots, not bars: the axis spans the shown scores (a bar from a cut-off axis would lie
    about their ratio)."""
    ordered = table.iloc[::-1]
    low, high = score_range(ordered["p_yes"])
    figure = go.Figure(go.Scatter(
        x=ordered["p_yes"], y=[f"{r}. {t[:50]}" for r, t in zip(ordered["rank"], ordered["title"])],
        mode="markers", marker=dict(color="#4c78a8", size=11),
        hovertemplate="%{y}<br>P(Yes) %{x:.4f}<extra></extra>"))
    figure.update_layout(
        height=100 + 26 * len(table), margin=dict(l=10, r=10, t=10, b=40),
        xaxis=dict(title=f"P(Yes): will you like it? (axis zoomed to {low:.3f} to {high:.3f})",
                   range=[low, high], showgrid=True),
        yaxis=dict(showgrid=True))
    return figure


def score_range(scores: pd.Series) -> tuple[float, float]:
    """The scores' range with 10% padding each side (at least 0.005), kept within 0 and 1."""
    low, high = float(scores.min()), float(scores.max())
    pad = max((high - low) * 0.1, 0.005)
    return max(low - pad, 0.0), min(high + pad, 1.0)


def show_comparison(tables: list[pd.DataFrame], labels: list[str], headers: list[str],
                    top_n: int) -> None:
    try:
        comparison = compare_rankings(tables[0], tables[1], top_n)
    except RecommendError as error:  # a single candidate: no correlation to show
        st.warning(f"{error} Widen the candidates (pool, author, years) to compare the rankings.")
    else:
        st.markdown(f"**Two models on the same {len(tables[0])} candidates.** Rank correlation "
                    f"(Spearman) {comparison.spearman:.2f}; {comparison.top_overlap} of the top "
                    f"{comparison.top_n} are in both lists.")
        st.plotly_chart(comparison_figure(comparison.table, labels), config=PLOTLY_CONFIG,
                        key="rec_compare_chart")
    for column, table, header, key in zip(st.columns(2), tables, headers, ("a", "b")):
        with column:
            st.markdown(f"**{header}**")
            ranking_table(table.head(top_n), f"rec_table_{key}")
            prompt_viewer(table.head(top_n), f"rec_prompt_pick_{key}")


def comparison_figure(table: pd.DataFrame, labels: list[str]) -> go.Figure:
    figure = go.Figure(go.Scatter(
        x=table["p_yes A"], y=table["p_yes B"], mode="markers", text=table["title"],
        hovertemplate="%{text}<br>A %{x:.3f} · B %{y:.3f}<extra></extra>"))
    figure.update_layout(height=360, margin=dict(l=10, r=10, t=10, b=40),
                         xaxis_title=f"P(Yes), {labels[0][:60]}",
                         yaxis_title=f"P(Yes), {labels[1][:60]}")
    return figure


# --- one book ------------------------------------------------------------------------------------


def ask_section(catalog: Catalog, choice: str, runs: dict[str, RunRecord]) -> None:
    st.subheader("5. Ask about one book")
    query = st.text_input("Find the book", key="rec_ask_query", max_chars=200,
                          placeholder="title or author")
    if not query:
        return
    hits = search_hits(catalog, query, limit=20)
    if hits is None:
        return
    books = {str(row["book_id"]): row for _, row in hits.iterrows()}
    book_id = st.selectbox("Book", list(books), key="rec_ask_book",
                           format_func=lambda i: f"{books[i]['title']} · {books[i]['author']}")
    if st.button("Will I like it?", key="rec_ask_go"):
        ask(books[book_id], choice, runs)
    answer = st.session_state.get(ANSWER)
    if answer and answer["book_id"] == book_id:
        st.metric(f"P(Yes) · {answer['label']}", f"{answer['p_yes']:.3f}")
        if answer["rated"]:
            st.caption(f"You {answer['rated']} this book: it is part of your history too.")
        st.code(answer["prompt"], language=None, wrap_lines=True)


def ask(book: pd.Series, choice: str, runs: dict[str, RunRecord]) -> None:
    profile = current_profile()
    if profile.is_empty:
        st.error("The profile is empty: like or dislike at least one book first.")
        return
    liked, disliked = written(profile)
    label = model_label(choice, runs)
    with problems_shown(f"Cannot score with {label}"):
        with st.spinner(f"Asking {label} ..."):
            p_yes, prompt = ask_about(answerer_for(choice, runs), liked, disliked, book,
                                      lambda done, total: None)
        st.session_state[ANSWER] = {
            "book_id": str(book["book_id"]), "label": label, "p_yes": p_yes, "prompt": prompt,
            "rated": profile.opinion(str(book["book_id"])),
        }
