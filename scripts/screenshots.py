"""Screenshots of pages as their readers see them: `python scripts/screenshots.py [--mart M] [--out DIR] [PAGE ...]`.

Serves the dashboard on a loopback port (the s demo mart unless --mart), opens each page (its URL path: overview,
campaigns, customer?customer_id=C00000014, ...) in headless Chromium in Chinese and English at 1440 and 390 px wide,
writes full-page PNGs `<page and parameters>-<lang>-<width>.png`, and prints each page's height and any sideways overflow (an answer
that needs sideways scrolling is a defect). Open the pictures and read them: this script judges nothing else.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from urllib.parse import unquote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAGES = ["overview", "dealers", "campaigns", "forecast", "complaints", "segments", "customer?customer_id=C00000014",
         "data-quality", "audit"]
MEASURE = """() => { const m = document.querySelector('[data-testid="stMain"]');
                    return [m.scrollWidth - m.clientWidth, m.scrollHeight]; }"""


def slug(path: str) -> str:
    """A file name for a page and its parameters: campaigns?campaign_tab=Lead%20funnel -> campaigns-campaign_tab-Lead-funnel."""
    return re.sub(r"[^\w]+", "-", unquote(path)).strip("-")


def main(argv: list[str]) -> int:
    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM, CHROMIUM_ARGS, dashboard_server, wait_for_app

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="*", default=PAGES)
    parser.add_argument("--mart", type=Path, help="a mart file (default: the s demo mart, seed 7, built once)")
    parser.add_argument("--out", type=Path, default=Path("/tmp/screenshots"))
    parser.add_argument("--langs", default="zh,en")
    parser.add_argument("--widths", default="1440,390")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    mart = args.mart
    if mart is None:
        from mart.generate import generate

        mart = args.out / "s.duckdb"
        if not mart.exists():
            generate(mart, scale="s", seed=7, progress=False)
    with sync_playwright() as p, dashboard_server(mart) as url:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        for path in args.pages:
            for lang in args.langs.split(","):
                for width in map(int, args.widths.split(",")):
                    page = browser.new_page(viewport={"width": width, "height": 900})
                    page.goto(f"{url}/{path}{'&' if '?' in path else '?'}lang={lang}")
                    wait_for_app(page)
                    page.wait_for_timeout(2000)   # charts draw after the script run ends
                    # stMain scrolls inside the window: grow the window to the page's height until that height stops
                    # changing (a chart drawn late makes the page longer), then shoot it whole.
                    sideways, main_height = page.evaluate(MEASURE)
                    for _attempt in range(4):
                        page.set_viewport_size({"width": width, "height": min(max(900, main_height), 20000)})
                        page.wait_for_timeout(1500)
                        sideways, grown = page.evaluate(MEASURE)
                        if grown <= main_height:
                            break
                        main_height = grown
                    name = f"{slug(path)}-{lang}-{width}.png"
                    page.screenshot(path=str(args.out / name), full_page=True)
                    print(f"{name}: {main_height} px tall, sideways overflow {sideways} px")
                    page.close()
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
