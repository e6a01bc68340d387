"""Long lists a page at a time: the dataset returns one page of rows (its LIMIT) and `count_rows`, the total; the
pager under the table chooses the page, and the page number is read before the query that needs it."""
from __future__ import annotations

import math
from datetime import date

import polars as pl
import streamlit as st

from dashboard import components, formats, tables
from dashboard.i18n import _
from queries.filters import Filters

PAGE_SIZE = 100  # the LIMIT of the *_list datasets


def page_of(key: str) -> int:
    """The page a pager shows (1 before it is first drawn): read before the query, drawn under the table."""
    return int(st.session_state.get(key) or 1)


def show_page(rows: pl.DataFrame, title: str, dataset: str, key: str, filters: Filters | None, as_of: date, *,
              empty: str, page_size: int = PAGE_SIZE, answer: list[str] | None = None) -> None:
    """One page of a long list (`title` and `empty` already translated), the pager under it, and the rows and SQL
    behind it. `key` is the pager's widget key; the table and its exports are keyed from it."""
    total = int(rows["count_rows"][0]) if len(rows) else 0
    if total == 0:
        components.empty_state(empty)
        return
    pages = max(1, math.ceil(total / page_size))
    st.caption(_("{title}: {total} in all, {size} to a page").format(
        title=title, total=formats.number(total), size=formats.number(page_size)))
    tables.show(rows.drop("count_rows"), key=f"{key}_table", answer=answer, height=280)
    if pages > 1:
        st.pagination(pages, key=key)
    components.rows_and_sql(rows, dataset, title, filters, as_of, key=key)
