"""Many people at once: N sessions change filters on one dashboard server at the same time.

    python -m bench.concurrency --mart /tmp/crm-bench/m7.duckdb [--driver ws|chromium] [--sessions 10]
                                [--changes 30] [--think SECONDS] [--out FILE]

Each session opens the overview, then repeats: pick a region, pick one of its dealers, every fifth round move to
another page first, each as a person does it in the sidebar. Two drivers:
- ws (the default): each session speaks Streamlit's websocket protocol as its web frontend does (bench/ws_client.py).
  A change's time runs from sending the rerun to the run's script_finished; the finished run must name the new
  region or dealer in the page's text (the filter line), else the change is an error, as is an exception on the
  page, another finish status or more than 120 s. The clients cost the machine next to nothing, so on a small machine
  the figures are the server's.
- chromium: headless Chromium, as tests/browser.py's `choose`. A change's time runs from the click on the option (or
  the page's link) to a finished rerun: the page names the new region or dealer and Streamlit's running indicator
  is gone. Ten browsers drawing their pages take most of a 2-core machine (load average 18), so there the figures
  are mostly the browsers' queue: an upper bound of what a server alone would answer.
`--think S` makes each session pause between changes, exponentially distributed with mean S seconds (seeded per
session), as a person reading the page would; 0 (the default) is everyone clicking as fast as the server answers.
The dealers are drawn at random (fixed seed), so a long run asks for filter sets nobody asked for before and the
server's cache keeps filling: the server's resident memory is sampled every half second to show whether it stops
growing (the datasets' results are kept up to a byte budget for 15 minutes, dashboard/result_cache.py).

Prints Markdown (p50 / p95 / max of the changes, errors, memory at the start, peak and end, and by quarter of the
run; the driver and the think time on its first line) and writes JSON.
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

from bench.ws_client import RerunFailed, StreamlitSession
from tests.browser import CHROMIUM, CHROMIUM_ARGS, dashboard_process

PAGES = ["Executive overview", "Dealer scorecard", "After-sales service", "Complaints", "Follow-up calls",
         "Campaign ROI and leads", "Customer segments and value"]
TIMEOUT_MS = 120_000
DRIVERS = ("ws", "chromium")


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


async def _think(pause: random.Random, mean_s: float) -> None:
    """A person reading the page before the next change: exponentially distributed, mean `mean_s` seconds."""
    if mean_s > 0:
        await asyncio.sleep(pause.expovariate(1 / mean_s))


def _pauses(number: int) -> random.Random:
    # A stream of its own: the regions and dealers a session picks stay those of its seed, with or without pauses.
    return random.Random(f"think {number}")


async def session(browser, url: str, number: int, changes: int, dealers, results: list, errors: list,
                  think: float = 0.0) -> None:
    rng, pause = random.Random(number), _pauses(number)
    context = await browser.new_context(viewport={"width": 1440, "height": 1000})
    page = await context.new_page()
    try:
        await page.goto(f"{url}/overview?lang=en", timeout=TIMEOUT_MS)
        await _finished(page, "Executive overview")
        for step in range(changes):
            try:
                if step and step % 5 == 0:
                    name = rng.choice(PAGES)
                    await _think(pause, think)
                    started = time.perf_counter()
                    await page.get_by_role("link", name=name, exact=True).first.click()
                    await _finished(page, name)
                    results.append(("page", time.perf_counter() - started))
                region = rng.choice(sorted(dealers))
                await _think(pause, think)
                started = await _choose(page, "Region", region)
                await _finished(page, region)
                results.append(("region", time.perf_counter() - started))
                dealer_id, dealer_name = rng.choice(dealers[region])
                await _think(pause, think)
                started = await _choose(page, "Dealer", f"{dealer_name} (#{dealer_id})")
                await _finished(page, dealer_id)
                results.append(("dealer", time.perf_counter() - started))
            except Exception as error:  # counted, and the session goes on from where it is
                errors.append(f"session {number} step {step}: {type(error).__name__}: {str(error)[:160]}")
    finally:
        await context.close()


async def drive(url: str, sessions: int, changes: int, dealers, think: float = 0.0) -> tuple[list, list, float]:
    """The chromium driver: one browser, a context (a fresh profile) per session."""
    from playwright.async_api import async_playwright

    results, errors = [], []
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            started = time.perf_counter()
            await asyncio.gather(*(session(browser, url, n, changes, dealers, results, errors, think)
                                   for n in range(sessions)))
            return results, errors, time.perf_counter() - started
        finally:
            await browser.close()


def _applied(run, kind: str, value: str) -> None:
    """The finished rerun shows the choice: its text (the filter line, the page's title) names it. A run that does
    not is an error, as a page that never shows it is in the chromium driver."""
    if not run.says(value):
        raise RerunFailed(f"the finished {kind} rerun does not name {value!r}")


async def ws_session(url: str, number: int, changes: int, dealers, results: list, errors: list,
                     think: float = 0.0) -> None:
    """One session through the websocket protocol: the same choices (same seed) as the chromium driver's."""
    rng, pause = random.Random(number), _pauses(number)
    async with StreamlitSession(url, timeout_s=TIMEOUT_MS / 1000) as tab:
        try:
            await tab.open("/overview?lang=en")
        except Exception as error:
            errors.append(f"session {number} open: {type(error).__name__}: {str(error)[:160]}")
            return
        for step in range(changes):
            try:
                if step and step % 5 == 0:
                    name = rng.choice(PAGES)
                    await _think(pause, think)
                    run = await tab.switch_page(name)
                    if run.page_script_hash != tab.pages[name][0]:
                        raise RerunFailed(f"asked for {name!r}, the server ran another page")
                    _applied(run, "page", name)
                    results.append(("page", run.seconds))
                region = rng.choice(sorted(dealers))
                await _think(pause, think)
                run = await tab.choose("Region", region)
                _applied(run, "region", f"region: {region}")  # the filter line's words, not any mention
                results.append(("region", run.seconds))
                dealer_id, dealer_name = rng.choice(dealers[region])
                await _think(pause, think)
                run = await tab.choose("Dealer", f"{dealer_name} (#{dealer_id})")
                _applied(run, "dealer", dealer_id)
                results.append(("dealer", run.seconds))
            except Exception as error:  # counted; the session reloads its page and goes on
                errors.append(f"session {number} step {step}: {type(error).__name__}: {str(error)[:160]}")
                try:
                    await tab.reopen()
                except Exception as again:
                    errors.append(f"session {number} step {step} reload: {type(again).__name__}: {str(again)[:160]}")
                    return


async def drive_ws(url: str, sessions: int, changes: int, dealers, think: float = 0.0) -> tuple[list, list, float]:
    """The ws driver: `sessions` websocket sessions in this process's event loop."""
    results, errors = [], []
    started = time.perf_counter()
    await asyncio.gather(*(ws_session(url, n, changes, dealers, results, errors, think) for n in range(sessions)))
    return results, errors, time.perf_counter() - started


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def summarise(results, errors, seconds, samples, sessions, changes, driver: str = "ws", think_s: float = 0.0) -> dict:
    times = [t for _, t in results]
    rss = [mb for _, mb in samples]
    quarter = max(1, len(rss) // 4)
    return {
        "driver": driver, "think_s": think_s,
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
    driver = s.get("driver", "chromium")
    think = f"think time {s['think_s']:g} s on average" if s.get("think_s") else "no think time"
    lines = [
        f"{s['sessions']} sessions x {s['changes_per_session']} rounds ({driver} driver, {think}), "
        f"{s['count_changes']} changes in {s['seconds']:.0f} s, {s['count_errors']} errors; "
        f"load average at the end {s['load_average'][0]:.1f}",
        "",
        "| change | n | p50 s | p95 s |",
        "| --- | ---: | ---: | ---: |",
    ]
    for kind, v in s["by_kind"].items():
        lines.append(f"| {kind} | {v['n']} | {v['p50_s']:.2f} | {v['p95_s']:.2f} |")
    lines.append(f"| **all** | {s['count_changes']} | **{s['p50_s']:.2f}** | **{s['p95_s']:.2f}** |")
    if "server_cpu_s" in s:
        others = (f"the websocket clients {s['client_cpu_s']:.1f} s" if driver == "ws" and "client_cpu_s" in s
                  else "the browsers had the rest")
        lines += ["", f"The server used {s['server_cpu_s']:.0f} s of CPU in the {s['seconds']:.0f} s "
                  f"({s['server_cpu_s'] / s['seconds']:.2f} cores on average; {others}), "
                  f"{s['server_cpu_s'] / max(s['count_changes'], 1):.2f} s per change."]
    lines += ["", f"Server memory (RSS): {rss['start']:.0f} MB at the start, peak {rss['peak']:.0f} MB, "
              f"{rss['end']:.0f} MB at the end; the largest by quarter of the run: "
              + ", ".join(f"{mb:.0f}" for mb in rss["max_by_quarter"]) + " MB"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.concurrency", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mart", required=True, type=Path)
    parser.add_argument("--driver", choices=DRIVERS, default="ws",
                        help="ws: Streamlit's websocket protocol (default); chromium: headless Chromium")
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--changes", type=int, default=30, help="rounds per session (a region and a dealer each)")
    parser.add_argument("--think", type=float, default=0.0, metavar="SECONDS",
                        help="mean pause between a session's changes (exponential, seeded per session); default 0")
    parser.add_argument("--out", type=Path, default=Path("bench/results/concurrency.json"))
    args = parser.parse_args(argv)
    drive_with = drive_ws if args.driver == "ws" else drive
    dealers = dealers_by_region(args.mart)
    with dashboard_process(args.mart) as (url, process):
        sampler = MemorySampler(process.pid)
        sampler.start()
        try:
            cpu_from, client_cpu_from = sampler.cpu_s(), time.process_time()
            results, errors, seconds = asyncio.run(drive_with(url, args.sessions, args.changes, dealers, args.think))
            server_cpu_s = sampler.cpu_s() - cpu_from
            client_cpu_s = time.process_time() - client_cpu_from   # this process: the ws clients (not the browsers)
        finally:
            sampler.stop.set()
            sampler.join()
    summary = summarise(results, errors, seconds, sampler.samples, args.sessions, args.changes,
                        driver=args.driver, think_s=args.think)
    summary["server_cpu_s"] = server_cpu_s
    if args.driver == "ws":
        summary["client_cpu_s"] = client_cpu_s
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({**summary, "rss_samples": sampler.samples}, indent=1))
    print(markdown(summary))
    return 0 if not errors else 1


if __name__ == "__main__":
    raise SystemExit(main())
