"""A real dashboard server and headless Chromium, for end-to-end tests of what a person sees."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def dashboard_server(mart: Path, env: dict | None = None):
    """`streamlit run app.py` on a free loopback port against the given mart (with `env` added to the server's
    environment); yields its base URL."""
    with dashboard_process(mart, env) as (url, _process):
        yield url


@contextmanager
def dashboard_process(mart: Path, env: dict | None = None):
    """As dashboard_server, yielding the base URL and the server's process (the benchmark samples its memory)."""
    port = free_port()
    env = {**os.environ, "CRM_MART": str(mart), **(env or {})}
    # The server's output goes to a file: a pipe nobody reads fills up, and the server then blocks on its next log
    # line (seen: a page that stopped updating mid-test).
    log = tempfile.NamedTemporaryFile(prefix="dashboard-", suffix=".log", delete=False)
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the dashboard server did not start:\n" + Path(log.name).read_text(errors="replace"))
            time.sleep(0.3)
        yield url, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        Path(log.name).unlink(missing_ok=True)


@contextmanager
def chromium_page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
            page = context.new_page()
            page.set_default_timeout(30_000)
            yield page
        finally:
            browser.close()


def choose(page, label: str, option: str | None = None) -> None:
    """Pick an option of a Streamlit selectbox by its label, as a person does: open it, type to narrow the
    list (long lists render only their first rows, and a box holding a value lists only its matches), click
    the option; with `option` None, click the first one offered."""
    box = page.get_by_role("combobox", name=label, exact=True)
    wanted = page.get_by_role("option") if option is None else page.get_by_role("option", name=option, exact=True)
    # A rerun that redraws the box while it opens closes the list again (seen on a loaded machine): retry.
    for attempt in range(4):
        box.click()
        if option is not None:
            box.fill(option)
        try:
            wanted.first.wait_for(timeout=5_000)
            break
        except Exception:
            if attempt == 3:
                raise
            page.keyboard.press("Escape")
            page.wait_for_timeout(500)
    wanted.first.click()


def wait_for_app(page) -> None:
    page.wait_for_selector("[data-testid='stApp']")
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000
    )
    page.wait_for_timeout(300)


def download(page, button, path: Path, tries: int = 3) -> Path:
    """Click a download button and save what it sends to `path`. A rerun that redraws the button while it is clicked
    swallows the click (seen on two busy cores, on several pages): the click is tried again after the app settles, as a
    person would click again; a button that never sends a file still fails after `tries` clicks."""
    for attempt in range(tries):
        try:
            with page.expect_download(timeout=20_000) as info:
                button.click()
            info.value.save_as(path)
            return path
        except Exception:
            if attempt == tries - 1:
                raise
            wait_for_app(page)
    return path


def reveal_personal_fields(page, reason: str) -> None:
    """On Customer 360: open the personal fields, type the reason, and switch the reveal on."""
    page.get_by_text("Personal fields", exact=True).click()
    box = page.get_by_role("textbox", name="Reason for revealing personal fields")
    box.fill(reason)
    box.press("Enter")
    wait_for_app(page)
    page.get_by_text("Reveal personal fields", exact=True).click()
    wait_for_app(page)
