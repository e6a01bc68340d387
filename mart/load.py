"""Load a user's exports (`<table>.csv` / `.parquet` / `.xlsx`) into the mart, checking every row against the contract.

`python -m mart load SRC_DIR --db PATH` calls `load`. The contract is mart/contract.py (documented in
docs/input-contract.md). How a load runs:

1. Find the files; a missing customers file, two files for one table, a missing required column or a file
   that cannot be read (an encoding that is neither UTF-8 nor GB18030, a broken workbook) raise `LoadError`
   before anything is replaced.
2. Build the new mart aside (`mart.build.build_mart`, or a copy of the current mart for `--append`); for each
   table, parents first: read every value as text (mart/sources.py) so nothing is lost, parse and check all rows
   at once in DuckDB (no per-row Python), insert the rows that pass (an append replaces rows of existing keys)
   and record the others in `rejects`; an optional descriptive value that fails its check is emptied and
   recorded as a warning instead.
3. Refuse a load that would lose most of what it read (`LossError`), unless told to accept it; otherwise swap
   the new mart in, and write the rejects and warnings next to it as `<mart stem>.rejects.csv`.

Each rejected row gets one record, for the first check it fails in the order of `mart.contract.CHECKS`.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from time import perf_counter

import duckdb
import numpy as np
import pyarrow as pa

from mart import sources
from mart.build import append_mart, build_mart
from mart.codes import CodesError, normalise_sql, value_codes
from mart.contract import FILE_SUFFIXES, REQUIRED_TABLES, Column, Table, contract

# A load that rejects more than this share of a table's rows is refused unless the user accepts it.
DEFAULT_MAX_REJECTED_SHARE = 0.5


class LoadError(Exception):
    """The load cannot go ahead (the message names the file and column); the previous mart is untouched."""


class LossError(LoadError):
    """The load would lose most of what it read; refused, the previous mart is untouched."""


@dataclass
class TableLoad:
    """What one table's load did: read = loaded + rejected; warned rows are loaded rows with a value emptied."""

    table: str
    source_file: str | None
    count_read: int = 0
    count_loaded: int = 0
    count_rejected: int = 0
    count_warned: int = 0
    encoding: str | None = None
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
    append: bool = False

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
    def count_warned(self) -> int:
        return sum(t.count_warned for t in self.tables)

    @property
    def rows_per_second(self) -> float:
        return self.count_read / self.seconds if self.seconds else 0.0

    def summary(self) -> str:
        """A printable table: read, loaded, rejected and warned per table, and where the rejected rows are."""
        verb = "append" if self.append else "load"
        lines = [
            f"{verb} {self.load_id} from {self.source} into {self.db} "
            f"({self.seconds:.2f} s, {self.rows_per_second:,.0f} rows/s)",
            f"{'table':<18} {'file':<26} {'read':>10} {'loaded':>10} {'rejected':>10} {'warned':>10}  encoding",
        ]
        for t in self.tables:
            lines.append(
                f"{t.table:<18} {t.source_file or '(absent)':<26} "
                f"{t.count_read:>10,} {t.count_loaded:>10,} {t.count_rejected:>10,} {t.count_warned:>10,}"
                + (f"  {t.encoding}" if t.encoding else "")
            )
        lines.append(f"{'total':<18} {'':<26} {self.count_read:>10,} {self.count_loaded:>10,} "
                     f"{self.count_rejected:>10,} {self.count_warned:>10,}")
        lines.append(f"rejected rows and warnings: {self.rejects_csv} ({self.count_rejected:,} rejected, "
                     f"{self.count_warned:,} rows warned; also in the mart's rejects table)")
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)


