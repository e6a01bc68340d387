"""`python -m mart load`: each kind of bad input gets its exact reason, column and line; good data round-trips."""
from __future__ import annotations

import csv
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import duckdb
import polars as pl
import pytest

from mart.contract import CHECKS, DOC_PATH, contract, render_markdown
from mart.load import LoadError, load

ROOT = Path(__file__).resolve().parent.parent

# A small valid data set touching every table and every foreign key.
BASE = {
    "dealers": """dealer_id,dealer_name,region,province,city,tier,opened_on
1,Hangzhou Motors,East,Zhejiang,Hangzhou,A,2015-03-01
2,Chengdu Auto,Southwest,Sichuan,Chengdu,B,2018-06-15
""",
    "products": """product_id,product_name,category,launched_on,list_price
S1,Sedan One,sedan,2020-01-01,150000.00
U1,SUV One,suv,2021-05-01,
""",
    "campaigns": """campaign_id,campaign_name,campaign_type,channel,start_on,end_on,budget,actual_cost,target_region
1,Spring,acquisition,wechat,2024-03-01,2024-03-31,100000.00,95000.00,East
""",
    "customers": """customer_id,customer_type,gender,birth_year,province,city,income_band,acquisition_channel,home_dealer_id,created_on
1,individual,female,1985,Zhejiang,Hangzhou,high,wechat,1,2024-01-05
2,fleet,,,Sichuan,Chengdu,,walk_in,2,2024-02-01
3,individual,male,1990,Zhejiang,Hangzhou,mid,website,,2024-02-10
""",
    "leads": """lead_id,dealer_id,source_channel,campaign_id,created_at,contacted_at,test_drive_at,quoted_at,closed_at,outcome,lost_reason,customer_id
1,1,wechat,1,2024-03-02 09:00:00,2024-03-02 10:30:00,2024-03-05 14:00:00,2024-03-06 11:00:00,2024-03-10 16:00:00,won,,1
2,2,walk_in,,2024-03-03 10:00:00,,,,2024-03-20 10:00:00,lost,price,
""",
    "sales": """sale_id,customer_id,dealer_id,product_id,sold_on,quantity,revenue,cost,lead_id,campaign_id
1,1,1,S1,2024-03-10,1,148000.00,130000.00,1,1
2,2,,U1,2024-04-01,3,630000.00,,,
""",
    "service_visits": """visit_id,customer_id,dealer_id,visited_on,service_type,revenue
1,1,1,2024-06-01,maintenance,800.00
""",
    "campaign_contacts": """campaign_id,customer_id,contacted_on,arm,responded_on
1,1,2024-03-01,treatment,2024-03-02
1,3,2024-03-01,control,
""",
    "complaints": """complaint_id,customer_id,dealer_id,product_id,channel,category,severity,received_at,dispatched_at,acknowledged_at,resolved_at,closed_at,reopen_count,callback_score
1,1,1,S1,call_center,quality,high,2024-05-01 09:00:00,2024-05-01 10:00:00,2024-05-01 12:00:00,2024-05-02 09:00:00,2024-05-03 09:00:00,0,4
""",
    "surveys": """survey_id,customer_id,dealer_id,survey_type,surveyed_on,score
1,1,1,sales,2024-03-15,9
""",
    "followup_calls": """call_id,customer_id,dealer_id,call_type,follows_id,follows_on,called_at,outcome,survey_id,csat
1,1,1,sales,1,2024-03-10,2024-03-14 10:00:00,not_reached,,
2,1,1,sales,1,2024-03-10,2024-03-15 11:00:00,answered,1,5
3,1,1,service,1,2024-06-01,2024-06-03 09:30:00,refused,,
4,1,1,complaint_callback,1,2024-05-02,2024-05-02 15:00:00,answered,,4
""",
    "targets": """dealer_id,month,units_target,revenue_target
1,2024-03-01,2,300000.00
2,2024-03-01,1,150000.00
1,2024-04-01,3,450000.00
""",
}


def write_src(folder: Path, tables: dict[str, str | None] | None = None, **extra_rows: str) -> Path:
    """BASE with some tables replaced (None = left out) and rows appended (`sales="3,1,..."`)."""
    folder.mkdir(parents=True, exist_ok=True)
    texts = {**BASE, **(tables or {})}
    for name, rows in extra_rows.items():
        texts[name] = texts[name] + rows.strip("\n") + "\n"
    for name, text in texts.items():
        if text is not None:
            (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder


def rejects(db: Path, table: str | None = None) -> list[dict]:
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            "select * from rejects where $t is null or table_name = $t order by table_name, line_number", {"t": table}
        ).fetchall()
        names = [d[0] for d in con.description]
    return [dict(zip(names, r)) for r in rows]


