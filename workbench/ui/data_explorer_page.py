"""Data explorer page: cached data access and the page's sections.

The page file calls `show_page()`; the charts are data_explorer_charts.py, an upload and keeping
it as a data set of your own data_explorer_upload.py and data_explorer_keep.py. Frames are shared
through `st.cache_resource` (one read-only copy: Book-Crossing has 1.15M rows), profiles through
`st.cache_data` keyed by a cheap id with the frame passed as an underscore argument, so switching
back to a data set seen before redraws from the caches.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from workbench.data import LoadedDataset, get_info, list_datasets, load
from workbench.data import profile
from workbench.data.registry import DatasetInfo
from workbench.errors import WorkbenchError
from workbench.ui import data_explorer_keep
from workbench.ui.chart_style import PLOTLY_CONFIG
from workbench.ui.data_explorer_charts import (
    category_figure, class_balance_figure, count_bins_figure, histogram_figure, rating_figure,
    relation_figure,
)
from workbench.ui.data_explorer_upload import (  # noqa: F401 - the page's tests reach them here
    MULTICLASS_CHOICE, cached_upload_dataset, cached_upload_table, upload, uploaded_view,
)
from workbench.ui.dataset_names import picker_label, show_kept_problem, yours_first

DEFAULT_DATASET = "california-housing"
SOURCE_BUILTIN = data_explorer_keep.SOURCE_DATASETS  # built-in data sets and your kept ones
SOURCE_UPLOAD = "Upload a file"


@dataclass(frozen=True)
class DatasetView:
    """What the sections draw: `key` identifies the frame's content for the caches."""

    key: str
    frame: pd.DataFrame
    info: DatasetInfo
    notes: tuple[str, ...] = field(default=())


# --- cached data ---------------------------------------------------------------------------------


@st.cache_resource(max_entries=8, show_spinner=False)
def cached_dataset(name: str) -> LoadedDataset:
    """One shared, read-only frame per built-in data set (errors are not cached)."""
    return load(name)


@st.cache_data(max_entries=256, show_spinner=False)
def cached_part(key: str, part: str, argument: str, _compute: Callable[[], Any]) -> Any:
    """One profile result per (data set content, part, feature): `_compute` is not hashed."""
    return _compute()


@st.cache_resource(max_entries=256, show_spinner=False)
def cached_figure(key: str, chart: str, _build: Callable[[], go.Figure]) -> go.Figure:
    """Building a plotly express figure takes ~40 ms; drawing a built one ~1 ms."""
    return _build()


def _part(view: DatasetView, part: str, compute: Callable[[], Any], argument: str = "") -> Any:
    return cached_part(view.key, part, argument, compute)


def _overview(view: DatasetView) -> profile.Overview:
    return _part(view, "overview", lambda: profile.overview(view.frame, view.info))


def _examples(view: DatasetView) -> pd.DataFrame:
    return _part(view, "examples", lambda: profile.examples_per_class(view.frame, view.info))


def _text_lengths(view: DatasetView, column: str) -> profile.TextLengths:
    return _part(
        view, "text", lambda: profile.text_length_profile(view.frame, view.info, column), column
    )


def _recommendation_parts(frame: pd.DataFrame, info: DatasetInfo) -> dict:
    parts: dict = {"top_items": profile.top_items(frame, info)}
    if info.user_column and info.item_column:
        parts["summary"] = profile.recommendation_summary(frame, info)
        for part, column in (("per_user", info.user_column), ("per_item", info.item_column)):
            parts[part] = profile.log_binned_counts(profile.rating_counts(frame, column))
    if info.rating_column:
        parts["ratings"] = profile.rating_distribution(frame, info)
    return parts


def _chart(view: DatasetView, chart: str, build: Callable[[], go.Figure]) -> None:
    figure = cached_figure(view.key, chart, build)
    st.plotly_chart(figure, key=f"chart:{chart}", config=PLOTLY_CONFIG)


