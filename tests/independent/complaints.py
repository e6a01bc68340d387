"""The complaints page's numbers recomputed in plain Polars/NumPy from the raw complaint rows, written from
docs/domain.md and the agreed definitions (a timestamp at or after the as-of moment has not happened yet; backlog =
received by the moment and not closed by then; SLA = of the period's complaints whose outcome is known at the
moment, the share resolved by the deadline), without the SQL."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import numpy as np
import polars as pl

from queries.filters import Filters
from tests.independent import frame

EVER = date(1900, 1, 1)
STEPS = [  # (order, owner, from, to)
    (1, "HQ", "received_at", "dispatched_at"),
    (2, "dealer", "dispatched_at", "acknowledged_at"),
    (3, "dealer", "acknowledged_at", "resolved_at"),
    (4, "HQ", "resolved_at", "closed_at"),
]
BUCKETS = [("under 1 day", 0, 24), ("1-3 days", 24, 72), ("3-7 days", 72, 168), ("1-2 weeks", 168, 336),
           ("2-4 weeks", 336, 672), ("over 4 weeks", 672, None)]
OPEN_STATUSES = ["received", "dispatched", "acknowledged", "reopened", "resolved"]


def moment(f: Filters, as_of: date) -> datetime:
    """The exclusive end of the day everything is read at: the earlier of the period's end and the as-of date."""
    return datetime.combine(min(f.end_on, as_of) + timedelta(days=1), datetime.min.time())


def as_it_stood(t, f: Filters, as_of: date, start: date = EVER, geo: bool = True) -> pl.DataFrame:
    """The complaints in scope received from `start` to the moment, with what had happened by then."""
    at = moment(f, as_of)
    scope = f if geo else replace(f, region=None, province=None, dealer_id=None)
    k = frame.complaints_in(t, scope, start, min(f.end_on, as_of))
    stamps = ["dispatched_at", "acknowledged_at", "resolved_at", "closed_at"]
    k = k.with_columns(
        [pl.when(pl.col(c) < at).then(pl.col(c)).otherwise(None).alias(c) for c in stamps]
        + [pl.when(pl.col("closed_at") < at).then(pl.col("callback_score")).otherwise(None).alias("callback_score")]
    )
    reached = lambda c: pl.col(c).is_not_null()  # noqa: E731
    k = k.with_columns(
        status=pl.when(reached("closed_at")).then(pl.lit("closed"))
        .when(reached("resolved_at")).then(pl.lit("resolved"))
        .when(reached("acknowledged_at") & (pl.col("reopen_count") > 0)).then(pl.lit("reopened"))
        .when(reached("acknowledged_at")).then(pl.lit("acknowledged"))
        .when(reached("dispatched_at")).then(pl.lit("dispatched"))
        .otherwise(pl.lit("received")),
        is_open=pl.col("closed_at").is_null(),
        is_past_due=pl.col("resolved_at").is_null() & (pl.col("due_at") < at),
        is_sla_met=pl.col("resolved_at").is_not_null() & (pl.col("resolved_at") <= pl.col("due_at")),
        is_in_period=pl.col("received_at") >= datetime.combine(f.start_on, datetime.min.time()),
        age_hours=(pl.lit(at) - pl.col("received_at")).dt.total_seconds() / 3600,
    )
    k = k.with_columns(is_sla_known=pl.col("is_sla_met") | (pl.col("due_at") < at))
    return k.join(t["dealers"].select("dealer_id", "region", "dealer_name"), on="dealer_id", how="left")


def hours(a: pl.Series, b: pl.Series) -> np.ndarray:
    d = pl.DataFrame({"a": a, "b": b}).drop_nulls()
    return ((d["b"] - d["a"]).dt.total_seconds() / 3600).to_numpy()


def median(x: np.ndarray) -> float | None:
    return float(np.median(x)) if len(x) else None


def p90(x: np.ndarray) -> float | None:
    # DuckDB's quantile_cont interpolates linearly between the closest ranks, as NumPy's default does.
    return float(np.quantile(x, 0.9)) if len(x) else None


def mean_or_none(values) -> float | None:
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else None


def reopen_rate(rows: pl.DataFrame) -> float | None:
    resolved = rows.filter(pl.col("resolved_at").is_not_null())
    return float((resolved["reopen_count"] > 0).mean()) if resolved.height else None


def summary(t, f: Filters, as_of: date) -> dict:
    k = as_it_stood(t, f, as_of)
    p = k.filter(pl.col("is_in_period"))
    known = p.filter(pl.col("is_sla_known"))
    return {
        "complaint_backlog": k.filter(pl.col("is_open")).height,
        "complaints_past_due": k.filter(pl.col("is_open") & pl.col("is_past_due")).height,
        "complaints_received": p.height,
        "count_sla_complaints": known.height,
        "sla_compliance": known["is_sla_met"].mean() if known.height else None,
        "hours_to_dispatch": median(hours(p["received_at"], p["dispatched_at"])),
        "count_dispatched": p["dispatched_at"].count(),
        "hours_to_acknowledge": median(hours(p["received_at"], p["acknowledged_at"])),
        "count_acknowledged": p["acknowledged_at"].count(),
        "hours_to_resolve": median(hours(p["received_at"], p["resolved_at"])),
        "count_resolved": p["resolved_at"].count(),
        "reopen_rate": reopen_rate(p),
        "callback_satisfaction": mean_or_none(p["callback_score"].to_list()),
        "count_callbacks": p["callback_score"].count(),
    }


