"""Every page rendered in Chinese under AppTest shows no English sentence: titles, captions, widget labels and options,
metric labels and help, tab and expander names, table headers, and every chart's titles, axes, legends and hover text.
What may stay in Latin letters is listed in KEPT: names of things (NPS, ROI, SQL), codes and numbers."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest import open_app

# (page, link parameters): the pages as a person opens them, and the parts that only a parameter opens.
PAGES = [
    ("views/overview.py", {}),
    ("views/overview.py", {"region": "华东"}),
    ("views/alerts.py", {}),
    ("views/why.py", {}),
    ("views/dealer_scorecard.py", {"rank_by": "nps"}),
    ("views/dealer_scorecard.py", {"rank_by": "units_attainment", "heat_measure": "units_attainment"}),
    ("views/after_sales.py", {}),
    ("views/after_sales.py", {"after_sales_tab": "Service mix"}),
    ("views/after_sales.py", {"after_sales_tab": "Retention by dealer"}),
    ("views/after_sales.py", {"after_sales_tab": "Warranty quality"}),
    ("views/campaigns.py", {}),
    ("views/campaigns.py", {"campaign_tab": "Lead funnel"}),
    ("views/campaigns.py", {"campaign_tab": "Budget what-if"}),
    ("views/campaigns.py", {"campaign_tab": "Running now", "period": ["2025-09-08", "2026-09-07"]}),
    ("views/forecast.py", {}),
    ("views/complaint_handling.py", {}),
    ("views/followups.py", {}),
    ("views/followups.py", {"followup_tab": "Regions and dealers"}),
    ("views/followups.py", {"followup_tab": "Trend by month"}),
    ("views/followups.py", {"followup_tab": "Calls of a dealer"}),
    ("views/customer_segments.py", {}),
    ("views/customer_segments.py", {"segments_tab": "Customer portrait"}),
    ("views/customer_360.py", {"customer_id": "C00000014"}),
    ("views/data_quality.py", {}),
]
# Latin-letter words a Chinese reader meets as they are: acronyms and names of things, model and test names (in the
# analysts' expanders), file formats, units.
KEPT = {
    "NPS", "ROI", "CSV", "SQL", "RFM", "SLA", "CSAT", "KPI", "Excel", "HQ", "CRM", "VIN", "ID", "CNY", "PDF", "URL",
    "SARIMA", "ETS", "Theta", "MASE", "sMAPE", "BG/NBD", "BG", "NBD", "Gamma-Gamma", "Gamma", "Newcombe", "Wilson",
    "Theil-Sen", "Theil", "Sen", "Benjamini-Hochberg", "Holt-Winters", "Holt", "Winters", "Pareto", "Sankey", "Poisson",
    "OpenID", "Lorenz", "Fader", "Hardie", "Lee", "Kaplan-Meier", "AIC", "CI", "p", "q", "n", "h", "x", "R", "F", "M",
    "A", "B", "C", "S", "k", "vs", "Spearman", "Mann-Kendall", "Kendall", "log", "pts", "Kitagawa",
}
IGNORED = [
    r"https?://\S+", r"\S+@\S+", r"%\{[^}]*\}", r"<[^>]+>", r"\b[A-Z]{1,4}\d[\w-]*\b", r"`[^`]*`", r":material/\w+:",
    r"\*\*|__|\[|\]|\(|\)",
]


def walk(node):
    for child in getattr(node, "children", {}).values():
        yield child
        yield from walk(child)


def shown_texts(at: AppTest) -> list[str]:
    """Every text of the rendered page a person reads (SQL in code blocks excepted: it is the query itself)."""
    out: list[str] = []
    for node in walk(at._tree):
        kind = type(node).__name__
        # The SQL of a code block is the query itself; the language switch names each language in its own words.
        if kind in ("Code", "Block", "SpecialBlock", "Column") or getattr(node, "key", None) == "lang":
            continue
        # A widget's value is what the code holds (a stored option), not what it shows: read its words instead.
        attrs = ("label", "help", "placeholder") if hasattr(node, "key") and kind != "Metric" else ("value", "label", "help", "body")
        for attr in attrs:
            value = getattr(node, attr, None)
            if isinstance(value, str):
                out.append(value)
        options = getattr(node, "options", None)
        if isinstance(options, list):
            out += [o for o in options if isinstance(o, str)]
        if kind == "Dataframe":
            out += [c.get("label") or "" for c in json.loads(node.proto.columns or "{}").values()]
        if kind == "UnknownElement" and hasattr(node.proto, "spec"):   # a Plotly chart
            spec = json.loads(node.proto.spec)
            layout = spec.get("layout", {})
            texts = [layout.get("title", {}).get("text")]
            texts += [layout.get(axis, {}).get("title", {}).get("text") for axis in layout if axis.startswith(("xaxis", "yaxis"))]
            texts += [a.get("text") for a in layout.get("annotations", [])]
            for trace in spec.get("data", []):
                texts += [trace.get("name"), trace.get("hovertemplate")]
                texts += [t for t in (trace.get("hovertext") or []) if isinstance(t, str)] if isinstance(trace.get("hovertext"), list) else [trace.get("hovertext")]
                if trace.get("type") in ("funnel", "sankey"):
                    texts += [str(v) for v in (trace.get("y") or trace.get("node", {}).get("label") or [])]
            out += [t for t in texts if isinstance(t, str)]
    return out


def english_in(text: str) -> list[str]:
    """The Latin-letter words of `text` that are not names of things: English a translator left behind."""
    for pattern in IGNORED:
        text = re.sub(pattern, " ", text)
    words = re.findall(r"[A-Za-z][A-Za-z/'’-]*[A-Za-z]|[A-Za-z]", text)
    return [w for w in words if w not in KEPT and w.strip("-/") not in KEPT]


@pytest.mark.parametrize(("page", "params"), PAGES, ids=[f"{p.split('/')[-1][:-3]}-{'-'.join(q) or 'default'}" for p, q in PAGES])
def test_every_page_reads_in_chinese(app_env, page, params):
    at = open_app(page, params, lang="zh", timeout=120)
    texts = shown_texts(at)
    assert len(texts) > 10   # the page rendered: a collector that found nothing would pass any page
    left = sorted({f"{word!r} in {text[:80]!r}" for text in texts for word in english_in(text)})
    assert left == [], "untranslated on " + page + ":\n" + "\n".join(left)


def test_the_check_finds_english_and_lets_names_of_things_pass():
    assert english_in("**销售收入** ¥6.8亿 (+3.1%) · NPS 42.0 · 客户 C00000014 · SARIMA") == []
    assert english_in("大区 region: 华东") == ["region"]
    assert english_in("Open complaints by status") == ["Open", "complaints", "by", "status"]


def test_the_audit_log_reads_in_chinese(tmp_path, monkeypatch):
    """The audit log opens for an admin only (never in demo mode): run the page itself, signed in as one."""
    from dashboard import audit
    from queries.access import Access

    monkeypatch.setenv("CRM_AUDIT", str(tmp_path / "audit.duckdb"))
    audit.record(Access("rm@example.com", "regional_manager", regions=("华东",)), "reveal", customer_id="C1",
                 reason="回访")
    audit.record(Access("cs@example.com", "customer_service"), "export", customer_id="C2", reason="投诉")
    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "views" / "audit_log.py"), default_timeout=30)
    at.session_state["access"] = Access("it@example.com", "admin")
    at.session_state["lang"] = "zh"
    at.run()
    assert not at.exception
    texts = shown_texts(at)
    assert len(texts) > 3
    assert sorted({f"{word!r} in {text[:80]!r}" for text in texts for word in english_in(text)}) == []
