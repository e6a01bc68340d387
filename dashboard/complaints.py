"""The complaints page's workings, out of its layout: the drill from a chart to the list of complaints behind it,
the busiest dealers drawn in the step charts, the "are we getting faster" verdicts in plain words (and the method's
figures for analysts), the headline sentence, and the page's colours."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl
import streamlit as st

from analytics.speed_trend import (
    FASTER,
    NO_CLEAR_CHANGE,
    SLOWER,
    TOO_FEW_MONTHS,
    SpeedTrend,
    speed_trend,
)
from dashboard import charts, formats
from dashboard.i18n import N_, _, pgettext
from dashboard.metrics import fmt

# One colour meaning on this page: red only for past the deadline; open statuses in the neutral palette; HQ's
# steps and the dealer's in two blues (red for the dealer's step read as "late").
PAST_DUE = charts.BAD
WITHIN = charts.GOOD
MEASURE = charts.MAIN
HQ_STEP = charts.MAIN
DEALER_STEP = charts.SECOND
# The neutral palette without its vermilion (it reads as red, "late") and its green (here: "within deadline").
NEUTRAL = [c for c in charts.SERIES if c not in ("#D55E00", "#009E73")]
# Open statuses, always the same colour; resolved (waiting for the callback) grey, nearly done.
STATUS_COLOURS = {"received": "#56B4E9", "dispatched": "#E69F00", "acknowledged": "#0072B2", "reopened": "#CC79A7",
                  "resolved": "#999999"}

LIST_BY = {
    "status": N_("Status (open complaints; closed: the period's)"),
    "age_bucket": N_("Age of open complaints"),
    "severity": N_("Severity (SLA outcome known)"),
    "category": N_("Category"),
    "region": N_("Region"),
    "dealer": N_("Dealer"),
}
# Stored values of a list-by dimension shown through the catalog; categories and regions are names already.
LIST_VALUE_CONTEXT = {"status": "status", "age_bucket": "age_bucket", "severity": "severity"}
LIST_LIMIT = 500
BUSIEST = 15   # dealers (or regions) drawn in each step chart; every one is in the rows

TABS_KEY = "complaint_tab"
TABS = [N_("Open complaints and deadlines"), N_("Time in each step"), N_("Categories and dealers"),
        N_("The complaint list")]
LIST_TAB = TABS[3]


# ---- drilling from a chart to the list of complaints behind a bar ----
def drill(list_by: str, value) -> None:
    """Point the list of complaints at one bar (a chart click or the selectboxes) and open the list's tab."""
    st.session_state["complaint_list_by"] = list_by
    st.session_state["complaint_list_value"] = str(value)
    st.session_state["complaint_pick"] = None
    st.session_state[TABS_KEY] = _(LIST_TAB)


def drill_from_chart(chart_key: str, list_by: str):
    def on_select():
        points = st.session_state[chart_key].selection.points
        if points and points[0].get("customdata"):
            drill(list_by, points[0]["customdata"][0])
    return on_select


def drill_from_steps(chart_key: str):
    def on_select():
        points = st.session_state[chart_key].selection.points
        if points and points[0].get("customdata"):
            key, clicked_level = points[0]["customdata"][:2]
            if clicked_level in ("region", "dealer") and key is not None:
                drill(clicked_level, key)
    return on_select


def drill_from_trend():
    """A bar of the backlog over time: the page moves to that day, listing the complaints of that status then."""
    points = st.session_state["status_trend_chart"].selection.points
    if points and points[0].get("customdata"):
        on_date, status = points[0]["customdata"][:2]
        st.session_state["as_of"] = date.fromisoformat(str(on_date)[:10])
        drill("status", status)


# ---- names ----
def period_end_label(day: date) -> str:
    """A backlog bar's day: the month for a month's end (2026年11月 / Nov 2026), else the day itself (the as-of day)."""
    return formats.month(day) if (day + timedelta(days=1)).day == 1 else formats.day(day)


def short_dealer(name: str | None) -> str:
    """A dealer's name on a chart axis without the company-form suffix every dealer shares (柳州城南恒通汽车销售服务
    有限公司 -> 柳州城南恒通): the full name took half a phone's width. Hover and tables keep the full name."""
    if not name:
        return formats.EMPTY
    return re.sub(r"(汽车)?(销售)?(服务)?有限(责任)?公司$", "", name) or name


