"""Dealer scorecard: every dealer in scope against its region and the nation, ranked, small samples flagged."""
import plotly.graph_objects as go
import polars as pl
import streamlit as st

from dashboard import components, data, page, scorecard
from dashboard.i18n import _
from dashboard.metrics import METRICS, format_metric

filters, as_of = page.context()
st.title(_("Dealer scorecard"))
st.caption(filters.describe())

card = data.load("dealer_scorecard", filters)
dealer_rows = card.filter(pl.col("level") == "dealer")
if dealer_rows.is_empty():
    components.empty_state(_("No dealers in this scope."))
    st.stop()

metric = st.selectbox(
    _("Rank by"), list(scorecard.MEASURES), key="rank_by", bind="query-params",
    format_func={m: _(METRICS[m].label) if m in METRICS else m for m in scorecard.MEASURES}.get,
)
ranked = scorecard.rank_dealers(card, metric)
marks = scorecard.yardsticks(card, metric)
sample_column, minimum = scorecard.MEASURES[metric]

national = marks.get("national")
# A person limited to part of the network compares with what they may see, never with the nation.
limited = data.current_access().is_limited
whole = _("all your dealers") if limited else _("national")
label = _(METRICS[metric].label)
additive = metric in scorecard.ADDITIVE
regions_shown = ", ".join(f"{r}: {format_metric(metric, v)}" for r, v in marks.items() if r != "national")
if limited:
    headline = (_("**{measure} per dealer across all your dealers: {value}**") if additive
                else _("**{measure} across all your dealers: {value}**"))
else:
    headline = _("**National {measure} per dealer: {value}**") if additive else _("**National {measure}: {value}**")
regions_line = _("regions per dealer: {regions}") if additive else _("regions: {regions}")
# Mid-sentence a name starts lower case ("National sales revenue"), an acronym stays ("National NPS").
in_sentence = label if label[:2].isupper() else label[:1].lower() + label[1:]
st.markdown(headline.format(measure=label if limited else in_sentence, value=format_metric(metric, national))
            + " · " + regions_line.format(regions=regions_shown))
if sample_column:
    small = ranked["is_small_sample"].sum()
    st.caption(_("Dealers with fewer than {minimum} in the sample ({sample}) are flagged and not ranked: {small} of "
                 "{count}.").format(minimum=minimum, sample=sample_column.replace("count_", "").replace("_", " "),
                                   small=small, count=len(ranked)))
if ranked[metric].drop_nulls().is_empty():
    components.empty_state(_("No {measure} data for these dealers in this period.").format(measure=in_sentence))
else:
    shown = ranked.head(60)
    fig = go.Figure()
    fig.add_bar(
        y=[f"{n} (#{d})" for n, d in zip(shown["dealer_name"], shown["dealer_id"])],
        x=shown[metric].to_list(), orientation="h",
        marker_color=["#c9c9c9" if s else "#1f77b4" for s in shown["is_small_sample"]],
        hovertext=[f"n={v}" for v in (shown[sample_column] if sample_column else shown["units"])], name="dealer",
    )
    if national is not None:
        fig.add_vline(x=national, line_dash="dash",
                      annotation_text=(_("{whole} average") if additive else "{whole}").format(whole=whole))
    fig.update_layout(height=max(300, 18 * len(shown)), yaxis={"autorange": "reversed"},
                      title=_("{measure} by dealer (grey: small sample, unranked)").format(measure=label))
    st.plotly_chart(fig, key="scorecard_chart")

columns = ["rank", "dealer_name", "dealer_id", "region", "province", "units", "sales_revenue", "service_retention",
           "count_retention_cohort", "nps", "count_nps_responses", "complaints_per_100_customers", "count_customers",
           "sla_compliance", "count_sla_complaints", "lead_conversion", "count_leads_closed", "is_small_sample"]
table = ranked.select(columns).with_columns(
    region_figure=pl.col("region").replace_strict(marks, default=None, return_dtype=pl.Float64),
    national_figure=pl.lit(national, dtype=pl.Float64),
)
st.dataframe(
    table, hide_index=True, width="stretch",
    column_config={
        "service_retention": st.column_config.NumberColumn(format="percent"),
        "sla_compliance": st.column_config.NumberColumn(format="percent"),
        "lead_conversion": st.column_config.NumberColumn(format="percent"),
        "nps": st.column_config.NumberColumn(format="%.1f"),
        "complaints_per_100_customers": st.column_config.NumberColumn(format="%.2f"),
        "sales_revenue": st.column_config.NumberColumn(format="compact"),
        "region_figure": st.column_config.NumberColumn(_("region: {measure}").format(measure=label), format="%.3f"),
        "national_figure": st.column_config.NumberColumn(f"{whole}: {label}", format="%.3f"),
    },
)
components.rows_and_sql(card, "dealer_scorecard", _("Dealer scorecard"), filters, as_of, key="scorecard")
