"""Rewrite the glossary of docs/domain.md from the code: `python scripts/glossary.py` (`--check`: exit 1 if stale).

The section between the two marker comments is generated from dashboard/metrics.py (METRICS, RFM_SEGMENTS,
ACTIVITY_STATUSES) and the Chinese catalog (locales/zh_Hans/LC_MESSAGES/messages.po), so the 中英对照 a reader
finds in the doc is the one the dashboard shows; tests/test_docs_domain.py fails when the two drift apart. The
rest of the doc is written by hand.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "domain.md"
START = "<!-- glossary:start -->"
END = "<!-- glossary:end -->"
sys.path.insert(0, str(ROOT))


def _cell(text: str) -> str:
    # A `|` inside a cell (sMAPE's |actual - forecast|) would end the cell.
    return text.replace("|", "\\|")


def render() -> str:
    """The generated part: the lines between the markers, each table's rows in the code's order."""
    from dashboard import i18n
    from dashboard.metrics import ACTIVITY_STATUSES, METRICS, RFM_SEGMENTS

    zh = i18n.catalog("zh")
    missing: list[str] = []

    def tr(message: str, context: str | None = None) -> str:
        text = zh.get((context, message))
        if not text:
            missing.append(f"{context}: {message}" if context else message)
            return ""
        return text

    lines = [
        "<!-- Generated from dashboard/metrics.py and locales/zh_Hans/LC_MESSAGES/messages.po by "
        "`python scripts/glossary.py`; do not edit by hand. -->",
        "",
        "### 指标 / Metrics",
        "",
        "| English | 中文 | 定义 | Definition | name |",
        "| --- | --- | --- | --- | --- |",
    ]
    for m in METRICS.values():
        lines.append(f"| {_cell(m.label)} | {_cell(tr(m.label))} | {_cell(tr(m.definition))} | "
                     f"{_cell(m.definition)} | `{m.name}` |")
    lines += [
        "",
        "### RFM 客户分群 / RFM segments",
        "",
        "| English | 中文 | 说明 | Description |",
        "| --- | --- | --- | --- |",
    ]
    for segment, description in RFM_SEGMENTS.items():
        lines.append(f"| {_cell(segment)} | {_cell(tr(segment, 'segment'))} | {_cell(tr(description))} | "
                     f"{_cell(description)} |")
    lines += [
        "",
        "### 客户活跃状态 / Activity status",
        "",
        "| English | 中文 | 说明 | Description |",
        "| --- | --- | --- | --- |",
    ]
    for status, description in ACTIVITY_STATUSES.items():
        lines.append(f"| {_cell(status)} | {_cell(tr(status, 'status'))} | {_cell(tr(description))} | "
                     f"{_cell(description)} |")
    if missing:
        raise ValueError("no Chinese translation in the catalog for: " + "; ".join(missing)
                         + " (translate them first: see scripts/i18n_catalog.py)")
    return "\n".join(lines)


def rewrite(doc: str) -> str:
    """`doc` with the text between the markers replaced by render()."""
    if doc.count(START) != 1 or doc.count(END) != 1 or doc.index(START) > doc.index(END):
        raise ValueError(f"docs/domain.md must hold {START} and then {END}, once each")
    head, rest = doc.split(START)
    _old, tail = rest.split(END)
    return f"{head}{START}\n{render()}\n{END}{tail}"


def main(argv: list[str]) -> int:
    doc = DOC.read_text(encoding="utf-8")
    new = rewrite(doc)
    if argv[:1] == ["--check"]:
        if new != doc:
            print("docs/domain.md: the glossary is out of date; run python scripts/glossary.py")
            return 1
        print("docs/domain.md: the glossary is up to date")
        return 0
    if new != doc:
        DOC.write_text(new, encoding="utf-8")
    print(f"{DOC.relative_to(ROOT)}: glossary written")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
