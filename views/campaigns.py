"""Campaign ROI and leads: did a campaign pay back, what did it add beyond its holdout arm, how much the answer
depends on the attribution rule; the lead funnel by channel and dealer; and a what-if for the budget.
Layout only: the sentences, tables and charts are made in dashboard/campaigns.py, the pager in dashboard/pager.py."""
from dataclasses import replace
from datetime import date

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from analytics import budget, lift
from dashboard import campaigns as cmp
from dashboard import charts, components, data, filter_bar, formats, page, tables
from dashboard.i18n import _, pgettext
from dashboard.metrics import METRICS, fmt, format_metric
from dashboard.pager import page_of, show_page

filters, as_of = page.context()

st.title(_("Campaign ROI and leads"))
st.caption(_("{filters} · campaigns that ended in the period; their leads and sales whenever they came").format(
    filters=filter_bar.describe(filters)))

window_days = int(st.number_input(
    _("Attribution window (days)"), min_value=1, max_value=365, value=30, step=1, key="window_days",
    bind="query-params",
    help=_("A sale counts for a campaign if it came at most this many days after the customer was contacted by it "
           "(or responded, or became one of its leads)."),
))

# Running now comes last: the finished campaigns' answers stay where a shared link expects them.
tab_campaigns, tab_funnel, tab_budget, tab_running = st.tabs(
    components.bound_tabs("campaign_tab", {"Campaigns": pgettext("tab", "Campaigns"), "Lead funnel": pgettext("tab", "Lead funnel"),
                                    "Budget what-if": pgettext("tab", "Budget what-if"),
                                    "Running now": pgettext("tab", "Running now")}),
    key="campaign_tab", bind="query-params",
)


def pick_campaign_from_chart() -> None:
    points = st.session_state["lift_chart"].selection.points
    if points:
        st.session_state["campaign"] = str(points[0]["customdata"][0])


