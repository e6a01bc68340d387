"""Follow-up calls (回访): how many calls reach a customer, what the answers say (NPS, CSAT) by call type, how soon
after the event the first call comes, by region and dealer against the network, by month, the dealers that reach
clearly fewer customers than the network (funnel limits), and the calls of a dealer down to the customer."""
import plotly.graph_objects as go
import polars as pl
import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from dashboard import charts, components, data, filter_bar, formats, page, tables
from dashboard import followups as fu
from dashboard.complaints import short_dealer
from dashboard.i18n import _, pgettext
from dashboard.metrics import fmt

filters, as_of = page.context()
st.title(_("Follow-up calls"))
st.caption(filter_bar.describe(filters))

by_type = data.load("followup_by_type", filters)
areas_all = data.load("followup_areas", filters, call_type="all")
national = areas_all.filter(pl.col("level") == "national")
network = national.row(0, named=True) if national.height else None
network_rate = network["response_rate"] if network else None
# A person limited to part of the network compares with what they may see, never with the nation.
yardstick = _("all your dealers") if data.current_access().is_limited else _("the network")
judged_all = fu.funnel_verdicts(areas_all, network_rate)
total = by_type.filter(pl.col("is_total")).row(0, named=True)

first, *rest = fu.headline(by_type, judged_all, network, yardstick, short_dealer)
st.markdown("#### " + first)
if rest:
    st.markdown("\n".join("- " + sentence for sentence in rest))
if not total["count_attempts"]:
    components.empty_state(_("No follow-up calls in the period in this scope."))
    st.stop()

TILES = [
    ("response_rate", "count_attempts", "share", _("Response rate"), _("Answered calls / call attempts (not reached, refused and answered).")),
    ("nps", "count_nps_responses", "score", _("NPS"), _("Of the surveys the answered calls produced (0-10): % of scores 9-10 minus % of scores 0-6.")),
    ("call_csat", "count_csat", "score", _("CSAT (1-5)"), _("The mean 1-5 satisfaction score of the answered calls.")),
    ("days_to_first_call", "count_first_calls", "number", _("Days to first call"),
     _("Average days from the sale, service visit or complaint resolution to its first call, over the events first called in the period.")),
]
for cell, (name, count_column, unit, label, help_text) in zip(st.columns(len(TILES)), TILES):
    value = total[name]
    cell.metric(f"{label} (n={int(total[count_column] or 0):,})",
                formats.number(value, 1) if unit == "number" and value is not None else fmt(value, unit),
                help=help_text, border=True, height="stretch")

labels = fu.tab_labels()
type_tab, where_tab, trend_tab, list_tab = st.tabs(components.bound_tabs(fu.TABS_KEY, labels, context=None),
                                                   key=fu.TABS_KEY, bind="query-params")

# ---- by call type ----
with type_tab:
    if type_tab.open:
        st.caption(_("Each call type with the number of answers (n) under its name."))
        measures = [("response_rate", "count_attempts", "share", _("Response rate by call type")),
                    ("nps", "count_nps_responses", "score", _("NPS by call type")),
                    ("call_csat", "count_csat", "score", _("CSAT (1-5) by call type")),
                    ("days_to_first_call", "count_first_calls", "score", _("Days from the event to the first call, by call type"))]
        for pair in (measures[:2], measures[2:]):
            for cell, (measure, count_column, unit, title) in zip(st.columns(2), pair):
                with cell:
                    fig = fu.type_bars(by_type, measure, count_column, unit)
                    charts.show(charts.finish(fig, title, height=340, legend=False), f"type_{measure}_chart")
        tables.show(by_type.filter(~pl.col("is_total")).drop("is_total"), key="type_table",
                    answer=["call_type", "response_rate", "count_attempts", "nps", "count_nps_responses", "call_csat",
                            "days_to_first_call"])
        components.rows_and_sql(by_type, "followup_by_type", _("Follow-up calls by type"), filters, as_of, key="followup_by_type")

