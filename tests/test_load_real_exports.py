"""Real exports load as they are: text keys, GBK files, Excel workbooks, everyday value codes, descriptive values
that never cost a row, loads that refuse to lose most of what they read, and appends of a later period."""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import polars as pl
import pytest
import xlsxwriter

from mart.build import remove_leftovers
from mart.contract import contract
from mart.load import LoadError, LossError, load
from tests.test_load import BASE, assert_same_tables, rejects, write_src

ROOT = Path(__file__).resolve().parent.parent


def rows(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ------------------------------------------------------------------------------------------------- text keys

def export(mart: Path, folder: Path, key_text=None) -> Path:
    """Every contract table of `mart` as CSV files; `key_text(column, sql)` rewrites each key column's values."""
    folder.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(mart), read_only=True) as con:
        for table in contract().values():
            cols = []
            for c in table.columns:
                is_key = is_text_key(c)
                cols.append(f"{key_text(c.name, c.name)} as {c.name}" if is_key and key_text and c.name != "product_id"
                            else c.name)
            con.execute(f"copy (select {', '.join(cols)} from {table.name}) to '{folder / table.name}.csv' (header)")
    return folder


def is_text_key(c) -> bool:
    """A key, a foreign key or an event key (a follow-up call's follows_id); not the month of a monthly target."""
    return (c.key or c.references is not None or c.event_key is not None) and not c.month_start


def as_integer(column: str, sql: str) -> str:
    """D0017 -> 17: the same keys as plain integers, as an older export would write them."""
    return f"cast(regexp_extract({sql}, '[0-9]+$') as bigint)"


def test_text_keyed_files_load_to_the_same_mart_as_integer_keys(s_mart, tmp_path):
    text_db, int_db = tmp_path / "text.duckdb", tmp_path / "int.duckdb"
    loaded_text = load(export(s_mart, tmp_path / "text"), text_db)
    loaded_int = load(export(s_mart, tmp_path / "int", as_integer), int_db)
    assert loaded_text.count_rejected == loaded_int.count_rejected == 0
    assert loaded_text.count_loaded == loaded_int.count_loaded > 190_000
    # the text-keyed load is the generated mart itself; the integer one is the same rows under integer keys
    assert_same_tables(s_mart, text_db)
    with duckdb.connect() as con:
        con.execute(f"attach '{text_db}' as t (read_only); attach '{int_db}' as i (read_only)")
        for table in contract().values():
            mapped = ", ".join(
                (f"{as_integer(c.name, c.name)}::varchar as {c.name}" if is_text_key(c) and c.name != "product_id"
                 else c.name) for c in table.columns)
            difference = con.execute(
                f"select count(*) from ((select {mapped} from t.{table.name}) except all (select * from i.{table.name}))"
            ).fetchone()[0]
            assert difference == 0, table.name
        assert con.execute("select customer_id from i.customers order by customer_id limit 1").fetchone() == ("1",)


def test_keys_keep_leading_zeros_and_are_trimmed(tmp_path):
    src = write_src(tmp_path / "src", tables={
        "customers": "customer_id,created_on\n000124,2024-01-05\n124,2024-01-06\n C000123 ,2024-01-07\n",
        "sales": "sale_id,customer_id,product_id,sold_on,quantity,revenue\nSO-1,000124,S1,2024-03-10,1,100\n"
                 "SO-2,C000123,S1,2024-03-11,1,200\n",
        "leads": None, "campaign_contacts": None, "complaints": None, "surveys": None, "service_visits": None,
        "followup_calls": None, "targets": None,
    })
    db = tmp_path / "mart.duckdb"
    result = load(src, db)
    assert result.count_rejected == 0
    assert rows(db, "select customer_id from customers order by created_on") == [("000124",), ("124",), ("C000123",)]
    assert rows(db, "select sale_id, customer_id from sales order by sale_id") == [("SO-1", "000124"), ("SO-2", "C000123")]


