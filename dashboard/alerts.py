"""The alerts of a person's scope: which KPI series moved further in the last complete month than a forecast made
without that month allows, and which dealers' rates over the period sit outside the funnel limits around the scope's
rate, after Benjamini-Hochberg across every test shown (the statistics are analytics/alerts.py).

No Streamlit call here: the weekly digest calls these functions from a command line. The datasets are read through
`load(name, filters)`, by default uncached as `access` (dashboard.data.run_as); a page passes dashboard.data.load,
whose results are cached.

Series (monthly, the last complete month on or before the filters' end, against the months before it): units, sales
revenue, complaints received, complaint backlog, NPS and lead conversion, for the scope's total, each region and each
dealer of the scope (a region of one dealer, or a scope of one region or one dealer, is tested once, not twice).
Rates (over the filters' period, each dealer against the scope's overall rate): complaints per 100 customers
(Poisson), follow-up response rate, complaint SLA compliance and lead conversion (exact binomial).
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from urllib.parse import urlencode

import polars as pl

from analytics import alerts as stats
from analytics.forecast import add_months
from dashboard import formats, i18n
from dashboard.complaints import short_dealer
from dashboard.filter_bar import dealer_label
from dashboard.i18n import N_, _, pgettext
from dashboard.metrics import METRICS, fmt
from queries.access import Access
from queries.filters import COMPARE_PREVIOUS, Filters

Q = stats.Q
HISTORY_MONTHS = 60  # at most five years before the checked month go into its forecast
Loader = Callable[..., pl.DataFrame]


@dataclass(frozen=True)
class Kpi:
    label: str  # N_ message
    unit: str  # a dashboard.metrics.fmt unit
    higher_is_better: bool
    page: str  # url path of the drill-down that shows it
    page_params: tuple = ()
    floor: float | None = 0.0  # the interval's bounds are clipped to what the KPI can be
    ceiling: float | None = None


def _metric(name: str, page: str, page_params: tuple = (), **kwargs) -> Kpi:
    m = METRICS[name]
    return Kpi(m.label, m.unit, m.higher_is_better, page, page_params, **kwargs)


# Monthly series, in the order a page lists them.
SERIES: dict[str, Kpi] = {
    "units": _metric("units", "overview"),
    "sales_revenue": _metric("sales_revenue", "overview"),
    "complaints_received": _metric("complaints_received", "complaints"),
    "complaint_backlog": _metric("complaint_backlog", "complaints"),
    "nps": _metric("nps", "dealers", (("rank_by", "nps"),), floor=-100.0, ceiling=100.0),
    "lead_conversion": _metric("lead_conversion", "campaigns", (("campaign_tab", "Lead funnel"),), ceiling=1.0),
}
# Dealer rates over the period: (kpi, numerator, denominator, test).
RATES: dict[str, tuple[Kpi, str, str, str]] = {
    "complaints_per_100_customers": (_metric("complaints_per_100_customers", "complaints"), "complaints_received",
                                     "count_customers", "poisson"),
    "response_rate": (Kpi(N_("Follow-up response rate"), "share", True, "followups",
                          (("followup_tab", "Regions and dealers"),), ceiling=1.0),
                      "count_answered", "count_attempts", "binomial"),
    "sla_compliance": (_metric("sla_compliance", "complaints", ceiling=1.0), "count_sla_met", "count_sla_complaints",
                       "binomial"),
    "lead_conversion": (_metric("lead_conversion", "dealers", (("rank_by", "lead_conversion"),), ceiling=1.0),
                        "count_leads_won", "count_leads_closed", "binomial"),
}

SCHEMA = {
    "kpi": pl.String, "test": pl.String, "level": pl.String, "region": pl.String, "dealer_id": pl.String,
    "name": pl.String, "month": pl.Date, "actual": pl.Float64, "expected": pl.Float64, "lower": pl.Float64,
    "upper": pl.Float64, "count": pl.Int64, "p_value": pl.Float64, "q_value": pl.Float64, "direction": pl.String,
    "bad": pl.Boolean, "flagged": pl.Boolean, "link": pl.String,
}
LEVEL_ORDER = {"network": 0, "region": 1, "dealer": 2}
FLAGS_PER_PAGE = 20  # the Alerts page lists the flags after the worst few this many at a time


# ---- which month, which rows ----
def checked_month(end_on: date) -> date:
    """The last complete month on or before `end_on`: its month if `end_on` is the month's last day, else the one
    before (a month cut short would be checked against whole months)."""
    first = end_on.replace(day=1)
    return first if (end_on + timedelta(days=1)).day == 1 else add_months(first, -1)


def series_filters(filters: Filters) -> Filters:
    """The filters' slice over the checked month and up to HISTORY_MONTHS before it."""
    month = checked_month(filters.end_on)
    return replace(filters, start_on=add_months(month, -HISTORY_MONTHS), end_on=add_months(month, 1) - timedelta(days=1))


