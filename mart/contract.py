"""The input contract of `python -m mart load`: which files, columns, values and rules a user's data must meet.

Most of it is read from DuckDB's catalog of a freshly created mart schema (mart/schema.sql is the truth):
columns, types, NOT NULL, defaults, closed value sets (ENUM types), primary and foreign keys. What the
schema cannot say is added here as data: numeric ranges, timestamp order within a lifecycle, and that
money (every DECIMAL column) is never negative.

Rules that follow from the schema:
- only `customers` is a required table; every other table is optional;
- a column is a required column (must be in the file) when the schema says NOT NULL and gives no default:
  its keys, dates, timestamps and money, and the few descriptive columns the mart cannot do without;
  every other column is optional (absent -> loaded as NULL, or as the schema's default);
- a value is required when the schema says NOT NULL (a column with a default takes the default instead);
- a foreign key is checked only when the table it points to is in the load.

`python -m mart.contract --write` regenerates docs/input-contract.md from this module; a test keeps them equal.
"""
from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from functools import cache

import duckdb

from mart.paths import ROOT, SCHEMA_SQL

DOC_PATH = ROOT / "docs" / "input-contract.md"

# Tables of the mart that are not input: lookups the schema fills itself and the mart's own bookkeeping.
NOT_INPUT = ("complaint_sla", "mart_info", "load_log", "rejects")
REQUIRED_TABLES = ("customers",)
FILE_SUFFIXES = (".csv", ".parquet", ".xlsx")

# (table, column) -> (minimum, maximum); None = unbounded.
RANGES: dict[tuple[str, str], tuple[int | None, int | None]] = {
    ("surveys", "score"): (0, 10),
    ("complaints", "callback_score"): (1, 5),
    ("sales", "quantity"): (1, None),
    ("complaints", "reopen_count"): (0, None),
    ("service_visits", "mileage_km"): (0, None),
    ("followup_calls", "csat"): (1, 5),
    ("targets", "units_target"): (0, None),
}

# Dates that name a month: they must be its first day.
MONTH_STARTS: tuple[tuple[str, str], ...] = (("targets", "month"),)

# Keys that point to one of several tables, chosen by another column's value: (table, column) -> (the column
# that chooses, {its value: (table, key column)}). A follow-up call follows a sale, a visit or a complaint.
EVENT_KEYS: dict[tuple[str, str], tuple[str, dict[str, tuple[str, str]]]] = {
    ("followup_calls", "follows_id"): ("call_type", {
        "sales": ("sales", "sale_id"),
        "service": ("service_visits", "visit_id"),
        "complaint_callback": ("complaints", "complaint_id"),
    }),
}

# Lifecycles: each non-empty moment must not be before the latest non-empty moment listed before it.
ORDER: dict[str, tuple[str, ...]] = {
    "campaigns": ("start_on", "end_on"),
    "leads": ("created_at", "contacted_at", "test_drive_at", "quoted_at", "closed_at"),
    "campaign_contacts": ("contacted_on", "responded_on"),
    "complaints": ("received_at", "dispatched_at", "acknowledged_at", "resolved_at", "closed_at"),
    "followup_calls": ("follows_on", "called_at"),
}

# The checks a row goes through, in this order; a rejected row is reported with the first that fails.
CHECKS: tuple[tuple[str, str, str], ...] = (
    ("required value", "missing required value",
     "a value the schema marks NOT NULL is empty (an empty field, only spaces, or null); columns in the order listed below"),
    ("type", "not an integer: '1.5' / out of range for integer: '3000000000' / not a number: '12,50' / "
     "out of range for decimal(14,2): '1e15' / not a date: '2024-13-01' / not a timestamp: '2024-01-05 25:00' / "
     "not one of low, medium, high, critical: 'soon'",
     "the value does not parse as the column's type, or is not one of its allowed values (nor an everyday "
     "spelling of one); columns in the order listed below; an optional descriptive column never rejects a row "
     "(see warnings)"),
    ("negative money", "negative money: -12.50", "a money column (any decimal) is below zero after rounding to cents"),
    ("range", "out of range 0-10: 11 / out of range >= 1: 0 / not the first day of a month: 2024-03-15",
     "a number is outside its range (an optional descriptive column: a warning instead), or a month is not "
     "given by its first day"),
    ("order", "contacted_at before created_at",
     "a moment is before the latest non-empty moment that precedes it in its lifecycle"),
    ("duplicate key", "duplicate key customer_id=17 / duplicate key campaign_id=3, customer_id=17",
     "an earlier row of the file has the same key (the first row with a key owns it, even when that row is rejected for another reason)"),
    ("foreign key", "unknown customer_id=99 (not in customers) / customer_id=17 was rejected in customers / "
     "unknown follows_id=SO9 (not in sales)",
     "the referenced row is not in the referenced table's file, or was rejected there; checked only when that "
     "table is in the load (a follow-up call's `follows_id` is looked up in the table its `call_type` names)"),
)