def test_dealer_codes_and_customer_numbers_of_a_crm_export(tmp_path):
    """What used to load nothing: every row rejected 'not an integer', and the children of the rejected parents too."""
    src = write_src(tmp_path / "src", tables={
        "dealers": "dealer_id,dealer_name,region,province\nGX-LZ-001,柳州某某汽车销售服务有限公司,华南,广西\nD1,Hangzhou Motors,华东,浙江\n",
        "customers": "customer_id,home_dealer_id,created_on\nC000123,GX-LZ-001,2024-01-05\nC000124,D1,2024-01-06\n",
        "sales": "sale_id,customer_id,dealer_id,product_id,sold_on,quantity,revenue\n"
                 "XS2024000001,C000123,GX-LZ-001,S1,2024-03-10,1,148000\nXS2024000002,C000124,D2,S1,2024-03-10,1,1\n",
        "leads": None, "campaign_contacts": None, "complaints": None, "surveys": None, "service_visits": None,
        "followup_calls": None, "targets": None,
    })
    db = tmp_path / "mart.duckdb"
    result = load(src, db)
    assert (result.table("dealers").count_loaded, result.table("customers").count_loaded) == (2, 2)
    assert [(r["line_number"], r["column_name"], r["reason"]) for r in rejects(db)] == [
        (3, "dealer_id", "unknown dealer_id=D2 (not in dealers)")
    ]
    assert rows(db, "select dealer_name, region from sales_in_context") == [("柳州某某汽车销售服务有限公司", "华南")]


# ------------------------------------------------------------------------------------------------ encodings

CHINESE_CUSTOMERS = (
    "customer_id,customer_type,gender,province,city,income_band,created_on\n"
    "C001,个人,男,广西壮族自治区,柳州市,10-20万,2024-01-05\n"
    "C002,企业,,广东省,深圳市,,2024-01-06\n"
    "C003,个人,女,北京市,北京市,“高”收入,2024-01-07\n"
)


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig", "utf-8"])
def test_chinese_text_survives_byte_for_byte_in_each_encoding(tmp_path, encoding):
    src = write_src(tmp_path / "src", tables={t: None for t in BASE if t != "customers"})
    (src / "customers.csv").write_bytes(CHINESE_CUSTOMERS.encode(encoding))
    db = tmp_path / "mart.duckdb"
    result = load(src, db)
    assert result.table("customers").encoding == ("gb18030" if encoding.startswith("gb") else "utf-8")
    expected = pl.read_csv(CHINESE_CUSTOMERS.encode(), infer_schema_length=0)
    got = rows(db, "select province, city, income_band from customers order by customer_id")
    assert got == list(expected.select("province", "city", "income_band").iter_rows())
    # byte for byte: the mart's text encodes back to the very bytes of the file
    original = (src / "customers.csv").read_bytes()
    for province, city, band in got:
        for value in (province, city, band):
            if value:
                assert value.encode(encoding.removesuffix("-sig")) in original
    assert rows(db, "select customer_type::varchar, gender::varchar from customers order by customer_id") == [
        ("individual", "male"), ("fleet", None), ("individual", "female")
    ]


def test_a_gb18030_only_character_survives(tmp_path):
    """U+20BB7 (𠮷, in names) is in GB18030 but not GBK: four bytes in the file, one character in the mart."""
    src = write_src(tmp_path / "src", tables={t: None for t in BASE if t != "customers"})
    (src / "customers.csv").write_bytes("customer_id,city,created_on\nC1,𠮷野家,2024-01-05\n".encode("gb18030"))
    db = tmp_path / "mart.duckdb"
    load(src, db)
    assert rows(db, "select city from customers") == [("𠮷野家",)]


def test_an_encoding_can_be_forced_and_a_wrong_one_is_refused_with_the_line(tmp_path):
    src = write_src(tmp_path / "src", tables={t: None for t in BASE if t != "customers"})
    (src / "customers.csv").write_bytes("customer_id,city,created_on\nC1,Besançon,2024-01-05\n".encode("latin-1"))
    db = tmp_path / "mart.duckdb"
    with pytest.raises(LoadError, match="unlikely characters"):
        load(src, db)
    load(src, db, encoding="latin-1")
    assert rows(db, "select city from customers") == [("Besançon",)]
    (src / "customers.csv").write_bytes("customer_id,city,created_on\nC1,柳州,2024-01-05\n".encode("gbk"))
    with pytest.raises(LoadError, match=r"^customers\.csv: not utf-8: invalid byte 0xc1 at byte 31, line 2$"):
        load(src, db, encoding="utf-8")


# ---------------------------------------------------------------------------------------------------- Excel