# ---- campaigns: ROI, lift from the control arm, attribution rules, drill-down ----
with tab_campaigns:
    if tab_campaigns.open:
        campaigns = data.load("campaign_results", filters)
        if campaigns.is_empty():
            components.empty_state(_("No campaign ended in this period and scope: widen the period, or load campaigns."))
        else:
            attribution = data.load("campaign_attribution", filters, window_days=window_days)
            totals = {r["rule"]: r for r in attribution.filter(pl.col("campaign_id").is_null()).iter_rows(named=True)}
            recorded = totals["recorded"]
            st.markdown(cmp.payback_sentence(campaigns))
            # Two rows: five tiles side by side cut the money short ("¥278.61…").
            cols = st.columns(2)
            cols[0].metric(_("Campaign cost (n={count} campaigns)").format(count=formats.number(len(campaigns))),
                           format_metric("campaign_cost", recorded["cost_in_scope"]),
                           help=_(METRICS["campaign_cost"].definition), border=True)
            cols[1].metric(_(METRICS["attributed_margin"].label), format_metric("attributed_margin", recorded["attributed_margin"]),
                           help=_(METRICS["attributed_margin"].definition), border=True)
            for col, rule in zip(st.columns(3), cmp.RULES):
                col.metric(_("ROI, {rule}").format(rule=pgettext("rule", rule)), format_metric("campaign_roi", totals[rule]["roi"]),
                           help=_(METRICS["campaign_roi"].definition), border=True)

            st.subheader(_("Did each campaign pay back?"))
            st.caption(_("Best return first. ROI = (attributed gross margin - cost) / cost, with sales credited by the "
                         "campaign recorded on the sale."))
            tables.show(cmp.results_table(campaigns), key="campaign_results_table", answer=cmp.RESULTS_ANSWER)
            components.rows_and_sql(campaigns, "campaign_results", pgettext("tab", "Campaigns"), filters, as_of, key="campaign_results")

            st.subheader(_("What did it add? Lift from the control arm"))
            lifts = lift.campaign_lift(data.load("campaign_lift", filters, window_days=window_days))
            if lifts.is_empty():
                components.empty_state(_("None of these campaigns has contacts in this scope, so there is no holdout to compare."))
            else:
                st.markdown(cmp.lift_sentence(lifts))
                st.caption(_(
                    "Each campaign held back a control group of customers it did not contact. The lift is how much more "
                    "often the contacted customers bought (or responded) than the control group. **Not proven** means "
                    "the two groups are so close that the difference could be chance: the campaign may have helped, but "
                    "these numbers cannot show it. **Proven**: more buyers even at the cautious end of the range; "
                    "**negative**: fewer."
                ))
                with st.expander(_("How this is worked out")):
                    st.markdown(_(
                        "Lift = the treatment arm's rate minus the control arm's, with a 95% confidence interval (95% CI) "
                        "by Newcombe's hybrid score method, which combines each arm's Wilson interval. A lift whose "
                        "interval includes zero is not proven, whatever its point estimate. A buyer made a sale in the "
                        "filtered scope within {days} days of the contact day. Incremental margin = purchase lift x "
                        "treatment contacts x gross margin per buying contact; incremental ROI = (incremental margin - "
                        "cost) / cost; their ranges carry the interval of the lift only, not the spread of margins."
                    ).format(days=formats.number(window_days)))
                tables.show(cmp.lift_table(lifts), key="lift_table", answer=cmp.LIFT_ANSWER)
                if not lifts["is_window_complete"].all():
                    st.caption(_("Some contacts' windows reach past the data's end: their purchases are still to come, in both arms."))

                st.caption(_("Above the dashed line a campaign paid for itself; the vertical lines show the 95% range. "
                             "Click a campaign to see its customers."))
                charts.show(cmp.lift_chart(lifts), key="lift_chart", on_select=pick_campaign_from_chart, selection_mode="points")
                components.rows_and_sql(lifts, "campaign_lift", _("Lift from the control arm"), filters, as_of, key="campaign_lift")

            st.subheader(_("How much does the answer depend on the attribution rule?"))
            st.caption(_(
                "ROI of each campaign when its sales are credited by the campaign recorded on the sale, or to the "
                "customer's last or first campaign touch within {days} days before the sale. Touch rules credit every "
                "purchase of a touched customer, including those that would have happened anyway: compare with the "
                "lift above."
            ).format(days=formats.number(window_days)))
            charts.show(cmp.rules_chart(attribution), key="attribution_chart")
            tables.show(cmp.rules_table(attribution), key="attribution_table",
                        answer=["campaign", *[f"roi_{r}" for r in cmp.RULES]])
            components.rows_and_sql(attribution, "campaign_attribution", _("ROI by attribution rule"), filters, as_of,
                                    key="campaign_attribution")

            st.subheader(_("Drill into a campaign"))
            names = {r["campaign_id"]: cmp.label(r) for r in campaigns.iter_rows(named=True)}
            chosen = st.selectbox(
                _("Campaign"), list(names), index=None, key="campaign", bind="query-params",
                format_func=names.get, placeholder=_("Choose a campaign (or click one in the chart)"),
            )
            if chosen is not None:
                row = campaigns.filter(pl.col("campaign_id") == chosen).row(0, named=True)
                st.markdown(_("**{campaign}** · {type} via {channel} · {start} to {end} · {region} · cost in scope {cost} · ROI {roi}").format(
                    campaign=names[chosen], type=pgettext("campaign_type", row["campaign_type"]),
                    channel=pgettext("channel", row["channel"]), start=formats.day(row["start_on"]),
                    end=formats.day(row["end_on"]), region=row["target_region"] or _("national"),
                    cost=format_metric("campaign_cost", row["cost_in_scope"]), roi=format_metric("campaign_roi", row["roi"]),
                ))
                contacts_tab, leads_tab, sales_tab = st.tabs([pgettext("tab", "Contacts"), pgettext("tab", "Leads"),
                                                              pgettext("tab", "Sales")])
                with contacts_tab:
                    key = f"contacts_page_{chosen}"
                    rows = data.load("campaign_contacts_list", filters, campaign_id=chosen, window_days=window_days, page=page_of(key))
                    show_page(rows, _("Contacts (treatment and control)"), "campaign_contacts_list", key, filters, as_of,
                              empty=_("No contacts of this campaign in this scope."))
                with leads_tab:
                    # Every lead of the campaign, whenever it was created: its funnel is the campaign's, not the period's.
                    all_dates = replace(filters, start_on=date(1900, 1, 1), end_on=as_of)
                    campaign_funnel = data.load("funnel_stages", all_dates, campaign_id=chosen).filter(pl.col("level") == "all")
                    if not campaign_funnel.is_empty():
                        charts.show(cmp.funnel_chart(campaign_funnel.row(0, named=True),
                                                     _("Leads of {campaign}").format(campaign=names[chosen]), 320),
                                    key="campaign_funnel_chart")
                        components.rows_and_sql(campaign_funnel, "funnel_stages", _("Campaign lead funnel"), all_dates, as_of,
                                                key="campaign_funnel")
                    key = f"leads_page_{chosen}"
                    rows = data.load("campaign_leads_list", filters, campaign_id=chosen, page=page_of(key))
                    show_page(rows, pgettext("tab", "Leads"), "campaign_leads_list", key, filters, as_of,
                              empty=_("No leads of this campaign in this scope."))
                with sales_tab:
                    st.caption(_("Sales that any rule credits to this campaign, and which rules do."))
                    key = f"sales_page_{chosen}"
                    rows = data.load("campaign_sales_list", filters, campaign_id=chosen, window_days=window_days, page=page_of(key))
                    show_page(rows, pgettext("tab", "Sales"), "campaign_sales_list", key, filters, as_of,
                              empty=_("No sales credited to this campaign in this scope."))

