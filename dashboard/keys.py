"""Keys a person types or a link carries (customer numbers, dealer codes): read strictly, shown shortened."""
from __future__ import annotations

# Longer than any CRM key (VINs are 17 characters, Salesforce ids 18); a longer value is not a key.
MAX_KEY_LENGTH = 64


def customer_number(text: str | None) -> str | None:
    """The customer number in `text` (trimmed, an optional leading '#' dropped), or None if it cannot be one."""
    value = (text or "").strip().removeprefix("#").strip()
    if not value or len(value) > MAX_KEY_LENGTH or not value.isprintable():
        return None
    return value


def quoted(text: str | None, limit: int = 40) -> str:
    """`text` shortened and set as code, for echoing a link's value in a message: never read as Markdown (a value
    such as [Sign in](https://...) would otherwise become a link inside the dashboard)."""
    return "`" + shorten(text, limit).replace("`", "'") + "`"


def shorten(text: str | None, limit: int = 40) -> str:
    """`text` cut to `limit` characters with an ellipsis, for echoing what a person or a link gave."""
    value = str(text or "")
    return value if len(value) <= limit else value[: limit - 1] + "…"