def write_xlsx(path: Path, sheets: dict[str, list[list]]) -> Path:
    book = xlsxwriter.Workbook(str(path))
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    for name, table in sheets.items():
        sheet = book.add_worksheet(name)
        for r, values in enumerate(table):
            for c, value in enumerate(values):
                if value is None:
                    continue
                if hasattr(value, "year"):
                    sheet.write_datetime(r, c, value, date)
                else:
                    sheet.write(r, c, value)
    book.close()
    return path


def test_an_excel_workbook_loads_from_the_sheet_named_after_the_table(tmp_path):
    from datetime import datetime

    src = write_src(tmp_path / "src", tables={t: None for t in BASE if t not in ("customers", "dealers")})
    (src / "customers.csv").unlink()
    write_xlsx(src / "customers.xlsx", {
        "说明": [["this sheet is notes"]],
        "customers": [
            ["customer_id", "customer_type", "birth_year", "home_dealer_id", "created_on"],
            ["000124", "个人", 1980, 1, datetime(2024, 1, 5)],
            [],                                                      # an empty row is skipped
            [17, "Company", 1975.0, 2, datetime(2024, 1, 6)],        # numbers read as written in the cell
            ["C3", "fleet", None, 9, datetime(2024, 1, 7)],          # unknown dealer: rejected, sheet row 5
            ["C4", "fleet", None, 1, 45296],                         # a date without a date format is a number
        ],
    })
    db = tmp_path / "mart.duckdb"
    result = load(src, db, accept_losses=True)
    assert (result.table("customers").count_read, result.table("customers").count_loaded) == (4, 2)
    assert rows(db, "select customer_id, customer_type::varchar, birth_year, home_dealer_id, created_on::varchar "
                    "from customers order by customer_id") == [
        ("000124", "individual", 1980, "1", "2024-01-05"), ("17", "fleet", 1975, "2", "2024-01-06")
    ]
    assert [(r["source_file"], r["line_number"], r["column_name"], r["reason"]) for r in rejects(db)] == [
        ("customers.xlsx", 5, "home_dealer_id", "unknown home_dealer_id=9 (not in dealers)"),
        ("customers.xlsx", 6, "created_on", "not a date: '45296'"),
    ]


def test_the_first_sheet_is_read_when_none_is_named_after_the_table(tmp_path):
    src = write_src(tmp_path / "src", tables={t: None for t in BASE if t != "customers"})
    (src / "customers.csv").unlink()
    write_xlsx(src / "customers.xlsx", {"Sheet1": [["customer_id", "created_on"], ["C1", "2024-01-05"]]})
    db = tmp_path / "mart.duckdb"
    load(src, db)
    assert rows(db, "select customer_id from customers") == [("C1",)]


