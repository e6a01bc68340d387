"""Why did it move: a KPI's change between the comparison period and the period, split exactly across the groups
of one dimension (analytics/decompose.py: Kitagawa's midpoint decomposition; an additive total by each group's
own change), the top movers, the page's sentences, its waterfall and its drill-down. No Streamlit here: the
weekly digest calls `decompose` and `top_movers` from the command line (dashboard.data.run_as needs no session).
"""
from __future__ import annotations

from dataclasses import dataclass

import plotly.graph_objects as go
import polars as pl

from analytics.decompose import COLUMNS, decompose_parts
from dashboard import charts, formats
from dashboard.i18n import N_, _, pgettext
from dashboard.metrics import fmt
from queries.access import Access
from queries.filters import Filters

DATASET = "kpi_parts_by_group"   # (called by its literal name: tests/test_frame_queries.py reads the callers)
FRAME_COLUMNS = ["group", "name", *COLUMNS[1:]]
ALL = ("region", "dealer", "product", "channel", "customer_type")

DIMENSIONS: dict[str, str] = {
    "region": N_("Region"),
    "dealer": N_("Dealer"),
    "product": N_("Product"),
    "channel": N_("Channel"),
    "customer_type": N_("Customer type"),
}
# "the mix across {dimensions}", "within {dimensions}".
DIMENSION_PLURALS: dict[str, str] = {
    "region": N_("regions"),
    "dealer": N_("dealers"),
    "product": N_("products"),
    "channel": N_("channels"),
    "customer_type": N_("customer types"),
}


@dataclass(frozen=True)
class Kpi:
    key: str                 # a dashboard.metrics.METRICS key where the overview has the same KPI
    label: str
    unit: str                # dashboard.metrics.fmt's unit of the KPI's value
    definition: str
    what: str = ""           # the denominator in words ("closed leads"): what the mix part moves between groups
    dimensions: tuple[str, ...] = ALL
    higher_is_better: bool = True
    is_total: bool = False   # additive: no denominator, a group's part is its own change

    @property
    def change_unit(self) -> str:
        """How a change of it reads: points for a share or a score, otherwise its own unit."""
        return {"share": "points", "score": "score_points"}.get(self.unit, self.unit)


KPIS: dict[str, Kpi] = {k.key: k for k in [
    Kpi("lead_conversion", N_("Lead conversion"), "share", N_("Won leads / closed (won or lost) leads created in the period."),
        N_("closed leads"), ("region", "dealer", "channel")),
    Kpi("average_price", N_("Average selling price"), "money", N_("Sales revenue / units sold in the period."),
        N_("units sold")),
    Kpi("complaints_per_100_units", N_("Complaints per 100 units sold"), "number",
        N_("100 x complaints received in the period / units sold in the period, each placed by its own dealer, product and customer."),
        N_("units sold"), higher_is_better=False),
    Kpi("sla_compliance", N_("Complaint SLA compliance"), "share",
        N_("Of the period's complaints whose outcome is known at its end, the share resolved within the severity's deadline."),
        N_("complaints with a known outcome")),
    Kpi("nps", N_("NPS"), "score", N_("% of sales and service survey scores 9-10 minus % of scores 0-6."),
        N_("survey responses"), ("region", "dealer", "customer_type")),
    Kpi("gross_margin_pct", N_("Gross margin %"), "share",
        N_("(Revenue - cost) / revenue, over the period's sales with a cost."), N_("sales revenue")),
    Kpi("units", N_("Units sold"), "count", N_("Sum of quantity over sales in the period."), is_total=True),
    Kpi("sales_revenue", N_("Sales revenue"), "money", N_("Sum of revenue over sales in the period."), is_total=True),
    Kpi("complaints_received", N_("Complaints received"), "count", N_("Complaints received in the period."),
        higher_is_better=False, is_total=True),
]}
# Why a pair is not offered, for a link that asks for it anyway.
NOT_SPLIT = {
    ("lead_conversion", "product"): N_("A lead has no product yet: conversion cannot be split by product."),
    ("lead_conversion", "customer_type"): N_("A lead has no customer type yet: conversion cannot be split by customer type."),
    ("nps", "product"): N_("A survey response is not tied to one product: NPS cannot be split by product."),
    ("nps", "channel"): N_("Survey responses do not carry the customer's channel here: NPS cannot be split by channel."),
}


