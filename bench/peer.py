"""The naive peer: the overview's KPIs and the dealer scorecard as a careful notebook computes them in pandas,
and the same answers from our datasets; each side runs in its own process for an honest peak memory.

The notebook reads the Parquet exports of the mart's tables, parses the dates and joins each fact table to
its customer and dealer once (the `prepare` step, timed with the reading); after that a filter change is
boolean masks, merges and group-bys over the in-memory frames (the `compute` step). The formulas follow
docs/domain.md, written again here for pandas: nothing is read from the SQL.

Run as `python -m bench.peer '{"side": "pandas" | "ours", "db": ..., "exports": ..., "filters": [...], "repeats": n}'`;
prints one JSON object.
"""
from __future__ import annotations

import json
import math
import sys
import time
from dataclasses import asdict
from datetime import date
from pathlib import Path

KPI_KEYS = ("units", "sales_revenue", "gross_margin", "service_revenue", "new_customers", "active_customers",
            "count_retention_cohort", "service_retention", "nps", "count_nps_responses", "complaint_backlog",
            "count_sla_complaints", "sla_compliance", "campaign_roi", "count_campaigns")
CARD_KEYS = ("units", "sales_revenue", "count_retention_cohort", "service_retention", "nps", "count_nps_responses",
             "count_customers", "count_complaints", "complaints_per_100_customers", "count_sla_complaints",
             "sla_compliance", "count_leads_closed", "lead_conversion")
TABLES = ("dealers", "customers", "sales", "service_visits", "surveys", "complaints", "complaint_sla", "leads",
          "campaigns", "campaign_contacts")


def filters_to_json(f) -> dict:
    out = asdict(f)
    out["start_on"], out["end_on"] = f.start_on.isoformat(), f.end_on.isoformat()
    return out


def filters_from_json(d: dict):
    from queries.filters import Filters

    d = dict(d)
    d["start_on"], d["end_on"] = date.fromisoformat(d["start_on"]), date.fromisoformat(d["end_on"])
    for key in ("product_ids", "customer_types", "channels"):
        d[key] = tuple(d[key])
    return Filters(**d)


# --- our side -------------------------------------------------------------------------------------------

def ours(db: str, filter_sets: list, repeats: int) -> dict:
    from queries import runner

    mart = runner.connect(db)
    mart.checkin(mart.checkout())
    seconds = [[] for _ in filter_sets]
    answers = []
    for repeat in range(repeats):
        answers = []
        for i, f in enumerate(filter_sets):
            started = time.perf_counter()
            current = runner.run(mart, "kpi_summary", f).row(0, named=True)
            previous = runner.run(mart, "kpi_summary", f.comparison()).row(0, named=True)
            card = runner.run(mart, "dealer_scorecard", f)
            seconds[i].append(time.perf_counter() - started)
            answers.append({
                "kpis": {k: current[k] for k in KPI_KEYS},
                "kpis_comparison": {k: previous[k] for k in KPI_KEYS},
                "scorecard": {_card_key(r): {k: r[k] for k in CARD_KEYS} for r in card.iter_rows(named=True)},
            })
    mart.close()
    return {"prepare_s": 0.0, "compute_s": seconds, "answers": answers}


def _card_key(row: dict) -> str:
    return f"{row['level']}|{row['region'] or ''}|{row['dealer_id'] if row['dealer_id'] is not None else ''}"


# --- the notebook ---------------------------------------------------------------------------------------

