"""Numbers, money and dates as a person reads them, per language, through Babel: one module, never string slicing
on a page. Money is in yuan: 万 and 亿 in Chinese (¥1363.16万), thousands separators and K/M/B in English."""
from __future__ import annotations

import re
from datetime import date, datetime

from babel.dates import format_skeleton
from babel.numbers import format_compact_decimal, format_decimal

from dashboard import i18n
from dashboard.i18n import _, babel_locale

EMPTY = "—"   # an empty value or a step that has not happened: shown, never "None" or blank


def number(value: float | int | None, digits: int = 0) -> str:
    if value is None:
        return EMPTY
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, pattern, locale=babel_locale())


def money(value: float | int | None, *, trim: bool = False) -> str:
    """Yuan as a reader counts them: ¥1363.16万 and ¥1234.57亿 in Chinese; ¥13.63M, ¥286.33k in English (exact
    yuan below ten thousand in Chinese and below a thousand in English). `trim` drops a fraction's trailing zeros
    (an axis tick: ¥2.5M, not ¥2.50M)."""
    if trim:
        text = money(value)
        fraction = re.search(r"\.(\d+)", text)
        if fraction:
            kept = fraction.group(1).rstrip("0")
            text = text.replace(fraction.group(0), "." + kept if kept else "", 1)
        return text
    if value is None:
        return EMPTY
    sign = "-" if value < 0 else ""
    amount = abs(value)
    if i18n.language() == "zh":
        if amount < 10_000:
            return f"{sign}¥{format_decimal(amount, '#,##0', locale=babel_locale())}"
        return f"{sign}¥{format_compact_decimal(amount, locale=babel_locale(), fraction_digits=2)}"
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if amount >= limit:
            return f"{sign}¥{amount / limit:,.2f}{suffix}"
    return f"{sign}¥{amount:,.0f}"


def percent(value: float | None, digits: int = 1) -> str:
    if value is None:
        return EMPTY
    return format_decimal(100 * value, "#,##0." + "0" * digits, locale=babel_locale()) + "%"


def points(change: float | None, digits: int = 1) -> str:
    """A change of a rate (0.012 -> '+1.2 个百分点' / '+1.2 pts'); no change reads 0, with no sign."""
    if change is None:
        return EMPTY
    value = round(100 * change, digits)
    text = format_decimal(abs(value), "#,##0." + "0" * digits, locale=babel_locale())
    sign = "+" if value > 0 else "-" if value < 0 else ""
    # TRANSLATORS: after a change of a rate, e.g. "+1.2 pts" (Chinese: 个百分点)
    return f"{sign}{text} " + _("pts")


def change(ratio: float | None, digits: int = 1) -> str:
    """A relative change (0.255 -> '+25.5%'); no change reads '0.0%', with no sign and no colour (see is_zero)."""
    if ratio is None:
        return EMPTY
    value = round(100 * ratio, digits)
    sign = "+" if value > 0 else "-" if value < 0 else ""
    return sign + format_decimal(abs(value), "#,##0." + "0" * digits, locale=babel_locale()) + "%"


def is_zero_change(text: str | None) -> bool:
    """A change that rounds to nothing (no sign): shown neutral, never as a red or green arrow."""
    return bool(text) and not text.startswith(("+", "-"))


def sentence_start(text: str) -> str:
    """Text that starts a sentence, a line or a label: its first letter capitalised ("region" -> "Region"; Chinese
    is left as it is). Only the first letter: the rest keeps its own case ("SLA breach")."""
    return text[:1].upper() + text[1:]


def month(day: date | datetime | None) -> str:
    """2026年11月 / Nov 2026."""
    return EMPTY if day is None else format_skeleton("yMMM", day, locale=babel_locale())


def day(moment: date | datetime | None) -> str:
    """A date without its midnight time: 2026年11月22日 / Nov 22, 2026."""
    if moment is None:
        return EMPTY
    if isinstance(moment, datetime):
        moment = moment.date()
    return format_skeleton("yMMMd", moment, locale=babel_locale())
