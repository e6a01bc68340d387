"""Campaign ROI and leads: did a campaign pay back, what did it add beyond its holdout arm, how much the answer
depends on the attribution rule; the lead funnel by channel and dealer; and a what-if for the budget."""
import math
from dataclasses import replace
from datetime import date

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from analytics import budget, lift
from dashboard import components, data, page
from dashboard.metrics import METRICS, fmt, format_metric

RULES = {"recorded": "Recorded (sales.campaign_id)", "last_touch": "Last touch", "first_touch": "First touch"}
VERDICT_COLOURS = {lift.PROVEN: "#2ca02c", lift.NOT_PROVEN: "#9a9a9a", lift.NEGATIVE: "#d62728", lift.NO_CONTROL: "#c9c9c9"}
STEPS = [("count_created", "created"), ("count_contacted", "contacted"), ("count_test_drive", "test drive"),
         ("count_quoted", "quoted"), ("count_won", "won")]
STEP_RATES = [("contacted_rate", "created → contacted"), ("test_drive_rate", "contacted → test drive"),
              ("quoted_rate", "test drive → quoted"), ("won_rate", "quoted → won")]
PAGE_SIZE = 100  # the LIMIT of the *_list datasets

filters, as_of = page.context()

st.title("Campaign ROI and leads")
st.caption(filters.describe() + " · campaigns that ended in the period; their leads and sales whenever they came")

window_days = int(st.number_input(
    "Attribution window (days)", min_value=1, max_value=365, value=30, step=1, key="window_days", bind="query-params",
    help="A sale is credited to a campaign touch (a treatment contact, its response, a campaign lead) at most this "
         "many days before it, under the last- and first-touch rules; the lift counts a contact as a buyer if they "
         "bought within this many days of the contact.",
))

tab_campaigns, tab_funnel, tab_budget = st.tabs(
    ["Campaigns", "Lead funnel", "Budget what-if"], key="campaign_tab", bind="query-params",
)


def label(row: dict) -> str:
    return f"{row['campaign_name'] or 'campaign'} (#{row['campaign_id']})"


def interval_text(value, low, high, unit: str) -> str:
    if value is None or low is None or high is None:
        return "—"
    return f"{fmt(value, unit)} ({fmt(low, unit)} to {fmt(high, unit)})"


def pick_campaign_from_chart() -> None:
    points = st.session_state["lift_chart"].selection.points
    if points:
        st.session_state["campaign"] = str(points[0]["customdata"][0])


def by_colour(frame: pl.DataFrame, x: str, y: str, colour: str, kind: str = "bar", order: list | None = None,
              hover: list[str] | None = None) -> go.Figure:
    """One trace per value of `colour` (plain graph_objects: plotly.express costs a tenth of a second a chart)."""
    fig = go.Figure()
    for (value,), part in frame.sort(colour).group_by(colour, maintain_order=True):
        if order:
            part = part.with_columns(pl.col(x).replace_strict({v: i for i, v in enumerate(order)}, default=len(order)).alias("_order")).sort("_order")
        else:
            part = part.sort(x)
        custom = part.select(hover).rows() if hover else None
        template = "<br>".join(f"{h}: %{{customdata[{i}]}}" for i, h in enumerate(hover)) if hover else None
        trace = dict(x=part[x].to_list(), y=part[y].to_list(), name=str(value), customdata=custom,
                     hovertemplate=(f"{value}<br>%{{x}}: %{{y}}<br>{template}<extra></extra>" if hover else None))
        if kind == "bar":
            fig.add_trace(go.Bar(**trace))
        else:
            # The total stands out from its parts.
            line = {"color": "black", "width": 3} if value == "all" else None
            fig.add_trace(go.Scatter(mode="lines+markers", line=line, **trace))
    if order:
        fig.update_xaxes(categoryorder="array", categoryarray=order)
    return fig


def page_of(key: str) -> int:
    """The page a pager shows (1 before it is first drawn): read before the query, drawn under the table."""
    return int(st.session_state.get(key) or 1)


