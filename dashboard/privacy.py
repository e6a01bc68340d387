"""Personal data on a page: masked unless the person's role may reveal it and they say why; every reveal and every
export of personal fields goes to the audit log (dashboard/audit.py)."""
from __future__ import annotations

import streamlit as st

from dashboard import audit
from dashboard.i18n import _
from queries.access import Access

# The fields of DOMAIN's customer table that identify a person.
PERSONAL_FIELDS = ("gender", "birth_year", "city", "income_band")
MIN_REASON_CHARS = 5


def reveal_controls(access: Access) -> tuple[bool, str]:
    """The reveal switch and its reason, for a role that may reveal; (False, '') for one that may not."""
    if not access.rules.may_reveal:
        st.caption(_("Personal fields (gender, birth year, city, income band) are masked for your role."))
        return False, ""
    reason = st.text_input(_("Reason for revealing personal fields"), key="reveal_reason", max_chars=200,
                           placeholder=_("e.g. complaint TS00000123: call back the customer"),
                           help=_("Required, and kept in the audit log with your name and the customer."))
    reason = reason.strip()
    reveal = st.toggle(_("Reveal personal fields"), key="reveal_personal", disabled=len(reason) < MIN_REASON_CHARS,
                       help=_("Gender, birth year, city and income band identify a person: shown only with a reason."))
    return reveal and len(reason) >= MIN_REASON_CHARS, reason


def log_reveal(access: Access, customer_id: str, reason: str) -> None:
    """One audit row per customer and reason in a session (a rerun of the same view adds none)."""
    seen = st.session_state.setdefault("_revealed", set())
    if (access.user, customer_id, reason) not in seen:
        audit.record(access, "reveal", customer_id=customer_id, reason=reason)
        seen.add((access.user, customer_id, reason))


def audited_export(access: Access, data: bytes, *, customer_id: str | None, reason: str, detail: str) -> bytes:
    """The file's bytes, once the export is in the audit log (called when the person clicks download)."""
    audit.record(access, "export", customer_id=customer_id, reason=reason, detail=detail)
    return data
