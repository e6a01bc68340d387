"""Sales forecast: the filtered slice's monthly units or revenue 1-18 months ahead with 80% and 95% intervals,
the backtest that chose the model against the seasonal-naive baseline, and the same for each region, dealer
or product at one click."""
import math
import time

import plotly.graph_objects as go
import polars as pl
import streamlit as st
from plotly.subplots import make_subplots

from analytics import forecast
from dashboard import components, data, page
from dashboard.metrics import METRICS, format_metric

# Dataset column -> metric name (labels and formats come from dashboard.metrics).
MEASURES = {"units": "units", "revenue": "sales_revenue"}
GROUPS = {"region": "each region", "dealer": "each dealer", "product": "each product"}
MAX_GROUPS = 30  # a grid of more small charts than this is no longer readable at a glance
GRID_COLUMNS = 4
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


def _label(measure: str) -> str:
    return METRICS[MEASURES[measure]].label


def _fmt(measure: str, value) -> str:
    return format_metric(MEASURES[measure], value)


def _scores_table(result: forecast.SeriesForecast) -> pl.DataFrame:
    return result.scores.select(
        "model",
        chosen=pl.col("model") == result.model,
        is_baseline="is_baseline",
        mase="mase",
        smape="smape",
        count_errors="count_errors",
        converged="converged",
        status="status",
        note="note",
    )


SCORE_COLUMNS = {
    "chosen": st.column_config.CheckboxColumn("chosen"),
    "is_baseline": st.column_config.CheckboxColumn("baseline"),
    "mase": st.column_config.NumberColumn("MASE", format="%.3f", help=METRICS["mase"].definition),
    "smape": st.column_config.NumberColumn("sMAPE", format="%.1f%%", help=METRICS["smape"].definition),
    "count_errors": st.column_config.NumberColumn("months scored"),
}

filters, as_of = page.context()
st.title("Sales forecast")
forecast.warm_pool(WORKERS)  # in the background: the first group forecast then finds its workers ready

history = data.load("forecast_monthly", filters)
controls = st.columns([1, 2])
measure = controls[0].radio(
    "Forecast", list(MEASURES), format_func=_label, key="forecast_measure", horizontal=True, bind="query-params",
)
horizon = controls[1].slider("Months ahead", 1, forecast.HORIZON, 12, key="forecast_horizon", bind="query-params")

if history.is_empty():
    st.caption(filters.describe())
    components.empty_state("No sales in this slice up to the end of the period: nothing to forecast. Widen the filters.")
    st.stop()

last_month = history["month"].max()
st.caption(
    f"{filters.describe()} · history: every month of the slice from {history['month'].min():%Y-%m} to "
    f"{last_month:%Y-%m} (the last whole month of the period; the period's start does not apply)"
)
result = _forecast_one(tuple(history[measure].to_list()), last_month)
ahead = result.forecast.head(horizon) if result.status == forecast.STATUS_OK else None

fig = go.Figure()
if ahead is not None:
    months = ahead["month"].to_list()
    for level, colour in ((95, "rgba(31,119,180,0.15)"), (80, "rgba(31,119,180,0.30)")):
        fig.add_scatter(x=months, y=ahead[f"upper_{level}"].to_list(), mode="lines", line={"width": 0},
                        showlegend=False, hoverinfo="skip")
        fig.add_scatter(x=months, y=ahead[f"lower_{level}"].to_list(), mode="lines", line={"width": 0},
                        fill="tonexty", fillcolor=colour, name=f"{level}% interval")
fig.add_scatter(x=history["month"].to_list(), y=history[measure].to_list(), mode="lines+markers", name="actual",
                line={"color": "#333"}, marker={"size": 4})
if ahead is not None:
    fig.add_scatter(x=[last_month] + ahead["month"].to_list(),
                    y=[history[measure][-1]] + ahead["forecast"].to_list(), mode="lines+markers",
                    name=f"forecast ({result.model})", line={"color": "#1f77b4", "dash": "dash"}, marker={"size": 4})