# ---- campaigns while they run: spend and responses to date, an early read of the lift ----
with tab_running:
    if tab_running.open:
        read_on = min(filters.end_on, as_of)
        running = data.load("campaigns_running", filters, window_days=window_days)
        st.caption(_("Campaigns in progress on {day} (started, not yet ended), counted as they stood at the end of that "
                     "day. End the period earlier to see them on an earlier day.").format(day=formats.day(read_on)))
        if running.is_empty():
            components.empty_state(_("No campaign was running on {day} in this scope. To see one as it stood part-way "
                                     "through, end the period on a day inside its dates.").format(day=formats.day(read_on)))
        else:
            st.markdown(cmp.running_sentence(running))
            st.caption(_("Spend to date is an estimate: the data holds each campaign's whole cost, not its spending by "
                         "day, so the cost is spread evenly over the campaign's days (days gone / campaign days)."))
            charts.show(cmp.spend_chart(running), key="running_spend_chart")
            tables.show(cmp.running_table(running), key="running_table", answer=cmp.RUNNING_ANSWER,
                        labels={"cost_in_scope": _("Spent to date (estimated)"), "count_treatment": _("Contacted so far"),
                                "count_treatment_responders": _("Responses so far"), "count_leads": _("Leads so far"),
                                "count_sales": _("Sales so far")})

            st.subheader(_("Early read: the window is still open"))
            lifts = lift.campaign_lift(running)
            st.markdown(cmp.early_lift_sentence(lifts))
            st.warning(_("An early read: the contacts made last have had only days to respond or buy, and contacts are "
                         "still being made. The intervals are honest about the numbers so far, but a verdict can change "
                         "before the campaign ends."), icon="⏳")
            tables.show(cmp.lift_table(lifts), key="running_lift_table", answer=cmp.LIFT_ANSWER)
            with st.expander(_("How this is worked out")):
                st.markdown(_(
                    "As for a finished campaign: the lift is the contacted group's rate minus the control group's, with "
                    "a 95% interval by Newcombe's hybrid score method. Both groups are counted from their contact day "
                    "to {window} days after it, but no later than {day}: a purchase after that day has not happened "
                    "yet. Spend to date = the campaign's cost in scope x days gone / campaign days; incremental ROI is "
                    "measured against that spend."
                ).format(window=formats.number(window_days), day=formats.day(read_on)))
            components.rows_and_sql(lifts, "campaigns_running", _("Campaigns running now"), filters, as_of,
                                    key="campaigns_running")

