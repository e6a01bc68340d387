"""Update the Chinese catalog from the code: `python scripts/i18n_catalog.py`.

Extracts every `_()`, `N_()`, `pgettext()` and `ngettext()` message from app.py, dashboard/ and views/, adds the stored
values that are translated at display time (`values()`: channels, severities, statuses, ...), keeps the existing
translations, adds those of `--merge FILE...` (JSON, see merged()), and writes
locales/zh_Hans/LC_MESSAGES/messages.po. A message without a translation stays empty, and tests/test_i18n.py fails
until a translator fills it in.
"""
from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locales" / "zh_Hans" / "LC_MESSAGES" / "messages.po"
sys.path.insert(0, str(ROOT))


def values() -> dict[str, list[str]]:
    """The stored values shown through pgettext(context, value)."""
    from analytics import lift
    from mart.contract import contract
    from queries.access import ROLES
    from queries.filters import COMPARE_LAST_YEAR, COMPARE_PREVIOUS

    sets = {c.sql_type: list(c.values) for t in contract().values() for c in t.columns if c.values}
    # Values the datasets compute (queries/*.sql) rather than store: each is named where the SQL makes it.
    computed = {
        "status": ["received", "dispatched", "acknowledged", "reopened", "resolved", "closed",   # complaint_lifecycle
                   "active", "at risk", "lapsed"],                                                # activity_status
        "step": ["receipt → dispatch", "dispatch → acknowledgement", "acknowledgement → resolution",
                 "resolution → close (callback)"],                                                # complaint_step_times
        "owner": ["HQ", "dealer"],
        "rule": ["recorded", "last_touch", "first_touch"],                                        # campaign_attribution
        "lead_step": ["created", "contacted", "test drive", "quoted", "won"],                     # lead_lost_reasons
        "segment": ["champions", "loyal", "potential loyalists", "new", "can't lose", "at risk", "hibernating", "lost",
                    "not active"],                                                                # rfm_segment
        "event": ["purchase", "service visit", "survey", "campaign contact", "campaign response", "lead created",
                  "lead contacted", "test drive", "quote", "lead won", "lead lost", "complaint received",
                  "complaint dispatched to dealer", "complaint acknowledged", "complaint resolved",
                  "complaint closed"],                                                            # customer_360_timeline
        "age_bucket": ["under 1 day", "1-3 days", "3-7 days", "1-2 weeks", "2-4 weeks", "over 4 weeks"],
        "driver": ["complaints", "survey score"],                                                 # churn_drivers
        "customer_group": ["complained", "no complaint", "no survey", "lowest score 0-6", "lowest score 7-8",
                           "lowest score 9-10"],
        "verdict": [lift.PROVEN, lift.NOT_PROVEN, lift.NEGATIVE, lift.NO_CONTROL],              # analytics/lift.py
    }
    return computed | {
        "channel": sets["channel"],
        "customer_type": sets["customer_type"],
        "gender": sets["gender"],
        "severity": sets["severity"],
        "campaign_type": sets["campaign_type"],
        "contact_arm": sets["contact_arm"],
        "lead_outcome": sets["lead_outcome"],
        "service_type": sets["service_type"],
        "survey_type": sets["survey_type"],
        "role": list(ROLES),
        "compare": [COMPARE_PREVIOUS, COMPARE_LAST_YEAR],
        "filter": ["period", "compare", "region", "province", "dealer", "product", "segment", "channel"],
        "level": ["region", "province", "dealer", "hq", "national"],
    }


def extracted(root: Path = ROOT) -> list[tuple[str | None, str | tuple]]:
    """(context, message) of every marked message under `root`, and every stored value shown through pgettext."""
    method_map = [("app.py", "python"), ("dashboard/**.py", "python"), ("views/**.py", "python")]
    keywords = {"_": None, "N_": None, "pgettext": ((1, "c"), 2), "ngettext": (1, 2)}
    found = []
    for _file, _line, message, _comments, context in extract_from_dir(str(root), method_map, keywords=keywords):
        found.append((context, message))
    for context, items in values().items():
        found += [(context, item) for item in items]
    return found


def merged(path: Path) -> dict[tuple[str | None, str], str]:
    """Translations from a JSON file {"message": "译文", "context\u0004message": "译文"}: several translators can
    work at once, each in a file of their own, and merge under a lock (flock) without losing each other's work."""
    import json

    out = {}
    for key, text in json.loads(path.read_text(encoding="utf-8")).items():
        context, _sep, message = key.rpartition("\u0004")
        out[(context or None, message)] = text
    return out


def main(argv: list[str]) -> int:
    additions = {}
    if argv[:1] == ["--merge"]:
        for name in argv[1:]:
            additions |= merged(Path(name))
    old = {}
    if PO.exists():
        with open(PO, "rb") as f:
            for m in read_po(f):
                if m.id:
                    old[(m.context, m.id if isinstance(m.id, str) else m.id[0])] = m.string
    old |= additions
    catalog = Catalog(locale="zh_Hans", project="CRM analytics", fuzzy=False)
    for context, message in extracted():
        key = (context, message if isinstance(message, str) else message[0])
        catalog.add(message, old.get(key, "" if isinstance(message, str) else ("",)), context=context)
    PO.parent.mkdir(parents=True, exist_ok=True)
    with open(PO, "wb") as f:
        write_po(f, catalog, sort_output=True, omit_header=False, no_location=True, width=120)
    missing = [m.id for m in catalog if m.id and not m.string]
    print(f"{PO.relative_to(ROOT)}: {len(catalog)} messages, {len(missing)} untranslated")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
