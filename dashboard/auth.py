"""Who is asking: sign-in with OpenID Connect through Streamlit's st.login, the demo's open mode, and the gate the
frame (app.py) passes every run through. Nothing here decides rows: queries/access.py and the runner do."""
from __future__ import annotations

import logging
import os

import streamlit as st

from dashboard.i18n import _, pgettext
from dashboard.access_file import AccessFileError, access_file_path, lookup, read_access_file
from queries.access import Access

log = logging.getLogger(__name__)

DEMO = Access("demo", "executive")
OPEN = Access("everyone", "executive")
# The operator's explicit choice to serve a company's own mart without sign-in (scripts/dashboard.sh --no-auth).
NO_AUTH_SETTING = "CRM_NO_AUTH"


def sign_in_configured() -> bool:
    """An identity provider is configured: [auth] in .streamlit/secrets.toml (see .streamlit/secrets.example.toml)."""
    try:
        return "auth" in st.secrets
    except Exception:   # no secrets file at all: Streamlit raises rather than answering no
        return False


def gate(source: str) -> Access | None:
    """The person's access, or None after showing why they get nothing (sign in, no access, not configured)."""
    st.session_state.pop("access", None)   # a fragment's rerun must not keep an access the gate no longer gives
    if not sign_in_configured():
        if source == "demo":
            st.sidebar.info(_("Demo: no sign-in, all data."), icon=":material/info:")
            return DEMO
        if os.environ.get(NO_AUTH_SETTING) == "1":
            st.sidebar.warning(_("No sign-in ({setting}=1): everyone who reaches this server sees all data.").format(
                setting=NO_AUTH_SETTING), icon=":material/warning:")
            return OPEN
        st.title(_("Sign-in is not configured"))
        st.error(_(
            "This mart holds your company's own data, and this server has no sign-in configured, so it shows "
            "nothing. Configure your identity provider in .streamlit/secrets.toml (see "
            ".streamlit/secrets.example.toml and docs/access.md), or, to serve it to everyone who can reach this "
            "server, start it with {setting}=1 (scripts/dashboard.sh --no-auth)."
        ).format(setting=NO_AUTH_SETTING))
        return None
    if not st.user.is_logged_in:
        st.title(_("CRM analytics"))
        st.write(_("Sign in with your company account to see the dashboard."))
        st.button(_("Sign in"), type="primary", on_click=st.login)
        return None
    # An email the provider says is unverified identifies no one (a person could set someone else's address);
    # providers that do not say are trusted, as their email is the directory's own (docs/access.md).
    email = st.user.get("email") if st.user.get("email_verified", True) is not False else None
    subject = st.user.get("sub")
    try:
        people = read_access_file(access_file_path())
    except AccessFileError as error:
        log.error("access file: %s", error)
        st.title(_("No access"))
        st.error(_("The access file cannot be read, so no one is let in. Your administrator has been told in the "
                   "server's log."))
        st.button(_("Sign out"), on_click=st.logout)
        return None
    access = lookup(people, email, subject)
    if access is None:
        st.title(_("No access"))
        st.warning(_("You are signed in as {user}, but you have no access to this dashboard. Ask your administrator "
                     "to add you to the access file.").format(user=email or subject))
        st.button(_("Sign out"), on_click=st.logout)
        return None
    st.sidebar.caption(_("Signed in as {user} · {role}").format(user=email or subject, role=pgettext("role", access.role)))
    st.sidebar.button(_("Sign out"), on_click=st.logout, key="sign_out")
    return access
