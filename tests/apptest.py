"""The real app under streamlit.testing.v1.AppTest, and reading what a page shows: one set of helpers for every
page's tests (each module used to carry its own copy)."""
from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def open_app(page: str | None = None, query: dict | None = None, *, lang: str | None = None,
             timeout: float = 90) -> AppTest:
    """The app opened with a link's parameters (and a language), moved on to `page` (a views/ file) if given, with
    no exception on the way."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    if lang:
        at.query_params["lang"] = lang
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def new_app(query: dict | None = None, *, timeout: float = 60) -> AppTest:
    """The app with a link's parameters, not yet run (a test that checks the first run itself)."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at


def tile(at: AppTest, label: str):
    """The KPI tile whose label is `label`, with or without its sample size "(n=...)"."""
    for m in at.metric:
        if m.label == label or m.label.startswith(label + " (n="):
            return m
    raise AssertionError(f"no tile {label!r} among {[m.label for m in at.metric]}")


def metric_value(at: AppTest, label_start: str) -> str:
    """The value of the first tile whose label starts with `label_start`."""
    for m in at.metric:
        if m.label.startswith(label_start):
            return m.value
    raise AssertionError(f"no metric {label_start!r} among {[m.label for m in at.metric]}")


def frame_with(at: AppTest, *columns: str):
    """The first table (as pandas) that has all of `columns`."""
    for element in at.dataframe:
        frame = element.value
        if all(c in frame.columns for c in columns):
            return frame
    raise AssertionError(f"no table with {columns} among {[list(d.value.columns) for d in at.dataframe]}")


def chart(at: AppTest, title_start: str) -> dict:
    """The Plotly figure (its JSON) whose title starts with `title_start`."""
    titles = []
    for element in at.get("plotly_chart"):
        spec = json.loads(element.proto.spec)
        title = (spec["layout"].get("title") or {}).get("text") or ""
        if title.startswith(title_start):
            return spec
        titles.append(title)
    raise AssertionError(f"no chart titled {title_start!r} among {titles}")


def expander(at: AppTest, label: str):
    """The expander labelled `label` (its elements: `.dataframe`, `.caption`, ...)."""
    for element in at.expander:
        if element.label == label:
            return element
    raise AssertionError(f"no expander {label!r} among {[e.label for e in at.expander]}")


def recording_downloads(monkeypatch) -> dict:
    """The data of every download button the app draws from now on, by file name (the last run's): a deferred
    download's callable, which the test calls as a click would (AppTest has no server to hand the file to)."""
    from streamlit.elements.widgets.button import ButtonMixin

    files: dict = {}
    original = ButtonMixin.download_button

    def recording(self, label, data, *args, **kwargs):
        files[kwargs.get("file_name")] = data
        return original(self, label, data, *args, **kwargs)

    monkeypatch.setattr(ButtonMixin, "download_button", recording)
    return files


def downloaded(files: dict, file_name: str):
    """A recorded download's rows as Polars: a CSV read past its '#' lines, an Excel workbook's sheet 'data'."""
    import io

    import polars as pl

    data = files[file_name]
    raw = data() if callable(data) else data
    if file_name.endswith(".xlsx"):
        return pl.read_excel(io.BytesIO(raw), sheet_name="data")
    return pl.read_csv(io.BytesIO(raw), comment_prefix="#", infer_schema=False)