def check(kpi: str, dimension: str) -> None:
    if kpi not in KPIS:
        raise ValueError(f"unknown KPI {kpi!r}: one of {', '.join(KPIS)}")
    if dimension not in DIMENSIONS:
        raise ValueError(f"unknown dimension {dimension!r}: one of {', '.join(DIMENSIONS)}")
    if dimension not in KPIS[kpi].dimensions:
        raise ValueError(f"{kpi} cannot be split by {dimension}")


# ---- the numbers ----
def parts(access: Access, filters: Filters, dimension: str) -> pl.DataFrame:
    """The dataset's rows (every KPI's numerator and denominator by group) for one period, uncached."""
    from dashboard import data

    return data.run_as(access, "kpi_parts_by_group", filters, dimension=dimension)


def group_name(dimension: str, key: str, stored_name: str | None) -> str:
    """A group as a person reads it: a region or product by name, a dealer by its short name, a channel or
    segment through the catalog; facts without one (an HQ direct sale, a complaint with no product) by that."""
    if not key:
        return _("HQ direct (no dealer)") if dimension in ("region", "dealer") else _("Not recorded")
    if dimension == "channel":
        return pgettext("channel", key)
    if dimension == "customer_type":
        return pgettext("customer_type", key)
    if dimension == "dealer":
        from dashboard.complaints import short_dealer

        return short_dealer(stored_name) if stored_name else key
    return stored_name or key


def _of(rows: pl.DataFrame, kpi: str) -> pl.DataFrame:
    # The SQL's NULL group (no dealer, no product recorded) is the key "" here: joins never match NULL keys.
    return rows.filter(pl.col("kpi") == kpi).select(
        pl.col("group_key").fill_null("").alias("group"), "group_name", "numerator", "denominator")


def value(rows: pl.DataFrame, kpi: str) -> float | None:
    """The KPI over all groups of one period's rows: sum of numerators / sum of denominators (a total's sum);
    None where it has no denominator."""
    part = _of(rows, kpi)
    if KPIS[kpi].is_total:
        return float(part["numerator"].sum())
    denominator = part["denominator"].sum()
    return float(part["numerator"].sum()) / denominator if denominator else None


def from_parts(kpi: str, dimension: str, before: pl.DataFrame, after: pl.DataFrame) -> pl.DataFrame:
    """The decomposition from the dataset's rows of the comparison period (`before`) and the period (`after`):
    one row per group, FRAME_COLUMNS, largest |total| first; empty where the KPI has no value in a period."""
    check(kpi, dimension)
    b, a = _of(before, kpi), _of(after, kpi)
    split = decompose_parts(b, a, total=KPIS[kpi].is_total)
    names = pl.concat([a.select("group", "group_name"), b.select("group", "group_name")]).unique("group", keep="first")
    lookup = dict(zip(names["group"].to_list(), names["group_name"].to_list()))
    shown = [group_name(dimension, g, lookup.get(g)) for g in split["group"].to_list()]
    return split.with_columns(pl.Series("name", shown, dtype=pl.String)).select(FRAME_COLUMNS)


def decompose(access: Access, filters: Filters, kpi: str, dimension: str) -> pl.DataFrame:
    """One row per group of `dimension`: group, name, share_before, share_after, rate_before, rate_after, mix, rate,
    total (= mix + rate); sum(total) is the KPI's change from filters.comparison() to filters, exactly. A ratio KPI
    by Kitagawa's midpoint decomposition (shares of its denominator, the groups' own rates); a total (units,
    revenue, complaints received): each group's own change, all of it in `rate`, `mix` 0, shares of the total,
    the groups' totals as 'rates'. Names in the current language. Empty where the KPI has no value in a period."""
    check(kpi, dimension)
    return from_parts(kpi, dimension, parts(access, filters.comparison(), dimension), parts(access, filters, dimension))


def top(frame: pl.DataFrame, n: int = 5) -> pl.DataFrame:
    return frame.sort(pl.col("total").abs(), "group", descending=[True, False]).head(n)