def _loader(access: Access, load: Loader | None) -> Loader:
    if load is not None:
        return load
    from dashboard import data

    return lambda name, f, **extra: data.run_as(access, name, f, **extra)


# ---- the tests ----
# Small units are left to the rates over the period (funnel plots, which allow for size): month by month, a count
# that averages under MIN_MONTHLY_COUNT a month moves by whole events (a dealer with one open complaint in three years
# and one now would be "off the scale" of a spread estimated from zeros), and a share of fewer than MIN_MONTHLY_BASE
# responses or closed leads in a month is mostly noise (the scorecard's minimum sample for NPS and conversion).
MIN_MONTHLY_COUNT = 5
MIN_MONTHLY_BASE = 30
RATIO_BASES = {"nps": "count_nps_responses", "lead_conversion": "count_leads_closed"}


def _series_values() -> list[pl.Expr]:
    """Each series KPI's monthly value; a share's months with fewer than MIN_MONTHLY_BASE in its base are missing."""
    enough = {kpi: pl.col(base) >= MIN_MONTHLY_BASE for kpi, base in RATIO_BASES.items()}
    return [
        pl.col("units").cast(pl.Float64).alias("v_units"),
        pl.col("sales_revenue").cast(pl.Float64).alias("v_sales_revenue"),
        pl.col("complaints_received").cast(pl.Float64).alias("v_complaints_received"),
        pl.col("complaint_backlog").cast(pl.Float64).alias("v_complaint_backlog"),
        pl.when(enough["nps"]).then(
            100.0 * (pl.col("count_promoters") - pl.col("count_detractors")) / pl.col("count_nps_responses")).alias("v_nps"),
        pl.when(enough["lead_conversion"]).then(
            pl.col("count_leads_won") / pl.col("count_leads_closed")).alias("v_lead_conversion"),
    ]


COUNT_KPIS = ("units", "complaints_received", "complaint_backlog")


SUMMED = ["units", "sales_revenue", "complaints_received", "complaint_backlog", "count_promoters", "count_detractors",
          "count_nps_responses", "count_leads_won", "count_leads_closed"]


def _sums() -> list[pl.Expr]:
    """The SUMMED columns summed over a group, revenue in whole cents: a sum of floats depends on the order the
    threads add them in, and a p-value near the false discovery line could flip from one run to the next."""
    cents = (pl.col("sales_revenue") * 100).round().cast(pl.Int64).sum() / 100
    return [cents.alias(c) if c == "sales_revenue" else pl.col(c).sum() for c in SUMMED]


def series_units(rows: pl.DataFrame) -> list[tuple[dict, pl.DataFrame]]:
    """The units whose series are checked, each with its monthly rows (sums over its dealers): the scope's total,
    each region (when the scope has more than one) of more than one dealer, each dealer (when the scope has more
    than one). A dealer's months before the month it opened are left out."""
    dealers = rows.filter(pl.col("dealer_id").is_not_null())
    dealer_ids = dealers["dealer_id"].unique().to_list()
    regions = dealers.group_by("region").agg(pl.col("dealer_id").n_unique().alias("n")).sort("region")
    total = rows.group_by("month").agg(_sums()).sort("month")
    names = dealers.select("dealer_id", "dealer_name", "region").unique("dealer_id")
    if len(dealer_ids) == 1:
        network_name = names["dealer_name"][0]
    elif regions.height == 1:
        network_name = regions["region"][0]
    else:
        network_name = _("All regions")
    only_region = regions["region"][0] if regions.height == 1 else None
    only_dealer = dealer_ids[0] if len(dealer_ids) == 1 else None
    out = [({"level": "network", "region": only_region, "dealer_id": only_dealer, "name": network_name}, total)]
    if regions.height > 1:
        for region, n in regions.iter_rows():
            if n > 1:
                part = dealers.filter(pl.col("region") == region).group_by("month").agg(_sums()).sort("month")
                out.append(({"level": "region", "region": region, "dealer_id": None, "name": region}, part))
    if len(dealer_ids) > 1:
        # The months before each dealer opened are dropped in one filter and the dealers split in one call (a
        # group_by iterated with a filter per dealer took 30 ms at m, this 10). A dealer that opened after the months
        # asked for has no rows left: no series yet.
        opened = pl.col("opened_on").dt.month_start()
        kept = dealers.filter(opened.is_null() | (pl.col("month") >= opened)).sort("dealer_id", "month")
        for part in kept.partition_by("dealer_id", maintain_order=True):
            out.append(({"level": "dealer", "region": part["region"][0], "dealer_id": part["dealer_id"][0],
                         "name": part["dealer_name"][0]}, part))
    return out