# ---- the lead funnel ----
with tab_funnel:
    if tab_funnel.open:
        stages = data.load("funnel_stages", filters, campaign_id=None)
        if stages.is_empty():
            components.empty_state(_("No leads were created in this period and scope."))
        else:
            overall = stages.filter(pl.col("level") == "all").row(0, named=True)
            channels = stages.filter(pl.col("level") == "channel")
            st.markdown(cmp.funnel_sentence(overall, channels))
            cols = [*st.columns(2), *st.columns(2)]   # two rows: four across cut the labels short
            cols[0].metric(_("Leads created"), fmt(overall["count_created"], "count"), border=True)
            cols[1].metric(_("Lead conversion (n={count} closed)").format(count=formats.number(overall["count_won"] + overall["count_lost"])),
                           format_metric("lead_conversion", overall["lead_conversion"]),
                           help=_(METRICS["lead_conversion"].definition), border=True)
            cols[2].metric(_("Speed to lead (n={count})").format(count=formats.number(overall["count_contacted"])),
                           format_metric("speed_to_lead", overall["median_hours_to_contact"]),
                           help=_(METRICS["speed_to_lead"].definition), border=True)
            cols[3].metric(_("Still open"), fmt(overall["count_open"], "count"), border=True)

            left, right = st.columns(2)
            with left:
                charts.show(cmp.funnel_chart(overall, _("All leads: created → won"), 380), key="funnel_chart")
            with right:
                steps = channels.unpivot(index="source_channel", on=cmp.STEP_RATES, variable_name="step", value_name="conversion")
                # Across, not up: the step names read whole on a phone (upright, they were turned and cut).
                fig = cmp.by_colour(steps, "step", "conversion", "source_channel", order=cmp.STEP_RATES, y_format=":.0%",
                                    names={c: cmp.channel_label(c) for c in channels["source_channel"].to_list()},
                                    x_names={c: cmp.step_label(c) for c in cmp.STEP_RATES}, orientation="h")
                fig.update_layout(barmode="group", legend_traceorder="normal")
                fig.update_xaxes(tickformat=".0%", title_text=_("Conversion"))
                charts.show(charts.finish(fig, _("Conversion at each step, by source channel"), height=520),
                            key="funnel_steps_chart")
            tables.show(channels.drop("level", "dealer_id", "dealer_name", "region"), key="funnel_channels_table",
                        answer=["source_channel", "lead_conversion", "count_created", "count_won", "median_hours_to_contact"])
            components.rows_and_sql(stages, "funnel_stages", _("Lead funnel"), filters, as_of, key="funnel_stages")

            st.markdown(_("**By dealer** (worst conversion first; dealers with fewer than 30 closed leads last)"))
            dealers = stages.filter(pl.col("level") == "dealer").with_columns(
                is_small_sample=(pl.col("count_won") + pl.col("count_lost")) < 30
            ).sort(["is_small_sample", "lead_conversion"], nulls_last=True)
            tables.show(
                dealers.select("dealer_name", "lead_conversion", "count_created", "count_won", "is_small_sample", "region",
                               "dealer_id", "count_contacted", "count_test_drive", "count_quoted", "contacted_rate",
                               "test_drive_rate", "quoted_rate", "won_rate", "median_hours_to_contact"),
                key="funnel_dealers_table", height=320,
                answer=["dealer_name", "lead_conversion", "count_created", "count_won", "is_small_sample"],
            )

            st.subheader(_("Why leads are lost"))
            lost = data.load("lead_lost_reasons", filters)
            if lost.is_empty():
                components.empty_state(_("No lost leads in this period and scope."))
            else:
                channel_names = {c: cmp.channel_label(c) for c in lost["source_channel"].unique().to_list()}
                step_names = {s: pgettext("lead_step", s) for s in lost["last_step"].drop_nulls().unique().to_list()}
                left, right = st.columns(2)
                with left:
                    by_reason = lost.group_by("source_channel", "lost_reason").agg(pl.col("count_lost").sum())
                    fig = cmp.by_colour(by_reason, "source_channel", "count_lost", "lost_reason", x_names=channel_names,
                                        order=by_reason.group_by("source_channel").agg(pl.col("count_lost").sum())
                                        .sort("count_lost", descending=True)["source_channel"].to_list())
                    fig.update_layout(barmode="stack")
                    fig.update_yaxes(title_text=_("Lost leads"))
                    charts.show(charts.finish(fig, _("Lost leads by reason and source channel"), height=420),
                                key="lost_reason_chart")
                with right:
                    by_step = lost.group_by("last_step", "lost_reason").agg(pl.col("count_lost").sum())
                    fig = cmp.by_colour(by_step, "last_step", "count_lost", "lost_reason", order=cmp.LOST_STEPS,
                                        x_names=step_names)
                    fig.update_layout(barmode="stack")
                    fig.update_yaxes(title_text=_("Lost leads"))
                    charts.show(charts.finish(fig, _("Where in the funnel they were lost (last step reached)"), height=420),
                                key="lost_step_chart")
                components.rows_and_sql(lost, "lead_lost_reasons", _("Lost leads"), filters, as_of, key="lead_lost_reasons")

            st.subheader(_("Conversion over time"))
            monthly = data.load("funnel_monthly", filters)
            months = sorted(monthly["month"].unique().to_list())
            fig = cmp.by_colour(
                monthly, "month", "lead_conversion", "source_channel", kind="line", order=months, y_format=":.0%",
                names={c: cmp.channel_label(c) for c in monthly["source_channel"].unique().to_list()},
                x_names={m: formats.month(m) for m in months},
                hover={"count_created": _("Created"), "count_closed": _("Closed"), "count_won": _("Won")},
            )
            fig.update_yaxes(tickformat=".0%", title_text=_("Lead conversion"))
            charts.show(charts.finish(fig, _("Won / closed leads by month of creation (recent months still provisional)"),
                                      height=440), key="funnel_trend_chart")
            components.rows_and_sql(monthly, "funnel_monthly", _("Lead conversion by month"), filters, as_of, key="funnel_monthly")