# ---- regions and dealers against the network ----
with where_tab:
    if where_tab.open:
        type_options = ["all", *fu.CALL_TYPES]
        type_names = {t: _("All calls") if t == "all" else pgettext("survey_type", t) for t in type_options}
        chosen = st.selectbox(_("Call type"), type_options, key="followup_call_type", bind="query-params",
                              format_func=type_names.get)
        areas = areas_all if chosen == "all" else data.load("followup_areas", filters, call_type=chosen)
        national_row = areas.filter(pl.col("level") == "national")
        chosen_rate = national_row["response_rate"][0] if national_row.height else None
        judged = fu.funnel_verdicts(areas, chosen_rate)

        st.subheader(_("Response rate by region"))
        regions = areas.filter((pl.col("level") == "region") & (pl.col("count_attempts") > 0)).sort("response_rate")
        if regions.is_empty() or chosen_rate is None:
            components.empty_state(_("No follow-up calls by dealers in this scope and period."))
        else:
            fig = go.Figure()
            fig.add_bar(
                y=regions["region"].to_list(), x=regions["response_rate"].to_list(), orientation="h",
                marker_color=charts.MAIN, name=_("Region"),
                text=[fmt(v, "share") for v in regions["response_rate"]], textposition="outside", cliponaxis=False,
                hovertext=[_("{region}: {rate} of {attempts} calls answered; first call after {days} days on average").format(
                    region=r, rate=fmt(v, "share"), attempts=formats.number(n), days=formats.number(d, 1))
                    for r, v, n, d in zip(regions["region"], regions["response_rate"], regions["count_attempts"],
                                          regions["days_to_first_call"])],
                hoverinfo="text",
            )
            fig.add_vline(x=chosen_rate, line_dash="dash", line_color=charts.YARDSTICK,
                          annotation_text=_("{yardstick}: {rate}").format(yardstick=yardstick, rate=fmt(chosen_rate, "share")),
                          annotation_position="top", annotation_yref="paper", annotation_y=1.0, annotation_yanchor="bottom")
            # The value inside the bar's end, clear of the dashed yardstick line that crosses near it.
            fig.update_traces(textposition="inside", insidetextanchor="end", textfont_color="white")
            fig.update_layout(xaxis={"tickformat": ".0%", "range": [0, min(1.0, regions["response_rate"].max() * 1.15)]})
            charts.finish(fig, _("Response rate by region (dashed: {yardstick})").format(yardstick=yardstick),
                          height=130 + 34 * regions.height, legend=False)
            fig.update_layout(margin={"t": 90})   # the yardstick's name sits above the plot, under the title
            charts.show(fig, "region_chart")

        st.subheader(_("Dealers against {yardstick}, allowing for their number of calls").format(yardstick=yardstick))
        if judged.is_empty() or chosen_rate is None:
            components.empty_state(_("No follow-up calls by dealers in this scope and period."))
        else:
            fewer = judged.filter(pl.col("funnel_verdict") == fu.CLEARLY_FEWER).height
            possibly = judged.filter(pl.col("funnel_verdict") == fu.POSSIBLY_FEWER).height
            st.markdown(_("**{fewer}** of {dealers} dealers reach clearly fewer customers than {yardstick} (red, below "
                          "the outer funnel line); {possibly} more are below the inner line only, which chance alone "
                          "would put about 1 dealer in 40 below.").format(
                fewer=fewer, dealers=judged.height, yardstick=yardstick, possibly=possibly))
            left, right = st.columns(2)
            with left:
                fig = fu.funnel_figure(judged, chosen_rate, yardstick, short_dealer)
                charts.show(charts.finish(fig, _("Response rate against call attempts, with funnel limits"), height=440),
                            "funnel_chart", on_select=fu.drill_from_chart("funnel_chart"), selection_mode="points")
            with right:
                fig = fu.days_figure(judged, short_dealer)
                charts.show(charts.finish(fig, _("Later first calls, fewer customers reached"), height=440, legend=False),
                            "days_chart", on_select=fu.drill_from_chart("days_chart"), selection_mode="points")
            st.caption(_("One point per dealer; red: clearly fewer reached, green: clearly more. Click a point to list "
                         "the dealer's calls."))
            table = judged.select(
                "funnel_verdict_label", "dealer_name", "response_rate", "count_attempts", "days_to_first_call",
                "nps", "count_nps_responses", "call_csat", "count_csat", "count_answered", "count_first_calls",
                "region", "dealer_id")
            tables.show(table, key="dealer_table",
                        answer=["funnel_verdict_label", "dealer_name", "response_rate", "count_attempts",
                                "days_to_first_call", "nps", "count_nps_responses"],
                        labels={"funnel_verdict_label": _("Against {yardstick}").format(yardstick=yardstick)})
            with st.expander(_("How this is worked out")):
                st.markdown(_(
                    "The funnel limits are the exact binomial limits around {yardstick}'s response rate ({rate}) for a "
                    "dealer with each number of call attempts: if a dealer's true rate were {yardstick}'s, its answered "
                    "calls would fall inside the 95% limits (dashed) 95 times in 100 and inside the 99.8% limits "
                    "(solid) 998 times in 1,000. A dealer is flagged only outside the limits: \"clearly\" outside the "
                    "99.8% limits, \"possibly\" outside the 95% limits only. Small dealers have wide limits, so a few "
                    "unlucky calls do not flag them (Spiegelhalter's funnel plot).").format(
                    yardstick=yardstick, rate=fmt(chosen_rate, "share")))
        components.rows_and_sql(areas, "followup_areas", _("Follow-up calls by dealer and region"), filters, as_of,
                                key="followup_areas")

