"""The sales forecast page's answer in plain words and its charts: what is expected for the coming months and how
good the forecast has been, said without model names (those are for the analysts' expander), and the chart builders.

Every sentence is built here, in the page's run, from the figures analytics/forecast.py returns: the fits run in
worker processes, where the reader's language is unknown, so nothing that comes back from them is shown as text
(SeriesForecast.message and .notes are English and name the models)."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date

import plotly.graph_objects as go
import polars as pl

from analytics import forecast
from dashboard import charts, formats
from dashboard.i18n import N_, _, pgettext

# Dataset column -> metric name (labels and formats come from dashboard.metrics).
MEASURES = {"units": "units", "revenue": "sales_revenue"}
GROUPS = {"region": N_("each region"), "dealer": N_("each dealer"), "product": N_("each product")}
GROUP_BUTTONS = {"region": N_("Forecast each region"), "dealer": N_("Forecast each dealer"),
                 "product": N_("Forecast each product")}
HQ_DIRECT = "HQ direct"  # the group the SQL makes of sales without a dealer
# Below this the chosen model's edge over the yardstick is too small to call "n times as accurate".
CLEAR_FACTOR = 1.1
SHOWN_HISTORY_MONTHS = 36  # the main chart opens on the last three years and the months ahead


def value_text(measure: str, value: float | None) -> str:
    """A forecast figure in a sentence: '1,910 units' / '1,910 台', or money in 万/亿 (k/M/B)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return formats.EMPTY
    if measure == "revenue":
        return formats.money(value)
    return _("{count} units").format(count=formats.number(round(value)))


def range_text(measure: str, low: float, high: float) -> str:
    """'between 1,743 and 2,078 units' / 'between ¥1.81亿 and ¥2.40亿': the unit once."""
    if measure == "revenue":
        return _("between {low} and {high}").format(low=formats.money(low), high=formats.money(high))
    return _("between {low} and {high} units").format(low=formats.number(round(low)), high=formats.number(round(high)))


def group_name(label: str) -> str:
    return _("HQ direct") if label == HQ_DIRECT else label


# --- how good the forecast has been ------------------------------------------------------------------


def backtest_months(n_months: int) -> int | None:
    """How many of the last months the backtest forecast and scored (12 for a series of three years or more)."""
    plan = forecast.plan_for(n_months)
    return None if plan is None else n_months - plan.origins[0]


def is_seasonal(result: forecast.SeriesForecast) -> bool:
    """Whether the yardstick repeats last year's same month (long series) or the last month (short ones)."""
    return result.baseline == forecast.SEASONAL_NAIVE.name


def accuracy_factor(result: forecast.SeriesForecast) -> float | None:
    """The yardstick's backtest error / the chosen model's: 2.0 = half the error, 'twice as accurate'.

    MASE is the mean absolute error divided by one scale shared by every candidate of a series, so the ratio of two
    MASEs is the ratio of their mean absolute errors; sMAPE's ratio stands in where MASE is undefined (a flat
    history). None: no forecast, or the chosen model is the yardstick itself (nothing to compare)."""
    if result.status != forecast.STATUS_OK or result.model is None or result.model == result.baseline:
        return None
    for column in ("mase", "smape"):
        mine, theirs = result.chosen_score(column), result.baseline_score(column)
        if mine is not None and theirs is not None:
            return math.inf if mine == 0 else theirs / mine
    return None


def factor_text(factor: float) -> str:
    return "∞" if math.isinf(factor) else formats.number(factor, 1)


