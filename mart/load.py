"""Load a user's exports (`<table>.csv` / `<table>.parquet`) into a new mart, checking every row against the contract.

`python -m mart load SRC_DIR --db PATH` calls `load`. The contract is mart/contract.py (documented in
docs/input-contract.md). How a load runs:

1. Find the files; a missing customers file, two files for one table, a missing required column or a file
   that cannot be parsed raise `LoadError` before anything is replaced.
2. Build the new mart aside (`mart.build.build_mart`); for each table, parents first: read every value as
   text (CSV as VARCHAR, Parquet cast to VARCHAR) so nothing is lost, parse and check all rows at once in
   DuckDB (no per-row Python), insert the rows that pass and record the others in `rejects`.
3. Swap the new mart in, and write the rejects next to it as `<mart stem>.rejects.csv`.

Each rejected row gets one record, for the first check it fails in the order of `mart.contract.CHECKS`.
"""
from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from time import perf_counter

import duckdb
import numpy as np
import pyarrow as pa

from mart.build import build_mart
from mart.contract import FILE_SUFFIXES, REQUIRED_TABLES, Column, Table, contract, table_ddl


class LoadError(Exception):
    """The load cannot go ahead (the message names the file and column); the previous mart is untouched."""


@dataclass
class TableLoad:
    """What one table's load did: read = loaded + rejected."""

    table: str
    source_file: str | None
    count_read: int = 0
    count_loaded: int = 0
    count_rejected: int = 0
    seconds: float = 0.0


@dataclass
class LoadResult:
    load_id: int
    db: Path
    source: str
    tables: list[TableLoad]
    rejects_csv: Path
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def table(self, name: str) -> TableLoad:
        return next(t for t in self.tables if t.table == name)

    @property
    def count_read(self) -> int:
        return sum(t.count_read for t in self.tables)

    @property
    def count_loaded(self) -> int:
        return sum(t.count_loaded for t in self.tables)

    @property
    def count_rejected(self) -> int:
        return sum(t.count_rejected for t in self.tables)

    @property
    def rows_per_second(self) -> float:
        return self.count_read / self.seconds if self.seconds else 0.0

    def summary(self) -> str:
        """A printable table: read, loaded, rejected per table, and where the rejected rows are."""
        lines = [
            f"load {self.load_id} from {self.source} into {self.db} "
            f"({self.seconds:.2f} s, {self.rows_per_second:,.0f} rows/s)",
            f"{'table':<18} {'file':<26} {'read':>10} {'loaded':>10} {'rejected':>10}",
        ]
        for t in self.tables:
            lines.append(
                f"{t.table:<18} {t.source_file or '(absent)':<26} "
                f"{t.count_read:>10,} {t.count_loaded:>10,} {t.count_rejected:>10,}"
            )
        lines.append(f"{'total':<18} {'':<26} {self.count_read:>10,} {self.count_loaded:>10,} {self.count_rejected:>10,}")
        lines.append(f"rejected rows: {self.rejects_csv} ({self.count_rejected:,}; also in the mart's rejects table)")
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)


def load(src_dir: str | Path, db: str | Path) -> LoadResult:
    """Build the mart at `db` from the files in `src_dir`; raise LoadError (mart untouched) if it cannot."""
    started = perf_counter()
    src = Path(src_dir)
    db = Path(db)
    files, warnings = find_files(src)
    rejects_csv = db.with_name(f"{db.stem}.rejects.csv")
    building_csv = rejects_csv.with_name(f"{rejects_csv.name}.building-{os.getpid()}")
    source = str(src.resolve())
    loader = _Loader(source, files, warnings)

    def fill(con: duckdb.DuckDBPyConnection) -> None:
        loader.run(con)
        order = ", ".join(_lit(t) for t in contract())
        con.execute(
            f"copy (select * from rejects where load_id = {loader.load_id} "
            f"order by list_position([{order}], table_name), line_number) to {_lit(building_csv)} (header)"
        )

    try:
        build_mart(db, fill, source=source)
    except BaseException:
        building_csv.unlink(missing_ok=True)
        raise
    os.replace(building_csv, rejects_csv)
    return LoadResult(
        load_id=loader.load_id,
        db=db,
        source=source,
        tables=loader.results,
        rejects_csv=rejects_csv,
        warnings=warnings,
        seconds=perf_counter() - started,
    )


