"""Routing to the pre-aggregations: which datasets mart/preaggregates.sql can answer, and for which filters.

A routed dataset has a twin, queries/preaggregated/<name>.sql: the parts (CTEs) of the dataset's SQL it answers from
the pre-aggregations, each under the name of the part it replaces (parts of new names are put first). The runner
runs the original with those parts swapped in when every scope the dataset binds selects by geography alone (no
product, segment or channel filter: the pre-aggregations keep dealer and month only) and its period is whole months
(first day to last day); otherwise the original reads the facts. tests/test_preaggregates.py holds each routed
dataset equal to its fact-level original under many filter sets.
Both files keep a part as `name as (` at the start of a line and its closing `)` alone at the start of a line.
"""
from __future__ import annotations

import re
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
    """Dataset `name`'s SQL with its twin's parts in place of the original's."""
    original = (PREAGGREGATED_DIR.parent / f"{name}.sql").read_text()
    return compose(original, (PREAGGREGATED_DIR / f"{name}.sql").read_text())


_PART = re.compile(r"^(\w+) as (?:(?:not )?materialized )?\(\n.*?^\)", re.M | re.S)


def parts(sql: str) -> dict[str, re.Match]:
    """The top-level CTEs of a dataset's SQL by name: from `name as (` to the `)` that closes it."""
    return {m.group(1): m for m in _PART.finditer(re.sub(r"--[^\n]*", lambda c: " " * len(c.group()), sql))}


def compose(original: str, twin: str) -> str:
    """`original` with each part of `twin` in place of its namesake; a part of a new name goes first."""
    mine, theirs = parts(original), parts(twin)
    unknown = [twin[m.start():m.end()] for name, m in theirs.items() if name not in mine]
    out, at = [], 0
    for name, m in sorted(((n, m) for n, m in mine.items() if n in theirs), key=lambda x: x[1].start()):
        out += [original[at:m.start()], twin[theirs[name].start():theirs[name].end()]]
        at = m.end()
    out.append(original[at:])
    sql = "".join(out)
    if unknown:
        start = re.search(r"^with\n", sql, re.M).end()
        sql = sql[:start] + ",\n".join(unknown) + ",\n" + sql[start:]
    return sql


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
