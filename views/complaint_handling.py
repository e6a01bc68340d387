"""Complaints: which are stuck, at which dealer, past their deadline, and whether HQ and the dealers are getting
faster; every figure as it stood at the end of the "as of" day (or of the period, if that ends earlier)."""
from datetime import date

import plotly.graph_objects as go
import polars as pl
import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from analytics.speed_trend import TOO_FEW_MONTHS, speed_trend
from dashboard import components, data, page
from dashboard.metrics import METRICS, fmt, format_metric

PAST_DUE_COLOR, WITHIN_COLOR, YARDSTICK_COLOR = "#d62728", "#1f77b4", "#7f7f7f"
LIST_BY = {
    "status": "Status (open complaints; closed: the period's)",
    "age_bucket": "Age of open complaints",
    "severity": "Severity (SLA outcome known)",
    "category": "Category",
    "region": "Region",
    "dealer": "Dealer",
}
LIST_LIMIT = 500


def drill(list_by: str, value) -> None:
    """Point the list of complaints at one bar (a chart click or the selectboxes)."""
    st.session_state["complaint_list_by"] = list_by
    st.session_state["complaint_list_value"] = str(value)
    st.session_state["complaint_pick"] = None


def drill_from_chart(chart_key: str, list_by: str):
    def on_select():
        points = st.session_state[chart_key].selection.points
        if points and points[0].get("customdata"):
            drill(list_by, points[0]["customdata"][0])
    return on_select


def drill_from_steps(chart_key: str):
    def on_select():
        points = st.session_state[chart_key].selection.points
        if points and points[0].get("customdata"):
            key, clicked_level = points[0]["customdata"][:2]
            if clicked_level in ("region", "dealer") and key is not None:
                drill(clicked_level, key)
    return on_select


def drill_from_trend():
    """A bar of the backlog over time: the page moves to that day, listing the complaints of that status then."""
    points = st.session_state["status_trend_chart"].selection.points
    if points and points[0].get("customdata"):
        on_date, status = points[0]["customdata"][:2]
        st.session_state["as_of"] = date.fromisoformat(str(on_date)[:10])
        drill("status", status)


def tiles(names: list[str], current: dict, previous: dict) -> None:
    for col, name in zip(st.columns(len(names)), names):
        with col:
            components.kpi_tile(name, current, previous)


info = data.mart_info().row(0, named=True)
data_as_of = info["as_of_on"]
st.title("Complaints")
left, right = st.columns([1, 3])
with left:
    chosen_as_of = st.date_input(
        "As of", value=data_as_of, min_value=info["first_sale_on"] or data_as_of, max_value=data_as_of,
        key="as_of", bind="query-params", format="YYYY-MM-DD",
        help="Show the complaints as they stood at the end of this day: statuses come from the timestamps, so this is exact.",
    )
filters, _ = page.context()
as_of = chosen_as_of or data_as_of
# Every dataset reads the earlier of the period's end and the as-of date (the SQL takes least() of the two as
# well); passing that day keeps one cache entry for every later as-of date.
moment = min(filters.end_on, as_of)
with right:
    st.caption(filters.describe())
    note = f"As they stood at the end of **{moment:%Y-%m-%d}**"
    if as_of > filters.end_on:
        note += " (the period's end, which comes before the as-of date)"
    st.markdown(note + ". Backlog and status cover every complaint received by then; the rest, those received in the period.")

comparison = filters.comparison()
lag = filters.end_on - moment
current = data.load("complaint_summary", filters, as_of=moment).row(0, named=True)
previous = data.load("complaint_summary", comparison, as_of=comparison.end_on - lag).row(0, named=True)
tiles(["complaint_backlog", "complaints_past_due", "complaints_received"], current, previous)
tiles(["sla_compliance", "reopen_rate", "callback_satisfaction"], current, previous)
tiles(["hours_to_dispatch", "hours_to_acknowledge", "hours_to_resolve"], current, previous)
st.caption(f"Hours: the median from receipt, over the period's complaints that had reached the step. Compared with "
           f"{comparison.start_on:%Y-%m-%d} to {comparison.end_on:%Y-%m-%d} as it stood at the same point.")