def _table(frame: pd.DataFrame, **options) -> None:
    """Drops unused categories first: Arrow would send every category of a column (340,000
    ISBNs for a 20-row Book-Crossing sample)."""
    plain = frame.copy()
    for column in plain.columns:
        if isinstance(plain[column].dtype, pd.CategoricalDtype):
            plain[column] = plain[column].cat.remove_unused_categories()
    st.dataframe(plain, hide_index=True, **options)


# --- choosing the data -------------------------------------------------------------------------


def dataset_label(info: DatasetInfo) -> str:
    """Stable selectbox label: title and kind, plus what it needs beyond this machine."""
    label = f"{info.title} ({info.kind})"
    if info.needs_file:
        label += ": needs a file"
    elif not info.offline:
        label += ": online"
    return picker_label(info, label)


def choose_dataset() -> DatasetView | None:
    """Source radio, then a data set (built-in or kept) or an upload; None when there is nothing
    to show."""
    source = st.radio(
        "Source", (SOURCE_BUILTIN, SOURCE_UPLOAD), horizontal=True, key=data_explorer_keep.SOURCE,
        label_visibility="collapsed", persist_state="session",
    )
    if source == SOURCE_UPLOAD:
        view = uploaded_view()
        return DatasetView(*view) if view is not None else None
    return _builtin_view()


def _builtin_view() -> DatasetView | None:
    infos = yours_first(list_datasets())
    names = [info.name for info in infos]
    labels = {info.name: dataset_label(info) for info in infos}
    if st.session_state.get(data_explorer_keep.DATASET) not in names:
        st.session_state[data_explorer_keep.DATASET] = (
            DEFAULT_DATASET if DEFAULT_DATASET in names else names[0])
    name = st.selectbox(
        "Data set", names, format_func=labels.__getitem__, key=data_explorer_keep.DATASET,
        persist_state="session",
    )
    data_explorer_keep.show_message()
    info = get_info(name)
    data_explorer_keep.kept_box(info)
    if show_kept_problem(name):
        return None
    if info.needs_file:
        _show_header(info)
        st.info(
            f"**{info.title}** is read from a file. Choose **{SOURCE_UPLOAD}** above and pick "
            "the JSON file (TALLRec files such as valid.json or test.json are recognized).",
            icon="📄",
        )
        return None
    try:
        with st.spinner(f"Loading {info.title} (the first time can take a few seconds) ..."):
            loaded = cached_dataset(name)
    except WorkbenchError as error:
        _show_header(info)
        st.error(str(error), icon="🌐" if not info.offline else None)
        return None
    except Exception as error:  # noqa: BLE001 - a broken loader must not show a traceback to the user
        _show_header(info)
        st.error(f"{info.title} could not be loaded: {type(error).__name__}: {error}")
        return None
    return DatasetView(f"{name}:{loaded.fingerprint}", loaded.frame, loaded.info)


# --- sections ----------------------------------------------------------------------------------


def show_page() -> None:
    """The page: a data set (built-in, kept or uploaded) and its sections."""
    view = choose_dataset()
    if view is not None:
        show_dataset(view)


def show_dataset(view: DatasetView) -> None:
    """Header, metrics and the tabs for one data set."""
    info = view.info
    _show_header(info)
    if view.notes:
        st.warning("\n".join(f"- {note}" for note in view.notes), icon="ℹ️")
    _show_metrics(view)
    tabs = ["Overview", "Features", "Samples"]
    if info.text_column:
        tabs.append("Text")
    if info.kind == "recommendation":
        tabs.append("Recommendation")
    for tab, draw in zip(st.tabs(tabs), [_SECTIONS[name] for name in tabs]):
        with tab:
            draw(view)


def _show_header(info: DatasetInfo) -> None:
    st.markdown(f"#### {info.title}")
    st.markdown(info.description)
    parts = [f"**Source:** {info.source}", f"**License:** {info.license}"]
    if info.label_rule:
        parts.append(f"**Label:** {info.label_rule}")
    st.caption(" · ".join(parts))


