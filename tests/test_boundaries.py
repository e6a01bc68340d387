"""A hand-made mart whose rows sit exactly on the boundaries the definitions draw, with the answers worked out by
hand: a complaint resolved at its deadline to the second (met) and one second after (missed); one whose deadline
falls exactly on the period's end (not yet known) and one a second before it (known, missed); one resolved at
the very moment the period ends (not resolved within it); surveys scoring 6, 7, 8 and 9 (detractor, passive,
passive, promoter). Each figure is checked against the hand-worked value and against the independent Polars
computation of tests/independent/, so a `<` for a `<=` (or the reverse) in either fails here.
"""
from __future__ import annotations

from datetime import date

import pytest

from mart.load import load
from queries import runner
from queries.filters import Filters
from tests.independent import complaints as independent_complaints
from tests.independent import frame
from tests.test_load import write_src

MAY = Filters(start_on=date(2024, 5, 1), end_on=date(2024, 5, 31))
AS_OF = date(2024, 6, 3)  # the export's last event: the service call of 2024-06-03

# High = 72 hours to resolve, critical = 24 (mart/schema.sql's complaint_sla). The export's own complaint 1 (high,
# received 05-01 09:00, resolved 05-02 09:00, closed 05-03) is in May too: met.
COMPLAINTS = """
10,1,1,S1,call_center,quality,high,2024-05-10 09:00:00,,,2024-05-13 09:00:00,,0,
11,1,1,S1,call_center,quality,high,2024-05-10 09:00:00,,,2024-05-13 09:00:01,,0,
12,2,2,U1,call_center,quality,critical,2024-05-31 00:00:00,,,,,0,
13,2,2,U1,call_center,quality,critical,2024-05-30 23:59:59,,,,,0,
14,3,1,S1,call_center,quality,critical,2024-05-31 10:00:00,,,2024-06-01 00:00:00,,0,
"""
SURVEYS = """
10,1,1,sales,2024-05-05,6
11,2,2,service,2024-05-06,7
12,3,1,sales,2024-05-07,8
13,1,1,service,2024-05-31,9
"""


@pytest.fixture(scope="module")
def boundary_mart(tmp_path_factory):
    folder = tmp_path_factory.mktemp("boundaries")
    db = folder / "mart.duckdb"
    result = load(write_src(folder / "src", complaints=COMPLAINTS, surveys=SURVEYS), db)
    assert result.count_rejected == 0
    mart = runner.connect(db)
    yield mart, frame.read_tables(db)
    mart.close()


def test_sla_compliance_counts_the_deadline_itself_as_met(boundary_mart):
    """Known at May's end: 1 and 10 (met), 11 (a second late), 13 (due a second before the end, unresolved);
    12 is due exactly at the end and 14 was resolved at that moment: neither outcome is known yet."""
    mart, t = boundary_mart
    summary = runner.run(mart, "complaint_summary", MAY, as_of=AS_OF).row(0, named=True)
    kpis = runner.run(mart, "kpi_summary", MAY).row(0, named=True)
    assert summary["complaints_received"] == 6
    assert summary["count_sla_complaints"] == kpis["count_sla_complaints"] == 4
    assert summary["sla_compliance"] == kpis["sla_compliance"] == pytest.approx(2 / 4)
    want = independent_complaints.summary(t, MAY, AS_OF)
    assert (want["count_sla_complaints"], want["sla_compliance"]) == (4, 0.5)


def test_the_backlog_and_what_is_past_due_at_the_periods_end(boundary_mart):
    """Open (not closed) at May's end: 10, 11, 12, 13 and 14 (1 closed on 05-03). Past due among them: 13 only
    (unresolved and due before the end; 12 is due exactly at the end, 14 was still unresolved but not yet due)."""
    mart, t = boundary_mart
    summary = runner.run(mart, "complaint_summary", MAY, as_of=AS_OF).row(0, named=True)
    assert summary["complaint_backlog"] == runner.run(mart, "kpi_summary", MAY)["complaint_backlog"][0] == 5
    assert summary["complaints_past_due"] == 1
    want = independent_complaints.summary(t, MAY, AS_OF)
    assert (want["complaint_backlog"], want["complaints_past_due"]) == (5, 1)


def test_sla_by_severity_splits_the_same_boundaries(boundary_mart):
    mart, t = boundary_mart
    rows = {r["severity"]: r for r in runner.run(mart, "complaint_sla_by_severity", MAY, as_of=AS_OF).iter_rows(named=True)}
    assert (rows["high"]["count_sla_complaints"], rows["high"]["count_sla_met"]) == (3, 2)
    assert (rows["critical"]["count_sla_complaints"], rows["critical"]["count_sla_met"]) == (1, 0)
    want = independent_complaints.sla_by_severity(t, MAY, AS_OF)
    for severity in ("high", "critical"):
        assert (want[severity]["count_sla_complaints"], want[severity]["count_sla_met"]) == (
            rows[severity]["count_sla_complaints"], rows[severity]["count_sla_met"])


def test_nps_draws_its_lines_at_6_and_9(boundary_mart):
    """May's four surveys: 6 is a detractor, 7 and 8 passives, 9 a promoter: NPS = (1 - 1) / 4 = 0 on 4 answers.
    June holds none of them; March holds the export's own 9 alone (NPS 100)."""
    mart, t = boundary_mart
    may = runner.run(mart, "kpi_summary", MAY).row(0, named=True)
    assert (may["nps"], may["count_nps_responses"]) == (0.0, 4)
    assert frame.kpis(t, MAY)["nps"] == 0.0
    march = runner.run(mart, "kpi_summary", Filters(start_on=date(2024, 3, 1), end_on=date(2024, 3, 31)))
    assert (march["nps"][0], march["count_nps_responses"][0]) == (100.0, 1)