def prepare(exports: Path) -> dict:
    """Read the exports, parse dates, and join facts to their customer and dealer once."""
    import pandas as pd

    t = {name: pd.read_parquet(exports / f"{name}.parquet") for name in TABLES}
    for frame in t.values():
        for column in frame.columns:
            if column.endswith("_on"):
                frame[column] = pd.to_datetime(frame[column])
    dealers = t["dealers"][["dealer_id", "region", "province"]]
    who = t["customers"][["customer_id", "customer_type", "acquisition_channel"]]
    p = {"campaigns": t["campaigns"], "dealers": t["dealers"]}
    for name in ("sales", "service_visits", "surveys", "complaints"):
        p[name] = t[name].merge(who, on="customer_id", how="left").merge(dealers, on="dealer_id", how="left")
    sla = t["complaint_sla"]
    p["complaints"] = p["complaints"].merge(sla, on="severity")
    p["complaints"]["due_at"] = p["complaints"]["received_at"] + pd.to_timedelta(p["complaints"]["resolve_within_hours"], unit="h")
    p["leads"] = t["leads"].merge(dealers, on="dealer_id", how="left")
    p["leads"]["created_on"] = p["leads"]["created_at"].dt.normalize()
    # A customer is placed by their home dealer's region and province, not by the address they gave.
    p["customers"] = t["customers"].drop(columns=["province", "city"]).merge(dealers.rename(columns={"dealer_id": "home_dealer_id"}), on="home_dealer_id", how="left")
    home = p["customers"][["customer_id", "customer_type", "acquisition_channel", "home_dealer_id", "region", "province"]]
    p["campaign_contacts"] = t["campaign_contacts"].merge(home, on="customer_id")
    transactions = pd.concat([
        t["sales"][["customer_id", "sold_on"]].rename(columns={"sold_on": "on"}),
        t["service_visits"][["customer_id", "visited_on"]].rename(columns={"visited_on": "on"}),
    ])
    p["transactions"] = transactions
    p["first_on"] = transactions.groupby("customer_id")["on"].min()
    return p


def _mask(df, f, *, product: str | None, geo: bool = True, dealer_column: str = "dealer_id", customer: bool = True):
    """Rows of a joined fact frame in the filters' scope. product: 'own' (the row's product), 'owners' (the
    customer owns one of the products) or None (no product filter)."""
    import pandas as pd

    keep = pd.Series(True, index=df.index)
    if customer and f.customer_types:
        keep &= df["customer_type"].isin(f.customer_types)
    if customer and f.channels:
        keep &= df["acquisition_channel"].isin(f.channels)
    if f.product_ids and product == "own":
        keep &= df["product_id"].isin(f.product_ids)
    if f.product_ids and product == "owners":
        keep &= df["customer_id"].isin(_owners(f))
    if geo and f.region:
        keep &= df["region"] == f.region
    if geo and f.province:
        keep &= df["province"] == f.province
    if geo and f.dealer_id is not None:
        keep &= df[dealer_column] == f.dealer_id
    return keep


_P: dict = {}


def _owners(f):
    s = _P["sales"]
    return s.loc[s["product_id"].isin(f.product_ids), "customer_id"].unique()


def _between(series, start, end):
    return (series >= start) & (series <= end)


def _none(x):
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else x


def _rate(numerator, denominator):
    return numerator / denominator if denominator else None


def _nps(promoters, detractors, responses):
    return 100.0 * (promoters - detractors) / responses if responses else None


def _ts(day: date):
    import pandas as pd

    return pd.Timestamp(day)