def _show_metrics(view: DatasetView) -> None:
    summary = _overview(view)
    columns = st.columns(4)
    columns[0].metric("Rows", f"{summary.rows:,}", border=True)
    columns[1].metric("Columns", f"{summary.columns:,}", border=True)
    if summary.positive_class is not None:
        share = summary.positive_rows / max(summary.labelled_rows, 1)
        columns[2].metric(
            f"Positive ({summary.positive_class})", f"{summary.positive_rows:,}", border=True,
            help=f"{share:.1%} of the {summary.labelled_rows:,} rows with a label.",
        )
    else:
        columns[2].metric("Classes", f"{summary.class_count}", border=True)
    columns[3].metric(
        "Missing values", f"{summary.missing_cells:,}", border=True,
        help="Empty cells over all columns (unlabelled rows count in the label column).",
    )


def _overview_tab(view: DatasetView) -> None:
    left, right = st.columns([3, 2])
    with left:
        st.markdown("**Columns**")
        _table(_part(view, "schema", lambda: profile.schema_table(view.frame, view.info)))
        st.caption("Role: feature, label, or the user/item/rating of a recommendation set. "
                   "Type: how prompts and baselines treat a feature. Description: what "
                   "prompts call it with readable names.")
    with right:
        st.markdown("**Class balance**")
        balance = _part(view, "balance", lambda: profile.class_balance(view.frame, view.info))
        _chart(view, "balance", lambda: class_balance_figure(balance, view.info))
        st.caption(f"Rows per value of the label '{view.info.label_column}'.")
    numbers = _part(view, "numbers", lambda: profile.numeric_summary(view.frame, view.info))
    if len(numbers):
        with st.expander("Numeric features: summary statistics"):
            _table(numbers.round(3))


def _features_tab(view: DatasetView) -> None:
    info = view.info
    if not info.features:
        st.info("This data set has no features besides the label.")
        return
    relation: profile.Relation = _part(
        view, "relation", lambda: profile.feature_relation(view.frame, info)
    )
    left, right = st.columns([2, 3])
    with left:
        st.markdown("**Relation to the label**")
        if len(relation.table):
            _chart(view, "relation", lambda: relation_figure(relation.table))
            labelled = _overview(view).labelled_rows
            sampled = (f" (a random sample of {relation.rows_used:,} of the {labelled:,} labelled "
                       "rows)" if relation.rows_used < labelled else "")
            st.caption(
                "Mutual information: how much knowing the feature tells about the label, in bits; "
                f"0 means unrelated, and it also catches non-linear relations{sampled}."
                + (f" Text features are not scored: {', '.join(relation.skipped)}."
                   if relation.skipped else "")
            )
        else:
            st.caption("Mutual information needs numeric or categorical features; this data set's "
                       "features are text (see the Text tab).")
    with right:
        _feature_distribution(view, relation)


def _feature_distribution(view: DatasetView, relation: profile.Relation) -> None:
    info = view.info
    ranked = relation.table["feature"].tolist()
    names = ranked + [f.name for f in info.features if f.name not in ranked]
    labels = {f.name: f"{f.name} ({f.readable})" if f.readable else f.name for f in info.features}
    feature = st.selectbox(
        "Distribution of", names, format_func=labels.__getitem__,
        key=f"explorer_feature_{view.key}", help="Features ordered by their relation to the label.",
    )
    kind = next(f.type for f in info.features if f.name == feature)
    if kind == "numeric":
        histogram: profile.Histogram = _part(
            view, "histogram", lambda: profile.numeric_histogram(view.frame, info, feature), feature
        )
        if not len(histogram.table):
            st.info(f"'{feature}' has no numeric values to draw.")
            return
        _chart(view, f"numeric:{feature}", lambda: histogram_figure(histogram, info, feature))
        clipped = (f" {histogram.outside:,} values outside {histogram.low:.4g} to "
                   f"{histogram.high:.4g} are not drawn." if histogram.outside else "")
        st.caption("Share of each class's rows per bin: where the colours part, the feature "
                   f"separates the classes.{clipped}")
    elif kind == "text":
        lengths = _text_lengths(view, feature)
        _chart(view, f"text:{feature}", lambda: histogram_figure(
            lengths.histogram, info, f"words in {feature}"))
        st.caption(f"Length in words of '{feature}' per class ({lengths.rows_used:,} rows).")
    else:
        shares = _part(
            view, "shares", lambda: profile.category_label_shares(view.frame, info, feature),
            feature,
        )
        _chart(view, f"category:{feature}", lambda: category_figure(shares, info, feature))
        st.caption("Share of each class among the rows with each value (the 15 most frequent "
                   "values; rarer ones are grouped). Rows without a label are left out.")


