"""Real OpenID Connect sign-in for end-to-end tests: a local mock provider, a Streamlit server configured for it,
and the clicks a person makes in Chromium.

Streamlit's `st.login()` / `st.user` (through Authlib) talk to `python -m oidc_provider_mock`, started here on a
free loopback port. Its sign-in form has one text field, `sub`: whatever is typed there becomes the user's
subject and also their `email` claim, so `st.user.email` is the user typed in `sign_in`.

The `[auth]` secrets are written to a temp folder and handed to Streamlit with `--secrets.files PATH`: that
option replaces Streamlit's default list (`~/.streamlit/secrets.toml`, `./.streamlit/secrets.toml`), so nothing
is written into the repo and a developer's own secrets are never read by a test.

    with oidc_provider() as provider, auth_server("app.py", provider) as url, chromium() as browser:
        page = new_page(browser)
        page.goto(url)
        sign_in(page, "ana@example.com")
"""
from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

from tests.browser import CHROMIUM, CHROMIUM_ARGS, ROOT, free_port, wait_for_app

DISCOVERY_PATH = "/.well-known/openid-configuration"


def _wait_until_up(url: str, proc: subprocess.Popen, log: Path, what: str, timeout: float = 60) -> None:
    """Poll `url` until it answers 200; fail with the process's output if it exits or the timeout passes."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not start:\n" + log.read_text(errors="replace"))
        time.sleep(0.2)


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextmanager
def oidc_provider(users: tuple[dict, ...] = ()) -> Iterator[str]:
    """Run the mock OpenID provider on a free 127.0.0.1 port until the block ends; yield its base URL
    (`http://127.0.0.1:PORT`, discovery document at `DISCOVERY_PATH`).

    Without `users`, any subject typed in the form signs in, with claims {"sub": s, "email": s}.
    `users` predefines users with more claims, e.g. {"sub": "ana", "email": "ana@example.com", "name": "Ana"}:
    typing that sub then yields those claims. The provider keeps its users in memory only."""
    port = free_port()
    cmd = [sys.executable, "-m", "oidc_provider_mock", "--host", "127.0.0.1", "--port", str(port)]
    for claims in users:
        cmd += ["--user-claims", json.dumps(claims)]
    with tempfile.TemporaryDirectory(prefix="oidc-provider-") as tmp:
        log = Path(tmp) / "provider.log"   # a file, not a pipe: a pipe nobody reads blocks a chatty server
        with log.open("wb") as out:
            proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT,
                                    env={**os.environ, "PYTHONWARNINGS": "ignore"})
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_until_up(url + DISCOVERY_PATH, proc, log, "the mock OpenID provider")
            yield url
        finally:
            _stop(proc)


def write_secrets(folder: Path, app_port: int, provider_url: str, *, extra: str = "") -> Path:
    """Write `folder/secrets.toml` with an `[auth]` table for an app served at http://127.0.0.1:app_port and
    the provider at `provider_url`; return its path. The client id and secret are arbitrary (the mock accepts
    any client); the cookie secret is random, so a cookie from another run never validates.
    `extra` is TOML text appended after the table: begin it with its own `[table]` header, or its keys land
    in `[auth]`."""
    values = {
        "redirect_uri": f"http://127.0.0.1:{app_port}/oauth2callback",
        "cookie_secret": secrets.token_hex(32),
        "client_id": "crm-dashboard-tests",
        "client_secret": secrets.token_hex(16),
        "server_metadata_url": provider_url + DISCOVERY_PATH,
    }
    text = "[auth]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in values.items())
    path = Path(folder) / "secrets.toml"
    path.write_text(text + ("\n" + extra if extra else ""))
    return path


@contextmanager
def auth_server(script: str | Path, provider_url: str, *, env: dict[str, str] | None = None,
                extra_secrets: str = "") -> Iterator[str]:
    """`streamlit run SCRIPT` from the repo root on a free 127.0.0.1 port, with `[auth]` secrets for
    `provider_url` in a temp file (`--secrets.files`); yield its base URL. `env` is added to the environment
    (e.g. {"CRM_MART": ...}); `extra_secrets` goes to `write_secrets`. Open the app at the yielded URL, with
    127.0.0.1 and not localhost: the redirect URI and the auth cookie are bound to that host."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="oidc-app-") as tmp:
        secrets_file = write_secrets(Path(tmp), port, provider_url, extra=extra_secrets)
        log = Path(tmp) / "streamlit.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true",
                 "--server.port", str(port), "--server.address", "127.0.0.1",
                 "--browser.gatherUsageStats", "false", "--secrets.files", str(secrets_file)],
                cwd=ROOT, env={**os.environ, **(env or {})}, stdout=out, stderr=subprocess.STDOUT,
            )
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_until_up(f"{url}/_stcore/health", proc, log, "the Streamlit server")
            yield url
        finally:
            _stop(proc)


@contextmanager
def chromium():
    """Headless Chromium (the project's binary and flags); yield the Browser, for one context per user."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def new_page(browser, timeout_ms: int = 30_000):
    """A page in a fresh browser context: its own cookie jar, so its own signed-in user."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(timeout_ms)
    return page


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _wait_back_at_app(page, app_origin: str) -> None:
    """Wait for the redirects to end on the app's own page (not its /oauth2callback hop), then for the app."""
    page.wait_for_url(lambda u: _origin(u) == app_origin and "/oauth2callback" not in u
                      and "/auth/" not in u)
    wait_for_app(page)


def sign_in(page, user: str, button: str = "Sign in") -> None:
    """Sign `user` in from a page showing the app: click its sign-in button (found by its text), fill the
    provider's `sub` field, authorize, and wait until the app has redrawn after the redirects back."""
    app_origin = _origin(page.url)
    page.get_by_role("button", name=button, exact=True).click()
    page.wait_for_url("**/oauth2/authorize**")
    page.locator("input[name='sub']").fill(user)
    page.get_by_role("button", name="Authorize", exact=True).click()
    _wait_back_at_app(page, app_origin)


def sign_out(page, button: str = "Sign out") -> None:
    """Click the app's sign-out button. `st.logout()` clears the auth cookie and sends the browser to the
    provider's end-session page (the mock lists `end_session_endpoint`), which asks for one more click
    before it redirects back to the app; wait until the app has redrawn."""
    app_origin = _origin(page.url)
    page.get_by_role("button", name=button, exact=True).click()
    page.wait_for_url("**/oauth2/end_session**")
    page.get_by_role("button", name="End session", exact=True).click()
    _wait_back_at_app(page, app_origin)
