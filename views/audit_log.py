"""Audit log: who revealed or exported a customer's personal data, when and why (admin only)."""
import streamlit as st

from dashboard import audit, components, data, export

if "audit" not in data.current_access().rules.pages:   # navigation offers it to admins only; a page checks too
    st.stop()
st.title("Audit log")
st.caption("Every reveal of a customer's personal fields and every export that contains them, newest first. "
           "Kept in its own file beside the mart, so a rebuild or a reload keeps it.")
log = export.neutralised(audit.recent())   # reasons are free text: no formula in the table's own download
if log.is_empty():
    components.empty_state("Nothing has been revealed or exported yet.")
else:
    st.dataframe(log, hide_index=True, width="stretch", column_config={
        "logged_at": st.column_config.DatetimeColumn("When", format="YYYY-MM-DD HH:mm:ss"),
        "user_id": "Who", "role": "Role", "action": "What", "customer_id": "Customer", "reason": "Why",
        "detail": "Detail",
    })
