"""Dealer scorecard: every dealer in scope against its region and the nation, ranked, small samples flagged; below
the ranking, attainment against target by region and month."""
import plotly.graph_objects as go
import polars as pl
import streamlit as st

from dashboard import (
    charts,
    columns,
    components,
    data,
    filter_bar,
    page,
    scorecard,
    tables,
    targets,
)
from dashboard.i18n import _
from dashboard.keys import shorten
from dashboard.metrics import fmt

filters, as_of = page.context()
st.title(_("Dealer scorecard"))
st.caption(filter_bar.describe(filters))

card = data.load("dealer_scorecard", filters)
dealer_rows = card.filter(pl.col("level") == "dealer")
if dealer_rows.is_empty():
    components.empty_state(_("No dealers in this scope."))
    st.stop()
# Attainment against target on every row (empty under a product, segment or channel filter: targets.FILTER_NOTE).
card = targets.with_attainment(card, data.load("target_attainment_dealers", filters))
comparable = targets.is_whole_business(filters)

metric = st.selectbox(
    _("Rank by"), list(scorecard.MEASURES), key="rank_by", bind="query-params",
    format_func={m: _(scorecard.measure(m).label) for m in scorecard.MEASURES}.get,
)
spec = scorecard.measure(metric)
ranked = scorecard.rank_dealers(card, metric)
marks = scorecard.yardsticks(card, metric)
sample_column, minimum = scorecard.MEASURES[metric]
not_comparable = metric in targets.ATTAINMENT and not comparable

national = marks.get("national")
# A person limited to part of the network compares with what they may see, never with the nation.
limited = data.current_access().is_limited
whole = _("all your dealers") if limited else _("national")
label = _(spec.label)
additive = metric in scorecard.ADDITIVE
regions_shown = _(", ").join(_("{whole}: {value}").format(whole=r, value=fmt(v, spec.unit))
                            for r, v in marks.items() if r != "national")
if limited:
    headline = (_("**{measure} per dealer across all your dealers: {value}**") if additive
                else _("**{measure} across all your dealers: {value}**"))
else:
    headline = _("**National {measure} per dealer: {value}**") if additive else _("**National {measure}: {value}**")
regions_line = _("regions per dealer: {regions}") if additive else _("regions: {regions}")
# Mid-sentence a name starts lower case ("National sales revenue"), an acronym stays ("National NPS").
in_sentence = label if label[:2].isupper() else label[:1].lower() + label[1:]
if not_comparable:
    components.empty_state(_(targets.FILTER_NOTE))
else:
    st.markdown(headline.format(measure=label if limited else in_sentence, value=fmt(national, spec.unit))
                + " · " + regions_line.format(regions=regions_shown))
if sample_column:
    small = ranked["is_small_sample"].sum()
    st.caption(_("Dealers with fewer than {minimum} in the sample ({sample}) are flagged and not ranked: {small} of "
                 "{count}.").format(minimum=minimum, sample=_(columns.column(sample_column).label),
                                   small=small, count=len(ranked)))
if not_comparable:
    pass    # the note above says why there is no ranking
elif ranked[metric].drop_nulls().is_empty():
    components.empty_state(_("No {measure} data for these dealers in this period.").format(measure=in_sentence))
