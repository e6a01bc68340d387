"""What the segments page and Customer 360 say and draw, kept out of the pages so a test can reach them: the tabs
(named in the reader's language, the same tab whichever language a link was shared in), the headline sentences
computed from the numbers, the RFM grid, the few largest segment migrations and their flow chart, cohort labels,
and the one sentence that explains why a customer's activity, RFM segment and model probability can disagree."""
from __future__ import annotations

import re
from datetime import date, datetime

import plotly.graph_objects as go
import polars as pl

from dashboard import charts, formats, i18n
from dashboard.i18n import N_, _, pgettext
from dashboard.metrics import NOT_ACTIVE, RFM_SEGMENTS, fmt

SEGMENTS = [*RFM_SEGMENTS, NOT_ACTIVE]   # the named segments, most valuable first, then no segment
# Segments the dealer wants back: they used to come often and have not lately.
WIN_BACK = ("can't lose", "at risk")
# Segments that read as doing well, and as slipping: a customer's status note compares them with activity.
GOOD_SEGMENTS = ("champions", "loyal", "potential loyalists", "new")
MIGRATION_FLOWS = 8   # the flows drawn one by one; the rest is one "other moves" band

# The tabs of the segments page: the English label is what a link carries in English (?segments_tab=Migration).
TABS = {
    "rfm": N_("RFM segments"),
    "tiers": N_("Value tiers"),
    "cohorts": N_("Cohorts"),
    "churn": N_("Churn risk"),
    "migration": N_("Migration"),
    "clv": N_("Lifetime value"),
    "portrait": N_("Customer portrait"),
}

# Customer 360's timeline rows (customer_360_timeline.sql's `category`), in the order drawn.
TIMELINE_CATEGORIES = ["purchase", "service", "lead", "campaign", "complaint", "survey"]


def timeline_names() -> dict[str, str]:
    """The timeline's rows in the reader's language (each call a literal, so the catalog finds it)."""
    return {"purchase": pgettext("timeline", "purchase"), "service": pgettext("timeline", "service"),
            "lead": pgettext("timeline", "lead"), "campaign": pgettext("timeline", "campaign"),
            "complaint": pgettext("timeline", "complaint"), "survey": pgettext("timeline", "survey")}


# Messages of analytics/clv.py, which knows nothing of languages: translated where they are shown.
CLV_MESSAGES = {
    "Too little history before the holdout weeks to check the model.":
        N_("Too little history before the holdout weeks to check the model."),
}


def sentences(parts: list[str]) -> str:
    """Sentences one after another: a space between English ones, none after a Chinese full stop."""
    return ("" if i18n.language() == "zh" else " ").join(p for p in parts if p)


# --- tabs ---------------------------------------------------------------------------------------------------

def tab_labels() -> dict[str, str]:
    """English message -> the tab's label now, for components.bound_tabs."""
    return {message: _(message) for message in TABS.values()}


# --- segments -----------------------------------------------------------------------------------------------

def segment_name(segment: str | None) -> str:
    return pgettext("segment", segment) if segment else formats.EMPTY


def segment_labels() -> dict[str, str]:
    """Option labels for a segment picker (a format_func is also called outside the run: look them up now)."""
    return {s: segment_name(s) for s in SEGMENTS}


def segment_colours() -> dict[str, str]:
    """One colour per segment, the same on every chart of the page; no segment is the muted grey."""
    return {s: charts.SERIES[i % len(charts.SERIES)] for i, s in enumerate(RFM_SEGMENTS)} | {NOT_ACTIVE: charts.MUTED}


def in_segment_order(df: pl.DataFrame, column: str = "segment") -> pl.DataFrame:
    order = {s: i for i, s in enumerate(SEGMENTS)}
    return df.with_columns(_order=pl.col(column).replace_strict(order, default=99, return_dtype=pl.Int64)) \
        .sort("_order").drop("_order")


def _rate(numerator: pl.Expr, denominator) -> pl.Expr:
    """queries/metrics.sql's rate(): a ratio, null where the denominator is 0 or null."""
    denominator = denominator if isinstance(denominator, pl.Expr) else pl.lit(denominator)
    return pl.when(denominator != 0).then(numerator.cast(pl.Float64) / denominator)


def from_grid(grid: pl.DataFrame) -> pl.DataFrame:
    """The named segments added up from the score grid's cells (every segment is a set of cells), so the page
    scores its customers once, not once per dataset (each scoring ranks every customer in scope: 170 ms on the l
    mart): count, revenue, shares and averages, largest revenue first. tests/test_segments_queries.py checks them
    against an independent scoring."""
    per = grid.group_by("segment").agg(pl.col("count_customers", "revenue", "sum_recency_days", "sum_frequency").sum())
    count = pl.col("count_customers")
    customers, revenue = per["count_customers"].sum(), per["revenue"].sum()
    return per.select(
        "segment",
        count,
        _rate(count, customers if customers else None).alias("customer_share"),
        "revenue",
        _rate(pl.col("revenue"), revenue if customers else None).alias("revenue_share"),
        _rate(pl.col("revenue"), count).alias("avg_customer_revenue"),
        _rate(pl.col("sum_recency_days"), count).alias("avg_recency_days"),
        _rate(pl.col("sum_frequency"), count).alias("avg_frequency"),
    ).sort(["revenue", "segment"], descending=[True, False])