def next_line(table: str) -> int:
    """The CSV line of the first row appended to BASE's table (header is line 1)."""
    return BASE[table].count("\n") + 1


# --------------------------------------------------------------------------------------------- bad values

CASES = [
    # (id, table, appended row, column, reason)
    ("bad date", "customers", "4,individual,,,,,,,,2024-13-01", "created_on", "not a date: '2024-13-01'"),
    ("date with a time", "customers", "4,individual,,,,,,,,2024-01-05 10:00:00", "created_on",
     "not a date: '2024-01-05 10:00:00'"),
    ("bad timestamp", "leads", "3,1,wechat,,2024-03-02 25:00:00,,,,,open,,", "created_at",
     "not a timestamp: '2024-03-02 25:00:00'"),
    ("timestamp with a time zone", "leads", "3,1,wechat,,2024-03-02 10:00:00+08,,,,,open,,", "created_at",
     "not a timestamp: '2024-03-02 10:00:00+08'"),
    ("bad integer", "sales", "3,1,1,S1,2024-03-10,1.5,100.00,,,", "quantity", "not an integer: '1.5'"),
    ("integer too large", "sales", "3,1,1,S1,2024-03-10,3000000000,100.00,,,", "quantity",
     "out of range for integer: '3000000000'"),
    ("bad number", "sales", '3,1,1,S1,2024-03-10,1,"1,000.00",,,', "revenue", "not a number: '1,000.00'"),
    ("unknown enum value", "complaints", "2,1,1,,,,soon,2024-05-01 09:00:00,,,,,0,", "severity",
     "not one of low, medium, high, critical: 'soon'"),
    ("unknown enum value, not an everyday spelling either", "surveys", "2,1,1,visit,2024-03-15,9", "survey_type",
     "not one of sales, service, complaint_callback: 'visit'"),
    ("duplicate key", "customers", "1,fleet,,,,,,,,2024-01-05", "customer_id", "duplicate key customer_id=1"),
    ("duplicate key with spaces around it", "customers", " 1 ,fleet,,,,,,,,2024-01-05", "customer_id",
     "duplicate key customer_id=1"),
    ("duplicate composite key", "campaign_contacts", "1,1,2024-03-05,control,", "campaign_id, customer_id",
     "duplicate key campaign_id=1, customer_id=1"),
    ("missing required value", "sales", "3,1,1,S1,,1,100.00,,,", "sold_on", "missing required value"),
    ("only spaces is missing", "dealers", "3,   ,East,Zhejiang,,,", "dealer_name", "missing required value"),
    ("orphan foreign key", "sales", "3,99,1,S1,2024-03-10,1,100.00,,,", "customer_id",
     "unknown customer_id=99 (not in customers)"),
    ("orphan foreign key, other column name", "customers", "4,individual,,,,,,,7,2024-01-05", "home_dealer_id",
     "unknown home_dealer_id=7 (not in dealers)"),
    ("negative money", "sales", "3,1,1,S1,2024-03-10,1,-12.5,,,", "revenue", "negative money: -12.50"),
    ("negative budget", "campaigns", "2,Autumn,promotion,website,2024-09-01,2024-09-30,-1,0,", "budget",
     "negative money: -1.00"),
    ("score above 10", "surveys", "2,1,1,service,2024-03-15,11", "score", "out of range 0-10: 11"),
    ("quantity 0", "sales", "3,1,1,S1,2024-03-10,0,100.00,,,", "quantity", "out of range >= 1: 0"),
    ("reopen count below 0", "complaints", "2,1,1,,,,low,2024-05-01 09:00:00,,,,,-1,", "reopen_count",
     "out of range >= 0: -1"),
    ("contacted before created", "leads",
     "3,1,wechat,,2024-03-02 09:00:00,2024-03-02 08:59:59,,,,open,,", "contacted_at", "contacted_at before created_at"),
    ("order skips empty moments", "leads",
     "3,1,wechat,,2024-03-02 09:00:00,2024-03-03 09:00:00,,2024-03-02 12:00:00,,open,,", "quoted_at",
     "quoted_at before contacted_at"),
    ("resolved before received", "complaints",
     "2,1,1,,,,low,2024-05-01 09:00:00,,,2024-04-30 09:00:00,,0,", "resolved_at", "resolved_at before received_at"),
    ("campaign ends before it starts", "campaigns",
     "2,Autumn,promotion,website,2024-09-01,2024-08-31,1000,0,", "end_on", "end_on before start_on"),
    ("response before contact", "campaign_contacts", "1,2,2024-03-05,treatment,2024-03-04", "responded_on",
     "responded_on before contacted_on"),
    # the first failing check wins, in the documented order
    ("missing value before bad type", "sales", "3,,1,S1,2024-13-01,1,100.00,,,", "customer_id", "missing required value"),
    ("type before money", "sales", "3,1,1,S1,2024-13-01,1,-5,,,", "sold_on", "not a date: '2024-13-01'"),
    ("money before range", "sales", "3,1,1,S1,2024-03-10,-1,-100.00,,,", "revenue", "negative money: -100.00"),
    ("range before duplicate", "surveys", "1,1,1,sales,2024-03-15,12", "score", "out of range 0-10: 12"),
    ("duplicate before foreign key", "sales", "1,99,1,S1,2024-03-10,1,100.00,,,", "sale_id", "duplicate key sale_id=1"),
    # follow-up calls and targets (issue 14): the same checks, and the event a call follows looked up by its type
    ("bad call outcome", "followup_calls", "5,1,1,sales,1,2024-03-10,2024-03-16 10:00:00,hung up,,", "outcome",
     "not one of not_reached, refused, answered: 'hung up'"),
    ("missing call outcome", "followup_calls", "5,1,1,sales,1,2024-03-10,2024-03-16 10:00:00,,,", "outcome",
     "missing required value"),
    ("orphan dealer of a call", "followup_calls", "5,1,9,sales,1,2024-03-10,2024-03-16 10:00:00,answered,,", "dealer_id",
     "unknown dealer_id=9 (not in dealers)"),
    ("duplicate call", "followup_calls", "2,1,1,sales,1,2024-03-10,2024-03-16 10:00:00,answered,,", "call_id",
     "duplicate key call_id=2"),
    ("call of an unknown survey", "followup_calls", "5,1,1,sales,1,2024-03-10,2024-03-16 10:00:00,answered,7,", "survey_id",
     "unknown survey_id=7 (not in surveys)"),
    ("call after an unknown sale", "followup_calls", "5,1,1,sales,7,2024-03-10,2024-03-16 10:00:00,refused,,", "follows_id",
     "unknown follows_id=7 (not in sales)"),
    # visit 1 exists, sale 2 exists, but this is a service call: follows_id is a visit_id
    ("service call after a sale's key", "followup_calls", "5,1,1,service,2,2024-06-01,2024-06-03 10:00:00,refused,,",
     "follows_id", "unknown follows_id=2 (not in service_visits)"),
    ("callback after an unknown complaint", "followup_calls",
     "5,1,1,complaint_callback,3,2024-05-02,2024-05-03 10:00:00,answered,,", "follows_id",
     "unknown follows_id=3 (not in complaints)"),
    ("call before the event it follows", "followup_calls", "5,1,1,sales,1,2024-03-10,2024-03-09 18:00:00,refused,,",
     "called_at", "called_at before follows_on"),
    ("target of an orphan dealer", "targets", "9,2024-03-01,1,100.00", "dealer_id", "unknown dealer_id=9 (not in dealers)"),
    ("duplicate target", "targets", "1,2024-03-01,5,500.00", "dealer_id, month", "duplicate key dealer_id=1, month=2024-03-01"),
    ("target month not its first day", "targets", "1,2024-05-15,1,100.00", "month",
     "not the first day of a month: 2024-05-15"),
    ("target without revenue", "targets", "1,2024-05-01,1,", "revenue_target", "missing required value"),
    ("negative units target", "targets", "1,2024-05-01,-1,100.00", "units_target", "out of range >= 0: -1"),
    ("negative revenue target", "targets", "1,2024-05-01,1,-100", "revenue_target", "negative money: -100.00"),
]


