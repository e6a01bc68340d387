"""Customer 360: one customer's whole history on one timeline, with their RFM segment, value tier, activity and
expected 12-month value under the global filters. Personal fields are masked unless revealed."""
import plotly.graph_objects as go
import polars as pl
import streamlit as st

from dashboard import components, customer_value, data, export, page, privacy
from dashboard.keys import customer_number, quoted
from dashboard.metrics import ACTIVITY_STATUSES, METRICS, RFM_SEGMENTS, fmt, format_metric

filters, as_of = page.context()
first_on = data.mart_info()["first_sale_on"][0] or as_of
PICK_ROWS = 100

st.title("Customer 360")


def pick_customer() -> None:
    """A customer chosen from a segment's list becomes the one shown (and the link's customer_id)."""
    picked = st.session_state["c360_pick"]
    if picked is not None:
        st.session_state["customer_id"] = str(picked)
    st.session_state["c360_pick"] = None


left, right = st.columns([1, 2])
typed = left.text_input("Customer number", key="customer_id", bind="query-params", placeholder="e.g. C00001324")
with right.expander("Or pick a customer from a segment's list", expanded=not typed):
    a, b = st.columns(2)
    segment = a.selectbox("RFM segment", list(RFM_SEGMENTS), index=None, key="c360_segment", placeholder="Choose a segment")
    choices = []
    if segment:
        choices = data.load("segment_customers", filters, segment=segment, tier=None).head(PICK_ROWS)["customer_id"].to_list()
    b.selectbox(f"Customer (the {PICK_ROWS} with the most revenue)", choices, index=None, key="c360_pick",
                placeholder="Choose a customer", on_change=pick_customer, disabled=not segment)
access = data.current_access()
with st.expander("Personal fields"):
    reveal, reason = privacy.reveal_controls(access)

customer_id = customer_number(typed)
if customer_id is None:
    if (typed or "").strip():
        st.warning(f"{quoted(typed)} is not a customer number.", icon="⚠️")
    else:
        components.empty_state("Enter a customer number, or pick a customer from a segment's list.")
    st.stop()

profile = data.load("customer_360_profile", customer_id=customer_id, reveal=reveal)
if profile.is_empty():
    st.warning(f"There is no customer {quoted(customer_id)} in this mart.", icon="⚠️")
    st.stop()
p = profile.row(0, named=True)

st.subheader(f"Customer {customer_id} · {p['customer_type']} · home dealer {p['home_dealer_name'] or '—'}"
             + (f" ({p['home_region']})" if p["home_region"] else ""))
if reveal:
    privacy.log_reveal(access, customer_id, reason)
    st.caption("Personal fields are shown: handle them under the data protection policy. This reveal is in the audit log.")

cols = st.columns(5)
cols[0].metric("Revenue to date", fmt(p["customer_revenue"], "money"), border=True,
               help="Sales and service revenue over the customer's whole history.")
cols[1].metric("Vehicles bought", f"{p['units']:,}", delta=f"{p['count_sales']:,} sales", delta_color="off", delta_arrow="off", border=True)
cols[2].metric("Service visits", f"{p['count_service_visits']:,}", border=True)
cols[3].metric("Complaints", f"{p['count_complaints']:,}", delta=f"{p['count_open_complaints']:,} open", delta_color="off", delta_arrow="off", border=True)
cols[4].metric(f"Survey mean (n={p['count_surveys']:,})", fmt(p["csat"], "score"), border=True)

scores = data.load("customer_360_scores", filters, customer_id=customer_id).row(0, named=True)

st.markdown("**Under the current filters**" + f" ({filters.describe()})")
if not scores["is_in_scope"]:
    st.info("This customer is outside the filtered scope (home dealer, segment, channel or product): no segment, "
            "tier or value is computed for them under these filters. Their history below is complete.", icon="ℹ️")
