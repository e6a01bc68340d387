"""The alerts' datasets recomputed in plain Polars from the raw rows, without the SQL: the monthly series by dealer
(units, revenue, complaints received, the backlog at each month's end, NPS counts, leads won and closed by the month
they closed) and the dealers' rates over the period (complaints and customers, call attempts and answers, SLA known
and met, leads closed and won), from the definitions of docs/domain.md."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import polars as pl

from queries.filters import Filters
from tests.independent import frame
from tests.independent.followups import calls_in

EVER = date(1900, 1, 1)


def _month(column: str) -> pl.Expr:
    return pl.col(column).dt.truncate("1mo").cast(pl.Date).alias("month")


def _leads(t, f: Filters) -> pl.DataFrame:
    leads = t["leads"]
    if f.channels:
        leads = leads.filter(pl.col("source_channel").is_in(list(f.channels)))
    return frame._geo(leads, t, f)


def series(t, f: Filters) -> dict[tuple[str | None, date], dict]:
    """(dealer_id, month) -> the month's counts, for the months of [f.start_on, f.end_on] (whole months)."""
    start, end = f.start_on, f.end_on
    out: dict[tuple[str | None, date], dict] = {}

    def add(rows: pl.DataFrame, **aggs):
        for r in rows.group_by("dealer_id", "month").agg(**aggs).iter_rows(named=True):
            out.setdefault((r["dealer_id"], r["month"]), {}).update({k: r[k] for k in aggs})

    s = frame.sales_in(t, f, start, end).with_columns(_month("sold_on"))
    add(s, units=pl.col("quantity").sum(), sales_revenue=pl.col("revenue").sum())
    k = frame.complaints_in(t, f, start, end).with_columns(_month("received_at"))
    add(k, complaints_received=pl.len())
    every = frame.complaints_in(t, f, EVER, end)
    month = date(start.year, start.month, 1)
    while month <= end:
        nxt = (month + timedelta(days=32)).replace(day=1)
        boundary = datetime.combine(nxt, datetime.min.time())
        open_then = every.filter((pl.col("received_at") < boundary)
                                 & (pl.col("closed_at").is_null() | (pl.col("closed_at") >= boundary)))
        add(open_then.with_columns(month=pl.lit(month)), complaint_backlog=pl.len())
        month = nxt
    r = frame.surveys_in(t, f, start, end).filter(pl.col("survey_type").is_in(["sales", "service"]))
    add(r.with_columns(_month("surveyed_on")), count_promoters=(pl.col("score") >= 9).sum(),
        count_detractors=(pl.col("score") <= 6).sum(), count_nps_responses=pl.len())
    leads = _leads(t, f).filter(pl.col("outcome").is_in(["won", "lost"])
                                & pl.col("closed_at").dt.date().is_between(start, end)
                                & (pl.col("created_at").dt.date() <= end))
    add(leads.with_columns(_month("closed_at")), count_leads_won=(pl.col("outcome") == "won").sum(),
        count_leads_closed=pl.len())
    return out


def dealer_rates(t, f: Filters) -> dict[str, dict]:
    """dealer_id -> the counts behind the four rates over [f.start_on, f.end_on], for every dealer in the geography."""
    start, end = f.start_on, f.end_on
    boundary = datetime.combine(end + timedelta(days=1), datetime.min.time())
    out = {d: {"count_customers": 0, "complaints_received": 0, "count_attempts": 0, "count_answered": 0,
               "count_sla_complaints": 0, "count_sla_met": 0, "count_leads_closed": 0, "count_leads_won": 0}
           for d in frame.dealer_ids(t, f).to_list()}

    def put(rows: pl.DataFrame, key: str = "dealer_id"):
        for r in rows.iter_rows(named=True):
            if r[key] in out:
                out[r[key]].update({k: v for k, v in r.items() if k != key})

    customers = frame.customers_in(t, f, True, True).filter(pl.col("created_on") <= end)
    put(customers.group_by("home_dealer_id").agg(count_customers=pl.len()), "home_dealer_id")
    k = frame.complaints_in(t, f, start, end)
    met = pl.col("resolved_at").is_not_null() & (pl.col("resolved_at") <= pl.col("due_at")) & (pl.col("resolved_at") < boundary)
    due = pl.col("due_at") < boundary
    put(k.group_by("dealer_id").agg(complaints_received=pl.len(), count_sla_complaints=(met | due).sum(),
                                    count_sla_met=met.sum()))
    calls = calls_in(t, f, start, end)
    put(calls.group_by("dealer_id").agg(count_attempts=pl.len(), count_answered=(pl.col("outcome") == "answered").sum()))
    leads = _leads(t, f).filter(pl.col("created_at").dt.date().is_between(start, end))
    put(leads.group_by("dealer_id").agg(count_leads_closed=pl.col("outcome").is_in(["won", "lost"]).sum(),
                                        count_leads_won=(pl.col("outcome") == "won").sum()))
    return out
