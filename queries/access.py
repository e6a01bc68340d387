"""Who is asking and what they may see: roles, a person's part of the dealer network, and the one scope value
every query binds, so that the query layer, not the page, decides which rows a person gets.

A person's geography is the dealers that match every level their access names (regions, provinces, dealer ids;
several values each); nothing named = the whole network. The filters a page sets are intersected with it: a
filter outside it selects nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from queries.filters import Filters

# Datasets that describe the whole mart rather than a part of the network (data quality, loads): only for the
# roles that may see the whole mart.
WHOLE_MART_DATASETS = frozenset({"dq_links", "dq_loads", "dq_nulls", "dq_rejects", "dq_tables"})


@dataclass(frozen=True)
class Role:
    name: str
    pages: frozenset[str]           # url paths of the pages the role may open
    may_reveal: bool                # may show a customer's personal data, with a reason (audited)
    whole_mart: bool                # may read the whole-mart datasets (data quality, loads)
    limited: bool                   # must name a geography (a regional manager, a dealer)


BUSINESS_PAGES = frozenset({"overview", "alerts", "dealers", "campaigns", "forecast", "complaints", "followups",
                            "after-sales", "segments", "customer", "why"})
ROLES = {
    r.name: r for r in (
        Role("executive", BUSINESS_PAGES | {"data-quality"}, may_reveal=True, whole_mart=True, limited=False),
        Role("regional_manager", BUSINESS_PAGES, may_reveal=True, whole_mart=False, limited=True),
        Role("dealer", BUSINESS_PAGES, may_reveal=True, whole_mart=False, limited=True),
        Role("marketing", BUSINESS_PAGES, may_reveal=False, whole_mart=False, limited=False),
        # Customer service makes the satisfaction follow-up calls (回访) and chases the complaints.
        Role("customer_service", frozenset({"complaints", "followups", "customer"}), may_reveal=True, whole_mart=False,
             limited=False),
        Role("admin", frozenset({"data-quality", "audit"}), may_reveal=False, whole_mart=True, limited=False),
    )
}


class AccessDenied(PermissionError):
    pass


@dataclass(frozen=True)
class Access:
    """One person's access: who, in which role, over which part of the network (empty = all of it)."""

    user: str
    role: str
    regions: tuple[str, ...] = field(default_factory=tuple)
    provinces: tuple[str, ...] = field(default_factory=tuple)
    dealer_ids: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self):
        if self.role not in ROLES:
            raise ValueError(f"unknown role {self.role!r}: one of {', '.join(ROLES)}")
        if ROLES[self.role].limited and not (self.regions or self.provinces or self.dealer_ids):
            raise ValueError(f"{self.user}: a {self.role} needs regions, provinces or dealer_ids")

    @property
    def rules(self) -> Role:
        return ROLES[self.role]

    @property
    def is_limited(self) -> bool:
        return bool(self.regions or self.provinces or self.dealer_ids)


# The access of the system itself (the benchmark, a test's independent check): the whole network. Pages never
# use it: dashboard/data.py passes the signed-in person's access on every query.
SYSTEM = Access("system", "executive")


def bound_params(filters: Filters | None, access: Access) -> dict:
    """The scope parameters of queries/scope.sql for these filters and this person: $scope and $reach (only
    $reach, unfiltered, for a dataset without filters such as Customer 360's or the filter bar's own)."""
    if filters is None:
        reach = {"regions": list(access.regions) or None, "provinces": list(access.provinces) or None,
                 "dealer_ids": list(access.dealer_ids) or None, "region": None, "province": None, "dealer_id": None,
                 "product_ids": None, "customer_types": None, "channels": None, "is_everything": not access.is_limited}
        return {"reach": reach}
    scope = {
        "regions": _within(filters.region, access.regions),
        "provinces": _within(filters.province, access.provinces),
        "dealer_ids": _within(filters.dealer_id, access.dealer_ids),
        "region": filters.region,
        "province": filters.province,
        "dealer_id": filters.dealer_id,
    }
    reach = {
        "regions": list(access.regions) or None,
        "provinces": list(access.provinces) or None,
        "dealer_ids": list(access.dealer_ids) or None,
        "region": None,
        "province": None,
        "dealer_id": None,
    }
    others = {
        "product_ids": list(filters.product_ids) or None,
        "customer_types": list(filters.customer_types) or None,
        "channels": list(filters.channels) or None,
    }
    unfiltered = not (filters.product_ids or filters.customer_types or filters.channels)
    for value in (scope, reach):
        value.update(others)
        value["is_everything"] = unfiltered and all(value[k] is None for k in ("regions", "provinces", "dealer_ids"))
    return {"start_on": filters.start_on, "end_on": filters.end_on, "scope": scope, "reach": reach}


def _within(chosen: str | None, allowed: tuple[str, ...]) -> list[str] | None:
    """The filter's choice within what is allowed: None = all, [] = nothing (a choice outside the scope)."""
    if chosen is None:
        return list(allowed) or None
    return [chosen] if not allowed or chosen in allowed else []