@dataclass(frozen=True)
class ForeignKey:
    column: str
    table: str
    ref_column: str


@dataclass(frozen=True)
class EventKey:
    """A key into one of several tables: `by` column's value -> (table, key column)."""
    column: str
    by: str
    tables: tuple[tuple[str, str, str], ...]   # (value of `by`, table, key column)


@dataclass(frozen=True)
class Column:
    name: str
    type: str                     # contract type: integer, bigint, smallint, varchar, date, timestamp, decimal(p,s), enum
    sql_type: str                 # the DuckDB type values are cast to (an ENUM column: its type's name)
    required_column: bool         # the file must have this column
    required_value: bool          # a row must have a value (NOT NULL)
    default: str | None = None    # SQL default for an absent column or empty value
    values: tuple[str, ...] | None = None   # closed value set (ENUM labels)
    money: bool = False           # must not be negative
    minimum: int | None = None
    maximum: int | None = None
    references: ForeignKey | None = None
    follows: tuple[str, ...] = ()  # moments this one must not be before (nearest non-empty one counts)
    key: bool = False             # part of the table's primary key
    nullable: bool = True
    month_start: bool = False     # a date naming a month: must be its first day
    event_key: EventKey | None = None   # a key into the table another column names

    @property
    def kind(self) -> str:
        """integer, bigint, smallint, varchar, date, timestamp, decimal or enum."""
        return "decimal" if self.type.startswith("decimal") else self.type

    @property
    def descriptive(self) -> bool:
        """An optional attribute (gender, birth year, tier, ...): a bad value is emptied with a warning, the row kept.

        Keys, foreign keys, money, dates and timestamps, required values and counts with a numeric default
        still reject the row: a fact without them would be wrong, not just less described.
        """
        optional = self.nullable or (self.default is not None and self.default.startswith("'"))
        return (optional and not self.key and self.references is None and self.event_key is None
                and not self.money and self.kind not in ("date", "timestamp"))


@dataclass(frozen=True)
class Table:
    name: str
    grain: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    required: bool
    order: tuple[str, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = field(default=())
    event_keys: tuple[EventKey, ...] = field(default=())

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required_column)

    @property
    def parents(self) -> tuple[str, ...]:
        """The tables this one's keys point to: its foreign keys' and its event keys' (loaded before it)."""
        return tuple(dict.fromkeys([*(fk.table for fk in self.foreign_keys),
                                    *(t for ek in self.event_keys for _, t, _ in ek.tables)]))


@cache
def contract() -> dict[str, Table]:
    """Every input table by name, parents before children (the order a load checks and inserts them)."""
    con = duckdb.connect()
    try:
        con.execute(SCHEMA_SQL.read_text())
        tables = _read_catalog(con)
    finally:
        con.close()
    _check_extra_rules(tables)
    return {t.name: t for t in _dependency_order(tables)}


