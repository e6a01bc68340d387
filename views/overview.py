"""Executive overview: KPI tiles against the comparison period, monthly trends, a regional breakdown that drills."""
from dataclasses import replace
from datetime import timedelta

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from dashboard import (
    alerts,
    charts,
    components,
    data,
    filter_bar,
    formats,
    headlines,
    page,
    tables,
    targets,
)
from dashboard.i18n import _, pgettext

filters, as_of = page.context()
comparison = filters.comparison()

st.title(_("Executive overview"))
st.caption(_("{filters} · compared with {start} to {end} ({compare})").format(
    filters=filter_bar.describe(filters), start=f"{comparison.start_on:%Y-%m-%d}", end=f"{comparison.end_on:%Y-%m-%d}",
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

st.markdown(headlines.overview(current, previous))


@st.cache_data(ttl=900, max_entries=64, show_spinner=False)
def flagged_kpis(access, filters, version) -> set[str]:
    # The alerts' checks, cached on the person, the filters and the mart's version (the Alerts page keeps its own).
    return alerts.flagged_kpis(access, filters, load=data.load)


flagged = flagged_kpis(data.current_access(), filters, data.current_mart()[1])
TILES = [
    ["units", "sales_revenue", "gross_margin", "service_revenue"],
    ["new_customers", "active_customers", "service_retention", "nps"],
    ["complaint_backlog", "sla_compliance", "campaign_roi"],
]
for row in TILES:
    cols = st.columns(4)
    for col, name in zip(cols, row):
        with col:
            components.kpi_tile(name, current, previous, monthly_for_spark, flagged=name in flagged)

components.rows_and_sql(
    pl.concat([
        current_rows.select(pl.lit("current").alias("period"), pl.lit(filters.start_on).alias("start_on"), pl.lit(filters.end_on).alias("end_on"), pl.all()),
        comparison_rows.select(pl.lit("comparison").alias("period"), pl.lit(comparison.start_on).alias("start_on"), pl.lit(comparison.end_on).alias("end_on"), pl.all()),
    ], how="vertical_relaxed"),
    "kpi_summary", _("KPIs"), filters, as_of, key="kpis",
)

st.subheader(_("Against target"))
if not targets.is_whole_business(filters):
    # A target is a dealer's whole business: sales narrowed to a product, segment or channel are not comparable.
    components.empty_state(_(targets.FILTER_NOTE))
else:
    attainment_rows = data.load("target_attainment", filters)
    attainment = attainment_rows.row(0, named=True)
    if not attainment["units_target"] and not attainment["revenue_target"]:
        components.empty_state(_("No targets in this period and scope."))
    else:
        st.markdown(headlines.targets(attainment))
        cols = st.columns(4)
        for col, name in zip(cols[:2], targets.TILE_ORDER):
            with col:
                st.metric(_(targets.ATTAINMENT[name].label), formats.percent(attainment[name], 0),
                          help=_(targets.ATTAINMENT[name].definition), border=True)
                st.caption(targets.tile_caption(attainment, name))
        for col, name in zip(cols[2:], targets.TILE_ORDER):
            with col:
                st.metric(_(targets.PROJECTED_LABELS[name]),
                          formats.percent(attainment["projected_" + name], 0), border=True,
                          help=targets.projection_note(attainment, as_of))
                st.caption(targets.projection_caption(attainment, name))
        st.caption(targets.projection_note(attainment, as_of))
        with st.expander(_("How this is worked out")):
            st.markdown(_(targets.METHOD))
        components.rows_and_sql(attainment_rows, "target_attainment", _("Against target"), filters, as_of,
                                key="target_attainment")

st.subheader(_("Monthly trends"))
monthly = data.load("kpi_monthly", filters)
if monthly["units"].sum() == 0 and monthly["service_revenue"].sum() == 0:
    components.empty_state(_("No sales or service visits in this period and scope: widen the filters."))
else:
    left, right = st.columns(2)
    with left:
        fig = go.Figure()
        fig.add_bar(x=monthly["month"].to_list(), y=monthly["sales_revenue"].to_list(), name=_("Sales revenue"),
                    marker_color=charts.MAIN)
        fig.add_scatter(x=monthly["month"].to_list(), y=monthly["gross_margin"].to_list(), name=_("Gross margin"),
                        mode="lines+markers", line={"color": charts.SERIES[1]})
        charts.finish(fig, _("Sales revenue and gross margin by month"), height=380)
        charts.money_axis(fig, monthly["sales_revenue"].to_list() + monthly["gross_margin"].to_list())
        charts.show(charts.month_axis(fig), key="trend_revenue")
    with right:
        fig = go.Figure()
        fig.add_scatter(x=monthly["month"].to_list(), y=monthly["units"].to_list(), name=_("Units sold"),
                        mode="lines+markers", line={"color": charts.MAIN})
        fig.add_scatter(x=monthly["month"].to_list(), y=monthly["complaints_received"].to_list(),
                        name=_("Complaints received"), mode="lines+markers", line={"color": charts.SERIES[1]})
        charts.finish(fig, _("Units sold and complaints received by month"), height=380)
        charts.show(charts.month_axis(fig), key="trend_units")
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
        tables.show(customers, key="dealer_customers_table")
        components.rows_and_sql(customers, "dealer_customers", _("Dealer customers"), filters, as_of, key="dealer_customers")
elif areas.is_empty():
    components.empty_state(_("No sales in this period and scope."))
else:
    level = areas.filter(pl.col("level") != "hq")["level"].first() or "region"
    # The legend names each bar's kind as a label ("Region", 大区); HQ's own sales as the bars name them.
    legend_names = {v: formats.sentence_start(pgettext("level", v)) for v in ("region", "province", "dealer")}
    shown_areas = areas.with_columns(pl.col("level").replace_strict(
        {**legend_names, "hq": _("HQ direct")}, default=pl.col("level")).alias("shown_level"),
        # Sales made by HQ itself, under no dealer (the SQL names them 'HQ direct').
        pl.when(pl.col("level") == "hq").then(pl.lit(_("HQ direct"))).otherwise(pl.col("area")).alias("area"))
    fig = go.Figure()
    for (shown_level,), part in shown_areas.group_by("shown_level", maintain_order=True):
        fig.add_bar(
            x=part["area"].to_list(), y=part["sales_revenue"].to_list(), name=shown_level,
            marker_color=charts.YARDSTICK if part["level"][0] == "hq" else charts.MAIN,
            customdata=part.select("area", "level", "dealer_id", "units").rows(),
            hovertemplate="%{x}<br>" + _("Sales revenue") + ": %{y:,.0f}<br>" + _("Units sold")
            + ": %{customdata[3]:,}<extra></extra>",
        )
    charts.finish(fig, _("Sales revenue by {level} — click a bar to drill down").format(level=pgettext("level", level)),
                  height=420)
    charts.money_axis(fig, shown_areas["sales_revenue"].to_list())

    def drill_from_chart():
        points = st.session_state["area_chart"].selection.points
        if points:
            area, clicked_level, dealer_id = points[0]["customdata"][:3]
            if clicked_level != "hq":
                filter_bar.drill_to(clicked_level, dealer_id if clicked_level == "dealer" else area)

    charts.show(fig, key="area_chart", on_select=drill_from_chart, selection_mode="points")
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
