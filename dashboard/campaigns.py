"""The campaign page's words, tables and charts (views/campaigns.py holds the layout): the payback, lift, funnel and
budget sentences that lead each tab, the lift table and chart, and the charts coloured by a category."""
from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from analytics import lift
from dashboard import charts, formats
from dashboard.columns import column
from dashboard.i18n import N_, _, ngettext, pgettext
from dashboard.metrics import fmt, format_metric

# The attribution rules of campaign_attribution, in the order they are shown; recorded is the mart's own record.
RULES = ["recorded", "last_touch", "first_touch"]
RULE_COLOURS = {"recorded": charts.MAIN, "last_touch": charts.SECOND, "first_touch": charts.SERIES[1]}
# The lift verdicts of analytics/lift.py: proven good, negative bad, the rest shown but not judged.
VERDICTS = [lift.PROVEN, lift.NEGATIVE, lift.NOT_PROVEN, lift.NO_CONTROL]
VERDICT_COLOURS = {lift.PROVEN: charts.GOOD, lift.NEGATIVE: charts.BAD, lift.NOT_PROVEN: charts.YARDSTICK,
                   lift.NO_CONTROL: charts.MUTED}
# The lead funnel: count column -> step (a lead_step value), and the conversion between steps (headers in COLUMNS).
STEPS = [("count_created", "created"), ("count_contacted", "contacted"), ("count_test_drive", "test drive"),
         ("count_quoted", "quoted"), ("count_won", "won")]
STEP_RATES = ["contacted_rate", "test_drive_rate", "quoted_rate", "won_rate"]
LOST_STEPS = ["created", "contacted", "test drive", "quoted"]
ALL_CHANNELS = "all channels"   # analytics/budget.py's total row
ALL = "all"                     # funnel_monthly's total over channels
# The notes analytics/budget.py writes on a projection, translated where shown.
BUDGET_NOTES = {
    "no measured leads for this channel's campaigns in the period: cannot project":
        N_("no measured leads for this channel's campaigns in the period: cannot project"),
    "measured on one campaign: the spread between campaigns is unknown, so the interval is too narrow":
        N_("measured on one campaign: the spread between campaigns is unknown, so the interval is too narrow"),
    "channels without measured leads add nothing": N_("channels without measured leads add nothing"),
}


def label(row: dict) -> str:
    """A campaign as a person picks it: its name and number (names need not be unique in a loaded mart)."""
    return f"{row['campaign_name'] or _('campaign')} (#{row['campaign_id']})"


def campaign_labels(frame: pl.DataFrame) -> pl.Series:
    """The label of each row's campaign. Made here, not in a Polars map_elements: Polars may call that from a thread
    of its own, where there is no session and so no language (the text came out in English on the Chinese page)."""
    return pl.Series("campaign", [label(r) for r in frame.select("campaign_name", "campaign_id").iter_rows(named=True)],
                     dtype=pl.String)


def interval_text(value, low, high, unit: str) -> str:
    if value is None or low is None or high is None:
        return formats.EMPTY
    return _("{value} ({low} to {high})").format(value=fmt(value, unit), low=fmt(low, unit), high=fmt(high, unit))


def channel_label(value: str | None) -> str:
    if value in (ALL, ALL_CHANNELS):
        return _("All channels")
    return pgettext("channel", value) if value else formats.EMPTY


# ---- sentences that lead the tabs ----

def payback(campaigns: pl.DataFrame) -> dict:
    """How many campaigns paid back (attributed gross margin at least their cost: ROI >= 0), and the best and worst
    by ROI, over the campaigns with a cost in scope (a campaign without one has no ROI)."""
    costed = campaigns.filter(pl.col("roi").is_not_null()).sort(["roi", "campaign_id"], descending=[True, False])
    if costed.is_empty():
        return {"count": 0, "paid": 0, "best": None, "worst": None}
    return {"count": costed.height, "paid": int((costed["roi"] >= 0).sum()),
            "best": costed.row(0, named=True), "worst": costed.row(-1, named=True)}