def load(
    src_dir: str | Path,
    db: str | Path,
    *,
    append: bool = False,
    encoding: str | None = None,
    codes: str | Path | None = None,
    max_rejected_share: float = DEFAULT_MAX_REJECTED_SHARE,
    accept_losses: bool = False,
) -> LoadResult:
    """Build the mart at `db` from the files in `src_dir`, or with `append` add them to the mart there.

    Raises LoadError (mart untouched) if it cannot, and LossError if it would lose most of what it read
    (no customer loaded, or more than `max_rejected_share` of a table rejected) unless `accept_losses`.
    """
    started = perf_counter()
    src = Path(src_dir)
    db = Path(db)
    if append and not db.exists():
        raise LoadError(f"{db}: no mart to append to; load the first export without --append")
    files, warnings = find_files(src, required=() if append else REQUIRED_TABLES)
    tables = contract()
    try:
        spellings = value_codes({c.sql_type: c.values for t in tables.values() for c in t.columns if c.values},
                                Path(codes) if codes else None)
    except CodesError as error:
        raise LoadError(str(error)) from None
    rejects_csv = db.with_name(f"{db.stem}.rejects.csv")
    building_csv = rejects_csv.with_name(f"{rejects_csv.name}.building-{os.getpid()}")
    refused_csv = db.with_name(f"{db.stem}.refused-rejects.csv")
    source = str(src.resolve())
    loader = _Loader(source, files, warnings, spellings, encoding=encoding, append=append)

    def fill(con: duckdb.DuckDBPyConnection) -> None:
        loader.run(con)
        order = ", ".join(_lit(t) for t in contract())
        query = (f"select * from rejects where load_id = {loader.load_id} "
                 f"order by list_position([{order}], table_name), line_number, severity")
        losses = _losses(con, loader.results, max_rejected_share, append) if not accept_losses else []
        if losses:
            con.execute(f"copy ({query}) to {_lit(refused_csv)} (header)")
            raise LossError(
                "; ".join(losses) + f". Nothing was changed; the rejected rows are in {refused_csv}. "
                f"Fix the files, or pass --accept-losses to load them anyway."
            )
        con.execute(f"copy ({query}) to {_lit(building_csv)} (header)")

    try:
        if append:
            append_mart(db, fill, source=source)
        else:
            build_mart(db, fill, source=source)
    except BaseException:
        building_csv.unlink(missing_ok=True)
        raise
    os.replace(building_csv, rejects_csv)
    refused_csv.unlink(missing_ok=True)
    return LoadResult(
        load_id=loader.load_id,
        db=db,
        source=source,
        tables=loader.results,
        rejects_csv=rejects_csv,
        warnings=warnings,
        seconds=perf_counter() - started,
        append=append,
    )


def _losses(con: duckdb.DuckDBPyConnection, results: list["TableLoad"], max_share: float, append: bool) -> list[str]:
    """Why a load would lose most of what it read, one sentence a table (empty: it would not)."""
    found = []
    for r in results:
        if r.source_file is None:
            continue
        no_customers = r.table == "customers" and r.count_loaded == 0 and (r.count_read > 0 or not append)
        if no_customers or (r.count_read and r.count_rejected / r.count_read > max_share):
            top = con.execute(
                # the reason without the value it quotes, so that one kind of problem counts once
                "select column_name, regexp_replace(reason, '(: .*|=.*)$', '') as kind, count(*) as n from rejects "
                "where load_id = (select max(load_id) from load_log) and table_name = $t and severity = 'rejected' "
                "group by all order by n desc, column_name, kind limit 3",
                {"t": r.table},
            ).fetchall()
            why = ", ".join(f"{n:,} x {column}: {reason}" for column, reason, n in top)
            share = f"{r.count_rejected / r.count_read:.0%}" if r.count_read else "an empty file"
            found.append(
                f"{r.source_file}: {r.count_rejected:,} of {r.count_read:,} rows rejected ({share}"
                + (f", more than the {max_share:.0%} allowed" if not no_customers else ", no customer loaded")
                + (f"; most often {why}" if why else "") + ")"
            )
    return found


def find_files(src: Path, required: tuple[str, ...] = REQUIRED_TABLES) -> tuple[dict[str, Path], list[str]]:
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
            warnings.append(f"ignored {path.name}: not <table>.csv, .parquet or .xlsx of a table in the contract")
    for name in required:
        if name not in found:
            raise LoadError(f"{src}: no {name}.csv, {name}.parquet or {name}.xlsx ({name} is the one required table)")
    return found, warnings


