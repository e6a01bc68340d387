"""What every page starts from: the active filters and the data's as-of date, set by app.py."""
from __future__ import annotations

from datetime import date

import streamlit as st

from queries.filters import Filters


def context() -> tuple[Filters, date]:
    return st.session_state["filters"], st.session_state["data_as_of"]
