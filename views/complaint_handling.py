"""Complaints: which are stuck, at which dealer, past their deadline, and whether HQ and the dealers are getting
faster; every figure as it stood at the end of the "as of" day (or of the period, if that ends earlier)."""
import plotly.graph_objects as go
import polars as pl
import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from dashboard import charts, components, data, filter_bar, formats, page, tables
from dashboard import complaints as cx
from dashboard.i18n import _, pgettext
from dashboard.metrics import METRICS, fmt


def tiles(names: list[str], current: dict, previous: dict) -> None:
    for col, name in zip(st.columns(len(names)), names):
        with col:
            components.kpi_tile(name, current, previous)


def on_bars(fig: go.Figure, values: list) -> go.Figure:
    """A stacked chart's total on its top segment, so an empty bar still says 0."""
    fig.update_traces(text=[formats.number(v) for v in values], texttemplate="%{text}", textposition="outside",
                      cliponaxis=False, selector={"name": _("Within deadline")})
    return fig


info = data.mart_info().row(0, named=True)
data_as_of = info["as_of_on"]
st.title(_("Complaints"))
left, right = st.columns([1, 3])
with left:
    chosen_as_of = st.date_input(
        _("As of"), value=data_as_of, min_value=info["first_sale_on"] or data_as_of, max_value=data_as_of,
        key="as_of", bind="query-params", format="YYYY-MM-DD",
        help=_("Show the complaints as they stood at the end of this day: statuses come from the timestamps, so this is exact."),
    )
filters, _as_of = page.context()
as_of = chosen_as_of or data_as_of
# Every dataset reads the earlier of the period's end and the as-of date (the SQL takes least() of the two as
# well); passing that day keeps one cache entry for every later as-of date.
moment = min(filters.end_on, as_of)
with right:
    st.caption(filter_bar.describe(filters))
    if as_of > filters.end_on:
        note = _("As they stood at the end of **{day}** (the period's end, which comes before the as-of date). Backlog "
                 "and status cover every complaint received by then; the rest, those received in the period.")
    else:
        note = _("As they stood at the end of **{day}**. Backlog and status cover every complaint received by then; "
                 "the rest, those received in the period.")
    st.markdown(note.format(day=formats.day(moment)))

comparison = filters.comparison()
lag = filters.end_on - moment
current = data.load("complaint_summary", filters, as_of=moment).row(0, named=True)
previous = data.load("complaint_summary", comparison, as_of=comparison.end_on - lag).row(0, named=True)
dealers = data.load("complaint_dealers", filters, as_of=moment)
st.markdown("#### " + cx.headline(current, previous, dealers))
tiles(["complaint_backlog", "complaints_past_due", "complaints_received"], current, previous)
tiles(["sla_compliance", "reopen_rate", "callback_satisfaction"], current, previous)
st.caption(_("Changes against {start} to {end}, as it stood at the same point.").format(
    start=formats.day(comparison.start_on), end=formats.day(comparison.end_on - lag)))

status = data.load("complaint_status", filters, as_of=moment)
ages = data.load("complaint_backlog_age", filters, as_of=moment)
sla = data.load("complaint_sla_by_severity", filters, as_of=moment)
categories = data.load("complaint_categories", filters, as_of=moment)
dealer_rows = dealers.filter(pl.col("level") == "dealer")

# Tabs keep a phone's page short; a click on a bar opens the list's tab (cx.drill), so the tabs track their state.
open_tab, steps_tab, where_tab, list_tab = st.tabs([_(t) for t in cx.TABS], key=cx.TABS_KEY, on_change="rerun")

