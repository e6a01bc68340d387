"""Every page's query set, found by running the page and replayed timed, and what the page sends to the browser.

Nothing here names a page's datasets: each page registered in app.py runs under AppTest with the cached
dataset access recorded, after each filter change of `filter_changes`. The recorded calls are then replayed
through queries.runner.run (cold: no result cache) and through dashboard.data.load (warm: the shared result cache,
dashboard/result_cache.py).
"""
from __future__ import annotations

import ast
import os
import re
import statistics
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np

from mart.paths import ROOT

APP = ROOT / "app.py"


@dataclass(frozen=True)
class Call:
    name: str
    filters: object  # queries.filters.Filters or None
    extra: tuple  # sorted (key, value) pairs
    access: object = None  # queries.access.Access: whom the page asked for

    def describe(self) -> str:
        parts = [self.name]
        if self.filters is not None:
            parts.append(self.filters.describe())
        parts += [f"{k}={v}" for k, v in self.extra]
        if self.access is not None:
            parts.append(f"as {self.access.user}")
        return " | ".join(parts)


@dataclass
class PageRun:
    """What one filter change on one page asked for and sent."""

    calls: list[Call] = field(default_factory=list)  # distinct, in first-call order
    new_calls: list[Call] = field(default_factory=list)  # not asked for by the run before the change
    bytes_by_element: dict[str, int] = field(default_factory=dict)
    render_cold_s: list[float] = field(default_factory=list)
    render_warm_s: list[float] = field(default_factory=list)
    exception: str | None = None


def registered_pages() -> list[str]:
    """The page files of app.py's PAGES that the demo's person opens, in its order (the benchmark runs as the
    demo's executive; the audit log is the admin's)."""
    from dashboard.auth import DEMO

    pages = []
    for line in APP.read_text().splitlines():   # one PAGES entry per line: ("views/x.py", N_("Title"), icon, "url"),
        found = re.search(r"[\"'](views/[^\"']+\.py)[\"'].*[\"']([\w-]+)[\"']\s*\),?\s*$", line)
        if found:
            pages.append(found.groups())
    return [path for path, url in pages if url in DEMO.rules.pages]


def app_imports() -> list[str]:
    """Top-level modules that app.py and the registered pages import: what a cold start must import."""
    names: list[str] = []
    for path in [APP] + [ROOT / p for p in registered_pages()]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found = [node.module + "." + a.name if node.module in ("dashboard", "queries", "analytics") else node.module
                         for a in node.names]
            else:
                continue
            names += [n for n in found if n not in names]
    return names


@contextmanager
def instrumented(db: Path):
    """AppTest pointed at `db`, with every dataset request and every message to the browser recorded."""
    from streamlit.testing.v1 import local_script_runner

    from dashboard import data

    recorded: list[Call] = []
    sent: list = []
    original_cached = data._run_cached
    original_run = local_script_runner.LocalScriptRunner.run
    original_env = os.environ.get("CRM_MART")

    def recording_cached(path, version, name, filters, access, extra):
        recorded.append(Call(name, filters, extra, access))
        return original_cached(path, version, name, filters, access, extra)

    def keeping_messages(self, *args, **kwargs):
        tree = original_run(self, *args, **kwargs)
        sent[:] = list(self.forward_msgs())
        return tree

    data._run_cached = recording_cached
    local_script_runner.LocalScriptRunner.run = keeping_messages
    os.environ["CRM_MART"] = str(db)
    try:
        yield recorded, sent
    finally:
        data._run_cached = original_cached
        local_script_runner.LocalScriptRunner.run = original_run
        if original_env is None:
            os.environ.pop("CRM_MART", None)
        else:
            os.environ["CRM_MART"] = original_env


