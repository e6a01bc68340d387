"""After-sales service: who is due for maintenance tomorrow morning, what the workshops earn per vehicle, which dealers
keep their buyers coming back, and which model's warranty claims rise with age (the quality signal for product teams).
Layout only: the rules, sentences and charts are in dashboard/after_sales.py."""
import polars as pl
import streamlit as st

from dashboard import after_sales as aft
from dashboard import charts, components, data, filter_bar, formats, page, scorecard, tables
from dashboard.i18n import _, pgettext
from dashboard.metrics import METRICS, fmt
from dashboard.pager import page_of, show_page

filters, as_of = page.context()
st.title(_("After-sales service"))
st.caption(filter_bar.describe(filters))

DUE_PAGER = "maintenance_due_page"
due = data.load("maintenance_due", filters, page=page_of(DUE_PAGER))
claims = data.load("warranty_claims_by_age", filters)
counts = aft.due_counts(due)
top = aft.standout(claims)
st.markdown("#### " + aft.headline(counts, top))
st.caption(_("Product filter: a service visit with a vehicle counts under the model of that vehicle (on the other "
             "pages, under the models its customer owns)."))

due_tab, mix_tab, retention_tab, warranty_tab = st.tabs(
    components.bound_tabs(aft.TAB_KEY, {
        "Maintenance due": pgettext("tab", "Maintenance due"), "Service mix": pgettext("tab", "Service mix"),
        "Retention by dealer": pgettext("tab", "Retention by dealer"), "Warranty quality": pgettext("tab", "Warranty quality"),
    }),
    key=aft.TAB_KEY, bind="query-params",
)

# ---- the list a dealer calls from tomorrow morning ----
with due_tab:
    if due_tab.open:
        cols = st.columns(3)
        cols[0].metric(_("Due or overdue"), formats.number(counts["count_rows"]), border=True,
                       help=_(METRICS["maintenance_due"].definition))
        cols[1].metric(_("Overdue by more than a month"), formats.number(counts["count_overdue_over_month"]), border=True)
        cols[2].metric(_("Due within 30 days"), formats.number(counts["count_due_soon"]), border=True)
        st.caption(_("The rule: a vehicle is due {months} months or {km} km after its last maintenance visit, whichever "
                     "comes first; its kilometres are estimated from its km per day so far (odometer at that visit / days "
                     "since it was sold). Listed: due within {soon} days or overdue by up to {late} months, as of {day}; "
                     "most overdue first. A vehicle is one customer's model; it belongs to the dealer of its last "
                     "maintenance visit.").format(
            months=aft.MAINTENANCE_MONTHS, km=formats.number(aft.MAINTENANCE_KM), soon=aft.DUE_SOON_DAYS,
            late=aft.OVERDUE_LISTED_MONTHS, day=formats.day(filters.end_on)))
        show_page(aft.due_table(due).drop(*[c for c in aft.DUE_COUNTS if c != "count_rows"]),
                  _("Vehicles due for maintenance"), "maintenance_due", DUE_PAGER, filters, as_of,
                  empty=_("No vehicle is due for maintenance in this scope."), answer=aft.DUE_ANSWER)
        if counts["count_rows"] > len(due) and st.toggle(_("Prepare the whole list for download"), key="maintenance_due_all"):
            everything = data.load("maintenance_due", filters, page=0)
            components.rows_and_sql(everything.drop(aft.DUE_COUNTS), "maintenance_due",
                                    _("Vehicles due for maintenance: the whole list"), filters, as_of, key="maintenance_due_all")

# ---- service mix and revenue per vehicle ----
with mix_tab:
    if mix_tab.open:
        current = data.load("service_revenue_per_vehicle", filters).row(0, named=True)
        previous = data.load("service_revenue_per_vehicle", filters.comparison()).row(0, named=True)
        current["vehicles_in_service"] = current["count_vehicles_in_service"]
        previous["vehicles_in_service"] = previous["count_vehicles_in_service"]
        cols = st.columns(2)
        names = ["service_revenue", "revenue_per_vehicle_serviced", "revenue_per_vehicle_in_service", "vehicles_in_service"]
        for i, name in enumerate(names):
            with cols[i % 2]:
                components.kpi_tile(name, current, previous)
        st.caption(_("Per vehicle serviced: over the {count} vehicles (a customer's model) with a visit in the period. "
                     "Per vehicle in service: over the {fleet} units sold in the {years} years up to the period's end, "
                     "whether they came back or not. Visits count at the dealer that serviced, vehicles at the one "
                     "that sold.").format(count=formats.number(current["count_vehicles_serviced"]),
                                          fleet=formats.number(current["count_vehicles_in_service"]), years=aft.IN_SERVICE_YEARS))
        mix = data.load("service_mix", filters)
        if mix["count_visits"].sum() == 0:
            components.empty_state(_("No service visits in this period and scope."))
        else:
            shares = aft.mix_shares(mix)
            st.markdown("\n".join(
                "- " + _("{type}: {visits} visits ({visit_share}), {revenue} ({revenue_share} of revenue)").format(
                    type=pgettext("service_type", r["service_type"]), visits=formats.number(r["count_visits"]),
                    visit_share=fmt(r["visit_share"], "share"), revenue=fmt(r["service_revenue"], "money"),
                    revenue_share=fmt(r["revenue_share"], "share"))
                for r in shares.iter_rows(named=True)))
            left, right = st.columns(2)
            with left:
                charts.show(aft.mix_figure(mix, "count_visits"), "service_mix_visits_chart")
            with right:
                charts.show(aft.mix_figure(mix, "service_revenue"), "service_mix_revenue_chart")
        components.rows_and_sql(mix, "service_mix", _("Service visits and revenue by month and type"), filters, as_of,
                                key="service_mix")