# ---- where the open complaints are, and the deadlines ----
with open_tab:
    open_status = status.filter(pl.col("is_open"))
    closed = status.filter(~pl.col("is_open")).row(0, named=True)
    st.caption(_("Of the {received} complaints received in the period, {closed} were closed by then.").format(
        received=formats.number(current["complaints_received"]), closed=formats.number(closed["count_in_period"])))
    if current["complaint_backlog"] == 0:
        components.empty_state(_("No open complaints at that moment in this scope."))
    else:
        st.caption(_("Red: past the deadline of its severity. Click a bar to list its complaints."))
        left, right = st.columns(2)
        statuses = open_status["status"].to_list()
        with left:
            fig = go.Figure()
            fig.add_bar(x=statuses, y=open_status["count_past_due"].to_list(), name=_("Past deadline"),
                        marker_color=cx.PAST_DUE, customdata=[[s] for s in statuses])
            fig.add_bar(x=statuses, y=open_status["count_within_deadline"].to_list(), name=_("Within deadline"),
                        marker_color=cx.WITHIN, customdata=[[s] for s in statuses])
            fig.update_layout(barmode="stack", yaxis_title=_("open complaints"), legend={"traceorder": "normal"},
                              xaxis={"tickvals": statuses, "ticktext": [pgettext("status", s) for s in statuses]})
            on_bars(fig, open_status["count_complaints"].to_list())
            charts.show(charts.finish(fig, _("Open complaints by status"), height=380), "status_chart",
                        on_select=cx.drill_from_chart("status_chart", "status"), selection_mode="points")
        with right:
            buckets = ages["age_bucket"].to_list()
            fig = go.Figure()
            fig.add_bar(y=buckets, x=ages["complaints_past_due"].to_list(), orientation="h", name=_("Past deadline"),
                        marker_color=cx.PAST_DUE, customdata=[[b] for b in buckets])
            fig.add_bar(y=buckets, x=ages["complaints_within_deadline"].to_list(), orientation="h",
                        name=_("Within deadline"), marker_color=cx.WITHIN, customdata=[[b] for b in buckets])
            # No axis title: the chart's title says what is counted, and a title under the axis ran into the legend.
            fig.update_layout(barmode="stack", legend={"traceorder": "normal"},
                              yaxis={"autorange": "reversed", "tickvals": buckets,
                                     "ticktext": [pgettext("age_bucket", b) for b in buckets]})
            on_bars(fig, ages["complaint_backlog"].to_list())
            charts.show(charts.finish(fig, _("Open backlog by age since receipt"), height=380), "age_chart",
                        on_select=cx.drill_from_chart("age_chart", "age_bucket"), selection_mode="points")
    components.rows_and_sql(status, "complaint_status", _("Complaints by status"), filters, moment, key="complaint_status")
    components.rows_and_sql(ages, "complaint_backlog_age", _("Open backlog by age"), filters, moment, key="complaint_backlog_age")

    st.subheader(_("Deadlines: SLA compliance by severity"))
    if sla["count_sla_complaints"].sum() == 0:
        components.empty_state(_("No complaint of the period had a known SLA outcome by then in this scope."))
    else:
        severities = sla["severity"].to_list()
        fig = go.Figure()
        fig.add_bar(
            x=severities, y=sla["sla_compliance"].to_list(), customdata=[[s] for s in severities], marker_color=cx.MEASURE,
            text=[formats.percent(v, 0) for v in sla["sla_compliance"]],
            hovertext=[_("{share} of {count} resolved within the deadline").format(share=fmt(v, "share"), count=formats.number(n))
                       for v, n in zip(sla["sla_compliance"], sla["count_sla_complaints"])],
            hoverinfo="text",
        )
        charts.bar_labels(fig, "%{text}")
        fig.update_layout(
            yaxis={"tickformat": ".0%", "range": [0, 1.12], "title": _("resolved within the deadline")},
            xaxis={"tickvals": severities,
                   # two lines, so that four severities fit a phone without tilting
                   "ticktext": [pgettext("severity", s) + "<br>" + _("{hours} h").format(hours=formats.number(h))
                                for s, h in zip(severities, sla["resolve_within_hours"])]},
        )
        charts.show(charts.finish(fig, _("Resolved within the deadline, by severity"), height=360, legend=False), "sla_chart",
                    on_select=cx.drill_from_chart("sla_chart", "severity"), selection_mode="points")
        st.caption(_("Of the period's complaints with a known outcome; the deadline of each severity under its name. "
                     "Click a bar to list them."))
    components.rows_and_sql(sla, "complaint_sla_by_severity", _("SLA by severity"), filters, moment, key="complaint_sla")

    st.subheader(_("Backlog over time"))
    trend = data.load("complaint_status_trend", filters, as_of=moment)
    if trend.is_empty() or trend["count_open"].sum() == 0:
        components.empty_state(_("No open complaints at any point of the period in this scope (or the as-of date is before the period)."))
    else:
        days = [f"{d:%Y-%m-%d}" for d in trend["on_date"].unique(maintain_order=True)]
        fig = go.Figure()
        for (order, status_name), rows in trend.group_by("status_order", "status", maintain_order=True):
            fig.add_bar(x=[f"{d:%Y-%m-%d}" for d in rows["on_date"]], y=rows["count_open"].to_list(),
                        name=pgettext("status", status_name), marker_color=cx.STATUS_COLOURS.get(status_name, charts.MUTED),
                        customdata=[[f"{d:%Y-%m-%d}", status_name] for d in rows["on_date"]])
        ticks, labels = cx.month_ticks(trend["on_date"].unique(maintain_order=True).to_list(), cx.period_end_label)
        fig.update_layout(barmode="stack", yaxis_title=_("open complaints"), legend={"traceorder": "normal"},
                          xaxis={"type": "category", "categoryorder": "array", "categoryarray": days, "tickangle": 0,
                                 "tickvals": [f"{d:%Y-%m-%d}" for d in ticks], "ticktext": labels})
        charts.show(charts.finish(fig, _("Open complaints by status at each month's end"), height=420),
                    "status_trend_chart", on_select=cx.drill_from_trend, selection_mode="points")
        st.caption(_("Click a bar to see the backlog of that day: the whole page moves to it."))
    components.rows_and_sql(trend, "complaint_status_trend", _("Backlog over time"), filters, moment, key="complaint_status_trend")

