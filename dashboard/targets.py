"""Targets and attainment (指标完成情况): what the overview's tiles, the scorecard's attainment ranking and the region x
month heat map say, in words and as a figure. The figures come from the target_attainment* datasets (the SQL holds
the formulas: the target for a period, attainment = sum of actuals / sum of targets, the run-rate projection)."""
from __future__ import annotations

from datetime import date, timedelta

import plotly.graph_objects as go
import polars as pl

from dashboard import charts, formats
from dashboard.i18n import N_, _, pgettext
from dashboard.keys import shorten
from dashboard.metrics import Metric
from queries.filters import Filters

# The scorecard's attainment measures. Not in dashboard.metrics.METRICS (that registry and the glossary generated
# from it, docs/domain.md, are shared files): the scorecard looks measures up through scorecard.measure().
ATTAINMENT: dict[str, Metric] = {
    m.name: m
    for m in [
        Metric(
            "revenue_attainment", N_("Target attainment (revenue)"), "share",
            N_("Sales revenue in the period / the revenue target for the period (each month's target times the share "
               "of its days inside the period). A region's and the nation's: the sum of their dealers' revenue / the "
               "sum of their targets, not an average of the dealers' percentages."),
        ),
        Metric(
            "units_attainment", N_("Target attainment (units)"), "share",
            N_("Units sold in the period / the units target for the period (each month's target times the share of "
               "its days inside the period). A region's and the nation's: the sum of their dealers' units / the sum "
               "of their targets, not an average of the dealers' percentages."),
        ),
    ]
}
# The overview's tiles, in the order of its KPI tiles (units, then revenue), and the projection tiles' labels.
TILE_ORDER = ["units_attainment", "revenue_attainment"]
PROJECTED_LABELS = {"units_attainment": N_("Projection (units)"),
                    "revenue_attainment": N_("Projection (revenue)")}
# The actual and the target of each attainment measure, as the datasets name them.
PARTS = {"revenue_attainment": ("sales_revenue", "revenue_target"), "units_attainment": ("units", "units_target")}
# Joined onto the dealer scorecard (level, region, dealer_id identify a row in both datasets).
CARD_COLUMNS = ["units_target", "units_attainment", "revenue_target", "revenue_attainment", "is_whole_business"]

# The heat map's scale: red behind target, a neutral near-white at exactly 100%, blue ahead (red-blue reads for
# colour-blind people; green-red does not). Mid-tone ends so that dark cell text stays readable on every cell.
BEHIND = "#d6604d"
ON_TARGET = "#f7f7f7"
AHEAD = "#4393c3"
# Cells beyond 100% +/- this are drawn at the scale's end colour (their text still gives the value).
SCALE_REACH = 0.4
# The most areas the heat map draws: a region of 290 dealers made 290 columns of slivers (and 0.4 MB of figure, its
# text and hover on every cell). With the total, 8 columns: what a phone reads (the seven regions fit). Past this the
# areas with the lowest attainment over the period are drawn; the ranking above, by attainment, has every dealer.
HEAT_MAP_AREAS = 7

METHOD = N_("**Target for the period**: each dealer's monthly target times the share of the month's days inside the "
           "period (a whole month counts whole, 10 days of a 30-day month a third). **Actual**: the units and sales "
           "revenue of the dealers in view; HQ's direct sales have no target and are not counted. **Attainment**: "
           "actual / target. A region's and the nation's are the sums of their dealers' actuals over the sums of "
           "their targets, not an average of percentages. **Projection**: when the period ends at the data's last day "
           "inside a month, the sales of that month so far (within the period), at their average daily pace, are "
           "extended to the month's end and compared with the targets up to then; sales often rise at a month's end, "
           "which this simple pace does not know. When the period ends with a whole month, or before the data's last "
           "day, nothing is left to project and the projection equals the actual.")

FILTER_NOTE = N_("Targets are set for a dealer's whole business, so they are not compared with sales narrowed to a "
                 "product, segment or channel. Clear those filters to see attainment; the region and dealer filters "
                 "work as usual.")


def is_whole_business(filters: Filters) -> bool:
    """True when no product, segment or channel filter narrows the sales (attainment is then comparable)."""
    return not (filters.product_ids or filters.customer_types or filters.channels)


def with_attainment(card: pl.DataFrame, attainment: pl.DataFrame) -> pl.DataFrame:
    """The dealer scorecard with the attainment columns of target_attainment_dealers on each of its rows."""
    keys = ["level", "region", "dealer_id"]
    return card.join(attainment.select(*keys, *CARD_COLUMNS), on=keys, how="left", nulls_equal=True)


