"""Customer 360: one customer's whole history on one timeline, with their RFM segment, value tier, activity and
expected 12-month value under the global filters. Personal fields are masked unless revealed."""
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
    privacy,
    segments,
    tables,
)
from dashboard.columns import column
from dashboard.i18n import _, pgettext
from dashboard.keys import customer_number, quoted
from dashboard.metrics import (
    ACTIVITY_STATUSES,
    METRICS,
    RFM_SEGMENTS,
    fmt,
    format_metric,
)

filters, as_of = page.context()
first_on = data.mart_info()["first_sale_on"][0] or as_of
PICK_ROWS = 100
PROFILE_FIELDS = ["customer_id", "customer_type", "gender", "birth_year", "province", "city", "income_band",
                  "acquisition_channel", "home_dealer_id", "home_dealer_name", "created_on", "first_transacted_on",
                  "last_transacted_on", "count_leads", "count_campaign_contacts", "count_campaign_responses",
                  "last_survey_score"]

st.title(_("Customer 360"))


def pick_customer() -> None:
    """A customer chosen from a segment's list becomes the one shown (and the link's customer_id)."""
    picked = st.session_state["c360_pick"]
    if picked is not None:
        st.session_state["customer_id"] = str(picked)
    st.session_state["c360_pick"] = None


left, right = st.columns([1, 2])
typed = left.text_input(_("Customer number"), key="customer_id", bind="query-params", placeholder=_("e.g. C00001324"))
with right.expander(_("Or pick a customer from a segment's list"), expanded=not typed):
    a, b = st.columns(2)
    labels = segments.segment_labels()
    segment = a.selectbox(_("RFM segment"), list(RFM_SEGMENTS), index=None, key="c360_segment",
                          placeholder=_("Choose a segment"), format_func=labels.get)
    choices = []
    if segment:
        choices = data.load("segment_customers", filters, segment=segment, tier=None).head(PICK_ROWS)["customer_id"].to_list()
    b.selectbox(_("Customer (the {rows} with the most revenue)").format(rows=PICK_ROWS), choices, index=None, key="c360_pick",
                placeholder=_("Choose a customer"), on_change=pick_customer, disabled=not segment)
access = data.current_access()
with st.expander(_("Personal fields")):
    reveal, reason = privacy.reveal_controls(access)

customer_id = customer_number(typed)
if customer_id is None:
    if (typed or "").strip():
        st.warning(_("{value} is not a customer number.").format(value=quoted(typed)), icon="⚠️")
    else:
        components.empty_state(_("Enter a customer number, or pick a customer from a segment's list."))
    st.stop()

profile = data.load("customer_360_profile", customer_id=customer_id, reveal=reveal)
if profile.is_empty():
    st.warning(_("There is no customer {value} in this mart.").format(value=quoted(customer_id)), icon="⚠️")
    st.stop()
p = profile.row(0, named=True)

# The heading stays short (a long dealer name wrapped it over four lines on a phone): the dealer has its own line.
st.subheader(_("Customer {number}").format(number=customer_id))
who = pgettext("customer_type", p["customer_type"]) if p["customer_type"] else formats.EMPTY
st.markdown((f"{who} · {p['home_region']}" if p["home_region"] else who) + "  \n"
            + _("Home dealer: {dealer}").format(dealer=p["home_dealer_name"] or formats.EMPTY))
if reveal:
    privacy.log_reveal(access, customer_id, reason)
    st.caption(_("Personal fields are shown: handle them under the data protection policy. This reveal is in the audit log."))

cols = st.columns(5)
cols[0].metric(_("Revenue to date"), fmt(p["customer_revenue"], "money"), border=True,
               help=_("Sales and service revenue over the customer's whole history."))
cols[1].metric(_("Vehicles bought"), formats.number(p["units"]), border=True, delta_color="off", delta_arrow="off",
               delta=_("{count} sales").format(count=formats.number(p["count_sales"])))
cols[2].metric(_("Service visits"), formats.number(p["count_service_visits"]), border=True)
cols[3].metric(_("Complaints made"), formats.number(p["count_complaints"]), border=True, delta_color="off", delta_arrow="off",
               delta=_("{count} open").format(count=formats.number(p["count_open_complaints"])))
cols[4].metric(_("Survey mean (n={count})").format(count=formats.number(p["count_surveys"])), fmt(p["csat"], "score"),
               border=True)

scores = data.load("customer_360_scores", filters, customer_id=customer_id).row(0, named=True)

st.markdown(_("**Under the current filters** ({filters})").format(filters=filter_bar.describe(filters)))
if not scores["is_in_scope"]:
    st.info(_("This customer is outside the filtered scope (home dealer, segment, channel or product): no segment, "
              "tier or value is computed for them under these filters. Their history below is complete."), icon="ℹ️")
