"""Page parts every page uses: KPI tiles, charts with the rows and SQL behind them, the drill breadcrumb."""
from __future__ import annotations

import re
from datetime import date

import polars as pl
import streamlit as st

from dashboard import data, export, filter_bar, formats, i18n, tables
from dashboard.i18n import _
from dashboard.metrics import METRICS, delta_text, format_metric
from queries.filters import Filters


def slug(text: str) -> str:
    """A file name from a title, in any script ('关键指标' stays; it once became an empty name)."""
    return re.sub(r"[^\w]+", "_", text.lower()).strip("_") or "rows"


def kpi_tile(name: str, current: dict, previous: dict, spark: pl.DataFrame | None = None, flagged: bool = False) -> None:
    """One KPI: value, change against the comparison period, a sparkline and the sample size where it has one; a ⚠
    before the label when the Alerts page flags its monthly series (dashboard/alerts.py: flagged_kpis)."""
    metric = METRICS[name]
    value = current.get(name)
    label = _(metric.label)
    if metric.count_column:
        label += f" (n={int(current.get(metric.count_column) or 0):,})"
    help_text = _(metric.definition)
    if flagged:
        label = "⚠ " + label
        help_text += "\n\n" + _("⚠ Flagged: the last complete month is outside the range its forecast allows (see the "
                                 "Alerts page).")
    spark_values = None
    if spark is not None and name in spark.columns:
        spark_values = [v for v in spark[name].to_list() if v is not None]
    delta = delta_text(name, value, previous.get(name))
    st.metric(
        label,
        format_metric(name, value),
        delta=delta,
        # no change is neither good nor bad: grey, not a red or green arrow
        delta_color="off" if formats.is_zero_change(delta) else "normal" if metric.higher_is_better else "inverse",
        delta_arrow="off" if formats.is_zero_change(delta) else "auto",
        help=help_text,
        chart_data=spark_values or None,
        chart_type="line",
        border=True,
        height="stretch",   # the tiles of a row as tall as the tallest: an even grid, with or without a sparkline
    )


def empty_state(message: str) -> None:
    st.info(message, icon="ℹ️")


# The most rows a table sends to the browser. A dataset of every dealer by month or by check runs to thousands of rows
# at 800 dealers (a region's 2,448 alert checks, its 3,528 rows of attainment by dealer and month: 0.97 and 0.71 MB of
# tables after a region change), even a closed expander's table is sent with the page, and nobody reads past a few
# hundred rows in a browser. The downloads hold every row: their files are made from the whole frame when the button
# is clicked (a deferred download sends an id, not the data).
ROW_LIMIT = 200


def limit_note(shown: int, total: int) -> str:
    """Under a table cut to its first rows: how many there are, and where the rest are."""
    return _("The first {shown} of {total} rows are shown; the CSV and Excel downloads hold all {total}.").format(
        shown=formats.number(shown), total=formats.number(total))


def rows_and_sql(df: pl.DataFrame, dataset: str, title: str, filters: Filters | None, as_of: date, key: str) -> None:
    """The rows behind a chart (the first ROW_LIMIT of them, in the dataset's order) and the SQL that made them, with
    CSV and Excel downloads of every row."""
    with st.expander(_("Rows and SQL: {title}").format(title=title)):
        if df.height > ROW_LIMIT:
            st.caption(limit_note(ROW_LIMIT, df.height))
        st.dataframe(tables.for_browser(df.head(ROW_LIMIT)), hide_index=True, width="stretch")
        st.code(data.sql_of(dataset), language="sql")
        filters_text = filter_bar.describe(filters) if filters else _("none (whole mart)")
        # The files are made only when someone clicks, not on every rerun.
        name = slug(title)
        left, middle, right = st.columns(3)
        # The files are made when the button is clicked, outside this run: in the language of now.
        lang = i18n.language()
        left.download_button(
            _("Download CSV"), i18n.in_language(lang, lambda: export.to_csv(df, title, filters_text, as_of)),
            file_name=f"{name}.csv",
            mime="text/csv", key=f"csv_{key}", on_click="ignore",
        )
        middle.download_button(
            _("CSV, rows only"), i18n.in_language(lang, lambda: export.to_csv(df, title, filters_text, as_of, context=False)),
            file_name=f"{name}_rows.csv", mime="text/csv", key=f"csv_rows_{key}", on_click="ignore",
            help=_("Without the title, filter and date lines, for tools that read only a header and rows."),
        )
        right.download_button(
            _("Download Excel"), i18n.in_language(lang, lambda: export.to_excel(df, title, filters_text, as_of)),
            file_name=f"{name}.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key=f"xlsx_{key}",
            on_click="ignore",
        )


def breadcrumb(filters: Filters, dealer_name: str | None) -> None:
    """All regions > region > province > dealer, each step a button back up."""
    steps = [(_("All regions"), "all")]
    if filters.region:
        steps.append((filters.region, "region"))
    if filters.province:
        steps.append((filters.province, "province"))
    if filters.dealer_id is not None:
        steps.append((dealer_name or f"dealer #{filters.dealer_id}", None))
    cols = st.columns(len(steps) + 2)
    for i, (label, level) in enumerate(steps):
        is_last = i == len(steps) - 1
        cols[i].button(
            label if not is_last else f"**{label}**", key=f"crumb_{i}", disabled=is_last,
            on_click=filter_bar.drill_up, args=(level,), type="tertiary",
        )


def bound_tabs(key: str, labels: dict[str, str], context: str | None = "tab") -> list[str]:
    """Tab labels in the reader's language for st.tabs(..., key=key, bind="query-params"), whose link value is the
    open tab's label. `labels` maps each tab's English message to its label now (looked up by the caller, so the
    catalog finds the literal); a tab named in another language (a link shared from an English session, a language
    switch) becomes the same tab's label in this one, set through the session, which the bound tabs read on this run.
    Without this Streamlit finds no such tab and opens the first."""
    chosen = st.session_state.get(key) or st.query_params.get(key)
    if chosen and chosen not in labels.values():
        for message, label in labels.items():
            if chosen == message or chosen in {i18n.catalog(code).get((context, message)) for code in i18n.LANGUAGES}:
                st.session_state[key] = label
                break
    return list(labels.values())