def find_files(src: Path) -> tuple[dict[str, Path], list[str]]:
    """The input file of each table present in `src`, and a warning for every file that is ignored."""
    if not src.is_dir():
        raise LoadError(f"{src}: not a folder")
    tables = contract()
    found: dict[str, Path] = {}
    warnings = []
    for path in sorted(src.iterdir()):
        if path.is_file() and path.suffix in FILE_SUFFIXES and path.stem in tables:
            if path.stem in found:
                raise LoadError(
                    f"{found[path.stem].name} and {path.name}: two files for table {path.stem}; keep one"
                )
            found[path.stem] = path
        else:
            warnings.append(f"ignored {path.name}: not <table>.csv or <table>.parquet of a table in the contract")
    for name in REQUIRED_TABLES:
        if name not in found:
            raise LoadError(f"{src}: no {name}.csv or {name}.parquet ({name} is the one required table)")
    return found, warnings


class _Loader:
    """Checks and inserts every present table into the new mart's connection, parents first."""

    def __init__(self, source: str, files: dict[str, Path], warnings: list[str]):
        self.source = source
        self.files = files
        self.warnings = warnings
        self.results: list[TableLoad] = []
        self.tables_with_rejects: set[str] = set()
        self.load_id = 0

    def run(self, con: duckdb.DuckDBPyConnection) -> None:
        tables = contract()
        con.execute("set enable_progress_bar = false")   # a long check would draw a bar into the CLI's output
        (self.load_id,) = con.execute("select coalesce(max(load_id), 0) + 1 from load_log").fetchone()
        loaded_at = datetime.now()
        _keep_foreign_keys_to_absent_tables(con, set(tables) - set(self.files))
        for table in tables.values():
            path = self.files.get(table.name)
            result = TableLoad(table.name, path.name if path else None)
            if path is not None:
                started = perf_counter()
                self._load_table(con, table, path, result)
                result.seconds = perf_counter() - started
            self.results.append(result)
            con.execute(
                "insert into load_log values ($id, $at, $source, $table, $file, $read, $loaded, $rejected)",
                {
                    "id": self.load_id,
                    "at": loaded_at,
                    "source": self.source,
                    "table": table.name,
                    "file": result.source_file,
                    "read": result.count_read,
                    "loaded": result.count_loaded,
                    "rejected": result.count_rejected,
                },
            )

    def _load_table(self, con: duckdb.DuckDBPyConnection, table: Table, path: Path, result: TableLoad) -> None:
        file_columns = _stage(con, path)
        missing = [c for c in table.required_columns if c not in file_columns]
        if missing:
            plural = "s" if len(missing) > 1 else ""
            raise LoadError(f"{path.name}: missing required column{plural} " + ", ".join(f"'{c}'" for c in missing))
        for name in file_columns:
            if name not in table.column_names:
                self.warnings.append(f"{path.name}: ignored unknown column '{name}'")
        parents = {p for p in table.parents if p in self.files}
        con.execute(_check_sql(table, file_columns, parents, parents & self.tables_with_rejects))
        result.count_read, result.count_loaded = con.execute(
            "select count(*), count(*) filter (where __fail is null) from __chk"
        ).fetchone()
        result.count_rejected = result.count_read - result.count_loaded

        cols = ", ".join(_q(c.name) for c in table.columns)
        typed = ", ".join(_t(c.name) for c in table.columns)
        con.execute(f"insert into {table.name} ({cols}) select {typed} from __chk where __fail is null order by __row")

        join, line = self._line_numbers(con, path, result.count_read) if result.count_rejected else ("", "__row + 2")
        raw = ", ".join(f"{_q(c)} := {_q(c)}" for c in file_columns)
        con.execute(
            f"insert into rejects select $load_id, $table, $file, {line}, __fail.c, __fail.r, "
            f"to_json(struct_pack({raw})) from __chk {join} where __fail is not null order by __row",
            {"load_id": self.load_id, "table": table.name, "file": path.name},
        )
        if len(table.key) == 1 and result.count_rejected:
            self.tables_with_rejects.add(table.name)
            con.execute(
                f"create or replace temp table __rejected_{table.name} as "
                f"select distinct {_t(table.key[0])} as k from __chk "
                f"where __fail is not null and {_t(table.key[0])} is not null"
            )
        con.execute("drop table __chk; drop table __raw")
        if join:
            con.unregister("__lines")

    def _line_numbers(self, con: duckdb.DuckDBPyConnection, path: Path, count: int) -> tuple[str, str]:
        """(join, expression) giving a row's line number: row + 2, unless the CSV has blank lines or values
        spanning lines; then the lines found by _csv_record_lines, joined by row."""
        if path.suffix != ".csv" or count == 0:
            return "", "__row + 2"
        lines = _csv_record_lines(path)
        if len(lines) != count:
            self.warnings.append(f"{path.name}: line numbers are row number + 1 (could not map rows to lines)")
            return "", "__row + 2"
        if lines[-1] == count + 1:   # increasing and distinct, so the last is row + 2 only if all of them are
            return "", "__row + 2"
        con.register("__lines", pa.table({"__row": np.arange(count, dtype=np.int64), "__line": lines}))
        return "join __lines using (__row)", "__line"