# ---- where the open complaints are ----
st.subheader("Where the open complaints are")
status = data.load("complaint_status", filters, as_of=moment)
ages = data.load("complaint_backlog_age", filters, as_of=moment)
open_status = status.filter(pl.col("is_open"))
closed = status.filter(~pl.col("is_open")).row(0, named=True)
st.caption(f"Of the {current['complaints_received']:,} complaints received in the period, {closed['count_in_period']:,} were closed by then.")
if current["complaint_backlog"] == 0:
    components.empty_state("No open complaints at that moment in this scope.")
else:
    left, right = st.columns(2)
    with left:
        fig = go.Figure()
        fig.add_bar(x=open_status["status"].to_list(), y=open_status["count_past_due"].to_list(), name="past deadline",
                    marker_color=PAST_DUE_COLOR, customdata=[[s] for s in open_status["status"]])
        fig.add_bar(x=open_status["status"].to_list(), y=open_status["count_within_deadline"].to_list(), name="within deadline",
                    marker_color=WITHIN_COLOR, customdata=[[s] for s in open_status["status"]])
        fig.update_layout(barmode="stack", title="Open complaints by status — click a bar to list them",
                          yaxis_title="open complaints", legend_title_text="")
        st.plotly_chart(fig, key="status_chart", on_select=drill_from_chart("status_chart", "status"), selection_mode="points")
    with right:
        fig = go.Figure()
        fig.add_bar(y=ages["age_bucket"].to_list(), x=ages["complaints_past_due"].to_list(), orientation="h", name="past deadline",
                    marker_color=PAST_DUE_COLOR, customdata=[[b] for b in ages["age_bucket"]])
        fig.add_bar(y=ages["age_bucket"].to_list(), x=ages["complaints_within_deadline"].to_list(), orientation="h",
                    name="within deadline", marker_color=WITHIN_COLOR, customdata=[[b] for b in ages["age_bucket"]])
        fig.update_layout(barmode="stack", title="Open backlog by age since receipt — past deadline first",
                          xaxis_title="open complaints", yaxis={"autorange": "reversed"}, legend_title_text="")
        st.plotly_chart(fig, key="age_chart", on_select=drill_from_chart("age_chart", "age_bucket"), selection_mode="points")
components.rows_and_sql(status, "complaint_status", "Complaints by status", filters, moment, key="complaint_status")
components.rows_and_sql(ages, "complaint_backlog_age", "Open backlog by age", filters, moment, key="complaint_backlog_age")

st.subheader("Backlog over time")
trend = data.load("complaint_status_trend", filters, as_of=moment)
if trend.is_empty() or trend["count_open"].sum() == 0:
    components.empty_state("No open complaints at any point of the period in this scope (or the as-of date is before the period).")
else:
    fig = go.Figure()
    days = [f"{d:%Y-%m-%d}" for d in trend["on_date"].unique(maintain_order=True)]
    for (status_name,), rows in trend.group_by("status", maintain_order=True):
        fig.add_bar(x=[f"{d:%Y-%m-%d}" for d in rows["on_date"]], y=rows["count_open"].to_list(), name=status_name,
                    customdata=[[f"{d:%Y-%m-%d}", status_name] for d in rows["on_date"]])
    fig.update_layout(barmode="stack", xaxis={"type": "category", "categoryorder": "array", "categoryarray": days},
                      yaxis_title="open complaints",
                      title="Open complaints by status at each period end — click a bar to see the backlog of that day")
    st.plotly_chart(fig, key="status_trend_chart", on_select=drill_from_trend, selection_mode="points")
components.rows_and_sql(trend, "complaint_status_trend", "Backlog over time", filters, moment, key="complaint_status_trend")

# ---- time in each step ----
st.subheader("Time in each step: is HQ or the dealer slow?")
steps = data.load("complaint_step_times", filters, as_of=moment)
if steps.filter(pl.col("level") == "national").is_empty():
    components.empty_state("No complaint of the period had finished a step by then in this scope.")
