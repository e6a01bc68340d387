"""Charts that read the same on every page: one palette, one meaning per colour, legends below the plot (a phone
has no room beside it), titles that wrap, labels on bars (a zero bar shows its 0), and no Plotly tool bar."""
from __future__ import annotations

import math

import plotly.graph_objects as go
import streamlit as st

# Meanings, the same on every page.
BAD = "#c0392b"        # past deadline, negative, worse than the yardstick
GOOD = "#2e8b57"       # proven, within deadline, better
MAIN = "#1f5f99"       # the measure itself
SECOND = "#8fb8de"     # a second series of the same measure (leads beside sales)
YARDSTICK = "#7f7f7f"  # region, nation, break-even: what a bar is read against
MUTED = "#c9c9c9"      # small sample, not proven, no control: shown, not judged
# Categories without a meaning (channels, statuses, segments): colour-blind-safe (Okabe-Ito, without black).
SERIES = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999"]
FONT = "Noto Sans CJK SC, Source Sans Pro, Microsoft YaHei, PingFang SC, sans-serif"


def finish(fig: go.Figure, title: str | None = None, *, height: int | None = None, legend: bool = True) -> go.Figure:
    """The shared layout: title, legend below, room for labels, the palette for unnamed categories."""
    shared = {
        "title": {"text": title, "font": {"size": 16}} if title is not None else None,
        "font": {"family": FONT},
        "colorway": SERIES,
        # At the foot of the figure, not of the plot: Plotly then makes room for it below the axis labels and title
        # (a legend placed under the plot at a fixed distance ran into a tilted axis or its title).
        "legend": {"orientation": "h", "yref": "container", "yanchor": "bottom", "y": 0, "xanchor": "left", "x": 0,
                   "title": {"text": ""}},
        "showlegend": legend,
        "margin": {"t": 60 if title else 20, "l": 10, "r": 10, "b": 10},
        "hoverlabel": {"font": {"family": FONT}},
    }
    if height:
        shared["height"] = height
    # One assignment of the merged layout, not fig.update_layout: Plotly's update machinery (batching, relayout
    # callbacks for widgets) took 5 ms a chart, a sixth of a warm page's rerun; assigning takes under 1 ms.
    layout = _merged(fig.layout.to_plotly_json(), shared)
    # The default template (Streamlit's) was copied in when the figure was made, and goes in again when it is sent;
    # assigning it here would validate all of it once more (70% of the cost).
    layout.pop("template", None)
    for axis in [k for k in layout if k.startswith(("xaxis", "yaxis"))] + ["xaxis", "yaxis"]:
        layout[axis] = {**(layout.get(axis) or {}), "automargin": True}
    fig.layout = layout
    return fig


def _merged(base: dict, changes: dict) -> dict:
    """`base` updated as Figure.update_layout updates a layout: nested settings merged, a leaf (or a list) replaced,
    a None setting removed."""
    out = dict(base)
    for key, value in changes.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merged(out[key], value)
        else:
            out[key] = value
    return out


def month_axis(fig: go.Figure, axis: str = "x") -> go.Figure:
    """Month ticks in the reader's language (2026年3月 / Mar 2026): Plotly's own are English."""
    from dashboard import i18n

    ticks = {"tickformat": "%Y年%-m月" if i18n.language() == "zh" else "%b %Y", "hoverformat": "%Y-%m"}
    (fig.update_xaxes if axis == "x" else fig.update_yaxes)(**ticks)
    return fig


def money_axis(fig: go.Figure, values, axis: str = "y") -> go.Figure:
    """Yuan ticks as the reader counts them (¥2亿 / ¥200M): Plotly's own read '200M' in both languages."""
    from dashboard import formats

    top = max([abs(v) for v in values if v is not None] or [0])
    if top <= 0:
        return fig
    raw = top / 4
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    ticks = [i * step for i in range(int(top // step) + 2)]
    low = min([v for v in values if v is not None] or [0])
    if low < 0:
        ticks = [-i * step for i in range(int(-low // step) + 1, 0, -1)] + ticks
    (fig.update_yaxes if axis == "y" else fig.update_xaxes)(tickvals=ticks, ticktext=[formats.money(t, trim=True) for t in ticks])
    return fig


def bar_labels(fig: go.Figure, template) -> go.Figure:
    """Each bar's value on it, outside the bar so a zero bar shows its '0' (an empty space looked like no data).
    `template` is a Plotly text template ("%{y:.0%}") or a function of the value (formats.percent), whose text is
    then the page's own, in the reader's language."""
    for trace in fig.data:
        if trace.type != "bar":
            continue
        if callable(template):
            values = trace.x if trace.orientation == "h" else trace.y
            trace.update(text=[template(v) for v in values], textposition="outside", cliponaxis=False)
        else:
            trace.update(texttemplate=template, textposition="outside", cliponaxis=False)
    return fig


def show(fig: go.Figure, key: str, **kwargs):
    """Draw a chart; the Plotly tool bar (zoom, pan, lasso, a PNG export) stays hidden: it covered titles on a phone."""
    return st.plotly_chart(fig, key=key, config={"displayModeBar": False, "displaylogo": False}, **kwargs)
