"""After-sales service: the page's rules, its answer sentence and its charts (views/after_sales.py holds the layout).

The rules are the datasets' own (queries/service_*.sql, warranty_*.sql, maintenance_due.sql); the constants here
name them for the page's words and must change with the SQL.
"""
from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from dashboard import charts, filter_bar, formats
from dashboard.i18n import _, pgettext
from dashboard.keys import shorten
from dashboard.metrics import fmt

IN_SERVICE_YEARS = 5          # vehicles in service: units sold in the 5 years up to the period's end
MAINTENANCE_MONTHS = 6        # maintenance is due 6 months ...
MAINTENANCE_KM = 10_000       # ... or 10,000 km after the last maintenance visit, whichever comes first
DUE_SOON_DAYS = 30            # listed: due within 30 days ...
OVERDUE_LISTED_MONTHS = 12    # ... or overdue by up to 12 months
# A model x age cell with fewer vehicle-years than this is drawn but not judged: a few claims swing its rate.
MIN_VEHICLE_YEARS = 200
TYPES = ("maintenance", "repair", "warranty", "accident")
TAB_KEY = "after_sales_tab"
DUE_ANSWER = ["customer_id", "product_id", "days_overdue", "due_on", "due_by", "last_maintenance_on", "dealer_name"]
DUE_COUNTS = ["count_rows", "count_overdue", "count_overdue_over_month", "count_due_soon"]


def band_label(band: str) -> str:
    """'12-24' -> '12-24 months' in the reader's language; '36+' -> 'over 36 months'."""
    if band.endswith("+"):
        return _("over {start} months").format(start=band[:-1])
    start, end = band.split("-")
    return _("{start}-{end} months").format(start=start, end=end)


def due_counts(rows: pl.DataFrame) -> dict[str, int]:
    """The whole list's counts, carried on every row of a page of it (zero when nothing is listed)."""
    if rows.is_empty():
        return {c: 0 for c in DUE_COUNTS}
    return {c: int(rows[c][0]) for c in DUE_COUNTS}


def standout(claims: pl.DataFrame) -> dict | None:
    """The model x age band whose claim rate is furthest above the other models' at the same age (their claims over
    their vehicle-years), among cells with enough vehicle-years to judge: the quality signal of the page."""
    judged = claims.filter(pl.col("vehicle_years") >= MIN_VEHICLE_YEARS)
    if judged.is_empty():
        return None
    totals = claims.group_by("band_order").agg(band_claims=pl.col("count_claims").sum(), band_years=pl.col("vehicle_years").sum())
    rated = (
        judged.join(totals, on="band_order")
        .with_columns(others_rate=100 * (pl.col("band_claims") - pl.col("count_claims"))
                      / (pl.col("band_years") - pl.col("vehicle_years")))
        .filter(pl.col("others_rate") > 0)
        .with_columns(ratio=pl.col("claims_per_100_vehicle_years") / pl.col("others_rate"))
        .sort(["ratio", "product_id", "band_order"], descending=[True, False, False])
    )
    return rated.row(0, named=True) if len(rated) else None


def headline(counts: dict[str, int], top: dict | None) -> str:
    """The page's answer: how many vehicles to call about, and which model's warranty claims stand out (`top` is
    None where no model x age cell has enough vehicle-years to judge)."""
    if counts["count_rows"]:
        first = _("{due} vehicles are due or overdue for maintenance, {late} of them by more than a month").format(
            due=formats.number(counts["count_rows"]), late=formats.number(counts["count_overdue_over_month"]))
    else:
        first = _("No vehicle is due for maintenance in this scope")
    if top is None:
        return _("{first}; too few vehicles in this scope to compare the models' warranty claims.").format(first=first)
    if top["ratio"] < 1.5:
        return _("{first}; no model's warranty claims stand out from the others.").format(first=first)
    return _("{first}; {model} has {rate} warranty claims per 100 vehicles a year at {age} in service, {ratio}× the "
             "other models.").format(first=first, model=top["product_id"], rate=formats.number(top["claims_per_100_vehicle_years"], 1),
                                      age=band_label(top["age_band"]), ratio=formats.number(top["ratio"], 1))


