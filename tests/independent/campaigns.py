"""Campaign results, lift counts, attribution rules, the lead funnel and the budget rates, recomputed in plain
Polars from the raw mart tables and docs/domain.md's definitions (never by calling the SQL)."""
from __future__ import annotations

from datetime import date

import polars as pl

from queries.filters import Filters
from tests.independent.frame import _has_geo, customers_in, dealer_ids, sales_in

ALL_TIME = (date(1900, 1, 1), date(2999, 12, 31))
STEPS = ["count_created", "count_contacted", "count_test_drive", "count_quoted", "count_won"]


def is_unfiltered(f: Filters) -> bool:
    return not (_has_geo(f) or f.product_ids or f.customer_types or f.channels)


def ended(t, f: Filters) -> pl.DataFrame:
    """The campaigns that ended in the period."""
    return t["campaigns"].filter(pl.col("end_on").is_between(f.start_on, f.end_on))


def contacts_in(t, f: Filters) -> pl.DataFrame:
    """Campaign contacts whose customer is in scope: segment, channel, product owner, home dealer's geography."""
    scope = customers_in(t, f, with_product=True, with_geo=True)["customer_id"]
    return t["campaign_contacts"].filter(pl.col("customer_id").is_in(scope.implode()))


def leads_in(t, f: Filters, start: date, end: date) -> pl.DataFrame:
    """Leads created between the dates at a dealer in the geography, from a chosen source channel."""
    leads = t["leads"].filter(pl.col("created_at").dt.date().is_between(start, end))
    if f.channels:
        leads = leads.filter(pl.col("source_channel").is_in(list(f.channels)))
    if _has_geo(f):
        leads = leads.filter(pl.col("dealer_id").is_in(dealer_ids(t, f).implode()))
    return leads


def _margin(frame: pl.DataFrame) -> float:
    with_cost = frame.filter(pl.col("cost").is_not_null())
    return float((with_cost["revenue"] - with_cost["cost"]).sum())


def campaign_results(t, f: Filters) -> dict[int, dict]:
    """Per campaign that ended in the period: cost in scope, contacts, responses, leads, sales, ROI."""
    contacts_all = t["campaign_contacts"]
    contacts = contacts_in(t, f)
    leads_all = t["leads"].filter(pl.col("campaign_id").is_not_null())
    leads = leads_in(t, f, *ALL_TIME).filter(pl.col("campaign_id").is_not_null())
    sales = sales_in(t, f, *ALL_TIME).filter(pl.col("campaign_id").is_not_null())
    out = {}
    for c in ended(t, f).iter_rows(named=True):
        cid = c["campaign_id"]
        n_all = contacts_all.filter(pl.col("campaign_id") == cid).height
        mine = contacts.filter(pl.col("campaign_id") == cid)
        l_all = leads_all.filter(pl.col("campaign_id") == cid).height
        my_leads = leads.filter(pl.col("campaign_id") == cid)
        if is_unfiltered(f):
            share = 1.0
        elif n_all:
            share = mine.height / n_all
        elif l_all:
            share = my_leads.height / l_all
        else:
            share = 0.0
        cost = c["actual_cost"] * share
        my_sales = sales.filter(pl.col("campaign_id") == cid)
        margin = _margin(my_sales)
        out[cid] = {
            "campaign_name": c["campaign_name"],
            "cost_in_scope": cost,
            "count_contacts": mine.filter(pl.col("arm") == "treatment").height,
            "count_responses": mine.filter((pl.col("arm") == "treatment") & pl.col("responded_on").is_not_null()).height,
            "count_control": mine.filter(pl.col("arm") == "control").height,
            "count_leads": my_leads.height,
            "count_leads_won": my_leads.filter(pl.col("outcome") == "won").height,
            "count_sales": my_sales.height,
            "attributed_revenue": float(my_sales["revenue"].sum()),
            "attributed_margin": margin,
            "cost_per_lead": cost / my_leads.height if my_leads.height else None,
            "cost_per_sale": cost / my_sales.height if my_sales.height else None,
            "roi": (margin - cost) / cost if cost else None,
        }
    return out