def payback_sentence(campaigns: pl.DataFrame) -> str:
    p = payback(campaigns)
    if p["count"] == 0:
        return _("None of these campaigns had a cost in this scope, so none has a return to judge.")
    head = ngettext("**{paid} of {count} campaign paid back** (its attributed gross margin covered its cost)",
                    "**{paid} of {count} campaigns paid back** (their attributed gross margin covered their cost)",
                    p["count"]).format(paid=formats.number(p["paid"]), count=formats.number(p["count"]))
    if p["count"] == 1:
        return _("{head}: ROI {roi}.").format(head=head, roi=format_metric("campaign_roi", p["best"]["roi"]))
    return _("{head}. The best, {best}, returned {best_roi}; the worst, {worst}, {worst_roi}.").format(
        head=head, best=name_of(p["best"]), best_roi=format_metric("campaign_roi", p["best"]["roi"]),
        worst=name_of(p["worst"]), worst_roi=format_metric("campaign_roi", p["worst"]["roi"]))


def name_of(row: dict) -> str:
    return row["campaign_name"] or label(row)


def lift_counts(lifts: pl.DataFrame) -> dict[str, int]:
    counts = dict(lifts.group_by("purchase_verdict").len().iter_rows())
    return {v: int(counts.get(v, 0)) for v in VERDICTS}


def lift_sentence(lifts: pl.DataFrame) -> str:
    c = lift_counts(lifts)
    return ngettext(
        "**More buyers proven for {proven} of {count} campaign**; fewer buyers for {negative}; not proven for "
        "{not_proven}; no control group for {no_control}.",
        "**More buyers proven for {proven} of {count} campaigns**; fewer buyers for {negative}; not proven for "
        "{not_proven}; no control group for {no_control}.", lifts.height,
    ).format(count=formats.number(lifts.height), proven=formats.number(c[lift.PROVEN]),
             negative=formats.number(c[lift.NEGATIVE]), not_proven=formats.number(c[lift.NOT_PROVEN]),
             no_control=formats.number(c[lift.NO_CONTROL]))


def funnel_sentence(overall: dict, channels: pl.DataFrame) -> str:
    closed = int(overall["count_won"] + overall["count_lost"])
    if not closed:
        return _("**None of the {created} leads created in the period has closed yet.**").format(
            created=formats.number(overall["count_created"]))
    head = _("**{won} of {closed} closed leads were won ({rate}).**").format(
        won=formats.number(overall["count_won"]), closed=formats.number(closed),
        rate=format_metric("lead_conversion", overall["lead_conversion"]))
    ranked = channels.filter(pl.col("lead_conversion").is_not_null()).sort(
        ["lead_conversion", "source_channel"], descending=[True, False])
    if ranked.height < 2:
        return head
    best, worst = ranked.row(0, named=True), ranked.row(-1, named=True)
    return _("{head} Best source channel: {best} ({best_rate}); weakest: {worst} ({worst_rate}).").format(
        head=head, best=channel_label(best["source_channel"]),
        best_rate=format_metric("lead_conversion", best["lead_conversion"]),
        worst=channel_label(worst["source_channel"]), worst_rate=format_metric("lead_conversion", worst["lead_conversion"]))


def budget_sentence(projection: pl.DataFrame) -> str | None:
    total = projection.filter(pl.col("channel") == ALL_CHANNELS)
    if total.is_empty():
        return None
    t = total.row(0, named=True)
    return _("**{budget} would bring about {leads} leads and {sales} sales** (95% range: {sales_low} to {sales_high} "
             "sales).").format(
        budget=fmt(t["budget"], "money"), leads=formats.number(t["expected_leads"]),
        sales=formats.number(t["expected_sales"]), sales_low=formats.number(t["sales_low_95"]),
        sales_high=formats.number(t["sales_high_95"]))