def due_table(rows: pl.DataFrame) -> pl.DataFrame:
    """A page of the maintenance list as a dealer reads it: which rule made it due, in words."""
    reasons = {"time": _("{months} months").format(months=MAINTENANCE_MONTHS),
               "distance": _("{km} km").format(km=formats.number(MAINTENANCE_KM))}
    return rows.with_columns(pl.col("due_by").replace_strict(reasons, default=formats.EMPTY, return_dtype=pl.String))


def mix_figure(mix: pl.DataFrame, measure: str) -> go.Figure:
    """Visits (or revenue) by month, stacked by service type."""
    fig = go.Figure()
    for kind in TYPES:
        rows = mix.filter(pl.col("service_type") == kind)
        values = rows[measure].to_list()
        fig.add_bar(
            x=rows["month"].to_list(), y=values, name=pgettext("service_type", kind),
            hovertext=[_("{type}, {month}: {value}").format(type=pgettext("service_type", kind), month=formats.month(m),
                                                             value=fmt(v, "money" if measure == "service_revenue" else "count"))
                       for m, v in zip(rows["month"], values)],
            hoverinfo="text",
        )
    fig.update_layout(barmode="stack", legend={"traceorder": "normal"})
    charts.month_axis(fig)
    title = _("Service revenue by month and type") if measure == "service_revenue" else _("Service visits by month and type")
    charts.finish(fig, title, height=400)
    if measure == "service_revenue":
        totals = mix.group_by("month").agg(pl.col("service_revenue").sum())["service_revenue"].to_list()
        charts.money_axis(fig, totals)
    return fig


def mix_shares(mix: pl.DataFrame) -> pl.DataFrame:
    """The period's visits and revenue by service type, with each type's share."""
    by_type = mix.group_by("type_order", "service_type").agg(pl.col("count_visits").sum(), pl.col("service_revenue").sum())
    return by_type.sort("type_order").with_columns(
        visit_share=pl.col("count_visits") / pl.col("count_visits").sum().clip(lower_bound=1),
        revenue_share=pl.col("service_revenue") / pl.col("service_revenue").sum().clip(lower_bound=1e-9),
    ).drop("type_order")


def retention_figure(ranked: pl.DataFrame, national: float | None, whole: str) -> go.Figure:
    """Service retention by dealer, best first; grey bars are small samples (unranked), as on the scorecard."""
    shown = ranked.head(60)
    fig = go.Figure()
    fig.add_bar(
        y=[filter_bar.dealer_label(d, shorten(n, 12)) for n, d in zip(shown["dealer_name"], shown["dealer_id"])],
        x=shown["service_retention"].to_list(), orientation="h",
        marker_color=[charts.MUTED if s else charts.MAIN for s in shown["is_small_sample"]],
        hovertext=[_("{dealer}: {share} of {count} buyers came back for service").format(
            dealer=n, share=fmt(v, "share"), count=formats.number(c))
            for n, v, c in zip(shown["dealer_name"], shown["service_retention"], shown["count_retention_cohort"])],
        hoverinfo="text", name="",
    )
    if national is not None:
        fig.add_vline(x=national, line_dash="dash", line_color=charts.YARDSTICK,
                      annotation_text=_("{whole}: {value}").format(whole=whole, value=fmt(national, "share")),
                      annotation_position="top", annotation_yref="paper", annotation_y=1.0, annotation_yanchor="bottom")
    charts.finish(fig, _("Service retention by dealer (grey: small sample, unranked)"),
                  height=max(320, 22 * len(shown) + 90), legend=False)
    fig.update_layout(yaxis={"autorange": "reversed"}, xaxis={"tickformat": ".0%"}, margin={"t": 90})
    return fig