def test_a_broken_workbook_fails_naming_the_file(tmp_path):
    src = write_src(tmp_path / "src")
    (src / "surveys.csv").unlink()
    (src / "surveys.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(LoadError, match=r"^surveys\.xlsx: cannot be read as an Excel workbook"):
        load(src, tmp_path / "mart.duckdb")


# --------------------------------------------------------------------------------------- everyday value codes

def test_everyday_spellings_of_closed_values_load_as_the_value(tmp_path):
    src = write_src(tmp_path / "src", tables={
        "customers": "customer_id,customer_type,gender,acquisition_channel,created_on\n"
                     "1,个人,M,微信,2024-01-05\n2,企业,女,WeChat,2024-01-05\n3,Company,male,Walk-In,2024-01-05\n"
                     "4, INDIVIDUAL ,F,汽车之家,2024-01-05\n5,,男,,2024-01-05\n",
        "leads": "lead_id,dealer_id,source_channel,created_at,closed_at,outcome,customer_id\n"
                 "1,1,官网,2024-03-02 09:00:00,2024-03-10 16:00:00,成交,1\n2,2,电话,2024-03-03 10:00:00,2024-03-20 10:00:00,战败,\n"
                 "3,2,walk in,2024-03-03 10:00:00,,跟进中,\n",
        "complaints": "complaint_id,customer_id,severity,received_at\n1,1,高,2024-05-01 09:00:00\n2,2,紧急,2024-05-01 09:00:00\n"
                      "3,3,Critical,2024-05-01 09:00:00\n4,4,一般,2024-05-01 09:00:00\n",
        "sales": None, "campaign_contacts": None, "surveys": None, "service_visits": None,
    })
    db = tmp_path / "mart.duckdb"
    result = load(src, db)
    assert result.count_rejected == 0 and result.count_warned == 0
    assert rows(db, "select customer_type::varchar, gender::varchar, acquisition_channel::varchar from customers order by 1, 2, 3") == sorted([
        ("individual", "male", "wechat"), ("fleet", "female", "wechat"), ("fleet", "male", "walk_in"),
        ("individual", "female", "vertical_media"), ("unknown", "male", None),
    ])
    assert rows(db, "select source_channel::varchar, outcome::varchar from leads order by lead_id") == [
        ("website", "won"), ("phone", "lost"), ("walk_in", "open")
    ]
    assert rows(db, "select severity::varchar from complaints order by complaint_id") == [
        ("high",), ("critical",), ("critical",), ("low",)
    ]


def test_a_users_codes_file_extends_and_overrides_the_built_in_spellings(tmp_path):
    src = write_src(tmp_path / "src", tables={
        "complaints": "complaint_id,customer_id,severity,received_at\n1,1,P1,2024-05-01 09:00:00\n"
                      "2,1,一般,2024-05-01 09:00:00\n3,1,P9,2024-05-01 09:00:00\n4,1,low,2024-05-01 09:00:00\n",
    })
    codes = tmp_path / "our_codes.toml"
    codes.write_text('[severity]\ncritical = ["P1"]\nmedium = ["一般"]\n', encoding="utf-8")
    db = tmp_path / "mart.duckdb"
    load(src, db, codes=codes)
    assert rows(db, "select severity::varchar from complaints order by complaint_id") == [
        ("critical",), ("medium",), ("low",)
    ]
    assert [(r["line_number"], r["reason"]) for r in rejects(db)] == [(4, "not one of low, medium, high, critical: 'P9'")]


@pytest.mark.parametrize(("content", "message"), [
    ('[severity]\ncritical = ["P1"]\nhigh = ["p1"]\n', r"our_codes\.toml: \[severity\] 'p1' means both critical and high"),
    ('[colour]\nred = ["R"]\n', r"our_codes\.toml: \[colour\] is not a value set"),
    ('[severity]\nurgentest = ["U"]\n', r"our_codes\.toml: \[severity\] 'urgentest' is not one of low, medium, high, critical"),
    ('[severity]\nlow = ["medium"]\n', r"\[severity\] 'medium' is an allowed value and cannot mean low"),
    ("severity = [", r"our_codes\.toml: cannot be read as TOML"),
])
def test_a_bad_codes_file_fails_the_load(tmp_path, content, message):
    codes = tmp_path / "our_codes.toml"
    codes.write_text(content, encoding="utf-8")
    db = tmp_path / "mart.duckdb"
    with pytest.raises(LoadError, match=message):
        load(write_src(tmp_path / "src"), db, codes=codes)
    assert not db.exists()


def test_the_built_in_codes_map_each_spelling_to_one_value():
    from mart.codes import CODES_TOML, read_codes

    sets = {c.sql_type: c.values for t in contract().values() for c in t.columns if c.values}
    codes = read_codes(CODES_TOML, sets)   # raises on a spelling with two meanings
    assert set(codes) == set(sets)
    assert codes["gender"]["男"] == "male" and codes["customer_type"]["企业"] == "fleet"


# ------------------------------------------------------------------------- descriptive values and warnings

def test_a_bad_descriptive_value_is_emptied_with_a_warning_and_costs_no_row(tmp_path):
    src = write_src(
        tmp_path / "src",
        customers="4,corp,X,19x0,,,,tiktok,1,2024-01-05\n5,fleet,,1890,,,,,2,2024-01-05",
        sales="3,4,1,S1,2024-03-10,1,100.00,,,",
        complaints="2,4,1,,,,low,2024-05-01 09:00:00,,,,,0,0",
    )
    db = tmp_path / "mart.duckdb"
    result = load(src, db)
    assert result.count_rejected == 0
    assert (result.table("customers").count_warned, result.table("complaints").count_warned) == (1, 1)
    assert rows(db, "select customer_type::varchar, gender, birth_year, acquisition_channel from customers where customer_id = '4'") == [
        ("unknown", None, None, None)
    ]
    assert rows(db, "select count(*) from sales where customer_id = '4'") == [(1,)]
    assert rows(db, "select callback_score from complaints where complaint_id = '2'") == [(None,)]
    warnings = [(r["table_name"], r["line_number"], r["column_name"], r["reason"], r["severity"]) for r in rejects(db)]
    assert warnings == [
        ("complaints", 3, "callback_score", "out of range 1-5: 0 (emptied)", "warning"),
        ("customers", 5, "customer_type", "not one of individual, fleet, unknown: 'corp' (set to unknown)", "warning"),
        ("customers", 5, "gender", "not one of female, male: 'X' (emptied)", "warning"),
        ("customers", 5, "birth_year", "not an integer: '19x0' (emptied)", "warning"),
        ("customers", 5, "acquisition_channel",
         "not one of website, call_center, vertical_media, wechat, auto_show, walk_in, phone: 'tiktok' (emptied)", "warning"),
    ]
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count_read, count_loaded, count_rejected, count_warned from load_log "
                           "where table_name = 'customers'").fetchone() == (5, 5, 0, 1)
    assert json.loads(rejects(db, "customers")[0]["raw"])["gender"] == "X"
    summary = {line.split()[0]: line.split()[1:] for line in result.summary().splitlines()[1:]}
    assert summary["customers"] == ["customers.csv", "5", "5", "0", "1", "utf-8"]


