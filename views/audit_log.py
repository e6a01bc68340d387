"""Audit log: who revealed or exported a customer's personal data, when and why (admin only)."""
import polars as pl
import streamlit as st

from dashboard import audit, components, data, export, formats, tables
from dashboard.i18n import _, pgettext

if "audit" not in data.current_access().rules.pages:   # navigation offers it to admins only; a page checks too
    st.stop()
st.title(_("Audit log"))
st.caption(_("Every reveal of a customer's personal fields and every export that contains them, newest first. "
             "Kept in its own file beside the mart, so a rebuild or a reload keeps it."))
log = export.neutralised(audit.recent())   # reasons are free text: no formula in the table's own download
if log.is_empty():
    components.empty_state(_("Nothing has been revealed or exported yet."))
else:
    reveals = log.filter(pl.col("action") == "reveal").height
    exports = log.filter(pl.col("action") == "export").height
    latest = log.row(0, named=True)
    st.markdown(_("**Reveals of personal fields: {reveals} · exports with personal data: {exports}**; the latest on "
                  "{day} at {time}, by {user}.").format(
        reveals=reveals, exports=exports, day=formats.day(latest["logged_at"]), time=f"{latest['logged_at']:%H:%M}",
        user=latest["user_id"]))
    # The action as the auditor reads it; the typed reason and the export's detail stay as they were written.
    actions = {"reveal": pgettext("audit_action", "reveal"), "export": pgettext("audit_action", "export")}
    # When, who, what, whose and why first: on a phone the table shows these before it scrolls.
    tables.show(log.select("logged_at", "user_id", pl.col("action").replace_strict(actions, default=pl.col("action")),
                           "customer_id", "reason", "role", "detail"), key="audit_log_table")
