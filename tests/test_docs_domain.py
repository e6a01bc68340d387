"""docs/domain.md: its glossary is generated from the metrics and the Chinese catalog and kept equal to them, and
the code cites it where it is (the description it cites used to live outside the repo)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import glossary  # noqa: E402

from dashboard import i18n  # noqa: E402
from dashboard.metrics import ACTIVITY_STATUSES, METRICS, RFM_SEGMENTS  # noqa: E402


def test_the_glossary_is_generated_from_the_metrics_and_the_catalog():
    doc = glossary.DOC.read_text(encoding="utf-8")
    assert doc == glossary.rewrite(doc), "run: python scripts/glossary.py"


def test_the_glossary_names_every_metric_in_english_and_chinese():
    section = glossary.render()
    zh = i18n.catalog("zh")
    for m in METRICS.values():
        assert f"| {m.label} | {zh[(None, m.label)]} | " in section and f"| `{m.name}` |" in section, m.name
    for segment in RFM_SEGMENTS:
        assert f"| {segment} | {zh[('segment', segment)]} | " in section, segment
    for status in ACTIVITY_STATUSES:
        assert f"| {status} | {zh[('status', status)]} | " in section, status
    # One row per metric, segment and status: a cell's `|` (sMAPE's |actual - forecast|) is escaped, not a column.
    rows = [line for line in section.splitlines()
            if line.startswith("| ") and not line.startswith(("| English", "| ---"))]
    assert len(rows) == len(METRICS) + len(RFM_SEGMENTS) + len(ACTIVITY_STATUSES)
    assert {line.replace("\\|", "").count("|") for line in rows} == {5, 6}


def test_the_check_reports_a_changed_translation(monkeypatch):
    """The test above fails when the catalog (or a metric) changes and the doc is not regenerated."""
    doc = glossary.DOC.read_text(encoding="utf-8")
    changed = dict(i18n.catalog("zh")) | {(None, METRICS["units"].label): "销量"}
    monkeypatch.setattr(i18n, "catalog", lambda lang: changed)
    assert glossary.rewrite(doc) != doc
    assert "| Units sold | 销量 | " in glossary.rewrite(doc)


def test_an_untranslated_metric_stops_the_glossary(monkeypatch):
    changed = {k: v for k, v in i18n.catalog("zh").items() if k != (None, METRICS["nps"].definition)}
    monkeypatch.setattr(i18n, "catalog", lambda lang: changed)
    with pytest.raises(ValueError, match="no Chinese translation"):
        glossary.render()


def test_the_markers_stand_once_each():
    doc = glossary.DOC.read_text(encoding="utf-8")
    assert doc.count(glossary.START) == doc.count(glossary.END) == 1
    with pytest.raises(ValueError):
        glossary.rewrite(doc.replace(glossary.END, ""))


def test_the_code_cites_the_domain_doc_where_it_is():
    """A file citing the bare name `DOMAIN.md` pointed at a file that was not in the repo."""
    stale = []
    for path in [*ROOT.glob("**/*.py"), *ROOT.glob("**/*.md"), *ROOT.glob("**/*.sql")]:
        if ".git" in path.parts or path == Path(__file__):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if "DOMAIN.md" in text.replace("docs/domain.md", ""):
            stale.append(str(path.relative_to(ROOT)))
    assert stale == [], "cite docs/domain.md"
