"""The benchmark's results as plain-text tables, and each speed target as met / missed."""
from __future__ import annotations

# The targets of issue 17 (tightened from issue 8's 150 / 500 ms, 1 MB and 3 s), on 2 cores.
QUERY_SET_MS = {"m": 100.0, "l": 250.0}  # every page's query set after a filter change, median, cold
PEER_SPEEDUP_AT_L = 10.0
BYTES_PER_PAGE = 500_000
COLD_START_S = 2.0
COLD_START_SCALE = "m"  # the default demo mart
# The loader's targets of issue 11 at m, on 2 cores: rows read per second from the exports.
LOAD_ROWS_PER_S = {"parquet": 250_000, "csv": 150_000}
LOAD_SCALE = "m"


def _ms(x) -> str:
    return "—" if x is None else f"{x:,.0f}"


def _page(path: str) -> str:
    return path.removeprefix("views/").removesuffix(".py")


def targets(results: dict) -> list[dict]:
    """Each target with the measured figure and whether it is met."""
    out = []
    for scale, r in results["scales"].items():
        limit = QUERY_SET_MS.get(scale)
        for page, changes in r.get("pages", {}).items():
            for change, m in changes.items():
                if limit is not None:
                    out.append({"target": f"{scale}: {_page(page)} query set after {change} change < {limit:.0f} ms (median, cold)",
                                "value_ms": m["cold"]["median_ms"], "met": m["cold"]["median_ms"] < limit})
                out.append({"target": f"{scale}: {_page(page)} sends < {BYTES_PER_PAGE / 1000:,.0f} KB after {change} change",
                            "value_bytes": m["bytes"], "met": m["bytes"] < BYTES_PER_PAGE})
        if scale == "l" and "peer" in r:
            for s in r["peer"]["filter_sets"]:
                out.append({"target": f"l: at least {PEER_SPEEDUP_AT_L:.0f}x faster than the pandas peer reading, joining "
                                      f"and computing ({s['filters']})",
                            "value": s["speedup"], "met": s["speedup"] >= PEER_SPEEDUP_AT_L})
                out.append({"target": f"l: at least {PEER_SPEEDUP_AT_L:.0f}x faster than the pandas peer's compute alone, "
                                      f"its frames already joined in memory ({s['filters']})",
                            "value": s["speedup_compute"], "met": s["speedup_compute"] >= PEER_SPEEDUP_AT_L})
        if "peer" in r:
            out.append({"target": f"{scale}: peer gives equal answers", "met": r["peer"]["equal"]})
        if scale == LOAD_SCALE and "load" in r:
            for fmt, rate in LOAD_ROWS_PER_S.items():
                value = r["load"][fmt]["rows_per_second"]
                out.append({"target": f"{scale}: the loader reads at least {rate:,} rows/s from {fmt}",
                            "value_rows_per_s": value, "met": value >= rate})
        if scale == COLD_START_SCALE and "cold_start" in r:
            value = r["cold_start"]["to_first_overview"]["median_ms"] / 1000
            out.append({"target": f"{scale}: cold start < {COLD_START_S:.0f} s", "value_s": value, "met": value < COLD_START_S})
    return out