fig.update_layout(title=f"{_label(measure)} by month and the next {horizon} months", height=430,
                  yaxis_title=_label(measure), xaxis_title="", legend={"orientation": "h", "y": -0.15})
st.plotly_chart(fig, key="forecast_chart")

rows = history.select("month", actual=pl.col(measure).cast(pl.Float64))
if ahead is not None:
    rows = pl.concat([rows, ahead.drop("months_ahead")], how="diagonal")
components.rows_and_sql(rows, "forecast_monthly", f"Sales forecast: {_label(measure).lower()}", filters, as_of,
                        key="forecast_rows")

if result.status != forecast.STATUS_OK:
    components.empty_state(result.message)
else:
    if result.beats_baseline:
        st.success(result.message, icon="✅")
    else:
        st.warning(result.message, icon="⚠️")
    nxt = ahead.row(0, named=True)
    st.markdown(
        f"**Next month ({nxt['month']:%Y-%m}): {_fmt(measure, nxt['forecast'])}** · 80% interval "
        f"{_fmt(measure, nxt['lower_80'])} to {_fmt(measure, nxt['upper_80'])} · 95% interval "
        f"{_fmt(measure, nxt['lower_95'])} to {_fmt(measure, nxt['upper_95'])}"
    )
    for note in result.notes:
        st.caption(note)

    st.subheader("How the model was chosen")
    st.caption(
        "Rolling-origin backtest: each model is fitted on the history before the last twelve months, then "
        "forecasts up to twelve months from every third month of that year, seeing only the months before "
        "each forecast. MASE scales the errors by the baseline's typical in-sample miss; the lowest MASE wins."
    )
    st.dataframe(_scores_table(result), hide_index=True, width="stretch", column_config=SCORE_COLUMNS,
                 key="forecast_scores")

st.subheader("Forecast by group")
choices = [g for g in GROUPS if not (g == "region" and (filters.region or filters.province or filters.dealer_id))]
if filters.dealer_id is not None:
    choices = [g for g in choices if g != "dealer"]
group_by = st.selectbox("Forecast", choices, format_func=GROUPS.get, key="forecast_group_by")
request = (group_by, measure, filters)
if st.button(f"Forecast {GROUPS[group_by]}", key="forecast_group_go", type="primary"):
    st.session_state["forecast_group_request"] = request
if st.session_state.get("forecast_group_request") != request:
    st.caption(f"One click fits every group's own models (the {MAX_GROUPS} largest by revenue over the last twelve "
               f"months; more than {forecast.SERIAL_UP_TO} in {WORKERS} processes); a group asked for again comes "
               f"from the cache.")
    st.stop()

grouped = data.load("forecast_by_group", filters, group_by=group_by, max_groups=MAX_GROUPS)
if grouped.is_empty():
    components.empty_state("No sales in this slice: no groups to forecast.")
    st.stop()
keys = grouped.unique("group_key", maintain_order=True).select("group_key", "group_label", "count_groups")
series = tuple(
    (key, tuple(part[measure].to_list()))
    for key, part in ((k, grouped.filter(pl.col("group_key") == k)) for k in keys["group_key"].to_list())
)
with st.spinner(f"Fitting {len(series)} series…"):
    results, seconds = _forecast_groups(series, last_month)
shown_count, total = keys.height, keys["count_groups"][0]
st.caption(
    f"{shown_count} of {total} groups{' (the largest by revenue over the last twelve months)' if total > shown_count else ''}; "
    f"fitted in {seconds:.1f} s (later views of the same groups come from the cache)."
)