# ---- trend by month ----
with trend_tab:
    if trend_tab.open:
        monthly = data.load("followup_monthly", filters)
        if monthly.is_empty():
            components.empty_state(_("No follow-up calls in the period in this scope."))
        else:
            st.caption(_("By the month of the call; grey dashed: all calls together."))
            left, right = st.columns(2)
            with left:
                charts.show(charts.finish(fu.monthly_lines(monthly, "response_rate", "share", "count_attempts"),
                                          _("Response rate by month"), height=380), "monthly_rate_chart")
            with right:
                charts.show(charts.finish(fu.monthly_lines(monthly, "nps", "score", "count_nps_responses"),
                                          _("NPS by month"), height=380), "monthly_nps_chart")
            charts.show(charts.finish(fu.monthly_lines(monthly, "days_to_first_call", "score", "count_first_calls"),
                                      _("Days from the event to the first call, by month"), height=380), "monthly_days_chart")
        components.rows_and_sql(monthly, "followup_monthly", _("Follow-up calls by month"), filters, as_of,
                                key="followup_monthly")


# ---- the calls of a dealer, and on to the customer ----
with list_tab:
    if list_tab.open:
        dealers = judged_all.select("dealer_id", "dealer_name", "funnel_verdict_label")
        names = {d: f"{filter_bar.dealer_label(d, short_dealer(n))} · {v}"
                 for d, n, v in zip(dealers["dealer_id"], dealers["dealer_name"], dealers["funnel_verdict_label"])}
        options = dealers["dealer_id"].to_list()
        clicked = st.session_state.get(fu.DEALER_KEY)
        if clicked and clicked not in options:
            options = [*options, clicked]
        dealer_id = st.selectbox(_("Dealer (worst first)"), options, index=None, key=fu.DEALER_KEY,
                                 placeholder=_("Click a dealer on a chart, or choose"),
                                 format_func=lambda d: names.get(d, str(d)))
        if dealer_id is None:
            st.caption(_("Choose a dealer (or click one on the funnel) to list its calls."))
        else:
            rows = data.load("followup_call_list", filters, list_dealer_id=dealer_id)
            if rows.is_empty():
                components.empty_state(_("No follow-up calls by this dealer in the period in this scope."))
            else:
                count = rows["count_matching"][0]
                sentence = (_("**{count} call attempts** by {dealer} in the period (the latest {limit} shown).")
                            if count > fu.LIST_LIMIT else _("**{count} call attempts** by {dealer} in the period, the latest first."))
                st.markdown(sentence.format(count=formats.number(count), dealer=names.get(dealer_id, dealer_id).split(" · ")[0],
                                            limit=formats.number(fu.LIST_LIMIT)))
                listed = rows.drop("count_matching").with_columns(
                    call_outcome=pl.col("call_outcome").map_elements(fu.outcome_label, return_dtype=pl.String))
                customer_ids = rows["customer_id"].to_list()
                tables.show(listed, key="call_rows",
                            answer=["call_id", "call_type", "call_outcome", "called_at", "days_after_event", "customer_id"],
                            on_select=lambda: fu.pick_customer("call_rows", customer_ids), selection_mode="single-row")
                customers = list(dict.fromkeys(customer_ids))
                customer = st.selectbox(_("Open a customer"), customers, index=None, key="followup_customer",
                                        placeholder=_("Choose a customer number (or select a row)"))
                if customer is not None:
                    try:
                        st.page_link("views/customer_360.py",
                                     label=_("Customer {customer_id}: open the 360 view").format(customer_id=customer),
                                     icon=":material/person:", query_params={"customer_id": str(customer)})
                    except StreamlitPageNotFoundError:
                        st.caption(_("Customer {customer_id} (the Customer 360 page is not open to your role).").format(
                            customer_id=customer))
            components.rows_and_sql(rows.drop("count_matching") if rows.height else rows, "followup_call_list",
                                    _("Calls of a dealer"), filters, as_of, key="followup_call_list")