def top_movers(access: Access, filters: Filters, kpi: str, dimension: str, n: int = 5) -> pl.DataFrame:
    """The n groups with the largest |total| (contribution to the change), largest first; decompose's columns."""
    return top(decompose(access, filters, kpi, dimension), n)


# ---- words ----
def change_text(kpi: str, change: float | None, signed: bool = True) -> str:
    """A change of the KPI in its own terms: points for a share or a score, yuan, a count, a number; with its
    sign unless `signed` is False, and none where it rounds to nothing."""
    if change is None:
        return formats.EMPTY
    unit = KPIS[kpi].change_unit
    if unit in ("points", "score_points"):   # NPS runs -100..100: its points are its own units
        text = formats.points(change / 100 if unit == "score_points" else change)
        return text if signed else text.lstrip("+-")
    magnitude = fmt(round(abs(change)) if unit == "count" else abs(change), unit)
    nothing = {"count": 0.5, "money": 0.5, "number": 0.005}.get(unit, 0.0)
    if not signed or abs(change) < nothing:
        return magnitude
    return ("+" if change > 0 else "-") + magnitude


def rounds_to_nothing(kpi: str, change: float) -> bool:
    return not change_text(kpi, change).startswith(("+", "-"))


def headline(kpi: str, dimension: str, frame: pl.DataFrame, before: float | None, after: float | None) -> list[str]:
    """The answer in sentences: how much the KPI moved, how much of it is mix and how much within the groups
    (a ratio), and the largest contributor."""
    k = KPIS[kpi]
    label = _(k.label)
    if before is None or after is None:
        which = (_("either period") if before is None and after is None
                 else _("the comparison period") if before is None else _("this period"))
        return [_("{kpi} has no value in {period} in this scope (nothing to divide by), so there is no change to "
                  "split.").format(kpi=label, period=which)]
    change = after - before
    shown = {"before": fmt(before, k.unit), "after": fmt(after, k.unit), "change": change_text(kpi, change, signed=False)}
    if rounds_to_nothing(kpi, change):
        first = _("{kpi} did not change: {after}, as in the comparison period.").format(kpi=label, **shown)
    elif change > 0:
        first = _("{kpi} rose {change}, from {before} to {after}.").format(kpi=label, **shown)
    else:
        first = _("{kpi} fell {change}, from {before} to {after}.").format(kpi=label, **shown)
    sentences = [first]
    if frame.is_empty():
        return sentences
    plural = _(DIMENSION_PLURALS[dimension])
    if not k.is_total:
        mix, rate = float(frame["mix"].sum()), float(frame["rate"].sum())
        shift = frame.sort(pl.col("mix").abs(), "group", descending=[True, False]).row(0, named=True)
        values = {"mix": change_text(kpi, mix), "rate": change_text(kpi, rate), "dimensions": plural,
                  "what": _(k.what), "group": shift["name"]}
        if rounds_to_nothing(kpi, shift["mix"]):
            sentences.append(_("{mix} comes from the mix across {dimensions} and {rate} from changes within "
                               "them.").format(**values))
        elif (shift["share_after"] or 0) >= (shift["share_before"] or 0):
            sentences.append(_("{mix} comes from the mix across {dimensions} (mostly a shift of {what} towards "
                               "{group}) and {rate} from changes within them.").format(**values))
        else:
            sentences.append(_("{mix} comes from the mix across {dimensions} (mostly a shift of {what} away from "
                               "{group}) and {rate} from changes within them.").format(**values))
    largest = top(frame, 1).row(0, named=True)
    if not rounds_to_nothing(kpi, largest["total"]):
        sentences.append(_("The largest contributor: {group}, {total}.").format(
            group=largest["name"], total=change_text(kpi, largest["total"])))
    return sentences


