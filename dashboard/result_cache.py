"""The datasets' results, shared by every session of the server and bounded by their size in bytes.

st.cache_data bounds a function's results by count (max_entries) and age only. With many people choosing filter
sets nobody chose before, a count bound lets memory grow with whichever results are large (a customer list is
a thousand times a KPI row), so the server's memory did not level off in the concurrency benchmark. This cache
drops the least recently used results once what they hold passes a byte budget, and results older than the
time to live.

A frame's `estimated_size` counts its values, not what keeping it holds: a frame read from DuckDB keeps the Arrow
export it was made from, about 1.3 KB a column even for one row (kpi_summary's one row of 15 columns holds 20 KB of
the C allocator's memory against an estimate of 0.12 KB). In a concurrency run the cache's 4,234 results held
76 MB against an estimate of 15 MB: charged by their values, the 256 MB budget would have let it pass a gigabyte,
and before that only age dropped a result, and only when asked for again. So each kept frame is charged a
column overhead on top (`charged_bytes`), and results past their time to live are swept out once a minute, not
only when asked for again (bench/README.md, "Issue 17: memory that stops growing").

It also serves a result to each asker as the same DataFrame, without st.cache_data's pickling round trip per
hit: Polars frames are immutable unless a caller mutates one in place, and no page does (tests/test_result_cache.py
checks the pages for in-place mutation). Two sessions asking for the same missing result at once compute it once:
the second waits for the first.
"""
from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from typing import Callable, Hashable

import polars as pl

DEFAULT_MAX_MB = 256.0
DEFAULT_TTL_S = 900.0
# Charged for each column of a kept frame besides its values: above the 1.3 KB a column measured for a one-row
# DuckDB result, and covering the string buffers of wider ones (tests/test_result_cache.py measures it).
COLUMN_OVERHEAD_BYTES = 4096
SWEEP_EVERY_S = 60.0


def charged_bytes(frame: pl.DataFrame) -> int:
    """What keeping `frame` costs the server, as far as the budget is concerned."""
    return int(frame.estimated_size()) + COLUMN_OVERHEAD_BYTES * max(1, frame.width)


def configured_max_bytes() -> int:
    """CRM_RESULT_CACHE_MB (megabytes; 0 keeps nothing), else DEFAULT_MAX_MB."""
    value = os.environ.get("CRM_RESULT_CACHE_MB", "")
    try:
        megabytes = float(value) if value.strip() else DEFAULT_MAX_MB
    except ValueError:
        raise ValueError(f"CRM_RESULT_CACHE_MB must be a number of megabytes, not {value!r}") from None
    return max(0, int(megabytes * 1024 * 1024))


class ResultCache:
    """Least recently used DataFrames by key, at most `max_bytes` of them (by `charged_bytes`), each kept at most
    `ttl_s` seconds. Thread-safe."""

    def __init__(self, max_bytes: int, ttl_s: float = DEFAULT_TTL_S, clock: Callable[[], float] = time.monotonic):
        self.max_bytes, self.ttl_s, self._clock = max_bytes, ttl_s, clock
        self._entries: OrderedDict[Hashable, tuple[pl.DataFrame, int, float]] = OrderedDict()  # frame, bytes, stored at
        self._computing: dict[Hashable, threading.Lock] = {}
        self._lock = threading.Lock()
        self.bytes = 0
        self.hits = self.misses = 0
        self._swept_at = clock()

    def __len__(self) -> int:
        return len(self._entries)

    def _fresh(self, key: Hashable) -> pl.DataFrame | None:
        """The kept frame for key, if young enough (moved to the most recent end); call with the lock held."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        frame, size, stored_at = entry
        if self._clock() - stored_at > self.ttl_s:
            del self._entries[key]
            self.bytes -= size
            return None
        self._entries.move_to_end(key)
        return frame

    def get(self, key: Hashable, compute: Callable[[], pl.DataFrame]) -> pl.DataFrame:
        with self._lock:
            frame = self._fresh(key)
            if frame is not None:
                self.hits += 1
                return frame
            key_lock = self._computing.setdefault(key, threading.Lock())
        # Compute outside the cache's lock (other keys go on), but once per key: a second asker waits here.
        with key_lock:
            with self._lock:
                frame = self._fresh(key)
                if frame is not None:
                    self.hits += 1
                    return frame
                self.misses += 1
            try:
                frame = compute()
                self._store(key, frame)
                return frame
            finally:
                with self._lock:
                    if self._computing.get(key) is key_lock:
                        del self._computing[key]

    def _store(self, key: Hashable, frame: pl.DataFrame) -> None:
        size = charged_bytes(frame)
        with self._lock:
            self._sweep()
            old = self._entries.pop(key, None)
            if old is not None:
                self.bytes -= old[1]
            if size > self.max_bytes:
                return  # larger than the whole budget: served to this asker, kept for nobody
            self._entries[key] = (frame, size, self._clock())
            self.bytes += size
            while self.bytes > self.max_bytes:
                _, (_, dropped, _) = self._entries.popitem(last=False)
                self.bytes -= dropped

    def _sweep(self) -> None:
        """Drop every result past its time to live, at most once every SWEEP_EVERY_S; call with the lock held.

        Without it an expired result stayed until asked for again or pushed out by the budget: with filter sets
        nobody repeats, that is never, so memory followed the budget rather than the last 15 minutes' use."""
        now = self._clock()
        if now - self._swept_at < SWEEP_EVERY_S:
            return
        self._swept_at = now
        for key in [k for k, (_, _, stored_at) in self._entries.items() if now - stored_at > self.ttl_s]:
            _, size, _ = self._entries.pop(key)
            self.bytes -= size

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.bytes = 0
