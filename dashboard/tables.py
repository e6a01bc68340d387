"""Tables for people: human headers in the reader's language, money in yuan, dates without a midnight time, stored
values translated, an empty value as "—", and the answer a table exists for first with the rest behind a toggle."""
from __future__ import annotations

from datetime import date, datetime

import polars as pl
import streamlit as st

from dashboard import formats
from dashboard.columns import column
from dashboard.i18n import _, pgettext

# printf-style formats of st.column_config (sprintf-js; "," groups thousands). Money in tables is exact yuan with
# separators in both languages, so that a column sorts and adds up as a spreadsheet would; 万/亿 are for headlines.
NUMBER_FORMATS = {
    "money": "¥%,.0f", "count": "%,d", "days": "%,d", "score": "%.1f", "hours": "%,.1f", "number": "%,.2f",
    "share": "percent", "ratio": "percent", "points": "percent",
}

# The same formats in Python, for a number column shown as text.
TEXT_FORMATS = {
    "money": "¥{:,.0f}", "count": "{:,.0f}", "days": "{:,.0f}", "score": "{:.1f}", "hours": "{:,.1f}",
    "number": "{:,.2f}", "share": "{:.2%}", "ratio": "{:.2%}", "points": "{:.2%}",
}


def for_browser(df: pl.DataFrame):
    """The frame as an Arrow table for st.dataframe: given a Polars frame, Streamlit converts it to pandas and then
    to Arrow, which took 3.7 ms for a 200-row table against 0.14 ms (most of a rerun's table cost). The oldest
    compatibility level keeps strings as Arrow's large_string, which the browser's Arrow reader knows."""
    return df.to_arrow(compat_level=pl.CompatLevel.oldest())


def _as_text(values: pl.Series, show) -> pl.Series:
    """A column as text through `show`, computed once per distinct value (a page of rows has few)."""
    shown = {v: show(v) for v in values.unique().to_list() if v is not None}
    return values.replace_strict(shown, default=formats.EMPTY, return_dtype=pl.String)


def readable(df: pl.DataFrame, labels: dict[str, str] | None = None,
             kinds: dict[str, str] | None = None) -> tuple[pl.DataFrame, dict]:
    """The frame with text columns ready to read, and the column_config that names and formats every column.
    `labels` overrides a header (already translated), `kinds` a column's kind (a column whose unit is the chosen
    metric's)."""
    labels, kinds = labels or {}, kinds or {}
    config: dict = {}
    out = []
    for name, dtype in df.schema.items():
        spec = column(name)
        label = labels.get(name) or _(spec.label)
        series = df[name]
        kind = kinds.get(name, spec.kind)
        if kind.startswith("value:"):
            context = kind.split(":", 1)[1]
            series = _as_text(series.cast(pl.String), lambda v, c=context: pgettext(c, v))
            config[name] = st.column_config.TextColumn(label)
        elif kind == "moment" or isinstance(dtype, pl.Datetime):
            series = _as_text(series, lambda v: f"{v:%Y-%m-%d %H:%M}" if isinstance(v, datetime) and (v.hour or v.minute)
                              else f"{v:%Y-%m-%d}")
            config[name] = st.column_config.TextColumn(label)
        elif kind == "month":
            series = _as_text(series, formats.month)
            config[name] = st.column_config.TextColumn(label)
        elif dtype == pl.Date:
            series = _as_text(series, lambda v: f"{v:%Y-%m-%d}" if isinstance(v, date) else str(v))
            config[name] = st.column_config.TextColumn(label)
        elif kind == "flag" or dtype == pl.Boolean:
            config[name] = st.column_config.CheckboxColumn(label)
        elif dtype.is_numeric() and series.null_count():
            # A number column with empty cells: Streamlit writes "None" in them, so the column is shown as text, with
            # "—" where there is no value (it then sorts as text: the price of not showing "None" to a reader).
            shown = TEXT_FORMATS.get(kind, "{:,}")
            series = _as_text(series, shown.format)
            config[name] = st.column_config.TextColumn(label)
        elif dtype.is_numeric() and kind in NUMBER_FORMATS:
            config[name] = st.column_config.NumberColumn(label, format=NUMBER_FORMATS[kind])
        elif dtype.is_numeric():
            config[name] = st.column_config.NumberColumn(label)
        else:
            if dtype in (pl.String, pl.Categorical, pl.Enum):
                series = series.cast(pl.String).fill_null(formats.EMPTY)
            config[name] = st.column_config.TextColumn(label)
        out.append(series.alias(name))
    return pl.DataFrame(out) if out else df, config


def show(df: pl.DataFrame, *, key: str, answer: list[str] | None = None, labels: dict[str, str] | None = None,
         kinds: dict[str, str] | None = None, height: int | None = None, **kwargs) -> None:
    """A table with its answer first: the `answer` columns, and the rest behind a "Show all columns" toggle."""
    shown = df
    if answer:
        rest = [c for c in df.columns if c not in answer]
        if rest and not st.toggle(_("Show all columns"), key=f"{key}_details",
                                  help=_("Also show: {columns}").format(
                                      columns=", ".join(labels.get(c) if labels and c in labels else _(column(c).label)
                                                        for c in rest))):
            shown = df.select(answer)
        else:
            shown = df.select(answer + rest)
    frame, config = readable(shown, labels, kinds)
    st.dataframe(for_browser(frame), hide_index=True, width="stretch", column_config=config, key=key,
                 **({"height": height} if height else {}), **kwargs)
