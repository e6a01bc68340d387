"""Reading a user's export files into DuckDB as text: CSV (UTF-8 or GB18030), Parquet and Excel.

Every value is staged as VARCHAR in the temp table `__raw`, in file order, so that nothing is lost before the
contract's checks (mart/load.py) parse it. Each reader also says where a staged row came from (its line or
sheet row), so a rejected row names a place a person can find.
"""
from __future__ import annotations

import codecs
import csv
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

# Text of a real GB18030 export is overwhelmingly GB2312 characters (simplified Chinese and its punctuation, two
# bytes, both 0xA1 or above). A Latin-1 or other 8-bit file that happens to decode as GB18030 pairs an accented
# letter with the ASCII byte after it: two-byte characters whose second byte is below 0xA1 (GBK's rare-character
# extensions). A file where such characters are common is not GB18030.
_PLAUSIBLE_SHARE = 0.8
_SAMPLE_CHARS = 200_000


class SourceError(Exception):
    """A file cannot be read as it is (the message names the file and where)."""


@dataclass
class Staged:
    columns: list[str]
    encoding: str | None = None        # what a CSV was read as ('utf-8', 'gb18030', or the forced one)
    lines: np.ndarray | None = None    # each staged row's line (CSV) or sheet row (Excel); None: row + 2


def stage(con: duckdb.DuckDBPyConnection, path: Path, *, encoding: str | None = None,
          table: str | None = None) -> Staged:
    """Read `path` into temp table __raw (every column VARCHAR); `encoding` forces a CSV's encoding."""
    if path.suffix == ".csv":
        return _stage_csv(con, path, encoding)
    if path.suffix == ".xlsx":
        return _stage_excel(con, path, table or path.stem)
    return _stage_parquet(con, path)


# ----------------------------------------------------------------------------------------------------- CSV

def _stage_csv(con: duckdb.DuckDBPyConnection, path: Path, forced: str | None) -> Staged:
    data = path.read_bytes()
    encoding, text = _decode(path, data, forced)
    utf8_path = path
    scratch = None
    if encoding != "utf-8":
        # DuckDB's reader takes UTF-8 only: hand it the decoded text (same lines, so line numbers hold).
        scratch = tempfile.NamedTemporaryFile(suffix=".csv", delete=False)
        scratch.write(text.encode("utf-8"))
        scratch.close()
        utf8_path = Path(scratch.name)
    del text
    try:
        columns = _csv_header(path, utf8_path)
        spec = ", ".join(f"{_lit(c)}: 'VARCHAR'" for c in columns)
        try:
            con.execute(
                f"create temp table __raw as select * from read_csv({_lit(utf8_path)}, header = true, "
                f"columns = {{{spec}}}, delim = ',', quote = '\"', escape = '\"', auto_detect = false, "
                f"strict_mode = true, encoding = 'utf-8')"
            )
        except duckdb.Error as error:
            raise SourceError(f"{path.name}: cannot be parsed: {_duckdb_message(error)}") from None
        (count,) = con.execute("select count(*) from __raw").fetchone()
        lines = _csv_record_lines(utf8_path)
        if len(lines) != count:
            lines = None   # the reader and the line scan disagree: fall back to row + 2 (said in the summary)
        return Staged(columns, encoding, lines)
    finally:
        if scratch is not None:
            Path(scratch.name).unlink(missing_ok=True)


def _decode(path: Path, data: bytes, forced: str | None) -> tuple[str, str]:
    """(encoding, text): UTF-8 (a byte-order mark allowed) if it decodes strictly, else GB18030 (which covers
    GBK and GB2312) if that decodes strictly and reads as Chinese; never mojibake."""
    if forced:
        try:
            name = codecs.lookup(forced).name
        except LookupError:
            raise SourceError(f"{path.name}: unknown encoding {forced!r}") from None
        try:
            return ("utf-8" if name == "utf-8" else name), data.decode("utf-8-sig" if name == "utf-8" else name)
        except UnicodeDecodeError as error:
            raise SourceError(f"{path.name}: not {forced}: {_where(data, error)}") from None
    try:
        return "utf-8", data.decode("utf-8-sig")
    except UnicodeDecodeError as utf8_error:
        not_utf8 = _where(data, utf8_error)
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as error:
        raise SourceError(
            f"{path.name}: neither UTF-8 ({not_utf8}) nor GB18030 ({_where(data, error)}); "
            f"save it as UTF-8, or name its encoding with --encoding"
        ) from None
    if not _reads_as_chinese(text):
        raise SourceError(
            f"{path.name}: not UTF-8 ({not_utf8}), and read as GB18030 it gives unlikely characters; "
            f"save it as UTF-8, or name its encoding with --encoding"
        )
    return "gb18030", text