# ---- time in each step ----
# Drawn when opened: its two datasets (every dealer by step, and the monthly trend) were a third of the page's
# query time after each filter change, for a tab most visits do not open.
if steps_tab.open:
    with steps_tab:
        st.subheader(_("Time in each step: is HQ or the dealer slow?"))
        tiles(["hours_to_dispatch", "hours_to_acknowledge", "hours_to_resolve"], current, previous)
        st.caption(_("Hours: the median from receipt, over the period's complaints that had reached the step."))
        steps = data.load("complaint_step_times", filters, as_of=moment)
        if steps.filter(pl.col("level") == "national").is_empty():
            components.empty_state(_("No complaint of the period had finished a step by then in this scope."))
        else:
            has_geo = bool(filters.region or filters.province or filters.dealer_id is not None)
            whole = _("all your dealers") if data.current_access().is_limited else _("national")
            areas = cx.step_areas(steps, has_geo, whole)
            if has_geo:
                st.caption(_("Hours in each step by dealer, against its region (grey): bars are the median, whiskers reach "
                             "the 90th percentile. Dark blue: HQ's step; light blue: the dealer's. Click a bar to list its complaints."))
            else:
                st.caption(_("Hours in each step by region, against the whole (grey): bars are the median, whiskers reach "
                             "the 90th percentile. Dark blue: HQ's step; light blue: the dealer's. Click a bar to list its complaints."))
            groups = list(areas.shown.sort("step_order").group_by("step_order", "step", "owner", maintain_order=True))
            # Two charts a row on a screen; Streamlit stacks the columns on a phone, one chart a row.
            for pair in (groups[:2], groups[2:4]):
                for cell, ((order, step, owner), rows) in zip(st.columns(2), pair):
                    rows = rows.sort(pl.col("level") == areas.level, "median_hours", descending=[False, True])
                    colour = cx.DEALER_STEP if owner == "dealer" else cx.HQ_STEP
                    fig = go.Figure()
                    fig.add_bar(
                        y=rows["area"].to_list(), x=rows["median_hours"].to_list(), orientation="h",
                        error_x={"type": "data", "symmetric": False, "array": (rows["p90_hours"] - rows["median_hours"]).to_list(),
                                 "arrayminus": [0] * rows.height, "color": charts.YARDSTICK, "thickness": 1},
                        customdata=list(zip(rows["key"].to_list(), rows["level"].to_list())),
                        marker_color=[charts.YARDSTICK if lv != areas.level else colour for lv in rows["level"]],
                        hovertext=[_("{area}: median {median}, 90th percentile {p90} ({count} complaints)").format(
                            area=a, median=fmt(m, "hours"), p90=fmt(p, "hours"), count=formats.number(n))
                            for a, m, p, n in zip([d or a for d, a in zip(rows["dealer_name"], rows["area"])], rows["median_hours"],
                                                  rows["p90_hours"], rows["count_complaints"])],
                        hoverinfo="text",
                    )
                    fig.update_layout(xaxis_title=_("hours"), yaxis={"autorange": "reversed"})
                    title = _("{owner}: {step}").format(owner=pgettext("owner", owner), step=pgettext("step", step))
                    key = f"steps_chart_{order}"
                    with cell:
                        charts.show(charts.finish(fig, title, height=110 + 26 * rows.height, legend=False), key,
                                    on_select=cx.drill_from_steps(key), selection_mode="points")
            if areas.total > areas.drawn:
                st.caption(_("The {drawn} dealers with the most complaints are drawn; every dealer is in the downloads under "
                             "“Rows and SQL” below.").format(
                    drawn=areas.drawn))
        components.rows_and_sql(steps, "complaint_step_times", _("Hours in each step"), filters, moment, key="complaint_step_times")

        st.subheader(_("Are we getting faster?"))
        step_trend = data.load("complaint_step_trend", filters, as_of=moment)
        if step_trend.is_empty():
            components.empty_state(_("No step finished in the period in this scope."))
        else:
            speeds = cx.step_speeds(step_trend)
            st.markdown(cx.speed_summary(speeds))
            st.markdown("\n".join("- " + cx.speed_words(s) for s in speeds))
            fig = go.Figure()
            for (order, step, owner), rows in step_trend.sort("step_order", "month").group_by(
                    "step_order", "step", "owner", maintain_order=True):
                fig.add_scatter(
                    x=rows["month"].to_list(), y=rows["median_hours"].to_list(), mode="lines+markers",
                    name=_("{owner}: {step}").format(owner=pgettext("owner", owner), step=pgettext("step", step)),
                    line={"color": cx.DEALER_STEP if owner == "dealer" else cx.HQ_STEP,
                          "dash": "solid" if order in (1, 3) else "dot", "width": 3},
                    hovertext=[_("median {median}, 90th percentile {p90} ({count} complaints)").format(
                        median=fmt(m, "hours"), p90=fmt(p, "hours"), count=formats.number(n))
                        for m, p, n in zip(rows["median_hours"], rows["p90_hours"], rows["count_complaints"])],
                    hoverinfo="text+name",
                )
            low, high = step_trend["median_hours"].min(), step_trend["median_hours"].max()
            # A log axis with plain ticks (1, 3, 10, 30 ...): Plotly's own read "5 2 1000 5 2 100".
            hour_ticks = [t for t in (0.1, 0.3, 1, 3, 10, 30, 100, 300, 1000, 3000) if low / 3 <= t <= high * 3]
            ticks, labels = cx.month_ticks(step_trend["month"].unique().sort().to_list())
            fig.update_layout(xaxis={"tickvals": ticks, "ticktext": labels, "tickangle": 0},
                              yaxis={"type": "log", "title": _("hours (log scale)"), "tickvals": hour_ticks,
                                     "ticktext": [formats.number(t, 1 if t < 1 else 0) for t in hour_ticks]})
            charts.show(charts.finish(fig, _("Median hours of each step, by the month it finished"), height=460),
                        "step_trend_chart")
            with st.expander(_("How this is worked out")):
                st.markdown(_("The trend of each step is the Theil-Sen slope of its monthly median hours (the median of the "
                              "slopes between every pair of months), over the months with at least 5 finished steps. "
                              "\"Faster\" or \"slower\" only when the whole 95% interval of the slope is on one side of zero; "
                              "otherwise there is no clear change. A negative slope is faster."))
                st.markdown("\n".join("- " + cx.speed_method(s) for s in speeds))
        components.rows_and_sql(step_trend, "complaint_step_trend", _("Step hours by month"), filters, moment, key="complaint_step_trend")