def test_a_rejected_row_records_no_warnings(tmp_path):
    db = tmp_path / "mart.duckdb"
    load(write_src(tmp_path / "src", customers="4,corp,X,,,,,,,2024-13-01"), db)
    assert [(r["column_name"], r["severity"]) for r in rejects(db)] == [("created_on", "rejected")]


def test_customer_type_and_created_on_may_be_left_out(tmp_path):
    src = write_src(tmp_path / "src", tables={
        "customers": "customer_id,gender\n1,female\n2,male\n3,\n4,\n",
        "sales": "sale_id,customer_id,product_id,sold_on,quantity,revenue\n1,1,S1,2024-03-10,1,100\n2,1,S1,2024-02-01,1,100\n",
        "service_visits": "visit_id,customer_id,visited_on,service_type,revenue\n1,1,2024-01-20,maintenance,80\n"
                          "2,2,2024-06-01,repair,90\n",
        "complaints": "complaint_id,customer_id,severity,received_at\n1,3,low,2024-05-01 09:00:00\n",
        "leads": None, "campaign_contacts": None, "surveys": None,
    })
    db = tmp_path / "mart.duckdb"
    result = load(src, db)
    assert rows(db, "select customer_id, customer_type::varchar, created_on::varchar from customers order by 1") == [
        ("1", "unknown", "2024-01-20"), ("2", "unknown", "2024-06-01"), ("3", "unknown", "2024-05-01"), ("4", "unknown", None)
    ]
    assert any("1 customers have no created_on" in w for w in result.warnings)


# ------------------------------------------------------------------------------ loads a user can trust

def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mart", "load", *args], cwd=ROOT, capture_output=True, text=True)


def test_a_load_that_rejects_every_customer_is_refused_and_keeps_the_mart(tmp_path):
    """What used to happen: exit 0, and an empty mart swapped in over a good one."""
    db = tmp_path / "mart.duckdb"
    load(write_src(tmp_path / "good"), db)
    before = sha256(db), sha256(tmp_path / "mart.rejects.csv")
    bad = write_src(tmp_path / "bad", tables={
        "customers": BASE["customers"].replace("2024-0", "2024/0"),
    })
    done = run_cli(str(bad), "--db", str(db))
    assert done.returncode == 2
    assert done.stderr.startswith(
        "load failed: customers.csv: 3 of 3 rows rejected (100%, no customer loaded; most often 3 x created_on: "
        "not a date); sales.csv: 2 of 2 rows rejected (100%, more than the 50% allowed; most often 2 x customer_id: "
        "customer_id")
    assert "--accept-losses" in done.stderr
    assert (sha256(db), sha256(tmp_path / "mart.rejects.csv")) == before
    refused = pl.read_csv(tmp_path / "mart.refused-rejects.csv", infer_schema_length=0)
    assert refused.filter(pl.col("table_name") == "customers").height == 3
    accepted = run_cli(str(bad), "--db", str(db), "--accept-losses")
    assert accepted.returncode == 0, accepted.stderr
    assert rows(db, "select count(*) from customers") == [(0,)]
    assert not (tmp_path / "mart.refused-rejects.csv").exists()