# ---- budget what-if ----
@st.fragment
def budget_what_if(rates: pl.DataFrame) -> None:
    # The inputs are in thousands: the measured spend is offered rounded to them.
    measured = {r["channel"]: float(round(r["cost"] / 1000.0)) for r in rates.iter_rows(named=True)}

    def reset() -> None:
        st.session_state.update({f"budget_{c}": v for c, v in measured.items()})

    cols = st.columns(len(measured))
    budgets = {}
    for col, (channel, spent) in zip(cols, measured.items()):
        budgets[channel] = 1000.0 * col.number_input(
            _("{channel} (¥k)").format(channel=pgettext("channel", channel)), min_value=0.0, value=spent, step=50.0,
            format="%.0f", key=f"budget_{channel}", help=_("Measured spend in the period: {money}").format(money=fmt(1000.0 * spent, "money")),
        )
    st.button(_("Reset to the measured spend"), on_click=reset, key="budget_reset")
    total, spent_total = sum(budgets.values()), 1000.0 * sum(measured.values())
    st.caption(_("Total {total} against {measured} measured ({difference}).").format(
        total=fmt(total, "money"), measured=fmt(spent_total, "money"),
        difference=("+" if total >= spent_total else "-") + fmt(abs(total - spent_total), "money")))
    projection = budget.project(rates, budgets)
    headline = cmp.budget_sentence(projection)
    if headline:
        st.markdown(headline)
    st.warning(_(
        "**Projection, not a forecast.** Leads = budget / the channel's measured cost per lead; sales = leads x its "
        "measured share of closed leads won. It assumes more spend buys leads at the same price and that they convert "
        "as before."
    ), icon="⚠️")
    with st.expander(_("How this is worked out")):
        st.markdown(_(
            "The ranges are 80% and 95% intervals, simulated from the uncertainty of the measured rates (a Gamma for "
            "leads per yuan, widened by the spread between a channel's campaigns; a Beta for the conversion), and "
            "from chance (Poisson leads, binomial sales)."
        ))
    projected = projection.filter(pl.col("expected_leads").is_not_null() & (pl.col("channel") != cmp.ALL_CHANNELS))
    if not projected.is_empty():
        fig = go.Figure()
        shown_channels = [cmp.channel_label(c) for c in projected["channel"].to_list()]
        for name, text, colour in (("leads", _("Expected leads"), charts.SECOND), ("sales", _("Expected sales"), charts.MAIN)):
            low, high = projected[f"{name}_low_95"].to_list(), projected[f"{name}_high_95"].to_list()
            fig.add_bar(
                x=shown_channels, y=projected[f"expected_{name}"].to_list(), name=text, marker_color=colour,
                customdata=[(formats.number(lo), formats.number(hi)) for lo, hi in zip(low, high)],
                hovertemplate="%{x}<br>" + text + ": %{y:,.0f}<br>"
                              + _("95% range: {low} to {high}").format(low="%{customdata[0]}", high="%{customdata[1]}")
                              + "<extra></extra>",
            )
        fig.update_layout(barmode="group")
        charts.bar_labels(fig, "%{y:,.0f}")
        charts.show(charts.finish(fig, _("Projected leads and sales by channel"), height=400), key="budget_chart")
    tables.show(cmp.budget_table(projection), key="budget_table", answer=cmp.BUDGET_ANSWER)
    components.rows_and_sql(projection, "budget_channel_rates", _("Budget what-if"), filters, as_of, key="budget_channel_rates")


with tab_budget:
    if tab_budget.open:
        rates = data.load("budget_channel_rates", filters)
        if rates.is_empty():
            components.empty_state(_("No acquisition or promotion campaign ended in this period and scope: nothing to project from."))
        else:
            st.caption(_("Measured on the acquisition and promotion campaigns that ended in the period, in this scope."))
            budget_what_if(rates)