def series_tests(rows: pl.DataFrame, month: date) -> list[dict]:
    """One row per (unit, KPI) series whose checked `month` could be tested (see analytics.alerts.interval_check):
    the longest run of months with a value just before it, up to HISTORY_MONTHS; a count series only where it
    averaged MIN_MONTHLY_COUNT a month over the last year."""
    out = []
    units = series_units(rows)
    # Every unit's months in one frame, their values computed once and read out as lists once: a filter, a
    # with_columns and six to_list per unit (300 units at m) took about 0.1 s of the overview's cold start.
    stacked = pl.concat([part[["month", *SUMMED]] for _, part in units], how="vertical_relaxed")
    columns = stacked.with_columns(_series_values()).select("month", *("v_" + kpi for kpi in SERIES)).to_dict(as_series=False)
    end = 0
    for unit, part in units:
        start, end = end, end + part.height
        kept = [i for i in range(start, end) if columns["month"][i] is not None and columns["month"][i] <= month]
        if not kept or columns["month"][kept[-1]] != month:
            continue
        for kpi, spec in SERIES.items():
            values = columns["v_" + kpi]
            series = [values[i] for i in kept]
            actual, history = series[-1], series[:-1]
            if actual is None:
                continue
            start = len(history)
            while start > 0 and history[start - 1] is not None:
                start -= 1
            history = history[start:][-HISTORY_MONTHS:]
            if kpi in COUNT_KPIS and (len(history) < 12 or sum(history[-12:]) < 12 * MIN_MONTHLY_COUNT):
                continue
            check = stats.interval_check(history, actual)
            if check is not None:
                out.append(_row(kpi, "interval", unit, month, check, None, spec))
    return out


def rate_tests(rates: pl.DataFrame, limits: bool = True) -> list[dict]:
    """One row per dealer and rate with a denominator, against the scope's overall rate (a scope of one dealer has
    nothing to compare with: no rows). `limits=False`: without the funnel limits (lower and upper NaN)."""
    out = []
    if rates.height < 2:
        return out
    for kpi, (spec, numerator, denominator, test) in RATES.items():
        total_num, total_den = rates[numerator].sum(), rates[denominator].sum()
        if not total_den:
            continue
        for r in rates.iter_rows(named=True):
            if test == "poisson":
                check = stats.poisson_check(r[numerator], r[denominator], 100.0 * total_num / total_den, limits=limits)
            else:
                check = stats.binomial_check(r[numerator], r[denominator], total_num / total_den, limits=limits)
            if check is None:
                continue
            unit = {"level": "dealer", "region": r["region"], "dealer_id": r["dealer_id"], "name": r["dealer_name"]}
            out.append(_row(kpi, test, unit, None, check, r[denominator], spec))
    return out


def _row(kpi: str, test: str, unit: dict, month: date | None, check: stats.Check, count: int | None, spec: Kpi) -> dict:
    lower, upper = check.lower, check.upper
    if spec.floor is not None:
        lower, upper = max(lower, spec.floor), max(upper, spec.floor)
    if spec.ceiling is not None:
        lower, upper = min(lower, spec.ceiling), min(upper, spec.ceiling)
    direction = check.direction
    return {"kpi": kpi, "test": test, **unit, "month": month, "actual": check.actual, "expected": check.expected,
            "lower": lower, "upper": upper, "count": count, "p_value": check.p_value, "direction": direction,
            "bad": (direction == "up") != spec.higher_is_better}