# ---- the waterfall ----
def waterfall_steps(kpi: str, dimension: str, frame: pl.DataFrame, before: float, after: float,
                    n: int = 5) -> pl.DataFrame:
    """The waterfall's bars in order: the comparison period, the mix part (a ratio KPI), the part within each of
    the n largest groups, the others together, this period. Columns: label, measure (absolute / relative /
    total), value, group (the key, for a drill; "" where none)."""
    k = KPIS[kpi]
    rows = [(_("Comparison period"), "absolute", before, "")]
    if not k.is_total:
        rows.append((_("Mix across {dimensions}").format(dimensions=_(DIMENSION_PLURALS[dimension])), "relative",
                     float(frame["mix"].sum()), ""))
    ranked = frame.sort(pl.col("rate").abs(), "group", descending=[True, False])
    shown, rest = ranked.head(n), ranked.slice(n)
    for row in shown.iter_rows(named=True):
        label = (_("Within {group}").format(group=row["name"]) if not k.is_total else row["name"])
        rows.append((label, "relative", row["rate"], row["group"]))
    if rest.height:
        rows.append((_("{count} others").format(count=rest.height), "relative", float(rest["rate"].sum()), ""))
    rows.append((_("This period"), "total", after, ""))
    return pl.DataFrame(rows, schema=["label", "measure", "value", "group"], orient="row")


def waterfall(kpi: str, dimension: str, frame: pl.DataFrame, before: float, after: float, n: int = 5) -> go.Figure:
    """Horizontal (the labels read on a phone): green for a part that moved the KPI the good way, red the bad way,
    the two periods in the measure's colour. The axis starts near the smaller period, not at 0: the parts are
    small beside the level."""
    k = KPIS[kpi]
    steps = waterfall_steps(kpi, dimension, frame, before, after, n)
    good, bad = (charts.GOOD, charts.BAD) if k.higher_is_better else (charts.BAD, charts.GOOD)
    text = [fmt(v, k.unit) if m != "relative" else change_text(kpi, v) for m, v in zip(steps["measure"], steps["value"])]
    fig = go.Figure(go.Waterfall(
        orientation="h", y=steps["label"].to_list(), x=steps["value"].to_list(), measure=steps["measure"].to_list(),
        text=text, textposition="outside", cliponaxis=False, customdata=steps["group"].to_list(),
        increasing={"marker": {"color": good}}, decreasing={"marker": {"color": bad}},
        totals={"marker": {"color": charts.MAIN}}, connector={"line": {"color": charts.MUTED}},
        hovertemplate="%{y}: %{text}<extra></extra>",
    ))
    # The running level after each bar, to frame the axis around where the bars are.
    levels, level = [], 0.0
    for measure, v in zip(steps["measure"], steps["value"]):
        level = v if measure in ("absolute", "total") else level + v
        levels.append(level)
    low, high = min(levels), max(levels)
    spread = (high - low) or abs(high) * 0.1 or 1.0
    start = 0.0 if k.is_total or low - 1.2 * spread < 0 <= low else low - 1.2 * spread
    fig.update_xaxes(range=[start, high + 0.9 * spread], showticklabels=False, showgrid=False, zeroline=False)
    fig.update_yaxes(autorange="reversed")
    return fig


def chart_note(kpi: str, dimension: str) -> str:
    """How to read the waterfall, under it."""
    k = KPIS[kpi]
    if k.is_total:
        return _("{kpi} is a total: each group's bar is its own change; there is no mix part.").format(kpi=_(k.label))
    return _("Green bars moved the KPI the good way, red bars the bad way; the mix bar is the shift of {what} "
             "between {dimensions}, each other bar the change within one group.").format(
        what=_(k.what), dimensions=_(DIMENSION_PLURALS[dimension]))


# ---- the link ----
def accept_link(key: str, messages: dict[str, str]) -> None:
    """Let a link name a choice by its key (why_kpi=units, as the digest writes it) or by its label in either
    language: a widget bound to the URL writes and reads its option's label in the reader's language, so a link
    from the other language, or by key, would otherwise open the default. Sets the choice through the session,
    which the bound widget reads on this run (as components.bound_tabs does); the parameter then leaves the address
    until the choice is changed. `messages`: option -> English label."""
    import streamlit as st

    from dashboard import i18n

    linked = st.query_params.get(key)
    if not linked or linked in {_(m) for m in messages.values()}:
        return
    for option, message in messages.items():
        spellings = {option, message} | {i18n.catalog(code).get((None, message)) for code in i18n.LANGUAGES}
        if linked in spellings:
            st.session_state[key] = option
            return


