"""Sales forecast: what the filtered slice is expected to sell (units or revenue) 1-18 months ahead, with its likely
range, and how good the forecast has been, in plain words; the models and their backtest in an expander for
analysts; the same for each region, dealer or product at one click."""
import time

import polars as pl
import streamlit as st

from analytics import forecast
from dashboard import (
    charts,
    components,
    data,
    filter_bar,
    forecasting,
    formats,
    page,
    tables,
)
from dashboard.forecasting import GROUP_BUTTONS, GROUPS, MEASURES
from dashboard.i18n import _
from dashboard.metrics import METRICS

MAX_GROUPS = 30  # more small charts than this are no longer read one by one
GRID_COLUMNS = 3  # per row on a wide screen; Streamlit stacks them one per row on a phone
GRID_SHOWN = 6  # the largest groups' charts; the others behind an expander
GRID_HISTORY_MONTHS = 24
WORKERS = 2


@st.cache_data(ttl=3600, max_entries=256, show_spinner=False)
def _forecast_one(values: tuple, last_month) -> forecast.SeriesForecast:
    return forecast.forecast_series(values, last_month)


@st.cache_data(ttl=3600, max_entries=32, show_spinner=False)
def _forecast_groups(series: tuple, last_month) -> tuple[dict, float]:
    started = time.perf_counter()
    results = forecast.forecast_many({key: (values, last_month) for key, values in series}, workers=WORKERS)
    return results, time.perf_counter() - started


filters, as_of = page.context()
st.title(_("Sales forecast"))
forecast.warm_pool(WORKERS)  # in the background: the first group forecast then finds its workers ready

history = data.load("forecast_monthly", filters)
measure_labels = {m: _(METRICS[MEASURES[m]].label) for m in MEASURES}   # a format_func is also called outside the run
controls = st.columns([1, 2])
measure = controls[0].radio(
    _("Forecast"), list(MEASURES), format_func=measure_labels.get, key="forecast_measure", horizontal=True,
    bind="query-params",
)
horizon = controls[1].slider(_("Months ahead"), 1, forecast.HORIZON, 12, key="forecast_horizon", bind="query-params")
label = measure_labels[measure]

if history.is_empty():
    st.caption(filter_bar.describe(filters))
    components.empty_state(_("No sales in this slice up to the end of the period: nothing to forecast. Widen the "
                             "filters."))
    st.stop()

last_month = history["month"].max()
st.caption(_("{filters} · history: every month of the slice from {first} to {last} (the last whole month of the "
             "period; the period's start does not apply)").format(
    filters=filter_bar.describe(filters), first=formats.month(history["month"].min()), last=formats.month(last_month)))
result = _forecast_one(tuple(history[measure].to_list()), last_month)
ahead = result.forecast.head(horizon) if result.status == forecast.STATUS_OK else None

if ahead is None:
    components.empty_state(forecasting.too_short_sentence(history[measure].to_list()))
else:
    st.markdown(forecasting.outlook_sentence(forecasting.outlook(history, ahead, measure), measure))
    if result.beats_baseline:
        st.success(forecasting.accuracy_sentence(result), icon="✅")
    else:
        st.warning(forecasting.accuracy_sentence(result), icon="⚠️")
for note in forecasting.reader_notes(result, ahead):
    st.caption(note)

charts.show(forecasting.forecast_figure(history, ahead, measure, label, horizon), key="forecast_chart")
rows = history.select("month", actual=pl.col(measure).cast(pl.Float64))
if ahead is not None:
    rows = pl.concat([rows, ahead.drop("months_ahead")], how="diagonal")
components.rows_and_sql(rows, "forecast_monthly", _("Sales forecast: {measure}").format(measure=label), filters, as_of,
                        key="forecast_rows")

if ahead is not None:
    with st.expander(_("How this is worked out")):
        st.markdown(forecasting.method_sentence(result))
        st.caption(_(
            "Rolling-origin backtest: each model is fitted on the history before the last twelve months, then "
            "forecasts up to twelve months from every third month of that year, seeing only the months before "
            "each forecast. MASE scales the errors by the baseline's typical in-sample miss; the lowest MASE wins. "
            "The baseline is the seasonal naive forecast (each month = the same month last year), or the naive one "
            "(the last month carried forward) for a history under three years. The shaded ranges are the chosen "
            "model's 80% and 95% prediction intervals."))
        for note in forecasting.analyst_notes(result):
            st.caption(note)
        tables.show(forecasting.scores_table(result), key="forecast_scores")