def accuracy_sentence(result: forecast.SeriesForecast) -> str:
    """How good the forecast has been, in plain words, e.g. 'Over the last 12 months this forecast was 2.1x more
    accurate than repeating last year's same month.'; says so plainly when it was not better."""
    months = backtest_months(result.n_months)
    factor = accuracy_factor(result)
    seasonal = is_seasonal(result)
    if not result.beats_baseline or factor is None:
        if seasonal:
            return _("Over the last {months} months no forecasting method did better than simply repeating last "
                     "year's same month, so the forecast shown does just that.").format(months=months)
        return _("Over the last {months} months no forecasting method did better than simply repeating the last "
                 "month, so the forecast shown does just that.").format(months=months)
    if factor >= CLEAR_FACTOR:
        if seasonal:
            return _("Over the last {months} months this forecast was {factor}x more accurate than repeating last "
                     "year's same month.").format(months=months, factor=factor_text(factor))
        return _("Over the last {months} months this forecast was {factor}x more accurate than repeating the last "
                 "month.").format(months=months, factor=factor_text(factor))
    smaller = formats.percent(1 - 1 / factor, 0)
    if seasonal:
        return _("Over the last {months} months this forecast was only slightly more accurate than repeating last "
                 "year's same month (its errors were {smaller} smaller).").format(months=months, smaller=smaller)
    return _("Over the last {months} months this forecast was only slightly more accurate than repeating the last "
             "month (its errors were {smaller} smaller).").format(months=months, smaller=smaller)


def group_verdict(result: forecast.SeriesForecast) -> str:
    """A group's accuracy in a few words, for a small chart's subtitle."""
    if result.status != forecast.STATUS_OK:
        return _("not enough history")
    factor = accuracy_factor(result)
    if not result.beats_baseline or factor is None:
        return _("no better than repeating last year") if is_seasonal(result) else _("no better than repeating last month")
    if factor < CLEAR_FACTOR:
        return _("slightly better than repeating last year") if is_seasonal(result) else \
            _("slightly better than repeating last month")
    return (_("{factor}x as accurate as repeating last year") if is_seasonal(result) else
            _("{factor}x as accurate as repeating last month")).format(factor=factor_text(factor))


def group_verdict_short(result: forecast.SeriesForecast) -> str:
    """The same in a table cell that a phone shows whole (the column's header names the yardstick)."""
    if result.status != forecast.STATUS_OK:
        return _("not enough history")
    factor = accuracy_factor(result)
    if not result.beats_baseline or factor is None:
        return _("no better")
    if factor < CLEAR_FACTOR:
        return _("slightly better")
    return _("{factor}x as accurate").format(factor=factor_text(factor))


def too_short_sentence(values) -> str:
    """Why nothing is forecast (analytics/forecast.py's rule: at least MIN_MONTHS months, MIN_SELLING_MONTHS with sales)."""
    n = len(values)
    selling = sum(1 for v in values if v)
    if n >= forecast.MIN_MONTHS and selling < forecast.MIN_SELLING_MONTHS:
        return _("Not enough history to forecast: sales in only {selling} of {months} months; a forecast needs sales "
                 "in at least {needed}.").format(selling=selling, months=n, needed=forecast.MIN_SELLING_MONTHS)
    if n == 1:
        return _("Not enough history to forecast: 1 month; a forecast needs at least {needed}.").format(
            needed=forecast.MIN_MONTHS)
    return _("Not enough history to forecast: {months} months; a forecast needs at least {needed}.").format(
        months=n, needed=forecast.MIN_MONTHS)


def reader_notes(result: forecast.SeriesForecast, ahead: pl.DataFrame | None) -> list[str]:
    """What a reader should know about this forecast, in plain words."""
    notes = []
    if result.status == forecast.STATUS_OK and not is_seasonal(result):
        notes.append(_("Only {months} months of history: seasonal models need {needed}, so this forecast does not "
                       "follow the seasons and is compared with repeating the last month.").format(
            months=result.n_months, needed=forecast.SEASONAL_MIN_MONTHS))
    if ahead is not None and not ahead.is_empty() and ahead["lower_95"].min() <= 0:
        notes.append(_("Range bounds below zero are shown as zero: sales cannot be negative."))
    return notes


def model_label(name: str | None) -> str | None:
    """A candidate's name for the reader: the ones in plain words translated, the others (ETS(A,N,A), SARIMA...,
    Theta) are names of methods and stay as they are."""
    return pgettext("forecast_model", name) if name else name


