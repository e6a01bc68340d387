"""The marts the benchmark reads: built once per scale (or reused when current), with their build and load
throughput, and the flat exports the naive peer reads as a notebook would."""
from __future__ import annotations

import json
import shutil
import tempfile
import time
from functools import cache
from pathlib import Path

import duckdb

SEED = 7
# Rows in the mart's input tables: what generation and loading produce.
INPUT_TABLES = ("dealers", "products", "campaigns", "customers", "leads", "sales", "service_visits",
                "campaign_contacts", "complaints", "surveys")


@cache
def current_tables() -> frozenset[str]:
    """Every table and view a mart built by today's code holds (schema plus whatever the build adds).

    Read from an empty build, so a mart made before a table was added (a rollup, say) counts as stale.
    """
    from mart.build import build_mart

    with tempfile.TemporaryDirectory() as tmp:
        db = build_mart(Path(tmp) / "probe.duckdb", lambda con: None, source="bench-probe")
        return frozenset(_catalog(db))


def _catalog(db: Path) -> set[str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute(
            "select table_name from duckdb_tables() where database_name = current_database() "
            "union select view_name from duckdb_views() where database_name = current_database() and not internal"
        ).fetchall()
        return {r[0] for r in rows}
    finally:
        con.close()


def mart_state(db: Path, scale: str) -> str | None:
    """Why the mart at `db` cannot be reused for `scale`, or None when it can."""
    if not db.exists():
        return "missing"
    try:
        con = duckdb.connect(str(db), read_only=True)
    except duckdb.Error as error:
        return f"does not open ({error})"
    try:
        info = con.execute("select scale, seed from mart_info order by built_at desc limit 1").fetchone()
    except duckdb.Error:
        info = None
    finally:
        con.close()
    if info != (scale, SEED):
        return f"holds {info}, not scale {scale} seed {SEED}"
    missing = current_tables() - _catalog(db)
    if missing:
        return f"built before {', '.join(sorted(missing))} existed"
    return None


def count_rows(db: Path) -> dict[str, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in INPUT_TABLES}
    finally:
        con.close()


def ensure_mart(scale: str, db: Path, log, rebuild: bool = False) -> dict:
    """The mart for `scale` at `db`, generated if missing or stale; with its generation throughput.

    The generation figure is kept in a sidecar file, so a reused mart still reports how fast it was built.
    """
    sidecar = db.with_name(db.name + ".bench.json")
    why = "rebuild asked" if rebuild else mart_state(db, scale)
    if why is None:
        log(f"scale {scale}: reusing {db}")
        generation = json.loads(sidecar.read_text()) if sidecar.exists() else None
    else:
        from mart.generate import generate

        log(f"scale {scale}: generating {db} ({why}) ...")
        started = time.perf_counter()
        generate(db, scale=scale, seed=SEED, progress=False)
        seconds = time.perf_counter() - started
        rows = sum(count_rows(db).values())
        generation = {"seconds": seconds, "rows": rows, "rows_per_second": rows / seconds,
                      "measured_at": time.strftime("%Y-%m-%d %H:%M")}
        sidecar.write_text(json.dumps(generation))
        log(f"scale {scale}: generated {rows:,} rows in {seconds:.1f} s")
    return {"db": str(db), "rows": count_rows(db), "generation": generation}


def load_throughput(db: Path, log) -> dict:
    """Time `python -m mart load` on the mart's CSV and Parquet exports, and an append of its last month.

    The append is measured against the same data's full reload: the mart holding everything but the last
    month, then that month's rows appended (`--append`), versus loading the whole export at once.
    """
    from mart.load import load

    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        tmp = Path(tmp)
        con = duckdb.connect(str(db), read_only=True)
        try:
            (last_month,) = con.execute("select date_trunc('month', as_of_on)::date from mart_info").fetchone()
            for fmt, options in (("csv", "(header)"), ("parquet", "(format parquet)")):
                (tmp / fmt).mkdir()
                for table in INPUT_TABLES:
                    con.execute(f"copy {table} to '{tmp / fmt / table}.{fmt}' {options}")
            (tmp / "before").mkdir()
            (tmp / "month").mkdir()
            for table, (early, late) in _month_split(last_month).items():
                con.execute(f"copy (from {table} where {early}) to '{tmp / 'before' / table}.parquet' (format parquet)")
                con.execute(f"copy (from {table} where {late}) to '{tmp / 'month' / table}.parquet' (format parquet)")
        finally:
            con.close()
        out = {}
        for fmt in ("csv", "parquet"):
            log(f"loading the {fmt} exports of {db.name} ...")
            result = load(tmp / fmt, tmp / f"{fmt}.duckdb")
            out[fmt] = _load_figures(result)
        load(tmp / "before", tmp / "appended.duckdb", accept_losses=True)
        log(f"appending the last month ({last_month:%Y-%m}) of {db.name} ...")
        out["append_month"] = _load_figures(load(tmp / "month", tmp / "appended.duckdb", append=True))
        out["append_month"]["month"] = f"{last_month:%Y-%m}"
        out["reload"] = out["parquet"]
        return out


def _month_split(first_day) -> dict[str, tuple[str, str]]:
    """Per input table: the rows before the month starting on `first_day`, and the rows new in it."""
    d = f"date '{first_day}'"
    return {
        "dealers": ("true", "false"), "products": ("true", "false"),
        "campaigns": (f"start_on < {d}", f"start_on >= {d}"),
        "customers": (f"created_on < {d}", f"created_on >= {d}"),
        "leads": (f"created_at < {d}", f"created_at >= {d}"),
        "sales": (f"sold_on < {d}", f"sold_on >= {d}"),
        "service_visits": (f"visited_on < {d}", f"visited_on >= {d}"),
        "campaign_contacts": (f"contacted_on < {d}", f"contacted_on >= {d}"),
        "complaints": (f"received_at < {d}", f"received_at >= {d}"),
        "surveys": (f"surveyed_on < {d}", f"surveyed_on >= {d}"),
    }


def _load_figures(result) -> dict:
    return {
        "seconds": result.seconds,
        "rows": result.count_read,
        "rows_loaded": result.count_loaded,
        "rows_rejected": result.count_rejected,
        "rows_per_second": result.count_read / result.seconds,
    }


def peer_exports(db: Path, log) -> Path:
    """Parquet exports of every input table for the naive peer, beside the mart, made once per mart version.

    Money is written as double and closed value sets as text, as a BI tool's export would give a notebook.
    """
    out = db.with_name(f"{db.stem}.peer-exports-{int(db.stat().st_mtime)}")
    if (out / "done").exists():
        return out
    for old in db.parent.glob(f"{db.stem}.peer-exports-*"):
        shutil.rmtree(old, ignore_errors=True)
    out.mkdir(parents=True)
    log(f"exporting {db.name} to parquet for the peer ...")
    con = duckdb.connect(str(db), read_only=True)
    try:
        for table in INPUT_TABLES + ("complaint_sla",):
            columns = con.execute(
                "select column_name, data_type from duckdb_columns() where database_name = current_database() "
                "and table_name = $t order by column_index", {"t": table}
            ).fetchall()
            select = ", ".join(_flat(name, kind) for name, kind in columns)
            con.execute(f"copy (select {select} from {table}) to '{out / table}.parquet'")
    finally:
        con.close()
    (out / "done").write_text("")
    return out


def _flat(name: str, kind: str) -> str:
    if kind.startswith("DECIMAL"):
        return f"{name}::double as {name}"
    if kind.startswith("ENUM"):
        return f"{name}::varchar as {name}"
    return name