def _csv_record_lines(path: Path) -> np.ndarray:
    """The 1-based line on which each data record of a CSV starts (header excluded), vectorised with numpy.

    A newline ends a record unless it is inside quotes (an odd number of `"` before it); blank records are
    skipped, as the CSV reader does.
    """
    data = np.fromfile(path, dtype=np.uint8)
    if data.size == 0:
        return np.empty(0, dtype=np.int64)
    newlines = np.flatnonzero(data == 10)
    quotes = np.flatnonzero(data == 34)
    ends = newlines[np.searchsorted(quotes, newlines) % 2 == 0]
    starts = np.concatenate(([0], ends + 1))
    stops = np.concatenate((ends, [data.size]))
    length = stops - starts
    last = data[np.clip(stops - 1, 0, data.size - 1)]
    length = length - ((length > 0) & (last == 13))
    lines = np.searchsorted(newlines, starts) + 1
    return lines[length > 0][1:].astype(np.int64)


def _keep_foreign_keys_to_absent_tables(con: duckdb.DuckDBPyConnection, absent: set[str]) -> None:
    """Recreate the tables that point to an absent table without that foreign key, so their values are kept.

    DuckDB enforces foreign keys and cannot drop a constraint, and a table can only be dropped after the
    tables that point to it: drop the affected tables and their descendants, children first, then create
    them again from schema.sql minus the constraints to absent tables.
    """
    tables = contract()
    affected: list[str] = []
    for t in tables.values():
        if any(p in absent for p in t.parents) or any(p in affected for p in t.parents):
            affected.append(t.name)
    for name in reversed(affected):
        con.execute(f"drop table {name}")
    for name in affected:
        con.execute(table_ddl(name, drop_references_to=absent))


def _stage(con: duckdb.DuckDBPyConnection, path: Path) -> list[str]:
    """Read the file into temp table __raw, every column as VARCHAR, in file order; return its column names."""
    try:
        if path.suffix == ".csv":
            columns = _csv_header(path)
            spec = ", ".join(f"{_lit(c)}: 'VARCHAR'" for c in columns)
            con.execute(
                f"create temp table __raw as select * from read_csv({_lit(path)}, header = true, "
                f"columns = {{{spec}}}, delim = ',', quote = '\"', escape = '\"', auto_detect = false, "
                f"strict_mode = true, encoding = 'utf-8')"
            )
        else:
            described = con.execute(f"describe select * from read_parquet({_lit(path)})").fetchall()
            columns = [row[0] for row in described]
            _check_header(path, columns)
            casts = ", ".join(f"cast({_q(c)} as varchar) as {_q(c)}" for c in columns)
            con.execute(f"create temp table __raw as select {casts} from read_parquet({_lit(path)})")
    except duckdb.Error as error:
        raise LoadError(f"{path.name}: cannot be parsed: {_duckdb_message(error)}") from None
    return columns


def _csv_header(path: Path) -> list[str]:
    """The header row's column names: the first line, decoded on its own (the reader checks the rest)."""
    with open(path, "rb") as f:
        first = f.readline()
    try:
        text = first.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise LoadError(f"{path.name}: cannot be parsed: header row is not UTF-8 ({error.reason} at byte {error.start})") from None
    try:
        header = next(csv.reader([text.rstrip("\r\n")]), None)
    except csv.Error as error:
        raise LoadError(f"{path.name}: cannot be parsed: header row: {error}") from None
    if not header:
        raise LoadError(f"{path.name}: cannot be parsed: empty file, no header row")
    columns = [c.strip() or f"column{i}" for i, c in enumerate(header, 1)]
    _check_header(path, columns)
    return columns