# ---- the overview's tiles ---------------------------------------------------------------------------------------

def tile_caption(row: dict, measure: str) -> str:
    """Under an attainment tile: the actual and the target it compares."""
    actual, target = PARTS[measure]
    show = formats.money if measure == "revenue_attainment" else formats.number
    return _("{actual} sold by dealers, against a target of {target}").format(actual=show(row[actual]),
                                                                               target=show(row[target]))


def projection_caption(row: dict, measure: str) -> str:
    """Under a projection tile: what is projected, to which day."""
    actual, target = PARTS[measure]
    show = formats.money if measure == "revenue_attainment" else formats.number
    return _("about {projected}, against a target of {target} by {day}").format(
        projected=show(row["projected_" + actual]), target=show(row["projected_" + target]),
        day=formats.day(row["projection_end_on"]))


def projection_note(row: dict, as_of: date) -> str:
    """What the projection is, for these dates, in one sentence."""
    if row["is_projected"]:
        return _("Projection: the period ends at the data's last day, {day}, inside its month. The sales of the "
                 "month's first {elapsed} days in the period, at their daily pace, are extended over the {remaining} "
                 "days left to {month_end}, and compared with the targets up to then.").format(
            day=formats.day(row["end_on"]), elapsed=row["days_elapsed"], remaining=row["days_remaining"],
            month_end=formats.day(row["projection_end_on"]))
    end = row["end_on"]
    if end + timedelta(days=1) == date(end.year + (end.month == 12), end.month % 12 + 1, 1):
        return _("Projection: the period ends with a whole month ({day}), so nothing is left to project: the "
                 "projection equals the actual.").format(day=formats.day(end))
    return _("Projection: the period ends on {day}, before the data's last day ({as_of}), so its sales are all "
             "known: the projection equals the actual, against the target of the period's days.").format(
        day=formats.day(end), as_of=formats.day(as_of))


# ---- the heat map -----------------------------------------------------------------------------------------------

def heat_rows(monthly: pl.DataFrame) -> tuple[str, pl.DataFrame]:
    """The level the heat map shows (regions, or the dealers when the view lies in one region) and its rows."""
    level = "region" if monthly.filter(pl.col("level") == "region")["region"].n_unique() > 1 else "dealer"
    return level, monthly.filter(pl.col("level") == level)


def area_totals(rows: pl.DataFrame, measure: str) -> pl.DataFrame:
    """Each area's attainment over the whole period: the sum of its months' actuals / the sum of their targets."""
    actual, target = PARTS[measure]
    name = pl.col("region") if rows["level"][0] == "region" else pl.col("dealer_name")
    return (rows.group_by(name.alias("area"), maintain_order=True)
            .agg(pl.col(actual).sum().cast(pl.Float64).alias("actual"), pl.col(target).sum().alias("target"))
            .with_columns(attainment=pl.when(pl.col("target") > 0).then(pl.col("actual") / pl.col("target"))))


def heat_sentence(rows: pl.DataFrame, measure: str) -> str:
    """'5 of 7 regions are at or above their sales revenue target in this period; 华南 is lowest at 87%.'"""
    totals = area_totals(rows, measure).drop_nulls("attainment")
    if totals.is_empty():
        return _("No targets in this period and scope.")
    lowest = totals.sort("attainment").row(0, named=True)
    ahead = int((totals["attainment"] >= 1).sum())
    value = formats.percent(lowest["attainment"], 0)
    revenue = measure == "revenue_attainment"
    if totals.height == 1:
        message = (_("{area} is at {value} of its revenue target in this period.") if revenue
                   else _("{area} is at {value} of its units target in this period."))
        return message.format(area=lowest["area"], value=value)
    if rows["level"][0] == "region":
        message = (_("{ahead} of {count} regions are at or above their revenue target in this period; {area} is "
                     "lowest at {value}.") if revenue else
                   _("{ahead} of {count} regions are at or above their units target in this period; {area} is lowest "
                     "at {value}."))
    else:
        message = (_("{ahead} of {count} dealers are at or above their revenue target in this period; {area} is "
                     "lowest at {value}.") if revenue else
                   _("{ahead} of {count} dealers are at or above their units target in this period; {area} is lowest "
                     "at {value}."))
    return message.format(ahead=ahead, count=totals.height, area=lowest["area"], value=value)


