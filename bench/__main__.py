"""`python -m bench`: time the dashboard at scales s, m and l against the speed targets; print a table, write JSON.

    python -m bench                        # s, m and l, 5 repeats (builds the marts it lacks, l takes minutes)
    python -m bench --scales s,m --repeats 9
    python -m bench --scales s --mart s=/path/to/mart.duckdb --repeats 1 --out /tmp/bench.json
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import re
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

from bench import marts, report
from bench.pages import app_imports, filter_changes, measure_pages, replay_cold, replay_warm, summary
from mart.paths import ROOT

# Cached datasets read outside a script run make these two log a warning per call, expected here. Filtered
# rather than given a level or disabled: Streamlit resets its loggers' levels whenever it re-reads its config,
# and the logging config its server part loads re-enables every existing logger.
QUIET_LOGGERS = ("streamlit.runtime.caching.cache_data_api", "streamlit.runtime.scriptrunner_utils.script_run_context")

DEFAULT_OUT = ROOT / "bench" / "results" / "latest.json"
DEFAULT_MART_DIR = Path(os.environ.get("BENCH_MART_DIR", "/tmp/crm-bench"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", default="s,m,l", help="comma-separated scales (default s,m,l)")
    parser.add_argument("--repeats", type=int, default=5, help="timed repeats of each query set (default 5)")
    parser.add_argument("--render-repeats", type=int, default=None,
                        help="AppTest renders per page and filter change (default: min(repeats, 3))")
    parser.add_argument("--mart", action="append", default=[], metavar="SCALE=PATH",
                        help="use this mart for a scale (default: $BENCH_MART_DIR or /tmp/crm-bench/<scale>7.duckdb)")
    parser.add_argument("--rebuild", action="store_true", help="generate the marts even when current ones exist")
    parser.add_argument("--load-scales", default="s,m", help="scales whose exports are loaded to time the loader (default s,m)")
    parser.add_argument("--page", default=None, help="measure only pages whose file name contains this")
    parser.add_argument("--no-peer", action="store_true", help="skip the naive pandas peer")
    parser.add_argument("--no-coldstart", action="store_true", help="skip the cold start")
    parser.add_argument("--out", default=str(DEFAULT_OUT), help=f"JSON results (default {DEFAULT_OUT.relative_to(ROOT)})")
    args = parser.parse_args(argv)

    scales = [s for s in args.scales.split(",") if s]
    for name in QUIET_LOGGERS:
        logging.getLogger(name).addFilter(lambda record: False)
    given = dict(item.split("=", 1) for item in args.mart)
    render_repeats = args.render_repeats or min(args.repeats, 3)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    results = {
        "started_at": time.strftime("%Y-%m-%d %H:%M:%S"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "repeats": args.repeats,
        "render_repeats": render_repeats,
        "import": import_time(),
        "scales": {},
    }
    for scale in scales:
        db = Path(given.get(scale) or DEFAULT_MART_DIR / f"{scale}{marts.SEED}.duckdb")
        db.parent.mkdir(parents=True, exist_ok=True)
        results["scales"][scale] = one_scale(scale, db, args, render_repeats)
        out.write_text(json.dumps(results, indent=1, default=str))
    results["finished_at"] = time.strftime("%Y-%m-%d %H:%M:%S")
    results["targets"] = report.targets(results)
    out.write_text(json.dumps(results, indent=1, default=str))
    print(report.render(results))
    log(f"results written to {out}")
    return 0


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def one_scale(scale: str, db: Path, args, render_repeats: int) -> dict:
    built = marts.ensure_mart(scale, db, log, rebuild=args.rebuild)
    result: dict = {"mart": built}
    log(f"scale {scale}: pages under AppTest ({render_repeats} renders per filter change) ...")
    pages = measure_pages(db, render_repeats, log, only=args.page)
    result["pages"] = {}
    for page, runs in pages.items():
        result["pages"][page] = {}
        for change, run in runs.items():
            cold, cold_cpu, per_call = replay_cold(db, run.calls, args.repeats)
            warm = replay_warm(db, run.calls, args.repeats)
            new = [c.describe() for c in run.new_calls]
            changed = [sum(per_call[c][i] for c in new) for i in range(args.repeats)]
            result["pages"][page][change] = {
                "datasets": [c.describe() for c in run.calls],
                "cold": summary(cold),
                "cold_cpu": summary(cold_cpu),
                "warm": summary(warm),
                "changed_only_cold": summary(changed),
                "per_dataset_cold_ms": {k: summary(v)["median_ms"] for k, v in per_call.items()},
                "render_cold": summary(run.render_cold_s),
                "render_warm": summary(run.render_warm_s),
                "bytes_by_element": run.bytes_by_element,
                "bytes": sum(run.bytes_by_element.values()),
                "exception": run.exception,
            }
        log(f"  {page}: replayed")
    if not args.no_peer:
        result["peer"] = peer(db, args.repeats)
    if not args.no_coldstart:
        result["cold_start"] = cold_start(db, min(args.repeats, 3))
    if scale in args.load_scales.split(","):
        result["load"] = marts.load_throughput(db, log)
    return result


def peer(db: Path, repeats: int) -> dict:
    """Ours and the pandas notebook on the same filter sets, each in its own process."""
    from bench.peer import differences, filters_to_json
    from dashboard.filter_bar import default_period
    from queries import runner
    from queries.filters import Filters

    mart = runner.connect(db)
    try:
        as_of = runner.run(mart, "mart_info")["as_of_on"][0]
    finally:
        mart.close()
    start_on, end_on = default_period(as_of)
    everything = Filters(start_on, end_on)
    region = filter_changes(db)[0][2]
    filter_sets = [everything, replace(everything, region=region)]
    exports = marts.peer_exports(db, log)
    sides = {}
    for side in ("ours", "pandas"):
        log(f"peer: {side} side ...")
        job = {"side": side, "db": str(db), "exports": str(exports), "repeats": repeats,
               "filters": [filters_to_json(f) for f in filter_sets]}
        done = subprocess.run([sys.executable, "-m", "bench.peer", json.dumps(job)], cwd=ROOT,
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"bench.peer {side} failed:\n{done.stderr[-3000:]}")
        sides[side] = json.loads(done.stdout.strip().splitlines()[-1])
    diffs, compared = differences(sides["ours"]["answers"], sides["pandas"]["answers"])
    sets = []
    for i, f in enumerate(filter_sets):
        ours_s, peer_s = summary(sides["ours"]["compute_s"][i]), summary(sides["pandas"]["compute_s"][i])
        whole_ms = sides["pandas"]["prepare_s"] * 1000 + peer_s["median_ms"]
        sets.append({
            "filters": f.describe(),
            "ours": ours_s,
            "peer_compute": peer_s,
            "peer_whole_ms": whole_ms,
            "ratio_ours_to_peer": ours_s["median_ms"] / whole_ms,
            "ratio_ours_to_peer_compute": ours_s["median_ms"] / peer_s["median_ms"],
            "speedup": whole_ms / ours_s["median_ms"],
            "speedup_compute": peer_s["median_ms"] / ours_s["median_ms"],
        })
    return {
        "what": "kpi_summary for the period and its comparison, and dealer_scorecard",
        "filter_sets": sets,
        "peer_prepare_s": sides["pandas"]["prepare_s"],
        "peak_rss_mb": {s: sides[s]["peak_rss_mb"] for s in sides},
        "baseline_rss_mb": {s: sides[s]["baseline_rss_mb"] for s in sides},
        "equal": not diffs,
        "values_compared": compared,
        "differences": diffs[:50],
    }


def cold_start(db: Path, repeats: int) -> dict:
    runs = []
    for _ in range(repeats):
        started_at = time.time()
        done = subprocess.run([sys.executable, "-m", "bench.coldstart", str(db), repr(started_at)], cwd=ROOT,
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"bench.coldstart failed:\n{done.stderr[-3000:]}")
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return {
        "to_first_overview": summary([r["to_first_overview_s"] for r in runs]),
        "first_run": summary([r["first_run_s"] for r in runs]),
        "ok": all(r["ok"] for r in runs),
        "exception": next((r["exception"] for r in runs if r["exception"]), None),
    }


def import_time() -> dict:
    """`python -X importtime` of every module app.py and its pages import, by top-level package."""
    modules = app_imports()
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", "; ".join(f"import {m}" for m in modules)],
                          cwd=ROOT, capture_output=True, text=True, check=False)
    by_package: dict[str, float] = {}
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \| (\S.*)$", line)
        if match and not match.group(2).startswith(" "):
            name = match.group(2).split(".")[0]
            by_package[name] = by_package.get(name, 0.0) + int(match.group(1)) / 1000
    return {
        "total_ms": sum(by_package.values()),
        "by_package_ms": dict(sorted(by_package.items(), key=lambda kv: -kv[1])),
        "modules": modules,
    }


if __name__ == "__main__":
    sys.exit(main())