# ---- tables ----

def results_table(campaigns: pl.DataFrame) -> pl.DataFrame:
    """campaign_results with the campaign's label and its payback flag, best ROI first."""
    return campaigns.with_columns(
        campaign_labels(campaigns),
        is_paid_back=pl.col("roi") >= 0,
    ).sort("roi", descending=True, nulls_last=True).drop("cost_share")


RESULTS_ANSWER = ["campaign", "is_paid_back", "roi", "cost_in_scope", "attributed_margin"]


def lift_table(lifts: pl.DataFrame) -> pl.DataFrame:
    """The lift of each campaign, verdicts first, intervals as text ("+1.2 pts (-0.5 pts to +3.0 pts)")."""
    order = {v: i for i, v in enumerate(VERDICTS)}
    ordered = lifts.with_columns(
        _order=pl.col("purchase_verdict").replace_strict(order, default=len(order), return_dtype=pl.Int64),
    ).sort(["_order", "purchase_lift"], descending=[False, True], nulls_last=True)

    def interval(name: str, unit: str) -> pl.Series:
        return pl.Series(f"{name}_interval", [
            interval_text(r[name], r[f"{name}_low"], r[f"{name}_high"], unit)
            for r in ordered.select(name, f"{name}_low", f"{name}_high").iter_rows(named=True)], dtype=pl.String)

    return ordered.select(
        "purchase_verdict", "response_verdict",
        campaign_labels(ordered),
        interval("purchase_lift", "points"), interval("incremental_margin", "money"),
        interval("response_lift", "points"), interval("incremental_roi", "ratio"),
        "cost_in_scope", "count_treatment", "count_control",
        "treatment_purchase_rate", "control_purchase_rate", "treatment_response_rate", "control_response_rate",
        "is_window_complete",
    )


LIFT_ANSWER = ["purchase_verdict", "response_verdict", "campaign", "purchase_lift_interval",
               "incremental_margin_interval"]


def rules_table(attribution: pl.DataFrame) -> pl.DataFrame:
    """One row per campaign, its ROI under each rule side by side."""
    per_campaign = attribution.filter(pl.col("campaign_id").is_not_null())
    wide = per_campaign.pivot(on="rule", index=["campaign_id", "campaign_name", "cost_in_scope"], values="roi")
    for rule in RULES:
        if rule not in wide.columns:
            wide = wide.with_columns(pl.lit(None, dtype=pl.Float64).alias(rule))
    return wide.select(
        campaign_labels(wide),
        *[pl.col(r).alias(f"roi_{r}") for r in RULES], "cost_in_scope", "campaign_id",
    )


def budget_table(projection: pl.DataFrame) -> pl.DataFrame:
    """The projection with its total row named and its notes translated (channels are translated by tables)."""
    return projection.with_columns(
        pl.when(pl.col("channel") == ALL_CHANNELS).then(pl.lit(_("All channels"))).otherwise(pl.col("channel"))
        .alias("channel"),
        pl.col("note").replace_strict({k: _(v) for k, v in BUDGET_NOTES.items()}, default=pl.col("note")),
    )


BUDGET_ANSWER = ["channel", "budget", "expected_leads", "expected_sales", "sales_low_95", "sales_high_95"]


# ---- charts ----