def analyst_notes(result: forecast.SeriesForecast) -> list[str]:
    """The fitting details the analysts' expander adds (models that failed or did not converge)."""
    notes = []
    if result.status != forecast.STATUS_OK or result.scores.is_empty():
        return notes
    best = forecast.choose(result.scores)
    if best != result.model:
        notes.append(_("{best} did best in the backtest but failed or ran away on the whole history; {model} is "
                       "shown instead.").format(best=model_label(best), model=model_label(result.model)))
    not_converged = result.scores.filter(pl.col("converged") == False)["model"].to_list()  # noqa: E712
    if not_converged:
        notes.append(_("Did not converge (left out of the choice): {models}.").format(
            models=", ".join(model_label(m) for m in not_converged)))
    return notes


def method_sentence(result: forecast.SeriesForecast) -> str:
    """The choice in the analysts' terms: model names and backtest errors."""
    values = dict(model=model_label(result.model), baseline=model_label(result.baseline),
                  mase=formats.number(result.chosen_score("mase"), 2) if result.chosen_score("mase") is not None
                  else formats.EMPTY,
                  baseline_mase=formats.number(result.baseline_score("mase"), 2)
                  if result.baseline_score("mase") is not None else formats.EMPTY)
    if result.model == result.baseline or not result.beats_baseline:
        return _("Chosen: {model}, the baseline itself (MASE {mase}): no candidate beat it in the backtest.").format(
            **values)
    return _("Chosen: {model}, MASE {mase} against the {baseline} baseline's {baseline_mase} (lower is better).").format(
        **values)


# --- what is expected ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outlook:
    """The months ahead in numbers: their total, the same months a year earlier where the history has them, and the
    next month with its 80% range."""
    first_month: date
    last_month: date
    total: float
    year_before: float | None  # the same calendar months one year earlier (None: not all in the history)
    next_month: date
    next_value: float
    next_low: float
    next_high: float

    @property
    def change(self) -> float | None:
        if self.year_before is None or self.year_before <= 0:
            return None
        return self.total / self.year_before - 1


def outlook(history: pl.DataFrame, ahead: pl.DataFrame, measure: str) -> Outlook:
    months = ahead["month"].to_list()
    earlier = [forecast.add_months(m, -12) for m in months]
    known = dict(zip(history["month"].to_list(), history[measure].to_list()))
    year_before = float(sum(known[m] for m in earlier)) if all(m in known for m in earlier) else None
    first = ahead.row(0, named=True)
    return Outlook(months[0], months[-1], float(ahead["forecast"].sum()), year_before, first["month"],
                   first["forecast"], first["lower_80"], first["upper_80"])


def outlook_sentence(o: Outlook, measure: str) -> str:
    """The answer first: e.g. '**Expected for Dec 2026 to Nov 2027: 20,345 units**, 4.1% more than the same months a
    year earlier. Next month (Dec 2026): 1,910 units, most likely between 1,743 and 2,078 (an 8 in 10 chance).'"""
    total = value_text(measure, o.total)
    change = o.change
    if o.first_month == o.last_month:
        head = _("**Expected for {month}: {total}**").format(month=formats.month(o.first_month), total=total)
    else:
        head = _("**Expected for {first} to {last}: {total}**").format(
            first=formats.month(o.first_month), last=formats.month(o.last_month), total=total)
    if change is None:
        compared = ""
    elif round(change, 3) > 0:
        compared = _("{change} more than the same months a year earlier").format(change=formats.percent(change))
    elif round(change, 3) < 0:
        compared = _("{change} less than the same months a year earlier").format(change=formats.percent(-change))
    else:
        compared = _("as much as the same months a year earlier")
    nxt = _("Next month ({month}): {value}, most likely {range} (an 8 in 10 chance).").format(
        month=formats.month(o.next_month), value=value_text(measure, o.next_value),
        range=range_text(measure, o.next_low, o.next_high))
    if compared:
        return _("{expected}, {compared}. {next}").format(expected=head, compared=compared, next=nxt)
    return _("{expected}. {next}").format(expected=head, next=nxt)


