"""The one open mart of this process, swapped for the new file when the mart is rebuilt or reloaded."""
from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from queries import runner


def file_version(path: str | Path) -> tuple[int, int, int]:
    """A rebuild swaps a new file in (os.replace): a new inode, so a new version even within one mtime tick."""
    stat = os.stat(path)
    return stat.st_ino, stat.st_mtime_ns, stat.st_size


@dataclass(eq=False)
class _Lent:
    mart: runner.Mart
    key: tuple
    users: int = 0  # queries in flight on this mart


class MartHolder:
    """Lends the mart file's current version to each use; thread-safe.

    DuckDB keeps one database per path per process: while any connection to a path is open, connecting to it
    again returns that database, i.e. the file that was replaced. So the new version can only be opened after
    the old one is closed, and the old one is closed only once the queries in flight on it have finished.
    """

    def __init__(self, opener: Callable[[str], runner.Mart] = runner.connect, wait_s: float = runner.TIME_LIMIT_S):
        self._opener = opener
        self._wait_s = wait_s
        self._cond = threading.Condition()
        self._current: _Lent | None = None
        self._swapping = False

    @contextmanager
    def use(self, path: str | Path) -> Iterator[runner.Mart]:
        """The mart of the file now at `path`, kept open (and unchanged) until the block ends."""
        lent = self._lend(str(path))
        try:
            yield lent.mart
        finally:
            with self._cond:
                lent.users -= 1
                self._cond.notify_all()

    def close(self) -> None:
        """Close the current mart once its queries are done (tests, shutdown)."""
        with self._cond:
            lent, self._current = self._current, None
            if lent is not None:
                self._cond.wait_for(lambda: lent.users == 0, timeout=self._wait_s)
                lent.mart.close()

    def _lend(self, path: str) -> _Lent:
        with self._cond:
            # Stat under the lock, so the versions this holder sees only move forward in time.
            while True:
                current = self._current
                if current is not None and current.key == (path, *file_version(path)):
                    current.users += 1
                    return current
                if not self._swapping:
                    break
                self._cond.wait()  # another thread is opening the new version
            self._swapping = True
            self._current = None  # from here on, nobody is lent the old mart
            try:
                if current is not None:
                    # Queries in flight finish on the old file. runner.run interrupts a query after TIME_LIMIT_S,
                    # so this wait is bounded; the old mart must be closed whatever happens, or the new file
                    # would never be seen.
                    self._cond.wait_for(lambda: current.users == 0, timeout=self._wait_s)
                    current.mart.close()
                key = (path, *file_version(path))  # the file may have been replaced again while we waited
                lent = _Lent(self._opener(path), key, users=1)  # may raise runner.MartOutdated: nothing is kept
                self._current = lent
                return lent
            finally:
                self._swapping = False
                self._cond.notify_all()
