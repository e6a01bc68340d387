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


def targets(row: dict) -> str:
    """Units and sales revenue against their targets for the period, and where this month's pace leads."""
    text = _("Units sold reached {units} of target ({units_actual} of {units_target}) and sales revenue {revenue} "
             "({revenue_actual} of {revenue_target}).").format(
        units=formats.percent(row["units_attainment"], 0), units_actual=formats.number(row["units"]),
        units_target=formats.number(row["units_target"]),
        revenue=formats.percent(row["revenue_attainment"], 0), revenue_actual=formats.money(row["sales_revenue"]),
        revenue_target=formats.money(row["revenue_target"]))
    if row["is_projected"]:
        text += " " + _("At this month's pace: units {units} and revenue {revenue} of target by {day}.").format(
            units=formats.percent(row["projected_units_attainment"], 0),
            revenue=formats.percent(row["projected_revenue_attainment"], 0),
            day=formats.day(row["projection_end_on"]))
    return text