def _read_catalog(con: duckdb.DuckDBPyConnection) -> list[Table]:
    grains = _grains(SCHEMA_SQL.read_text())
    enum_types = {
        tuple(labels): name
        for name, labels in con.execute(
            "select type_name, labels from duckdb_types() where logical_type = 'ENUM' and labels is not null"
        ).fetchall()
    }
    names = [
        name
        for (name,) in con.execute(
            "select table_name from duckdb_tables() where schema_name = 'main' order by table_oid"
        ).fetchall()
        if name not in NOT_INPUT
    ]
    tables = []
    for name in names:
        constraints = con.execute(
            "select constraint_type, constraint_column_names, referenced_table, referenced_column_names "
            "from duckdb_constraints() where table_name = $t and constraint_type in ('PRIMARY KEY', 'FOREIGN KEY')",
            {"t": name},
        ).fetchall()
        key = next(tuple(cols) for kind, cols, _, _ in constraints if kind == "PRIMARY KEY")
        fks = {}
        for kind, cols, ref_table, ref_cols in constraints:
            if kind == "FOREIGN KEY":
                (col,), (ref_col,) = cols, ref_cols   # the schema has single-column foreign keys only
                fks[col] = ForeignKey(col, ref_table, ref_col)
        rows = con.execute(
            "select column_name, data_type, is_nullable, column_default, numeric_precision, numeric_scale "
            "from duckdb_columns() where table_name = $t order by column_index",
            {"t": name},
        ).fetchall()
        chain = ORDER.get(name, ())
        event_keys = {
            col: EventKey(col, by, tuple((value, t, k) for value, (t, k) in targets.items()))
            for (table, col), (by, targets) in EVENT_KEYS.items() if table == name
        }
        columns = []
        for col, data_type, nullable, default, precision, scale in rows:
            values = None
            if data_type.startswith("ENUM("):
                (values,) = con.execute(f"select enum_range(null::{data_type})").fetchone()
                values = tuple(values)
                ctype, sql_type = "enum", enum_types[values]
            elif data_type.startswith("DECIMAL"):
                ctype = sql_type = f"decimal({precision},{scale})"
            else:
                ctype, sql_type = data_type.lower(), data_type
            lo, hi = RANGES.get((name, col), (None, None))
            columns.append(
                Column(
                    name=col,
                    type=ctype,
                    sql_type=sql_type.upper() if ctype != "enum" else sql_type,
                    required_column=not nullable and default is None,
                    required_value=not nullable and default is None,
                    default=default,
                    values=values,
                    money=ctype.startswith("decimal"),
                    minimum=lo,
                    maximum=hi,
                    references=fks.get(col),
                    follows=tuple(reversed(chain[: chain.index(col)])) if col in chain else (),
                    key=col in key,
                    nullable=bool(nullable),
                    month_start=(name, col) in MONTH_STARTS,
                    event_key=event_keys.get(col),
                )
            )
        tables.append(
            Table(
                name=name,
                grain=grains.get(name, ""),
                columns=tuple(columns),
                key=key,
                required=name in REQUIRED_TABLES,
                order=chain,
                foreign_keys=tuple(fks.values()),
                event_keys=tuple(event_keys.values()),
            )
        )
    return tables


def _grains(schema: str) -> dict[str, str]:
    """The comment above each `create table`: the table's grain in one sentence."""
    found = re.findall(r"((?:^--[^\n]*\n)+)create table (\w+)", schema, flags=re.M)
    return {name: " ".join(line[2:].strip() for line in block.strip().splitlines()) for block, name in found}


def _check_extra_rules(tables: list[Table]) -> None:
    """The rules added here name columns of the schema: fail loudly if the schema moved under them."""
    known = {(t.name, c.name): c for t in tables for c in t.columns}
    for table, col in RANGES:
        assert (table, col) in known, f"range rule names unknown column {table}.{col}"
    for table, chain in ORDER.items():
        for col in chain:
            assert (table, col) in known, f"order rule names unknown column {table}.{col}"
            assert known[(table, col)].type in ("date", "timestamp"), f"{table}.{col} is not a date or timestamp"
    for table, col in MONTH_STARTS:
        assert (table, col) in known and known[(table, col)].type == "date", f"{table}.{col} is not a date column"
    for (table, col), (by, targets) in EVENT_KEYS.items():
        assert (table, col) in known and (table, by) in known, f"event key rule names unknown column {table}.{col}"
        assert set(targets) <= set(known[(table, by)].values or ()), f"{table}.{by} lacks a value of {set(targets)}"
        for t, k in targets.values():
            assert (t, k) in known, f"event key rule names unknown column {t}.{k}"


def _dependency_order(tables: list[Table]) -> list[Table]:
    """Parents before children, otherwise the schema's order."""
    done: dict[str, Table] = {}
    pending = list(tables)
    while pending:
        ready = next(t for t in pending if all(p in done or p == t.name for p in t.parents))
        done[ready.name] = ready
        pending.remove(ready)
    return list(done.values())


def table_ddl(name: str, *, drop_references_to: set[str] | frozenset[str] = frozenset()) -> str:
    """The `create table` statement of schema.sql for `name`, without foreign keys to the tables named.

    A load keeps a foreign key value whose table is not in the load; DuckDB enforces foreign keys, so the
    loader recreates such a child table without that (unverifiable) constraint.
    """
    match = re.search(rf"^create table {name} \(.*?^\);", SCHEMA_SQL.read_text(), flags=re.M | re.S)
    if match is None:
        raise KeyError(name)
    ddl = match.group(0)
    for parent in drop_references_to:
        ddl = re.sub(rf"\s+references\s+{parent}\s*\([^)]*\)", "", ddl, flags=re.I)
    return ddl