def with_meaning(segments: pl.DataFrame) -> pl.DataFrame:
    """The segments table with what each segment means and what to do, in the reader's language."""
    meanings = {s: _(d) for s, d in RFM_SEGMENTS.items()}
    return segments.with_columns(meaning=pl.col("segment").replace_strict(meanings, default="", return_dtype=pl.String))


def rfm_headline(segments: pl.DataFrame) -> str:
    """The RFM tab's answer: what the best segment brings, and how many good customers are slipping away."""
    rows = {r["segment"]: r for r in segments.iter_rows(named=True)}
    top = rows.get("champions")
    if top is None:
        return ""
    slipping = sum(rows[s]["count_customers"] for s in WIN_BACK if s in rows)
    first = _("**{count} champions, {customer_share} of the customers, bring {revenue_share} of the period's "
              "revenue.**").format(count=formats.number(top["count_customers"]),
                                   customer_share=fmt(top["customer_share"], "share"),
                                   revenue_share=fmt(top["revenue_share"], "share"))
    second = _("{count} customers who used to come often have not come lately ({segments}): win them back "
               "first.").format(count=formats.number(slipping),
                                segments=_(", ").join(segment_name(s) for s in WIN_BACK))
    return sentences([first, second])


def share_bars(labels: list[str], customer_share: list, revenue_share: list, title: str, *,
               height: int = 380) -> go.Figure:
    """Each group's share of customers beside its share of revenue: the second is the answer, drawn darker."""
    fig = go.Figure([
        go.Bar(x=labels, y=customer_share, name=_("Share of customers"), marker_color=charts.SECOND),
        go.Bar(x=labels, y=revenue_share, name=_("Share of revenue"), marker_color=charts.MAIN),
    ])
    fig.update_layout(barmode="group", yaxis={"tickformat": ".0%"}, bargap=0.25)
    charts.bar_labels(fig, "%{y:.0%}")
    fig.update_traces(hovertemplate="%{x}: %{y:.1%}<extra>%{fullData.name}</extra>")
    return charts.finish(fig, title, height=height)


def rfm_grid_chart(grid: pl.DataFrame) -> go.Figure:
    """Recency score against frequency score: each cell coloured by its segment and labelled with its customers in
    large type (the segment names no longer fit in a cell: the legend names the colours). Empty cells stay blank:
    tied customers share a score, so some scores hold nobody."""
    colours = segment_colours()
    present = [s for s in RFM_SEGMENTS if s in set(grid["segment"].to_list())]
    index = {s: i for i, s in enumerate(present)}
    z = [[None] * 5 for _r in range(5)]
    text = [[""] * 5 for _r in range(5)]
    hover = [[""] * 5 for _r in range(5)]
    for row in grid.iter_rows(named=True):
        r, f = row["r_score"] - 1, row["f_score"] - 1
        hover[r][f] = _("Recency {r} · frequency {f}: {segment}, {count} customers").format(
            r=row["r_score"], f=row["f_score"], segment=segment_name(row["segment"]),
            count=formats.number(row["count_customers"]))
        if row["count_customers"]:
            z[r][f] = index[row["segment"]]
            text[r][f] = formats.number(row["count_customers"])
    n = max(len(present), 1)
    # A stepwise scale: segment i fills [i/n, (i+1)/n) with its own colour.
    scale = []
    for i, s in enumerate(present):
        scale += [[i / n, colours[s]], [(i + 1) / n, colours[s]]]
    fig = go.Figure(go.Heatmap(
        z=z, x=[1, 2, 3, 4, 5], y=[1, 2, 3, 4, 5], zmin=-0.5, zmax=n - 0.5, colorscale=scale or [[0, charts.MUTED], [1, charts.MUTED]],
        showscale=False, text=text, texttemplate="%{text}", textfont={"size": 15}, customdata=hover,
        hovertemplate="%{customdata}<extra></extra>", xgap=2, ygap=2,
    ))
    for s in present:   # the legend: one square per segment shown
        fig.add_scatter(x=[None], y=[None], mode="markers", name=segment_name(s),
                        marker={"symbol": "square", "size": 12, "color": colours[s]})
    fig.update_layout(
        xaxis={"title": {"text": _("Frequency score (5 = most frequent)")}, "dtick": 1},
        yaxis={"title": {"text": _("Recency score (5 = most recent)")}, "dtick": 1},
        plot_bgcolor="white",
    )
    return charts.finish(fig, _("Customers in each recency and frequency score"), height=520)


# --- value tiers --------------------------------------------------------------------------------------------

def pareto_point(pareto: pl.DataFrame, percentile: int = 20) -> dict | None:
    """The Pareto curve's point at a percentile of customers: their share of customers and of revenue."""
    hit = pareto.filter(pl.col("percentile") == percentile)
    return hit.row(0, named=True) if hit.height else None


