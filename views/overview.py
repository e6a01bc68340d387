"""Executive overview: KPI tiles against the comparison period, monthly trends, a regional breakdown that drills."""
from dataclasses import replace
from datetime import timedelta

import plotly.express as px
import polars as pl
import streamlit as st

from dashboard import components, data, filter_bar, formats, page
from dashboard.i18n import _, pgettext

filters, as_of = page.context()
comparison = filters.comparison()

st.title(_("Executive overview"))
st.caption(_("{filters} · compared with {start} to {end} ({compare})").format(
    filters=filters.describe(), start=f"{comparison.start_on:%Y-%m-%d}", end=f"{comparison.end_on:%Y-%m-%d}",
    compare=pgettext("compare", filters.compare)))

dealers = data.load("filter_dealers")
dealer_name = None
if filters.dealer_id is not None:
    match = dealers.filter(pl.col("dealer_id") == filters.dealer_id)["dealer_name"]
    dealer_name = match[0] if len(match) else None
components.breadcrumb(filters, dealer_name)

current_rows = data.load("kpi_summary", filters)
comparison_rows = data.load("kpi_summary", comparison)
current = current_rows.row(0, named=True)
previous = comparison_rows.row(0, named=True)
# Sparklines show at least the last twelve months, however short the chosen period.
spark_filters = replace(filters, start_on=min(filters.start_on, filters.end_on - timedelta(days=364)))
monthly_for_spark = data.load("kpi_monthly", spark_filters)

TILES = [
    ["units", "sales_revenue", "gross_margin", "service_revenue"],
    ["new_customers", "active_customers", "service_retention", "nps"],
    ["complaint_backlog", "sla_compliance", "campaign_roi"],
]
for row in TILES:
    cols = st.columns(4)
    for col, name in zip(cols, row):
        with col:
            components.kpi_tile(name, current, previous, monthly_for_spark)

components.rows_and_sql(
    pl.concat([
        current_rows.select(pl.lit("current").alias("period"), pl.lit(filters.start_on).alias("start_on"), pl.lit(filters.end_on).alias("end_on"), pl.all()),
        comparison_rows.select(pl.lit("comparison").alias("period"), pl.lit(comparison.start_on).alias("start_on"), pl.lit(comparison.end_on).alias("end_on"), pl.all()),
    ], how="vertical_relaxed"),
    "kpi_summary", _("KPIs"), filters, as_of, key="kpis",
)

st.subheader(_("Monthly trends"))
monthly = data.load("kpi_monthly", filters)
if monthly["units"].sum() == 0 and monthly["service_revenue"].sum() == 0:
    components.empty_state(_("No sales or service visits in this period and scope: widen the filters."))
else:
    left, right = st.columns(2)
    with left:
        fig = px.bar(monthly.to_pandas(), x="month", y="sales_revenue", title=_("Sales revenue by month"),
                     labels={"sales_revenue": _("Sales revenue (CNY)"), "month": ""})
        fig.add_scatter(x=monthly["month"].to_list(), y=monthly["gross_margin"].to_list(), name=_("Gross margin"),
                        mode="lines+markers")
        st.plotly_chart(fig, key="trend_revenue")
    with right:
        series = monthly.select("month", pl.col("units").alias(_("Units sold")),
                                pl.col("complaints_received").alias(_("Complaints received")))
        fig = px.line(series.to_pandas(), x="month", y=series.columns[1:], markers=True,
                      title=_("Units sold and complaints received by month"), labels={"value": "", "month": "", "variable": ""})
        st.plotly_chart(fig, key="trend_units")
    components.rows_and_sql(monthly, "kpi_monthly", _("Monthly trends"), filters, as_of, key="monthly")

st.subheader(_("Where the sales come from"))
areas = data.load("sales_by_area", filters)
if filters.dealer_id is not None:
    customers = data.load("dealer_customers", filters)
    st.markdown(_("**Customers of {dealer} in the period** ({count} shown, largest first)").format(
        dealer=dealer_name or filters.dealer_id, count=formats.number(len(customers))))
    if customers.is_empty():
        components.empty_state(_("This dealer has no sales or service visits in the period."))
    else:
        st.dataframe(customers, hide_index=True, width="stretch")
        components.rows_and_sql(customers, "dealer_customers", _("Dealer customers"), filters, as_of, key="dealer_customers")
elif areas.is_empty():
    components.empty_state(_("No sales in this period and scope."))
else:
    level = areas.filter(pl.col("level") != "hq")["level"].first() or "region"
    shown_areas = areas.with_columns(pl.col("level").replace_strict(
        {v: pgettext("level", v) for v in ("region", "province", "dealer", "hq")}, default=pl.col("level")).alias("shown_level"))
    fig = px.bar(shown_areas.to_pandas(), x="area", y="sales_revenue", color="shown_level",
                 hover_data=["units", "gross_margin", "count_customers"], custom_data=["area", "level", "dealer_id"],
                 title=_("Sales revenue by {level} — click a bar to drill down").format(level=pgettext("level", level)),
                 labels={"sales_revenue": _("Sales revenue (CNY)"), "area": "", "shown_level": ""})

    def drill_from_chart():
        points = st.session_state["area_chart"].selection.points
        if points:
            area, clicked_level, dealer_id = points[0]["customdata"][:3]
            if clicked_level != "hq":
                filter_bar.drill_to(clicked_level, dealer_id if clicked_level == "dealer" else area)

    st.plotly_chart(fig, key="area_chart", on_select=drill_from_chart, selection_mode="points")
    drillable = areas.filter(pl.col("level") != "hq")
    choices = drillable["dealer_id"].to_list() if level == "dealer" else drillable["area"].to_list()
    labels = dict(zip(choices, drillable["area"].to_list()))
    st.selectbox(
        _("Drill into a {level}").format(level=pgettext("level", level)), choices, index=None, key="drill_choice",
        placeholder=_("Choose a {level}").format(level=pgettext("level", level)),
        format_func=lambda c: labels.get(c, str(c)),
        on_change=lambda: filter_bar.drill_to(level, st.session_state["drill_choice"]),
    )
    components.rows_and_sql(areas, "sales_by_area", _("Sales by {level}").format(level=pgettext("level", level)),
                            filters, as_of, key="areas")