def _samples_tab(view: DatasetView) -> None:
    st.markdown("**A few rows of each class**")
    _table(_examples(view))
    st.markdown("**Random rows**")
    _table(_part(view, "sample", lambda: profile.sample_rows(view.frame)))
    st.caption("Rows drawn at random with a fixed seed, so they stay the same between visits.")


def _text_tab(view: DatasetView) -> None:
    info = view.info
    column = info.text_column
    lengths = _text_lengths(view, column)
    left, right = st.columns([3, 2])
    with left:
        st.markdown(f"**Length of '{column}' by class**")
        _chart(view, f"text-tab:{column}", lambda: histogram_figure(
            lengths.histogram, info, f"words in {column}"))
        used = lengths.rows_used
        sampled = f" (a random sample of {used:,} rows)" if used < len(view.frame) else ""
        st.caption(f"Share of each class's texts per length in words{sampled}. Longer texts "
                   "cost more tokens in prompts.")
    with right:
        st.markdown("**Lengths per class (words)**")
        _table(lengths.summary)
    st.markdown("**Examples per class**")
    examples = _examples(view)
    for label, rows in examples.groupby(info.label_column, observed=True, sort=False):
        with st.expander(f"{info.label_column} = {label}", expanded=True):
            for text in rows[column].astype(str).head(2):
                st.text(text if len(text) <= 1_200 else text[:1_200] + " …")


def _recommendation_tab(view: DatasetView) -> None:
    info = view.info
    parts = _part(view, "recommendation", lambda: _recommendation_parts(view.frame, info))
    if "summary" in parts:
        summary: profile.RecommendationSummary = parts["summary"]
        columns = st.columns(4)
        columns[0].metric("Users", f"{summary.users:,}")
        columns[1].metric("Items", f"{summary.items:,}")
        columns[2].metric("Median ratings per user", f"{summary.median_per_user:g}")
        columns[3].metric("Density", f"{summary.density:.4%}",
                          help="Ratings divided by users × items: the share of pairs rated.")
        left, right = st.columns(2)
        with left:
            _chart(view, "per_user", lambda: count_bins_figure(
                parts["per_user"], "ratings per user", "users (log scale)"))
            st.caption("How many users gave 1, 2, 3–4, ... ratings.")
        with right:
            _chart(view, "per_item", lambda: count_bins_figure(
                parts["per_item"], "ratings per item", "items (log scale)"))
            st.caption("How many items got 1, 2, 3–4, ... ratings: most items are rated rarely.")
    if "ratings" in parts:
        st.markdown("**Ratings**")
        _chart(view, "ratings", lambda: rating_figure(parts["ratings"]))
        st.caption(f"Rows per value of '{info.rating_column}'. Label rule: {info.label_rule}.")
    st.markdown("**Most rated items**" if info.item_column else "**Most asked-about target items**")
    _table(
        parts["top_items"],
        column_config={
            "liked share": st.column_config.ProgressColumn(
                "liked share", format="percent", min_value=0.0, max_value=1.0),
            "mean rating": st.column_config.NumberColumn(format="%.2f"),
        },
    )
    st.caption("Liked share and mean rating use the rows with a label.")


_SECTIONS = {
    "Overview": _overview_tab,
    "Features": _features_tab,
    "Samples": _samples_tab,
    "Text": _text_tab,
    "Recommendation": _recommendation_tab,
}
