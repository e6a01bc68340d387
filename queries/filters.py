"""The global drill-down filters, as plain data: what every query is scoped by."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta

COMPARE_PREVIOUS = "previous period"
COMPARE_LAST_YEAR = "same period last year"


@dataclass(frozen=True)
class Filters:
    """One view of the mart: a date range and the slice of organisation, product, segment and channel.

    None (or an empty tuple) means "all". Geography narrows facts by the dealer that served them and
    customers by their home dealer; product narrows sales and complaints by their product and other
    customer facts to the product's owners; segment is the customer type; channel is the customer's
    acquisition channel (a lead's source channel for leads).
    """

    start_on: date
    end_on: date
    region: str | None = None
    province: str | None = None
    dealer_id: str | None = None
    product_ids: tuple[str, ...] = field(default_factory=tuple)
    customer_types: tuple[str, ...] = field(default_factory=tuple)
    channels: tuple[str, ...] = field(default_factory=tuple)
    compare: str = COMPARE_PREVIOUS

    def comparison(self) -> "Filters":
        """The same slice over the comparison period: the days just before, or the same days a year earlier."""
        if self.compare == COMPARE_LAST_YEAR:
            return replace(self, start_on=_year_earlier(self.start_on), end_on=_year_earlier(self.end_on))
        days = (self.end_on - self.start_on).days + 1
        return replace(self, start_on=self.start_on - timedelta(days=days), end_on=self.start_on - timedelta(days=1))

    def describe(self) -> str:
        """One line naming the active filters, for exports and captions."""
        parts = [f"{self.start_on:%Y-%m-%d} to {self.end_on:%Y-%m-%d}"]
        for label, value in (
            ("region", self.region),
            ("province", self.province),
            ("dealer", self.dealer_id),
            ("product", ", ".join(self.product_ids)),
            ("segment", ", ".join(self.customer_types)),
            ("channel", ", ".join(self.channels)),
        ):
            if value:
                parts.append(f"{label}: {value}")
        return "; ".join(parts)


# The parameters a dataset's SQL may bind that come from the filters and the person asking (queries/access.py).
FILTER_PARAMS = frozenset({"start_on", "end_on", "scope", "reach"})


def _year_earlier(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)