else:
    has_geo = bool(filters.region or filters.province or filters.dealer_id is not None)
    level = "dealer" if has_geo else "region"
    areas = steps.filter(pl.col("level") == level)
    busiest = (areas.group_by("region", "dealer_id").agg(pl.col("count_complaints").max())
               .sort("count_complaints", descending=True).head(15))
    shown = pl.concat([
        areas.join(busiest.select("region", "dealer_id"), on=["region", "dealer_id"], how="semi", nulls_equal=True),
        steps.filter(pl.col("level") == ("region" if has_geo else "national")),
    ]).with_columns(
        area=pl.when(pl.col("level") == "dealer").then(pl.col("dealer_name"))
        .when(pl.col("level") == "region").then(pl.col("region"))
        .otherwise(pl.lit("all your dealers" if data.current_access().is_limited else "national")),
        key=pl.when(pl.col("level") == "dealer").then(pl.col("dealer_id").cast(pl.String)).otherwise(pl.col("region")),
    )
    st.caption(f"Hours in each step by {level} ({'against its region' if has_geo else 'against the nation'}): bars are the "
               "median, whiskers reach the 90th percentile. Click a bar to list its complaints.")
    cells = st.columns(2) + st.columns(2)
    for cell, ((order, step, owner), rows) in zip(cells, shown.sort("step_order").group_by("step_order", "step", "owner", maintain_order=True)):
        fig = go.Figure()
        fig.add_bar(
            x=rows["area"].to_list(), y=rows["median_hours"].to_list(),
            error_y={"type": "data", "symmetric": False, "array": (rows["p90_hours"] - rows["median_hours"]).to_list(),
                     "arrayminus": [0] * rows.height},
            customdata=list(zip(rows["key"].to_list(), rows["level"].to_list())),
            marker_color=[YARDSTICK_COLOR if lv != level else (PAST_DUE_COLOR if owner == "dealer" else WITHIN_COLOR) for lv in rows["level"]],
            hovertext=[f"n={n:,} · 90th percentile {p:,.1f} h" for n, p in zip(rows["count_complaints"], rows["p90_hours"])],
        )
        fig.update_layout(title=f"{owner}: {step}", yaxis_title="hours", height=340, margin={"t": 50, "b": 10})
        key = f"steps_chart_{order}"
        with cell:
            st.plotly_chart(fig, key=key, on_select=drill_from_steps(key), selection_mode="points")
    if areas.select("region", "dealer_id").unique().height > busiest.height:
        st.caption(f"The {busiest.height} {level}s with the most complaints are drawn; every {level} is in the rows below.")
components.rows_and_sql(steps, "complaint_step_times", "Hours in each step", filters, moment, key="complaint_step_times")

st.markdown("**Are we getting faster?** Monthly median hours of each step, by the month it finished.")
step_trend = data.load("complaint_step_trend", filters, as_of=moment)
if step_trend.is_empty():
    components.empty_state("No step finished in the period in this scope.")
else:
    months = pl.DataFrame({"month": pl.date_range(step_trend["month"].min(), step_trend["month"].max(), "1mo", eager=True)})
    lines = []
    for (order, step, owner), rows in step_trend.group_by("step_order", "step", "owner", maintain_order=True):
        filled = months.join(rows, on="month", how="left")
        trend_fit = speed_trend(filled["median_hours"].to_list(), filled["count_complaints"].to_list())
        if trend_fit.verdict == TOO_FEW_MONTHS:
            lines.append(f"- {owner}, {step}: {trend_fit.verdict} to tell ({trend_fit.months_used} with enough complaints)")
        else:
            lines.append(
                f"- {owner}, {step}: **{trend_fit.verdict}** — {trend_fit.slope_per_month:+.2f} h a month "
                f"(95% interval {trend_fit.low:+.2f} to {trend_fit.high:+.2f}, {trend_fit.months_used} months)"
            )
    st.markdown("\n".join(lines))
    fig = go.Figure()
    for (order, step, owner), rows in step_trend.group_by("step_order", "step", "owner", maintain_order=True):
        fig.add_scatter(x=rows["month"].to_list(), y=rows["median_hours"].to_list(), mode="lines+markers", name=f"{owner}: {step}",
                        hovertext=[f"n={n:,} · 90th percentile {p:,.1f} h" for n, p in zip(rows["count_complaints"], rows["p90_hours"])])
    fig.update_layout(title="Median hours of each step by the month it finished (log scale)", yaxis={"type": "log", "title": "hours"})
    st.plotly_chart(fig, key="step_trend_chart")
    st.caption("Trend: Theil-Sen slope over the months with at least 5 finished steps; 'faster' or 'slower' only "
               "when the whole 95% interval is on one side of zero.")