def kpis(p, f) -> dict:
    import pandas as pd

    start, end = _ts(f.start_on), _ts(f.end_on)
    end_next = end + pd.Timedelta(days=1)
    year_ago = end - pd.DateOffset(months=12)
    sales, visits = p["sales"], p["service_visits"]
    s = sales[_between(sales["sold_on"], start, end) & _mask(sales, f, product="own")]
    v = visits[_between(visits["visited_on"], start, end) & _mask(visits, f, product="owners")]
    out = {
        "units": int(s["quantity"].sum()),
        "sales_revenue": float(s["revenue"].sum()),
        "gross_margin": float((s["revenue"] - s["cost"]).sum()),
        "service_revenue": float(v["revenue"].sum()),
    }
    customers = p["customers"]
    in_scope = customers.loc[_mask(customers, f, product="owners", dealer_column="home_dealer_id"), "customer_id"]
    first_on = p["first_on"]
    out["new_customers"] = int((_between(first_on, start, end) & first_on.index.isin(in_scope)).sum())
    tx = p["transactions"]
    recent = tx[(tx["on"] > year_ago) & (tx["on"] <= end)]
    out["active_customers"] = int(recent.loc[recent["customer_id"].isin(in_scope), "customer_id"].nunique())

    window = sales[_between(sales["sold_on"], end - pd.DateOffset(months=24), year_ago) & _mask(sales, f, product="own")]
    cohort = window.groupby("customer_id", as_index=False)["sold_on"].min()
    after = cohort.merge(visits[["customer_id", "visited_on"]], on="customer_id")
    after = after[(after["visited_on"] > after["sold_on"]) & (after["visited_on"] <= after["sold_on"] + pd.DateOffset(months=12))]
    out["count_retention_cohort"] = len(cohort)
    out["service_retention"] = _rate(after["customer_id"].nunique(), len(cohort))

    surveys = p["surveys"]
    r = surveys[_between(surveys["surveyed_on"], start, end) & surveys["survey_type"].isin(["sales", "service"])
                & _mask(surveys, f, product="owners")]
    out["nps"] = _nps(int((r["score"] >= 9).sum()), int((r["score"] <= 6).sum()), len(r))
    out["count_nps_responses"] = len(r)

    complaints = p["complaints"]
    k = complaints[(complaints["received_at"] < end_next) & _mask(complaints, f, product="own")]
    out["complaint_backlog"] = int((k["closed_at"].isna() | (k["closed_at"] >= end_next)).sum())
    k = k[k["received_at"] >= start]
    met = k["resolved_at"].notna() & (k["resolved_at"] <= k["due_at"]) & (k["resolved_at"] < end_next)
    known = met | (k["due_at"] < end_next)
    out["count_sla_complaints"] = int(known.sum())
    out["sla_compliance"] = _rate(int(met[known].sum()), int(known.sum()))
    out.update(_campaign_roi(p, f, start, end))
    return out


def _campaign_roi(p, f, start, end) -> dict:
    campaigns = p["campaigns"]
    ended = campaigns[_between(campaigns["end_on"], start, end)].set_index("campaign_id")
    if ended.empty:
        return {"campaign_roi": None, "count_campaigns": 0}
    contacts, leads, sales = p["campaign_contacts"], p["leads"], p["sales"]
    contacts_all = contacts.groupby("campaign_id").size()
    contacts_in = contacts[_mask(contacts, f, product="owners", dealer_column="home_dealer_id")].groupby("campaign_id").size()
    leads_all = leads.groupby("campaign_id").size()
    lead_scope = leads[_mask(leads, f, product=None, customer=False)]
    if f.channels:
        lead_scope = lead_scope[lead_scope["source_channel"].isin(f.channels)]
    leads_in = lead_scope.groupby("campaign_id").size()
    attributed = sales[sales["campaign_id"].notna() & _mask(sales, f, product="own")]
    margin = (attributed["revenue"] - attributed["cost"]).groupby(attributed["campaign_id"]).sum()
    unfiltered = not (f.region or f.province or f.dealer_id is not None or f.product_ids or f.customer_types or f.channels)
    total_margin = total_cost = 0.0
    for campaign_id, row in ended.iterrows():
        if unfiltered:
            share = 1.0
        elif contacts_all.get(campaign_id, 0) > 0:
            share = contacts_in.get(campaign_id, 0) / contacts_all[campaign_id]
        elif leads_all.get(campaign_id, 0) > 0:
            share = leads_in.get(campaign_id, 0) / leads_all[campaign_id]
        else:
            share = 0.0
        total_cost += row["actual_cost"] * share
        total_margin += margin.get(campaign_id, 0.0)
    roi = (total_margin - total_cost) / total_cost if total_cost else None
    return {"campaign_roi": roi, "count_campaigns": len(ended)}