def status_counts(t, f: Filters, as_of: date) -> dict[str, dict]:
    k = as_it_stood(t, f, as_of)
    out = {}
    for status in OPEN_STATUSES + ["closed"]:
        rows = k.filter(pl.col("status") == status)
        out[status] = {
            "count_complaints": rows.height,
            "count_past_due": rows.filter(pl.col("is_past_due")).height,
            "count_in_period": rows.filter(pl.col("is_in_period")).height,
        }
    return out


def trend_days(f: Filters, as_of: date) -> list[date]:
    """The days whose end the backlog-over-time chart reads: month (or, for three months or less, Sunday) ends."""
    last = min(f.end_on, as_of)
    days = set()
    day = f.start_on
    weekly = (last - f.start_on).days <= 92
    while day <= last:
        if weekly:
            end = day + timedelta(days=6 - day.weekday())
        else:
            nxt = date(day.year + day.month // 12, day.month % 12 + 1, 1)
            end = nxt - timedelta(days=1)
        if f.start_on <= end <= last:
            days.add(end)
        day = end + timedelta(days=1)
    if last >= f.start_on:
        days.add(last)
    return sorted(days)


def status_trend(t, f: Filters, as_of: date) -> dict[tuple[date, str], int]:
    k = as_it_stood(t, f, as_of)
    out = {}
    for day in trend_days(f, as_of):
        at = datetime.combine(day + timedelta(days=1), datetime.min.time())
        at_day = k.filter(pl.col("received_at") < at)
        at_day = at_day.with_columns([pl.when(pl.col(c) < at).then(pl.col(c)).alias(c)
                                      for c in ("dispatched_at", "acknowledged_at", "resolved_at", "closed_at")])
        open_then = at_day.filter(pl.col("closed_at").is_null())
        for row in open_then.iter_rows(named=True):
            if row["resolved_at"] is not None:
                s = "resolved"
            elif row["acknowledged_at"] is not None:
                s = "reopened" if row["reopen_count"] > 0 else "acknowledged"
            elif row["dispatched_at"] is not None:
                s = "dispatched"
            else:
                s = "received"
            out[(day, s)] = out.get((day, s), 0) + 1
    return out


def step_hours(rows: pl.DataFrame, order: int) -> np.ndarray:
    _, _, a, b = STEPS[order - 1]
    return hours(rows[a], rows[b])


def step_times(t, f: Filters, as_of: date) -> dict[tuple, dict]:
    """(level, region, dealer_id, step_order) -> count, median, p90, over the period's complaints; region and
    national rows pool every dealer (no geography), dealer rows only the dealers in the geography."""
    k = as_it_stood(t, f, as_of, start=f.start_on, geo=False)
    groups = {("national", None, None): k}
    for (region,), rows in k.group_by("region"):
        groups[("region", region, None)] = rows
    for (region, dealer_id), rows in k.group_by("region", "dealer_id"):
        groups[("dealer", region, dealer_id)] = rows
    in_geo = set(frame.dealer_ids(t, f).to_list())
    regions = set(t["dealers"].filter(pl.col("dealer_id").is_in(list(in_geo)))["region"].to_list())
    out = {}
    for (level, region, dealer_id), rows in groups.items():
        if (level == "dealer" and dealer_id not in in_geo) or (level == "region" and region not in regions):
            continue
        for order, *_ in STEPS:
            x = step_hours(rows, order)
            if len(x):
                out[(level, region, dealer_id, order)] = {"count_complaints": len(x), "median_hours": median(x), "p90_hours": p90(x)}
    return out


def step_trend(t, f: Filters, as_of: date) -> dict[tuple[date, int], dict]:
    """(month finished, step_order) -> count, median, p90 of the steps finished from the period's start."""
    k = as_it_stood(t, f, as_of)
    start = datetime.combine(f.start_on, datetime.min.time())
    out = {}
    for order, _, a, b in STEPS:
        d = k.select(pl.col(a).alias("from"), pl.col(b).alias("to")).drop_nulls().filter(pl.col("to") >= start)
        d = d.with_columns(month=pl.col("to").dt.truncate("1mo").dt.date(),
                           h=(pl.col("to") - pl.col("from")).dt.total_seconds() / 3600)
        for (month,), rows in d.group_by("month"):
            x = rows["h"].to_numpy()
            out[(month, order)] = {"count_complaints": len(x), "median_hours": median(x), "p90_hours": p90(x)}
    return out


def sla_by_severity(t, f: Filters, as_of: date) -> dict[str, dict]:
    k = as_it_stood(t, f, as_of)
    out = {}
    for severity in ("critical", "high", "medium", "low"):
        rows = k.filter(pl.col("severity") == severity)
        p = rows.filter(pl.col("is_in_period"))
        known = p.filter(pl.col("is_sla_known"))
        out[severity] = {
            "complaints_received": p.height,
            "count_sla_complaints": known.height,
            "count_sla_met": known.filter(pl.col("is_sla_met")).height,
            "sla_compliance": known["is_sla_met"].mean() if known.height else None,
            "complaint_backlog": rows.filter(pl.col("is_open")).height,
            "complaints_past_due": rows.filter(pl.col("is_open") & pl.col("is_past_due")).height,
        }
    return out


def age_bucket(age_hours: float) -> str:
    for name, low, high in BUCKETS:
        if age_hours >= low and (high is None or age_hours < high):
            return name
    raise AssertionError(age_hours)


def backlog_age(t, f: Filters, as_of: date) -> dict[str, dict]:
    k = as_it_stood(t, f, as_of).filter(pl.col("is_open"))
    out = {name: {"complaints_past_due": 0, "complaints_within_deadline": 0} for name, _, _ in BUCKETS}
    for row in k.iter_rows(named=True):
        key = "complaints_past_due" if row["is_past_due"] else "complaints_within_deadline"
        out[age_bucket(row["age_hours"])][key] += 1
    return out


def categories(t, f: Filters, as_of: date) -> dict[tuple, dict]:
    """('category', category, None) / ('category_month', category, month) / ('month', None, month) -> figures."""
    p = as_it_stood(t, f, as_of, start=f.start_on).with_columns(month=pl.col("received_at").dt.truncate("1mo").dt.date())
    out = {}
    for keys, level in ((["category"], "category"), (["category", "month"], "category_month"), (["month"], "month")):
        for values, rows in p.group_by(keys):
            named = dict(zip(keys, values))
            out[(level, named.get("category"), named.get("month"))] = {
                "complaints_received": rows.height,
                "count_resolved": rows["resolved_at"].count(),
                "reopen_rate": reopen_rate(rows),
                "callback_satisfaction": mean_or_none(rows["callback_score"].to_list()),
                "count_callbacks": rows["callback_score"].count(),
            }
    return out


def dealers(t, f: Filters, as_of: date) -> dict[tuple, dict]:
    """(level, region, dealer_id) -> complaints per 100 customers and the rest; yardsticks pool every dealer."""
    k = as_it_stood(t, f, as_of, geo=False).filter(pl.col("dealer_id").is_not_null())
    customers = frame.customers_in(t, f, True, False).filter(pl.col("created_on") <= min(f.end_on, as_of))
    base = dict(customers.group_by("home_dealer_id").len().iter_rows())
    d = t["dealers"]
    in_geo = set(frame.dealer_ids(t, f).to_list())
    regions = set(d.filter(pl.col("dealer_id").is_in(list(in_geo)))["region"].to_list())
    groups = {("national", None, None): d["dealer_id"].to_list()}
    for (region,), rows in d.group_by("region"):
        if region in regions:
            groups[("region", region, None)] = rows["dealer_id"].to_list()
    for row in d.filter(pl.col("dealer_id").is_in(list(in_geo))).iter_rows(named=True):
        groups[("dealer", row["region"], row["dealer_id"])] = [row["dealer_id"]]
    out = {}
    for key, ids in groups.items():
        rows = k.filter(pl.col("dealer_id").is_in(ids))
        p = rows.filter(pl.col("is_in_period"))
        count_customers = sum(base.get(i, 0) for i in ids)
        out[key] = {
            "count_customers": count_customers,
            "complaints_received": p.height,
            "complaints_per_100_customers": 100 * p.height / count_customers if count_customers else None,
            "complaint_backlog": rows.filter(pl.col("is_open")).height,
            "complaints_past_due": rows.filter(pl.col("is_open") & pl.col("is_past_due")).height,
            "count_resolved": p["resolved_at"].count(),
            "reopen_rate": reopen_rate(p),
            "callback_satisfaction": mean_or_none(p["callback_score"].to_list()),
        }
    return out


def listed(t, f: Filters, as_of: date, list_by: str, value: str) -> pl.DataFrame:
    """Every complaint behind a bar, past their deadline first, then the oldest (no row limit)."""
    k = as_it_stood(t, f, as_of).with_columns(
        age_bucket=pl.when(pl.col("is_open")).then(
            pl.col("age_hours").map_elements(age_bucket, return_dtype=pl.String)
        )
    )
    period = pl.col("is_in_period")
    condition = {
        "status": (pl.col("status") == value) & (pl.col("is_open") | period),
        "age_bucket": pl.col("age_bucket") == value,
        "severity": (pl.col("severity") == value) & period & pl.col("is_sla_known"),
        "category": (pl.col("category") == value) & period,
        "region": (pl.col("region") == value) & period,
        "dealer": (pl.col("dealer_id").cast(pl.String) == value) & period,
    }[list_by]
    return k.filter(condition).sort(["is_past_due", "received_at", "complaint_id"], descending=[True, False, False])