else:
    # The view's lifetime-value model: fitted once per filters (cached), so the next customer costs nothing.
    value = customer_value.customer_value(filters, first_on)
    mine = value.customers.filter(pl.col("customer_id") == customer_id)
    clv_row = mine.row(0, named=True) if mine.height else None
    cols = st.columns(5)
    status, segment_now = scores["status"], scores["segment"]
    cols[0].metric(_("Activity"), pgettext("status", status) if status else _("no transaction yet"), border=True,
                   help=_(ACTIVITY_STATUSES[status]) if status in ACTIVITY_STATUSES
                   else _("No sale or service visit by the period's end."))
    cols[1].metric(_("RFM segment"), segments.segment_name(segment_now) if segment_now else _("not active in the period"),
                   border=True, help=_(RFM_SEGMENTS[segment_now]) if segment_now in RFM_SEGMENTS
                   else _("No sale or service visit in the period."))
    cols[2].metric(_("RFM scores (R F M)"), " ".join(scores["rfm_code"]) if scores["rfm_code"] else formats.EMPTY, border=True,
                   help=_("Quintiles among the {count} customers scored in the period (5 = the best fifth).").format(
                       count=formats.number(scores["count_customers_scored"])))
    cols[3].metric(_("Value tier"), scores["tier"] or formats.EMPTY, border=True,
                   help=_("A: the customers who together make the first 80% of the period's revenue; B: the next 15%; "
                          "C: the rest."))
    cols[4].metric(_(METRICS["clv"].label), format_metric("clv", clv_row["clv"]) if clv_row else formats.EMPTY, border=True,
                   # short, so the share is not cut off in a fifth of a wide page ("Probability still active…")
                   delta=(_("{share} still active").format(share=format_metric("p_alive", clv_row["p_alive"]))
                          if clv_row else None), delta_color="off", delta_arrow="off", help=_(METRICS["clv"].definition))
    note = segments.status_note(status, segment_now, clv_row["p_alive"] if clv_row else None,
                                clv_row["count_repeat"] if clv_row else None, filters.end_on)
    if note:
        st.info(note, icon="ℹ️")

st.markdown(_("**Profile**") if reveal else _("**Profile** (personal fields hidden)"))
shown = profile.select(PROFILE_FIELDS)
HIDDEN = _("hidden")


def shown_value(field: str, value) -> str:
    """A profile value as a person reads it; a masked personal field says so."""
    if value is None:
        return HIDDEN if field in privacy.PERSONAL_FIELDS and not reveal else formats.EMPTY
    if field == "customer_type":
        return pgettext("customer_type", value)
    if field == "gender":
        return pgettext("gender", value)
    if field == "acquisition_channel":
        return pgettext("channel", value)
    if field == "birth_year" and str(value).endswith("s"):   # masked: the decade only
        return _("{decade}s").format(decade=str(value)[:-1])
    if field.endswith("_on"):
        return formats.day(value)
    if isinstance(value, int):
        return formats.number(value)
    return str(value)


FIELD, VALUE = _("Field"), _("Value")
table = pl.DataFrame({FIELD: [_(column(f).label) for f in PROFILE_FIELDS],
                      VALUE: [shown_value(f, shown[f][0]) for f in PROFILE_FIELDS]})
# A static table: st.dataframe's toolbar would offer an unaudited download of the personal fields.
st.table(table)
if reveal:
    st.download_button(
        _("Download the profile (CSV, audited)"),
        lambda: privacy.audited_export(access, export.to_csv(table, _("Customer {number}").format(number=customer_id),
                                                             _("none"), as_of),
                                       customer_id=customer_id, reason=reason, detail="customer_360 profile, 1 row"),
        file_name=f"customer_{customer_id}.csv", mime="text/csv", key="profile_csv", on_click="ignore",
    )

st.subheader(_("Timeline"))
timeline = data.load("customer_360_timeline", customer_id=customer_id)
if timeline.is_empty():
    components.empty_state(_("Nothing has happened with this customer yet: no purchase, visit, lead, contact, complaint or survey."))
else:
    charts.show(segments.timeline_chart(timeline, filters.start_on, filters.end_on), key="timeline_chart")
    readable = segments.timeline_rows(timeline).with_columns(
        timeline_kind=pl.col("category").replace_strict(segments.timeline_names(), default=pl.col("category"),
                                                        return_dtype=pl.String))
    tables.show(readable.drop("category"), key="timeline_table",
                answer=["event_at", "event", "detail", "amount", "score"])
    components.rows_and_sql(timeline, "customer_360_timeline", _("Customer {number} timeline").format(number=customer_id),
                            None, as_of, key="timeline")