def render(results: dict) -> str:
    lines = [f"Benchmark {results['started_at']} · {results['machine']['cpus']} cores · "
             f"{results['repeats']} repeats (renders: {results['render_repeats']})", ""]
    imp = results["import"]
    top = ", ".join(f"{k} {v:,.0f}" for k, v in list(imp["by_package_ms"].items())[:5])
    lines.append(f"Import of the app's modules: {imp['total_ms']:,.0f} ms ({top})")
    for scale, r in results["scales"].items():
        rows = r["mart"]["rows"]
        lines += ["", f"== scale {scale}: {rows['customers']:,} customers, {sum(rows.values()):,} rows ({r['mart']['db']})", ""]
        lines.append("| page | change | datasets | cold median / p95 ms | cold CPU ms | changed-only cold ms "
                     "| warm median / p95 ms | render cold / warm ms | KB sent |")
        lines.append("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for page, changes in r.get("pages", {}).items():
            for change, m in changes.items():
                flag = " (error)" if m["exception"] else ""
                lines.append(
                    f"| {_page(page)}{flag} | {change} | {len(m['datasets'])} "
                    f"| {_ms(m['cold']['median_ms'])} / {_ms(m['cold']['p95_ms'])} "
                    f"| {_ms(m.get('cold_cpu', {}).get('median_ms'))} "
                    f"| {_ms(m['changed_only_cold']['median_ms'])} "
                    f"| {m['warm']['median_ms']:.1f} / {m['warm']['p95_ms']:.1f} "
                    f"| {_ms(m['render_cold']['median_ms'])} / {_ms(m['render_warm']['median_ms'])} "
                    f"| {m['bytes'] / 1000:,.0f} |"
                )
        slow = {}
        for changes in r.get("pages", {}).values():
            for m in changes.values():
                for call, ms in m["per_dataset_cold_ms"].items():
                    name = call.split(" | ")[0]
                    slow[name] = max(slow.get(name, 0), ms or 0)
        if slow:
            worst = sorted(slow.items(), key=lambda kv: -kv[1])[:6]
            lines += ["", "Slowest datasets (cold median, ms): " + ", ".join(f"{k} {v:,.0f}" for k, v in worst)]
        if "peer" in r:
            p = r["peer"]
            lines += ["", f"Naive pandas peer ({p['what']}); the peer reads the exports and joins them once in "
                          f"{p['peer_prepare_s']:.1f} s, then computes per filter change:", "",
                      "| filters | ours median ms | peer compute median ms | peer read + join + compute ms "
                      "| ours / peer (whole) | speed-up (whole) | speed-up (compute only) |",
                      "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
            for s in p["filter_sets"]:
                lines.append(f"| {s['filters']} | {_ms(s['ours']['median_ms'])} | {_ms(s['peer_compute']['median_ms'])} "
                             f"| {_ms(s['peer_whole_ms'])} | {s['ratio_ours_to_peer']:.3f} | {s['speedup']:.1f}x "
                             f"| {s['speedup_compute']:.1f}x |")
            lines.append(f"Peak RSS: ours {p['peak_rss_mb']['ours']:,.0f} MB, peer {p['peak_rss_mb']['pandas']:,.0f} MB "
                         f"(after imports: {p['baseline_rss_mb']['ours']:,.0f} / {p['baseline_rss_mb']['pandas']:,.0f} MB). "
                         f"Equal answers: {'yes' if p['equal'] else 'NO: ' + '; '.join(p['differences'][:3])}")
        if "cold_start" in r:
            c = r["cold_start"]
            lines.append(f"Cold start to the first rendered overview: {c['to_first_overview']['median_ms'] / 1000:.2f} s median "
                         f"(first run {c['first_run']['median_ms'] / 1000:.2f} s){'' if c['ok'] else ' FAILED: ' + str(c['exception'])}")
        gen = r["mart"].get("generation")
        if gen:
            lines.append(f"Generation: {gen['rows']:,} rows in {gen['seconds']:.1f} s = {gen['rows_per_second']:,.0f} rows/s "
                         f"(measured {gen['measured_at']})")
        if "load" in r:
            for fmt in ("csv", "parquet"):
                ld = r["load"][fmt]
                lines.append(f"Load of the {fmt} exports: {ld['rows']:,} rows in {ld['seconds']:.1f} s = "
                             f"{ld['rows_per_second']:,.0f} rows/s")
            ap, whole = r["load"]["append_month"], r["load"]["reload"]
            lines.append(f"Append of the last month ({ap['month']}): {ap['rows']:,} rows in {ap['seconds']:.1f} s, "
                         f"against {whole['seconds']:.1f} s to reload everything")
    if "targets" in results:
        met = [t for t in results["targets"] if t["met"]]
        missed = [t for t in results["targets"] if not t["met"]]
        lines += ["", f"Targets: {len(met)} met, {len(missed)} missed"]
        lines += [f"  MISSED {t['target']}: {_value(t)}" for t in missed]
    return "\n".join(lines)


def _value(t: dict) -> str:
    if "value_ms" in t:
        return f"{t['value_ms']:,.0f} ms"
    if "value_bytes" in t:
        return f"{t['value_bytes'] / 1000:,.0f} KB"
    if "value_s" in t:
        return f"{t['value_s']:.2f} s"
    if "value_rows_per_s" in t:
        return f"{t['value_rows_per_s']:,.0f} rows/s"
    if "value" in t:
        return f"{t['value']:.1f}x"
    return ""
