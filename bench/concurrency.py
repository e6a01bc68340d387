"""Many people at once: N headless Chromium sessions change filters on one dashboard server at the same time.

    python -m bench.concurrency --mart /tmp/crm-bench/m7.duckdb [--sessions 10] [--changes 30] [--out FILE]

Each session opens the overview, then repeats: pick a region, pick one of its dealers, now and then move to another
page, each as a person does it in the sidebar (as tests/browser.py's `choose`). A change's time runs from the click
on the option (or the page's link) to a finished rerun: the page's filter line names the new region or dealer and Streamlit's running indicator is gone.
The dealers are drawn at random (fixed seed), so a long run asks for filter sets nobody asked for before and the
server's cache keeps filling: the server's resident memory is sampled every half second to show whether it stops
growing (st.cache_data holds at most 1,024 results per function for 15 minutes, dashboard/data.py).

Prints Markdown (p50 / p95 / max of the changes, errors, memory at the start, peak and end, and by quarter of the
run) and writes JSON. The browsers run on the same machine as the server: on 2 cores their drawing competes with
the server, so the figures are an upper bound of what a server alone would answer.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import threading
import time
from pathlib import Path

import duckdb

from tests.browser import CHROMIUM, CHROMIUM_ARGS, dashboard_process

PAGES = ["Executive overview", "Dealer scorecard", "After-sales service", "Complaints", "Follow-up calls",
         "Campaign ROI and leads", "Customer segments and value"]
TIMEOUT_MS = 120_000


def dealers_by_region(mart: Path) -> dict[str, list[tuple[str, str]]]:
    with duckdb.connect(str(mart), read_only=True) as con:
        rows = con.execute("select region, dealer_id, dealer_name from dealers order by dealer_id").fetchall()
    out: dict[str, list[tuple[str, str]]] = {}
    for region, dealer_id, name in rows:
        out.setdefault(region, []).append((dealer_id, name))
    return out


class MemorySampler(threading.Thread):
    """The server process's resident memory (VmRSS) every `every` seconds."""

    def __init__(self, pid: int, every: float = 0.5):
        super().__init__(daemon=True)
        self.pid, self.every, self.samples, self.stop = pid, every, [], threading.Event()

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def cpu_s(self) -> float:
        """The server's CPU seconds so far (user + system, its threads included)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def run(self):
        started = time.monotonic()
        while not self.stop.is_set():
            try:
                self.samples.append((time.monotonic() - started, self.rss_mb()))
            except OSError:
                return
            self.stop.wait(self.every)


async def _finished(page, text: str) -> None:
    """The rerun is over: the new value is on the page and the running indicator is gone."""
    await page.get_by_text(text).first.wait_for(timeout=TIMEOUT_MS)
    await page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')",
                                 timeout=TIMEOUT_MS)


async def _choose(page, label: str, option: str) -> float:
    """Open the selectbox, narrow it to the option and click it; returns the moment of the click (the change's
    time starts there, not while the list opens)."""
    box = page.get_by_role("combobox", name=label, exact=True)
    for attempt in range(4):
        await box.click()
        await box.fill(option)
        try:
            await page.get_by_role("option", name=option, exact=True).first.wait_for(timeout=5_000)
            break
        except Exception:
            if attempt == 3:
                raise
            await page.keyboard.press("Escape")
            await page.wait_for_timeout(500)
    clicked = time.perf_counter()
    await page.get_by_role("option", name=option, exact=True).first.click()
    return clicked


async def session(browser, url: str, number: int, changes: int, dealers, results: list, errors: list) -> None:
    rng = random.Random(number)
    context = await browser.new_context(viewport={"width": 1440, "height": 1000})
    page = await context.new_page()
    try:
        await page.goto(f"{url}/overview?lang=en", timeout=TIMEOUT_MS)
        await _finished(page, "Executive overview")
        for step in range(changes):
            try:
                if step and step % 5 == 0:
                    name = rng.choice(PAGES)
                    started = time.perf_counter()
                    await page.get_by_role("link", name=name, exact=True).first.click()
                    await _finished(page, name)
                    results.append(("page", time.perf_counter() - started))
                region = rng.choice(sorted(dealers))
                started = await _choose(page, "Region", region)
                await _finished(page, region)
                results.append(("region", time.perf_counter() - started))
                dealer_id, dealer_name = rng.choice(dealers[region])
                started = await _choose(page, "Dealer", f"{dealer_name} (#{dealer_id})")
                await _finished(page, dealer_id)
                results.append(("dealer", time.perf_counter() - started))
            except Exception as error:  # counted, and the session goes on from where it is
                errors.append(f"session {number} step {step}: {type(error).__name__}: {str(error)[:160]}")
    finally:
        await context.close()


async def drive(url: str, sessions: int, changes: int, dealers) -> tuple[list, list, float]:
    from playwright.async_api import async_playwright

    results, errors = [], []
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            started = time.perf_counter()
            await asyncio.gather(*(session(browser, url, n, changes, dealers, results, errors) for n in range(sessions)))
            return results, errors, time.perf_counter() - started
        finally:
            await browser.close()


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def summarise(results, errors, seconds, samples, sessions, changes) -> dict:
    times = [t for _, t in results]
    rss = [mb for _, mb in samples]
    quarter = max(1, len(rss) // 4)
    return {
        "sessions": sessions, "changes_per_session": changes, "seconds": seconds, "count_changes": len(times),
        "count_errors": len(errors), "errors": errors[:20],
        "p50_s": percentile(times, 50) if times else None, "p95_s": percentile(times, 95) if times else None,
        "max_s": max(times) if times else None,
        "by_kind": {kind: {"n": len(v), "p50_s": percentile(v, 50), "p95_s": percentile(v, 95)}
                    for kind in ("region", "dealer", "page") if (v := [t for k, t in results if k == kind])},
        "rss_mb": {"start": rss[0] if rss else None, "peak": max(rss) if rss else None, "end": rss[-1] if rss else None,
                   "max_by_quarter": [max(rss[i:i + quarter]) for i in range(0, len(rss), quarter)][:4]},
        "load_average": os.getloadavg(),
    }


def markdown(s: dict) -> str:
    rss = s["rss_mb"]
    lines = [
        f"{s['sessions']} sessions x {s['changes_per_session']} rounds, {s['count_changes']} changes in "
        f"{s['seconds']:.0f} s, {s['count_errors']} errors; load average at the end {s['load_average'][0]:.1f}",
        "",
        "| change | n | p50 s | p95 s |",
        "| --- | ---: | ---: | ---: |",
    ]
    for kind, v in s["by_kind"].items():
        lines.append(f"| {kind} | {v['n']} | {v['p50_s']:.2f} | {v['p95_s']:.2f} |")
    lines.append(f"| **all** | {s['count_changes']} | **{s['p50_s']:.2f}** | **{s['p95_s']:.2f}** |")
    if "server_cpu_s" in s:
        lines += ["", f"The server used {s['server_cpu_s']:.0f} s of CPU in the {s['seconds']:.0f} s "
                  f"({s['server_cpu_s'] / s['seconds']:.2f} cores on average; the browsers had the rest), "
                  f"{s['server_cpu_s'] / max(s['count_changes'], 1):.2f} s per change."]
    lines += ["", f"Server memory (RSS): {rss['start']:.0f} MB at the start, peak {rss['peak']:.0f} MB, "
              f"{rss['end']:.0f} MB at the end; the largest by quarter of the run: "
              + ", ".join(f"{mb:.0f}" for mb in rss["max_by_quarter"]) + " MB"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.concurrency", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mart", required=True, type=Path)
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--changes", type=int, default=30, help="rounds per session (a region and a dealer each)")
    parser.add_argument("--out", type=Path, default=Path("bench/results/concurrency.json"))
    args = parser.parse_args(argv)
    dealers = dealers_by_region(args.mart)
    with dashboard_process(args.mart) as (url, process):
        sampler = MemorySampler(process.pid)
        sampler.start()
        try:
            cpu_from = sampler.cpu_s()
            results, errors, seconds = asyncio.run(drive(url, args.sessions, args.changes, dealers))
            server_cpu_s = sampler.cpu_s() - cpu_from
        finally:
            sampler.stop.set()
            sampler.join()
    summary = summarise(results, errors, seconds, sampler.samples, args.sessions, args.changes)
    summary["server_cpu_s"] = server_cpu_s
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({**summary, "rss_samples": sampler.samples}, indent=1))
    print(markdown(summary))
    return 0 if not errors else 1


if __name__ == "__main__":
    raise SystemExit(main())