def group_outlook(history: pl.DataFrame, result: forecast.SeriesForecast, measure: str, horizon: int) -> Outlook | None:
    if result.status != forecast.STATUS_OK:
        return None
    return outlook(history, result.forecast.head(horizon), measure)


def as_text(df: pl.DataFrame, digits: dict[str, int]) -> pl.DataFrame:
    """Number columns that may be empty (a group too short to forecast, a model that failed) as text, an empty one as
    "—": a number column of st.dataframe shows "None" there."""
    return df.with_columns(
        pl.Series(name, [formats.number(v, d) if v is not None else formats.EMPTY for v in df[name].to_list()],
                  dtype=pl.String)
        for name, d in digits.items()
    )


ANALYST_DIGITS = {"mase": 3, "baseline_mase": 3, "smape": 1, "baseline_smape": 1}


def group_table(keys: pl.DataFrame, grouped: pl.DataFrame, results: dict, measure: str, horizon: int) -> pl.DataFrame:
    """One row per group: the expected total of the months ahead and its change on a year earlier, the accuracy in
    words, then the analysts' figures."""
    rows = []
    for key, label in keys.select("group_key", "group_label").iter_rows():
        result = results[key]
        o = group_outlook(grouped.filter(pl.col("group_key") == key), result, measure, horizon)
        factor = accuracy_factor(result)
        rows.append({
            "group_key": key,
            "group_label": group_name(label),
            # Text, like the headline: "83 units", "¥1.2亿"; "—" for a group too short to forecast.
            "expected_total": value_text(measure, o.total) if o else formats.EMPTY,
            # As text: a change that cannot be computed reads "—" (a number column would show "None").
            "expected_change": formats.change(o.change) if o and o.change is not None else formats.EMPTY,
            "accuracy_verdict": group_verdict_short(result),
            "chart_subtitle": group_verdict(result),
            "change": o.change if o else None,   # for the sentence's ranking; not shown
            "has_forecast": result.status == forecast.STATUS_OK,
            "beats_baseline": result.beats_baseline,
            "accuracy_factor": None if factor is None or math.isinf(factor) else factor,
            "model": result.model,
            "mase": result.chosen_score("mase"),
            "baseline_mase": result.baseline_score("mase"),
            "smape": result.chosen_score("smape"),
            "baseline_smape": result.baseline_score("smape"),
            "count_months": result.n_months,
        })
    numbers = ("change", "accuracy_factor", "mase", "baseline_mase", "smape", "baseline_smape")
    table = pl.DataFrame(rows, schema_overrides={"model": pl.String, **{c: pl.Float64 for c in numbers}})
    return as_text(table, {"accuracy_factor": 2, **ANALYST_DIGITS})


def groups_sentence(table: pl.DataFrame) -> str:
    """The groups' answer: how many forecasts beat the simple rule, and the largest expected rise and fall."""
    forecastable = table.filter(pl.col("has_forecast"))
    parts = [_("{beats} of {count} forecasts were more accurate than simply repeating the past.").format(
        beats=int(forecastable["beats_baseline"].sum()), count=table.height)]
    short = table.height - forecastable.height
    if short:
        parts.append(_("{count} have too little history to forecast.").format(count=short))
    changes = forecastable.drop_nulls("change").sort("change", descending=True)
    if changes.height >= 2:
        top, bottom = changes.row(0, named=True), changes.row(-1, named=True)
        parts.append(_("Against the same months a year earlier, the strongest outlook is {up} ({up_change}) and the "
                       "weakest {down} ({down_change}).").format(
            up=top["group_label"], up_change=top["expected_change"],
            down=bottom["group_label"], down_change=bottom["expected_change"]))
    text = parts[0]
    for part in parts[1:]:
        # TRANSLATORS: two sentences one after the other (Chinese leaves no space between them)
        text = _("{sentence} {next}").format(sentence=text, next=part)
    return text


