"""The lifetime-value model of the active view: fitted once per filters and mart, cached, shared by the segments
and customer 360 pages."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import streamlit as st

from analytics import clv
from dashboard import data
from dashboard.i18n import _
from queries.access import Access
from queries.filters import COMPARE_PREVIOUS, Filters


def calibration_end_on(filters: Filters, first_on: date) -> date | None:
    """The holdout check keeps the last 52 weeks before the period's end; it needs 26 weeks of history before them."""
    cut = filters.end_on - timedelta(weeks=clv.HOLDOUT_WEEKS)
    return cut if (cut - first_on).days >= clv.MIN_CALIBRATION_WEEKS * clv.DAYS_PER_WEEK else None


def customer_value(filters: Filters, first_on: date) -> clv.CustomerValue:
    path, version = data.current_mart()
    # The spinner's words are the reader's language, so they are set here, not in the cache decorator (fixed at
    # import); st.spinner shows only after a short delay, so a cached fit shows none.
    with st.spinner(_("Fitting the lifetime-value model for this view…")):
        # The comparison setting does not change the model: keep it out of the cache key.
        return _fit(path, version, replace(filters, compare=COMPARE_PREVIOUS), calibration_end_on(filters, first_on),
                    data.current_access())


@st.cache_data(ttl=900, max_entries=16, show_spinner=False)
def _fit(path: str, version: tuple, filters: Filters, calibration_end: date | None, access: Access) -> clv.CustomerValue:
    # `access` keys the cache (shared by every session) and is whom the rows are read for.
    # The per-customer rows go straight to the model, not through data.load's cache: only the fit's small
    # summaries (and one number row per customer) are kept.
    frame = data.run_as(access, "clv_customers", filters, calibration_end_on=calibration_end)
    return clv.customer_value(frame, filters.end_on, calibration_end)