# ---- categories, reopen rate, callback; dealers against their region ----
with where_tab:
    st.subheader(_("Categories, reopen rate and callback satisfaction"))
    if categories.is_empty():
        components.empty_state(_("No complaints received in the period in this scope."))
    else:
        by_category = categories.filter(pl.col("level") == "category").sort("complaints_received", descending=True)
        left, right = st.columns(2)
        with left:
            fig = go.Figure()
            fig.add_bar(
                y=by_category["category"].to_list(), x=by_category["complaints_received"].to_list(), orientation="h",
                customdata=[[c] for c in by_category["category"]], marker_color=cx.MEASURE,
                hovertext=[_("reopen rate {reopen} · callback {callback} ({count} callbacks)").format(
                    reopen=fmt(r, "share"), callback=fmt(c, "score"), count=formats.number(n)) for r, c, n in
                    zip(by_category["reopen_rate"], by_category["callback_satisfaction"], by_category["count_callbacks"])],
                hoverinfo="text",
            )
            charts.bar_labels(fig, "%{x:,}")
            fig.update_layout(yaxis={"autorange": "reversed"}, xaxis_title=_("complaints"))
            charts.show(charts.finish(fig, _("Complaints received by category"), height=120 + 36 * by_category.height,
                                      legend=False),
                        "category_chart", on_select=cx.drill_from_chart("category_chart", "category"), selection_mode="points")
        with right:
            fig = go.Figure()
            by_month = categories.filter(pl.col("level") == "category_month").sort("category", "month")
            for (category,), rows in by_month.group_by("category", maintain_order=True):
                fig.add_scatter(x=rows["month"].to_list(), y=rows["complaints_received"].to_list(),
                                mode="lines+markers", name=category, hoverinfo="text",
                                hovertext=[_("{category}, {month}: {count} complaints").format(
                                    category=category, month=formats.month(m), count=formats.number(n))
                                    for m, n in zip(rows["month"], rows["complaints_received"])])
            ticks, labels = cx.month_ticks(by_month["month"].unique().sort().to_list())
            fig.update_layout(yaxis_title=_("complaints"), xaxis={"tickvals": ticks, "ticktext": labels, "tickangle": 0})
            charts.finish(fig, _("Complaints received by category and month"), height=420)
            fig.update_layout(colorway=cx.NEUTRAL)   # finish() sets the full palette; this page keeps red for "late"
            charts.show(fig, "category_trend_chart")
        monthly = categories.filter(pl.col("level") == "month").sort("month")
        months = monthly["month"].to_list()
        month_axis = dict(zip(("tickvals", "ticktext"), cx.month_ticks(months)), tickangle=0)
        left, right = st.columns(2)
        with left:
            fig = go.Figure()
            fig.add_scatter(x=months, y=monthly["reopen_rate"].to_list(), mode="lines+markers", line={"color": cx.MEASURE},
                            hovertext=[_("{share} of {count} resolved").format(share=fmt(r, "share"), count=formats.number(n))
                                       for r, n in zip(monthly["reopen_rate"], monthly["count_resolved"])], hoverinfo="text")
            fig.update_layout(yaxis={"tickformat": ".0%", "rangemode": "tozero"}, xaxis=month_axis)
            charts.show(charts.finish(fig, _("{measure} by month received").format(measure=_(METRICS["reopen_rate"].label)),
                                      height=340, legend=False), "reopen_chart")
        with right:
            fig = go.Figure()
            fig.add_scatter(x=months, y=monthly["callback_satisfaction"].to_list(), mode="lines+markers",
                            line={"color": cx.MEASURE},
                            hovertext=[_("{score} ({count} callbacks)").format(score=fmt(c, "score"), count=formats.number(n))
                                       for c, n in zip(monthly["callback_satisfaction"], monthly["count_callbacks"])],
                            hoverinfo="text")
            fig.update_layout(yaxis={"range": [1, 5]}, xaxis=month_axis)
            charts.show(charts.finish(fig, _("{measure} by month received").format(
                measure=_(METRICS["callback_satisfaction"].label)), height=340, legend=False), "callback_chart")
        st.caption(_("By month received: the latest months count only the complaints resolved or closed so far."))
    components.rows_and_sql(categories, "complaint_categories", _("Complaints by category"), filters, moment, key="complaint_categories")

    st.subheader(_("Dealers: complaints per 100 customers, against the region"))
    region_rows = dealers.filter(pl.col("level") == "region")
    regions = dict(zip(region_rows["region"], region_rows["complaints_per_100_customers"]))
    if dealer_rows["complaints_received"].sum() == 0:
        components.empty_state(_("No complaints received in the period at the dealers in this scope."))
    else:
        # Rates of dealers with few customers swing wildly: they are drawn grey, as on the dealer scorecard.
        minimum = 50
        shown = dealer_rows.filter(pl.col("complaints_per_100_customers").is_not_null()).head(30)
        names = [filter_bar.dealer_label(d, cx.short_dealer(n)) for n, d in zip(shown["dealer_name"], shown["dealer_id"])]
        fig = go.Figure()
        fig.add_bar(
            y=names, x=shown["complaints_per_100_customers"].to_list(), orientation="h", name=_("Dealer"),
            customdata=[[d] for d in shown["dealer_id"]],
            marker_color=[charts.MUTED if c < minimum else cx.MEASURE for c in shown["count_customers"]],
            hovertext=[_("{dealer}: {complaints} complaints, {customers} customers").format(
                dealer=n, complaints=formats.number(k), customers=formats.number(c))
                for n, k, c in zip(shown["dealer_name"], shown["complaints_received"], shown["count_customers"])],
            hoverinfo="text",
        )
        fig.add_scatter(
            y=names, x=[regions.get(r) for r in shown["region"]], mode="markers", name=_("Its region"),
            marker={"symbol": "diamond", "size": 10, "color": charts.YARDSTICK}, hoverinfo="skip",
        )
        fig.update_layout(yaxis={"autorange": "reversed"}, xaxis_title=_("complaints per 100 customers"))
        charts.show(charts.finish(fig, _("{measure}, highest first").format(measure=_(METRICS["complaints_per_100_customers"].label)),
                                  height=max(320, 110 + 24 * shown.height), legend=False),
                    "dealer_chart", on_select=cx.drill_from_chart("dealer_chart", "dealer"), selection_mode="points")
        st.caption(_("Diamond: the dealer's region. Grey bar: a dealer with under {minimum} customers, whose rate swings "
                     "with a few complaints. Click a bar to list its complaints.").format(minimum=minimum))
        # The answer first, by a short name a phone has room for; the full name and the level behind the toggle.
        tables.show(
            dealers.select(cx.area_names(dealers), "complaints_per_100_customers", "complaints_past_due", "complaint_backlog",
                           "level", "region", "dealer_name", "dealer_id", "count_customers", "complaints_received",
                           "reopen_rate", "count_resolved", "callback_satisfaction", "count_callbacks"),
            key="dealer_table", labels={"area": _("Dealer or region")},
            answer=["area", "complaints_per_100_customers", "complaints_past_due", "complaint_backlog"],
        )
    components.rows_and_sql(dealers, "complaint_dealers", _("Complaints by dealer"), filters, moment, key="complaint_dealers")