def _where(data: bytes, error: UnicodeDecodeError) -> str:
    line = data.count(b"\n", 0, error.start) + 1
    return f"invalid byte 0x{data[error.start]:02x} at byte {error.start:,}, line {line:,}"


def _reads_as_chinese(text: str) -> bool:
    sample = [ch for ch in text[:_SAMPLE_CHARS * 5] if ord(ch) > 127][:_SAMPLE_CHARS]
    if not sample:
        return True
    unlikely = 0
    for ch in set(sample):
        encoded = ch.encode("gb18030")
        if len(encoded) == 2 and encoded[1] < 0xA1:
            unlikely += sample.count(ch)
    return 1 - unlikely / len(sample) >= _PLAUSIBLE_SHARE


def _csv_header(path: Path, utf8_path: Path) -> list[str]:
    """The header row's column names: the first line (the reader checks the rest)."""
    with open(utf8_path, "rb") as f:
        first = f.readline().decode("utf-8-sig")
    try:
        header = next(csv.reader([first.rstrip("\r\n")]), None)
    except csv.Error as error:
        raise SourceError(f"{path.name}: cannot be parsed: header row: {error}") from None
    if not header:
        raise SourceError(f"{path.name}: cannot be parsed: empty file, no header row")
    columns = [c.strip() or f"column{i}" for i, c in enumerate(header, 1)]
    _check_header(path, columns)
    return columns


def _csv_record_lines(path: Path) -> np.ndarray:
    """The 1-based line on which each data record of a UTF-8 CSV starts (header excluded), vectorised with numpy.

    A newline ends a record unless it is inside quotes (an odd number of `"` before it); blank records are
    skipped, as the CSV reader does. (In UTF-8 the bytes of `"` and newline occur only as those characters.)
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


# ------------------------------------------------------------------------------------------------- Parquet

def _stage_parquet(con: duckdb.DuckDBPyConnection, path: Path) -> Staged:
    try:
        described = con.execute(f"describe select * from read_parquet({_lit(path)})").fetchall()
        columns = [row[0] for row in described]
        _check_header(path, columns)
        casts = ", ".join(f"cast({_q(c)} as varchar) as {_q(c)}" for c in columns)
        con.execute(f"create temp table __raw as select {casts} from read_parquet({_lit(path)})")
    except duckdb.Error as error:
        raise SourceError(f"{path.name}: cannot be parsed: {_duckdb_message(error)}") from None
    return Staged(columns)


# --------------------------------------------------------------------------------------------------- Excel

def _stage_excel(con: duckdb.DuckDBPyConnection, path: Path, table: str) -> Staged:
    """The sheet named after the table, else the first sheet, read by Polars' calamine engine as text.

    Empty rows are skipped like blank CSV lines; every other row keeps its sheet row number (header = row 1).
    A whole number in a numeric cell reads as `17` (not `17.0`), a date cell as `2024-01-05 00:00:00`.
    """
    try:
        import fastexcel

        sheets = fastexcel.read_excel(str(path)).sheet_names
        sheet = table if table in sheets else sheets[0]
        frame = pl.read_excel(path, engine="calamine", sheet_name=sheet, infer_schema_length=0,
                              drop_empty_rows=False, drop_empty_cols=False, raise_if_empty=False)
    except Exception as error:   # fastexcel raises its own types for a broken or encrypted workbook
        raise SourceError(f"{path.name}: cannot be read as an Excel workbook: {error}") from None
    columns = [str(c).strip() or f"column{i}" for i, c in enumerate(frame.columns, 1)]
    columns = [re.sub(r"^__UNNAMED__\d+$", f"column{i}", c) for i, c in enumerate(columns, 1)]
    _check_header(path, columns)
    frame.columns = columns
    frame = frame.with_columns(pl.all().cast(pl.String)).with_row_index("__sheet_row", offset=2)
    frame = frame.filter(~pl.all_horizontal(pl.exclude("__sheet_row").is_null()))
    lines = frame["__sheet_row"].cast(pl.Int64).to_numpy()
    arrow = frame.drop("__sheet_row").to_arrow()
    con.register("__excel", arrow)
    try:
        con.execute("create temp table __raw as select * from __excel")
    finally:
        con.unregister("__excel")
    return Staged(columns, None, lines)


# ------------------------------------------------------------------------------------------------- helpers

def _check_header(path: Path, columns: list[str]) -> None:
    seen = set()
    for c in columns:
        if c in seen:
            raise SourceError(f"{path.name}: column '{c}' appears more than once in the header")
        seen.add(c)


def _duckdb_message(error: duckdb.Error) -> str:
    text = str(error).split("Possible fixes:")[0].split("Possible Solution:")[0]
    return re.sub(r"\s+", " ", text).strip()


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(value) -> str:
    return "'" + str(value).replace("'", "''") + "'"