def show_page(rows: pl.DataFrame, title: str, dataset: str, key: str) -> None:
    """One page of a long list, the pager under it, and the rows and SQL behind it."""
    total = int(rows["count_rows"][0]) if len(rows) else 0
    if total == 0:
        components.empty_state(f"No {title.lower()} in this scope.")
        return
    pages = max(1, math.ceil(total / PAGE_SIZE))
    st.caption(f"{title}: {total:,} in all, {PAGE_SIZE} to a page")
    st.dataframe(rows.drop("count_rows"), hide_index=True, width="stretch", height=280)
    if pages > 1:
        st.pagination(pages, key=key)
    components.rows_and_sql(rows, dataset, title, filters, as_of, key=key)


# ---- campaigns: ROI, lift from the control arm, attribution rules, drill-down ----
with tab_campaigns:
    if tab_campaigns.open:
        campaigns = data.load("campaign_results", filters)
        if campaigns.is_empty():
            components.empty_state("No campaign ended in this period and scope: widen the period, or load campaigns.")
        else:
            attribution = data.load("campaign_attribution", filters, window_days=window_days)
            totals = {r["rule"]: r for r in attribution.filter(pl.col("campaign_id").is_null()).iter_rows(named=True)}
            recorded = totals["recorded"]
            cols = st.columns(5)
            cols[0].metric(f"Campaign cost (n={len(campaigns):,} campaigns)", format_metric("campaign_cost", recorded["cost_in_scope"]),
                           help=METRICS["campaign_cost"].definition, border=True)
            cols[1].metric("Attributed gross margin", format_metric("attributed_margin", recorded["attributed_margin"]),
                           help=METRICS["attributed_margin"].definition, border=True)
            for col, rule in zip(cols[2:], RULES):
                col.metric(f"ROI, {RULES[rule].split(' (')[0].lower()}", format_metric("campaign_roi", totals[rule]["roi"]),
                           help=METRICS["campaign_roi"].definition, border=True)

            st.subheader("Did each campaign pay back?")
            st.dataframe(
                campaigns.drop("cost_share", "target_region"), hide_index=True, width="stretch",
                column_config={
                    "start_on": st.column_config.DateColumn(format="YYYY-MM-DD"),
                    "end_on": st.column_config.DateColumn(format="YYYY-MM-DD"),
                    "budget": st.column_config.NumberColumn(format="localized"),
                    "actual_cost": st.column_config.NumberColumn(format="localized"),
                    "cost_in_scope": st.column_config.NumberColumn(format="localized"),
                    "attributed_revenue": st.column_config.NumberColumn(format="localized"),
                    "attributed_margin": st.column_config.NumberColumn(format="localized"),
                    "cost_per_lead": st.column_config.NumberColumn(format="localized"),
                    "cost_per_sale": st.column_config.NumberColumn(format="localized"),
                    "roi": st.column_config.NumberColumn("ROI", format="percent"),
                },
            )
            components.rows_and_sql(campaigns, "campaign_results", "Campaigns", filters, as_of, key="campaign_results")

            st.subheader("What did it add? Lift from the control arm")
            lifts = lift.campaign_lift(data.load("campaign_lift", filters, window_days=window_days))
            if lifts.is_empty():
                components.empty_state("None of these campaigns has contacts in this scope, so there is no holdout to compare.")
            else:
                st.caption(
                    "Treatment minus control, with 95% intervals (Newcombe). A lift whose interval includes zero is "
                    "**not proven**, whatever its point estimate. A buyer made a sale in the filtered scope within the "
                    "window from the contact day."
                )
                shown = lifts.select(
                    pl.struct(["campaign_name", "campaign_id"]).map_elements(label, return_dtype=pl.String).alias("campaign"),
                    "count_treatment", "count_control",
                    "treatment_response_rate", "control_response_rate",
                    pl.struct(["response_lift", "response_lift_low", "response_lift_high"]).map_elements(
                        lambda r: interval_text(r["response_lift"], r["response_lift_low"], r["response_lift_high"], "points"),
                        return_dtype=pl.String).alias("response lift (95% CI)"),
                    pl.col("response_verdict").alias("response"),
                    "treatment_purchase_rate", "control_purchase_rate",
                    pl.struct(["purchase_lift", "purchase_lift_low", "purchase_lift_high"]).map_elements(
                        lambda r: interval_text(r["purchase_lift"], r["purchase_lift_low"], r["purchase_lift_high"], "points"),
                        return_dtype=pl.String).alias("purchase lift (95% CI)"),
                    pl.col("purchase_verdict").alias("purchase"),
                    pl.struct(["incremental_margin", "incremental_margin_low", "incremental_margin_high"]).map_elements(
                        lambda r: interval_text(r["incremental_margin"], r["incremental_margin_low"], r["incremental_margin_high"], "money"),
                        return_dtype=pl.String).alias("incremental margin (95% CI)"),
                    pl.struct(["incremental_roi", "incremental_roi_low", "incremental_roi_high"]).map_elements(
                        lambda r: interval_text(r["incremental_roi"], r["incremental_roi_low"], r["incremental_roi_high"], "ratio"),
                        return_dtype=pl.String).alias("incremental ROI (95% CI)"),
                    "is_window_complete",
                )
                st.dataframe(
                    shown, hide_index=True, width="stretch", key="lift_table",
                    column_config={c: st.column_config.NumberColumn(format="percent") for c in shown.columns if c.endswith("_rate")},
                )
                if not lifts["is_window_complete"].all():
                    st.caption("Some contacts' windows reach past the data's end: their purchases are still to come, in both arms.")

                fig = go.Figure()
                for verdict, colour in VERDICT_COLOURS.items():
                    part = lifts.filter((pl.col("purchase_verdict") == verdict) & pl.col("incremental_margin").is_not_null())
                    if part.is_empty():
                        continue
                    fig.add_scatter(
                        x=part["cost_in_scope"].to_list(), y=part["incremental_margin"].to_list(), mode="markers",
                        name=f"purchase lift {verdict}", marker={"color": colour, "size": 11},
                        error_y={"type": "data", "symmetric": False,
                                 "array": (part["incremental_margin_high"] - part["incremental_margin"]).to_list(),
                                 "arrayminus": (part["incremental_margin"] - part["incremental_margin_low"]).to_list()},
                        customdata=part.select("campaign_id", "campaign_name").rows(),
                        hovertemplate="%{customdata[1]}<br>cost %{x:,.0f}<br>incremental margin %{y:,.0f}<extra></extra>",
                    )
                top = float(lifts["cost_in_scope"].max() or 0)
                fig.add_scatter(x=[0, top], y=[0, top], mode="lines", name="break-even (margin = cost)",
                                line={"dash": "dash", "color": "#555"}, hoverinfo="skip")
                fig.update_layout(title="Cost against incremental margin (bars: 95% interval) — click a campaign to drill in",
                                  xaxis_title="Cost in scope (CNY)", yaxis_title="Incremental gross margin (CNY)", height=460)
                st.plotly_chart(fig, key="lift_chart", on_select=pick_campaign_from_chart, selection_mode="points")
                components.rows_and_sql(lifts, "campaign_lift", "Lift from the control arm", filters, as_of, key="campaign_lift")

            st.subheader("How much does the answer depend on the attribution rule?")
            st.caption(
                f"ROI of each campaign when its sales are credited by the mart's record, or to the customer's last or "
                f"first campaign touch within {window_days} days before the sale. Touch rules credit every purchase "
                f"of a touched customer, including those that would have happened anyway: compare with the lift above."
            )
            per_campaign = attribution.filter(pl.col("campaign_id").is_not_null())
            # Names need not be unique in a loaded mart: the bars go by name and id.
            labelled = per_campaign.with_columns(
                pl.col("rule").replace_strict(RULES),
                pl.struct(["campaign_name", "campaign_id"]).map_elements(label, return_dtype=pl.String).alias("campaign"),
            )
            fig = by_colour(labelled, "campaign", "roi", "rule", order=labelled["campaign"].unique(maintain_order=True).to_list(),
                            hover=["count_sales", "attributed_margin", "cost_in_scope"])
            fig.update_layout(barmode="group", title="ROI by attribution rule", yaxis_tickformat=".0%", height=420)
            st.plotly_chart(fig, key="attribution_chart")
            side_by_side = per_campaign.pivot(on="rule", index=["campaign_id", "campaign_name", "cost_in_scope"], values="roi")
            st.dataframe(side_by_side, hide_index=True, width="stretch",
                         column_config={r: st.column_config.NumberColumn(f"ROI {r.replace('_', ' ')}", format="percent") for r in RULES})
            components.rows_and_sql(attribution, "campaign_attribution", "ROI by attribution rule", filters, as_of, key="campaign_attribution")

            st.subheader("Drill into a campaign")
            names = {r["campaign_id"]: label(r) for r in campaigns.iter_rows(named=True)}
            chosen = st.selectbox(
                "Campaign", list(names), index=None, key="campaign", bind="query-params",
                format_func=lambda c: names.get(c, f"campaign #{c}"), placeholder="Choose a campaign (or click one in the chart)",
            )
            if chosen is not None:
                row = campaigns.filter(pl.col("campaign_id") == chosen).row(0, named=True)
                st.markdown(
                    f"**{names[chosen]}** · {row['campaign_type']} via {row['channel']} · {row['start_on']:%Y-%m-%d} to "
                    f"{row['end_on']:%Y-%m-%d}" + (f" · {row['target_region']}" if row["target_region"] else " · national")
                    + f" · cost in scope {format_metric('campaign_cost', row['cost_in_scope'])}"
                    + f" · ROI {format_metric('campaign_roi', row['roi'])}"
                )
                contacts_tab, leads_tab, sales_tab = st.tabs(["Contacts", "Leads", "Sales"])
                with contacts_tab:
                    key = f"contacts_page_{chosen}"
                    rows = data.load("campaign_contacts_list", filters, campaign_id=chosen, window_days=window_days, page=page_of(key))
                    show_page(rows, "Contacts (treatment and control)", "campaign_contacts_list", key)
                with leads_tab:
                    # Every lead of the campaign, whenever it was created: its funnel is the campaign's, not the period's.
                    all_dates = replace(filters, start_on=date(1900, 1, 1), end_on=as_of)
                    campaign_funnel = data.load("funnel_stages", all_dates, campaign_id=chosen).filter(pl.col("level") == "all")
                    if not campaign_funnel.is_empty():
                        f_row = campaign_funnel.row(0, named=True)
                        fig = go.Figure(go.Funnel(y=[s for _, s in STEPS], x=[f_row[c] for c, _ in STEPS],
                                                  textinfo="value+percent previous"))
                        fig.update_layout(title=f"Leads of {names[chosen]}", height=320)
                        st.plotly_chart(fig, key="campaign_funnel_chart")
                        components.rows_and_sql(campaign_funnel, "funnel_stages", "Campaign lead funnel", all_dates, as_of, key="campaign_funnel")
                    key = f"leads_page_{chosen}"
                    rows = data.load("campaign_leads_list", filters, campaign_id=chosen, page=page_of(key))
                    show_page(rows, "Leads", "campaign_leads_list", key)
                with sales_tab:
                    st.caption("Sales that any rule credits to this campaign, and which rules do.")
                    key = f"sales_page_{chosen}"
                    rows = data.load("campaign_sales_list", filters, campaign_id=chosen, window_days=window_days, page=page_of(key))
                    show_page(rows, "Sales", "campaign_sales_list", key)

