"""Exports of the rows behind a chart: CSV and Excel that carry the active filters and the data's as-of date."""
from __future__ import annotations

import io
import re
from datetime import date

import polars as pl

from dashboard.columns import column
from dashboard.i18n import _

# A spreadsheet reads a cell that starts with one of these as a formula (CSV injection): such text is exported with a
# leading apostrophe, which Excel and LibreOffice show as plain text.
FORMULA_PATTERN = r"^[=+\-@\t\r]"


def neutralised(df: pl.DataFrame) -> pl.DataFrame:
    """The frame with every text cell that a spreadsheet would run as a formula made plain text."""
    text = [c for c, t in df.schema.items() if t == pl.String]
    return df.with_columns(
        pl.when(pl.col(c).str.contains(FORMULA_PATTERN))
        .then(pl.lit("'") + pl.col(c)).otherwise(pl.col(c)).alias(c)
        for c in text
    )


def headed(df: pl.DataFrame) -> pl.DataFrame:
    """The frame with its columns' human headers in the reader's language (a header two columns share keeps the
    column's name beside it, so that no two columns of a file are named alike)."""
    labels = [_(column(name).label) for name in df.columns]
    unique = [label if labels.count(label) == 1 else f"{label} ({name})" for label, name in zip(labels, df.columns)]
    return df.rename(dict(zip(df.columns, unique)))


def header_lines(title: str, filters_text: str, as_of: date) -> list[str]:
    # One cell each: a comma, quote or line break in a title or filter value (a customer number, a region) would
    # start a new CSV cell, which a spreadsheet could run as a formula.
    lines = [f"{title}", _("filters: {filters}").format(filters=filters_text),
             _("data as of: {day}").format(day=f"{as_of:%Y-%m-%d}")]
    return [re.sub(r"[,\"\r\n\t]", " ", line) for line in lines]


def to_csv(df: pl.DataFrame, title: str, filters_text: str, as_of: date, *, context: bool = True) -> bytes:
    """UTF-8 CSV with a byte-order mark (Excel on Chinese Windows reads it as UTF-8, not as GBK). With `context`,
    the title, filters and as-of date lead as '#' lines (read back with comment_prefix='#'); without, the rows
    alone, for a spreadsheet or tool that chokes on them."""
    head = "".join(f"# {line}\n" for line in header_lines(title, filters_text, as_of)) if context else ""
    return ("\ufeff" + head + neutralised(headed(df)).write_csv()).encode("utf-8")


def to_excel(df: pl.DataFrame, title: str, filters_text: str, as_of: date) -> bytes:
    """An .xlsx workbook: the rows on sheet 'data', the filters and as-of date on sheet 'about'."""
    # Imported here, not at the top: every page imports this module for its download buttons, and xlsxwriter
    # (15-25 ms) is needed only when someone clicks "Download Excel".
    import xlsxwriter

    buffer = io.BytesIO()
    # strings_to_formulas off: xlsxwriter would otherwise turn text such as =HYPERLINK(...) into a live formula.
    with xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False}) as workbook:
        neutralised(headed(df)).write_excel(workbook=workbook, worksheet="data", autofit=True)
        about = workbook.add_worksheet("about")
        for row, line in enumerate(header_lines(title, filters_text, as_of)):
            about.write_string(row, 0, line)
    return buffer.getvalue()