def by_colour(frame: pl.DataFrame, x: str, y: str, colour: str, kind: str = "bar", order: list | None = None,
              hover: dict[str, str] | None = None, names: dict | None = None, x_names: dict | None = None,
              y_format: str = "", colours: dict | None = None, orientation: str = "v") -> go.Figure:
    """One trace per value of `colour` (plain graph_objects: plotly.express costs a tenth of a second a chart).

    `names` and `x_names` show stored values in the reader's words (the legend, the categories); `hover` maps a
    column to its translated label for the hover text; `order` is the categories' order (stored values)."""
    names, x_names = names or {}, x_names or {}
    fig = go.Figure()
    groups = frame.sort(colour).group_by(colour, maintain_order=True)
    if colours:   # the legend in the order of the colours given
        rank = {v: i for i, v in enumerate(colours)}
        groups = sorted(groups, key=lambda g: rank.get(g[0][0], len(rank)))
    for (value,), part in groups:
        if order:
            part = part.with_columns(pl.col(x).replace_strict({v: i for i, v in enumerate(order)}, default=len(order),
                                                              return_dtype=pl.Int64).alias("_order")).sort("_order")
        else:
            part = part.sort(x)
        name = names.get(value, str(value))
        xs = [x_names.get(v, v) for v in part[x].to_list()]
        custom = part.select(list(hover)).rows() if hover else None
        lines = [f"{text}: %{{customdata[{i}]}}" for i, text in enumerate(hover.values())] if hover else []
        value_ref = "%{x" + y_format + "}" if orientation == "h" else "%{y" + y_format + "}"
        category_ref = "%{y}" if orientation == "h" else "%{x}"
        template = "<br>".join([name, f"{category_ref}: {value_ref}", *lines]) + "<extra></extra>"
        trace = dict(x=xs, y=part[y].to_list(), name=name, customdata=custom, hovertemplate=template)
        if orientation == "h":
            trace["x"], trace["y"] = trace["y"], trace["x"]
        if colours and value in colours:
            trace["marker_color"] = colours[value]
        if kind == "bar":
            fig.add_trace(go.Bar(orientation=orientation, **trace))
        else:
            # The total stands out from its parts.
            line = {"color": "black", "width": 3} if value == ALL else None
            fig.add_trace(go.Scatter(mode="lines+markers", line=line, **trace))
    if order:
        shown = [x_names.get(v, v) for v in order]
        if orientation == "h":
            fig.update_yaxes(categoryorder="array", categoryarray=shown, autorange="reversed")
        else:
            fig.update_xaxes(categoryorder="array", categoryarray=shown)
    return fig


def lift_chart(lifts: pl.DataFrame) -> go.Figure:
    """Cost against the margin the campaign added, coloured by the purchase verdict, with the break-even line.
    Each point carries its campaign number first (customdata[0]): a click drills into that campaign."""
    fig = go.Figure()
    hover = "<br>".join([
        "%{customdata[1]}", _("Cost: {value}").format(value="%{customdata[2]}"),
        _("Margin added: {value}").format(value="%{customdata[3]}"), "%{customdata[4]}",
    ]) + "<extra></extra>"
    for verdict in VERDICTS:
        part = lifts.filter((pl.col("purchase_verdict") == verdict) & pl.col("incremental_margin").is_not_null())
        if part.is_empty():
            continue
        verdict_text = _("Purchase lift: {verdict}").format(verdict=pgettext("verdict", verdict))
        custom = [
            (r["campaign_id"], label(r), fmt(r["cost_in_scope"], "money"),
             interval_text(r["incremental_margin"], r["incremental_margin_low"], r["incremental_margin_high"], "money"),
             verdict_text)
            for r in part.iter_rows(named=True)
        ]
        fig.add_scatter(
            x=part["cost_in_scope"].to_list(), y=part["incremental_margin"].to_list(), mode="markers",
            name=verdict_text, marker={"color": VERDICT_COLOURS[verdict], "size": 11},
            error_y={"type": "data", "symmetric": False, "color": VERDICT_COLOURS[verdict],
                     "array": (part["incremental_margin_high"] - part["incremental_margin"]).to_list(),
                     "arrayminus": (part["incremental_margin"] - part["incremental_margin_low"]).to_list()},
            customdata=custom, hovertemplate=hover,
        )
    top = float(lifts["cost_in_scope"].max() or 0)
    fig.add_scatter(x=[0, top], y=[0, top], mode="lines", name=_("Break-even (margin added = cost)"),
                    line={"dash": "dash", "color": charts.YARDSTICK}, hoverinfo="skip")
    fig.update_xaxes(title_text=_("Cost in scope (yuan)"))
    fig.update_yaxes(title_text=_("Gross margin the campaign added (yuan)"))
    charts.money_axis(fig, lifts["cost_in_scope"].to_list(), axis="x")
    charts.money_axis(fig, [*lifts["incremental_margin_low"].to_list(), *lifts["incremental_margin_high"].to_list(),
                            *lifts["cost_in_scope"].to_list()])
    # A short title: Plotly does not wrap one, and a phone cut the long one off; the reading goes in a caption.
    return charts.finish(fig, _("Cost against incremental margin"), height=480)


