"""dashboard/result_cache.py: the datasets' shared results stay within their byte budget and their age, each
missing result is computed once however many ask at once, and no page changes a served frame in place."""
from __future__ import annotations

import ast
import threading
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from dashboard.result_cache import COLUMN_OVERHEAD_BYTES, SWEEP_EVERY_S, ResultCache, charged_bytes, configured_max_bytes

ROOT = Path(__file__).resolve().parents[1]


def frame(rows: int, value: int = 0) -> pl.DataFrame:
    return pl.DataFrame({"x": pl.Series([value] * rows, dtype=pl.Int64)})  # 8 bytes a row


HUNDRED = 8 * 100 + COLUMN_OVERHEAD_BYTES  # what frame(100) is charged: its values and one column's overhead


def test_a_frame_is_charged_its_values_and_an_overhead_a_column():
    assert charged_bytes(frame(100)) == HUNDRED
    wide = pl.DataFrame({f"c{i}": [1.0] for i in range(15)})
    assert charged_bytes(wide) == 15 * 8 + 15 * COLUMN_OVERHEAD_BYTES


def test_the_least_recently_used_results_go_first_once_the_budget_is_passed():
    cache = ResultCache(max_bytes=HUNDRED * 5 // 2)
    for key in "abc":
        cache.get(key, lambda: frame(100))  # c pushes a out
    assert len(cache) == 2 and cache.bytes == 2 * HUNDRED
    computed = []
    cache.get("b", lambda: computed.append("b") or frame(100))  # a hit: b is now the most recent
    cache.get("d", lambda: frame(100))  # pushes out c, the least recently used
    cache.get("b", lambda: computed.append("b") or frame(100))
    cache.get("c", lambda: computed.append("c") or frame(100))
    assert computed == ["c"]
    assert cache.bytes <= cache.max_bytes and cache.bytes == HUNDRED * len(cache)


def test_a_result_larger_than_the_whole_budget_is_served_but_not_kept():
    cache = ResultCache(max_bytes=HUNDRED)
    cache.get("small", lambda: frame(10))
    big = cache.get("big", lambda: frame(1000))
    assert big.height == 1000 and len(cache) == 1 and cache.bytes == 80 + COLUMN_OVERHEAD_BYTES


def test_results_older_than_the_time_to_live_are_computed_again():
    now = [0.0]
    cache = ResultCache(max_bytes=100_000, ttl_s=900, clock=lambda: now[0])
    assert cache.get("k", lambda: frame(1, 1))["x"][0] == 1
    now[0] = 899
    assert cache.get("k", lambda: frame(1, 2))["x"][0] == 1
    now[0] = 1800
    assert cache.get("k", lambda: frame(1, 3))["x"][0] == 3
    assert cache.bytes == 8 + COLUMN_OVERHEAD_BYTES


def test_results_past_their_time_to_live_are_swept_out_though_nobody_asks_again():
    """Filter sets nobody repeats: without the sweep their results stay until the budget pushes them out."""
    now = [0.0]
    cache = ResultCache(max_bytes=10**9, ttl_s=900, clock=lambda: now[0])
    for key in range(50):
        cache.get(key, lambda: frame(10))
    now[0] = 890
    cache.get("young", lambda: frame(10))  # swept at 890: nothing is past its time yet
    now[0] = 901  # the first 50 are past their time to live, "young" is not
    cache.get("a", lambda: frame(10))
    assert len(cache) == 52  # not swept again within SWEEP_EVERY_S
    now[0] = 890 + SWEEP_EVERY_S
    cache.get("b", lambda: frame(10))
    assert sorted(map(str, cache._entries)) == ["a", "b", "young"]
    assert cache.bytes == 3 * (80 + COLUMN_OVERHEAD_BYTES)


def test_many_askers_of_one_missing_result_compute_it_once():
    cache = ResultCache(max_bytes=10_000)
    started, release, calls = threading.Event(), threading.Event(), []

    def slow():
        calls.append(1)
        started.set()
        release.wait(5)
        return frame(3, 9)

    results = []
    threads = [threading.Thread(target=lambda: results.append(cache.get("k", slow))) for _ in range(6)]
    threads[0].start()
    started.wait(5)
    for t in threads[1:]:
        t.start()
    release.set()
    for t in threads:
        t.join(5)
    assert len(calls) == 1 and len(results) == 6 and all(r is results[0] for r in results)
    assert cache.hits == 5 and cache.misses == 1


def test_a_failed_computation_is_not_kept_and_the_next_asker_tries_again():
    cache = ResultCache(max_bytes=10_000)

    def fails():
        raise RuntimeError("the mart is busy")

    with pytest.raises(RuntimeError):
        cache.get("k", fails)
    assert len(cache) == 0 and cache.get("k", lambda: frame(1, 4))["x"][0] == 4


def test_the_budget_is_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("CRM_RESULT_CACHE_MB", "1.5")
    assert configured_max_bytes() == 1_572_864
    monkeypatch.setenv("CRM_RESULT_CACHE_MB", "lots")
    with pytest.raises(ValueError, match="CRM_RESULT_CACHE_MB"):
        configured_max_bytes()
    monkeypatch.delenv("CRM_RESULT_CACHE_MB")
    assert configured_max_bytes() == 256 * 1024 * 1024


def test_the_dashboard_keeps_many_filter_sets_within_the_budget(app_env, monkeypatch):
    """data.load's cache over the s mart: every dealer's scorecard and KPI rows asked for in turn, with a budget of
    a few results; the cache never holds more than the budget, and what it serves equals a fresh read."""
    from dashboard import data
    from queries import runner
    from queries.access import SYSTEM
    from queries.filters import Filters

    small = ResultCache(max_bytes=200_000)  # about 12 of these results
    monkeypatch.setattr(data, "_results", small)
    path, version = data.current_mart()
    m = runner.connect(app_env)
    try:
        dealers = m.checkout().execute("select dealer_id from dealers order by dealer_id").fetchall()
        sizes = []
        for (dealer_id,) in dealers:
            filters = Filters(start_on=date(2024, 1, 1), end_on=date(2024, 12, 31), dealer_id=dealer_id)
            for name in ("kpi_summary", "dealer_scorecard"):
                got = data._run_cached(path, version, name, filters, SYSTEM, ())
                assert got.equals(runner.run(m, name, filters, access=SYSTEM))
                sizes.append(small.bytes)
        assert max(sizes) <= small.max_bytes and len(small) < 2 * len(dealers)
        assert small.misses == 2 * len(dealers)
    finally:
        m.close()


IN_PLACE_METHODS = {"insert_column", "replace_column", "extend", "set_column_names"}


def test_no_page_changes_a_frame_in_place():
    """A cached frame is served to every asker as the same object: a page that changed one in place (Polars'
    insert_column, replace_column, extend, in_place=True, or assigning `.columns`) would change it for everyone."""
    offenders = []
    for folder in ("dashboard", "views", "analytics", "reports"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text())):
                where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}"
                if isinstance(node, ast.Call):
                    if isinstance(node.func, ast.Attribute) and node.func.attr in IN_PLACE_METHODS:
                        offenders.append(f"{where} .{node.func.attr}()")
                    if any(k.arg == "in_place" for k in node.keywords):
                        offenders.append(f"{where} in_place=")
                elif isinstance(node, (ast.Assign, ast.AugAssign)):
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    offenders += [f"{where} .columns =" for t in targets
                                  if isinstance(t, ast.Attribute) and t.attr == "columns"]
    assert offenders == []