def filter_changes(db: Path) -> list[tuple[str, str, object]]:
    """The filter changes every page is measured after: the busiest region, then its busiest dealer."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        region, dealer_id = con.execute(
            """
            with per_dealer as (
                select d.region, d.dealer_id, count(s.sale_id) as n
                from dealers d left join sales s using (dealer_id)
                group by all
            ),
            busiest_region as (select region from per_dealer group by region order by sum(n) desc, region limit 1)
            select region, dealer_id from per_dealer where region = (select region from busiest_region)
            order by n desc, dealer_id limit 1
            """
        ).fetchone()
    finally:
        con.close()
    return [("region", "region", region), ("dealer", "dealer", dealer_id)]


def measure_pages(db: Path, repeats: int, log, only: str | None = None) -> dict[str, dict[str, PageRun]]:
    """For each page and filter change: the calls made, the bytes sent, and the AppTest render times.

    Each repeat starts a new session on the page, clears st.cache_data and the result cache and applies the change (a cold
    render: every dataset computed), then reruns the same view (a warm render: every dataset cached).
    """
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from dashboard import data

    changes = filter_changes(db)
    out: dict[str, dict[str, PageRun]] = {}
    with instrumented(db) as (recorded, sent):
        for page in registered_pages():
            if only and only not in page:
                continue
            runs = {label: PageRun() for label, _, _ in changes}
            out[page] = runs
            for repeat in range(repeats):
                at = AppTest.from_file(str(APP), default_timeout=900).run()
                at.switch_page(page).run()
                for label, key, value in changes:
                    run = runs[label]
                    recorded.clear()
                    # The previous view's calls, rerun once (all cached) to know which calls the change adds.
                    at.run()
                    before = set(recorded)
                    recorded.clear()
                    st.cache_data.clear()
                    data.clear_results()
                    started = time.perf_counter()
                    _widget(at, key).set_value(value)
                    at.run()
                    run.render_cold_s.append(time.perf_counter() - started)
                    if at.exception:
                        run.exception = "; ".join(e.value for e in at.exception)
                    if repeat == 0:
                        run.calls = list(dict.fromkeys(recorded))
                        run.new_calls = [c for c in run.calls if c not in before]
                        run.bytes_by_element = message_bytes(sent)
                    started = time.perf_counter()
                    at.run()
                    run.render_warm_s.append(time.perf_counter() - started)
                    recorded.clear()
            log(f"  {page}: " + ", ".join(
                f"{label} {len(r.calls)} datasets, render cold {statistics.median(r.render_cold_s) * 1000:.0f} ms"
                for label, r in runs.items()))
    return out


def _widget(at, key: str):
    for kind in (at.selectbox, at.multiselect, at.date_input):
        try:
            return kind(key=key)
        except KeyError:
            continue
    raise KeyError(key)


def message_bytes(messages) -> dict[str, int]:
    """Protobuf bytes of the page's delta messages by element type (plotly figure JSON, dataframe Arrow, ...).

    This is the size of the ForwardMsgs the script run queued for the browser, before the websocket's
    compression and before the server's message cache (which sends an unchanged large message only once).
    """
    sizes: dict[str, int] = {}
    for msg in messages:
        if msg.WhichOneof("type") != "delta":
            continue
        delta = msg.delta
        kind = delta.WhichOneof("type")
        if kind == "new_element":
            kind = delta.new_element.WhichOneof("type") or "element"
        sizes[kind] = sizes.get(kind, 0) + msg.ByteSize()
    return sizes


def replay_cold(db: Path, calls: list[Call], repeats: int) -> tuple[list[float], list[float], dict[str, list[float]]]:
    """Seconds for the whole call set per repeat (wall clock and this process's CPU time, DuckDB's threads
    included), and wall seconds per call, through runner.run on a new Mart.

    One Mart per replay, as the app keeps one per process; its first cursor (the macros) is made and one
    untimed pass run before timing, so DuckDB's buffer pool holds the pages a running server would have
    (the first read of a freshly opened file is the cold start's business). runner.run keeps no results, so
    every repeat computes every dataset.
    """
    from queries import runner

    mart = runner.connect(db)
    try:
        for call in calls:
            runner.run(mart, call.name, call.filters, access=call.access, **dict(call.extra))
        totals, cpu, per_call = [], [], {c.describe(): [] for c in calls}
        for _ in range(repeats):
            total = 0.0
            cpu_from = time.process_time()
            for call in calls:
                started = time.perf_counter()
                runner.run(mart, call.name, call.filters, access=call.access, **dict(call.extra))
                took = time.perf_counter() - started
                per_call[call.describe()].append(took)
                total += took
            cpu.append(time.process_time() - cpu_from)
            totals.append(total)
        return totals, cpu, per_call
    finally:
        mart.close()


def replay_warm(db: Path, calls: list[Call], repeats: int) -> list[float]:
    """Seconds for the whole call set per repeat through dashboard.data.load, every result already cached."""
    from dashboard import data

    # The cached function data.load calls, with the access each call was made for (no session here to read it from).
    with instrumented(db):
        path, version = data.current_mart()
        for call in calls:
            data._run_cached(path, version, call.name, call.filters, call.access, call.extra)
        totals = []
        for _ in range(repeats):
            started = time.perf_counter()
            for call in calls:
                data._run_cached(path, version, call.name, call.filters, call.access, call.extra)
            totals.append(time.perf_counter() - started)
        return totals


def summary(seconds: list[float]) -> dict:
    """Median and 95th percentile (linear interpolation over the repeats) in milliseconds."""
    if not seconds:
        return {"median_ms": None, "p95_ms": None, "n": 0}
    ms = np.array(seconds) * 1000
    return {"median_ms": float(np.median(ms)), "p95_ms": float(np.percentile(ms, 95)), "n": len(ms)}