# ---- the complaints behind a bar ----
@st.fragment
def complaints_behind() -> None:
    st.subheader(_("The complaints behind a bar"))
    choices = {
        "status": status["status"].to_list(),
        "age_bucket": ages["age_bucket"].to_list(),
        "severity": sla["severity"].to_list(),
        "category": categories.filter(pl.col("level") == "category")["category"].to_list(),
        "region": sorted({r for r in dealers.filter(pl.col("level") == "region")["region"].to_list() if r}),
        "dealer": [str(d) for d in dealer_rows["dealer_id"].to_list()],
    }
    dealer_names = {str(d): filter_bar.dealer_label(d, n) for d, n in zip(dealer_rows["dealer_id"], dealer_rows["dealer_name"])}
    list_by_labels = {k: _(v) for k, v in cx.LIST_BY.items()}
    left, right = st.columns(2)
    list_by = left.selectbox(
        _("List complaints by"), list(cx.LIST_BY), index=None, key="complaint_list_by",
        placeholder=_("Click a bar, or choose"), format_func=list_by_labels.get,
        on_change=lambda: st.session_state.update(complaint_list_value=None, complaint_pick=None),
    )
    options = choices.get(list_by, [])
    clicked = st.session_state.get("complaint_list_value")
    if clicked and clicked not in options:
        # A chart can name a value the box does not offer: keep it, or Streamlit would drop the click.
        options = [*options, clicked]
    value_labels = cx.list_value_labels(list_by, options, dealer_names)
    value = right.selectbox(
        _("Which"), options, index=None, key="complaint_list_value", placeholder=_("Choose a value"),
        format_func=lambda v: value_labels.get(v, str(v)),
        on_change=lambda: st.session_state.update(complaint_pick=None),
    )
    if list_by is None or value is None:
        st.caption(_("Click a bar on any chart (or choose here) to list the complaints behind it."))
        return
    rows = data.load("complaint_list", filters, as_of=moment, list_by=list_by, list_value=value)
    if rows.is_empty():
        components.empty_state(_("No complaints behind this choice at that moment."))
        return
    total = rows["count_matching"][0]
    if total > cx.LIST_LIMIT:
        sentence = _("**{count} complaints** — {by}: {value} (the first {limit} shown: past deadline first, then the oldest)")
    else:
        sentence = _("**{count} complaints** — {by}: {value} (past deadline first, then the oldest)")
    st.markdown(sentence.format(count=formats.number(total), by=list_by_labels[list_by].lower(),
                                value=value_labels.get(value, value), limit=formats.number(cx.LIST_LIMIT)))
    listed = rows.drop("count_matching").with_columns(age_days=(pl.col("age_hours") // 24).cast(pl.Int64))
    tables.show(
        listed, key="complaint_rows", answer=["complaint_id", "status", "is_past_due", "age_days", "dealer_name"],
        on_select=lambda: st.session_state.update(complaint_pick=_picked_row(rows)), selection_mode="single-row",
    )
    components.rows_and_sql(rows.drop("count_matching"), "complaint_list", _("Complaints behind the bar"), filters, moment,
                            key="complaint_list")
    ids = rows["complaint_id"].to_list()
    labels = {r["complaint_id"]: f"#{r['complaint_id']} · {pgettext('status', r['status'])} · "
                                 f"{pgettext('severity', r['severity'])} · {r['dealer_name']}"
              for r in rows.iter_rows(named=True)}
    pick = st.selectbox(_("Open a complaint"), ids, index=None, key="complaint_pick",
                        placeholder=_("Choose a complaint (or select a row)"), format_func=lambda c: labels.get(c, str(c)))
    if pick is not None and pick in labels:
        complaint_detail(rows.filter(pl.col("complaint_id") == pick).row(0, named=True))


def _picked_row(rows: pl.DataFrame):
    selected = st.session_state["complaint_rows"].selection.rows
    return rows["complaint_id"][selected[0]] if selected else None


def complaint_detail(c: dict) -> None:
    parts = [_("**Complaint #{complaint_id}**").format(complaint_id=c["complaint_id"]), pgettext("severity", c["severity"]),
             c["category"], _("via {channel}").format(channel=pgettext("channel", c["channel"])),
             _("{dealer} ({region})").format(dealer=c["dealer_name"], region=c["region"]), _("status **{status}**").format(status=pgettext("status", c["status"]))]
    if c["is_past_due"]:
        parts.append(":red[" + _("past its deadline") + "]")
    st.markdown(" · ".join(str(p) for p in parts if p))
    received = c["received_at"]
    timeline = pl.DataFrame({
        "timeline_step": [_("Received"), _("Deadline"), _("Dispatched by HQ"), _("Acknowledged by the dealer"),
                          _("Resolved"), _("Closed after the callback")],
        "timeline_at": [received, c["due_at"], c["dispatched_at"], c["acknowledged_at"], c["resolved_at"], c["closed_at"]],
    }).with_columns(hours_after_receipt=((pl.col("timeline_at") - pl.lit(received)).dt.total_seconds() / 3600).round(1))
    tables.show(timeline, key="complaint_timeline")
    score = c["callback_score"]
    st.caption(_("Reopened {count} times · callback score {score}").format(
        count=formats.number(c["reopen_count"]), score=formats.EMPTY if score is None else formats.number(score)))
    try:
        st.page_link("views/customer_360.py", label=_("Customer {customer_id}: open the 360 view").format(customer_id=c["customer_id"]),
                     icon=":material/person:", query_params={"customer_id": str(c["customer_id"])})
    except StreamlitPageNotFoundError:
        st.caption(_("Customer {customer_id} (the Customer 360 page is not part of this dashboard yet).").format(
            customer_id=c["customer_id"]))


with list_tab:
    complaints_behind()