def all_tests(access: Access, filters: Filters, load: Loader | None = None, details: bool = True) -> pl.DataFrame:
    """Every test made for this person and these filters, with its p-value, its Benjamini-Hochberg q-value over all
    of them and `flagged` (q <= Q); worst first (see current_alerts). `details=False`: the same tests, p-values,
    q-values and flags without what only a page listing them shows, the dealer rates' funnel limits (lower and upper
    NaN) and the links (null), in about half the time: what flagged_kpis needs."""
    load = _loader(access, load)
    month = checked_month(filters.end_on)
    rows = series_tests(load("alert_series", series_filters(filters)), month)
    rows += rate_tests(load("alert_dealer_rates", filters), limits=details)
    frame = pl.DataFrame(rows, schema={k: v for k, v in SCHEMA.items() if k not in ("q_value", "flagged", "link")})
    frame = frame.with_columns(q_value=pl.Series(stats.bh_q_values(frame["p_value"].to_numpy()), dtype=pl.Float64))
    if not details:
        frame = frame.with_columns(flagged=pl.col("q_value") <= Q, link=pl.lit(None, dtype=pl.String))
        return _worst_first(frame.select(list(SCHEMA)))
    names = None
    if filters.product_ids:
        products = load("filter_products", None)
        names = dict(zip(products["product_id"].to_list(), products["product_name"].to_list()))
    frame = frame.with_columns(flagged=pl.col("q_value") <= Q, link=pl.Series(
        [link(r, filters, names) for r in frame.iter_rows(named=True)], dtype=pl.String))
    return _worst_first(frame.select(list(SCHEMA)))


def _worst_first(frame: pl.DataFrame) -> pl.DataFrame:
    return (frame.with_columns(_level=pl.col("level").replace_strict(LEVEL_ORDER, return_dtype=pl.Int64))
            .sort(["flagged", "bad", "q_value", "p_value", "_level", "kpi", "dealer_id"],
                  descending=[True, True, False, False, False, False, False], nulls_last=True)
            .drop("_level"))


def current_alerts(access: Access, filters: Filters, load: Loader | None = None) -> pl.DataFrame:
    """The current flags within the person's scope and the filters' geography, after Benjamini-Hochberg, worst first
    (bad moves before good ones, then the smallest q-value). One row per flag; columns as in SCHEMA: kpi, test
    ('interval' | 'binomial' | 'poisson'), level ('network' = the scope's total | 'region' | 'dealer'), region,
    dealer_id, name, month (the checked month; None for a rate over the period), actual, expected, lower and upper (the
    95% forecast interval or funnel limits), count (a rate's denominator), p_value, q_value, direction ('up' |
    'down'), bad, flagged, link."""
    return all_tests(access, filters, load).filter(pl.col("flagged"))


def flagged_kpis(access: Access, filters: Filters, load: Loader | None = None) -> set[str]:
    """KPI keys whose scope-level (network) monthly series is flagged: the overview's tiles carry a marker. The
    flags of current_alerts, without the funnel limits and links it also makes (see all_tests)."""
    alerts = all_tests(access, filters, load, details=False).filter(pl.col("flagged"))
    return set(alerts.filter(pl.col("level") == "network")["kpi"].to_list())