components.rows_and_sql(step_trend, "complaint_step_trend", "Step hours by month", filters, moment, key="complaint_step_trend")

# ---- deadlines ----
st.subheader("Deadlines: SLA compliance by severity")
sla = data.load("complaint_sla_by_severity", filters, as_of=moment)
if sla["count_sla_complaints"].sum() == 0:
    components.empty_state("No complaint of the period had a known SLA outcome by then in this scope.")
else:
    fig = go.Figure()
    fig.add_bar(
        x=sla["severity"].to_list(), y=sla["sla_compliance"].to_list(), customdata=[[s] for s in sla["severity"]],
        text=[f"{fmt(v, 'share')} (n={n:,})" for v, n in zip(sla["sla_compliance"], sla["count_sla_complaints"])],
        marker_color=WITHIN_COLOR,
    )
    fig.update_layout(title="Resolved within the deadline, of the period's complaints with a known outcome — click to list",
                      yaxis={"tickformat": ".0%", "range": [0, 1.05]},
                      xaxis={"ticktext": [f"{s} ({h} h)" for s, h in zip(sla["severity"], sla["resolve_within_hours"])],
                             "tickvals": sla["severity"].to_list()})
    st.plotly_chart(fig, key="sla_chart", on_select=drill_from_chart("sla_chart", "severity"), selection_mode="points")
components.rows_and_sql(sla, "complaint_sla_by_severity", "SLA by severity", filters, moment, key="complaint_sla")

# ---- categories, reopen rate, callback ----
st.subheader("Categories, reopen rate and callback satisfaction")
categories = data.load("complaint_categories", filters, as_of=moment)
if categories.is_empty():
    components.empty_state("No complaints received in the period in this scope.")
else:
    by_category = categories.filter(pl.col("level") == "category").sort("complaints_received", descending=True)
    left, right = st.columns(2)
    with left:
        fig = go.Figure()
        fig.add_bar(
            y=by_category["category"].to_list(), x=by_category["complaints_received"].to_list(), orientation="h",
            customdata=[[c] for c in by_category["category"]], marker_color=WITHIN_COLOR,
            hovertext=[f"reopen rate {fmt(r, 'share')} · callback {fmt(c, 'score')} (n={n})" for r, c, n in
                       zip(by_category["reopen_rate"], by_category["callback_satisfaction"], by_category["count_callbacks"])],
        )
        fig.update_layout(title="Complaints received by category — click to list", yaxis={"autorange": "reversed"})
        st.plotly_chart(fig, key="category_chart", on_select=drill_from_chart("category_chart", "category"), selection_mode="points")
    with right:
        fig = go.Figure()
        by_month = categories.filter(pl.col("level") == "category_month").sort("category", "month")
        for (category,), rows in by_month.group_by("category", maintain_order=True):
            fig.add_scatter(x=rows["month"].to_list(), y=rows["complaints_received"].to_list(), mode="lines+markers", name=category)
        fig.update_layout(title="Complaints received by category and month", yaxis_title="complaints")
        st.plotly_chart(fig, key="category_trend_chart")
    monthly = categories.filter(pl.col("level") == "month").sort("month")
    left, right = st.columns(2)
    with left:
        fig = go.Figure()
        fig.add_scatter(x=monthly["month"].to_list(), y=monthly["reopen_rate"].to_list(), mode="lines+markers",
                        hovertext=[f"of {n:,} resolved" for n in monthly["count_resolved"]])
        fig.update_layout(title=f"{METRICS['reopen_rate'].label} by month received", yaxis={"tickformat": ".0%"})
        st.plotly_chart(fig, key="reopen_chart")
    with right:
        fig = go.Figure()
        fig.add_scatter(x=monthly["month"].to_list(), y=monthly["callback_satisfaction"].to_list(), mode="lines+markers",
                        hovertext=[f"n={n:,}" for n in monthly["count_callbacks"]])
        fig.update_layout(title=f"{METRICS['callback_satisfaction'].label} by month received", yaxis={"range": [1, 5]})
        st.plotly_chart(fig, key="callback_chart")
    st.caption("By month received: the latest months count only the complaints resolved or closed so far.")