else:
    # The view's lifetime-value model: fitted once per filters (cached), so the next customer costs nothing.
    value = customer_value.customer_value(filters, first_on)
    mine = value.customers.filter(pl.col("customer_id") == customer_id)
    clv_row = mine.row(0, named=True) if mine.height else None
    cols = st.columns(5)
    status = scores["status"]
    cols[0].metric("Activity", status or "no transaction yet", border=True,
                   help=ACTIVITY_STATUSES.get(status, "No sale or service visit by the period's end."))
    cols[1].metric("RFM segment", scores["segment"] or "not active in the period", border=True,
                   help=RFM_SEGMENTS.get(scores["segment"], "No sale or service visit in the period."))
    cols[2].metric("RFM scores (R F M)", " ".join(scores["rfm_code"]) if scores["rfm_code"] else "—", border=True,
                   help=f"Quintiles among the {scores['count_customers_scored']:,} customers scored in the period.")
    cols[3].metric("Value tier", scores["tier"] or "—", border=True,
                   help="A: the customers who together make the first 80% of the period's revenue; B: the next 15%; C: the rest.")
    cols[4].metric(METRICS["clv"].label, format_metric("clv", clv_row["clv"]) if clv_row else "—", border=True,
                   delta=(f"P(active) {format_metric('p_alive', clv_row['p_alive'])}" if clv_row else None), delta_color="off", delta_arrow="off",
                   help=METRICS["clv"].definition)

st.markdown("**Profile**" + ("" if reveal else " (personal fields hidden)"))
shown = profile.select(
    "customer_id", "customer_type", "gender", "birth_year", "province", "city", "income_band", "acquisition_channel",
    "home_dealer_id", "home_dealer_name", "created_on", "first_transacted_on", "last_transacted_on",
    "count_leads", "count_campaign_contacts", "count_campaign_responses", "last_survey_score",
).select(pl.all().cast(pl.String))
if not reveal:
    shown = shown.with_columns(pl.col("gender", "city", "income_band").fill_null("hidden"))
# A static table: st.dataframe's toolbar would offer an unaudited download of the personal fields.
st.table(shown.transpose(include_header=True, header_name="field", column_names=["value"]))
if reveal:
    st.download_button(
        "Download the profile (CSV, audited)",
        lambda: privacy.audited_export(access, export.to_csv(shown, f"Customer {customer_id}", "none", as_of),
                                       customer_id=customer_id, reason=reason, detail="customer_360 profile, 1 row"),
        file_name=f"customer_{customer_id}.csv", mime="text/csv", key="profile_csv", on_click="ignore",
    )

st.subheader("Timeline")
timeline = data.load("customer_360_timeline", customer_id=customer_id)
if timeline.is_empty():
    components.empty_state("Nothing has happened with this customer yet: no purchase, visit, lead, contact, complaint or survey.")
else:
    chart = timeline.with_columns(
        label=pl.col("event") + ": " + pl.col("detail").fill_null("")
        + pl.when(pl.col("amount").is_not_null()).then(pl.lit(" · ¥") + pl.col("amount").round(0).cast(pl.Int64).cast(pl.String)).otherwise(pl.lit(""))
        + pl.when(pl.col("score").is_not_null()).then(pl.lit(" · score ") + pl.col("score").cast(pl.String)).otherwise(pl.lit("")),
    )
    categories = ["purchase", "service", "lead", "campaign", "complaint", "survey"]
    fig = go.Figure()
    for category in categories:
        part = chart.filter(pl.col("category") == category)
        fig.add_scatter(
            x=part["event_at"].to_list(), y=part["category"].to_list(), mode="markers", name=category,
            marker={"size": 11, "opacity": 0.8},
            customdata=part.select("label", pl.col("dealer_name").fill_null(""), "reference").rows(),
            hovertemplate="%{x|%Y-%m-%d %H:%M}<br>%{customdata[0]}<br>%{customdata[1]} · %{customdata[2]}<extra></extra>",
        )
    fig.update_layout(title=f"Everything that happened with customer {customer_id}",
                      yaxis={"categoryorder": "array", "categoryarray": categories[::-1]})
    fig.add_vrect(x0=str(filters.start_on), x1=str(filters.end_on), fillcolor="grey", opacity=0.08, line_width=0,
                  annotation_text="filter period", annotation_position="top left")
    fig.update_layout(height=380, showlegend=False)
    st.plotly_chart(fig, key="timeline_chart")
    st.dataframe(timeline, hide_index=True, width="stretch", key="timeline_table",
                 column_config={"amount": st.column_config.NumberColumn(format="localized")})
    components.rows_and_sql(timeline, "customer_360_timeline", f"Customer {customer_id} timeline", None, as_of, key="timeline")
