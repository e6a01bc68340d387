"""The weekly digest's content for one recipient: which week, the overview's KPIs with their comparison, the alerts
and the top movers in the recipient's scope, every word in their language. No Streamlit calls: `python -m reports`
(reports/) builds it from a command line or a timer, renders it to HTML and PDF and mails it.

The week is the last complete Monday-Sunday week at the mart's as-of date, against the week before (the overview's
"previous period" for those seven days). The month to date (the first of the as-of date's month to the as-of date)
sits beside it against the same days a year earlier: a week of car sales is noisy and a part-month has no fair
"previous period", while the same days a year earlier carry the same season.
"""
from __future__ import annotations

import importlib
import json
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from urllib.parse import urlencode

import plotly.graph_objects as go
import polars as pl

from dashboard import charts, formats, i18n
from dashboard.complaints import short_dealer
from dashboard.data import run_as
from dashboard.i18n import N_, _, pgettext
from dashboard.metrics import METRICS, delta_text, fmt, format_metric
from queries.access import Access
from queries.filters import COMPARE_LAST_YEAR, COMPARE_PREVIOUS, Filters

# The overview's tiles, in its order (views/overview.py): the digest shows the same numbers.
KPIS = ["units", "sales_revenue", "gross_margin", "service_revenue", "new_customers", "active_customers",
        "service_retention", "nps", "complaint_backlog", "sla_compliance", "campaign_roi"]
# The KPIs whose week-on-week change the digest explains (dashboard/movers.py): a total (each group's own change)
# and a rate (split into the mix of its denominator across groups and the groups' own rates).
MOVER_KPIS = ["sales_revenue", "lead_conversion"]
ALERTS_SHOWN = 10
MOVERS_SHOWN = 5
# The url paths of the pages the digest links to (queries/access.py BUSINESS_PAGES).
OVERVIEW_PAGE, ALERTS_PAGE, MOVERS_PAGE = "overview", "alerts", "why"
CHART_WIDTH = 700   # px: the printable width of an A4 page at 96 dpi less the margins; charts are drawn for print
NO_ALERTS_MODULE = N_("Alerts are not part of this version of the dashboard.")
NO_MOVERS_MODULE = N_("The \"why did it move\" breakdown is not part of this version of the dashboard.")


def last_full_week(as_of: date) -> Filters:
    """Monday to Sunday of the last week complete at `as_of` (the week ending on it when it is a Sunday)."""
    end = as_of - timedelta(days=(as_of.weekday() + 1) % 7)
    return Filters(start_on=end - timedelta(days=6), end_on=end, compare=COMPARE_PREVIOUS)


def month_to_date(as_of: date) -> Filters:
    """The as-of date's month up to it, compared with the same days a year earlier."""
    return Filters(start_on=as_of.replace(day=1), end_on=as_of, compare=COMPARE_LAST_YEAR)


@dataclass
class Tile:
    name: str
    label: str
    value: str
    change: str           # against the week before, in the metric's terms (formats.EMPTY when there is none)
    previous: str
    mood: str             # good | bad | flat | none: the colour of the change
    flagged: bool
    month_value: str
    month_change: str
    month_mood: str


@dataclass
class Digest:
    lang: str
    recipient: str
    subject: str
    title: str
    scope: str
    period: str
    month_period: str
    tiles: list[Tile]
    alerts: list[dict] | None          # None: the alerts module is not there
    alert_count: int | None
    movers: list[dict] | None          # None: the movers module is not there
    charts: list[dict]                 # {"id", "figure": Plotly JSON}
    links: dict[str, str]
    words: dict[str, str] = field(default_factory=dict)   # headings and notes for the templates