# ---- the lead funnel ----
with tab_funnel:
    if tab_funnel.open:
        stages = data.load("funnel_stages", filters, campaign_id=None)
        if stages.is_empty():
            components.empty_state("No leads were created in this period and scope.")
        else:
            overall = stages.filter(pl.col("level") == "all").row(0, named=True)
            cols = st.columns(4)
            cols[0].metric("Leads created", fmt(overall["count_created"], "count"), border=True)
            cols[1].metric(f"Lead conversion (n={overall['count_won'] + overall['count_lost']:,} closed)",
                           format_metric("lead_conversion", overall["lead_conversion"]), help=METRICS["lead_conversion"].definition, border=True)
            cols[2].metric(f"Speed to lead (n={overall['count_contacted']:,})", format_metric("speed_to_lead", overall["median_hours_to_contact"]),
                           help=METRICS["speed_to_lead"].definition, border=True)
            cols[3].metric("Still open", fmt(overall["count_open"], "count"), border=True)

            channels = stages.filter(pl.col("level") == "channel")
            left, right = st.columns(2)
            with left:
                fig = go.Figure(go.Funnel(y=[s for _, s in STEPS], x=[overall[c] for c, _ in STEPS], textinfo="value+percent previous"))
                fig.update_layout(title="All leads: created → won", height=380)
                st.plotly_chart(fig, key="funnel_chart")
            with right:
                steps = channels.unpivot(index="source_channel", on=[c for c, _ in STEP_RATES], variable_name="step", value_name="conversion")
                steps = steps.with_columns(pl.col("step").replace_strict(dict(STEP_RATES)))
                fig = by_colour(steps, "step", "conversion", "source_channel", order=[name for _, name in STEP_RATES])
                fig.update_layout(barmode="group", title="Conversion at each step, by source channel", yaxis_tickformat=".0%", height=380)
                st.plotly_chart(fig, key="funnel_steps_chart")
            st.dataframe(
                channels.drop("level", "dealer_id", "dealer_name", "region"), hide_index=True, width="stretch",
                column_config={c: st.column_config.NumberColumn(format="percent") for c in channels.columns if c.endswith("_rate") or c == "lead_conversion"}
                | {"median_hours_to_contact": st.column_config.NumberColumn("speed to lead (median h)", format="%.1f")},
            )
            components.rows_and_sql(stages, "funnel_stages", "Lead funnel", filters, as_of, key="funnel_stages")

            st.markdown("**By dealer** (worst conversion first; dealers with fewer than 30 closed leads last)")
            dealers = stages.filter(pl.col("level") == "dealer").with_columns(
                is_small_sample=(pl.col("count_won") + pl.col("count_lost")) < 30
            ).sort(["is_small_sample", "lead_conversion"], nulls_last=True)
            st.dataframe(
                dealers.select("dealer_name", "dealer_id", "region", "count_created", "count_contacted", "count_test_drive",
                               "count_quoted", "count_won", "lead_conversion", "contacted_rate", "test_drive_rate",
                               "quoted_rate", "won_rate", "median_hours_to_contact", "is_small_sample"),
                hide_index=True, width="stretch", height=320,
                column_config={c: st.column_config.NumberColumn(format="percent") for c in dealers.columns if c.endswith("_rate") or c == "lead_conversion"}
                | {"median_hours_to_contact": st.column_config.NumberColumn("speed to lead (median h)", format="%.1f")},
            )

            st.subheader("Why leads are lost")
            lost = data.load("lead_lost_reasons", filters)
            if lost.is_empty():
                components.empty_state("No lost leads in this period and scope.")
            else:
                left, right = st.columns(2)
                with left:
                    by_reason = lost.group_by("source_channel", "lost_reason").agg(pl.col("count_lost").sum()).sort("source_channel", "lost_reason")
                    fig = by_colour(by_reason, "source_channel", "count_lost", "lost_reason")
                    fig.update_layout(barmode="stack", title="Lost leads by reason and source channel", yaxis_title="lost leads")
                    st.plotly_chart(fig, key="lost_reason_chart")
                with right:
                    by_step = lost.group_by("last_step", "lost_reason").agg(pl.col("count_lost").sum())
                    fig = by_colour(by_step, "last_step", "count_lost", "lost_reason", order=["created", "contacted", "test drive", "quoted"])
                    fig.update_layout(barmode="stack", title="Where in the funnel they were lost (last step reached)", yaxis_title="lost leads")
                    st.plotly_chart(fig, key="lost_step_chart")
                components.rows_and_sql(lost, "lead_lost_reasons", "Lost leads", filters, as_of, key="lead_lost_reasons")

            st.subheader("Conversion over time")
            monthly = data.load("funnel_monthly", filters)
            fig = by_colour(monthly, "month", "lead_conversion", "source_channel", kind="line",
                            hover=["count_created", "count_closed", "count_won"])
            fig.update_layout(title="Won / closed leads by month of creation (recent months still provisional)",
                              yaxis_tickformat=".0%", yaxis_title="lead conversion", height=420)
            st.plotly_chart(fig, key="funnel_trend_chart")
            components.rows_and_sql(monthly, "funnel_monthly", "Lead conversion by month", filters, as_of, key="funnel_monthly")


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
            f"{channel} (¥k)", min_value=0.0, value=spent, step=50.0, key=f"budget_{channel}",
            help=f"Measured spend in the period: ¥{spent:,.0f}k",
        )
    st.button("Reset to the measured spend", on_click=reset, key="budget_reset")
    total, spent_total = sum(budgets.values()), 1000.0 * sum(measured.values())
    st.caption(f"Total {fmt(total, 'money')} against {fmt(spent_total, 'money')} measured "
               f"({'+' if total >= spent_total else '-'}{fmt(abs(total - spent_total), 'money')}).")
    projection = budget.project(rates, budgets)
    st.warning(
        "**Projection, not a forecast.** Leads = budget / the channel's measured cost per lead; sales = leads x its "
        "measured won / closed rate. It assumes spend buys leads at the measured rate (no saturation) and that "
        "they convert as before. The ranges are 80% and 95% intervals from the uncertainty of those rates, the "
        "spread between campaigns of a channel, and chance.", icon="⚠️",
    )
    projected = projection.filter(pl.col("expected_leads").is_not_null() & (pl.col("channel") != "all channels"))
    if not projected.is_empty():
        fig = go.Figure()
        for name, colour in (("sales", "#1f77b4"), ("leads", "#aec7e8")):
            fig.add_bar(
                x=projected["channel"].to_list(), y=projected[f"expected_{name}"].to_list(), name=f"expected {name}",
                marker_color=colour,
                error_y={"type": "data", "symmetric": False,
                         "array": (projected[f"{name}_high_95"] - projected[f"expected_{name}"]).to_list(),
                         "arrayminus": (projected[f"expected_{name}"] - projected[f"{name}_low_95"]).to_list()},
            )
        fig.update_layout(barmode="group", title="Projected leads and sales by channel (bars: 95% interval)", height=400)
        st.plotly_chart(fig, key="budget_chart")
    st.dataframe(projection, hide_index=True, width="stretch", key="budget_table",
                 column_config={"budget": st.column_config.NumberColumn(format="localized"),
                                "cost_per_lead": st.column_config.NumberColumn(format="localized"),
                                "lead_conversion": st.column_config.NumberColumn(format="percent"),
                                "expected_leads": st.column_config.NumberColumn(format="%.1f"),
                                "expected_sales": st.column_config.NumberColumn(format="%.1f")}
                 | {c: st.column_config.NumberColumn(format="%.0f") for c in projection.columns if c[-3:] in ("_80", "_95")})
    components.rows_and_sql(projection, "budget_channel_rates", "Budget what-if", filters, as_of, key="budget_channel_rates")


with tab_budget:
    if tab_budget.open:
        rates = data.load("budget_channel_rates", filters)
        if rates.is_empty():
            components.empty_state("No acquisition or promotion campaign ended in this period and scope: nothing to project from.")
        else:
            st.caption("Measured on the acquisition and promotion campaigns that ended in the period, in this scope.")
            budget_what_if(rates)