def scorecard(p, f) -> dict:
    import pandas as pd

    start, end = _ts(f.start_on), _ts(f.end_on)
    end_next = end + pd.Timedelta(days=1)
    year_ago = end - pd.DateOffset(months=12)
    sales, visits = p["sales"], p["service_visits"]
    s = sales[_between(sales["sold_on"], start, end) & _mask(sales, f, product="own", geo=False) & sales["dealer_id"].notna()]
    parts = [s.groupby("dealer_id").agg(units=("quantity", "sum"), sales_revenue=("revenue", "sum"))]

    window = sales[_between(sales["sold_on"], end - pd.DateOffset(months=24), year_ago)
                   & _mask(sales, f, product="own", geo=False) & sales["dealer_id"].notna()]
    cohort = window.sort_values(["customer_id", "sold_on", "sale_id"]).drop_duplicates("customer_id")[["customer_id", "dealer_id", "sold_on"]]
    after = cohort.merge(visits[["customer_id", "visited_on"]], on="customer_id")
    retained = after.loc[(after["visited_on"] > after["sold_on"]) & (after["visited_on"] <= after["sold_on"] + pd.DateOffset(months=12)), "customer_id"].unique()
    cohort["retained"] = cohort["customer_id"].isin(retained)
    parts.append(cohort.groupby("dealer_id").agg(count_retention_cohort=("customer_id", "size"), count_retained=("retained", "sum")))

    surveys = p["surveys"]
    r = surveys[_between(surveys["surveyed_on"], start, end) & surveys["survey_type"].isin(["sales", "service"])
                & _mask(surveys, f, product="owners", geo=False) & surveys["dealer_id"].notna()]
    r = r.assign(promoter=r["score"] >= 9, detractor=r["score"] <= 6)
    parts.append(r.groupby("dealer_id").agg(count_promoters=("promoter", "sum"), count_detractors=("detractor", "sum"),
                                            count_nps_responses=("score", "size")))

    customers = p["customers"]
    base = customers[_mask(customers, f, product="owners", geo=False) & (customers["created_on"] <= end) & customers["home_dealer_id"].notna()]
    parts.append(base.groupby("home_dealer_id").size().rename("count_customers").rename_axis("dealer_id").to_frame())

    complaints = p["complaints"]
    k = complaints[(complaints["received_at"] >= start) & (complaints["received_at"] < end_next)
                   & _mask(complaints, f, product="own", geo=False) & complaints["dealer_id"].notna()]
    met = k["resolved_at"].notna() & (k["resolved_at"] <= k["due_at"]) & (k["resolved_at"] < end_next)
    k = k.assign(met=met, known=met | (k["due_at"] < end_next))
    parts.append(k.groupby("dealer_id").agg(count_complaints=("complaint_id", "size"), count_sla_complaints=("known", "sum"),
                                            count_sla_met=("met", "sum")))

    leads = p["leads"]
    l = leads[_between(leads["created_on"], start, end)]
    if f.channels:
        l = l[l["source_channel"].isin(f.channels)]
    l = l.assign(closed=l["outcome"].isin(["won", "lost"]), won=l["outcome"] == "won")
    parts.append(l.groupby("dealer_id").agg(count_leads_closed=("closed", "sum"), count_leads_won=("won", "sum")))

    per_dealer = p["dealers"][["dealer_id", "region", "province"]].set_index("dealer_id")
    for part in parts:
        part.index = part.index.astype(per_dealer.index.dtype)
        per_dealer = per_dealer.join(part, how="left")
    per_dealer = per_dealer.fillna({c: 0 for c in per_dealer.columns if c not in ("region", "province")})

    in_geo = per_dealer[_mask(per_dealer.reset_index(), f, product=None, customer=False).to_numpy()]
    rows = {}
    for dealer_id, d in in_geo.iterrows():
        rows[f"dealer|{d['region']}|{dealer_id}"] = _card_measures(d)
    sums = per_dealer.drop(columns=["province"]).groupby("region").sum()
    for region in in_geo["region"].unique():
        rows[f"region|{region}|"] = _card_measures(sums.loc[region])
    rows["national||"] = _card_measures(per_dealer.drop(columns=["region", "province"]).sum())
    return rows


