"""The Results page's charts: pure functions from workbench.results' tables to plotly figures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from workbench import results
from workbench.baselines import METHOD_LABELS
from workbench.ui.chart_style import (
    AMBER, GREEN, GREY, PRIMARY, RED, SERIES_COLORS, SKY, SLATE, page_layout,
)

MAX_AUC_ROWS = 40  # runs drawn in the AUC chart (the best ones)
FAMILY_COLORS = {"zero-shot": AMBER, "few-shot": GREEN, "fine-tuned": PRIMARY, "baseline": SLATE}
BASELINE_COLORS = {METHOD_LABELS["logreg"]: SKY, METHOD_LABELS["xgboost"]: RED}
REFERENCE_COLOR = GREY
REFERENCE_SYMBOLS = ("circle-open", "diamond-open", "square-open")
CHART_HEIGHT = 420


def _style(figure: go.Figure, height: int = CHART_HEIGHT) -> go.Figure:
    figure.update_layout(**page_layout(height))
    return figure


def _error_bars(table: pd.DataFrame) -> dict:
    high = (table["AUC high"] - table["AUC"]).fillna(0).clip(lower=0)
    low = (table["AUC"] - table["AUC low"]).fillna(0).clip(lower=0)
    return dict(type="data", symmetric=False, array=high.tolist(), arrayminus=low.tolist())


def auc_figure(table: pd.DataFrame) -> go.Figure:
    """AUC of each run with its 95% interval, best at the top, coloured by method family."""
    shown = table.dropna(subset=["AUC"]).head(MAX_AUC_ROWS)
    figure = go.Figure()
    for family in results.FAMILIES:
        part = shown[shown["family"] == family]
        if part.empty:
            continue
        figure.add_trace(go.Scatter(
            x=part["AUC"], y=part["label"], mode="markers", name=family,
            marker=dict(color=FAMILY_COLORS[family], size=11),
            error_x=_error_bars(part) | {"color": FAMILY_COLORS[family], "thickness": 1.5},
            customdata=np.stack([part["AUC (95% CI)"], part["test rows"], part["n test"]], axis=1),
            hovertemplate="%{y}<br>AUC %{customdata[0]}<br>%{customdata[1]} (%{customdata[2]} "
                          "scored)<extra></extra>",
        ))
    figure.add_vline(x=0.5, line_dash="dot", line_color=REFERENCE_COLOR,
                     annotation_text="chance", annotation_position="bottom right")
    figure.update_yaxes(categoryorder="array", categoryarray=shown["label"].tolist()[::-1],
                        title=None)
    figure.update_xaxes(title="test AUC (95% interval)")
    return _style(figure, max(260, 30 * len(shown) + 120))


def _series_colors(names: list[str]) -> dict[str, str]:
    others = iter(SERIES_COLORS * 10)
    return {name: BASELINE_COLORS.get(name) or next(others) for name in names}


def shots_figure(points: pd.DataFrame, reference: pd.DataFrame) -> go.Figure:
    """AUC against labelled training rows, one line per series; the x axis is categorical
    (0, 4, 16, ... all) so that 0 shots has a place and powers of 4 are evenly spaced."""
    figure = go.Figure()
    colors = _series_colors(list(dict.fromkeys(points["series"])))
    for series, part in points.groupby("series", sort=False):
        is_baseline = (part["family"] == "baseline").all()
        figure.add_trace(go.Scatter(
            x=part["x"], y=part["AUC"], mode="lines+markers", name=series,
            line=dict(color=colors[series], width=2, dash="solid" if not is_baseline else "dot"),
            marker=dict(size=9, symbol="square" if is_baseline else "circle"),
            error_y=_error_bars(part) | {"color": colors[series], "thickness": 1.2},
            customdata=np.stack([part["band"], part["runs"]], axis=1),
            hovertemplate=f"{series}<br>n train %{{x}}: AUC %{{y:.3f}}<br>bars: %{{customdata[0]}}"
                          "<extra></extra>",
        ))
    for symbol, (series, part) in zip(REFERENCE_SYMBOLS, reference.groupby("series", sort=False)):
        figure.add_trace(go.Scatter(
            x=part["x"], y=part["AUC"], mode="lines+markers",
            name=f"{series} (REFERENCES.md)",
            line=dict(color=REFERENCE_COLOR, width=1, dash="dash"),
            marker=dict(color=REFERENCE_COLOR, size=9, symbol=symbol),
            hovertemplate=f"{series}<br>n train %{{x}}: AUC %{{y:.3f}} (REFERENCES.md)"
                          "<extra></extra>",
        ))
    figure.add_hline(y=0.5, line_dash="dot", line_color=REFERENCE_COLOR)
    figure.update_xaxes(type="category", categoryorder="array",
                        categoryarray=results.x_order(points, reference),
                        title="labelled training rows (shots for prompting)")
    figure.update_yaxes(title="test AUC")
    return _style(figure)


def roc_figure(curves: dict[str, dict], labels: dict[str, str]) -> go.Figure:
    figure = go.Figure()
    figure.add_trace(go.Scatter(
        x=[0, 1], y=[0, 1], mode="lines", name="chance",
        line=dict(color=REFERENCE_COLOR, dash="dot"), hoverinfo="skip",
    ))
    colors = iter(SERIES_COLORS * 10)
    for run_id, curve in curves.items():
        auc = f"AUC {curve['auc']:.3f}" if curve["auc"] is not None else "no AUC"
        figure.add_trace(go.Scatter(
            x=curve["fpr"], y=curve["tpr"], mode="lines", name=f"{labels[run_id]} ({auc})",
            line=dict(color=next(colors), width=2),  # linear: ties are diagonal segments
        ))
    figure.update_xaxes(title="false positive rate", range=[0, 1])
    figure.update_yaxes(title="true positive rate", range=[0, 1.01])
    _style(figure, 460)
    # Inside the plot, bottom right: the corner a ROC curve never reaches.
    figure.update_layout(legend=dict(orientation="v", yanchor="bottom", y=0.02, xanchor="right",
                                     x=0.99, bgcolor="rgba(255,255,255,0.8)"))
    return figure
