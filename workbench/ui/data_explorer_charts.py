"""The Data explorer's charts: pure functions from profile tables to plotly figures, each class
in the same colour on every chart (the positive class in the theme's colour)."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from workbench.data import profile
from workbench.data.registry import DatasetInfo
from workbench.ui.chart_style import CLASS_COLORS, GREY, LEGEND_ABOVE_RIGHT, PRIMARY, page_layout

POSITIVE_COLOR = PRIMARY
MISSING_COLOR = GREY
CHART_HEIGHT = 360


def class_colors(info: DatasetInfo, labels: list[str]) -> dict[str, str]:
    """Positive class in the theme colour, the rest from a fixed list, no label in grey."""
    colors = {}
    others = iter(CLASS_COLORS * 10)
    for label in labels:
        if label == profile.MISSING_LABEL:
            colors[label] = MISSING_COLOR
        elif profile.is_binary(info) and label == info.positive:
            colors[label] = POSITIVE_COLOR
        else:
            colors[label] = next(others)
    return colors


def _style(figure: go.Figure, height: int = CHART_HEIGHT) -> go.Figure:
    figure.update_layout(**page_layout(height, top=40, legend=LEGEND_ABOVE_RIGHT, white=False),
                         legend_title_text="")
    return figure


def class_balance_figure(balance: pd.DataFrame, info: DatasetInfo) -> go.Figure:
    labels = balance["class"].tolist()
    figure = px.bar(
        balance, x="class", y="rows", color="class", color_discrete_map=class_colors(info, labels),
        text=[f"{rows:,} ({share:.1%})" for rows, share in zip(balance["rows"], balance["share"])],
        labels={"class": info.label_column, "rows": "rows"},
    )
    figure.update_traces(textposition="outside", cliponaxis=False)
    figure.update_layout(showlegend=False, yaxis_range=[0, balance["rows"].max() * 1.18])
    return _style(figure, 320)


def histogram_figure(histogram: profile.Histogram, info: DatasetInfo, x_title: str) -> go.Figure:
    table = histogram.table.assign(percent=histogram.table["share"] * 100)
    labels = table["label"].unique().tolist()
    figure = px.bar(
        table, x="bin_center", y="percent", color="label", barmode="overlay", opacity=0.6,
        color_discrete_map=class_colors(info, labels),
        hover_data={"bin_start": ":.4g", "bin_end": ":.4g", "rows": ":,", "bin_center": False},
        labels={"bin_center": x_title, "percent": "% of the class", "label": info.label_column},
    )
    widths = (table["bin_end"] - table["bin_start"]).to_numpy()
    figure.update_traces(width=float(widths[0]) if len(widths) else None, marker_line_width=0)
    figure.update_layout(bargap=0)
    return _style(figure)


def category_figure(shares: pd.DataFrame, info: DatasetInfo, feature: str) -> go.Figure:
    table = shares.assign(
        percent=shares["share"] * 100,
        category=[f"{c} ({rows:,})" for c, rows in zip(shares["category"], shares["rows"])],
    )
    order = list(dict.fromkeys(table["category"]))
    labels = table["label"].unique().tolist()
    figure = px.bar(
        table, y="category", x="percent", color="label", orientation="h",
        color_discrete_map=class_colors(info, labels),
        category_orders={"category": order, "label": labels},
        labels={
            "category": f"{feature} (rows)", "percent": "% of the rows", "label": info.label_column
        },
    )
    figure.update_layout(barmode="stack")  # category_orders already puts the first on top
    return _style(figure, max(CHART_HEIGHT, 26 * len(order) + 80))


def relation_figure(table: pd.DataFrame) -> go.Figure:
    figure = px.bar(
        table, y="feature", x="mutual_information", orientation="h",
        color_discrete_sequence=[POSITIVE_COLOR],
        labels={"mutual_information": "mutual information with the label (bits)", "feature": ""},
    )
    figure.update_layout(yaxis=dict(autorange="reversed"))
    return _style(figure, max(260, 28 * len(table) + 80))


def count_bins_figure(bins: pd.DataFrame, x_title: str, y_title: str) -> go.Figure:
    figure = px.bar(
        bins, x="bin", y="count", log_y=True, color_discrete_sequence=[POSITIVE_COLOR],
        labels={"bin": x_title, "count": y_title},
    )
    return _style(figure, 320)


def rating_figure(ratings: pd.DataFrame) -> go.Figure:
    figure = px.bar(
        ratings, x="rating", y="rows", color_discrete_sequence=[POSITIVE_COLOR],
        labels={"rows": "ratings"},
    )
    figure.update_xaxes(type="category")
    return _style(figure, 320)