def _card_measures(d) -> dict:
    return {
        "units": int(d["units"]),
        "sales_revenue": float(d["sales_revenue"]),
        "count_retention_cohort": int(d["count_retention_cohort"]),
        "service_retention": _rate(d["count_retained"], d["count_retention_cohort"]),
        "nps": _nps(d["count_promoters"], d["count_detractors"], d["count_nps_responses"]),
        "count_nps_responses": int(d["count_nps_responses"]),
        "count_customers": int(d["count_customers"]),
        "count_complaints": int(d["count_complaints"]),
        "complaints_per_100_customers": None if not d["count_customers"] else 100 * d["count_complaints"] / d["count_customers"],
        "count_sla_complaints": int(d["count_sla_complaints"]),
        "sla_compliance": _rate(d["count_sla_met"], d["count_sla_complaints"]),
        "count_leads_closed": int(d["count_leads_closed"]),
        "lead_conversion": _rate(d["count_leads_won"], d["count_leads_closed"]),
    }


def notebook(exports: str, filter_sets: list, repeats: int) -> dict:
    started = time.perf_counter()
    p = prepare(Path(exports))
    _P.update(p)
    prepare_s = time.perf_counter() - started
    seconds = [[] for _ in filter_sets]
    answers = []
    for repeat in range(repeats):
        answers = []
        for i, f in enumerate(filter_sets):
            started = time.perf_counter()
            answer = {"kpis": kpis(p, f), "kpis_comparison": kpis(p, f.comparison()), "scorecard": scorecard(p, f)}
            seconds[i].append(time.perf_counter() - started)
            answers.append(answer)
    return {"prepare_s": prepare_s, "compute_s": seconds, "answers": answers}


# --- comparing and running ------------------------------------------------------------------------------

def differences(ours_answers: list, peer_answers: list) -> tuple[list[str], int]:
    """Every value on which the two sides disagree (floats within 1e-9 relative count as equal), and how many
    values were compared."""
    found = []
    compared = 0

    def same(a, b) -> bool:
        a, b = _none(a), _none(b)
        if a is None or b is None:
            return a is None and b is None
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)

    for i, (a, b) in enumerate(zip(ours_answers, peer_answers, strict=True)):
        for part in ("kpis", "kpis_comparison"):
            for key in KPI_KEYS:
                compared += 1
                if not same(a[part][key], b[part][key]):
                    found.append(f"filters {i} {part}.{key}: ours {a[part][key]!r}, peer {b[part][key]!r}")
        if set(a["scorecard"]) != set(b["scorecard"]):
            found.append(f"filters {i} scorecard rows differ: {sorted(set(a['scorecard']) ^ set(b['scorecard']))[:5]}")
        for row in set(a["scorecard"]) & set(b["scorecard"]):
            for key in CARD_KEYS:
                compared += 1
                x, y = a["scorecard"][row][key], b["scorecard"][row][key]
                if not same(x, y):
                    found.append(f"filters {i} scorecard {row}.{key}: ours {x!r}, peer {y!r}")
    return found, compared


def _memory() -> dict:
    """Peak and current resident memory of this process in MB (Linux /proc)."""
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmHWM", "VmRSS"):
            fields[key] = int(value.split()[0]) / 1024
    return {"peak_rss_mb": fields.get("VmHWM"), "rss_mb": fields.get("VmRSS")}


def main(argv: list[str]) -> int:
    job = json.loads(argv[0])
    filter_sets = [filters_from_json(f) for f in job["filters"]]
    if job["side"] == "ours":
        import duckdb  # noqa: F401  (the libraries count in the baseline, not in the work)
        import polars  # noqa: F401

        baseline = _memory()
        out = ours(job["db"], filter_sets, job["repeats"])
    else:
        import pandas  # noqa: F401

        baseline = _memory()
        out = notebook(job["exports"], filter_sets, job["repeats"])
    out.update(baseline_rss_mb=baseline["rss_mb"], **_memory())
    print(json.dumps(out, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