def tiers_headline(pareto: pl.DataFrame, tiers: pl.DataFrame) -> str:
    """The value tiers' answer in the 80/20 words of the trade."""
    point = pareto_point(pareto)
    a = tiers.filter(pl.col("tier") == "A")
    parts = []
    if point is not None:
        parts.append(_("**The top {customer_share} of customers bring {revenue_share} of the period's revenue.**").format(
            customer_share=formats.percent(point["customer_share"], 0), revenue_share=fmt(point["revenue_share"], "share")))
    if a.height:
        row = a.row(0, named=True)
        parts.append(_("80% of the revenue comes from {count} customers, {customer_share} of them (tier A), who bring "
                       "{average} each on average.").format(
            count=formats.number(row["count_customers"]), customer_share=fmt(row["customer_share"], "share"),
            average=fmt(row["avg_customer_revenue"], "money")))
    return sentences(parts)


def pareto_chart(pareto: pl.DataFrame, tier_a_share: float | None) -> go.Figure:
    fig = go.Figure(go.Scatter(
        x=pareto["customer_share"].to_list(), y=pareto["revenue_share"].to_list(), mode="lines",
        line={"color": charts.MAIN, "width": 3}, name=_("Share of revenue"),
        hovertemplate=_("Top {customers} of customers: {revenue} of revenue").format(
            customers="%{x:.0%}", revenue="%{y:.1%}") + "<extra></extra>",
    ))
    fig.add_hline(y=0.8, line_dash="dash", line_color=charts.YARDSTICK, annotation_text=_("80% of revenue"),
                  annotation_position="bottom right")
    if tier_a_share is not None:
        fig.add_vline(x=tier_a_share, line_dash="dot", line_color=charts.YARDSTICK,
                      annotation_text=_("{share} of customers").format(share=fmt(tier_a_share, "share")),
                      annotation_position="top right")
    fig.update_xaxes(tickformat=".0%", title_text=_("Share of customers, largest first"))
    fig.update_yaxes(tickformat=".0%", title_text=_("Share of revenue"))
    return charts.finish(fig, _("How few customers bring most of the revenue"), height=380, legend=False)


# --- cohorts ------------------------------------------------------------------------------------------------

GRAINS = {"month": N_("month"), "quarter": N_("quarter")}


def grain_labels() -> dict[str, str]:
    return {g: _(label) for g, label in GRAINS.items()}