components.rows_and_sql(categories, "complaint_categories", "Complaints by category", filters, moment, key="complaint_categories")

# ---- dealers against their region ----
st.subheader("Dealers: complaints per 100 customers, against the region")
dealers = data.load("complaint_dealers", filters, as_of=moment)
dealer_rows = dealers.filter(pl.col("level") == "dealer")
region_rows = dealers.filter(pl.col("level") == "region")
regions = dict(zip(region_rows["region"], region_rows["complaints_per_100_customers"]))
if dealer_rows["complaints_received"].sum() == 0:
    components.empty_state("No complaints received in the period at the dealers in this scope.")
else:
    # Rates of dealers with few customers swing wildly: they are drawn grey, as on the dealer scorecard.
    minimum = 50
    shown = dealer_rows.filter(pl.col("complaints_per_100_customers").is_not_null()).head(30)
    fig = go.Figure()
    fig.add_bar(
        y=[f"{n} (#{d})" for n, d in zip(shown["dealer_name"], shown["dealer_id"])],
        x=shown["complaints_per_100_customers"].to_list(), orientation="h", name="dealer",
        customdata=[[d] for d in shown["dealer_id"]],
        marker_color=["#c9c9c9" if c < minimum else WITHIN_COLOR for c in shown["count_customers"]],
        hovertext=[f"{k:,} complaints / {c:,} customers" for k, c in zip(shown["complaints_received"], shown["count_customers"])],
    )
    fig.add_scatter(
        y=[f"{n} (#{d})" for n, d in zip(shown["dealer_name"], shown["dealer_id"])],
        x=[regions.get(r) for r in shown["region"]], mode="markers", name="its region",
        marker={"symbol": "diamond", "size": 10, "color": YARDSTICK_COLOR},
    )
    fig.update_layout(height=max(320, 22 * shown.height), yaxis={"autorange": "reversed"},
                      title=f"{METRICS['complaints_per_100_customers'].label}, highest first (grey: under {minimum} customers) — click to list")
    st.plotly_chart(fig, key="dealer_chart", on_select=drill_from_chart("dealer_chart", "dealer"), selection_mode="points")
    st.dataframe(
        dealers.select("level", "region", "dealer_name", "dealer_id", "count_customers", "complaints_received",
                       "complaints_per_100_customers", "complaint_backlog", "complaints_past_due", "reopen_rate",
                       "count_resolved", "callback_satisfaction", "count_callbacks"),
        hide_index=True, width="stretch", key="dealer_table",
        column_config={
            "complaints_per_100_customers": st.column_config.NumberColumn(format="%.2f"),
            "reopen_rate": st.column_config.NumberColumn(format="percent"),
            "callback_satisfaction": st.column_config.NumberColumn(format="%.2f"),
        },
    )
components.rows_and_sql(dealers, "complaint_dealers", "Complaints by dealer", filters, moment, key="complaint_dealers")


