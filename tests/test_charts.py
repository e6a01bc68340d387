"""dashboard/charts.py finish: the shared layout assigned at once gives what Plotly's own update_layout gives."""
from __future__ import annotations

import plotly.graph_objects as go
import pytest

from dashboard import charts


def _by_plotly(fig: go.Figure, title, height, legend) -> go.Figure:
    """The shared layout applied through Plotly's update machinery (the independent reading of finish)."""
    fig.update_layout(
        title={"text": title, "font": {"size": 16}} if title is not None else None,
        font={"family": charts.FONT}, colorway=charts.SERIES,
        legend={"orientation": "h", "yref": "container", "yanchor": "bottom", "y": 0, "xanchor": "left", "x": 0,
                "title_text": ""},
        showlegend=legend, margin={"t": 60 if title else 20, "l": 10, "r": 10, "b": 10},
        hoverlabel={"font": {"family": charts.FONT}},
    )
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True)
    if height:
        fig.update_layout(height=height)
    return fig


def _figure() -> go.Figure:
    fig = go.Figure([go.Bar(x=["a", "b"], y=[1, 2], name="one"), go.Scatter(x=["a", "b"], y=[2, 1], name="two")])
    # What a page sets before finishing: kept, and merged where finish sets the same setting.
    fig.update_layout(barmode="group", legend={"traceorder": "reversed"}, margin={"t": 99},
                      xaxis={"title": {"text": "x"}, "tickangle": -30}, yaxis={"tickformat": ".0%"})
    return fig


@pytest.mark.parametrize(("title", "height", "legend"), [("A title", 300, True), (None, None, False), ("", 200, True)])
def test_finish_sets_what_update_layout_would(title, height, legend):
    got = charts.finish(_figure(), title, height=height, legend=legend).to_dict()["layout"]
    want = _by_plotly(_figure(), title, height, legend).to_dict()["layout"]
    if title is None:  # Plotly leaves an empty title object where finish leaves none: the same empty title
        assert want.pop("title", {}) == {} and "title" not in got
    assert got == want
    assert got["legend"]["traceorder"] == "reversed" and got["barmode"] == "group"
    assert got["xaxis"] == {"title": {"text": "x"}, "tickangle": -30, "automargin": True}
    assert "template" in got   # the page's theme still goes with the figure