def test_more_than_the_allowed_share_of_a_table_rejected_is_refused(tmp_path):
    src = write_src(tmp_path / "src", sales="3,99,1,S1,2024-03-10,1,100.00,,,\n4,98,1,S1,2024-03-10,1,100.00,,,")
    db = tmp_path / "mart.duckdb"
    with pytest.raises(LossError, match=r"^sales\.csv: 2 of 4 rows rejected") as refused:
        load(src, db, max_rejected_share=0.4)
    assert "more than the 40% allowed; most often 2 x customer_id: unknown customer_id)" in str(refused.value)
    assert not db.exists()
    assert load(src, db).table("sales").count_loaded == 2   # 50% is not more than the default 50%


# -------------------------------------------------------------------------------------------------- appends

CUT = "2025-07-01"


def split_export(mart: Path, first: Path, second: Path) -> None:
    """An export taken on CUT (what existed then, as it was then) and the next one (what was new or changed since).

    Rows are new by their date; complaints and leads still open on CUT come again in the second export with the
    steps they took since (an update); a customer's row is in the export after they were created.
    """
    first.mkdir()
    second.mkdir()
    cut = f"date '{CUT}'"
    views = {
        "dealers": ("true", "false"),
        "products": ("true", "false"),
        "campaigns": (f"start_on < {cut}", f"start_on >= {cut}"),
        "customers": (f"created_on < {cut}", f"created_on >= {cut}"),
        "leads": (f"created_at < {cut}", f"created_at >= {cut} or closed_at >= {cut} or closed_at is null"),
        "sales": (f"sold_on < {cut}", f"sold_on >= {cut}"),
        "service_visits": (f"visited_on < {cut}", f"visited_on >= {cut}"),
        "campaign_contacts": (f"contacted_on < {cut}", f"contacted_on >= {cut} or responded_on >= {cut}"),
        "complaints": (f"received_at < {cut}", f"received_at >= {cut} or coalesce(closed_at, {cut}) >= {cut}"),
        "surveys": (f"surveyed_on < {cut}", f"surveyed_on >= {cut}"),
        # a call with a survey is made on the survey's day or the day before: the day before the cut goes later
        "followup_calls": (f"called_at < {cut} - 1", f"called_at >= {cut} - 1"),
        "targets": (f"month < {cut}", f"month >= {cut}"),
    }
    as_then = {   # the first export shows each lifecycle as it stood on CUT
        "leads": ["contacted_at", "test_drive_at", "quoted_at", "closed_at"],
        "complaints": ["dispatched_at", "acknowledged_at", "resolved_at", "closed_at"],
        "campaign_contacts": ["responded_on"],
    }
    with duckdb.connect(str(mart), read_only=True) as con:
        for table in contract().values():
            early, late = views[table.name]
            cols = [f"case when {c.name} < {cut} then {c.name} end as {c.name}" if c.name in as_then.get(table.name, ())
                    else c.name for c in table.columns]
            if table.name == "complaints":   # the callback score comes with the close
                cols = [f"case when closed_at < {cut} then callback_score end as callback_score"
                        if c == "callback_score" else c for c in cols]
            if table.name == "leads":        # the outcome is open until the lead closed
                cols = [f"case when closed_at < {cut} then outcome else 'open' end as outcome" if c == "outcome"
                        else f"case when closed_at < {cut} then lost_reason end as lost_reason" if c == "lost_reason"
                        else f"case when closed_at < {cut} then customer_id end as customer_id" if c == "customer_id"
                        else c for c in cols]
            con.execute(f"copy (select {', '.join(cols)} from {table.name} where {early}) to '{first / table.name}.csv' (header)")
            if late != "false":
                con.execute(f"copy (select * from {table.name} where {late}) to '{second / table.name}.parquet'")