def total_roi(results: dict[int, dict]) -> float | None:
    cost = sum(r["cost_in_scope"] for r in results.values())
    margin = sum(r["attributed_margin"] for r in results.values())
    return (margin - cost) / cost if cost else None


def buyers(t, f: Filters, contacts: pl.DataFrame, window_days: int) -> pl.DataFrame:
    """Per contact (campaign_id, customer_id): whether the customer bought in scope within the window from the
    contact day, and the gross margin of those sales."""
    sales = sales_in(t, f, *ALL_TIME).select("customer_id", "sold_on", "revenue", "cost")
    joined = contacts.select("campaign_id", "customer_id", "contacted_on").join(sales, on="customer_id").filter(
        (pl.col("sold_on") >= pl.col("contacted_on"))
        & (pl.col("sold_on") <= pl.col("contacted_on") + pl.duration(days=window_days))
    )
    return joined.group_by("campaign_id", "customer_id").agg(
        count_sales=pl.len(),
        first_sold_on=pl.col("sold_on").min(),
        margin=(pl.col("revenue") - pl.col("cost")).filter(pl.col("cost").is_not_null()).sum(),
    )


def lift_counts(t, f: Filters, window_days: int) -> dict[int, dict]:
    """Per campaign that ended in the period with contacts in scope: each arm's size, responders, buyers, margin."""
    ids = ended(t, f)["campaign_id"]
    contacts = contacts_in(t, f).filter(pl.col("campaign_id").is_in(ids.implode()))
    bought = buyers(t, f, contacts, window_days)
    per = contacts.join(bought, on=["campaign_id", "customer_id"], how="left")
    out = {}
    for (cid,), group in per.group_by("campaign_id"):
        row = {}
        for arm in ("treatment", "control"):
            g = group.filter(pl.col("arm") == arm)
            row[f"count_{arm}"] = g.height
            row[f"count_{arm}_responders"] = g.filter(pl.col("responded_on").is_not_null()).height
            row[f"count_{arm}_buyers"] = g.filter(pl.col("count_sales").is_not_null()).height
            row[f"{arm}_buyer_margin"] = float(g["margin"].fill_null(0).sum())
        out[cid] = row
    return out


def touches(t) -> pl.DataFrame:
    """Every campaign touch: treatment contacts (contact day, response day) and campaign leads with a customer."""
    treated = t["campaign_contacts"].filter(pl.col("arm") == "treatment")
    return pl.concat([
        treated.select("customer_id", "campaign_id", pl.col("contacted_on").alias("touched_on")),
        treated.drop_nulls("responded_on").select("customer_id", "campaign_id", pl.col("responded_on").alias("touched_on")),
        t["leads"].drop_nulls(["campaign_id", "customer_id"]).select(
            "customer_id", "campaign_id", pl.col("created_at").dt.date().alias("touched_on")
        ),
    ])


def attributed_sales(t, f: Filters, window_days: int) -> pl.DataFrame:
    """Each sale in scope with its campaign by rule: recorded, last_touch, first_touch (None where none)."""
    sales = sales_in(t, f, *ALL_TIME)
    hits = sales.select("sale_id", "customer_id", "sold_on").join(touches(t), on="customer_id").filter(
        (pl.col("touched_on") <= pl.col("sold_on"))
        & (pl.col("touched_on") >= pl.col("sold_on") - pl.duration(days=window_days))
    )
    # Latest touch wins for last touch, earliest for first; a same-day tie goes to the higher / lower campaign id.
    ordered = hits.sort(["sale_id", "touched_on", "campaign_id"])
    rules = ordered.group_by("sale_id").agg(
        last_touch=pl.col("campaign_id").last(),
        first_touch=pl.col("campaign_id").first(),
    )
    return sales.join(rules, on="sale_id", how="left").with_columns(recorded=pl.col("campaign_id"))


