"""The follow-up calls page's workings, out of its layout: which dealers fall outside the funnel limits (and the
worst first), the headline sentence, the tiles' words, the chart builders and the drill from a chart to a dealer's
calls. The limits themselves are analytics.funnel_limits."""
from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from analytics import funnel_limits as fl
from dashboard import charts, formats
from dashboard.i18n import N_, _, pgettext
from dashboard.metrics import fmt

CALL_TYPES = ["sales", "service", "complaint_callback"]
# One colour meaning on this page: red only for a dealer that reaches clearly fewer customers than the network
# (green: clearly more); the call types in three neutral colours of the palette, the same in every chart.
TYPE_COLOURS = {"sales": charts.SERIES[0], "service": charts.SERIES[1], "complaint_callback": charts.SERIES[3]}
FEWER = charts.BAD
MORE = charts.GOOD

TABS_KEY = "followup_tab"
TABS = {"By call type": N_("By call type"), "Regions and dealers": N_("Regions and dealers"),
        "Trend by month": N_("Trend by month"), "Calls of a dealer": N_("Calls of a dealer")}
LIST_TAB = "Calls of a dealer"
DEALER_KEY = "followup_dealer"
LIST_LIMIT = 500

# Where a dealer falls against the funnel limits, worst first.
CLEARLY_FEWER = "clearly fewer"
POSSIBLY_FEWER = "possibly fewer"
WITHIN = "within"
POSSIBLY_MORE = "possibly more"
CLEARLY_MORE = "clearly more"
VERDICTS = [CLEARLY_FEWER, POSSIBLY_FEWER, WITHIN, POSSIBLY_MORE, CLEARLY_MORE]
VERDICT_LABELS = {
    CLEARLY_FEWER: N_("Clearly fewer reached (outside 99.8%)"),
    POSSIBLY_FEWER: N_("Possibly fewer reached (outside 95%)"),
    WITHIN: N_("Within the range of chance"),
    POSSIBLY_MORE: N_("Possibly more reached (outside 95%)"),
    CLEARLY_MORE: N_("Clearly more reached (outside 99.8%)"),
}


OUTCOMES = {"answered": N_("Answered"), "refused": N_("Refused"), "not_reached": N_("Not reached")}


def outcome_label(outcome: str | None) -> str:
    return formats.EMPTY if outcome is None else _(OUTCOMES[outcome]) if outcome in OUTCOMES else outcome


def tab_labels() -> dict[str, str]:
    """Each tab's English message and its label now (the catalog finds the literals in TABS)."""
    return {message: _(label) for message, label in TABS.items()}


def type_label(call_type: str | None) -> str:
    return _("All calls") if call_type is None else pgettext("survey_type", call_type)


# ---- the funnel ----
def funnel_verdicts(dealers: pl.DataFrame, network_rate: float | None) -> pl.DataFrame:
    """Dealer rows (level 'dealer') with `funnel_verdict` (one of VERDICTS) against the 95% and 99.8% binomial
    limits around `network_rate` for each dealer's attempts, `verdict_order` (0 = worst) and the translated
    `funnel_verdict_label`; sorted worst first: by verdict, then the lowest response rate. Dealers without an
    attempt are left out (nothing to judge)."""
    rows = dealers.filter((pl.col("level") == "dealer") & (pl.col("count_attempts") > 0))
    verdicts = []
    for answered, attempts in zip(rows["count_answered"], rows["count_attempts"]):
        if network_rate is None:
            verdicts.append(WITHIN)
            continue
        alarm = fl.verdict(answered, attempts, network_rate, fl.ALARM)
        warning = fl.verdict(answered, attempts, network_rate, fl.WARNING)
        verdicts.append(
            CLEARLY_FEWER if alarm == fl.BELOW else CLEARLY_MORE if alarm == fl.ABOVE
            else POSSIBLY_FEWER if warning == fl.BELOW else POSSIBLY_MORE if warning == fl.ABOVE else WITHIN
        )
    order = {v: i for i, v in enumerate(VERDICTS)}
    return (
        rows.with_columns(funnel_verdict=pl.Series(verdicts, dtype=pl.String))
        .with_columns(verdict_order=pl.col("funnel_verdict").replace_strict(order, return_dtype=pl.Int64),
                      funnel_verdict_label=pl.col("funnel_verdict").replace_strict(
                          {v: _(label) for v, label in VERDICT_LABELS.items()}, return_dtype=pl.String))
        .sort(["verdict_order", "response_rate", "dealer_id"], nulls_last=True)
    )