class _Loader:
    """Checks and inserts every present table into the new mart's connection, parents first."""

    def __init__(self, source: str, files: dict[str, Path], warnings: list[str], spellings: dict,
                 *, encoding: str | None, append: bool):
        self.source = source
        self.files = files
        self.warnings = warnings
        self.spellings = spellings
        self.encoding = encoding
        self.append = append
        self.results: list[TableLoad] = []
        self.tables_with_rejects: set[str] = set()
        self.load_id = 0

    def run(self, con: duckdb.DuckDBPyConnection) -> None:
        tables = contract()
        con.execute("set enable_progress_bar = false")   # a long check would draw a bar into the CLI's output
        (self.load_id,) = con.execute("select coalesce(max(load_id), 0) + 1 from load_log").fetchone()
        loaded_at = datetime.now()
        for table in tables.values():
            path = self.files.get(table.name)
            result = TableLoad(table.name, path.name if path else None)
            if path is not None:
                started = perf_counter()
                self._load_table(con, table, path, result)
                result.seconds = perf_counter() - started
            self.results.append(result)
            if path is None and self.append:
                continue   # an append logs only the tables it brought
            con.execute(
                "insert into load_log values ($id, $at, $source, $table, $file, $read, $loaded, $rejected, $warned)",
                {
                    "id": self.load_id, "at": loaded_at, "source": self.source, "table": table.name,
                    "file": result.source_file, "read": result.count_read, "loaded": result.count_loaded,
                    "rejected": result.count_rejected, "warned": result.count_warned,
                },
            )
        self._fill_created_on(con)

    def _load_table(self, con: duckdb.DuckDBPyConnection, table: Table, path: Path, result: TableLoad) -> None:
        try:
            staged = sources.stage(con, path, encoding=self.encoding, table=table.name)
        except sources.SourceError as error:
            raise LoadError(str(error)) from None
        file_columns = staged.columns
        result.encoding = staged.encoding
        missing = [c for c in table.required_columns if c not in file_columns]
        if missing:
            plural = "s" if len(missing) > 1 else ""
            raise LoadError(f"{path.name}: missing required column{plural} " + ", ".join(f"'{c}'" for c in missing))
        for name in file_columns:
            if name not in table.column_names:
                self.warnings.append(f"{path.name}: ignored unknown column '{name}'")
        # A foreign key is checked against its table when that table is in this load or (appending) holds rows.
        parents = {p for p in table.parents if p in self.files or (self.append and _has_rows(con, p))}
        con.execute(_check_sql(table, file_columns, parents, parents & self.tables_with_rejects, self.spellings))
        result.count_read, result.count_loaded, result.count_warned = con.execute(
            "select count(*), count(*) filter (where __fail is null), "
            "count(*) filter (where __fail is null and len(__warn) > 0) from __chk"
        ).fetchone()
        result.count_rejected = result.count_read - result.count_loaded

        if self.append and result.count_loaded:
            # An update replaces the row with the same key; a rejected update leaves the old row as it was.
            keys = ", ".join(_q(k) for k in table.key)
            typed_keys = ", ".join(_t(k) for k in table.key)
            con.execute(f"delete from {table.name} where ({keys}) in "
                        f"(select ({typed_keys}) from __chk where __fail is null)")
        cols = ", ".join(_q(c.name) for c in table.columns)
        typed = ", ".join(_t(c.name) for c in table.columns)
        con.execute(f"insert into {table.name} ({cols}) select {typed} from __chk where __fail is null order by __row")

        join, line = self._line_numbers(con, path, staged, result.count_read) \
            if result.count_rejected or result.count_warned else ("", "__row + 2")
        raw = ", ".join(f"{_q(c)} := {_q(c)}" for c in file_columns)
        params = {"load_id": self.load_id, "table": table.name, "file": path.name}
        con.execute(
            f"insert into rejects select $load_id, $table, $file, {line}, __fail.c, __fail.r, "
            f"to_json(struct_pack({raw})), 'rejected' from __chk {join} where __fail is not null order by __row",
            params,
        )
        if result.count_warned:
            con.execute(
                f"insert into rejects select $load_id, $table, $file, {line}, w.c, w.r, "
                f"to_json(struct_pack({raw})), 'warning' "
                f"from (select *, unnest(__warn) as w from __chk where __fail is null and len(__warn) > 0) {join} "
                f"order by __row",
                params,
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

    def _line_numbers(self, con: duckdb.DuckDBPyConnection, path: Path, staged: "sources.Staged",
                      count: int) -> tuple[str, str]:
        """(join, expression) giving a row's line number: row + 2, unless the reader found other lines (blank
        lines or values spanning lines in a CSV, skipped empty rows in a sheet); then those, joined by row."""
        if count == 0 or path.suffix == ".parquet":
            return "", "__row + 2"
        lines = staged.lines
        if lines is None or len(lines) != count:
            self.warnings.append(f"{path.name}: line numbers are row number + 1 (could not map rows to lines)")
            return "", "__row + 2"
        if lines[-1] == count + 1:   # increasing and distinct, so the last is row + 2 only if all of them are
            return "", "__row + 2"
        con.register("__lines", pa.table({"__row": np.arange(count, dtype=np.int64), "__line": lines}))
        return "join __lines using (__row)", "__line"

    def _fill_created_on(self, con: duckdb.DuckDBPyConnection) -> None:
        """A customer without created_on was created on their first transaction (else their first record)."""
        (empty,) = con.execute("select count(*) from customers where created_on is null").fetchone()
        if not empty:
            return
        con.execute("""
            update customers set created_on = f.first_on
            from (
                select customer_id, coalesce(min(d) filter (where is_transaction), min(d)) as first_on
                from (
                    select customer_id, sold_on as d, true as is_transaction from sales
                    union all select customer_id, visited_on, true from service_visits
                    union all select customer_id, created_at::date, false from leads where customer_id is not null
                    union all select customer_id, received_at::date, false from complaints
                    union all select customer_id, surveyed_on, false from surveys
                    union all select customer_id, contacted_on, false from campaign_contacts
                    union all select customer_id, called_at::date, false from followup_calls
                )
                group by customer_id
            ) f
            where customers.customer_id = f.customer_id and customers.created_on is null
        """)
        (left,) = con.execute("select count(*) from customers where created_on is null").fetchone()
        if left:
            self.warnings.append(f"customers: {left:,} customers have no created_on and no record to take it from; "
                                 f"left empty (they count in no period)")


def _has_rows(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return con.execute(f"select exists (select 1 from {table})").fetchone()[0]


# ----------------------------------------------------------------------------------------- the checks, in SQL

INTEGER_PATTERN = r"[+-]?[0-9]+(\.0*)?"
NUMBER_PATTERN = r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?"
DATE_PATTERN = r"[0-9]{4}-[0-9]{2}-[0-9]{2}([ T]00:00(:00(\.0*)?)?)?"
TIMESTAMP_PATTERN = r"[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?)?"


def _check_sql(table: Table, file_columns: list[str], parents: set[str], parents_with_rejects: set[str],
               spellings: dict[str, dict[str, str]]) -> str:
    """One statement: __raw -> __chk with a typed column per contract column, __fail = {c, r} or NULL, and
    __warn, the list of {c, r} of the optional descriptive values that were emptied.

    `parents`: the tables this one points to that are in the load (already inserted);
    `parents_with_rejects`: those of them that rejected rows (their keys are in __rejected_<table>).
    """
    values = []   # blank-normalised text of each contract column (NULL if empty or absent)
    parsed = []   # a descriptive column's parsed value before its range check
    typed = []
    for c in table.columns:
        present = c.name in file_columns
        values.append(f"nullif(trim({_q(c.name)}), '') as {_v(c.name)}" if present
                      else f"null::varchar as {_v(c.name)}")
        if c.descriptive and present and c.kind != "varchar":
            parsed.append(f"{_parse(c, True, spellings, default=False)} as {_p(c.name)}")
            ok = _range_ok(c, _p(c.name))
            value = f"case when {ok} then {_p(c.name)} end" if ok else _p(c.name)
            if c.default is not None:
                value = f"coalesce({value}, cast({c.default} as {c.sql_type}))"
            typed.append(f"{value} as {_t(c.name)}")
        else:
            typed.append(f"{_parse(c, present, spellings)} as {_t(c.name)}")
    key_known = " and ".join(f"{_t(k)} is not null" for k in table.key)
    key_cols = ", ".join(_t(k) for k in table.key)
    key_join = " and ".join(f"t.{_t(k)} = k.{_t(k)}" for k in table.key)
    lookups = []
    for fk in table.foreign_keys:
        if fk.table in parents:
            lookups.append(f"t.{_t(fk.column)} in (select {_q(fk.ref_column)} from {fk.table}) as {_in(fk.column)}")
        if fk.table in parents_with_rejects:
            lookups.append(f"t.{_t(fk.column)} in (select k from __rejected_{fk.table}) as {_rej(fk.column)}")
    for ek in table.event_keys:
        for _, parent, ref in ek.tables:
            if parent in parents:
                lookups.append(f"t.{_t(ek.column)} in (select {_q(ref)} from {parent}) as {_in(ek.column + '_' + parent)}")
    # duplicates by a hash aggregate and a join to the few duplicated keys: much cheaper than a window
    return f"""
create temp table __chk as
with v as (
    select rowid as __row, *, {", ".join(values)}
    from __raw
),
p as (
    select *{"".join(f", {e}" for e in parsed)}
    from v
),
t as (
    select *, {", ".join(typed)}
    from p
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
select *, {_fail_case(table, file_columns, parents, parents_with_rejects)} as __fail,
       {_warnings(table, file_columns)} as __warn
from d
"""


def _range_ok(c: Column, x: str) -> str | None:
    """SQL that is true when x (not null) is inside the column's range; None when it has no range."""
    if c.minimum is None and c.maximum is None:
        return None
    if c.maximum is None:
        return f"{x} >= {c.minimum}"
    return f"{x} between {c.minimum} and {c.maximum}"


def _range_reason(c: Column, x: str) -> str:
    if c.maximum is None:
        return f"'out of range >= {c.minimum}: ' || {x}::varchar"
    return f"'out of range {c.minimum}-{c.maximum}: ' || {x}::varchar"


def _warnings(table: Table, file_columns: list[str]) -> str:
    """The emptied descriptive values of a row: a list of {c: column, r: reason} (empty for most rows)."""
    items = []
    for c in table.columns:
        if not (c.descriptive and c.name in file_columns and c.kind != "varchar"):
            continue
        emptied = "set to unknown" if c.default is not None else "emptied"
        items.append(f"case when {_v(c.name)} is not null and {_p(c.name)} is null then "
                     f"{{'c': {_lit(c.name)}, 'r': {_type_reason(c)} || {_lit(f' ({emptied})')}}} end")
        ok = _range_ok(c, _p(c.name))
        if ok:
            items.append(f"case when {_p(c.name)} is not null and not ({ok}) then "
                         f"{{'c': {_lit(c.name)}, 'r': {_range_reason(c, _p(c.name))} || {_lit(f' ({emptied})')}}} end")
    if not items:
        return "cast([] as struct(c varchar, r varchar)[])"
    return f"list_filter([{', '.join(items)}], lambda w: w is not null)"


def _parse(c: Column, present: bool, spellings: dict[str, dict[str, str]], default: bool = True) -> str:
    """SQL for the column's typed value: NULL when empty, or when the text does not parse (caught by the type check).

    An enum value is looked up among its value set's spellings (mart/value_codes.toml); a key or foreign key
    is the text trimmed; any other text is kept as written.
    """
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
        words = spellings[c.sql_type]
        pairs = ", ".join(f"{_lit(k)}: {_lit(v)}" for k, v in sorted(words.items()))
        parsed = f"map_extract_value(MAP {{{pairs}}}, {normalise_sql(x)})"
    elif c.key or c.references is not None or c.event_key is not None:   # a text key: as written, trimmed
        parsed = x
    else:   # varchar: the text as written, only an empty one becomes NULL
        parsed = f"case when {x} is not null then {_q(c.name)} end"
    if c.default is not None and default:
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
        if c.kind != "varchar" and c.name in file_columns and not c.descriptive:
            whens.append((f"{_v(c.name)} is not null and {_t(c.name)} is null", fail(c.name, _type_reason(c))))
    for c in table.columns:
        if c.money:
            whens.append((f"{_t(c.name)} < 0", fail(c.name, f"'negative money: ' || {_t(c.name)}::varchar")))
    for c in table.columns:
        if (c.minimum is not None or c.maximum is not None) and not c.descriptive:
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
    for c in table.columns:
        if c.month_start:
            whens.append((f"day({_t(c.name)}) <> 1",
                          fail(c.name, f"'not the first day of a month: ' || {_t(c.name)}::varchar")))
    key_text = " || ', ' || ".join(f"{_lit(k + '=')} || {_t(k)}::varchar" for k in table.key)
    whens.append(("__dup", fail(", ".join(table.key), f"'duplicate key ' || {key_text}")))
    for fk in table.foreign_keys:
        if fk.table in parents:
            shown = f"{_lit(fk.column + '=')} || {_t(fk.column)}::varchar"
            reason = f"'unknown ' || {shown} || {_lit(f' (not in {fk.table})')}"
            if fk.table in parents_with_rejects:
                reason = f"case when {_rej(fk.column)} then {shown} || {_lit(' was rejected in ' + fk.table)} else {reason} end"
            whens.append((f"{_t(fk.column)} is not null and not {_in(fk.column)}", fail(fk.column, reason)))
    for ek in table.event_keys:
        for value, parent, _ in ek.tables:
            if parent in parents:
                shown = f"{_lit(ek.column + '=')} || {_t(ek.column)}::varchar"
                whens.append((f"{_t(ek.column)} is not null and {_t(ek.by)} = {_lit(value)} "
                              f"and not {_in(ek.column + '_' + parent)}",
                              fail(ek.column, f"'unknown ' || {shown} || {_lit(f' (not in {parent})')}")))
    return "case\n" + "\n".join(f"        when {cond} then {then}" for cond, then in whens) + "\n    end"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(value) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _v(name: str) -> str:
    return _q(f"__v_{name}")


def _t(name: str) -> str:
    return _q(f"__t_{name}")


def _p(name: str) -> str:
    return _q(f"__p_{name}")


def _in(name: str) -> str:
    return _q(f"__in_{name}")


def _rej(name: str) -> str:
    return _q(f"__rej_{name}")
