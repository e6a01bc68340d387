"""Exports of the rows behind a chart: CSV and Excel that carry the active filters and the data's as-of date."""
from __future__ import annotations

import io
from datetime import date

import polars as pl
import xlsxwriter


def header_lines(title: str, filters_text: str, as_of: date) -> list[str]:
    return [f"{title}", f"filters: {filters_text}", f"data as of: {as_of:%Y-%m-%d}"]


def to_csv(df: pl.DataFrame, title: str, filters_text: str, as_of: date) -> bytes:
    """CSV with the context as leading '#' lines (read back with comment_prefix='#' / comment='#')."""
    head = "".join(f"# {line}\n" for line in header_lines(title, filters_text, as_of))
    return (head + df.write_csv()).encode("utf-8")


def to_excel(df: pl.DataFrame, title: str, filters_text: str, as_of: date) -> bytes:
    """An .xlsx workbook: the rows on sheet 'data', the filters and as-of date on sheet 'about'."""
    buffer = io.BytesIO()
    with xlsxwriter.Workbook(buffer, {"in_memory": True}) as workbook:
        df.write_excel(workbook=workbook, worksheet="data", autofit=True)
        about = workbook.add_worksheet("about")
        for row, line in enumerate(header_lines(title, filters_text, as_of)):
            about.write(row, 0, line)
    return buffer.getvalue()