# ---- service retention by dealer ----
with retention_tab:
    if retention_tab.open:
        retention = data.load("service_retention_by_dealer", filters)
        ranked = scorecard.rank_dealers(retention, "service_retention")
        marks = scorecard.yardsticks(retention, "service_retention")
        sample_column, minimum = scorecard.MEASURES["service_retention"]
        whole = _("all your dealers") if data.current_access().is_limited else _("national")
        st.markdown(_("Of the customers who bought 12-24 months before the period's end, the share that came back for "
                      "service within 12 months of buying: {whole} {value}.").format(
            whole=whole, value=fmt(marks.get("national"), "share")))
        st.caption(_("Dealers with fewer than {minimum} buyers in the cohort are grey and not ranked: {small} of {count}.").format(
            minimum=minimum, small=int(ranked["is_small_sample"].sum()), count=len(ranked)))
        if ranked.is_empty() or ranked["service_retention"].drop_nulls().is_empty():
            components.empty_state(_("No buyers 12-24 months before the period's end at these dealers."))
        else:
            charts.show(aft.retention_figure(ranked, marks.get("national"), whole), "service_retention_chart")
            table = ranked.with_columns(
                region_figure=pl.col("region").replace_strict(marks, default=None, return_dtype=pl.Float64))
            tables.show(table.select("rank", "dealer_name", "service_retention", "count_retention_cohort", "is_small_sample",
                                     "region_figure", "count_retained", "dealer_id", "region", "province"),
                        key="service_retention_table",
                        answer=["rank", "dealer_name", "service_retention", "count_retention_cohort", "is_small_sample"],
                        labels={"region_figure": _("Region: {measure}").format(measure=_(METRICS["service_retention"].label)),
                                "is_small_sample": _("Small sample, unranked")},
                        kinds={"region_figure": "share"})
        components.rows_and_sql(retention, "service_retention_by_dealer", _("Service retention by dealer"), filters, as_of,
                                key="service_retention")

# ---- warranty: claims by model and age, cost by model ----
with warranty_tab:
    if warranty_tab.open:
        st.markdown(_("Warranty claims per 100 vehicles a year: the claims a model's vehicles made at an age (months "
                      "since sale) in the period, over the vehicle-years they spent at that age. A rate that rises with "
                      "age points at a part that wears out too early."))
        if claims.is_empty():
            components.empty_state(_("No vehicles sold in this scope."))
        else:
            charts.show(aft.claims_heatmap(claims, top), "warranty_heatmap")
            st.caption(_("Darker is worse. A blank cell (—) has under {minimum} vehicle-years: shown in the rows, not "
                         "judged. Vehicles count where they were sold, claims where they were serviced (a claim on a "
                         "vehicle sold outside the scope is left out).").format(minimum=formats.number(aft.MIN_VEHICLE_YEARS)))
        components.rows_and_sql(claims, "warranty_claims_by_age", _("Warranty claims by model and months in service"),
                                filters, as_of, key="warranty_claims")
        cost = data.load("warranty_cost_by_model", filters)
        if cost["warranty_cost"].sum() == 0:
            components.empty_state(_("No warranty claims in this period and scope."))
        else:
            charts.show(aft.cost_figure(cost, top), "warranty_cost_chart")
            tables.show(cost, key="warranty_cost_table",
                        answer=["product_id", "warranty_cost", "count_claims", "warranty_cost_per_vehicle", "claims_per_100_vehicles"])
        components.rows_and_sql(cost, "warranty_cost_by_model", _("Warranty cost by model"), filters, as_of, key="warranty_cost")
        with st.expander(_("How this is worked out")):
            st.markdown(_("The model that stands out is the model x age cell whose rate is the highest multiple of the "
                          "other models' rate at the same age (their claims over their vehicle-years), among cells with at "
                          "least {minimum} vehicle-years. A vehicle's age at a claim is counted from the customer's latest "
                          "purchase of that model on or before the claim. Vehicle-years: for each sale, the days its units "
                          "spent in the age band within the period, / 365.25.").format(minimum=formats.number(aft.MIN_VEHICLE_YEARS)))
