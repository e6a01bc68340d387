"""Customer segments and value: RFM segments, value tiers, cohorts, churn risk, segment migration and lifetime
value, under the global filters. Each tab runs only when it is open, leads with its answer in plain words, and
every segment exports as a customer list; the model's workings sit in an expander for analysts."""
import polars as pl
import streamlit as st

from dashboard import (
    charts,
    components,
    customer_value,
    data,
    export,
    filter_bar,
    formats,
    page,
    segments,
    tables,
)
from dashboard.i18n import N_, _, pgettext
from dashboard.metrics import ACTIVITY_STATUSES, METRICS, fmt, format_metric

filters, as_of = page.context()
comparison = filters.comparison()
first_on = data.mart_info()["first_sale_on"][0] or as_of
LIST_ROWS = 100  # rows of a customer list shown on the page; the downloads carry all of them
CUSTOMER_PAGE = "views/customer_360.py"
TIERS = ["A", "B", "C"]
STATUS_TILES = {"active": N_("Active customers"), "at risk": N_("At risk customers"), "lapsed": N_("Lapsed customers")}

st.title(_("Customer segments and value"))
st.caption(_("{filters} · RFM over the period, recency at its end ({day})").format(
    filters=filter_bar.describe(filters), day=formats.day(filters.end_on)))


def open_customer(key: str) -> None:
    """A customer picked in a list: remember it and clear the box, so coming back does not open it again."""
    st.session_state["_open_customer"] = st.session_state[key]
    st.session_state[key] = None


def customer_picker(ids: list, key: str) -> None:
    st.selectbox(_("Open a customer in Customer 360"), ids, index=None, key=key,
                 placeholder=_("Choose a customer number"), on_change=open_customer, args=(key,))


