"""Training page charts: the loss and validation AUC curves, and a try-it comparison."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from workbench.ui.chart_style import (
    GREEN, GREY, LEGEND_ABOVE, PLOTLY_CONFIG, PRIMARY, page_layout,
)

__all__ = ["PLOTLY_CONFIG", "history_figure", "try_figure"]  # PLOTLY_CONFIG: pages import it here

LOSS_COLOR = PRIMARY
AUC_COLOR = GREEN
BASE_COLOR = GREY


def history_figure(
    history: pd.DataFrame, best_step: int | None = None, height: int = 320
) -> go.Figure:
    """Training loss (left axis) and validation AUC (right axis, 0 to 1) against the step."""
    figure = go.Figure()
    losses = history.dropna(subset=["loss"])
    evals = history.dropna(subset=["val_auc"])
    figure.add_trace(go.Scatter(
        x=losses["step"], y=losses["loss"], name="training loss", mode="lines+markers",
        line=dict(color=LOSS_COLOR), marker=dict(size=4),
        hovertemplate="step %{x}: loss %{y:.4f}<extra></extra>",
    ))
    figure.add_trace(go.Scatter(
        x=evals["step"], y=evals["val_auc"], name="validation AUC", mode="lines+markers",
        yaxis="y2", line=dict(color=AUC_COLOR, width=3), marker=dict(size=8),
        hovertemplate="step %{x}: validation AUC %{y:.3f}<extra></extra>",
    ))
    if best_step is not None:
        figure.add_vline(x=best_step, line_dash="dot", line_color=AUC_COLOR,
                         annotation_text="best (kept)", annotation_position="top left")
    top = float(losses["loss"].max()) * 1.15 if len(losses) else 1.0
    figure.update_layout(
        **page_layout(height),
        xaxis=dict(title="step", range=[0, max(float(history["step"].max()), 1) * 1.03]),
        yaxis=dict(title="training loss", range=[0, top], color=LOSS_COLOR),
        yaxis2=dict(title="validation AUC", overlaying="y", side="right", range=[0, 1],
                    tickmode="linear", tick0=0, dtick=0.25, color=AUC_COLOR, showgrid=False),
    )
    return figure


def try_figure(table: pd.DataFrame, true_label: str | None = None) -> go.Figure:
    """Each class's probability from the base and the fine-tuned model, side by side."""
    figure = go.Figure()
    for column, color in (("base model", BASE_COLOR), ("fine-tuned", LOSS_COLOR)):
        figure.add_trace(go.Bar(
            x=table["class"], y=table[column], name=column, marker_color=color,
            text=[f"{value:.2f}" for value in table[column]], textposition="outside",
            hovertemplate="%{x}: %{y:.3f}<extra>" + column + "</extra>",
        ))
    title = "Probability of each class" + (f" (true class: {true_label})" if true_label else "")
    figure.update_layout(
        **page_layout(260, top=40, legend={**LEGEND_ABOVE, "x": 0.6}), barmode="group",
        title=title, yaxis=dict(range=[0, 1.1], title="probability"),
    )
    return figure