def test_appending_the_second_half_of_an_export_equals_loading_it_whole(s_mart, tmp_path):
    whole, first, second = tmp_path / "whole", tmp_path / "first", tmp_path / "second"
    export(s_mart, whole)
    split_export(s_mart, first, second)
    whole_db, appended_db = tmp_path / "whole.duckdb", tmp_path / "appended.duckdb"
    load(whole, whole_db)
    load(first, appended_db)
    with duckdb.connect(str(appended_db), read_only=True) as con:
        open_then = con.execute("select count(*) from complaints where closed_at is null").fetchone()[0]
        as_of_then = con.execute("select as_of_on from mart_info").fetchone()[0]
    result = load(second, appended_db, append=True)
    assert result.count_rejected == 0
    assert result.table("complaints").count_read > open_then > 0   # updates as well as new complaints
    assert_same_tables(whole_db, appended_db)
    with duckdb.connect() as con:
        con.execute(f"attach '{whole_db}' as w (read_only); attach '{appended_db}' as a (read_only)")
        from mart.build import preaggregate_tables, rollup_tables

        for name in rollup_tables() + preaggregate_tables():
            assert con.execute(f"select count(*) from ((from w.{name}) except all (from a.{name}))").fetchone() == (0,), name
            assert con.execute(f"select count(*) from w.{name}").fetchone() == con.execute(f"select count(*) from a.{name}").fetchone()
        assert con.execute("select as_of_on from a.mart_info").fetchone()[0] > as_of_then
        assert con.execute("select load_id, count(*) from a.load_log group by 1 order by 1").fetchall() == [
            (1, len(contract())), (2, len(list(second.iterdir())))
        ]


def test_an_append_checks_foreign_keys_against_the_mart_and_replaces_updated_rows(tmp_path):
    db = tmp_path / "mart.duckdb"
    load(write_src(tmp_path / "first"), db)
    later = tmp_path / "later"
    later.mkdir()
    (later / "customers.csv").write_text(
        "customer_id,customer_type,gender,created_on\n3,fleet,male,2024-02-10\n9,individual,,2024-07-01\n")
    (later / "sales.csv").write_text(
        "sale_id,customer_id,dealer_id,product_id,sold_on,quantity,revenue\n"
        "7,1,1,S1,2024-07-02,1,100\n8,9,2,U1,2024-07-03,1,200\n9,77,2,U1,2024-07-03,1,200\n")
    (later / "surveys.csv").write_text("survey_id,customer_id,survey_type,surveyed_on,score\n1,1,sales,2024-03-15,x\n"
                                       "2,9,sales,2024-07-10,10\n")
    result = load(later, db, append=True)
    assert (result.table("customers").count_loaded, result.table("sales").count_loaded) == (2, 2)
    assert rows(db, "select customer_id, customer_type::varchar, gender::varchar from customers order by 1") == [
        ("1", "individual", "female"), ("2", "fleet", None), ("3", "fleet", "male"), ("9", "individual", None)
    ]
    assert rows(db, "select count(*), sum(revenue)::varchar from sales") == [(4, "778300.00")]
    # a rejected update leaves the row as it was
    assert rows(db, "select survey_id, score from surveys order by 1") == [("1", 9), ("2", 10)]
    assert [(r["load_id"], r["table_name"], r["line_number"], r["reason"]) for r in rejects(db) if r["load_id"] == 2] == [
        (2, "sales", 4, "unknown customer_id=77 (not in customers)"),
        (2, "surveys", 2, "not an integer: 'x'"),
    ]


def test_a_failed_or_refused_append_leaves_the_mart_as_it_was(tmp_path):
    db = tmp_path / "mart.duckdb"
    load(write_src(tmp_path / "first"), db)
    before = sha256(db)
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "sales.csv").write_text("sale_id,customer_id\n1,1\n")
    with pytest.raises(LoadError, match="missing required columns"):
        load(broken, db, append=True)
    lossy = tmp_path / "lossy"
    lossy.mkdir()
    (lossy / "sales.csv").write_text("sale_id,customer_id,product_id,sold_on,quantity,revenue\n5,404,S1,2024-07-02,1,100\n")
    with pytest.raises(LossError):
        load(lossy, db, append=True)
    assert sha256(db) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == [
        "mart.duckdb", "mart.refused-rejects.csv", "mart.rejects.csv"]
    with pytest.raises(LoadError, match="no mart to append to"):
        load(lossy, tmp_path / "none.duckdb", append=True)


# -------------------------------------------------------------------------------------------- leftovers

def test_a_build_removes_the_leftovers_of_builds_whose_process_is_gone(tmp_path):
    db = tmp_path / "mart.duckdb"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)
    for name in (f"mart.duckdb.building-{dead_pid}", f"mart.duckdb.building-{dead_pid}.wal"):
        (tmp_path / name).write_bytes(b"half a mart")
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (tmp_path / f"mart.duckdb.building-{live.pid}").write_bytes(b"a build in progress")
        load(write_src(tmp_path / "src"), db)
        assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == sorted([
            f"mart.duckdb.building-{live.pid}", "mart.duckdb", "mart.rejects.csv"])
    finally:
        live.kill()
        live.wait()
    remove_leftovers(db)
    assert not (tmp_path / f"mart.duckdb.building-{live.pid}").exists()


