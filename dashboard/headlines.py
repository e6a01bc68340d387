"""The answer of a page in one plain sentence, built from the same figures its tiles show."""
from __future__ import annotations

from dashboard import formats
from dashboard.i18n import _
from dashboard.metrics import delta_text, format_metric


def overview(current: dict, previous: dict) -> str:
    """Sales, margin and service in the period against the comparison, and what is open on the complaints side."""
    def moved(name: str) -> str:
        delta = delta_text(name, current.get(name), previous.get(name))
        return _("no comparison") if delta is None else delta

    return _("In this period: sales revenue {revenue} ({revenue_change}) from {units} units, gross margin {margin} "
             "({margin_change}), service revenue {service} ({service_change}); {backlog} complaints open at its "
             "end.").format(
        revenue=format_metric("sales_revenue", current.get("sales_revenue")), revenue_change=moved("sales_revenue"),
        units=format_metric("units", current.get("units")),
        margin=format_metric("gross_margin", current.get("gross_margin")), margin_change=moved("gross_margin"),
        service=format_metric("service_revenue", current.get("service_revenue")),
        service_change=moved("service_revenue"),
        backlog=formats.number(current.get("complaint_backlog") or 0))