@pytest.mark.parametrize(("table", "row", "column", "reason"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_bad_row_is_rejected_with_its_reason_column_and_line(tmp_path, table, row, column, reason):
    db = tmp_path / "mart.duckdb"
    result = load(write_src(tmp_path / "src", **{table: row}), db)
    assert [(r["table_name"], r["source_file"], r["line_number"], r["column_name"], r["reason"]) for r in rejects(db)] == [
        (table, f"{table}.csv", next_line(table), column, reason)
    ]
    assert result.table(table).count_rejected == 1
    assert result.table(table).count_loaded == result.table(table).count_read - 1


def test_the_first_row_with_a_key_owns_it_even_when_rejected(tmp_path):
    db = tmp_path / "mart.duckdb"
    load(write_src(tmp_path / "src", customers="4,individual,,,,,,,,2024-13-01\n4,fleet,,,,,,,,2024-01-05"), db)
    assert [(r["line_number"], r["reason"]) for r in rejects(db)] == [
        (5, "not a date: '2024-13-01'"),
        (6, "duplicate key customer_id=4"),
    ]


def test_a_child_of_a_rejected_parent_is_rejected_down_the_tree(tmp_path):
    db = tmp_path / "mart.duckdb"
    load(
        write_src(
            tmp_path / "src",
            customers="4,individual,,,,,,,,2024-13-01",
            leads="3,1,wechat,,2024-03-02 09:00:00,,,,,open,,4",
            sales="3,4,1,S1,2024-03-10,1,100.00,,,\n4,1,1,S1,2024-03-10,1,100.00,,3,",
        ),
        db,
    )
    assert [(r["table_name"], r["line_number"], r["column_name"], r["reason"]) for r in rejects(db)] == [
        ("customers", 5, "created_on", "not a date: '2024-13-01'"),
        ("leads", 4, "customer_id", "customer_id=4 was rejected in customers"),
        ("sales", 4, "customer_id", "customer_id=4 was rejected in customers"),
        ("sales", 5, "lead_id", "lead_id=3 was rejected in leads"),
    ]


def test_raw_holds_the_row_as_read_including_unknown_columns(tmp_path):
    src = write_src(tmp_path / "src", tables={"followup_calls": None})   # its calls name BASE's survey 1
    (src / "surveys.csv").write_text("survey_id,customer_id,survey_type,surveyed_on,score,note\n7,1,sales,2024-03-15, 11 ,\"a, b\"\n"
                                   "8,1,sales,2024-03-15,9,\n")
    db = tmp_path / "mart.duckdb"
    result = load(src, db)
    (reject,) = rejects(db)
    assert reject["reason"] == "out of range 0-10: 11"
    assert json.loads(reject["raw"]) == {
        "survey_id": "7", "customer_id": "1", "survey_type": "sales", "surveyed_on": "2024-03-15", "score": " 11 ",
        "note": "a, b",
    }
    assert "surveys.csv: ignored unknown column 'note'" in result.warnings


def test_line_numbers_count_blank_lines_and_values_spanning_lines(tmp_path):
    src = write_src(tmp_path / "src")
    (src / "dealers.csv").write_text(
        'dealer_id,dealer_name,region,province,opened_on\r\n1,"Hangzhou\r\nMotors",East,Zhejiang,\r\n\r\n'
        '2,"Chengdu ""Auto""",Southwest,Sichuan,\r\n3,Bad,East,Zhejiang,x\r\n'
    )
    db = tmp_path / "mart.duckdb"
    load(src, db)
    assert [(r["line_number"], r["reason"]) for r in rejects(db)] == [(6, "not a date: 'x'")]
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select dealer_name from dealers order by dealer_id").fetchall() == [
            ("Hangzhou\r\nMotors",), ('Chengdu "Auto"',)
        ]


def test_values_are_parsed_as_documented(tmp_path):
    """Whole-number decimals are integers, money rounds to cents, spaces around values and enums are ignored."""
    src = write_src(tmp_path / "src", tables={
        "sales": "sale_id,customer_id,product_id,sold_on,quantity,revenue\n"
                 "1, 1 ,S1,2024-03-10,2.0,12.345\n2,2,U1,2024-03-10 00:00:00,1,1e3\n",
        "customers": BASE["customers"].replace("individual,female", " individual ,female"),
    })
    db = tmp_path / "mart.duckdb"
    result = load(src, db)
    assert result.count_rejected == 0
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select customer_id, sold_on::varchar, quantity, revenue::varchar, cost from sales").fetchall() == [
            ("1", "2024-03-10", 2, "12.35", None), ("2", "2024-03-10", 1, "1000.00", None)
        ]
        assert con.execute("select customer_type::varchar from customers where customer_id = '1'").fetchone() == ("individual",)