def rules_chart(attribution: pl.DataFrame) -> go.Figure:
    """Each campaign's ROI under each attribution rule, as horizontal bars (long names read on a phone)."""
    per_campaign = attribution.filter(pl.col("campaign_id").is_not_null())
    names = per_campaign.select("campaign_id", "campaign_name").unique()
    # The bare name where names are unique (room for the bars on a phone), else with the number.
    short = names["campaign_name"].is_unique().all() and names["campaign_name"].null_count() == 0
    shown = per_campaign.with_columns(
        pl.col("campaign_name").alias("campaign") if short else campaign_labels(per_campaign))
    order = shown.sort("end_on", "campaign_id")["campaign"].unique(maintain_order=True).to_list()
    fig = by_colour(
        shown, "campaign", "roi", "rule", order=order, orientation="h", y_format=":.0%",
        names={r: pgettext("rule", r) for r in RULES}, colours=RULE_COLOURS,
        hover={"count_sales": _("Sales"), "attributed_margin": _("Attributed gross margin")},
    )
    fig.update_layout(barmode="group")
    # Room right of the longest bar (and left of the most negative) for its label.
    values = [v for v in shown["roi"].to_list() if v is not None] or [0.0]
    span = max(values) - min(0.0, min(values))
    fig.update_xaxes(tickformat=".0%", title_text=_("ROI"),
                     range=[min(0.0, min(values)) - 0.2 * span, max(0.0, max(values)) + 0.25 * span])
    charts.bar_labels(fig, "%{x:.0%}")
    return charts.finish(fig, _("ROI by attribution rule"), height=max(360, 28 * len(RULES) * len(order) + 140))


def funnel_chart(row: dict, title: str, height: int) -> go.Figure:
    fig = go.Figure(go.Funnel(
        y=[pgettext("lead_step", step) for _c, step in STEPS], x=[row[c] for c, _s in STEPS],
        # Whole numbers with separators (Plotly's own read 12.933k), and the share of the step before.
        texttemplate="%{value:,}<br>%{percentPrevious:.0%}", marker={"color": charts.MAIN},
        hovertemplate="%{y}: %{x}<extra></extra>",
    ))
    return charts.finish(fig, title, height=height, legend=False)


def step_label(rate_column: str) -> str:
    return _(column(rate_column).label)



# ---- campaigns while they run (the "Running now" tab) ----

def running_sentence(running: pl.DataFrame) -> str:
    """The tab's answer: how many campaigns run, what they have spent of their budget while how much of their time
    has gone, and the responses so far."""
    spent, budget = float(running["cost_in_scope"].sum()), float(running["budget_in_scope"].sum())
    days_gone = float(running["days_elapsed"].sum()) / float(running["days_total"].sum())
    contacts, responses = int(running["count_treatment"].sum()), int(running["count_treatment_responders"].sum())
    head = ngettext("**{count} campaign is running on {day}**", "**{count} campaigns are running on {day}**",
                    running.height).format(count=formats.number(running.height), day=formats.day(running["read_on"][0]))
    return _("{head}: about {spent} spent of a {budget} budget ({spent_share}), with {days_share} of their days gone; "
             "{responses} responses from {contacts} customers contacted so far ({response_rate}).").format(
        head=head, spent=fmt(spent, "money"), budget=fmt(budget, "money"),
        spent_share=fmt(spent / budget if budget else None, "share"), days_share=fmt(days_gone, "share"),
        responses=formats.number(responses), contacts=formats.number(contacts),
        response_rate=fmt(responses / contacts if contacts else None, "share"))