def funnel_figure(judged: pl.DataFrame, network_rate: float, yardstick: str, short_name) -> go.Figure:
    """Response rate against attempts, one point per dealer, inside the 95% (dashed) and 99.8% (solid) limits
    around the network's rate: red outside below, green outside above."""
    fig = go.Figure()
    largest = int(judged["count_attempts"].max() or 1)
    smallest = int(judged["count_attempts"].min() or 1)
    # The curves from half the smallest dealer's attempts: below that they only widen towards 0% and 100%.
    sizes = [n for n in fl.curve_sizes(int(largest * 1.05) + 1) if n >= max(1, smallest // 2)]
    drawn = list(judged["response_rate"].drop_nulls())
    for coverage, dash, name in ((fl.WARNING, "dash", _("95% limits")), (fl.ALARM, "solid", _("99.8% limits"))):
        lim = fl.limits(sizes, network_rate, coverage)
        for i, rates in enumerate((lim.lower_rate, lim.upper_rate)):
            fig.add_scatter(x=lim.n.tolist(), y=rates.tolist(), mode="lines", line={"color": charts.YARDSTICK, "dash": dash,
                            "width": 1, "shape": "hv"}, name=name, showlegend=i == 0, legendgroup=name, hoverinfo="skip")
            drawn += rates.tolist()
    # The yardstick in the legend, not as a label across the points.
    fig.add_scatter(x=[sizes[0], sizes[-1]], y=[network_rate, network_rate], mode="lines", hoverinfo="skip",
                    line={"color": charts.YARDSTICK, "width": 2},
                    name=_("{yardstick}: {rate}").format(yardstick=yardstick, rate=fmt(network_rate, "share")))
    colour = {CLEARLY_FEWER: FEWER, CLEARLY_MORE: MORE}
    fig.add_scatter(
        x=judged["count_attempts"].to_list(), y=judged["response_rate"].to_list(), mode="markers", name=_("Dealer"),
        marker={"size": 9, "color": [colour.get(v, charts.MAIN) for v in judged["funnel_verdict"]],
                "line": {"width": 1, "color": "white"}},
        customdata=[[d] for d in judged["dealer_id"]],
        hovertext=[_("{dealer}: {rate} of {attempts} calls answered · {verdict}").format(
            dealer=short_name(n), rate=fmt(r, "share"), attempts=formats.number(a), verdict=v)
            for n, r, a, v in zip(judged["dealer_name"], judged["response_rate"], judged["count_attempts"],
                                  judged["funnel_verdict_label"])],
        hoverinfo="text",
    )
    fig.update_layout(xaxis={"title": _("call attempts"), "rangemode": "tozero"},
                      yaxis={"title": _("response rate"), "tickformat": ".0%",
                             "range": [max(0.0, min(drawn) - 0.03), min(1.0, max(drawn) + 0.03)]})
    return fig


def days_figure(judged: pl.DataFrame, short_name) -> go.Figure:
    """Days to the first call against response rate, one point per dealer (the same colours as the funnel)."""
    colour = {CLEARLY_FEWER: FEWER, CLEARLY_MORE: MORE}
    fig = go.Figure()
    shown = judged.filter(pl.col("days_to_first_call").is_not_null())
    fig.add_scatter(
        x=shown["days_to_first_call"].to_list(), y=shown["response_rate"].to_list(), mode="markers", name=_("Dealer"),
        marker={"size": 9, "color": [colour.get(v, charts.MAIN) for v in shown["funnel_verdict"]],
                "line": {"width": 1, "color": "white"}},
        customdata=[[d] for d in shown["dealer_id"]],
        hovertext=[_("{dealer}: first call after {days} days on average, {rate} answered").format(
            dealer=short_name(n), days=formats.number(d, 1), rate=fmt(r, "share"))
            for n, d, r in zip(shown["dealer_name"], shown["days_to_first_call"], shown["response_rate"])],
        hoverinfo="text",
    )
    fig.update_layout(xaxis={"title": _("days from the event to the first call")},
                      yaxis={"title": _("response rate"), "tickformat": ".0%"})
    return fig


def type_bars(by_type: pl.DataFrame, measure: str, count_column: str, unit: str) -> go.Figure:
    """One bar per call type: the measure, its value on the bar and the number of answers under the type's name."""
    rows = by_type.filter(~pl.col("is_total"))
    types = rows["call_type"].to_list()
    values = rows[measure].to_list()
    fig = go.Figure()
    fig.add_bar(
        x=types, y=[0 if v is None else v for v in values], marker_color=[TYPE_COLOURS.get(t, charts.MAIN) for t in types],
        text=[fmt(v, unit) for v in values], textposition="outside", cliponaxis=False, hoverinfo="skip",
    )
    fig.update_layout(xaxis={"tickvals": types, "ticktext": [
        pgettext("survey_type", t) + "<br>" + _("n={count}").format(count=formats.number(n))
        for t, n in zip(types, rows[count_column])]})
    if unit == "share":
        fig.update_yaxes(tickformat=".0%", range=[0, 1.1])
    return fig


def monthly_lines(monthly: pl.DataFrame, measure: str, unit: str, count_column: str) -> go.Figure:
    """One line per call type and a grey one for all calls, by month."""
    fig = go.Figure()
    for call_type in [*CALL_TYPES, None]:
        rows = monthly.filter(pl.col("call_type").is_null() if call_type is None else pl.col("call_type") == call_type)
        rows = rows.sort("month")
        if rows.is_empty():
            continue
        fig.add_scatter(
            x=rows["month"].to_list(), y=rows[measure].to_list(), mode="lines+markers", name=type_label(call_type),
            line={"color": charts.YARDSTICK if call_type is None else TYPE_COLOURS[call_type],
                  "dash": "dash" if call_type is None else "solid", "width": 3 if call_type is None else 2},
            hovertext=[_("{month}: {value} (n={count})").format(month=formats.month(m), value=fmt(v, unit),
                                                                  count=formats.number(n))
                       for m, v, n in zip(rows["month"], rows[measure], rows[count_column])],
            hoverinfo="text+name",
        )
    if unit == "share":
        fig.update_yaxes(tickformat=".0%", rangemode="tozero")
    return charts.month_axis(fig)


# ---- the headline ----
def _names(names: list[str], most: int = 3) -> str:
    shown = _(", ").join(names[:most])
    if len(names) > most:
        return _("{names} and {count} more").format(names=shown, count=len(names) - most)
    return shown


def weighted_days(rows: pl.DataFrame) -> float | None:
    """The average days to the first call over the rows' events together (weighted by their first calls)."""
    rows = rows.filter(pl.col("count_first_calls") > 0)
    n = rows["count_first_calls"].sum()
    if not n:
        return None
    return float((rows["days_to_first_call"] * rows["count_first_calls"]).sum() / n)


def headline(by_type: pl.DataFrame, judged: pl.DataFrame, network: dict | None, yardstick: str, short_name) -> list[str]:
    """The page's answer in plain sentences: how many calls reached a customer, the NPS of each call type with its
    number of answers, and the dealers that reach clearly fewer customers than the yardstick (outside the 99.8%
    funnel limits), with how late they call."""
    total = by_type.filter(pl.col("is_total")).row(0, named=True)
    if not total["count_attempts"]:
        return [_("No follow-up calls in the period in this scope.")]
    out = [_("Of {attempts} follow-up calls in the period, {rate} reached a customer who answered.").format(
        attempts=formats.number(total["count_attempts"]), rate=formats.percent(total["response_rate"], 0))]
    nps = {r["call_type"]: r for r in by_type.filter(~pl.col("is_total")).iter_rows(named=True)}

    def score(t: str) -> str:
        r = nps.get(t) or {}
        return formats.number(r.get("nps"), 0) if r.get("nps") is not None else formats.EMPTY

    def count(t: str) -> str:
        return formats.number((nps.get(t) or {}).get("count_nps_responses") or 0)

    out.append(_("NPS of the answered calls: sales follow-ups {sales} (n={n_sales}), service {service} "
                 "(n={n_service}), complaint callbacks {complaint} (n={n_complaint}).").format(
        sales=score("sales"), n_sales=count("sales"), service=score("service"), n_service=count("service"),
        complaint=score("complaint_callback"), n_complaint=count("complaint_callback")))
    fewer = judged.filter(pl.col("funnel_verdict") == CLEARLY_FEWER)
    if fewer.is_empty():
        out.append(_("No dealer reaches clearly fewer customers than {yardstick} once its number of calls is allowed "
                     "for.").format(yardstick=yardstick))
        return out
    names = _names([short_name(n) for n in fewer["dealer_name"]])
    days, network_days = weighted_days(fewer), (network or {}).get("days_to_first_call")
    if fewer.height == 1:
        sentence = _("1 dealer reaches clearly fewer customers than {yardstick}: {dealers}; it makes its first call "
                     "after {days} days on average, {yardstick} after {network_days}.")
    else:
        sentence = _("{count} dealers reach clearly fewer customers than {yardstick}: {dealers}; they make their first "
                     "call after {days} days on average, {yardstick} after {network_days}.")
    out.append(sentence.format(count=fewer.height, yardstick=yardstick, dealers=names, days=formats.number(days, 1),
                               network_days=formats.number(network_days, 1)))
    return out


# ---- drilling from a chart to a dealer's calls ----
def drill(dealer_id: str) -> None:
    """Point the list at a dealer and open the list's tab."""
    st.session_state[DEALER_KEY] = str(dealer_id)
    st.session_state[TABS_KEY] = _(TABS[LIST_TAB])


def drill_from_chart(chart_key: str):
    def on_select():
        points = st.session_state[chart_key].selection.points
        if points and points[0].get("customdata"):
            drill(points[0]["customdata"][0])
    return on_select


def pick_customer(table_key: str, customer_ids: list[str]) -> None:
    """A selected row of the call list chooses its customer in the "Open a customer" box."""
    selected = st.session_state[table_key].selection.rows
    if selected:
        st.session_state["followup_customer"] = customer_ids[selected[0]]
