"""One look for the pages' plotly figures: the chart toolbar, the layout they share, the colours.

    figure.update_layout(**page_layout(360), yaxis=dict(title="AUC"))
    st.plotly_chart(figure, config=PLOTLY_CONFIG, key="...")
"""

from __future__ import annotations

PLOTLY_CONFIG = {"displaylogo": False}  # the toolbar without plotly's logo

PRIMARY = "#4F46E5"  # the theme's primary colour (.streamlit/config.toml)
LIGHT_PRIMARY = "#A5B4FC"
GREEN = "#10B981"
AMBER = "#F59E0B"
RED = "#EF4444"
SKY = "#0EA5E9"
PURPLE = "#A855F7"
LIME = "#84CC16"
PINK = "#EC4899"
TEAL = "#14B8A6"
GREY = "#9CA3AF"  # what is not a result: missing values, chance, published references
SLATE = "#6B7280"
DARK = "#374151"  # error bars on coloured bars

# Lines and classes with no colour of their own take these in turn.
SERIES_COLORS = (PRIMARY, GREEN, AMBER, PURPLE, PINK, LIME, TEAL)
CLASS_COLORS = (AMBER, GREEN, RED, SKY, PURPLE, LIME, PINK)  # besides the positive class's PRIMARY

LEGEND_ABOVE = dict(orientation="h", yanchor="bottom", y=1.02, x=0)
LEGEND_ABOVE_RIGHT = dict(orientation="h", yanchor="bottom", y=1.02, xanchor="right", x=1)


def page_layout(height: int, top: int = 30, legend: dict | None = None, white: bool = True) -> dict:
    """Layout settings every page's figures share: the height, thin margins (`top` leaves room
    for a title), the legend in a row above the plot, and plotly's white template (`white`
    False keeps plotly express's own, as the Data explorer's charts do)."""
    layout = dict(height=height, margin=dict(l=10, r=10, t=top, b=10),
                  legend=LEGEND_ABOVE if legend is None else legend)
    if white:
        layout["template"] = "plotly_white"
    return layout
