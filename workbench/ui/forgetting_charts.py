"""Forgetting page charts, from stored forgetting runs: the accuracy matrices as heatmaps, the
first task before and after, its accuracy while later tasks train, the perplexity probe, and the
learning/forgetting trade-off."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from workbench.forgetting.report import run_title
from workbench.store import RunRecord

PHASE_COLORS = ("#9CA3AF", "#10B981", "#EF4444")  # before, after learning it, at the end
SYMBOLS = ("circle", "diamond", "square", "triangle-up", "cross", "x", "star", "hexagon")
LINE_COLORS = ("#EF4444", "#4F46E5", "#F59E0B", "#10B981", "#8B5CF6", "#0EA5E9", "#EC4899",
               "#84CC16", "#14B8A6", "#F97316")


def _layout(figure: go.Figure, height: int, **extra) -> go.Figure:
    figure.update_layout(height=height, margin=dict(l=10, r=10, t=40, b=10),
                         legend=dict(orientation="h", y=-0.2), **extra)
    return figure


def _two_lines(title: str) -> str:
    """A long title broken before its parenthesis, so neighbouring subplot titles stay apart."""
    return title.replace(" (", "<br>(", 1) if len(title) > 18 else title


def matrix_heatmaps(records: Sequence[RunRecord], columns: int = 3) -> go.Figure:
    """R of each run (rows: before training, after each task; columns: tasks), in percent."""
    rows = -(-len(records) // columns)
    figure = make_subplots(rows=rows, cols=min(columns, len(records)),
                           subplot_titles=[_two_lines(run_title(record)) for record in records],
                           horizontal_spacing=0.12, vertical_spacing=0.2)
    for number, record in enumerate(records):
        metrics = record.metrics
        matrix = np.asarray(metrics["matrix"], dtype=float) * 100
        tasks = metrics["tasks"]
        stages = ["before"] + [f"after {task}" for task in tasks]
        figure.add_trace(go.Heatmap(
            z=matrix, x=tasks, y=stages, zmin=0, zmax=100, colorscale="RdYlGn",
            text=np.round(matrix, 1), texttemplate="%{text}", showscale=number == 0,
            colorbar=dict(title="accuracy %", len=0.8),
            hovertemplate="%{y}, accuracy on %{x}: %{z:.1f}%<extra></extra>",
        ), row=number // columns + 1, col=number % columns + 1)
    figure.update_yaxes(autorange="reversed")
    for column in range(2, min(columns, len(records)) + 1):  # row names once, on the left
        figure.update_yaxes(showticklabels=False, col=column)
    return _layout(figure, height=260 * rows + 40)


def first_task_accuracies(metrics: dict) -> list[float]:
    """The first task's accuracy among its own answers at each stage: the within-task accuracy
    in the class-incremental setting (the shared head may answer another task's class), the
    accuracy itself with label words (each task is scored on its own answer words)."""
    matrix = metrics.get("within_task_matrix") or metrics["matrix"]
    return [row[0] for row in matrix]


def first_task_bars(records: Sequence[RunRecord]) -> go.Figure:
    """The first task's within-task accuracy before training, just after learning it, and at
    the end, with the share of its most common answer as a dashed line."""
    titles = [run_title(record) for record in records]
    first = records[0].metrics["tasks"][0]
    figure = go.Figure()
    phases = ("before training", f"after learning {first}", "after the last task")
    for phase, (name, color) in enumerate(zip(phases, PHASE_COLORS)):
        row = (0, 1, -1)[phase]
        values = [100 * first_task_accuracies(record.metrics)[row] for record in records]
        figure.add_trace(go.Bar(
            x=titles, y=values, name=name, marker_color=color, text=[f"{v:.0f}" for v in values],
            textposition="outside", hovertemplate="%{x}: %{y:.1f}%<extra>" + name + "</extra>",
        ))
    majority = (records[0].metrics.get("majority_share") or [None])[0]
    if majority is not None:
        figure.add_hline(y=100 * majority, line_dash="dash", line_color="#6B7280")
        # Named in the legend: a label on the line itself sits on the bars' numbers.
        figure.add_trace(go.Scatter(
            x=[None], y=[None], mode="lines", line=dict(dash="dash", color="#6B7280"),
            name=f"always the most common answer: {100 * majority:.0f}%", hoverinfo="skip",
        ))
    return _layout(figure, 380, barmode="group",
                   yaxis=dict(title=f"accuracy on {first}, its own answers (%)", range=[0, 110]))


def first_task_curves(records: Sequence[RunRecord]) -> go.Figure:
    """The first task's accuracy (within-task where the run has it) while the later tasks train:
    one line per method; the x axis counts steps since the first task was learned."""
    figure = go.Figure()
    first = records[0].metrics["tasks"][0]
    for number, record in enumerate(records):
        metrics = record.metrics
        points = metrics.get("curve") or []
        if not points:
            continue
        start = points[0]["global_step"]
        figure.add_trace(go.Scatter(
            x=[point["global_step"] - start for point in points],
            y=[100 * (point["accuracy"] if point.get("within_task") is None else point["within_task"])
               for point in points],
            mode="lines+markers", name=run_title(record),
            line=dict(color=LINE_COLORS[number % len(LINE_COLORS)]),
            hovertemplate="step %{x}: %{y:.1f}%<extra>" + run_title(record) + "</extra>",
        ))
    return _layout(figure, 380, xaxis=dict(title="training steps after the first task"),
                   yaxis=dict(title=f"accuracy on {first} (%)", range=[0, 100]))


def perplexity_bars(records: Sequence[RunRecord]) -> go.Figure | None:
    """How much each method changed perplexity on held-out English text, from before training to
    after the last task (above zero: the model got worse at ordinary text)."""
    usable = [r for r in records if (r.metrics.get("perplexity") or [None])[-1] is not None
              and r.metrics["perplexity"][0] is not None]
    if not usable:
        return None
    titles = [run_title(record) for record in usable]
    before = [record.metrics["perplexity"][0] for record in usable]
    after = [record.metrics["perplexity"][-1] for record in usable]
    changes = [end - start for start, end in zip(before, after)]
    figure = go.Figure(go.Bar(
        x=titles, y=changes, marker_color=[PHASE_COLORS[2] if c > 0 else PHASE_COLORS[1] for c in changes],
        text=[f"{c:+.2f}" for c in changes], textposition="outside",
        customdata=list(zip(before, after)),
        hovertemplate="%{x}: %{customdata[0]:.2f} -> %{customdata[1]:.2f}<extra></extra>",
    ))
    return _layout(figure, 340, yaxis=dict(title="perplexity change (lower is better)",
                                           zeroline=True))


def trade_off(records: Sequence[RunRecord]) -> go.Figure:
    """Learning against forgetting: the last task's final accuracy (x) and the first task's
    forgetting (y), one point per run."""
    figure = go.Figure()
    tasks = records[0].metrics["tasks"]
    for number, record in enumerate(records):
        metrics = record.metrics
        forgetting = metrics["forgetting"][0]
        figure.add_trace(go.Scatter(
            x=[100 * metrics["matrix"][-1][-1]], y=[100 * (forgetting or 0)], mode="markers",
            marker=dict(size=14, color=LINE_COLORS[number % len(LINE_COLORS)],
                        symbol=SYMBOLS[number % len(SYMBOLS)]),
            name=run_title(record),
            hovertemplate="learned %{x:.1f}%, forgot %{y:.1f} points<extra></extra>",
        ))
    return _layout(figure, 380, xaxis=dict(title=f"final accuracy on {tasks[-1]} (%): learning"),
                   yaxis=dict(title=f"forgetting of {tasks[0]} (points)"))
