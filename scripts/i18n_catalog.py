"""Update the Chinese catalog from the code: `python scripts/i18n_catalog.py`.

Extracts every `_()`, `N_()`, `pgettext()` and `ngettext()` message from app.py, dashboard/ and views/, adds the stored
values that are translated at display time (`VALUES`: channels, customer types, roles, ...), keeps the existing
translations, and writes locales/zh_Hans/LC_MESSAGES/messages.po. A message without a translation stays empty, and
tests/test_i18n.py fails until a translator fills it in.
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
    from mart.contract import contract
    from queries.access import ROLES
    from queries.filters import COMPARE_LAST_YEAR, COMPARE_PREVIOUS

    sets = {c.sql_type: list(c.values) for t in contract().values() for c in t.columns if c.values}
    return {
        "channel": sets["channel"],
        "customer_type": sets["customer_type"],
        "role": list(ROLES),
        "compare": [COMPARE_PREVIOUS, COMPARE_LAST_YEAR],
        "filter": ["period", "compare", "region", "province", "dealer", "product", "segment", "channel"],
        "level": ["region", "province", "dealer", "hq"],
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


def main() -> int:
    old = {}
    if PO.exists():
        with open(PO, "rb") as f:
            for m in read_po(f):
                if m.id:
                    old[(m.context, m.id if isinstance(m.id, str) else m.id[0])] = m.string
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
    sys.exit(main())
