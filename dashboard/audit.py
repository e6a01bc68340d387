"""The audit log: who revealed or exported a customer's personal data, when, and why.

Kept in its own DuckDB file beside the mart (`<mart>.audit.duckdb`, or $CRM_AUDIT), so that a rebuild or reload of
the mart never erases it; the only code that writes or reads that file.
"""
from __future__ import annotations

import os
import threading
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl

from mart.paths import mart_path
from queries.access import Access

_lock = threading.Lock()   # one writer at a time in this process (DuckDB allows one writing process per file)

_DDL = """
create table if not exists audit_log (
    logged_at    timestamp not null,
    user_id      varchar not null,
    role         varchar not null,
    action       varchar not null,   -- 'reveal' (personal fields shown) or 'export' (a file with personal data)
    customer_id  varchar,            -- the customer revealed; empty for an export of several
    reason       varchar,            -- the reason the person typed
    detail       varchar             -- what was exported, how many rows
)
"""


def audit_path() -> Path:
    override = os.environ.get("CRM_AUDIT")
    if override:
        return Path(override)
    mart = mart_path()
    return mart.with_name(f"{mart.stem}.audit.duckdb")


def record(access: Access, action: str, *, customer_id: str | None = None, reason: str | None = None,
           detail: str | None = None) -> None:
    """Append one row; raises if the log cannot be written (nothing personal is shown unless it was)."""
    path = audit_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with _lock:
        con = duckdb.connect(str(path))
        try:
            con.execute(_DDL)
            con.execute(
                "insert into audit_log values ($at, $user, $role, $action, $customer, $reason, $detail)",
                {"at": datetime.now(), "user": access.user, "role": access.role, "action": action,
                 "customer": customer_id, "reason": reason, "detail": detail},
            )
        finally:
            con.close()


def recent(limit: int = 500) -> pl.DataFrame:
    """The newest rows of the log, newest first (empty when nothing was ever logged)."""
    path = audit_path()
    if not path.exists():
        return pl.DataFrame(schema={"logged_at": pl.Datetime, "user_id": pl.String, "role": pl.String,
                                    "action": pl.String, "customer_id": pl.String, "reason": pl.String,
                                    "detail": pl.String})
    with _lock:
        con = duckdb.connect(str(path), read_only=True)
        try:
            return pl.from_arrow(
                con.sql("select * from audit_log order by logged_at desc limit $n", params={"n": limit}).to_arrow_table())
        finally:
            con.close()