def cohort_name(day: date, grain: str) -> str:
    if grain == "quarter":
        return _("Q{quarter} {year}").format(quarter=(day.month - 1) // 3 + 1, year=day.year)
    return formats.month(day)


def cohort_label(day: date, grain: str, count: int, partial: bool) -> str:
    """A cohort's row label: its month or quarter, its size, and * where the period starts inside it."""
    return f"{cohort_name(day, grain)} (n={formats.number(count)})" + (" *" if partial else "")


def cohort_peak(cohorts: pl.DataFrame) -> tuple[int, float] | None:
    """(periods after the first purchase, share active then) where new customers come back most: over the cohorts
    whose period is over, customers active in it / the cohorts' customers."""
    later = cohorts.filter((pl.col("periods_since") > 0) & ~pl.col("is_partial"))
    if later.is_empty():
        return None
    by = later.group_by("periods_since").agg(pl.col("count_active").sum(), pl.col("count_cohort").sum()) \
        .with_columns(share=pl.col("count_active") / pl.col("count_cohort")) \
        .sort(["share", "periods_since"], descending=[True, False])
    row = by.row(0, named=True)
    return int(row["periods_since"]), float(row["share"])


def cohort_headline(cohorts: pl.DataFrame, grain: str) -> str:
    """When new customers come back most (for a car: the first service), and how many of them do."""
    peak = cohort_peak(cohorts)
    if peak is None:
        return ""
    periods, share = peak
    if grain == "month":
        message = (_("**New customers come back most in the month after their first purchase: {share} of them made a "
                     "sale or service visit then.**") if periods == 1 else
                   _("**New customers come back most {count} months after their first purchase: {share} of them made "
                     "a sale or service visit that month.**"))
    else:
        message = (_("**New customers come back most in the quarter after their first purchase: {share} of them made "
                     "a sale or service visit then.**") if periods == 1 else
                   _("**New customers come back most {count} quarters after their first purchase: {share} of them "
                     "made a sale or service visit that quarter.**"))
    return message.format(count=periods, share=fmt(share, "share"))


def cohort_chart(cohorts: pl.DataFrame, grain: str) -> go.Figure:
    """Each cohort's share active in each later month or quarter: a row per cohort, darker = more came back."""
    sizes = cohorts.group_by("cohort_on").agg(pl.col("count_cohort").first(), pl.col("is_partial_cohort").first()).sort("cohort_on")
    labels = {r["cohort_on"]: cohort_label(r["cohort_on"], grain, r["count_cohort"], r["is_partial_cohort"])
              for r in sizes.iter_rows(named=True)}
    later = cohorts.filter(pl.col("periods_since") > 0)
    width = int(later["periods_since"].max())
    rows = sizes["cohort_on"].to_list()
    z = [[None] * width for _r in rows]
    for r in later.iter_rows(named=True):
        z[rows.index(r["cohort_on"])][r["periods_since"] - 1] = r["share_active"]
    after = _("{count} months later") if grain == "month" else _("{count} quarters later")
    hover = [[f"{labels[c]}<br>" + after.format(count=i + 1) + ": " + (fmt(v, "share") if v is not None else formats.EMPTY)
              for i, v in enumerate(line)] for c, line in zip(rows, z)]
    fig = go.Figure(go.Heatmap(
        z=z, x=list(range(1, width + 1)), y=[labels[c] for c in rows], colorscale="Blues", zmin=0, showscale=False,
        texttemplate="%{z:.0%}", textfont={"size": 12}, customdata=hover, hovertemplate="%{customdata}<extra></extra>",
        xgap=1, ygap=1,
    ))
    axis = _("Months since first purchase") if grain == "month" else _("Quarters since first purchase")
    fig.update_layout(xaxis={"title": {"text": axis}, "dtick": 1, "side": "top"}, yaxis={"autorange": "reversed"})
    title = (_("Share of each month's new customers active in each later month") if grain == "month"
             else _("Share of each quarter's new customers active in each later quarter"))
    return charts.finish(fig, title, height=max(320, 30 * len(rows) + 140), legend=False)


# --- churn --------------------------------------------------------------------------------------------------

def churn_headline(by_status: dict[str, dict]) -> str:
    active, at_risk = by_status.get("active"), by_status.get("at risk")
    if not active or not at_risk:
        return ""
    return _("**{active} of the customers are active; {count} ({share}) are at risk**, with {revenue} of revenue to "
             "date: win them back before they lapse.").format(
        active=fmt(active["customer_share"], "share"), count=formats.number(at_risk["count_customers"]),
        share=fmt(at_risk["customer_share"], "share"), revenue=fmt(at_risk["lifetime_revenue"], "money"))


def drivers_chart(part: pl.DataFrame, title: str, top: float) -> go.Figure:
    """Lapse rate by group with its 95% interval, the groups named in the reader's language."""
    labels = [f"{pgettext('customer_group', g)} (n={formats.number(n)})"
              for g, n in zip(part["customer_group"], part["count_customers"])]
    fig = go.Figure(go.Bar(
        x=part["lapse_rate"].to_list(), y=labels, orientation="h", marker_color=charts.MAIN,
        error_x={"type": "data", "array": (part["lapse_rate_high"] - part["lapse_rate"]).to_list(),
                 "arrayminus": (part["lapse_rate"] - part["lapse_rate_low"]).to_list(), "color": charts.YARDSTICK},
        hovertemplate="%{y}: %{x:.1%}<extra></extra>",
    ))
    fig.update_layout(xaxis={"tickformat": ".0%", "range": [0, 1.1 * top]}, yaxis={"autorange": "reversed"})
    return charts.finish(fig, title, height=300, legend=False)


# --- migration ----------------------------------------------------------------------------------------------

def migration_flows(moves: pl.DataFrame, top: int = MIGRATION_FLOWS) -> pl.DataFrame:
    """The `top` largest flows (a segment to a segment, staying included), largest first, and the rest summed into
    one row with from_segment and to_segment NULL: the chart stays readable and still holds every customer."""
    ranked = moves.select("from_segment", "to_segment", "count_customers").sort(
        ["count_customers", "from_segment", "to_segment"], descending=[True, False, False])
    shown = ranked.head(top).with_columns(count_flows=pl.lit(1, dtype=pl.Int64))
    rest = ranked.slice(top)
    if rest.is_empty():
        return shown
    other = pl.DataFrame({"from_segment": [None], "to_segment": [None], "count_customers": [int(rest["count_customers"].sum())],
                          "count_flows": [rest.height]},
                         schema={"from_segment": pl.String, "to_segment": pl.String, "count_customers": pl.Int64,
                                 "count_flows": pl.Int64})
    return pl.concat([shown.with_columns(pl.col("count_customers").cast(pl.Int64)), other])


def _with_alpha(colour: str, alpha: float) -> str:
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def migration_chart(flows: pl.DataFrame) -> go.Figure:
    """The largest moves as bands from the earlier segment (left) to the segment now (right), each band in the
    colour of the segment it leaves; the smaller moves together as one grey band."""
    colours = segment_colours()
    named = flows.filter(pl.col("from_segment").is_not_null())
    sources = [s for s in SEGMENTS if s in set(named["from_segment"].to_list())]
    targets = [s for s in SEGMENTS if s in set(named["to_segment"].to_list())]
    labels = [segment_name(s) for s in sources] + [segment_name(s) for s in targets]
    node_colours = [colours[s] for s in sources] + [colours[s] for s in targets]
    index_from = {s: i for i, s in enumerate(sources)}
    index_to = {s: len(sources) + i for i, s in enumerate(targets)}
    link = {"source": [], "target": [], "value": [], "color": [], "customdata": []}
    for row in named.iter_rows(named=True):
        link["source"].append(index_from[row["from_segment"]])
        link["target"].append(index_to[row["to_segment"]])
        link["value"].append(row["count_customers"])
        link["color"].append(_with_alpha(colours[row["from_segment"]], 0.45))
        link["customdata"].append(_("{before} → {now}: {count} customers").format(
            before=segment_name(row["from_segment"]), now=segment_name(row["to_segment"]),
            count=formats.number(row["count_customers"])))
    other = flows.filter(pl.col("from_segment").is_null())
    if other.height:
        row = other.row(0, named=True)
        name = _("Other moves ({count} smaller flows)").format(count=formats.number(row["count_flows"]))
        labels += [name, name]
        node_colours += [charts.MUTED, charts.MUTED]
        link["source"].append(len(labels) - 2)
        link["target"].append(len(labels) - 1)
        link["value"].append(row["count_customers"])
        link["color"].append(_with_alpha(charts.MUTED, 0.6))
        link["customdata"].append(_("{count} customers in smaller moves").format(count=formats.number(row["count_customers"])))
    fig = go.Figure(go.Sankey(
        arrangement="snap",
        node={"label": labels, "color": node_colours, "pad": 14, "thickness": 14,
              "hovertemplate": "%{label}: %{value:,}<extra></extra>"},
        link=link | {"hovertemplate": "%{customdata}<extra></extra>"},
        textfont={"size": 13, "family": charts.FONT},
    ))
    fig = charts.finish(fig, _("The {count} largest moves between segments (before on the left, now on the right)").format(
        count=len(named)), height=520, legend=False)
    return fig


def migration_headline(moves: pl.DataFrame) -> str:
    """Champions kept, and the largest single move between two different segments."""
    parts = []
    kept = moves.filter((pl.col("from_segment") == "champions") & (pl.col("to_segment") == "champions"))
    if kept.height:
        parts.append(_("**{share} of the earlier period's champions are still champions.**").format(
            share=fmt(kept["share_of_from"][0], "share")))
    moved = moves.filter(pl.col("from_segment") != pl.col("to_segment")).sort(
        ["count_customers", "from_segment", "to_segment"], descending=[True, False, False])
    if moved.height:
        row = moved.row(0, named=True)
        parts.append(_("The largest move: {count} customers from {before} to {now}.").format(
            count=formats.number(row["count_customers"]), before=segment_name(row["from_segment"]),
            now=segment_name(row["to_segment"])))
    return sentences(parts)


def migration_matrix(moves: pl.DataFrame) -> go.Figure:
    """Every move as a share of the earlier segment: rows are before, columns now."""
    sources = [s for s in SEGMENTS if s in set(moves["from_segment"].to_list())]
    targets = [s for s in SEGMENTS if s in set(moves["to_segment"].to_list())]
    share = {(r["from_segment"], r["to_segment"]): r["share_of_from"] for r in moves.iter_rows(named=True)}
    z = [[share.get((s, t)) for t in targets] for s in sources]
    fig = go.Figure(go.Heatmap(
        z=z, x=[segment_name(t) for t in targets], y=[segment_name(s) for s in sources], colorscale="Blues",
        texttemplate="%{z:.0%}", textfont={"size": 12}, showscale=False,
        hovertemplate=_("{before} → {now}: {share}").format(before="%{y}", now="%{x}", share="%{z:.1%}") + "<extra></extra>",
    ))
    fig.update_layout(xaxis={"title": {"text": _("Segment now")}, "side": "top", "tickangle": -40},
                      yaxis={"title": {"text": _("Segment before")}, "autorange": "reversed"})
    return charts.finish(fig, _("Share of each earlier segment by segment now"), height=520, legend=False)


# --- lifetime value -----------------------------------------------------------------------------------------

def clv_headline(summary: dict, deciles: pl.DataFrame, by_segment: pl.DataFrame) -> str:
    """The model's answer in money: what the valued customers should bring over the next 12 months, and how
    concentrated it is."""
    parts = [_("**We expect these {count} customers to bring {value} in the next 12 months.**").format(
        count=formats.number(summary["count_customers"]), value=fmt(summary["clv_total"], "money"))]
    top = deciles.filter(pl.col("decile") == 1)
    if top.height:
        parts.append(_("The most valuable tenth of them should bring {share} of it.").format(
            share=fmt(top["clv_share"][0], "share")))
    best = by_segment.filter(pl.col("segment").is_not_null()).sort("clv_total", descending=True, nulls_last=True)
    if best.height:
        row = best.row(0, named=True)
        parts.append(_("The largest part, {value}, from {segment}.").format(
            value=fmt(row["clv_total"], "money"), segment=segment_name(row["segment"])))
    return sentences(parts)


def clv_kind_note(repeat_kind: str | None) -> str | None:
    """What the model counts as a repeat purchase in this mart, in one sentence (queries/clv_customers.sql decides)."""
    if repeat_kind == "service":
        return _("Repeat purchases here are service visit days and their bills: a vehicle purchase starts a customer's "
                 "history, and vehicle prices are not averaged with service bills. Several visits on one day are one.")
    if repeat_kind == "sale":
        return _("Repeat purchases here are sale days (this mart has no service visits). Several sales on one day are one.")
    return None


def clv_status_note(valued: pl.DataFrame) -> str | None:
    """One sentence when a list shows customers whose RFM segment and probability still active point different
    ways (a "lost" customer 95% likely still active): they measure different things over different windows."""
    if valued.is_empty():
        return None
    good = pl.col("segment").is_in(GOOD_SEGMENTS)
    alive = pl.col("p_alive") >= 0.5
    if valued.filter(good != alive).is_empty():
        return None
    return _("A segment and a probability can point different ways because they measure different things: the RFM "
             "segment ranks a customer's sales and service in the period against the period's other customers, while "
             "the probability still active is the model's estimate from the rhythm of their repeat purchases over "
             "their whole history.")


def clv_message(message: str | None) -> str | None:
    return _(CLV_MESSAGES[message]) if message in CLV_MESSAGES else message


def clv_segment_chart(by_segment: pl.DataFrame) -> go.Figure:
    part = in_segment_order(by_segment)
    labels = [segment_name(s) for s in part["segment"]]
    fig = go.Figure(go.Bar(
        x=labels, y=part["clv_total"].to_list(), marker_color=charts.MAIN,
        text=[fmt(v, "money") for v in part["clv_total"]], textposition="outside", cliponaxis=False,
        customdata=[[formats.number(n), fmt(m, "money")] for n, m in zip(part["count_customers"], part["clv_mean"])],
        hovertemplate=_("{segment}: {customers} customers, {each} each").format(
            segment="%{x}", customers="%{customdata[0]}", each="%{customdata[1]}") + "<extra></extra>",
    ))
    fig.update_yaxes(showticklabels=False, title_text="")
    return charts.finish(fig, _("Expected 12-month value by RFM segment"), height=380, legend=False)


def clv_decile_chart(deciles: pl.DataFrame) -> go.Figure:
    fig = go.Figure(go.Bar(x=deciles["decile"].to_list(), y=deciles["clv_share"].to_list(), marker_color=charts.MAIN))
    charts.bar_labels(fig, "%{y:.0%}")
    fig.update_layout(xaxis={"title": {"text": _("Tenth of customers (1 = most valuable)")}, "dtick": 1},
                      yaxis={"tickformat": ".0%"})
    return charts.finish(fig, _("Share of expected value by tenth of customers"), height=380, legend=False)


def holdout_chart(holdout: pl.DataFrame, weeks: float) -> go.Figure:
    groups = holdout["count_repeat_group"].to_list()
    fig = go.Figure([
        go.Bar(x=groups, y=holdout["actual_mean"].to_list(), name=_("Actual"), marker_color=charts.YARDSTICK),
        go.Bar(x=groups, y=holdout["predicted_mean"].to_list(), name=_("Predicted"), marker_color=charts.MAIN),
    ])
    fig.update_layout(barmode="group",
                      xaxis={"title": {"text": _("Repeat purchases before the holdout")}, "type": "category"})  # "7+" is a group
    return charts.finish(fig, _("Holdout check: repeat purchases per customer in the last {weeks} weeks").format(
        weeks=formats.number(weeks)), height=360)


def parameter_table(value) -> pl.DataFrame:
    """The fitted parameters with what each one means, for analysts."""
    g = value.gamma_gamma
    return pl.DataFrame({
        "model": ["BG/NBD"] * 4 + ["Gamma-Gamma"] * 3,
        "parameter": ["r", "alpha", "a", "b", "p", "q", "gamma"],
        "value": [value.bgnbd.r, value.bgnbd.alpha, value.bgnbd.a, value.bgnbd.b, *([g.p, g.q, g.gamma] if g else [None] * 3)],
        "meaning": [_("shape of purchase rates across customers"), _("scale of purchase rates (weeks)"),
                    _("dropout probability: Beta a"), _("dropout probability: Beta b"),
                    _("shape of a customer's purchase values"), _("shape of spend across customers"),
                    _("scale of spend across customers")],
    }, schema={"model": pl.String, "parameter": pl.String, "value": pl.Float64, "meaning": pl.String})


# --- Customer 360 -------------------------------------------------------------------------------------------

def status_note(status: str | None, segment: str | None, p_alive: float | None, count_repeat: int | None,
                end_on: date) -> str | None:
    """One plain sentence when the customer's activity, RFM segment and the model's probability point different ways
    (e.g. "active", "lost" and "100%" at once): they measure different things. None when they agree."""
    verdicts = []
    if status is not None:
        verdicts.append(status == "active")
    if segment is not None:
        verdicts.append(segment in GOOD_SEGMENTS)
    if p_alive is not None:
        verdicts.append(p_alive >= 0.5)
    if len(set(verdicts)) < 2:
        return None
    if count_repeat == 0 and p_alive is not None and p_alive >= 0.5:
        return _("These differ because they measure different things: activity counts any sale or service visit in "
                 "the 12 months to {day}, the RFM segment ranks the customer against the period's other customers, "
                 "and the probability still active is the model's estimate, which takes a customer without a repeat "
                 "purchase yet as still active.").format(day=formats.day(end_on))
    return _("These differ because they measure different things: activity counts any sale or service visit in the "
             "12 months to {day}, the RFM segment ranks the customer against the period's other customers, and the "
             "probability still active is the model's estimate from the rhythm of their purchases.").format(
        day=formats.day(end_on))


def when(moment: datetime | date) -> str:
    """A timeline moment: the day, and the time only where one was recorded."""
    if isinstance(moment, datetime) and (moment.hour or moment.minute):
        return f"{formats.day(moment)} {moment:%H:%M}"
    return formats.day(moment)


_CAMPAIGN_ARM = re.compile(r"^(?P<name>.*) \((?P<arm>\w+) arm\)$")
_REOPENED = re.compile(r"^reopened (?P<count>\d+)x$")


def timeline_detail(category: str, detail: str | None) -> str:
    """The timeline's detail text with its stored values in the reader's language (the SQL joins them with ' · ')."""
    if not detail:
        return ""
    if category == "service":
        return pgettext("service_type", detail)
    if category == "survey":
        return pgettext("survey_type", detail)
    if category == "campaign":
        match = _CAMPAIGN_ARM.match(detail)
        if match:
            return _("{campaign} ({arm} arm)").format(campaign=match["name"], arm=pgettext("contact_arm", match["arm"]))
        return detail
    parts = detail.split(" · ")
    if category == "lead":
        parts[0] = pgettext("channel", parts[0])
    elif category == "complaint" and len(parts) > 1:
        parts[1] = pgettext("severity", parts[1])
        words = {"within deadline": _("within deadline"), "past deadline": _("past deadline"),
                 "callback score": _("callback score")}
        for i in range(2, len(parts)):
            reopened = _REOPENED.match(parts[i])
            parts[i] = (_("reopened {count} times").format(count=reopened["count"]) if reopened
                        else words.get(parts[i], parts[i]))
    return " · ".join(parts)


def timeline_rows(timeline: pl.DataFrame) -> pl.DataFrame:
    """The timeline for people: the event and its detail in the reader's language, the moment as a date."""
    return timeline.with_columns(
        event=pl.col("event"),
        detail=pl.Series([timeline_detail(c, d) for c, d in zip(timeline["category"], timeline["detail"])],
                         dtype=pl.String),
    )


def timeline_chart(timeline: pl.DataFrame, start_on: date, end_on: date) -> go.Figure:
    """Every event on one line per kind, the filter period shaded."""
    fig = go.Figure()
    rows = timeline_rows(timeline)
    names = timeline_names()
    for i, category in enumerate(TIMELINE_CATEGORIES):
        name = names[category]
        part = rows.filter(pl.col("category") == category)
        hover = []
        for r in part.iter_rows(named=True):
            line = f"{when(r['event_at'])}<br>{pgettext('event', r['event'])}"
            if r["detail"]:
                line += f": {r['detail']}"
            if r["amount"] is not None:
                line += f" · {fmt(r['amount'], 'money')}"
            if r["score"] is not None:
                line += " · " + _("score {score}").format(score=r["score"])
            line += "<br>" + " · ".join(x for x in (r["dealer_name"], r["reference"]) if x)
            hover.append(line)
        fig.add_scatter(x=part["event_at"].to_list(), y=[name] * part.height, mode="markers", name=name,
                        marker={"size": 11, "opacity": 0.85, "color": charts.SERIES[i]}, customdata=hover,
                        hovertemplate="%{customdata}<extra></extra>")
    fig.add_vrect(x0=str(start_on), x1=str(end_on), fillcolor=charts.YARDSTICK, opacity=0.08, line_width=0,
                  annotation_text=_("Filter period"), annotation_position="top left")
    fig.update_layout(yaxis={"categoryorder": "array", "categoryarray": [names[c] for c in TIMELINE_CATEGORIES][::-1]})
    return charts.finish(fig, _("Everything that happened with this customer"), height=380, legend=False)


# --- customer portrait (segment_portrait.sql) ---------------------------------------------------------------

# The portrait's attributes, in the order drawn.
PORTRAIT_ATTRIBUTES = {
    "age_band": N_("Age band"),
    "gender": N_("Gender"),
    "income_band": N_("Income band"),
    "city": N_("City (the group's 10 largest)"),
    "customer_type": N_("Customer type"),
}
NOT_RECORDED, OTHER_CITIES = "not recorded", "other cities"
AGE_BANDS = {"under 25": N_("under 25"), "65 and over": N_("65 and over")}   # the others read the same everywhere
# The demo's income bands (a loaded mart's own spellings are shown as they are).
INCOME_BANDS = {"10万以下": N_("under ¥100k"), "10-20万": N_("¥100k-200k"), "20-50万": N_("¥200k-500k"),
                "50万以上": N_("over ¥500k")}
MIN_CELL = 5   # segment_portrait.sql hides a value with fewer customers than this
# The lead sentence's clause for an attribute's value: "{group} are 2.1x as likely as the base to be fleet customers".
LIKELY = {
    "customer_type": N_("**{group} are {ratio}x as likely as the base to be {value} customers** ({group_share} against "
                        "{base_share})."),
    "gender": N_("**{group} are {ratio}x as likely as the base to be {value}** ({group_share} against {base_share})."),
    "age_band": N_("**{group} are {ratio}x as likely as the base to be aged {value}** ({group_share} against "
                   "{base_share})."),
    "income_band": N_("**{group} are {ratio}x as likely as the base to earn {value} a year** ({group_share} against "
                      "{base_share})."),
    "city": N_("**{group} are {ratio}x as likely as the base to live in {value}** ({group_share} against {base_share})."),
}


def portrait_value(attribute: str, value: str) -> str:
    """A value of the portrait in the reader's words."""
    if value == NOT_RECORDED:
        return _("not recorded")
    if value == OTHER_CITIES:
        return _("other cities")
    if attribute in ("gender", "customer_type"):
        return pgettext(attribute, value)
    if attribute == "age_band":
        return _(AGE_BANDS[value]) if value in AGE_BANDS else value
    if attribute == "income_band":
        return _(INCOME_BANDS[value]) if value in INCOME_BANDS else value
    return value


def portrait_attribute_labels() -> dict[str, str]:
    return {a: _(m) for a, m in PORTRAIT_ATTRIBUTES.items()}


def portrait_standout(portrait: pl.DataFrame) -> dict | None:
    """The recorded value most over-represented in the group (largest ratio of shares), among values that hold at
    least 5% of the group: a rare value's ratio swings with a handful of customers."""
    known = portrait.filter(~pl.col("is_suppressed") & ~pl.col("value").is_in([NOT_RECORDED, OTHER_CITIES])
                            & (pl.col("group_share") >= 0.05) & pl.col("share_ratio").is_not_null())
    if known.is_empty():
        return None
    return known.sort(["share_ratio", "attribute", "value"], descending=[True, False, False]).row(0, named=True)


def portrait_largest_age(portrait: pl.DataFrame) -> dict | None:
    ages = portrait.filter((pl.col("attribute") == "age_band") & ~pl.col("is_suppressed")
                           & (pl.col("value") != NOT_RECORDED))
    return ages.sort(["group_share", "value"], descending=[True, False]).row(0, named=True) if ages.height else None


def portrait_headline(portrait: pl.DataFrame, group: str) -> str:
    """The portrait's answer: what most sets the group apart from the base, and its largest age band."""
    parts = []
    group = formats.sentence_start(group)   # it starts the sentence ("Champions are ...")
    top = portrait_standout(portrait)
    if top is not None and top["share_ratio"] >= 1.1:
        parts.append(_(LIKELY[top["attribute"]]).format(
            group=group, ratio=formats.number(top["share_ratio"], 1), value=portrait_value(top["attribute"], top["value"]),
            group_share=fmt(top["group_share"], "share"), base_share=fmt(top["base_share"], "share")))
    elif top is not None:
        parts.append(_("**{group} look much like the base**: no recorded value is 1.1x as common among them.").format(
            group=group))
    age = portrait_largest_age(portrait)
    if age is not None:
        parts.append(_("{share} are aged {band} against {base_share} of the base.").format(
            share=fmt(age["group_share"], "share"), band=portrait_value("age_band", age["value"]),
            base_share=fmt(age["base_share"], "share")))
    return sentences(parts)


def portrait_chart(portrait: pl.DataFrame, attribute: str, group: str) -> go.Figure:
    """The group's share of each value beside the base's, as horizontal bars (a hidden value is named, not drawn)."""
    part = portrait.filter(pl.col("attribute") == attribute).sort("value_order", "value")
    labels = [portrait_value(attribute, v) + (" *" if hidden else "")
              for v, hidden in zip(part["value"], part["is_suppressed"])]
    fig = go.Figure()
    for column, count, name, colour in (("base_share", "count_base", _("Whole base"), charts.YARDSTICK),
                                        ("group_share", "count_group", group, charts.MAIN)):
        fig.add_bar(y=labels, x=part[column].to_list(), orientation="h", name=name, marker_color=colour,
                    customdata=[fmt(c, "count") if c is not None else _("fewer than 5") for c in part[count]],
                    hovertemplate="%{y}: %{x:.1%} (%{customdata})<extra>" + name + "</extra>")
    fig.update_layout(barmode="group", bargap=0.25, legend_traceorder="reversed")
    fig.update_xaxes(tickformat=".0%")
    fig.update_yaxes(autorange="reversed")
    charts.bar_labels(fig, "%{x:.0%}")
    return charts.finish(fig, _(PORTRAIT_ATTRIBUTES[attribute]), height=max(260, 46 * part.height + 150))


def portrait_table(portrait: pl.DataFrame) -> pl.DataFrame:
    """Every value with the group's and the base's share, the difference in points and the counts."""
    attributes = portrait_attribute_labels()
    return portrait.with_columns(
        attribute=pl.Series([attributes[a] for a in portrait["attribute"]], dtype=pl.String),
        value_label=pl.Series([portrait_value(a, v) + (" *" if hidden else "") for a, v, hidden
                               in zip(portrait["attribute"], portrait["value"], portrait["is_suppressed"])],
                              dtype=pl.String),
    ).select("attribute", "value_label", "group_share", "base_share", "share_difference", "share_ratio", "count_group",
             "count_base", "is_suppressed")


PORTRAIT_ANSWER = ["attribute", "value_label", "group_share", "base_share", "share_difference", "count_group"]