def _allocated_bytes() -> int:
    """Bytes the C allocator has handed out and not had back (glibc's mallinfo2), DuckDB's Arrow exports included."""
    import ctypes

    class Mallinfo2(ctypes.Structure):
        _fields_ = [(name, ctypes.c_size_t) for name in (
            "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]

    mallinfo2 = ctypes.CDLL("libc.so.6").mallinfo2
    mallinfo2.restype = Mallinfo2
    info = mallinfo2()
    return info.uordblks + info.hblkhd


def test_what_kept_frames_hold_is_within_what_they_are_charged(mart):
    """Frames read from DuckDB, as the cache keeps them: letting them go gives the C allocator back no more than the
    cache charged for them, though far more than their values (the estimate the budget used to count)."""
    import gc

    from queries import runner
    from queries.filters import Filters

    filters = Filters(start_on=date(2024, 1, 1), end_on=date(2024, 12, 31))
    names = ("kpi_summary", "kpi_monthly", "dealer_scorecard", "sales_by_area", "service_mix", "churn_status",
             "followup_monthly", "target_attainment_dealers", "warranty_cost_by_model", "lead_lost_reasons")
    frames = [runner.run(mart, name, filters) for _ in range(40) for name in names]
    charged = sum(charged_bytes(f) for f in frames)
    values = sum(f.estimated_size() for f in frames)
    gc.collect()
    before = _allocated_bytes()
    del frames
    gc.collect()
    freed = before - _allocated_bytes()
    assert freed > 3 * values
    assert freed <= charged