# ------------------------------------------------------------------------------------ tables and columns

def test_absent_optional_columns_load_as_null_or_their_default(tmp_path):
    src = write_src(tmp_path / "src", tables={
        "complaints": "complaint_id,customer_id,severity,received_at,reopen_count\n"
                      "1,1,low,2024-05-01 09:00:00,\n",
        "surveys": None,
    })
    db = tmp_path / "mart.duckdb"
    load(src, db)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select dealer_id, channel, closed_at, reopen_count, callback_score from complaints").fetchall() == [
            (None, None, None, 0, None)
        ]


def test_a_foreign_key_to_an_absent_table_is_not_checked_and_keeps_its_value(tmp_path):
    src = write_src(tmp_path / "src", tables={t: None for t in BASE if t != "customers"})
    db = tmp_path / "mart.duckdb"
    result = load(src, db)
    assert result.count_rejected == 0
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select customer_id, home_dealer_id from customers order by 1").fetchall() == [
            ("1", "1"), ("2", "2"), ("3", None)
        ]
        assert con.execute("select count(*) from customer_transactions").fetchone() == (0,)


def test_only_customers_is_required(tmp_path):
    src = write_src(tmp_path / "src", tables={"customers": None})
    with pytest.raises(LoadError, match=r"no customers\.csv, customers\.parquet or customers\.xlsx \(customers is the one required table\)"):
        load(src, tmp_path / "mart.duckdb")