def level_label(level: str) -> str:
    """A row's level as a person reads it; 'national' is computed by the datasets, not stored."""
    if level == "national":
        return pgettext("level", "national")
    return pgettext("level", level)


def list_value_labels(list_by: str | None, options: list, dealer_names: dict[str, str]) -> dict:
    """What the "Which" box shows for each value, computed during the run (a format_func also runs outside it)."""
    if list_by == "dealer":
        return {v: dealer_names.get(v, v) for v in options}
    context = LIST_VALUE_CONTEXT.get(list_by)
    return {v: pgettext(context, v) if context else v for v in options}


def month_ticks(days: list, label=formats.month, most: int = 4) -> tuple[list, list[str]]:
    """At most `most` labelled ticks on a monthly axis, level and legible on a phone (twelve tilted labels ran into
    the legend): every n-th of `days`, labelled by `label`."""
    picked = days[::max(1, -(-len(days) // most))]
    return picked, [label(d) for d in picked]


def area_names(dealers: pl.DataFrame) -> pl.Series:
    """The name a row of the dealer table is read by: the dealer's short name, its region's, or the whole."""
    return pl.Series("area", [
        short_dealer(n) if lv == "dealer" else _("{region} (region)").format(region=r) if lv == "region"
        else level_label(lv)
        for lv, n, r in zip(dealers["level"], dealers["dealer_name"], dealers["region"])
    ], dtype=pl.String)


# ---- the step charts: which areas are drawn ----
@dataclass(frozen=True)
class StepAreas:
    shown: pl.DataFrame   # the step rows drawn: the busiest areas and their yardstick, with `area` and `key`
    level: str            # 'dealer' (a geography is chosen) or 'region'
    drawn: int            # areas drawn
    total: int            # areas in scope


def step_areas(steps: pl.DataFrame, has_geo: bool, whole: str, limit: int = BUSIEST) -> StepAreas:
    """The areas of the step charts: with a geography chosen, its busiest dealers against their region; else the
    regions against the whole (`whole`: "national", or "all your dealers" for a person who sees part of it)."""
    level = "dealer" if has_geo else "region"
    areas = steps.filter(pl.col("level") == level)
    busiest = (areas.group_by("region", "dealer_id").agg(pl.col("count_complaints").max())
               .sort(["count_complaints", "region", "dealer_id"], descending=[True, False, False], nulls_last=True)
               .head(limit))
    shown = pl.concat([
        areas.join(busiest.select("region", "dealer_id"), on=["region", "dealer_id"], how="semi", nulls_equal=True),
        steps.filter(pl.col("level") == ("region" if has_geo else "national")),
    ]).with_columns(
        area=pl.when(pl.col("level") == "dealer").then(pl.col("dealer_name").map_elements(short_dealer, return_dtype=pl.String))
        .when(pl.col("level") == "region").then(pl.col("region"))
        .otherwise(pl.lit(whole)),
        key=pl.when(pl.col("level") == "dealer").then(pl.col("dealer_id").cast(pl.String)).otherwise(pl.col("region")),
    )
    total = areas.select("region", "dealer_id").unique().height
    return StepAreas(shown, level, busiest.height, total)


# ---- are we getting faster? ----
@dataclass(frozen=True)
class StepSpeed:
    step_order: int
    step: str
    owner: str
    trend: SpeedTrend


def step_speeds(step_trend: pl.DataFrame) -> list[StepSpeed]:
    """The trend of each step's monthly median hours, every calendar month of the span in place (a month without
    finished steps is a gap, not skipped)."""
    if step_trend.is_empty():
        return []
    months = pl.DataFrame({"month": pl.date_range(step_trend["month"].min(), step_trend["month"].max(), "1mo", eager=True)})
    out = []
    for (order, step, owner), rows in step_trend.sort("step_order", "month").group_by(
            "step_order", "step", "owner", maintain_order=True):
        filled = months.join(rows.select("month", "median_hours", "count_complaints"), on="month", how="left")
        out.append(StepSpeed(order, step, owner, speed_trend(filled["median_hours"].to_list(),
                                                             filled["count_complaints"].to_list())))
    return out


def speed_words(s: StepSpeed) -> str:
    """One step's verdict in plain words, for everyone."""
    step, owner = pgettext("step", s.step), pgettext("owner", s.owner)
    step = formats.sentence_start(step)   # it starts the line
    t = s.trend
    if t.verdict == FASTER:
        return _("**{step}** ({owner}): getting faster, about {hours} quicker each month").format(
            step=step, owner=owner, hours=fmt(abs(t.slope_per_month), "hours"))
    if t.verdict == SLOWER:
        return _("**{step}** ({owner}): getting slower, about {hours} longer each month").format(
            step=step, owner=owner, hours=fmt(abs(t.slope_per_month), "hours"))
    if t.verdict == NO_CLEAR_CHANGE:
        return _("**{step}** ({owner}): no clear change").format(step=step, owner=owner)
    return _("**{step}** ({owner}): too few months to tell").format(step=step, owner=owner)


def speed_summary(speeds: list[StepSpeed]) -> str:
    """The answer to "are we getting faster?" over all steps, in one sentence."""
    faster = sum(s.trend.verdict == FASTER for s in speeds)
    slower = sum(s.trend.verdict == SLOWER for s in speeds)
    judged = sum(s.trend.verdict != TOO_FEW_MONTHS for s in speeds)
    if judged == 0:
        return _("Too few months to tell whether the steps are getting faster.")
    if faster == slower == 0:
        return _("No step is clearly getting faster or slower.")
    return _("Of {steps} steps, {faster} getting faster and {slower} getting slower.").format(
        steps=len(speeds), faster=faster, slower=slower)


def speed_method(s: StepSpeed) -> str:
    """One step's trend as an analyst checks it: the Theil-Sen slope, its 95% interval and the months used."""
    step, owner = pgettext("step", s.step), pgettext("owner", s.owner)
    t = s.trend
    if t.verdict == TOO_FEW_MONTHS:
        return _("{owner}, {step}: {months} months with enough finished steps, too few for a slope").format(
            owner=owner, step=step, months=t.months_used)
    return _("{owner}, {step}: slope {slope} h a month (95% interval {low} to {high}), {months} months").format(
        owner=owner, step=step, slope=_signed(t.slope_per_month), low=_signed(t.low), high=_signed(t.high),
        months=t.months_used)


def _signed(value: float) -> str:
    text = formats.number(abs(value), 2)
    return ("+" if value > 0 else "-" if value < 0 else "") + text


# ---- the headline ----
def headline(current: dict, previous: dict, dealers: pl.DataFrame) -> str:
    """The page's answer first: how many open complaints are past their deadline and where most of them are, and
    SLA compliance against the comparison period."""
    past_due = int(current.get("complaints_past_due") or 0)
    dealer_rows = dealers.filter((pl.col("level") == "dealer") & (pl.col("complaints_past_due") > 0))
    if past_due == 0:
        first = _("No open complaint is past its deadline.")
    else:
        top = dealer_rows["complaints_past_due"].max() if dealer_rows.height else None
        leaders = dealer_rows.filter(pl.col("complaints_past_due") == top) if top else dealer_rows
        # A sentence per case rather than ngettext: whole sentences translate cleanly, and one complaint has one dealer.
        if dealer_rows.is_empty():
            first = _("Open complaints past their deadline: {count}.").format(count=formats.number(past_due))
        elif past_due == 1:
            first = _("1 complaint is open past its deadline, at {dealer}.").format(dealer=leaders["dealer_name"][0])
        elif leaders.height == 1:
            first = _("{count} complaints are open past their deadline, the most at {dealer} ({top}).").format(
                count=formats.number(past_due), top=formats.number(top), dealer=leaders["dealer_name"][0])
        else:
            first = _("{count} complaints are open past their deadline, spread over {dealers} dealers.").format(
                count=formats.number(past_due), dealers=formats.number(dealer_rows.height))
    sla, before = current.get("sla_compliance"), previous.get("sla_compliance")
    if sla is None:
        return first
    change = None if before is None else round(sla - before, 3)
    if change is None:
        second = _("SLA compliance {value}.")
    elif change > 0:
        second = _("SLA compliance {value}, {points} above the comparison period.")
    elif change < 0:
        second = _("SLA compliance {value}, {points} below the comparison period.")
    else:
        second = _("SLA compliance {value}, the same as in the comparison period.")
    points = formats.points(abs(change)).lstrip("+") if change else ""   # "below" already says the direction
    # TRANSLATORS: two sentences side by side (no space between them in Chinese)
    return _("{first} {second}").format(first=first, second=second.format(value=fmt(sla, "share"), points=points))