# ---- links ----
def link_params(row: dict, filters: Filters, product_names: dict[str, str] | None = None) -> dict[str, str | list[str]]:
    """The query parameters of the drill-down that shows a flag: the filters' period and slice, narrowed to the
    flag's region and dealer, the page's own choice (a tab, a ranking) and the language. The filter bar's widgets are
    bound to the URL by their options' labels, so a dealer travels as "name (#id)", a segment or channel in the words
    of the language, a product by its name (`product_names`: id -> name)."""
    spec = SERIES[row["kpi"]] if row["month"] is not None else RATES[row["kpi"]][0]
    start = min(filters.start_on, row["month"]) if row["month"] is not None else filters.start_on
    params: dict[str, str | list[str]] = {"period": [f"{start:%Y-%m-%d}", f"{filters.end_on:%Y-%m-%d}"]}
    if filters.compare != COMPARE_PREVIOUS:
        params["compare"] = pgettext("compare", filters.compare)
    region = row.get("region") or filters.region
    if region:
        params["region"] = region
    if filters.province and (row["level"] == "network" or not row.get("dealer_id")):
        params["province"] = filters.province
    if row["level"] == "dealer":
        params["dealer"] = dealer_label(row["dealer_id"], row["name"])
    elif row.get("dealer_id"):  # a scope of one dealer: its total is named after it
        params["dealer"] = dealer_label(row["dealer_id"], row["name"])
    if filters.product_ids:
        params["product"] = [(product_names or {}).get(p, p) for p in filters.product_ids]
    if filters.customer_types:
        params["segment"] = [pgettext("customer_type", t) for t in filters.customer_types]
    if filters.channels:
        params["channel"] = [pgettext("channel", c) for c in filters.channels]
    params.update(dict(spec.page_params))
    params["lang"] = i18n.language()
    return params


def link(row: dict, filters: Filters, product_names: dict[str, str] | None = None) -> str:
    """A relative URL opening the drill-down that shows the flag, e.g. "complaints?period=...&region=...&dealer=...",
    in the language of now."""
    spec = SERIES[row["kpi"]] if row["month"] is not None else RATES[row["kpi"]][0]
    return spec.page + "?" + urlencode(link_params(row, filters, product_names), doseq=True)


def page_of(row: dict) -> str:
    """The url path of the drill-down page of a flag."""
    return (SERIES[row["kpi"]] if row["month"] is not None else RATES[row["kpi"]][0]).page


# ---- words ----
def kpi_label(row: dict) -> str:
    spec = SERIES[row["kpi"]] if row["month"] is not None else RATES[row["kpi"]][0]
    return _(spec.label)


def unit_of(row: dict) -> str:
    return (SERIES[row["kpi"]] if row["month"] is not None else RATES[row["kpi"]][0]).unit


def sentence(row: dict) -> str:
    """One flag in plain words: where, what, how far from what was expected, and the range chance allows."""
    unit = unit_of(row)
    name = short_dealer(row["name"]) if row["level"] == "dealer" else row["name"]
    values = dict(name=name, kpi=kpi_label(row), actual=fmt(row["actual"], unit),
                  expected=fmt(row["expected"], unit), lower=fmt(row["lower"], unit), upper=fmt(row["upper"], unit))
    if row["month"] is not None:
        values["month"] = formats.month(row["month"])
        if row["direction"] == "up":
            text = _("{name}: {kpi} in {month} was {actual}, above the expected {expected} (95% range {lower} to {upper}).")
        else:
            text = _("{name}: {kpi} in {month} was {actual}, below the expected {expected} (95% range {lower} to {upper}).")
    elif row["direction"] == "up":
        text = _("{name}: {kpi} over the period is {actual}, above the scope's {expected} (a dealer of its size "
                 "would fall between {lower} and {upper} by chance).")
    else:
        text = _("{name}: {kpi} over the period is {actual}, below the scope's {expected} (a dealer of its size "
                 "would fall between {lower} and {upper} by chance).")
    return text.format(**values)


def short_sentence(row: dict) -> str:
    """A flag in a few words, for a headline: where, what, the figure against what was expected."""
    unit = unit_of(row)
    name = short_dealer(row["name"]) if row["level"] == "dealer" else row["name"]
    values = dict(name=name, kpi=kpi_label(row), actual=fmt(row["actual"], unit), expected=fmt(row["expected"], unit))
    if row["month"] is not None:
        return _("{name} ({kpi}, {month}): {actual} against an expected {expected}.").format(
            month=formats.month(row["month"]), **values)
    return _("{name} ({kpi} over the period): {actual} against the scope's {expected}.").format(**values)


def headline(alerts: pl.DataFrame, tests: int) -> str:
    """The page's answer: how many flags, and the worst one; or that there are none among so many checks."""
    if alerts.is_empty():
        return _("No flags in your scope: none of the {tests} checks moved further than chance allows.").format(
            tests=formats.number(tests))
    bad = int(alerts["bad"].sum())
    worst = short_sentence(alerts.row(0, named=True))
    count = alerts.height
    text = (_("1 flag in your scope ({bad} the bad way); it is: {worst}") if count == 1 else
            _("{count} flags in your scope ({bad} the bad way); the worst: {worst}"))
    return text.format(count=formats.number(count), bad=formats.number(bad), worst=worst)