st.subheader(_("Forecast by group"))
choices = [g for g in GROUPS if not (g == "region" and (filters.region or filters.province or filters.dealer_id))]
if filters.dealer_id is not None:
    choices = [g for g in choices if g != "dealer"]
group_labels = {g: _(GROUPS[g]) for g in GROUPS}
group_by = st.selectbox(_("Forecast"), choices, format_func=group_labels.get, key="forecast_group_by")
request = (group_by, measure, filters)
if st.button(_(GROUP_BUTTONS[group_by]), key="forecast_group_go", type="primary"):
    st.session_state["forecast_group_request"] = request
if st.session_state.get("forecast_group_request") != request:
    st.caption(_("One click forecasts every group on its own (the {count} largest by revenue over the last twelve "
                 "months); a group asked for again comes from the cache.").format(count=MAX_GROUPS))
    st.stop()

grouped = data.load("forecast_by_group", filters, group_by=group_by, max_groups=MAX_GROUPS)
if grouped.is_empty():
    components.empty_state(_("No sales in this slice: no groups to forecast."))
    st.stop()
keys = grouped.unique("group_key", maintain_order=True).select("group_key", "group_label", "count_groups")
series = tuple(
    (key, tuple(part[measure].to_list()))
    for key, part in ((k, grouped.filter(pl.col("group_key") == k)) for k in keys["group_key"].to_list())
)
with st.spinner(_("Forecasting {count} groups…").format(count=len(series))):
    results, seconds = _forecast_groups(series, last_month)
shown_count, total = keys.height, keys["count_groups"][0]
accuracy = forecasting.group_table(keys, grouped, results, measure, horizon)

st.markdown(forecasting.groups_sentence(accuracy))
timing = formats.number(seconds, 1)
st.caption(
    (_("{shown} of {total} groups (the largest by revenue over the last twelve months); forecast in {seconds} s "
       "(later views of the same groups come from the cache).") if total > shown_count else
     _("{shown} of {total} groups; forecast in {seconds} s (later views of the same groups come from the cache)."))
    .format(shown=shown_count, total=total, seconds=timing))

tables.show(
    accuracy.drop("group_key", "change", "has_forecast", "chart_subtitle"), key="forecast_group_accuracy",
    answer=["group_label", "expected_total", "expected_change", "accuracy_verdict"],
    labels={"expected_total": _("Expected in the next {months} months").format(months=horizon)},
)

st.caption(_("{measure}: the last {history} months (solid line) and the next {months} (dashed), with the likely range "
             "(an 8 in 10 chance) shaded.").format(measure=label, history=GRID_HISTORY_MONTHS, months=horizon))


def _small_charts(items) -> None:
    for start in range(0, len(items), GRID_COLUMNS):
        for col, (i, key, name, verdict) in zip(st.columns(GRID_COLUMNS), items[start:start + GRID_COLUMNS]):
            with col:
                fig = forecasting.small_figure(name, verdict, grouped.filter(pl.col("group_key") == key), results[key],
                                               measure, horizon, GRID_HISTORY_MONTHS)
                charts.show(fig, key=f"forecast_grid_{i}")


items = [(i, row["group_key"], row["group_label"], row["chart_subtitle"]) for i, row in enumerate(accuracy.iter_rows(named=True))]
_small_charts(items[:GRID_SHOWN])
if len(items) > GRID_SHOWN:
    with st.expander(_("The other {count} groups").format(count=len(items) - GRID_SHOWN)):
        _small_charts(items[GRID_SHOWN:])

forecasts = pl.concat(
    [results[k].forecast.head(horizon).with_columns(group_key=pl.lit(k)) for k in keys["group_key"].to_list()
     if results[k].status == forecast.STATUS_OK] or [pl.DataFrame()],
    how="diagonal",
)
group_rows = grouped.select("group_rank", "group_key", "group_label", "month", actual=pl.col(measure).cast(pl.Float64))
if not forecasts.is_empty():
    group_rows = pl.concat(
        [group_rows, forecasts.drop("months_ahead").join(keys.select("group_key", "group_label"), on="group_key")],
        how="diagonal",
    )
components.rows_and_sql(group_rows, "forecast_by_group", _(GROUP_BUTTONS[group_by]), filters, as_of,
                        key="forecast_group_rows")