# --- charts -------------------------------------------------------------------------------------------


def _nice_step(span: float, ticks: int = 5, whole: bool = False) -> float:
    raw = span / max(ticks, 1)
    magnitude = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    if whole and magnitude < 1:
        return 1
    for step in ((1, 2, 5, 10) if whole and magnitude < 10 else (1, 2, 2.5, 5, 10)):
        if step * magnitude >= raw:
            return step * magnitude
    return 10 * magnitude


def value_axis(fig: go.Figure, measure: str, top: float, **where) -> None:
    """The y axis in the reader's units: money ticks in 万/亿 (k/M/B), counts with separators, from 0."""
    top = max(top, 1.0)
    step = _nice_step(top, whole=measure != "revenue")   # whole units: no 2.5 step read as "2, 5, 8"
    ticks = [i * step for i in range(int(top // step) + 2)]
    fig.update_yaxes(tickvals=ticks, ticktext=[formats.money(t) if measure == "revenue" else formats.number(t)
                                               for t in ticks],
                     range=[0, top * 1.05], rangemode="tozero", **where)


def _hover(months, values, measure: str, lows=None, highs=None) -> list[list[str]]:
    if lows is None:
        return [[formats.month(m), value_text(measure, v), ""] for m, v in zip(months, values)]
    return [[formats.month(m), value_text(measure, v),
             _("likely {range}").format(range=range_text(measure, lo, hi))]
            for m, v, lo, hi in zip(months, values, lows, highs)]


def _band(fig: go.Figure, ahead: pl.DataFrame, level: int, opacity: float, name: str, legend: bool, **where) -> None:
    rank = 3 if level == 80 else 4  # the legend reads: actual, forecast, likely range, wide range
    months = ahead["month"].to_list()
    fig.add_scatter(x=months, y=ahead[f"upper_{level}"].to_list(), mode="lines", line={"width": 0},
                    showlegend=False, hoverinfo="skip", **where)
    fig.add_scatter(x=months, y=ahead[f"lower_{level}"].to_list(), mode="lines", line={"width": 0}, fill="tonexty",
                    fillcolor=_rgba(charts.MAIN, opacity), name=name, showlegend=legend, hoverinfo="skip",
                    legendrank=rank, **where)


def _rgba(colour: str, opacity: float) -> str:
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{opacity})"


def _lines(fig: go.Figure, history: pl.DataFrame, ahead: pl.DataFrame | None, measure: str, legend: bool,
           **where) -> None:
    template = "%{customdata[0]}<br><b>%{customdata[1]}</b><br>%{customdata[2]}<extra>%{fullData.name}</extra>"
    months, values = history["month"].to_list(), history[measure].to_list()
    fig.add_scatter(x=months, y=values, mode="lines+markers", name=_("Actual"), line={"color": charts.MAIN, "width": 2},
                    marker={"size": 4}, customdata=_hover(months, values, measure), hovertemplate=template,
                    showlegend=legend, legendrank=1, **where)
    if ahead is not None:
        # The dashed line starts at the last actual month, so the two lines join.
        months = [history["month"][-1]] + ahead["month"].to_list()
        values = [history[measure][-1]] + ahead["forecast"].to_list()
        lows = [history[measure][-1]] + ahead["lower_80"].to_list()
        highs = [history[measure][-1]] + ahead["upper_80"].to_list()
        fig.add_scatter(x=months, y=values, mode="lines+markers", name=_("Forecast"),
                        line={"color": charts.MAIN, "dash": "dash", "width": 2}, marker={"size": 4},
                        customdata=_hover(months, values, measure, lows, highs), hovertemplate=template,
                        showlegend=legend, legendrank=2, **where)


def forecast_figure(history: pl.DataFrame, ahead: pl.DataFrame | None, measure: str, label: str,
                    horizon: int) -> go.Figure:
    """The slice's months and the months ahead with their likely (80%) and wide (95%) ranges."""
    fig = go.Figure()
    if ahead is not None:
        _band(fig, ahead, 95, 0.12, _("Wide range (19 in 20 chance)"), True)
        _band(fig, ahead, 80, 0.28, _("Likely range (8 in 10 chance)"), True)
    _lines(fig, history, ahead, measure, True)
    top = max([*history[measure].to_list(), *(ahead["upper_95"].to_list() if ahead is not None else [])] or [1])
    title = _("{measure} by month and the next {months} months").format(measure=label, months=horizon)
    charts.finish(fig, title, height=440)
    fig.update_layout(legend_traceorder="normal")
    value_axis(fig, measure, top)
    # The last three years and the months ahead: older months stay a drag away, out of the forecast's way.
    end = ahead["month"][-1] if ahead is not None else history["month"][-1]
    start = max(history["month"][0], forecast.add_months(history["month"][-1], -SHOWN_HISTORY_MONTHS))
    fig.update_xaxes(tickformat="%Y-%m", title_text="", range=[forecast.add_months(start, -1), forecast.add_months(end, 1)])
    fig.update_layout(hovermode="closest")
    return fig


def wrap(text: str, width: int = 18) -> str:
    """A long name over lines (<br>) for a small chart's title: Chinese names break anywhere, others at spaces;
    `width` counts a Chinese character as two."""
    lines, line, size = [], "", 0
    for token in re.findall(r"[\u2e80-\u9fff\uff00-\uffef]\s*|\S+\s*", text):
        cost = 2 if ord(token[0]) > 0x2e7f else len(token)
        if line and size + cost > 2 * width:
            lines.append(line.rstrip())
            line, size = "", 0
        line += token
        size += cost
    lines.append(line.rstrip())
    return "<br>".join(lines)


def small_figure(name: str, verdict: str, history: pl.DataFrame, result: forecast.SeriesForecast, measure: str,
                 horizon: int, history_months: int) -> go.Figure:
    """One group's last months and forecast, titled by its name and its accuracy in words; no legend (the page
    says once what the lines mean)."""
    part = history.tail(history_months)
    ahead = result.forecast.head(horizon) if result.status == forecast.STATUS_OK else None
    fig = go.Figure()
    if ahead is not None:
        _band(fig, ahead, 80, 0.28, _("Likely range (8 in 10 chance)"), False)
    _lines(fig, part, ahead, measure, False)
    title = wrap(name)
    lines = title.count("<br>") + 1
    charts.finish(fig, title, height=260 + 22 * lines, legend=False)
    fig.update_layout(title={"subtitle": {"text": verdict, "font": {"size": 13}}},
                      margin={"t": 64 + 22 * lines, "l": 10, "r": 10, "b": 10})
    top = max([*part[measure].to_list(), *(ahead["upper_80"].to_list() if ahead is not None else [])] or [1])
    value_axis(fig, measure, top)
    fig.update_xaxes(tickformat="%Y-%m", nticks=4, title_text="")
    return fig


# --- tables -------------------------------------------------------------------------------------------


def scores_table(result: forecast.SeriesForecast) -> pl.DataFrame:
    """The candidates' backtest figures, for the analysts' expander."""
    labels = {m: model_label(m) for m in result.scores["model"]}
    return as_text(result.scores.select(
        pl.col("model").replace_strict(labels),
        is_chosen=pl.col("model") == result.model,
        is_baseline="is_baseline",
        mase="mase",
        smape="smape",
        count_errors="count_errors",
        converged="converged",
        fit_status=pl.col("status").replace_strict(fit_status_labels(), default=pl.col("status")),
        note="note",
    ), {"mase": 3, "smape": 1})


def fit_status_labels() -> dict[str, str]:
    """A candidate's status (analytics/forecast.py) in the reader's language; looked up during the run."""
    return {"ok": pgettext("fit_status", "ok"), "unstable": pgettext("fit_status", "unstable"),
            "failed": pgettext("fit_status", "failed")}
