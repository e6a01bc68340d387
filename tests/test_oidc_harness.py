"""The sign-in harness works end to end: a throwaway Streamlit script behind `st.login()`, the local mock OpenID
provider, and two people signing in and out in their own browser contexts."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser import wait_for_app
from tests.oidc import auth_server, chromium, new_page, oidc_provider, sign_in, sign_out

pytestmark = pytest.mark.browser

SCRIPT = '''
import streamlit as st

if st.user.is_logged_in:
    st.write(f"Signed in as {st.user.email}")
    if st.button("Sign out"):
        st.logout()
else:
    st.write("Not signed in")
    if st.button("Sign in"):
        st.login()
'''


def _open(page, url):
    page.goto(url)
    wait_for_app(page)


def _auth_cookies(page) -> set[str]:
    return {c["name"] for c in page.context.cookies() if c["name"].startswith("_streamlit_user")}


def test_two_people_sign_in_as_themselves_and_sign_out(tmp_path):
    script = tmp_path / "signin_app.py"
    script.write_text(SCRIPT)
    with oidc_provider() as provider, auth_server(script, provider) as url, chromium() as browser:
        ana, bob, anon = new_page(browser), new_page(browser), new_page(browser)
        for page in (ana, bob, anon):
            _open(page, url)
            expect(page.get_by_text("Not signed in", exact=True)).to_be_visible()
            expect(page.get_by_role("button", name="Sign in", exact=True)).to_be_visible()

        sign_in(ana, "ana@example.com")
        sign_in(bob, "bob@example.com")

        # Each context sees its own user: the provider's `sub` comes back as st.user.email.
        for page, me, other in ((ana, "ana", "bob"), (bob, "bob", "ana")):
            expect(page.get_by_text(f"Signed in as {me}@example.com", exact=True)).to_be_visible()
            expect(page.get_by_text(f"{other}@example.com", exact=False)).to_have_count(0)
            expect(page.get_by_role("button", name="Sign out", exact=True)).to_be_visible()
            assert _auth_cookies(page) == {"_streamlit_user", "_streamlit_user_tokens"}

        # The identity lives in the context's cookies: a new session (reload) is still signed in,
        # and a context that never signed in stays signed out.
        _open(ana, url)
        expect(ana.get_by_text("Signed in as ana@example.com", exact=True)).to_be_visible()
        _open(anon, url)
        expect(anon.get_by_text("Not signed in", exact=True)).to_be_visible()
        assert _auth_cookies(anon) == set()

        sign_out(ana)
        expect(ana.get_by_text("Not signed in", exact=True)).to_be_visible()
        expect(ana.get_by_role("button", name="Sign in", exact=True)).to_be_visible()
        expect(ana.get_by_text("ana@example.com", exact=False)).to_have_count(0)
        assert _auth_cookies(ana) == set()
        _open(ana, url)   # signed out for good, not only in that session
        expect(ana.get_by_text("Not signed in", exact=True)).to_be_visible()

        # Ana's sign-out leaves Bob signed in.
        _open(bob, url)
        expect(bob.get_by_text("Signed in as bob@example.com", exact=True)).to_be_visible()

        # Signing in again after signing out works (the provider now offers Ana as a recent user too).
        sign_in(ana, "ana@example.com")
        expect(ana.get_by_text("Signed in as ana@example.com", exact=True)).to_be_visible()