# ---------------------------------------------------------------------------------------------- the document

def _rules(table: Table, column: Column) -> str:
    rules = []
    if column.values:
        rules.append("one of " + ", ".join(f"`{v}`" for v in column.values))
    if column.money:
        rules.append(">= 0 (money; rounded to cents)")
    if column.minimum is not None and column.maximum is not None:
        rules.append(f"{column.minimum}-{column.maximum}")
    elif column.minimum is not None:
        rules.append(f">= {column.minimum}")
    if column.month_start:
        rules.append("the first day of the month")
    if column.follows:
        rules.append(f"not before {column.follows[0]}" + (" (or the latest earlier moment)" if len(column.follows) > 1 else ""))
    if column.name in table.key:
        rules.append("key" if len(table.key) == 1 else "part of the key")
    if column.references:
        rules.append(f"-> {column.references.table}.{column.references.ref_column}")
    if column.event_key:
        ek = column.event_key
        rules.append("-> " + ", ".join(f"{t}.{k} when {ek.by} = `{v}`" for v, t, k in ek.tables))
    if column.default is not None:
        rules.append(f"empty -> {column.default}")
    if column.descriptive:
        rules.append("descriptive (a bad value: empty, with a warning)"
                     if column.default is None else f"descriptive (a bad value: {column.default}, with a warning)")
    return "; ".join(rules)


def _codes_rows(tables: dict[str, Table]) -> list[str]:
    """The built-in everyday spellings, one row per allowed value (from mart/value_codes.toml)."""
    from mart.codes import CODES_TOML, read_codes

    sets: dict[str, tuple[str, ...]] = {}
    used: dict[str, list[str]] = {}
    for t in tables.values():
        for c in t.columns:
            if c.values:
                sets[c.sql_type] = c.values
                used.setdefault(c.sql_type, []).append(f"{t.name}.{c.name}")
    builtin = read_codes(CODES_TOML, sets)
    rows = []
    for name, labels in sets.items():
        for value in labels:
            words = [w for w, v in builtin.get(name, {}).items() if v == value]
            where = f"{name} ({', '.join(used[name])})" if value == labels[0] else ""
            rows.append(f"| {where} | `{value}` | {', '.join(f'`{w}`' for w in words)} |")
    return rows


