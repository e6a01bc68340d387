"""Audit log: who revealed or exported a customer's personal data, when and why (admin only)."""
import streamlit as st

from dashboard import audit, components

st.title("Audit log")
st.caption("Every reveal of a customer's personal fields and every export that contains them, newest first. "
           "Kept in its own file beside the mart, so a rebuild or a reload keeps it.")
log = audit.recent()
if log.is_empty():
    components.empty_state("Nothing has been revealed or exported yet.")
else:
    st.dataframe(log, hide_index=True, width="stretch", column_config={
        "logged_at": st.column_config.DatetimeColumn("When", format="YYYY-MM-DD HH:mm:ss"),
        "user_id": "Who", "role": "Role", "action": "What", "customer_id": "Customer", "reason": "Why",
        "detail": "Detail",
    })