def claims_heatmap(claims: pl.DataFrame, top: dict | None) -> go.Figure:
    """Claims per 100 vehicles a year, model x months in service; a cell with too few vehicle-years is left blank."""
    bands = claims.select("band_order", "age_band").unique().sort("band_order")["age_band"].to_list()
    # The worst model on top: the order a product team reads in.
    order = (claims.filter(pl.col("vehicle_years") >= MIN_VEHICLE_YEARS)
             .group_by("product_id").agg(pl.col("claims_per_100_vehicle_years").max())
             .sort(["claims_per_100_vehicle_years", "product_id"], descending=[True, False], nulls_last=True)["product_id"].to_list())
    order += sorted(set(claims["product_id"].to_list()) - set(order))
    cells = {(r["product_id"], r["age_band"]): r for r in claims.iter_rows(named=True)}
    z, text, hover = [], [], []
    for model in order:
        z_row, text_row, hover_row = [], [], []
        for band in bands:
            r = cells.get((model, band))
            judged = r is not None and r["vehicle_years"] >= MIN_VEHICLE_YEARS
            rate = r["claims_per_100_vehicle_years"] if judged else None
            z_row.append(rate)
            text_row.append(formats.number(rate, 1) if rate is not None else formats.EMPTY)
            hover_row.append(formats.EMPTY if r is None else _(
                "{name}, {age}: {claims} claims over {years} vehicle-years").format(
                name=r["product_name"], age=band_label(band), claims=formats.number(r["count_claims"]),
                years=formats.number(r["vehicle_years"])))
        z.append(z_row)
        text.append(text_row)
        hover.append(hover_row)
    fig = go.Figure(go.Heatmap(
        # The bands' short names on the axis (0-6 ... 36+), so that five fit a phone untilted; the unit in its title.
        z=z, x=bands, y=order, text=text, texttemplate="%{text}", hovertext=hover,
        hoverinfo="text", colorscale=[[0, "#fbeaea"], [1, charts.BAD]], showscale=False, xgap=2, ygap=2,
    ))
    fig.update_layout(yaxis={"autorange": "reversed", "type": "category"},
                      xaxis={"type": "category", "tickangle": 0, "title": _("months in service")},
                      plot_bgcolor=charts.MUTED)
    charts.finish(fig, _("Warranty claims per 100 vehicles a year, by model and months in service"),
                  height=150 + 34 * len(order), legend=False)
    return fig


def cost_figure(cost: pl.DataFrame, top: dict | None) -> go.Figure:
    """Warranty cost by model, the largest first; the model whose claims stand out in red."""
    rows = cost.filter(pl.col("warranty_cost") > 0).sort("warranty_cost", descending=True)
    bad = top["product_id"] if top else None
    fig = go.Figure()
    fig.add_bar(
        y=rows["product_id"].to_list(), x=rows["warranty_cost"].to_list(), orientation="h",
        marker_color=[charts.BAD if p == bad else charts.MAIN for p in rows["product_id"]],
        # The model's name, not its code, in words a reader reads (the code is on the axis).
        hovertext=[_("{name}: {cost} on {claims} claims, {per_vehicle} per vehicle in service").format(
            name=n, cost=fmt(c, "money"), claims=formats.number(k), per_vehicle=fmt(v, "money"))
            for n, c, k, v in zip(rows["product_name"], rows["warranty_cost"], rows["count_claims"],
                                     rows["warranty_cost_per_vehicle"])],
        hoverinfo="text", name="",
    )
    charts.bar_labels(fig, lambda v: fmt(v, "money"))
    fig.update_layout(yaxis={"autorange": "reversed", "type": "category"})
    charts.finish(fig, _("Warranty cost by model"), height=120 + 30 * len(rows), legend=False)
    charts.money_axis(fig, rows["warranty_cost"].to_list(), axis="x")
    # room right of the longest bar for its label (a phone cut it off)
    fig.update_xaxes(range=[0, 1.35 * max(rows["warranty_cost"].to_list() or [1])])
    return fig
