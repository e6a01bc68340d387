"""Streamlit-facing helpers: cached data access, the filter bar, metric names and reusable page parts."""