# ---- the drill-down ----
def drill_next(kpi: str, dimension: str) -> tuple[str, str] | None:
    """Where choosing a group leads: (the filter to set, the dimension to show next); a region opens its dealers,
    a dealer what it sells (or its channels)."""
    if dimension == "region":
        return "region", "dealer"
    if dimension == "dealer":
        following = next(d for d in ("product", "channel", "customer_type") if d in KPIS[kpi].dimensions)
        return "dealer", following
    return None


# ---- the table ----
TABLE_COLUMNS = {"name": "mover_name", "total": "mover_total", "mix": "mover_mix", "rate": "mover_rate",
                 "rate_before": "mover_before", "rate_after": "mover_after",
                 "share_before": "mover_share_before", "share_after": "mover_share_after"}


def table_view(kpi: str, dimension: str, frame: pl.DataFrame) -> tuple[pl.DataFrame, dict, dict, list[str]]:
    """The ranked contributors for tables.show: the frame, headers, kinds and the answer columns (a total has no
    mix: its contribution, values and shares only). Parts of a share or a score in points (0.0029 -> 0.29), each
    part rounded to what the table shows, so that a tiny negative part reads 0, not -0."""
    k = KPIS[kpi]
    label = _(k.label)
    in_points = k.unit in ("share", "score")
    part_kind = "number" if in_points else k.unit
    digits = 2 if part_kind == "number" else 0
    parts = ["mover_total", "mover_mix", "mover_rate"]
    shown = frame.select(*TABLE_COLUMNS).rename(TABLE_COLUMNS).with_columns(
        ((pl.col(c) * (100 if k.unit == "share" else 1)).round(digits) + 0.0).alias(c) for c in parts)
    labels = {
        "mover_name": _(DIMENSIONS[dimension]),
        "mover_total": _("Contribution to the change (pts)") if in_points else _("Contribution to the change"),
        "mover_mix": _("From the mix (pts)") if in_points else _("From the mix"),
        "mover_rate": _("From within the group (pts)") if in_points else _("From within the group"),
        "mover_before": _("{kpi}, comparison period").format(kpi=label),
        "mover_after": _("{kpi}, this period").format(kpi=label),
        "mover_share_before": (_("Share of the total, comparison period") if k.is_total
                               else _("Share of {what}, comparison period").format(what=_(k.what))),
        "mover_share_after": (_("Share of the total, this period") if k.is_total
                              else _("Share of {what}, this period").format(what=_(k.what))),
    }
    kinds = {c: part_kind for c in parts} | {"mover_before": k.unit, "mover_after": k.unit}
    if k.is_total:
        shown = shown.drop("mover_mix", "mover_rate")
        answer = ["mover_name", "mover_total", "mover_before", "mover_after"]
    else:
        answer = ["mover_name", "mover_total", "mover_mix", "mover_rate", "mover_before", "mover_after"]
    return shown, labels, kinds, answer


METHOD = N_(
    "**What is split.** A rate such as conversion is the average of each group's own rate weighted by the group's "
    "share of the denominator (its share of the closed leads, of the units sold, of the survey responses...). "
    "Between the comparison period and this one it can move because the shares moved (the **mix**) or because "
    "the groups' own rates moved (**within** the groups).\n\n"
    "**How.** Kitagawa's midpoint decomposition: for each group, mix = (share after - share before) x the "
    "average of its two rates, within = (rate after - rate before) x the average of its two shares. The two add "
    "up to the whole change exactly, with no residual term. Each group's mix part is shown against the average "
    "of the KPI in the two periods, (share change) x (its average rate - the KPI's average): the sum is the same, "
    "but a group that gains share at the average rate, which does not move the KPI, is not shown as a mover.\n\n"
    "**Groups in one period only.** A group with no denominator in a period (a dealer with no closed leads) has "
    "no rate there; its rate from the other period is used, so all of its contribution is mix. A numerator "
    "without a denominator (complaints at a dealer that sold nothing in the period) still counts in the KPI; its "
    "change is counted within the group.\n\n"
    "**Totals.** Units, sales revenue and complaints received are sums: each group's part is simply its own "
    "change, and there is no mix part (a shift between groups is itself a change of their totals).\n\n"
    "**Descriptive, not causal.** The split says where the change sits, not why it happened: a region's rate "
    "can fall because of its product mix, its dealers, or chance in a small group."
)