def test_unknown_files_are_ignored_with_a_warning(tmp_path):
    src = write_src(tmp_path / "src")
    (src / "notes.txt").write_text("hello")
    (src / "Customers.CSV").write_text("x")
    result = load(src, tmp_path / "mart.duckdb")
    assert result.warnings == [
        "ignored Customers.CSV: not <table>.csv, .parquet or .xlsx of a table in the contract",
        "ignored notes.txt: not <table>.csv, .parquet or .xlsx of a table in the contract",
    ]
    assert "warning: ignored notes.txt" in result.summary()


def test_two_files_for_one_table_fail(tmp_path):
    src = write_src(tmp_path / "src")
    pl.read_csv(src / "sales.csv").write_parquet(src / "sales.parquet")
    with pytest.raises(LoadError, match=r"^sales\.csv and sales\.parquet: two files for table sales; keep one$"):
        load(src, tmp_path / "mart.duckdb")


def run_cli(src: Path, db: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mart", "load", str(src), "--db", str(db)], cwd=ROOT, capture_output=True, text=True
    )


def test_a_missing_required_column_fails_the_cli_with_exit_code_2(tmp_path):
    src = write_src(tmp_path / "src", tables={"sales": BASE["sales"].replace(",sold_on", ",sold_at")})
    done = run_cli(src, tmp_path / "mart.duckdb")
    assert done.returncode == 2
    assert done.stderr.strip() == "load failed: sales.csv: missing required column 'sold_on'"
    assert not (tmp_path / "mart.duckdb").exists()


def test_several_missing_columns_are_named_together(tmp_path):
    src = write_src(tmp_path / "src", tables={"surveys": "survey_id,customer_id\n1,1\n"})
    with pytest.raises(LoadError, match=r"^surveys\.csv: missing required columns 'survey_type', 'surveyed_on', 'score'$"):
        load(src, tmp_path / "mart.duckdb")


@pytest.mark.parametrize(("name", "content", "message"), [
    ("sales.csv", BASE["sales"] + "3,1,1,S1,2024-03-10,1,100.00,,,,extra\n",
     r"^sales\.csv: cannot be parsed: .*Line: 4.*Expected Number of Columns: 10 Found: 11"),
    ("sales.csv", BASE["sales"] + '3,1,1,S1,2024-03-10,1,"100.00,,,\n', r"^sales\.csv: cannot be parsed: .*unterminated quote"),
    # bytes that are neither UTF-8 nor GB18030: refused with where they are, never loaded as mojibake
    ("customers.csv", BASE["customers"].encode("utf-8") + b"4,individual,,,\xff\xfe,,,,,2024-01-05\n",
     r"^customers\.csv: neither UTF-8 \(invalid byte 0xff at byte 312, line 5\) nor GB18030 \(invalid byte 0xff at byte 312, "
     r"line 5\); save it as UTF-8, or name its encoding with --encoding$"),
    # Latin-1 text decodes as GB18030 too, but into rare characters: refused
    ("customers.csv", "customer_id,city\n1,Besançon\n2,Zürich\n3,Gérardmer\n".encode("latin-1"),
     r"^customers\.csv: not UTF-8 \(invalid byte 0xe7 at byte 24, line 2\), and read as GB18030 it gives unlikely "
     r"characters; save it as UTF-8, or name its encoding with --encoding$"),
    ("customers.csv", b"", r"^customers\.csv: cannot be parsed: empty file, no header row$"),
    ("customers.parquet", b"PAR1 this is not parquet", r"^customers\.parquet: cannot be parsed: "),
    ("dealers.csv", "dealer_id,dealer_name,region,province,region\n", r"^dealers\.csv: column 'region' appears more than once in the header$"),
])
def test_a_file_that_cannot_be_parsed_fails_naming_the_file(tmp_path, name, content, message):
    src = write_src(tmp_path / "src", tables={"customers": None} if name.startswith("customers") else None)
    target = src / name
    target.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    with pytest.raises(LoadError, match=message):
        load(src, tmp_path / "mart.duckdb")