def early_lift_sentence(lifts: pl.DataFrame) -> str:
    """The lift sentence of finished campaigns, marked as an early read."""
    return _("Early read (the window is still open): {sentence}").format(sentence=lift_sentence(lifts))


def running_table(running: pl.DataFrame) -> pl.DataFrame:
    """One row per running campaign: how far it has gone, spend to date against its budget, responses so far."""
    return running.with_columns(
        campaign_labels(running),
        days_text=pl.Series([_("{elapsed} of {total} days").format(elapsed=formats.number(e), total=formats.number(t))
                             for e, t in zip(running["days_elapsed"], running["days_total"])], dtype=pl.String),
        budget_spent_share=pl.col("cost_in_scope") / pl.col("budget_in_scope"),
        response_rate_to_date=pl.col("count_treatment_responders") / pl.col("count_treatment"),
    ).select(
        "campaign", "days_text", "cost_in_scope", "budget_in_scope", "budget_spent_share", "count_treatment",
        "count_treatment_responders", "response_rate_to_date", "count_leads", "count_sales",
        "campaign_type", "channel", "start_on", "end_on", "days_left", "elapsed_share", "planned_cost_in_scope",
        "count_control", "target_region", "campaign_id",
    ).sort("end_on", "campaign")


RUNNING_ANSWER = ["campaign", "days_text", "cost_in_scope", "budget_in_scope", "budget_spent_share",
                  "count_treatment", "count_treatment_responders", "response_rate_to_date"]


def spend_chart(running: pl.DataFrame) -> go.Figure:
    """Each running campaign's spend to date against its budget, with the share of its days gone: spending faster
    than time shows as a spend bar longer than the days-gone mark."""
    ordered = running.sort("end_on", "campaign_id", descending=True)
    names = campaign_labels(ordered).to_list()
    fig = go.Figure()
    fig.add_bar(y=names, x=ordered["budget_in_scope"].to_list(), orientation="h", name=_("Budget"),
                marker_color=charts.MUTED, hovertemplate="%{y}<br>" + _("Budget") + ": %{customdata}<extra></extra>",
                customdata=[fmt(v, "money") for v in ordered["budget_in_scope"]])
    fig.add_bar(y=names, x=ordered["cost_in_scope"].to_list(), orientation="h", name=_("Spent to date (estimated)"),
                marker_color=charts.MAIN, hovertemplate="%{y}<br>" + _("Spent to date (estimated)")
                + ": %{customdata}<extra></extra>", customdata=[fmt(v, "money") for v in ordered["cost_in_scope"]],
                text=[fmt(v, "money") for v in ordered["cost_in_scope"]], textposition="auto")
    pace = (ordered["budget_in_scope"] * ordered["elapsed_share"]).to_list()
    fig.add_scatter(y=names, x=pace, mode="markers", name=_("Budget x days gone"),
                    marker={"symbol": "line-ns-open", "size": 26, "line": {"width": 3}, "color": charts.YARDSTICK},
                    customdata=[fmt(v, "share") for v in ordered["elapsed_share"]],
                    hovertemplate="%{y}<br>" + _("Days gone: {share}").format(share="%{customdata}") + "<extra></extra>")
    fig.update_layout(barmode="overlay", bargap=0.35)
    charts.money_axis(fig, [*ordered["budget_in_scope"].to_list(), *ordered["cost_in_scope"].to_list()], axis="x")
    return charts.finish(fig, _("Spend to date against budget"), height=max(300, 70 * ordered.height + 170))