def optional(module: str):
    """A dashboard module that another part of issue 15 adds, or None while it is not there."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as error:
        if error.name != module:
            raise
        return None


def alert_period(as_of: date, first_on: date | None) -> Filters:
    """The dashboard's default period (the twelve months to the as-of date): the digest's alerts are the ones the
    Alerts page opens with, the last complete month's series and the dealers' rates over that year (a week's dealer
    rates are too few cases to flag anything)."""
    from dashboard.filter_bar import default_period

    start, end = default_period(as_of, first_on)
    return Filters(start_on=start, end_on=end)


def build(access: Access, lang: str, as_of: date, base_url: str, first_on: date | None = None) -> Digest:
    """The digest for `access` at `as_of` (the mart's; `first_on` its first sale), in `lang`."""
    return i18n.in_language(lang, lambda: _build(access, lang, as_of, base_url, first_on))()


def _build(access: Access, lang: str, as_of: date, base_url: str, first_on: date | None) -> Digest:
    week, month, year = last_full_week(as_of), month_to_date(as_of), alert_period(as_of, first_on)
    before, month_before = week.comparison(), month.comparison()
    current = run_as(access, "kpi_summary", week).row(0, named=True)
    previous = run_as(access, "kpi_summary", before).row(0, named=True)
    month_now = run_as(access, "kpi_summary", month).row(0, named=True)
    month_then = run_as(access, "kpi_summary", month_before).row(0, named=True)

    alerts_module, movers_module = optional("dashboard.alerts"), optional("dashboard.movers")
    flagged = set(alerts_module.flagged_kpis(access, year)) if alerts_module else set()
    tiles = [tile(name, current, previous, month_now, month_then, name in flagged) for name in KPIS]

    links = {
        "overview": page_link(base_url, OVERVIEW_PAGE, week, lang),
        "month": page_link(base_url, OVERVIEW_PAGE, month, lang),
        "alerts": page_link(base_url, ALERTS_PAGE, year, lang),
        "movers": page_link(base_url, MOVERS_PAGE, week, lang),
    }
    alerts = alert_count = None
    alert_note = ""
    if alerts_module:
        frame = alerts_module.current_alerts(access, year)
        alert_count = len(frame)
        over = _("{start} to {end}").format(start=formats.month(year.start_on), end=formats.month(year.end_on))
        alerts = [alert_row(alerts_module, row, base_url, lang, over)
                  for row in frame.head(ALERTS_SHOWN).iter_rows(named=True)]
        alert_note = alerts_module.month_note(year)
    movers = mover_blocks(movers_module, access, week, base_url, lang) if movers_module else None

    figures = trend_charts(access, as_of)
    for i, block in enumerate(movers or []):
        if block["figure"] is not None:
            figures.append({"id": f"movers_{i}", "figure": block.pop("figure")})
            block["chart"] = f"movers_{i}"
        else:
            block.pop("figure")

    scope = scope_text(access)
    period = _("{start} to {end}, against {before_start} to {before_end}").format(
        start=formats.day(week.start_on), end=formats.day(week.end_on),
        before_start=formats.day(before.start_on), before_end=formats.day(before.end_on))
    month_period = _("{start} to {end}, against the same days a year earlier").format(
        start=formats.day(month.start_on), end=formats.day(month.end_on))
    title = _("Weekly digest, week of {start}").format(start=formats.day(week.start_on))
    return Digest(
        lang=lang, recipient=access.user, title=title, scope=scope, period=period, month_period=month_period,
        subject=_("CRM weekly digest: {start} to {end} · {scope}").format(
            start=formats.day(week.start_on), end=formats.day(week.end_on), scope=scope),
        tiles=tiles, alerts=alerts, alert_count=alert_count, movers=movers, charts=figures, links=links,
        words=words(alert_count, as_of) | {"alert_note": alert_note},
    )


def tile(name: str, current: dict, previous: dict, month_now: dict, month_then: dict, flagged: bool) -> Tile:
    """One KPI as the overview's tile shows it: label (with its sample size), value and change."""
    metric = METRICS[name]
    label = _(metric.label)
    if metric.count_column:
        label += " (n={n})".format(n=formats.number(int(current.get(metric.count_column) or 0)))
    change = delta_text(name, current.get(name), previous.get(name))
    month_change = delta_text(name, month_now.get(name), month_then.get(name))
    return Tile(
        name=name, label=label, value=format_metric(name, current.get(name)), change=change or formats.EMPTY,
        previous=format_metric(name, previous.get(name)), mood=mood(name, change), flagged=flagged,
        month_value=format_metric(name, month_now.get(name)), month_change=month_change or formats.EMPTY,
        month_mood=mood(name, month_change),
    )


def mood(name: str, change: str | None) -> str:
    """good / bad by the metric's direction; flat for a change that rounds to nothing; none without a comparison."""
    if change is None:
        return "none"
    if formats.is_zero_change(change):
        return "flat"
    up = change.startswith("+")
    return "good" if up == METRICS[name].higher_is_better else "bad"


def page_link(base_url: str, url_path: str, filters: Filters, lang: str, **params) -> str:
    """A dashboard link that opens `url_path` on these dates in this language (the filter bar reads the URL)."""
    query = [("period", f"{filters.start_on:%Y-%m-%d}"), ("period", f"{filters.end_on:%Y-%m-%d}")]
    if filters.compare != COMPARE_PREVIOUS:
        query.append(("compare", filters.compare))
    query += [(k, str(v)) for k, v in params.items() if v is not None]
    query.append(("lang", lang))
    return f"{base_url.rstrip('/')}/{url_path}?{urlencode(query)}"


def absolute(base_url: str, link: str | None, lang: str) -> str | None:
    """A relative dashboard link (the alerts' drill-downs) made absolute, in the reader's language."""
    if not link:
        return None
    if link.startswith(("http://", "https://")):
        return link
    joined = f"{base_url.rstrip('/')}/{link.lstrip('/')}"
    return joined if "lang=" in joined else joined + ("&" if "?" in joined else "?") + f"lang={lang}"


def alert_row(module, row: dict, base_url: str, lang: str, over: str) -> dict:
    """One flag as the digest lists it: where, which KPI, when, actual against the 95% range, and its drill-down."""
    unit = module.unit_of(row)
    month = row.get("month")
    return {
        # A dealer by its short name, as the movers name it (the company form every dealer shares takes a line).
        "where": short_dealer(row.get("name")) if row.get("level") == "dealer" else row.get("name") or formats.EMPTY,
        "level": pgettext("level", row.get("level") or "network"),
        "kpi": module.kpi_label(row),
        "when": formats.month(month) if month else over,   # a dealer's rate over the alerts' period
        "actual": fmt(row.get("actual"), unit),
        "expected": _("{start} to {end}").format(start=fmt(row.get("lower"), unit), end=fmt(row.get("upper"), unit)),
        "direction": "▲" if row.get("direction") == "up" else "▼",
        "bad": bool(row.get("bad")),
        "link": absolute(base_url, row.get("link"), lang),
    }


def mover_blocks(module, access: Access, week: Filters, base_url: str, lang: str) -> list[dict]:
    """For MOVER_KPIS: the week's change and the groups that moved it most, by region for a reader of the whole
    network (or of several regions), by dealer for a reader of one region or a few dealers."""
    dimension = "dealer" if access.is_limited and len(access.regions) <= 1 else "region"
    blocks = []
    for kpi in MOVER_KPIS:
        spec = module.KPIS[kpi]
        frame = module.top_movers(access, week, kpi, dimension, n=MOVERS_SHOWN)
        rows = [{"name": r["name"], "total": module.change_text(kpi, r["total"]),
                 "mix": module.change_text(kpi, r["mix"]), "rate": module.change_text(kpi, r["rate"]),
                 "mood": "flat" if module.rounds_to_nothing(kpi, r["total"])
                 else "good" if (r["total"] > 0) == spec.higher_is_better else "bad"}
                for r in frame.iter_rows(named=True)]
        blocks.append({
            "kpi": _(spec.label),
            "heading": _("{kpi}: the largest contributions to the change, by {dimension}").format(
                kpi=_(spec.label), dimension=_(module.DIMENSIONS[dimension]).lower()),
            "split": not spec.is_total,   # a total's change is each group's own: no mix part to show
            "rows": rows,
            "figure": movers_chart(frame, spec) if len(frame) else None,
            # the "why did it move" page's own choices (views/why.py binds them to the URL)
            "link": page_link(base_url, MOVERS_PAGE, week, lang, why_kpi=kpi, why_dimension=dimension),
        })
    return blocks


def movers_chart(frame: pl.DataFrame, spec) -> dict:
    """Each group's contribution; a rate's split into its mix part and its rate part (stacked: they add up)."""
    names = frame["name"].to_list()[::-1]
    fig = go.Figure()
    # A rate's parts in points on the axis, as the table shows them (a share's change is not a percent change).
    scale = 100 if spec.unit == "share" else 1
    if spec.is_total:
        totals = frame["total"].to_list()[::-1]
        fig.add_bar(y=names, x=totals, orientation="h", name=_("Contribution"), showlegend=False,
                    marker_color=[charts.GOOD if (v > 0) == spec.higher_is_better else charts.BAD for v in totals])
    else:
        fig.add_bar(y=names, x=[scale * v for v in frame["mix"].to_list()[::-1]], orientation="h", name=_("Mix part"),
                    marker_color=charts.SECOND)
        fig.add_bar(y=names, x=[scale * v for v in frame["rate"].to_list()[::-1]], orientation="h", name=_("Rate part"),
                    marker_color=charts.MAIN)
        fig.update_layout(barmode="relative")
    charts.finish(fig, _("{kpi}: contribution to the change against the week before").format(kpi=_(spec.label)),
                  height=110 + 34 * len(names), legend=not spec.is_total)
    if spec.unit == "money":
        charts.money_axis(fig, frame["mix"].to_list() + frame["rate"].to_list() + frame["total"].to_list(), axis="x")
    elif spec.unit == "share":
        fig.update_xaxes(tickformat=".0f", ticksuffix=" " + _("pts"))
    return for_print(fig)


def trend_charts(access: Access, as_of: date) -> list[dict]:
    """The overview's two monthly trends over the twelve months up to the as-of date."""
    start = (as_of.replace(day=1) - timedelta(days=335)).replace(day=1)
    monthly = run_as(access, "kpi_monthly", replace(last_full_week(as_of), start_on=start, end_on=as_of))
    months = monthly["month"].to_list()
    partial = as_of != (as_of.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    note = (" " + _("(the last month to {day})").format(day=formats.day(as_of))) if partial else ""

    revenue = go.Figure()
    revenue.add_bar(x=months, y=monthly["sales_revenue"].to_list(), name=_("Sales revenue"), marker_color=charts.MAIN)
    revenue.add_scatter(x=months, y=monthly["gross_margin"].to_list(), name=_("Gross margin"), mode="lines+markers",
                        line={"color": charts.SERIES[1]})
    charts.finish(revenue, _("Sales revenue and gross margin by month") + note, height=320)
    charts.money_axis(revenue, monthly["sales_revenue"].to_list() + monthly["gross_margin"].to_list())
    charts.month_axis(revenue)

    units = go.Figure()
    units.add_scatter(x=months, y=monthly["units"].to_list(), name=_("Units sold"), mode="lines+markers",
                      line={"color": charts.MAIN})
    units.add_scatter(x=months, y=monthly["complaints_received"].to_list(), name=_("Complaints received"),
                      mode="lines+markers", line={"color": charts.SERIES[1]})
    charts.finish(units, _("Units sold and complaints received by month") + note, height=320)
    charts.month_axis(units)
    units.update_yaxes(tickformat=",d")
    return [{"id": "trend_revenue", "figure": for_print(revenue)}, {"id": "trend_units", "figure": for_print(units)}]


def for_print(fig: go.Figure) -> dict:
    """A figure as Plotly JSON, at the printed page's width (a static print has no window to resize to)."""
    fig.update_layout(width=CHART_WIDTH, paper_bgcolor="white", plot_bgcolor="white")
    fig.update_xaxes(gridcolor="#e5e5e5")
    fig.update_yaxes(gridcolor="#e5e5e5")
    return json.loads(fig.to_json())


def scope_text(access: Access) -> str:
    """Whose figures these are: the whole network, or the regions, provinces or dealers the person sees."""
    if not access.is_limited:
        return _("the whole dealer network")
    parts = []
    if access.regions:
        parts.append(_("regions: {names}").format(names=", ".join(access.regions)))
    if access.provinces:
        parts.append(_("provinces: {names}").format(names=", ".join(access.provinces)))
    if access.dealer_ids:
        dealers = run_as(access, "filter_dealers")
        names = dict(zip(dealers["dealer_id"].to_list(), dealers["dealer_name"].to_list()))
        parts.append(_("dealers: {names}").format(names=", ".join(names.get(d, d) for d in access.dealer_ids)))
    return "; ".join(parts)


def words(alert_count: int | None, as_of: date) -> dict[str, str]:
    """The headings and notes of the report and the mail, in the language being spoken."""
    return {
        "scope": _("Scope"),
        "week": _("Week"),
        "previous": _("Week before"),
        "change": _("Change"),
        "month": _("Month to date"),
        "month_change": _("Against a year earlier"),
        "kpi": _("KPI"),
        "kpis": _("KPIs this week"),
        "flag_note": _("⚑ marks a KPI whose series is flagged on the Alerts page."),
        "as_of": _("Data as of {day}.").format(day=formats.day(as_of)),
        "alerts": _("Alerts"),
        "alert_count": (ngettext_count(alert_count) if alert_count is not None else _(NO_ALERTS_MODULE)),
        "no_alerts": _("Nothing is flagged: every KPI is within its expected range."),
        "where": _("Where"),
        "when": _("When"),
        "actual": _("Actual"),
        "expected": _("Expected (95%)"),
        "open": pgettext("link", "Open"),   # beside each row: short (the dashboard's "Open" is a complaint's status)
        "movers": _("Who moved it"),
        "movers_note": _("The change against the week before, split exactly into a mix part (groups' shares moved) "
                         "and a rate part (groups' own figures moved). Descriptive, not causal."),
        "no_movers": _(NO_MOVERS_MODULE),
        "group": _("Group"),
        "total": _("Contribution"),
        "mix": _("Mix part"),
        "rate": _("Rate part"),
        "trends": _("Monthly trends"),
        "open_dashboard": _("Open the dashboard"),
        "attached": _("The full report with charts is attached as a PDF."),
        "footer": _("Sent by the CRM dashboard. Your access decides what the digest shows; ask your administrator "
                    "to change it."),
    }


def ngettext_count(count: int) -> str:
    return i18n.ngettext("{count} current alert.", "{count} current alerts.", count).format(
        count=formats.number(count))