# ------------------------------------------------------------------------------ the mart, the log, the rejects

def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_failed_load_leaves_the_previous_mart_and_rejects_untouched(tmp_path):
    db = tmp_path / "mart.duckdb"
    load(write_src(tmp_path / "good", sales="3,99,1,S1,2024-03-10,1,100.00,,,"), db)
    before = sha256(db), sha256(tmp_path / "mart.rejects.csv")
    # fails inside the build (a later table), after the previous mart was attached for its load log
    bad = write_src(tmp_path / "bad", tables={"surveys": "survey_id,customer_id\n1,1\n"})
    with pytest.raises(LoadError):
        load(bad, db)
    assert (sha256(db), sha256(tmp_path / "mart.rejects.csv")) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad", "good", "mart.duckdb", "mart.rejects.csv"]
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select max(load_id), count(*) from load_log").fetchone() == (1, len(contract()))


def test_load_log_counts_every_table_and_numbers_the_loads(tmp_path):
    db = tmp_path / "mart.duckdb"
    first = load(write_src(tmp_path / "one"), db)
    second = load(write_src(tmp_path / "two", tables={"surveys": None}, sales="3,99,1,S1,2024-03-10,1,100.00,,,"), db)
    assert (first.load_id, second.load_id) == (1, 2)
    with duckdb.connect(str(db), read_only=True) as con:
        log = con.sql("select * from load_log order by load_id, table_name").pl()
    assert log.height == 2 * len(contract())
    assert log.filter(pl.col("count_read") != pl.col("count_loaded") + pl.col("count_rejected")).height == 0
    two = log.filter(pl.col("load_id") == 2)
    assert two.filter(pl.col("table_name") == "sales").select("source_file", "count_read", "count_loaded", "count_rejected").row(0) == (
        "sales.csv", 3, 2, 1
    )
    assert two.filter(pl.col("table_name") == "surveys").select("source_file", "count_read").row(0) == (None, 0)
    assert set(two["source"]) == {str((tmp_path / "two").resolve())}
    assert two["loaded_at"].n_unique() == 1