def month_note(filters: Filters) -> str:
    month = checked_month(filters.end_on)
    return _("Monthly figures are checked for {month}, the last complete month on or before the period's end; rates "
             "by dealer over the whole period.").format(month=formats.month(month))


FDR_NOTE = N_("A flag means the figure is further from what was expected than chance alone would put it, after "
              "allowing for the {tests} checks made here: with Benjamini-Hochberg at 5%, about 1 flag in 20 may "
              "still be chance. A flag says where to look, not why it moved.")

METHOD = N_(
    "**Monthly series** (units, sales revenue, complaints received, complaint backlog at the month's end, NPS, lead "
    "conversion by the month leads closed) for your scope's total, each region and each dealer: the checked month "
    "is forecast from the up to 60 months before it alone, with the seasonal-naive forecast (the same month last "
    "year), whose spread is the root mean square of the year-on-year changes before it. The actual is taken to "
    "follow a Student t around the forecast with that spread and as many degrees of freedom as year-on-year changes "
    "(a normal curve would flag 6-7% of pure noise with two to four years of history); the 95% range and a "
    "two-sided p-value follow. The full forecaster's model choice (a backtest of five models) takes seconds a "
    "series, too slow for hundreds of series on every filter change.\n\n"
    "**Dealer rates over the period** against your scope's overall rate (funnel plots, so that a small dealer is not "
    "flagged for noise): follow-up response rate, SLA compliance and lead conversion with the exact binomial "
    "distribution; complaints per 100 customers with the Poisson distribution. The p-value is two-sided (twice the "
    "smaller tail); the range shown is where a dealer of that size would fall 95% of the time.\n\n"
    "**Many checks at once**: every p-value shown here goes into one Benjamini-Hochberg adjustment; a flag is a "
    "check whose q-value is at most 5%, so that on average no more than 5% of the flags are false alarms. A region "
    "of one dealer, or a scope of one region, is checked once. Worst first: bad moves first, then the smallest "
    "q-value."
)


def p_text(value: float | None) -> str:
    """A p- or q-value to four places; a smaller one as "<0.0001" (a row of 0.0000 reads as certainty)."""
    if value is None:
        return formats.EMPTY
    return "<" + formats.number(0.0001, 4) if value < 0.0001 else formats.number(value, 4)


def shown_number(value, unit: str) -> str:
    return formats.EMPTY if value is None or (isinstance(value, float) and math.isnan(value)) else fmt(value, unit)


# ---- the analysts' table of every check ----
TABLE_ANSWER = ["alert_verdict", "alert_name", "alert_kpi", "alert_when", "alert_actual", "alert_expected",
                "alert_range", "q_value"]


def tests_table(tests: pl.DataFrame) -> pl.DataFrame:
    """Every check as a person reads it: flagged or not (and which way), where, what, when, the figure, what was
    expected and its 95% range, in the KPI's own format; the p- and q-values and the test behind "Show all columns"."""
    rows = []
    for r in tests.iter_rows(named=True):
        unit = unit_of(r)
        if not r["flagged"]:
            verdict = _("within chance")
        else:
            verdict = _("flag, the bad way") if r["bad"] else _("flag, the good way")
        rows.append({
            "alert_verdict": verdict,
            "alert_name": r["name"],
            "alert_kpi": kpi_label(r),
            "alert_when": formats.month(r["month"]) if r["month"] is not None else _("the period"),
            "alert_actual": shown_number(r["actual"], unit),
            "alert_expected": shown_number(r["expected"], unit),
            "alert_range": _("{lower} to {upper}").format(lower=shown_number(r["lower"], unit),
                                                          upper=shown_number(r["upper"], unit)),
            "q_value": p_text(r["q_value"]),
            "p_value": p_text(r["p_value"]),
            "alert_test": {"interval": _("forecast interval (seasonal naive, Student t)"),
                           "binomial": _("funnel limits (exact binomial)"),
                           "poisson": _("funnel limits (Poisson)")}[r["test"]],
        })
    schema = {c: pl.String for c in [*TABLE_ANSWER, "p_value", "alert_test"]}
    return pl.DataFrame(rows, schema=schema)