def render_markdown() -> str:
    """docs/input-contract.md, generated: every table and column of the contract."""
    tables = contract()
    yes = {True: "yes", False: ""}
    out = [
        "# Input contract: loading your own data into the mart",
        "",
        "<!-- Generated from mart/schema.sql, mart/contract.py and mart/value_codes.toml by "
        "`python -m mart.contract --write`; do not edit by hand. -->",
        "",
        "```",
        "python -m mart load SRC_DIR --db data/mart.duckdb            # a whole export: a new mart",
        "python -m mart load SRC_DIR --db data/mart.duckdb --append   # a later export: added to the mart",
        "```",
        "",
        "builds a new mart from the files in `SRC_DIR` and swaps it in only when the load succeeds; a failed load "
        "leaves the previous mart untouched, and a running dashboard shows the new mart from its next page view. "
        "Exit code 0: loaded (bad rows are rejected, not fatal); exit code 2: the load failed or was refused (the "
        "message names the file, and the column, line or byte where it can).",
        "",
        "Options: `--append` (below), `--encoding NAME` (force the CSV files' encoding, e.g. `gbk`), `--codes FILE` "
        "(your own everyday value codes, below), `--max-rejected-share SHARE` (default 0.5) and `--accept-losses` "
        "(below).",
        "",
        "## Files",
        "",
        "- One file per table, named `<table>.csv`, `<table>.parquet` or `<table>.xlsx` (lower case, as below). "
        "Two files for the same table: the load fails.",
        "- `customers` is required (except with `--append`); every other table is optional. An absent table is "
        "loaded empty, and foreign keys pointing to it are not checked (their values are kept).",
        "- Any other file in the folder is ignored, with a warning line. A column the contract does not know is "
        "ignored, with a warning line (it is still kept in a rejected row's `raw`).",
        "- A missing required column, a file that cannot be read, or no customers file: the load fails.",
        "",
        "## Keys",
        "",
        "Every key and foreign key is text, as your systems write it: dealer codes (`GX-LZ-001`, `D1`), customer "
        "numbers (`C000123`, `000124` keeps its leading zeros), VINs, CRM ids. Surrounding spaces are trimmed; "
        "otherwise a key is compared exactly (`c001` and `C001` are two customers). Integer keys work as they "
        "are (`17` is the key `17`). The dashboard shows, searches and exports these keys.",
        "",
        "## CSV format",
        "",
        "- Encoding: UTF-8 (with or without a byte-order mark) or GB18030, which covers GBK and GB2312 (what Excel "
        "on Chinese Windows saves), detected per file: a file that is valid UTF-8 is read as UTF-8, otherwise as "
        "GB18030 if it decodes as such into Chinese text. A file that is neither is refused, naming the byte "
        "offset and line of the first bad byte; it is never loaded as garbled text. `--encoding NAME` forces one "
        "encoding for every CSV file (any name Python knows: `utf-8`, `gb18030`, `gbk`, `big5`, `latin-1`).",
        "- Comma-separated, one header row with the column names exactly as below, fields quoted with `\"` when "
        "needed (a quote inside a quoted field is doubled: `\"\"`).",
        "- An empty field (or one of only spaces) is an empty value (NULL). Text values other than keys are kept "
        "as written.",
        "- Dates: `YYYY-MM-DD` (a time of exactly `00:00:00` is accepted). Timestamps: `YYYY-MM-DD HH:MM:SS` "
        "(`T` instead of the space, no seconds, or fractions of a second are accepted; no time zones).",
        "- Numbers: `.` as the decimal point, no thousands separators, an exponent is allowed (`1e3`). Integers "
        "must be whole (`17` or `17.0`; `1.5` is rejected). Money is rounded to cents, half away from zero.",
        "- Allowed values are matched ignoring case and surrounding spaces, and accept everyday spellings (below).",
        "",
        "## Parquet",
        "",
        "Any column types: every value is first converted to text (a Parquet DATE gives `2024-01-05`, a "
        "TIMESTAMP `2024-01-05 10:00:00`, a DOUBLE `17850.0`), then checked exactly like a CSV value.",
        "",
        "## Excel",
        "",
        "`<table>.xlsx`: the sheet named after the table (`customers`), otherwise the first sheet. Row 1 holds the "
        "column names. Every cell is read as text, then checked exactly like a CSV value: a whole number reads as "
        "`17`, a date cell as `2024-01-05 00:00:00` (accepted as a date), text as written. Empty rows are skipped; "
        "a rejected row's `line_number` is its row number in the sheet. A number cell that holds a date without a "
        "date format is a number to Excel, and is rejected as not a date: format the column as a date.",
        "",
        "## Everyday value codes",
        "",
        "Columns with a closed set of values accept the value itself in any case (`Fleet`, `FLEET`), with spaces "
        "and hyphens read as `_` (`walk-in`, `Walk In`), and the common spellings of `mart/value_codes.toml`. "
        "Add your own with `--codes FILE`, a TOML file of the same shape, for example:",
        "",
        "```toml",
        "[severity]",
        "critical = [\"P1\", \"一级\"]",
        "```",
        "",
        "Your file adds spellings and overrides the built-in meaning of a spelling; a spelling that would mean two "
        "values, a value set or value that does not exist, or a file that is not TOML fails the load. The built-in "
        "spellings:",
        "",
        "| value set (columns) | value | also accepted |",
        "| --- | --- | --- |",
    ]
    out += _codes_rows(tables)
    out += [
        "",
        "## Optional descriptive values never cost a row",
        "",
        "A value of an optional, descriptive column (marked *descriptive* below: gender, birth year, income band, "
        "city, tier, category, ...) that fails its check (not one of the allowed values, not a number, out of "
        "range) is loaded as empty, or as `unknown` for `customer_type`, and recorded as a *warning*: the row and "
        "everything that points to it still load. Keys, foreign keys, required values, money, dates and timestamps "
        "and the lifecycle order still reject the row.",
        "",
        "`customer_type` may be left out (most exports outside fleet sales have none): an empty or absent value "
        "is `unknown`, shown as its own segment. `created_on` may be left out: a customer without it was created "
        "on the date of their first transaction (sale or service visit), else of their first other record (lead, "
        "complaint, survey, campaign contact, follow-up call).",
        "",
        "## What happens to a bad row",
        "",
        "A row that fails a check is not loaded; it is kept in the mart's `rejects` table and in "
        "`<mart file stem>.rejects.csv` next to the mart (`data/mart.rejects.csv` for `data/mart.duckdb`), one "
        "record per rejected row with: `load_id`, `table_name`, `source_file`, `line_number`, `column_name`, "
        "`reason`, `raw` (the row as read, as JSON) and `severity` = `rejected`. Warnings are in the same table "
        "and file, one record per emptied value, with `severity` = `warning`. `line_number` is the 1-based line "
        "of the CSV file counting the header, so the first data row is line 2 (a quoted value spanning lines and "
        "blank lines are counted); for Parquet it is the row number + 1 (first row: 2); for Excel the sheet's "
        "row number.",
        "",
        "Tables are checked parents first, so a row whose parent row was rejected is rejected too. "
        "A row is reported with the first check it fails, in this order:",
        "",
        "| # | check | reason (examples) | fails when |",
        "| --- | --- | --- | --- |",
    ]
    for i, (check, reason, when) in enumerate(CHECKS, 1):
        out.append(f"| {i} | {check} | {' / '.join(f'`{r}`' for r in reason.split(' / '))} | {when} |")
    out += [
        "",
        "The mart's `load_log` gets one row per table and load: `load_id` (one more than the previous load's), "
        "`loaded_at`, `source` (the folder), `table_name`, `source_file` (empty for an absent table), "
        "`count_read`, `count_loaded`, `count_rejected`, `count_warned` (loaded rows with a value emptied); "
        "always read = loaded + rejected. The command prints the same counts per table, with each CSV's encoding.",
        "",
        "## Loads you can trust",
        "",
        "A load or append that would lose most of what it read is refused (exit code 2) and the mart stays as it "
        "was: no customer loaded (a full load, or an append that brought customers), or more than half of any "
        "table's rows rejected (`--max-rejected-share`). The message names the file, the share and the most "
        "common reasons, and the rejected rows are written to `<mart file stem>.refused-rejects.csv`. Pass "
        "`--accept-losses` to load such data anyway.",
        "",
        "## Appending a later export",
        "",
        "`--append` adds the rows of the files in `SRC_DIR` to the current mart: new keys are added, and a row whose "
        "key is already in the mart replaces that row (an update). Every row is checked as in a full load; a "
        "foreign key is checked against the mart's rows and the files' rows together, so a sale of a customer "
        "loaded last month is fine. A rejected update leaves the old row as it was. Only the tables present are "
        "touched (`customers` is not required), the rollups are rebuilt, the load log gets the append's own "
        "`load_id`, and a failed or refused append leaves the mart as it was. Appending the second half of an "
        "export gives the same tables as loading the whole export at once.",
        "",
        "## Tables",
        "",
        "Required column: the file must have it. Required value: a row must have a value. An optional column "
        "that is absent is loaded as NULL (or the default shown).",
        "",
    ]
    for t in tables.values():
        out += [
            f"### {t.name}" + (" (required table)" if t.required else ""),
            "",
            t.grain,
            "",
            f"Key: {', '.join(f'`{k}`' for k in t.key)}.",
        ]
        if t.foreign_keys:
            out.append(
                "Foreign keys: "
                + ", ".join(f"`{fk.column}` -> `{fk.table}.{fk.ref_column}`" for fk in t.foreign_keys)
                + "."
            )
        for ek in t.event_keys:
            out.append(
                f"`{ek.column}` is the key of the row it follows, by `{ek.by}`: "
                + ", ".join(f"`{v}` -> `{tt}.{k}`" for v, tt, k in ek.tables)
                + "."
            )
        if t.order:
            out.append("Order: " + " <= ".join(f"`{c}`" for c in t.order) + " (empty moments are skipped).")
        out += [
            "",
            "| column | type | required column | required value | rules |",
            "| --- | --- | --- | --- | --- |",
        ]
        for c in t.columns:
            out.append(
                f"| `{c.name}` | {c.type} | {yes[c.required_column]} | {yes[c.required_value]} | {_rules(t, c)} |"
            )
        out.append("")
    return "\n".join(out)


def main(argv: list[str]) -> int:
    text = render_markdown()
    if "--write" in argv:
        DOC_PATH.parent.mkdir(parents=True, exist_ok=True)
        DOC_PATH.write_text(text, encoding="utf-8")
        print(f"wrote {DOC_PATH}")
        return 0
    if "--check" in argv:
        current = DOC_PATH.read_text(encoding="utf-8") if DOC_PATH.exists() else ""
        if current != text:
            print(f"{DOC_PATH} is out of date: run python -m mart.contract --write", file=sys.stderr)
            return 1
        return 0
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