def test_the_rejects_csv_next_to_the_mart_holds_the_rejects_table(tmp_path):
    db = tmp_path / "marts" / "crm.duckdb"
    result = load(write_src(tmp_path / "src", sales="3,99,1,S1,2024-03-10,1,100.00,,,\n4,1,1,S1,2024-03-10,0,1,,,"), db)
    assert result.rejects_csv == tmp_path / "marts" / "crm.rejects.csv"
    with open(result.rejects_csv, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [(r["load_id"], r["table_name"], r["line_number"], r["column_name"], r["reason"]) for r in rows] == [
        ("1", "sales", "4", "customer_id", "unknown customer_id=99 (not in customers)"),
        ("1", "sales", "5", "quantity", "out of range >= 1: 0"),
    ]
    assert [json.loads(r["raw"]) for r in rows] == [json.loads(r["raw"]) for r in rejects(db)]
    assert str(result.rejects_csv) in result.summary()


def test_read_is_loaded_plus_rejected_and_the_summary_says_so(tmp_path):
    src = write_src(
        tmp_path / "src",
        customers="4,individual,,,,,,,,2024-13-01\n5,fleet,,,,,,,,2024-01-05",
        sales="3,4,1,S1,2024-03-10,1,100.00,,,\n4,5,1,S1,2024-03-10,1,100.00,,,",
    )
    db = tmp_path / "mart.duckdb"
    result = load(src, db)
    with duckdb.connect(str(db), read_only=True) as con:
        for t in result.tables:
            (in_mart,) = con.execute(f"select count(*) from {t.table}").fetchone()
            assert t.count_loaded == in_mart
            assert t.count_read == t.count_loaded + t.count_rejected
            if t.source_file:
                assert t.count_read == len((tmp_path / "src" / t.source_file).read_text().splitlines()) - 1
    assert (result.table("customers").count_rejected, result.table("sales").count_rejected) == (1, 1)
    rows = {line.split()[0]: line.split()[1:] for line in result.summary().splitlines()[1:]}
    assert rows["table"] == ["file", "read", "loaded", "rejected", "warned", "encoding"]
    assert rows["customers"] == ["customers.csv", "5", "4", "1", "0", "utf-8"]
    assert rows["surveys"] == ["surveys.csv", "1", "1", "0", "0", "utf-8"]
    assert rows["total"] == [str(result.count_read), str(result.count_loaded), "2", "0"]


def test_parquet_files_load_like_csv_with_row_number_plus_one_as_line(tmp_path):
    csv_src = write_src(tmp_path / "csv", sales="3,99,1,S1,2024-03-10,1,100.00,,,")
    pq_src = tmp_path / "parquet"
    pq_src.mkdir()
    with duckdb.connect() as con:
        for name in BASE:
            # typed Parquet columns, as a user's tool would write them
            con.execute(f"copy (select * from read_csv('{csv_src / name}.csv')) to '{pq_src / name}.parquet'")
    a, b = load(csv_src, tmp_path / "a.duckdb"), load(pq_src, tmp_path / "b.duckdb")
    assert [(t.table, t.count_read, t.count_loaded) for t in a.tables] == [(t.table, t.count_read, t.count_loaded) for t in b.tables]
    assert [(r["line_number"], r["reason"]) for r in rejects(tmp_path / "b.duckdb")] == [
        (4, "unknown customer_id=99 (not in customers)")
    ]
    assert_same_tables(tmp_path / "a.duckdb", tmp_path / "b.duckdb")


# ----------------------------------------------------------------------------------------- the round trip

def assert_same_tables(a: Path, b: Path) -> None:
    """Every contract table holds the same rows with the same types, compared ordered by key."""
    with duckdb.connect() as con:
        con.execute(f"attach '{a}' as a (read_only); attach '{b}' as b (read_only)")
        for table in contract().values():
            key = ", ".join(table.key)
            left = con.sql(f"select * from a.{table.name} order by {key}").to_arrow_table()
            right = con.sql(f"select * from b.{table.name} order by {key}").to_arrow_table()
            assert left.schema == right.schema, table.name
            assert left.num_rows == right.num_rows, table.name
            assert left.equals(right), f"{table.name} differs after the round trip"


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_the_generated_mart_round_trips_through_files(s_mart, tmp_path, fmt):
    src = tmp_path / "export"
    src.mkdir()
    with duckdb.connect(str(s_mart), read_only=True) as con:
        for name in contract():
            options = "(header, delimiter ',')" if fmt == "csv" else "(format parquet)"
            con.execute(f"copy (select * from {name}) to '{src / name}.{fmt}' {options}")
    db = tmp_path / "mart.duckdb"
    result = load(src, db)
    assert result.count_rejected == 0, rejects(db)[:5]
    assert result.count_read == result.count_loaded > 0
    assert_same_tables(s_mart, db)
    print(f"\nround trip ({fmt}): {result.count_read:,} rows in {result.seconds:.2f} s = {result.rows_per_second:,.0f} rows/s")


# ------------------------------------------------------------------------------------------------ the doc

def test_the_contract_doc_is_generated_from_the_contract():
    assert DOC_PATH.read_text(encoding="utf-8") == render_markdown(), "run: python -m mart.contract --write"


def test_the_doc_lists_every_table_column_and_check():
    doc = DOC_PATH.read_text(encoding="utf-8")
    for table in contract().values():
        section = doc.split(f"### {table.name}")[1].split("\n### ")[0]
        for column in table.columns:
            assert f"| `{column.name}` | {column.type} |" in section, f"{table.name}.{column.name}"
    for check, _, _ in CHECKS:
        assert f"| {check} |" in doc


def test_the_contract_follows_the_schema():
    tables = contract()
    assert list(tables) == ["dealers", "products", "campaigns", "customers", "leads", "sales", "service_visits",
                            "campaign_contacts", "complaints", "surveys", "followup_calls", "targets"]
    sales = tables["sales"]
    assert sales.required_columns == ("sale_id", "customer_id", "product_id", "sold_on", "quantity", "revenue")
    assert not sales.column("cost").required_column and not sales.column("dealer_id").required_value
    assert tables["customers"].column("customer_type").values == ("individual", "fleet", "unknown")
    assert not tables["customers"].column("customer_type").required_column
    assert not tables["customers"].column("created_on").required_column
    assert [c.name for c in tables["customers"].columns if c.descriptive] == [
        "customer_type", "gender", "birth_year", "province", "city", "income_band", "acquisition_channel"]
    # text keys; the one exception is the month of a monthly table (targets), a date
    assert all(c.type == "varchar" for t in tables.values() for c in t.columns if (c.key or c.references) and not c.month_start)
    assert tables["campaign_contacts"].key == ("campaign_id", "customer_id")
    assert sales.column("lead_id").references.table == "leads"
    assert [c.name for c in tables["products"].columns if c.money] == ["list_price"]
    assert tables["leads"].column("closed_at").follows == ("quoted_at", "test_drive_at", "contacted_at", "created_at")
    assert [t.name for t in tables.values() if t.required] == ["customers"]
    calls, targets, visits = tables["followup_calls"], tables["targets"], tables["service_visits"]
    assert calls.required_columns == ("call_id", "customer_id", "call_type", "called_at", "outcome")
    assert calls.column("outcome").values == ("not_reached", "refused", "answered")
    assert calls.column("call_type").sql_type == "survey_type"
    assert calls.column("follows_id").event_key.tables == (
        ("sales", "sales", "sale_id"), ("service", "service_visits", "visit_id"),
        ("complaint_callback", "complaints", "complaint_id"))
    assert [c.name for c in calls.columns if c.descriptive] == ["csat"]
    assert targets.key == ("dealer_id", "month") and targets.required_columns == targets.column_names
    assert targets.column("month").month_start
    # the service visit's new columns are optional: an export without them loads as before
    assert visits.required_columns == ("visit_id", "customer_id", "visited_on", "service_type", "revenue")
    assert visits.column("product_id").references.table == "products" and visits.column("warranty_cost").money


def test_new_service_visit_columns_follow_call_outcome_spellings_and_targets_load(tmp_path):
    """Issue 14: a service export with the vehicle, mileage and warranty cost, calls written the Chinese way, targets."""
    src = write_src(tmp_path / "src", tables={
        "service_visits": "visit_id,customer_id,dealer_id,visited_on,service_type,revenue,product_id,mileage_km,warranty_cost\n"
                          "1,1,1,2024-06-01,maintenance,800.00,S1,3500,\n"
                          "2,1,1,2024-07-01,保修,0,S1,4100.0,2600.50\n"
                          "3,1,1,2024-08-01,repair,900,X9,5000,\n"        # an unknown model: rejected
                          "4,1,1,2024-08-02,repair,900,S1,lots,\n"        # a bad mileage: emptied, with a warning
                          "5,1,1,2024-08-03,warranty,900,S1,5100,-5\n",   # a negative warranty cost: rejected
        "followup_calls": "call_id,customer_id,dealer_id,call_type,follows_id,follows_on,called_at,outcome\n"
                          "1,1,1,销售回访,1,2024-03-10,2024-03-14 10:00,未接通\n"
                          "2,1,1,售后回访,2,2024-07-01,2024-07-02 10:00,拒访\n"
                          "3,1,1,投诉回访,1,2024-05-02,2024-05-02 15:00,已回访\n"
                          "4,1,1,sales,1,2024-03-10,2024-03-15 10:00,No Answer\n",
    })
    db = tmp_path / "mart.duckdb"
    result = load(src, db)
    assert [(r["table_name"], r["line_number"], r["column_name"], r["reason"], r["severity"]) for r in rejects(db)] == [
        ("service_visits", 4, "product_id", "unknown product_id=X9 (not in products)", "rejected"),
        ("service_visits", 5, "mileage_km", "not an integer: 'lots' (emptied)", "warning"),
        ("service_visits", 6, "warranty_cost", "negative money: -5.00", "rejected"),
    ]
    assert (result.table("followup_calls").count_loaded, result.table("targets").count_loaded) == (4, 3)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select visit_id, product_id, mileage_km, warranty_cost::varchar from service_visits "
                           "order by visit_id").fetchall() == [
            ("1", "S1", 3500, None), ("2", "S1", 4100, "2600.50"), ("4", "S1", None, None)]
        assert con.execute("select call_type::varchar, outcome::varchar from followup_calls order by call_id").fetchall() == [
            ("sales", "not_reached"), ("service", "refused"), ("complaint_callback", "answered"), ("sales", "not_reached")]
        # a region's target is the sum of its dealers' rows
        assert con.execute("select d.region, sum(units_target), sum(revenue_target)::varchar from targets "
                           "join dealers d using (dealer_id) group by 1 order by 1").fetchall() == [
            ("East", 5, "750000.00"), ("Southwest", 1, "150000.00")]


def test_a_call_of_a_rejected_survey_is_rejected_too(tmp_path):
    db = tmp_path / "mart.duckdb"
    load(write_src(tmp_path / "src", surveys="2,1,1,service,2024-06-05,11",
                   followup_calls="5,1,1,service,1,2024-06-01,2024-06-05 10:00:00,answered,2,2"), db)
    assert [(r["table_name"], r["line_number"], r["column_name"], r["reason"]) for r in rejects(db)] == [
        ("followup_calls", 6, "survey_id", "survey_id=2 was rejected in surveys"),
        ("surveys", 3, "score", "out of range 0-10: 11"),
    ]
