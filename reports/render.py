"""The digest as one static HTML file (Jinja2, Plotly from inline plotly.js: nothing is fetched) and as a PDF
printed from it by headless Chromium once every chart has drawn."""
from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup

from dashboard.digest import Digest
from reports import ReportError

TEMPLATES = Path(__file__).with_name("templates")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
HTML_LANG = {"zh": "zh-Hans", "en": "en"}


@cache
def environment() -> Environment:
    # HTML templates escape what they insert; the mail's plain text (email.txt.j2) must not ("&amp;" in its link).
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=lambda name: ".html" in (name or ""),
                       trim_blocks=True, lstrip_blocks=True)


@cache
def plotly_js() -> Markup:
    from plotly.offline import get_plotlyjs

    return Markup(get_plotlyjs())


def script_json(value) -> Markup:
    """JSON safe inside a <script> element (no '</script>' can close it early)."""
    return Markup(json.dumps(value, ensure_ascii=False).replace("</", "<\\/"))


def report_html(digest: Digest) -> str:
    """The report: KPIs, alerts, movers and charts, with plotly.js inline (it opens offline, and prints)."""
    return environment().get_template("weekly.html.j2").render(
        d=digest, html_lang=HTML_LANG[digest.lang], plotly_js=plotly_js(),
        figures=script_json([{"id": c["id"], "figure": c["figure"]} for c in digest.charts]))


def mail_bodies(digest: Digest) -> tuple[str, str]:
    """The mail's short text and HTML bodies: the KPI table and the alert count, no scripts, no charts."""
    env = environment()
    return (env.get_template("email.txt.j2").render(d=digest),
            env.get_template("email.html.j2").render(d=digest, html_lang=HTML_LANG[digest.lang]))


def print_pdf(html: str, chromium: str, timeout_ms: int = 60_000) -> bytes:
    """`html` printed to A4 by headless Chromium, after the charts have drawn; the page may fetch nothing."""
    if not Path(chromium).exists():
        raise ReportError(f"Chromium not found at {chromium}: install it (Debian: apt-get install chromium) or set "
                          f"[pdf] chromium in the settings file")
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
            try:
                page = browser.new_page()
                # Everything the report needs is inline: any request would be a leak (or a hang without a network).
                page.route("**/*", lambda route: route.abort())
                page.set_content(html, wait_until="load", timeout=timeout_ms)
                page.wait_for_function("document.body.dataset.drawn === 'yes'", timeout=timeout_ms)
                page.evaluate("document.fonts.ready.then(() => true)")
                return page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
            finally:
                browser.close()
    except PlaywrightError as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ReportError(f"Chromium could not print the report: {first_line}") from None