def attribution(t, f: Filters, window_days: int) -> dict[tuple[int | None, str], dict]:
    """(campaign_id, rule) -> count_sales, attributed_margin, roi; campaign_id None is every campaign together."""
    results = campaign_results(t, f)
    sales = attributed_sales(t, f, window_days)
    out = {}
    for rule in ("recorded", "last_touch", "first_touch"):
        total_cost = total_margin = total_count = 0.0
        for cid, r in results.items():
            mine = sales.filter(pl.col(rule) == cid)
            margin = _margin(mine)
            cost = r["cost_in_scope"]
            out[(cid, rule)] = {"count_sales": mine.height, "attributed_margin": margin,
                                "roi": (margin - cost) / cost if cost else None}
            total_cost += cost
            total_margin += margin
            total_count += mine.height
        out[(None, rule)] = {"count_sales": int(total_count), "attributed_margin": total_margin,
                             "roi": (total_margin - total_cost) / total_cost if total_cost else None}
    return out


def funnel(leads: pl.DataFrame) -> dict:
    """The funnel of a set of leads: step counts, conversions, won / closed, median hours to first contact."""
    hours = ((leads["contacted_at"] - leads["created_at"]).dt.total_seconds() / 3600).drop_nulls()
    counts = {
        "count_created": leads.height,
        "count_contacted": leads["contacted_at"].is_not_null().sum(),
        "count_test_drive": leads["test_drive_at"].is_not_null().sum(),
        "count_quoted": leads["quoted_at"].is_not_null().sum(),
        "count_won": (leads["outcome"] == "won").sum(),
        "count_lost": (leads["outcome"] == "lost").sum(),
        "count_open": (leads["outcome"] == "open").sum(),
        "median_hours_to_contact": hours.median() if hours.len() else None,
    }
    closed = counts["count_won"] + counts["count_lost"]
    counts["lead_conversion"] = counts["count_won"] / closed if closed else None
    for rate, (num, den) in {
        "contacted_rate": ("count_contacted", "count_created"),
        "test_drive_rate": ("count_test_drive", "count_contacted"),
        "quoted_rate": ("count_quoted", "count_test_drive"),
        "won_rate": ("count_won", "count_quoted"),
    }.items():
        counts[rate] = counts[num] / counts[den] if counts[den] else None
    return counts


def lost_reasons(t, f: Filters) -> dict[tuple[str, str, str], int]:
    """(source channel, lost reason, last step reached) -> lost leads created in the period."""
    lost = leads_in(t, f, f.start_on, f.end_on).filter(pl.col("outcome") == "lost")
    out: dict[tuple[str, str, str], int] = {}
    for r in lost.iter_rows(named=True):
        step = ("quoted" if r["quoted_at"] else "test drive" if r["test_drive_at"]
                else "contacted" if r["contacted_at"] else "created")
        key = (r["source_channel"], r["lost_reason"] or "not recorded", step)
        out[key] = out.get(key, 0) + 1
    return out


def monthly_conversion(t, f: Filters) -> dict[tuple[date, str], float | None]:
    """(first of month, source channel or 'all') -> won / closed of the leads created that month."""
    leads = leads_in(t, f, f.start_on, f.end_on).with_columns(month=pl.col("created_at").dt.truncate("1mo").dt.date())
    out = {}
    for keys, group in [*leads.group_by("month", "source_channel"), *((k + ("all",), g) for k, g in leads.group_by("month"))]:
        won, closed = (group["outcome"] == "won").sum(), group["outcome"].is_in(["won", "lost"]).sum()
        out[(keys[0], keys[1])] = won / closed if closed else None
    return out


def budget_rates(t, f: Filters) -> dict[str, dict]:
    """Per channel of the acquisition and promotion campaigns that ended in the period: cost in scope, leads,
    closed and won leads, cost per lead, conversion and the Pearson dispersion of leads per yuan."""
    results = campaign_results(t, f)
    kinds = dict(zip(t["campaigns"]["campaign_id"], t["campaigns"]["campaign_type"]))
    channels = dict(zip(t["campaigns"]["campaign_id"], t["campaigns"]["channel"]))
    leads = leads_in(t, f, *ALL_TIME).filter(pl.col("campaign_id").is_not_null())
    per_channel: dict[str, list[tuple[float, int, int, int]]] = {}
    for cid, r in results.items():
        if kinds[cid] not in ("acquisition", "promotion"):
            continue
        mine = leads.filter(pl.col("campaign_id") == cid)
        per_channel.setdefault(channels[cid], []).append((
            r["cost_in_scope"], mine.height, mine.filter(pl.col("outcome").is_in(["won", "lost"])).height,
            mine.filter(pl.col("outcome") == "won").height,
        ))
    out = {}
    for channel, rows in per_channel.items():
        cost = sum(r[0] for r in rows)
        leads_n, closed, won = (sum(r[i] for r in rows) for i in (1, 2, 3))
        dispersion = None
        if len(rows) > 1 and cost > 0 and leads_n > 0:
            expected = [leads_n * r[0] / cost for r in rows]
            dispersion = sum((r[1] - e) ** 2 / e for r, e in zip(rows, expected) if e > 0) / (len(rows) - 1)
        out[channel] = {"count_campaigns": len(rows), "cost": cost, "count_leads": leads_n, "count_closed": closed,
                        "count_won": won, "cost_per_lead": cost / leads_n if leads_n else None,
                        "lead_conversion": won / closed if closed else None, "lead_dispersion": dispersion}
    return out