# ---- the complaints behind a bar ----
@st.fragment
def complaints_behind() -> None:
    st.subheader("The complaints behind a bar")
    choices = {
        "status": status["status"].to_list(),
        "age_bucket": ages["age_bucket"].to_list(),
        "severity": sla["severity"].to_list(),
        "category": categories.filter(pl.col("level") == "category")["category"].to_list(),
        "region": sorted({r for r in dealers.filter(pl.col("level") == "region")["region"].to_list() if r}),
        "dealer": [str(d) for d in dealer_rows["dealer_id"].to_list()],
    }
    dealer_names = {str(d): f"{n} (#{d})" for d, n in zip(dealer_rows["dealer_id"], dealer_rows["dealer_name"])}
    left, right = st.columns(2)
    list_by = left.selectbox(
        "List complaints by", list(LIST_BY), index=None, key="complaint_list_by", placeholder="Click a bar, or choose",
        format_func=LIST_BY.get, on_change=lambda: st.session_state.update(complaint_list_value=None, complaint_pick=None),
    )
    options = choices.get(list_by, [])
    clicked = st.session_state.get("complaint_list_value")
    if clicked and clicked not in options:
        # A chart can name a value the box does not offer: keep it, or Streamlit would drop the click.
        options = [*options, clicked]
    value = right.selectbox(
        "Which", options, index=None, key="complaint_list_value", placeholder="Choose a value",
        format_func=lambda v: dealer_names.get(v, v) if list_by == "dealer" else v,
        on_change=lambda: st.session_state.update(complaint_pick=None),
    )
    if list_by is None or value is None:
        st.caption("Click any bar above (or choose here) to list the complaints behind it.")
        return
    rows = data.load("complaint_list", filters, as_of=moment, list_by=list_by, list_value=value)
    if rows.is_empty():
        components.empty_state("No complaints behind this choice at that moment.")
        return
    total = rows["count_matching"][0]
    shown_value = dealer_names.get(value, value) if list_by == "dealer" else value
    st.markdown(f"**{total:,} complaints** — {LIST_BY[list_by].lower()}: {shown_value}"
                + (f" (the first {LIST_LIMIT} shown: past deadline first, then the oldest)" if total > LIST_LIMIT else
                   " (past deadline first, then the oldest)"))
    st.dataframe(
        rows.drop("count_matching"), hide_index=True, width="stretch", key="complaint_rows",
        on_select=lambda: st.session_state.update(complaint_pick=_picked_row(rows)), selection_mode="single-row",
        column_config={"age_hours": st.column_config.NumberColumn(format="%.1f"),
                       "hours_to_resolve": st.column_config.NumberColumn(format="%.1f")},
    )
    components.rows_and_sql(rows.drop("count_matching"), "complaint_list", "Complaints behind the bar", filters, moment, key="complaint_list")
    ids = rows["complaint_id"].to_list()
    labels = {r["complaint_id"]: f"#{r['complaint_id']} · {r['status']} · {r['severity']} · {r['dealer_name']}" for r in rows.iter_rows(named=True)}
    pick = st.selectbox("Open a complaint", ids, index=None, key="complaint_pick", placeholder="Choose a complaint (or select a row)",
                        format_func=lambda c: labels.get(c, str(c)))
    if pick is not None and pick in labels:
        complaint_detail(rows.filter(pl.col("complaint_id") == pick).row(0, named=True))


def _picked_row(rows: pl.DataFrame):
    selected = st.session_state["complaint_rows"].selection.rows
    return rows["complaint_id"][selected[0]] if selected else None


def complaint_detail(c: dict) -> None:
    st.markdown(f"**Complaint #{c['complaint_id']}** · {c['severity']} · {c['category']} · via {c['channel']} · "
                f"{c['dealer_name']} ({c['region']}) · status **{c['status']}**"
                + (" · :red[past its deadline]" if c["is_past_due"] else ""))
    received = c["received_at"]
    timeline = pl.DataFrame({
        "step": ["received", "deadline", "dispatched by HQ", "acknowledged by dealer", "resolved", "closed after callback"],
        "at": [received, c["due_at"], c["dispatched_at"], c["acknowledged_at"], c["resolved_at"], c["closed_at"]],
    }).with_columns(hours_after_receipt=((pl.col("at") - pl.lit(received)).dt.total_seconds() / 3600).round(1))
    st.dataframe(timeline, hide_index=True)
    st.caption(f"Reopened {c['reopen_count']} times · callback score {c['callback_score'] if c['callback_score'] is not None else '—'}")
    try:
        st.page_link("views/customer_360.py", label=f"Customer {c['customer_id']}: open the 360 view", icon=":material/person:",
                     query_params={"customer_id": str(c["customer_id"])})
    except StreamlitPageNotFoundError:
        st.caption(f"Customer {c['customer_id']} (the Customer 360 page is not part of this dashboard yet).")


complaints_behind()