def _check_header(path: Path, columns: list[str]) -> None:
    seen = set()
    for c in columns:
        if c in seen:
            raise LoadError(f"{path.name}: column '{c}' appears more than once in the header")
        seen.add(c)


def _duckdb_message(error: duckdb.Error) -> str:
    text = str(error).split("Possible fixes:")[0].split("Possible Solution:")[0]
    return re.sub(r"\s+", " ", text).strip()


# ----------------------------------------------------------------------------------------- the checks, in SQL

INTEGER_PATTERN = r"[+-]?[0-9]+(\.0*)?"
NUMBER_PATTERN = r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?"
DATE_PATTERN = r"[0-9]{4}-[0-9]{2}-[0-9]{2}([ T]00:00(:00(\.0*)?)?)?"
TIMESTAMP_PATTERN = r"[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?)?"


def _check_sql(table: Table, file_columns: list[str], parents: set[str], parents_with_rejects: set[str]) -> str:
    """One statement: __raw -> __chk with a typed column per contract column and __fail = {c, r} or NULL.

    `parents`: the tables this one points to that are in the load (already inserted);
    `parents_with_rejects`: those of them that rejected rows (their keys are in __rejected_<table>).
    """
    values = []   # blank-normalised text of each contract column (NULL if empty or absent)
    typed = []
    for c in table.columns:
        values.append(f"nullif(trim({_q(c.name)}), '') as {_v(c.name)}" if c.name in file_columns
                      else f"null::varchar as {_v(c.name)}")
        typed.append(f"{_parse(c, c.name in file_columns)} as {_t(c.name)}")
    key_known = " and ".join(f"{_t(k)} is not null" for k in table.key)
    key_cols = ", ".join(_t(k) for k in table.key)
    key_join = " and ".join(f"t.{_t(k)} = k.{_t(k)}" for k in table.key)
    lookups = []
    for fk in table.foreign_keys:
        if fk.table in parents:
            lookups.append(f"t.{_t(fk.column)} in (select {_q(fk.ref_column)} from {fk.table}) as {_in(fk.column)}")
        if fk.table in parents_with_rejects:
            lookups.append(f"t.{_t(fk.column)} in (select k from __rejected_{fk.table}) as {_rej(fk.column)}")
    # duplicates by a hash aggregate and a join to the few duplicated keys: much cheaper than a window
    return f"""
create temp table __chk as
with v as (
    select rowid as __row, *, {", ".join(values)}
    from __raw
),
t as (
    select *, {", ".join(typed)}
    from v
),
duplicated as (
    select {key_cols}, min(__row) as __first
    from t
    where {key_known}
    group by all
    having count(*) > 1
),
d as (
    select t.*, coalesce(t.__row > k.__first, false) as __dup{"".join(f", {e}" for e in lookups)}
    from t
    left join duplicated k on {key_join}
)
select *, {_fail_case(table, file_columns, parents, parents_with_rejects)} as __fail
from d
"""


def _parse(c: Column, present: bool) -> str:
    """SQL for the column's typed value: NULL when empty, or when the text does not parse (caught by the type check)."""
    x = _v(c.name)
    if not present:
        parsed = "null"
    elif c.kind in ("integer", "bigint", "smallint"):
        parsed = f"case when regexp_full_match({x}, '{INTEGER_PATTERN}') then try_cast({x} as {c.sql_type}) end"
    elif c.kind == "decimal":
        parsed = f"case when regexp_full_match({x}, '{NUMBER_PATTERN}') then try_cast({x} as {c.sql_type}) end"
    elif c.kind == "date":
        parsed = f"case when regexp_full_match({x}, '{DATE_PATTERN}') then try_cast({x} as date) end"
    elif c.kind == "timestamp":
        parsed = f"case when regexp_full_match({x}, '{TIMESTAMP_PATTERN}') then try_cast({x} as timestamp) end"
    elif c.kind == "enum":
        parsed = f"case when {x} in ({', '.join(_lit(v) for v in c.values)}) then {x} end"
    else:   # varchar: the text as written, only an empty one becomes NULL
        parsed = f"case when {x} is not null then {_q(c.name)} end"
    if c.default is not None:
        return f"case when {x} is null then cast({c.default} as {c.sql_type}) else {parsed} end"
    if not present:
        return f"null::{c.sql_type if c.kind != 'enum' else 'varchar'}"
    return parsed