else:
    shown = ranked.head(60)
    fig = go.Figure()
    fig.add_bar(
        # Short names on the axis (a long company name squeezed the bars to nothing on a phone); whole in the hover.
        y=[filter_bar.dealer_label(d, shorten(n, 12)) for n, d in zip(shown["dealer_name"], shown["dealer_id"])],
        x=shown[metric].to_list(), orientation="h",
        marker_color=[charts.MUTED if s else charts.MAIN for s in shown["is_small_sample"]],
        hovertext=[f"{n}<br>n={v}" for n, v in zip(shown["dealer_name"],
                                                    shown[sample_column] if sample_column else shown["units"])],
        name="",
    )
    if national is not None:
        # The yardstick's name sits above the plot, where no bar is (inside, it covered the first dealer's bar).
        fig.add_vline(x=national, line_dash="dash", line_color=charts.YARDSTICK,
                      annotation_text=(_("{whole} average: {value}") if additive else _("{whole}: {value}")).format(
                          whole=whole, value=fmt(national, spec.unit)),
                      annotation_position="top", annotation_yref="paper", annotation_y=1.0, annotation_yanchor="bottom")
    if metric in targets.ATTAINMENT:
        # 100% is the target itself, what every bar is read against first; named in the title (a label at the
        # line's foot sat on the axis's own 100%, one at its head on the national line's name).
        fig.add_vline(x=1.0, line_dash="dot", line_color=charts.YARDSTICK)
        title = _("{measure} by dealer (dotted line: the target, 100%)").format(measure=label)
    else:
        title = _("{measure} by dealer (grey: small sample, unranked)").format(measure=label)
    charts.finish(fig, title, height=max(320, 22 * len(shown) + 90), legend=False)
    fig.update_layout(yaxis={"autorange": "reversed"}, margin={"t": 90})
    if spec.unit == "money":
        charts.money_axis(fig, shown[metric].to_list(), axis="x")
    elif spec.unit == "share":
        fig.update_xaxes(tickformat=".0%")
    charts.show(fig, key="scorecard_chart")

answer = (["rank", "dealer_name", metric] + ([sample_column, "is_small_sample"] if sample_column else [])
          + list(targets.PARTS.get(metric, ())) + ["region_figure", "national_figure"])
table = ranked.with_columns(
    region_figure=pl.col("region").replace_strict(marks, default=None, return_dtype=pl.Float64),
    national_figure=pl.lit(national, dtype=pl.Float64),
).select(*answer, *(c for c in scorecard.DETAIL_COLUMNS if c not in answer))
tables.show(table, key="scorecard_table", answer=answer,
            labels={"region_figure": _("Region: {measure}").format(measure=label),
                    "national_figure": _("{whole}: {value}").format(whole=whole, value=label),
                    "is_small_sample": _("Small sample, unranked")},
            kinds={"region_figure": spec.unit, "national_figure": spec.unit})
components.rows_and_sql(card, "dealer_scorecard", _("Dealer scorecard"), filters, as_of, key="scorecard")

# Below the ranking rather than on the overview: judging regions and their dealers against their targets month by
# month is the scorecard's question, and a 12-month grid needs the width; the overview keeps the one-glance tiles.
st.subheader(_("Against target by region and month"))
if not comparable:
    components.empty_state(_(targets.FILTER_NOTE))
else:
    monthly = data.load("target_attainment_monthly", filters)
    if monthly.filter(pl.col("level") != "total").is_empty():
        components.empty_state(_("No targets in this period and scope."))
    else:
        measures = {m: _(targets.ATTAINMENT[m].label) for m in targets.ATTAINMENT}
        heat_measure = st.segmented_control(
            _("Measure"), list(measures), default="revenue_attainment", key="heat_measure", bind="query-params",
            format_func=measures.get, required=True) or "revenue_attainment"
        _level, heat_rows = targets.heat_rows(monthly)
        st.markdown("**" + targets.heat_sentence(heat_rows, heat_measure) + "**")
        charts.show(targets.heat_map(monthly, heat_measure), key="attainment_heat_map")
        note = targets.heat_map_note(monthly)
        if note:
            st.caption(note)
        st.caption(_("Each cell: the month's actual / the month's target (100% = on target; red behind, blue ahead). "
                     "Regions and the total are sums of their dealers, not averages of percentages. * A month only "
                     "partly inside the period: its target counts the period's days of it."))
        components.rows_and_sql(monthly, "target_attainment_monthly", _("Attainment by region and month"), filters,
                                as_of, key="attainment_monthly")