def running(t, f: Filters, as_of: date, window_days: int) -> dict[int, dict]:
    """Per campaign in progress on the read day (the period's end, or the data's as-of date if earlier): started on
    or before it and ending after it. Days gone, spend to date (the cost in scope spread evenly over the campaign's
    days), and every count as it stood at the end of the read day: contacts and responses by arm, buyers (a sale in
    scope from the contact day to window_days after it, no later than the read day), leads and recorded sales."""
    day = min(f.end_on, as_of)
    live = t["campaigns"].filter((pl.col("start_on") <= day) & (pl.col("end_on") > day))
    contacts_all = t["campaign_contacts"]
    contacts = contacts_in(t, f)
    leads_all = t["leads"].filter(pl.col("campaign_id").is_not_null())
    leads = leads_in(t, f, *ALL_TIME).filter(pl.col("campaign_id").is_not_null())
    sales = sales_in(t, f, ALL_TIME[0], day)
    out = {}
    for c in live.iter_rows(named=True):
        cid = c["campaign_id"]
        n_all = contacts_all.filter(pl.col("campaign_id") == cid).height
        l_all = leads_all.filter(pl.col("campaign_id") == cid).height
        if is_unfiltered(f):
            share = 1.0
        elif n_all:
            share = contacts.filter(pl.col("campaign_id") == cid).height / n_all
        elif l_all:
            share = leads.filter(pl.col("campaign_id") == cid).height / l_all
        else:
            share = 0.0
        elapsed, total = (day - c["start_on"]).days + 1, (c["end_on"] - c["start_on"]).days + 1
        mine = contacts.filter((pl.col("campaign_id") == cid) & (pl.col("contacted_on") <= day))
        bought = mine.join(sales.select("customer_id", "sold_on", "revenue", "cost"), on="customer_id").filter(
            (pl.col("sold_on") >= pl.col("contacted_on"))
            & (pl.col("sold_on") <= pl.col("contacted_on") + pl.duration(days=window_days))
        ).group_by("customer_id", "arm").agg(
            margin=(pl.col("revenue") - pl.col("cost")).filter(pl.col("cost").is_not_null()).sum())
        row = {
            "days_elapsed": elapsed, "days_total": total, "days_left": (c["end_on"] - day).days,
            "elapsed_share": elapsed / total, "cost_share": share,
            "budget_in_scope": c["budget"] * share, "planned_cost_in_scope": c["actual_cost"] * share,
            "cost_in_scope": c["actual_cost"] * share * elapsed / total,
        }
        for arm in ("treatment", "control"):
            a = mine.filter(pl.col("arm") == arm)
            b = bought.filter(pl.col("arm") == arm)
            row[f"count_{arm}"] = a.height
            row[f"count_{arm}_responders"] = a.filter(pl.col("responded_on") <= day).height
            row[f"count_{arm}_buyers"] = b.height
            row[f"{arm}_buyer_margin"] = float(b["margin"].sum())
        my_sales = sales.filter(pl.col("campaign_id") == cid)
        row["count_leads"] = leads.filter((pl.col("campaign_id") == cid)
                                          & (pl.col("created_at").dt.date() <= day)).height
        row["count_sales"] = my_sales.height
        row["attributed_margin"] = _margin(my_sales)
        out[cid] = row
    return out