def _type_reason(c: Column) -> str:
    shown = f"'''' || {_q(c.name)} || ''''"
    x = _v(c.name)
    if c.kind in ("integer", "bigint", "smallint"):
        return (f"case when regexp_full_match({x}, '{INTEGER_PATTERN}') then 'out of range for {c.type}: ' "
                f"else 'not an integer: ' end || {shown}")
    if c.kind == "decimal":
        return (f"case when regexp_full_match({x}, '{NUMBER_PATTERN}') then 'out of range for {c.type}: ' "
                f"else 'not a number: ' end || {shown}")
    if c.kind == "date":
        return f"'not a date: ' || {shown}"
    if c.kind == "timestamp":
        return f"'not a timestamp: ' || {shown}"
    if c.kind == "enum":
        return f"{_lit('not one of ' + ', '.join(c.values) + ': ')} || {shown}"
    raise ValueError(c.kind)


def _fail_case(table: Table, file_columns: list[str], parents: set[str], parents_with_rejects: set[str]) -> str:
    """The first failing check of a row as {c: column, r: reason}, in the order of mart.contract.CHECKS."""
    whens = []

    def fail(column: str, reason_sql: str) -> str:
        return f"{{'c': {_lit(column)}, 'r': {reason_sql}}}"

    for c in table.columns:
        if c.required_value:
            whens.append((f"{_v(c.name)} is null", fail(c.name, "'missing required value'")))
    for c in table.columns:
        if c.kind != "varchar" and c.name in file_columns:
            whens.append((f"{_v(c.name)} is not null and {_t(c.name)} is null", fail(c.name, _type_reason(c))))
    for c in table.columns:
        if c.money:
            whens.append((f"{_t(c.name)} < 0", fail(c.name, f"'negative money: ' || {_t(c.name)}::varchar")))
    for c in table.columns:
        if c.minimum is not None or c.maximum is not None:
            if c.maximum is None:
                whens.append((f"{_t(c.name)} < {c.minimum}",
                              fail(c.name, f"'out of range >= {c.minimum}: ' || {_t(c.name)}::varchar")))
            else:
                whens.append((f"{_t(c.name)} not between {c.minimum} and {c.maximum}",
                              fail(c.name, f"'out of range {c.minimum}-{c.maximum}: ' || {_t(c.name)}::varchar")))
    for name in table.order:
        c = table.column(name)
        for i, earlier in enumerate(c.follows):
            skipped = "".join(f" and {_t(s)} is null" for s in c.follows[:i])
            whens.append((f"{_t(name)} < {_t(earlier)}{skipped}", fail(name, _lit(f"{name} before {earlier}"))))
    key_text = " || ', ' || ".join(f"{_lit(k + '=')} || {_t(k)}::varchar" for k in table.key)
    whens.append(("__dup", fail(", ".join(table.key), f"'duplicate key ' || {key_text}")))
    for fk in table.foreign_keys:
        if fk.table in parents:
            shown = f"{_lit(fk.column + '=')} || {_t(fk.column)}::varchar"
            reason = f"'unknown ' || {shown} || {_lit(f' (not in {fk.table})')}"
            if fk.table in parents_with_rejects:
                reason = f"case when {_rej(fk.column)} then {shown} || {_lit(' was rejected in ' + fk.table)} else {reason} end"
            whens.append((f"{_t(fk.column)} is not null and not {_in(fk.column)}", fail(fk.column, reason)))
    return "case\n" + "\n".join(f"        when {cond} then {then}" for cond, then in whens) + "\n    end"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(value) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _v(name: str) -> str:
    return _q(f"__v_{name}")


def _t(name: str) -> str:
    return _q(f"__t_{name}")


def _in(name: str) -> str:
    return _q(f"__in_{name}")


def _rej(name: str) -> str:
    return _q(f"__rej_{name}")
