"""Dealer scorecard: every dealer in scope against its region and the nation, ranked, small samples flagged."""
import plotly.graph_objects as go
import polars as pl
import streamlit as st

from dashboard import components, data, page, scorecard
from dashboard.metrics import METRICS, format_metric

filters, as_of = page.context()
st.title("Dealer scorecard")
st.caption(filters.describe())

card = data.load("dealer_scorecard", filters)
dealer_rows = card.filter(pl.col("level") == "dealer")
if dealer_rows.is_empty():
    components.empty_state("No dealers in this scope.")
    st.stop()

metric = st.selectbox(
    "Rank by", list(scorecard.MEASURES), key="rank_by", bind="query-params",
    format_func=lambda m: METRICS[m].label if m in METRICS else m,
)
ranked = scorecard.rank_dealers(card, metric)
marks = scorecard.yardsticks(card, metric)
sample_column, minimum = scorecard.MEASURES[metric]

national = marks.get("national")
# A person limited to part of the network compares with what they may see, never with the nation.
whole = "all your dealers" if data.current_access().is_limited else "national"
regions_shown = ", ".join(f"{r}: {format_metric(metric, v)}" for r, v in marks.items() if r != "national")
per_dealer = " per dealer" if metric in scorecard.ADDITIVE else ""
st.markdown(
    (f"**National {METRICS[metric].label.lower()}{per_dealer}: {format_metric(metric, national)}** · "
     if whole == "national" else
     f"**{METRICS[metric].label}{per_dealer} across all your dealers: {format_metric(metric, national)}** · ")
    + f"regions{per_dealer}: {regions_shown}"
)
if sample_column:
    small = ranked["is_small_sample"].sum()
    st.caption(
        f"Dealers with fewer than {minimum} in the sample ({sample_column.replace('count_', '').replace('_', ' ')}) "
        f"are flagged and not ranked: {small} of {len(ranked)}."
    )
if ranked[metric].drop_nulls().is_empty():
    components.empty_state(f"No {METRICS[metric].label.lower()} data for these dealers in this period.")
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
        fig.add_vline(x=national, line_dash="dash", annotation_text=whole + (" average" if per_dealer else ""))
    fig.update_layout(height=max(300, 18 * len(shown)), yaxis={"autorange": "reversed"},
                      title=f"{METRICS[metric].label} by dealer (grey: small sample, unranked)")
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
        "region_figure": st.column_config.NumberColumn(f"region {metric}{per_dealer}", format="%.3f"),
        "national_figure": st.column_config.NumberColumn(f"{whole} {metric}{per_dealer}", format="%.3f"),
    },
)
components.rows_and_sql(card, "dealer_scorecard", "Dealer scorecard", filters, as_of, key="scorecard")
