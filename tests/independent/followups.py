"""The follow-up calls page's numbers recomputed in plain Polars from the raw rows (followup_calls, surveys,
customers, sales for product ownership, dealers), without the SQL, from the definitions: a call is in the period by
the day it was made, placed by the dealer that called (the customer's segment, channel and owned products as for
surveys); response rate = answered / attempts; NPS over the surveys the answered calls produced (by survey_id);
CSAT = the mean 1-5 score of the answered calls; days to the first call = the first call's day minus the event's
day, over the events (call type, follows_id) whose first call by anyone was made in the period and scope. The funnel flags
come from scipy's binomial quantiles."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import polars as pl
from scipy.stats import binom

from queries.filters import Filters
from tests.independent import frame

TYPES = ["sales", "service", "complaint_callback"]


def calls_in(t, f: Filters, start: date, end: date, calls: pl.DataFrame | None = None) -> pl.DataFrame:
    """The call attempts in scope made from `start` to `end` (of `calls`, every call by default), with the score of
    the survey each answered one made."""
    c = (t["followup_calls"] if calls is None else calls).filter(pl.col("called_at").dt.date().is_between(start, end))
    c = c.filter(pl.col("customer_id").is_in(frame.customers_in(t, f, True, False)["customer_id"].implode()))
    c = frame._geo(c, t, f)
    scores = t["surveys"].select("survey_id", "score")
    return c.join(scores, on="survey_id", how="left").with_columns(
        score=pl.when(pl.col("outcome") == "answered").then(pl.col("score")))


def first_calls(t, f: Filters) -> pl.DataFrame:
    """One row per event (call type, follows_id) whose first call by anyone (the earliest, then the lowest call id)
    is in scope and was made in the period: that call's day, its dealer and the days from the event."""
    first = t["followup_calls"].group_by("call_type", "follows_id").agg(
        pl.all().sort_by("called_at", "call_id").first())
    first = calls_in(t, f, f.start_on, f.end_on, first).with_columns(first_on=pl.col("called_at").dt.date())
    return first.with_columns(days=(pl.col("first_on") - pl.col("follows_on")).dt.total_days(),
                              month=pl.col("first_on").dt.truncate("1mo"))


def measures(calls: pl.DataFrame, events: pl.DataFrame) -> dict:
    answered = calls.filter(pl.col("outcome") == "answered")
    scores = answered["score"].drop_nulls()
    csat = answered["csat"].drop_nulls()
    n = calls.height
    return {
        "count_attempts": n,
        "count_answered": answered.height,
        "count_refused": calls.filter(pl.col("outcome") == "refused").height,
        "count_not_reached": calls.filter(pl.col("outcome") == "not_reached").height,
        "response_rate": answered.height / n if n else None,
        "nps": frame.nps(scores),
        "count_nps_responses": scores.len(),
        "call_csat": float(csat.mean()) if csat.len() else None,
        "count_csat": csat.len(),
        "days_to_first_call": float(events["days"].mean()) if events.height else None,
        "count_first_calls": events.height,
    }


def by_type(t, f: Filters) -> dict[str | None, dict]:
    """Per call type, and None for all calls together."""
    calls, events = calls_in(t, f, f.start_on, f.end_on), first_calls(t, f)
    out = {None: measures(calls, events)}
    for kind in TYPES:
        out[kind] = measures(calls.filter(pl.col("call_type") == kind), events.filter(pl.col("call_type") == kind))
    return out


def monthly(t, f: Filters) -> dict[tuple[date, str | None], dict]:
    calls = calls_in(t, f, f.start_on, f.end_on).with_columns(month=pl.col("called_at").dt.date().dt.truncate("1mo"))
    events = first_calls(t, f)
    out = {}
    months = set(calls["month"].to_list()) | set(events["month"].to_list())
    for m in months:
        c, e = calls.filter(pl.col("month") == m), events.filter(pl.col("month") == m)
        out[(m, None)] = measures(c, e)
        for kind in TYPES:
            ck, ek = c.filter(pl.col("call_type") == kind), e.filter(pl.col("call_type") == kind)
            if ck.height or ek.height:
                out[(m, kind)] = measures(ck, ek)
    return out


def areas(t, f: Filters, call_type: str = "all") -> dict[tuple[str, str | None, str | None], dict]:
    """(level, region, dealer_id) -> measures: the dealers of the geography, their regions and the nation, the
    last two over every dealer (the yardstick), calls made by a dealer only."""
    everywhere = replace(f, region=None, province=None, dealer_id=None)
    calls = calls_in(t, everywhere, f.start_on, f.end_on).filter(pl.col("dealer_id").is_not_null())
    events = first_calls(t, everywhere).filter(pl.col("dealer_id").is_not_null())
    if call_type != "all":
        calls, events = calls.filter(pl.col("call_type") == call_type), events.filter(pl.col("call_type") == call_type)
    dealers = t["dealers"].select("dealer_id", "region")
    calls, events = calls.join(dealers, on="dealer_id"), events.join(dealers, on="dealer_id")
    chosen = frame.dealer_ids(t, f).to_list()
    regions = dealers.filter(pl.col("dealer_id").is_in(chosen))["region"].unique().to_list()
    out = {("national", None, None): measures(calls, events)}
    for r in regions:
        out[("region", r, None)] = measures(calls.filter(pl.col("region") == r), events.filter(pl.col("region") == r))
    for d, r in dealers.filter(pl.col("dealer_id").is_in(chosen)).iter_rows():
        out[("dealer", r, d)] = measures(calls.filter(pl.col("dealer_id") == d), events.filter(pl.col("dealer_id") == d))
    return out


def call_list(t, f: Filters, dealer_id: str) -> pl.DataFrame:
    """A dealer's call attempts in the period and scope, the latest first."""
    c = calls_in(t, f, f.start_on, f.end_on).filter(pl.col("dealer_id") == dealer_id)
    return c.with_columns(days_after_event=(pl.col("called_at").dt.date() - pl.col("follows_on")).dt.total_days()).sort(
        ["called_at", "call_id"], descending=[True, False])


def scipy_verdict(answered: int, attempts: int, p: float, coverage: float) -> str:
    """Below / above / within the exact binomial limits, from scipy's quantiles."""
    q = (1 - coverage) / 2
    lower, upper = binom.ppf(q, attempts, p), binom.ppf(1 - q, attempts, p)
    return "below" if answered < lower else "above" if answered > upper else "within"