# ------------------------------------------------------------------------------------------- the example set

def test_the_bilingual_example_export_loads_as_its_readme_says(tmp_path):
    src = ROOT / "examples" / "dealer_export"
    assert (src / "customers.csv").read_bytes().decode("gbk").startswith("customer_id,")   # really a GBK file
    db = tmp_path / "example.duckdb"
    result = load(src, db)
    assert (result.count_read, result.count_loaded, result.count_rejected, result.count_warned) == (37, 36, 1, 1)
    assert "Expected (预期结果): 37 rows read, 36 loaded, 1 rejected" in (src / "README.md").read_text(encoding="utf-8")
    assert result.table("customers").encoding == "gb18030"
    assert [(r["source_file"], r["line_number"], r["column_name"], r["reason"], r["severity"]) for r in rejects(db)] == [
        ("customers.csv", 5, "gender", "not one of female, male: 'X' (emptied)", "warning"),
        ("sales.xlsx", 5, "customer_id", "unknown customer_id=C999999 (not in customers)", "rejected"),
    ]
    assert rows(db, "select customer_id, customer_type::varchar, gender::varchar, city, created_on::varchar "
                    "from customers order by customer_id") == [
        ("000124", "fleet", None, "南宁市", "2024-02-01"),
        ("C000123", "individual", "male", "柳州市", "2024-01-05"),
        ("C000125", "unknown", "female", "杭州市", "2024-03-02"),   # created on their first purchase
        ("C000126", "individual", None, "杭州市", "2024-03-10"),
    ]
    assert rows(db, "select service_type::varchar, count(*) from service_visits group by 1 order by 1") == [
        ("accident", 1), ("maintenance", 2), ("warranty", 1)
    ]
    assert rows(db, "select outcome::varchar, source_channel::varchar from leads order by lead_id") == [
        ("won", "wechat"), ("lost", "phone"), ("open", "walk_in")
    ]
    assert rows(db, "select dealer_name, sum(revenue)::varchar from sales_in_context group by 1 order by 1") == [
        ("南宁某某汽车销售服务有限公司", "451200.00"), ("杭州某某汽车销售服务有限公司", "225800.00"),
        ("柳州某某汽车销售服务有限公司", "218000.00"),
    ]


def test_the_data_quality_datasets_show_the_latest_loads_rejects_and_warnings(tmp_path):
    from queries import runner

    db = tmp_path / "mart.duckdb"
    load(write_src(tmp_path / "one", sales="3,99,1,S1,2024-03-10,1,100.00,,,"), db)
    load(write_src(tmp_path / "two", customers="4,corp,X,,,,,,,2024-01-05\n5,individual,Y,,,,,,,2024-01-05",
                   sales="3,1,1,S1,2024-03-10,1,100.00,,,\n4,77,1,S1,2024-03-10,1,100.00,,,\n"
                         "5,78,1,S1,2024-03-10,1,100.00,,,"), db)
    mart = runner.connect(db)
    try:
        shown = runner.run(mart, "dq_rejects")
        loads = runner.run(mart, "dq_loads")
    finally:
        mart.close()
    want = (
        pl.DataFrame(rejects(db)).filter(pl.col("load_id") == 2)
        .with_columns(pl.col("reason").str.replace(r"(: .*|=.*)$", "").alias("reason_kind"))
        .group_by("table_name", "column_name", "severity", "reason_kind")
        .agg(pl.len().alias("count_rows"), pl.col("line_number").min().alias("first_line"),
             pl.col("reason").sort_by("line_number").first().alias("example"))
    )
    assert shown.sort("table_name", "column_name").rows() == want.select(shown.columns).sort("table_name", "column_name").rows()
    assert shown.select("severity", "count_rows").rows() == [("rejected", 2), ("warning", 2), ("warning", 1)]
    assert shown.row(0, named=True)["example"] == "unknown customer_id=77 (not in customers)"
    two = loads.filter(pl.col("load_id") == 2).sort("table_name")
    assert two.filter(pl.col("table_name") == "customers").select("count_read", "count_loaded", "count_rejected",
                                                                  "count_warned").row(0) == (5, 5, 0, 2)
    assert loads["load_id"].to_list() == sorted(loads["load_id"].to_list(), reverse=True)
