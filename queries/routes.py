"""Routing to the pre-aggregations: which datasets mart/preaggregates.sql can answer, and for which filters.

A routed dataset has a second SQL file, queries/preaggregated/<name>.sql, that returns the same rows from the
dealer x month sums. It is used when every scope the dataset binds selects by geography alone (no product, segment
or channel filter: the pre-aggregations keep dealer and month only) and its period is whole months (first day to
last day); otherwise the dataset reads the facts. tests/test_preaggregates.py holds each routed file equal to its
fact-level original under many filter sets.
"""
from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

PREAGGREGATED_DIR = Path(__file__).resolve().parent / "preaggregated"
# The scope fields the pre-aggregations cannot narrow by.
_NOT_KEPT = ("product_ids", "customer_types", "channels")


@lru_cache(maxsize=None)
def routed_names() -> frozenset[str]:
    return frozenset(p.stem for p in PREAGGREGATED_DIR.glob("*.sql") if p.stem != "macros")


@lru_cache(maxsize=None)
def routed_sql(name: str) -> str:
    return (PREAGGREGATED_DIR / f"{name}.sql").read_text()


def is_routable(params: dict) -> bool:
    """Whether the pre-aggregations can answer for these bound parameters: whole months, geography only."""
    for value in params.values():
        if isinstance(value, dict) and any(value.get(k) for k in _NOT_KEPT):
            return False
    start_on, end_on = params.get("start_on"), params.get("end_on")
    if start_on is not None and not _is_first_day(start_on):
        return False
    if end_on is not None and not _is_last_day(end_on):
        return False
    return True


# Twins that also need the person to see the whole network: the maintenance list finds a vehicle's last visit
# among the visits the person may see, and its pre-aggregation holds the last visit among all of them.
WHOLE_REACH = frozenset({"maintenance_due"})


def sql_for(name: str, params: dict) -> str | None:
    """The pre-aggregated SQL of dataset `name` if it is routed and these parameters allow it, else None."""
    if name in routed_names() and is_routable(params) and (name not in WHOLE_REACH or _sees_everything(params)):
        return routed_sql(name)
    return None


def _sees_everything(params: dict) -> bool:
    reach = params.get("reach") or {}
    return all(reach.get(k) is None for k in ("regions", "provinces", "dealer_ids"))


def _is_first_day(day: date) -> bool:
    return day.day == 1


def _is_last_day(day: date) -> bool:
    return (day + timedelta(days=1)).day == 1