def heat_map_note(monthly: pl.DataFrame, areas: int | None = None) -> str | None:
    """Under a heat map that draws only some of the areas (at most `areas`, by default HEAT_MAP_AREAS): which, and
    where the others are; None when all are drawn."""
    areas = HEAT_MAP_AREAS if areas is None else areas
    level, rows = heat_rows(monthly)
    count = rows["region" if level == "region" else "dealer_name"].n_unique()
    if count <= areas:
        return None
    message = (_("The {drawn} regions with the lowest attainment over the period are drawn, of {count}; every "
                 "region's months are in the downloads under “Rows and SQL” below.") if level == "region" else
               _("The {drawn} dealers with the lowest attainment over the period are drawn, of {count}. Rank the "
                 "dealers above by target attainment to see them all; every dealer's months are in the downloads "
                 "under “Rows and SQL” below."))
    return message.format(drawn=formats.number(areas), count=formats.number(count))


def heat_map(monthly: pl.DataFrame, measure: str, areas: int | None = None) -> go.Figure:
    """Months down, areas across (a phone fits 8 columns, not 12), the scope's total last; each cell its
    percentage of target on a red-neutral-blue scale centred on 100%. At most `areas` areas (by default
    HEAT_MAP_AREAS): those with the lowest attainment over the period (heat_map_note says so under the figure)."""
    areas = HEAT_MAP_AREAS if areas is None else areas
    level, rows = heat_rows(monthly)
    total = monthly.filter(pl.col("level") == "total")
    area = pl.col("region") if level == "region" else pl.col("dealer_name")
    # Areas in the order of their attainment over the period, lowest first: the answer reads from the left.
    order = area_totals(rows, measure).sort("attainment", nulls_last=True)["area"].to_list()[:areas]
    months = sorted(monthly["month"].unique().to_list())
    partial = dict(monthly.select("month", "is_partial_month").unique().iter_rows())
    month_labels = [formats.month(m) + (" *" if partial.get(m) else "") for m in months]
    columns = [(a, rows.filter(area == a)) for a in order] + [(_("Total"), total)]
    z, text, hover = [], [], []
    for m in months:
        z_row, text_row, hover_row = [], [], []
        for name, part in columns:
            cell = part.filter(pl.col("month") == m)
            value = cell[measure][0] if cell.height else None
            z_row.append(value)
            text_row.append(formats.percent(value, 0) if value is not None else formats.EMPTY)
            actual, target = PARTS[measure]
            show = formats.money if measure == "revenue_attainment" else formats.number
            hover_row.append(_("{area}, {month}: {value} ({actual} of {target})").format(
                area=name, month=formats.month(m), value=text_row[-1],
                actual=show(cell[actual][0]) if cell.height else formats.EMPTY,
                target=show(cell[target][0]) if cell.height else formats.EMPTY))
        z.append(z_row)
        text.append(text_row)
        hover.append(hover_row)
    x = [shorten(name, 6) if level == "dealer" and name != _("Total") else name for name, _part in columns]
    fig = go.Figure(go.Heatmap(
        z=z, x=x, y=month_labels, text=text, texttemplate="%{text}", textfont={"size": 12, "color": "#222222"},
        hovertext=hover, hovertemplate="%{hovertext}<extra></extra>",
        colorscale=[[0.0, BEHIND], [0.5, ON_TARGET], [1.0, AHEAD]],
        zmin=1 - SCALE_REACH, zmax=1 + SCALE_REACH, zmid=1.0, xgap=2, ygap=2,
        # below the grid (the month names are on top), where nothing else is
        colorbar={"orientation": "h", "x": 0.5, "xanchor": "center", "y": -0.02, "yanchor": "top", "len": 0.6,
                  "thickness": 10,
                  "tickvals": [1 - SCALE_REACH, 1.0, 1 + SCALE_REACH],
                  "ticktext": ["≤" + formats.percent(1 - SCALE_REACH, 0), formats.percent(1.0, 0),
                               "≥" + formats.percent(1 + SCALE_REACH, 0)]},
    ))
    title = _("{measure} by {level} and month").format(
        measure=_(ATTAINMENT[measure].label),
        level=pgettext("level", level))
    charts.finish(fig, title, height=max(300, 30 * len(months) + 150), legend=False)
    # Dealers' names are tilted: room for them between the title and the grid.
    fig.update_layout(margin={"t": 90 if level == "region" else 120, "b": 50})
    fig.update_xaxes(side="top", tickangle=0 if level == "region" else -30)
    fig.update_yaxes(autorange="reversed")
    return fig