def download_list(df: pl.DataFrame, title: str, key: str) -> None:
    left, right = st.columns(2)
    text = filter_bar.describe(filters)
    left.download_button(_("Download the list (CSV)"), lambda: export.to_csv(df, title, text, as_of),
                         file_name=f"{components.slug(title) or key}.csv", mime="text/csv", key=f"csv_{key}", on_click="ignore")
    right.download_button(_("Download the list (Excel)"), lambda: export.to_excel(df, title, text, as_of),
                          file_name=f"{components.slug(title) or key}.xlsx", key=f"xlsx_{key}", on_click="ignore",
                          mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def group_name(segment: str | None, tier: str | None) -> str:
    if segment and tier:
        return _("{segment} and tier {tier}").format(segment=segments.segment_name(segment), tier=tier)
    return segments.segment_name(segment) if segment else _("tier {tier}").format(tier=tier)


def group_size(groups: pl.DataFrame, column: str, value: str | None) -> int | None:
    """The customers of one segment or tier, from the page's own table of them (None when it has no such row)."""
    found = groups.filter(pl.col(column) == value)["count_customers"]
    return int(found[0]) if len(found) else None


def customer_list(segment: str | None, tier: str | None, key: str, count: int | None = None) -> None:
    """The group's customers, listed when asked for: a list scores every customer in scope and sorts them by
    revenue (half a second for a large region on the l mart), and most visits want the segments, not the list.
    `count` is the group's size where the page already knows it."""
    title = _("Customer list: {group}").format(group=group_name(segment, tier))
    header = st.empty()  # above the switch, filled once it is known whether the list is shown
    if not st.toggle(_("Show the list, its downloads and Customer 360 links"), key=f"show_{key}"):
        if count is not None:
            header.markdown(_("**{title}**: {count} customers").format(title=title, count=formats.number(count)))
        else:
            header.markdown(f"**{title}**")
        return
    customers = data.load("segment_customers", filters, segment=segment, tier=tier)
    if customers.is_empty():
        header.markdown(f"**{title}**")
        components.empty_state(_("No customers in this group for these filters."))
        return
    count = formats.number(len(customers))
    if len(customers) > LIST_ROWS:
        header.markdown(_("**{title}**: {count} customers, largest revenue first (the first {rows} shown; the "
                          "downloads hold all)").format(title=title, count=count, rows=LIST_ROWS))
    else:
        header.markdown(_("**{title}**: {count} customers, largest revenue first").format(title=title, count=count))
    tables.show(customers.head(LIST_ROWS), key=f"table_{key}",
                answer=["customer_id", "segment", "tier", "monetary", "last_transacted_on", "rfm_code"])
    download_list(customers, title, key)
    customer_picker(customers.head(LIST_ROWS)["customer_id"].to_list(), key=f"open_{key}")


tabs = st.tabs(components.bound_tabs("segments_tab", segments.tab_labels(), context=None), key="segments_tab",
               bind="query-params")
rfm_tab, tier_tab, cohort_tab, churn_tab, migration_tab, clv_tab, portrait_tab = tabs
NO_CUSTOMERS = N_("No customer in scope had a sale or service visit in this period: widen the filters.")

if rfm_tab.open:
    with rfm_tab:
        # The segments are added up from the grid's cells: the customers are scored once (dashboard/segments.py).
        grid = data.load("rfm_grid", filters)
        rfm = segments.from_grid(grid)
        scored = int(rfm["count_customers"].sum())
        if scored == 0:
            components.empty_state(_(NO_CUSTOMERS))
        else:
            rfm = segments.in_segment_order(rfm)
            st.markdown(segments.rfm_headline(rfm))
            top = rfm.filter(pl.col("segment") == "champions").row(0, named=True)
            cols = st.columns(4)
            cols[0].metric(_(METRICS["rfm_customers"].label), format_metric("rfm_customers", scored),
                           help=_(METRICS["rfm_customers"].definition), border=True)
            cols[1].metric(_("Champions: share of customers"), format_metric("customer_share", top["customer_share"]), border=True)
            cols[2].metric(_("Champions: share of revenue"), format_metric("revenue_share", top["revenue_share"]), border=True)
            cols[3].metric(_("Champions: average value"), format_metric("avg_customer_revenue", top["avg_customer_revenue"]),
                           border=True)

            left, right = st.columns(2)
            with left:
                charts.show(segments.share_bars(
                    [segments.segment_name(s) for s in rfm["segment"]], rfm["customer_share"].to_list(),
                    rfm["revenue_share"].to_list(), _("Each segment's share of customers and of revenue"), height=520),
                    key="rfm_segment_chart")
                # The segments' rows with the SQL they come from: the grid's, its cells added up by segment.
                components.rows_and_sql(rfm, "rfm_grid", _("RFM segments (the grid's cells added up)"), filters, as_of,
                                        key="rfm_segments")
            with right:
                charts.show(segments.rfm_grid_chart(grid), key="rfm_heatmap")
                st.caption(_("Scores are quintiles (5 = the best fifth); tied customers share a score, so a score no "
                             "tied group starts in stays empty."))
                components.rows_and_sql(grid, "rfm_grid", _("RFM grid"), filters, as_of, key="rfm_grid")

            st.subheader(_("Segments"))
            tables.show(segments.with_meaning(rfm), key="rfm_segment_table",
                        answer=["segment", "count_customers", "customer_share", "revenue_share", "meaning"])

            st.subheader(_("Export a segment as a campaign list"))
            a, b = st.columns(2)
            labels = segments.segment_labels()
            segment = a.selectbox(_("RFM segment"), list(segments.RFM_SEGMENTS), key="list_segment", bind="query-params",
                                  format_func=labels.get)
            tier = b.selectbox(_("Value tier"), TIERS, index=None, key="list_tier", placeholder=_("Any tier"),
                               bind="query-params")
            customer_list(segment, tier, key="segment_list",
                          count=group_size(rfm, "segment", segment) if segment and not tier else None)

if tier_tab.open:
    with tier_tab:
        tiers = data.load("value_tiers", filters)
        if tiers["count_customers"].sum() == 0:
            components.empty_state(_(NO_CUSTOMERS))
        else:
            pareto = data.load("value_pareto", filters)
            st.markdown(segments.tiers_headline(pareto, tiers))
            a_row = tiers.filter(pl.col("tier") == "A").row(0, named=True)
            cols = st.columns(3)
            cols[0].metric(_(METRICS["tier_a_customer_share"].label), format_metric("tier_a_customer_share", a_row["customer_share"]),
                           help=_(METRICS["tier_a_customer_share"].definition), border=True)
            cols[1].metric(_("Tier A customers"), formats.number(a_row["count_customers"]), border=True)
            cols[2].metric(_("Tier A: average value"), format_metric("avg_customer_revenue", a_row["avg_customer_revenue"]), border=True)
            left, right = st.columns(2)
            with left:
                charts.show(segments.pareto_chart(pareto, a_row["customer_share"]), key="pareto_chart")
                components.rows_and_sql(pareto, "value_pareto", _("Pareto curve"), filters, as_of, key="pareto")
            with right:
                charts.show(segments.share_bars(
                    [_("Tier {tier}").format(tier=t) for t in tiers["tier"]], tiers["customer_share"].to_list(),
                    tiers["revenue_share"].to_list(), _("Value tiers: share of customers and of revenue")), key="tier_chart")
                components.rows_and_sql(tiers, "value_tiers", _("Value tiers"), filters, as_of, key="tiers")
            st.caption(_("A: the customers who together make the first 80% of the period's revenue (largest first); "
                         "B: the next 15%; C: the rest."))
            st.subheader(_("Export a tier as a customer list"))
            tier = st.selectbox(_("Tier"), TIERS, key="tier_list", bind="query-params")
            customer_list(None, tier, key="tier_list", count=group_size(tiers, "tier", tier))

if cohort_tab.open:
    with cohort_tab:
        grains = segments.grain_labels()
        grain = st.segmented_control(_("Cohorts by"), list(grains), default="month", key="cohort_grain",
                                     bind="query-params", required=True, format_func=grains.get)
        cohorts = data.load("cohort_retention", filters, grain=grain)
        if cohorts.is_empty():
            components.empty_state(_("No customer in scope made a first purchase in this period."))
        else:
            st.markdown(segments.cohort_headline(cohorts, grain))
            later = cohorts.filter(pl.col("periods_since") > 0)
            if later.is_empty():
                components.empty_state(_("The period holds a single {grain}: widen it to see later activity.").format(
                    grain=grains[grain]))
            else:
                charts.show(segments.cohort_chart(cohorts, grain), key="cohort_heatmap")
            st.caption(_("Cohort: customers whose first sale or service visit falls in the period. The last column can "
                         "be a period not yet over; * marks a quarter the period starts inside (only its later members)."))
            components.rows_and_sql(cohorts, "cohort_retention", _("Cohort retention by {grain}").format(grain=grains[grain]),
                                    filters, as_of, key="cohorts")

if churn_tab.open:
    with churn_tab:
        status = data.load("churn_status", filters)
        if status["count_customers"].sum() == 0:
            components.empty_state(_("No customer in scope has a sale or service visit by the period's end."))
        else:
            by_status = {r["status"]: r for r in status.iter_rows(named=True)}
            st.markdown(segments.churn_headline(by_status))
            cols = st.columns(3)
            for col, name in zip(cols, STATUS_TILES):
                r = by_status[name]
                col.metric(_(STATUS_TILES[name]), formats.number(r["count_customers"]),
                           delta=_("{share} of customers").format(share=format_metric("customer_share", r["customer_share"])),
                           delta_color="off", delta_arrow="off", help=_(ACTIVITY_STATUSES[name]), border=True)
            components.rows_and_sql(status, "churn_status", _("Activity status"), filters, as_of, key="churn_status")

            drivers = data.load("churn_drivers", filters)
            st.subheader(_("Complaints, survey scores and lapsing"))
            if drivers.is_empty():
                components.empty_state(_("No customer in scope started 18 months or more before the period's end."))
            else:
                top = max(drivers["lapse_rate_high"].max() or 0, 0.05)
                for col, driver in zip(st.columns(2), ["complaints", "survey score"]):
                    fig = segments.drivers_chart(
                        drivers.filter(pl.col("driver") == driver),
                        _("Lapse rate (95% interval) by {driver}").format(driver=pgettext("driver", driver)), top)
                    with col:
                        charts.show(fig, key=f"churn_drivers_{components.slug(driver)}")
                st.caption(_("{definition} An association, not a cause: customers who transact more also have more "
                             "occasions to complain and to be surveyed.").format(definition=_(METRICS["lapse_rate"].definition)))
                components.rows_and_sql(drivers, "churn_drivers", _("Lapse rate by complaints and survey score"), filters,
                                        as_of, key="churn_drivers")

            st.subheader(_("At-risk customers to win back"))
            at_risk = data.load("churn_at_risk_customers", filters)
            if at_risk.is_empty():
                components.empty_state(_("No customer in scope is at risk at the period's end."))
            else:
                tables.show(at_risk.head(LIST_ROWS), key="at_risk_table",
                            answer=["customer_id", "lifetime_revenue", "last_transacted_on", "days_since_last",
                                    "count_complaints", "lowest_score"])
                components.rows_and_sql(at_risk, "churn_at_risk_customers", _("At-risk customers"), filters, as_of, key="at_risk")
                customer_picker(at_risk.head(LIST_ROWS)["customer_id"].to_list(), key="open_at_risk")

if migration_tab.open:
    with migration_tab:
        moves = data.load("segment_migration", filters, compare_start_on=comparison.start_on, compare_end_on=comparison.end_on)
        st.caption(_("From {before_start} to {before_end} ({compare}) to {start} to {end}; each period scored on its "
                     "own.").format(before_start=formats.day(comparison.start_on), before_end=formats.day(comparison.end_on),
                                    compare=pgettext("compare", filters.compare), start=formats.day(filters.start_on),
                                    end=formats.day(filters.end_on)))
        if moves.is_empty():
            components.empty_state(_("No customer in scope had a sale or service visit in either period."))
        else:
            st.markdown(segments.migration_headline(moves))
            charts.show(segments.migration_chart(segments.migration_flows(moves)), key="migration_sankey")
            with st.expander(_("Every move, as a share of the earlier segment")):
                charts.show(segments.migration_matrix(moves), key="migration_matrix")
            components.rows_and_sql(moves, "segment_migration", _("Segment migration"), filters, as_of, key="migration")

if clv_tab.open:
    with clv_tab:
        value = customer_value.customer_value(filters, first_on)
        if value.bgnbd is None:
            components.empty_state(_("Too few customers in scope to value: no model is fitted for these filters."))
        else:
            summary = value.summary()
            st.markdown(segments.clv_headline(summary, value.deciles, value.by_segment))
            if kind_note := segments.clv_kind_note(value.repeat_kind):
                st.caption(kind_note)
            cols = st.columns(3)
            cols[0].metric(_("Customers valued"), formats.number(summary["count_customers"]), border=True)
            cols[1].metric(_(METRICS["clv_total"].label), format_metric("clv_total", summary["clv_total"]),
                           help=_(METRICS["clv_total"].definition), border=True)
            cols[2].metric(_("Expected 12-month value per customer"), format_metric("clv", summary["clv_mean"]),
                           help=_(METRICS["clv"].definition), border=True)

            left, right = st.columns(2)
            with left:
                charts.show(segments.clv_segment_chart(value.by_segment), key="clv_segment_chart")
                components.rows_and_sql(value.by_segment, "clv_customers", _("Expected value by segment"), filters, as_of,
                                        key="clv_segments")
            with right:
                charts.show(segments.clv_decile_chart(value.deciles), key="clv_decile_chart")
                components.rows_and_sql(value.deciles, "clv_customers", _("Expected value by decile"), filters, as_of,
                                        key="clv_deciles")
            st.subheader(_("Most valuable customers over the next 12 months"))
            tables.show(value.top, key="clv_top_table", answer=["customer_id", "segment", "clv", "p_alive"])
            if status_note := segments.clv_status_note(value.top):
                st.caption(status_note)
            download_list(value.top, _("Most valuable customers"), key="clv_top")
            customer_picker(value.top["customer_id"].to_list(), key="open_clv")

            with st.expander(_("How this is worked out")):
                st.markdown(_("Each customer's expected 12-month value is the number of repeat purchase days the "
                              "BG/NBD model expects from them in the next 52 weeks times the value of such a day the "
                              "Gamma-Gamma model expects, both fitted by maximum likelihood; several rows on one day "
                              "are one purchase worth their sum."))
                st.metric(_(METRICS["holdout_error"].label), format_metric("holdout_error", summary["holdout_error"]),
                          help=_(METRICS["holdout_error"].definition), border=True)
                st.markdown(_("**Fitted parameters** (maximum likelihood; time in weeks)"))
                tables.show(segments.parameter_table(value), key="clv_params")
                dropout = value.bgnbd.a / (value.bgnbd.a + value.bgnbd.b)
                g = value.gamma_gamma
                fit = _("Mean purchase rate {rate} per week; mean dropout chance after a purchase {dropout}. "
                        "Log-likelihood {bgnbd} (BG/NBD, {customers} customers).").format(
                    rate=formats.number(value.bgnbd.r / value.bgnbd.alpha, 3), dropout=fmt(dropout, "share"),
                    bgnbd=formats.number(value.bgnbd.log_likelihood), customers=formats.number(value.bgnbd.count_customers))
                if g:
                    fit += " " + _("Log-likelihood {value} (Gamma-Gamma, {customers} repeat buyers).").format(
                        value=formats.number(g.log_likelihood), customers=formats.number(g.count_customers))
                st.caption(fit)
                if value.spend_frequency_correlation is not None:
                    st.caption(_("Gamma-Gamma assumes spend does not depend on frequency: their correlation among repeat "
                                 "buyers is {correlation}.").format(correlation=f"{value.spend_frequency_correlation:+.2f}"))
                if value.value_fallback is not None:
                    st.warning(_("The fitted spend distribution has q ≤ 1 (no finite mean: a long tail of very large "
                                 "spenders). Customers without a repeat purchase are valued at the mean repeat purchase, "
                                 "{value}.").format(value=fmt(value.value_fallback, "money")), icon="⚠️")
                if value.holdout.is_empty():
                    components.empty_state(segments.clv_message(value.message) or _("No holdout check for these filters."))
                else:
                    charts.show(segments.holdout_chart(value.holdout, value.holdout_weeks), key="clv_holdout_chart")
                    st.caption(_("A model fitted on the history up to {day} predicted {predicted} repeat purchases in the "
                                 "{weeks} weeks after it; the customers made {actual}.").format(
                        day=formats.day(value.calibration_end_on), predicted=formats.number(summary["holdout_predicted_total"]),
                        weeks=formats.number(value.holdout_weeks), actual=formats.number(summary["holdout_actual_total"])))
                    components.rows_and_sql(value.holdout, "clv_customers", _("CLV holdout check"), filters, as_of,
                                            key="clv_holdout")

if portrait_tab.open:
    with portrait_tab:
        a, b = st.columns(2)
        labels = segments.segment_labels()
        segment = a.selectbox(_("RFM segment"), list(segments.RFM_SEGMENTS), key="portrait_segment", bind="query-params",
                              format_func=labels.get, index=0, placeholder=_("Any segment"))
        tier = b.selectbox(_("Value tier"), TIERS, index=None, key="portrait_tier", placeholder=_("Any tier"),
                           bind="query-params")
        if segment is None and tier is None:
            components.empty_state(_("Choose a segment or a tier to compare with the whole base."))
        else:
            portrait = data.load("segment_portrait", filters, segment=segment, tier=tier)
            group = group_name(segment, tier)
            if portrait.is_empty() or not portrait["count_group_total"][0]:
                components.empty_state(_("No customers in this group for these filters."))
            else:
                st.markdown(segments.portrait_headline(portrait, group))
                st.caption(_("{count} customers in the group against a base of {base}: every customer with a sale or "
                             "service visit in the period, in scope. Shares are of all the group's (or the base's) "
                             "customers; age is reached in the period's last year.").format(
                    count=formats.number(portrait["count_group_total"][0]),
                    base=formats.number(portrait["count_base_total"][0])))
                if portrait["is_suppressed"].any():
                    st.caption(_("Values marked * are hidden: fewer than {n} customers in the group or the base (and, "
                                 "where only one value of an attribute would be hidden, the next smallest too, so it "
                                 "cannot be worked out from the total). Personal fields are shown only as counts.").format(
                        n=segments.MIN_CELL))
                for row in (["age_band", "gender"], ["income_band", "customer_type"]):
                    for col, attribute in zip(st.columns(2), row):
                        with col:
                            charts.show(segments.portrait_chart(portrait, attribute, group), key=f"portrait_{attribute}")
                charts.show(segments.portrait_chart(portrait, "city", group), key="portrait_city")
                st.subheader(_("Every value against the base"))
                tables.show(segments.portrait_table(portrait), key="portrait_table", answer=segments.PORTRAIT_ANSWER)
                components.rows_and_sql(portrait, "segment_portrait", _("Customer portrait: {group}").format(group=group),
                                        filters, as_of, key="segment_portrait")

# A customer picked in any list above: open their history. The filters are bound widgets of the frame, so they
# follow into the link by themselves (setting them here too is refused).
if (customer_id := st.session_state.pop("_open_customer", None)) is not None:
    st.switch_page(CUSTOMER_PAGE, query_params={"customer_id": str(customer_id)})