accuracy = pl.DataFrame([
    {
        "group_key": key,
        "group": label,
        "status": results[key].status,
        "model": results[key].model,
        "beats_baseline": results[key].beats_baseline,
        "mase": results[key].chosen_score("mase"),
        "baseline_mase": results[key].baseline_score("mase"),
        "smape": results[key].chosen_score("smape"),
        "baseline_smape": results[key].baseline_score("smape"),
        "count_months": results[key].n_months,
        "message": results[key].message,
    }
    for key, label in keys.select("group_key", "group_label").iter_rows()
], schema_overrides={"mase": pl.Float64, "baseline_mase": pl.Float64, "smape": pl.Float64, "baseline_smape": pl.Float64,
                     "model": pl.String})

n_rows = math.ceil(keys.height / GRID_COLUMNS)
titles = []
for row in accuracy.iter_rows(named=True):
    if row["status"] != forecast.STATUS_OK:
        titles.append(f"{row['group']}<br><sub>not enough history</sub>")
    else:
        verdict = "beats" if row["beats_baseline"] else "does not beat"
        titles.append(f"{row['group']}<br><sub>{row['model']} · MASE {format_metric('mase', row['mase'])} "
                      f"({verdict} {format_metric('mase', row['baseline_mase'])})</sub>")
grid = make_subplots(rows=n_rows, cols=GRID_COLUMNS, subplot_titles=titles, vertical_spacing=0.5 / max(n_rows, 1) if n_rows > 1 else 0.1)
for i, key in enumerate(keys["group_key"].to_list()):
    r, c = i // GRID_COLUMNS + 1, i % GRID_COLUMNS + 1
    part = grouped.filter(pl.col("group_key") == key).tail(GRID_HISTORY_MONTHS)
    res = results[key]
    if res.status == forecast.STATUS_OK:
        fc = res.forecast.head(horizon)
        grid.add_scatter(x=fc["month"].to_list(), y=fc["upper_80"].to_list(), mode="lines", line={"width": 0},
                         showlegend=False, hoverinfo="skip", row=r, col=c)
        grid.add_scatter(x=fc["month"].to_list(), y=fc["lower_80"].to_list(), mode="lines", line={"width": 0},
                         fill="tonexty", fillcolor="rgba(31,119,180,0.25)", name="80% interval", showlegend=i == 0,
                         row=r, col=c)
        grid.add_scatter(x=fc["month"].to_list(), y=fc["forecast"].to_list(), mode="lines",
                         line={"color": "#1f77b4", "dash": "dash"}, name="forecast", showlegend=i == 0, row=r, col=c)
    grid.add_scatter(x=part["month"].to_list(), y=part[measure].to_list(), mode="lines", line={"color": "#333"},
                     name="actual", showlegend=i == 0, row=r, col=c)
grid.update_layout(height=max(300, 230 * n_rows), margin={"t": 90}, showlegend=False,
                   title=f"{_label(measure)}: last {GRID_HISTORY_MONTHS} months (solid) and the next {horizon} "
                         f"(dashed, with the 80% interval), {GROUPS[group_by]}")
grid.update_annotations(font_size=11)
st.plotly_chart(grid, key="forecast_grid")

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
components.rows_and_sql(group_rows, "forecast_by_group", f"Forecast {GROUPS[group_by]}", filters, as_of,
                        key="forecast_group_rows")

st.markdown(f"**Accuracy {GROUPS[group_by]}** (backtest of the chosen model against its baseline)")
st.dataframe(
    accuracy.drop("group_key"), hide_index=True, width="stretch", key="forecast_group_accuracy",
    column_config={
        "mase": st.column_config.NumberColumn("MASE", format="%.3f"),
        "baseline_mase": st.column_config.NumberColumn("baseline MASE", format="%.3f"),
        "smape": st.column_config.NumberColumn("sMAPE", format="%.1f%%"),
        "baseline_smape": st.column_config.NumberColumn("baseline sMAPE", format="%.1f%%"),
        "beats_baseline": st.column_config.CheckboxColumn("beats baseline"),
    },
)
