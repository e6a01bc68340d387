"""The benchmark harness runs end to end on the s mart, and the naive pandas peer gives our answers.

A smoke test only: nothing here asserts a timing (timings are the benchmark's output, not a test's)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bench.pages import registered_pages
from bench.peer import differences

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def results(s_mart, tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("bench") / "latest.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--scales", "s", "--mart", f"s={s_mart}", "--repeats", "1", "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    assert "== scale s" in done.stdout
    return json.loads(out.read_text())


def test_every_registered_page_is_measured_after_each_filter_change(results):
    pages = results["scales"]["s"]["pages"]
    assert set(pages) == set(registered_pages())
    for page, changes in pages.items():
        assert set(changes) == {"region", "dealer"}, page
        for change, m in changes.items():
            assert m["exception"] is None, (page, change, m["exception"])
            assert m["datasets"], (page, change)
            assert len(m["per_dataset_cold_ms"]) == len(m["datasets"])
            assert m["cold"]["n"] == m["cold_cpu"]["n"] == m["warm"]["n"] == 1
            assert m["bytes"] > 0


def test_the_dealer_change_asks_for_the_dealer(results):
    """The replayed calls are the page's own: after choosing a dealer, the overview asks for that dealer's rows."""
    overview = results["scales"]["s"]["pages"]["views/overview.py"]
    assert any(call.startswith("dealer_customers") for call in overview["dealer"]["datasets"])
    assert not any(call.startswith("dealer_customers") for call in overview["region"]["datasets"])


def test_the_naive_peer_gives_our_answers(results):
    peer = results["scales"]["s"]["peer"]
    assert peer["equal"], peer["differences"]
    # Two filter sets, each with 15 KPIs for the period and its comparison; the unfiltered scorecard alone has
    # 60 dealer rows, 7 region rows and the national row, with 13 measures each.
    assert peer["values_compared"] >= 2 * 2 * 15 + (60 + 7 + 1) * 13
    assert len(peer["filter_sets"]) == 2


def test_a_differing_value_is_reported():
    kpis = {k: 1.0 for k in ("units", "sales_revenue", "gross_margin", "service_revenue", "new_customers",
                             "active_customers", "count_retention_cohort", "service_retention", "nps",
                             "count_nps_responses", "complaint_backlog", "count_sla_complaints", "sla_compliance",
                             "campaign_roi", "count_campaigns")}
    ours = [{"kpis": kpis, "kpis_comparison": kpis, "scorecard": {}}]
    peer = [{"kpis": {**kpis, "nps": 1.0 + 1e-6}, "kpis_comparison": {**kpis, "campaign_roi": None}, "scorecard": {}}]
    found, compared = differences(ours, peer)
    assert compared == 30
    assert [d.split(":")[0] for d in found] == ["filters 0 kpis.nps", "filters 0 kpis_comparison.campaign_roi"]


def test_cold_start_load_and_import_are_reported(results):
    s = results["scales"]["s"]
    assert s["cold_start"]["ok"], s["cold_start"]["exception"]
    for fmt in ("csv", "parquet"):
        assert s["load"][fmt]["rows"] == sum(s["mart"]["rows"].values())
        assert s["load"][fmt]["rows_rejected"] == 0
    # the last month appended to the rest: its rows only, none rejected
    month = s["load"]["append_month"]
    assert 0 < month["rows"] < s["load"]["parquet"]["rows"] / 10
    assert month["rows_rejected"] == 0
    assert "streamlit" in results["import"]["by_package_ms"]
    assert {t["target"] for t in results["targets"]} >= {"s: peer gives equal answers"}


def test_the_concurrency_summary_reads_its_samples():
    """bench/concurrency.py's figures: percentiles of the change times by kind, errors counted, and the server's
    memory at the start, peak, end and by quarter of the run."""
    from bench.concurrency import summarise

    results = [("region", t / 10) for t in range(1, 21)] + [("dealer", 0.5)] * 4
    samples = [(i * 0.5, mb) for i, mb in enumerate([100, 120, 150, 140, 160, 155, 158, 157])]
    s = summarise(results, ["session 1 step 2: TimeoutError"], 30.0, samples, sessions=2, changes=12)
    assert s["count_changes"] == 24 and s["count_errors"] == 1
    assert s["by_kind"]["region"]["n"] == 20 and s["by_kind"]["dealer"]["p95_s"] == 0.5
    assert s["by_kind"]["region"]["p50_s"] == pytest.approx(1.05)
    assert s["p95_s"] == pytest.approx(float(np.percentile([t for _, t in results], 95)))
    assert s["rss_mb"] == {"start": 100, "peak": 160, "end": 157, "max_by_quarter": [120, 150, 160, 158]}
