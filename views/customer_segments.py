"""Customer segments and value: RFM segments, value tiers, cohorts, churn risk, segment migration and lifetime
value, under the global filters. Each tab runs only when it is open; every segment exports as a customer list."""
import plotly.graph_objects as go
import polars as pl
import streamlit as st

from dashboard import components, customer_value, data, export, page
from dashboard.metrics import ACTIVITY_STATUSES, METRICS, NOT_ACTIVE, RFM_SEGMENTS, fmt, format_metric

filters, as_of = page.context()
comparison = filters.comparison()
first_on = data.mart_info()["first_sale_on"][0] or as_of
LIST_ROWS = 100  # rows of a customer list shown on the page; the downloads carry all of them
CUSTOMER_PAGE = "views/customer_360.py"

st.title("Customer segments and value")
st.caption(f"{filters.describe()} · RFM over the period, recency at its end ({filters.end_on:%Y-%m-%d})")


def open_customer(key: str) -> None:
    """A customer picked in a list: remember it and clear the box, so coming back does not open it again."""
    st.session_state["_open_customer"] = st.session_state[key]
    st.session_state[key] = None


def customer_picker(ids: list[int], key: str, label: str = "Open a customer in Customer 360") -> None:
    st.selectbox(label, ids, index=None, key=key, placeholder="Choose a customer id", on_change=open_customer, args=(key,))


def download_list(df: pl.DataFrame, title: str, key: str) -> None:
    left, right = st.columns(2)
    text = filters.describe()
    left.download_button("Download the list (CSV)", lambda: export.to_csv(df, title, text, as_of),
                         file_name=f"{components.slug(title)}.csv", mime="text/csv", key=f"csv_{key}", on_click="ignore")
    right.download_button("Download the list (Excel)", lambda: export.to_excel(df, title, text, as_of),
                          file_name=f"{components.slug(title)}.xlsx", key=f"xlsx_{key}", on_click="ignore",
                          mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def customer_list(segment: str | None, tier: str | None, key: str) -> None:
    customers = data.load("segment_customers", filters, segment=segment, tier=tier)
    title = "Customer list: " + " and ".join(p for p in (segment, tier and f"tier {tier}") if p)
    if customers.is_empty():
        components.empty_state("No customers in this group for these filters.")
        return
    st.markdown(f"**{title}**: {len(customers):,} customers, largest revenue first"
                + (f" (the first {LIST_ROWS} shown; the downloads hold all)" if len(customers) > LIST_ROWS else ""))
    st.dataframe(customers.head(LIST_ROWS), hide_index=True, width="stretch", key=f"table_{key}",
                 column_config={"monetary": st.column_config.NumberColumn("revenue", format="localized")})
    download_list(customers, title, key)
    customer_picker(customers.head(LIST_ROWS)["customer_id"].to_list(), key=f"open_{key}")


tabs = st.tabs(["RFM segments", "Value tiers", "Cohorts", "Churn risk", "Migration", "Lifetime value"],
               key="segments_tab", bind="query-params")
rfm_tab, tier_tab, cohort_tab, churn_tab, migration_tab, clv_tab = tabs

if rfm_tab.open:
    with rfm_tab:
        segments = data.load("rfm_segments", filters)
        scored = int(segments["count_customers"].sum())
        if scored == 0:
            components.empty_state("No customer in scope had a sale or service visit in this period: widen the filters.")
        else:
            segments = segments.with_columns(order=pl.col("segment").replace_strict(
                {s: i for i, s in enumerate(RFM_SEGMENTS)}, default=99, return_dtype=pl.Int64)).sort("order").drop("order")
            top = segments.filter(pl.col("segment") == "champions").row(0, named=True)
            cols = st.columns(4)
            cols[0].metric(METRICS["rfm_customers"].label, format_metric("rfm_customers", scored), help=METRICS["rfm_customers"].definition, border=True)
            cols[1].metric("Champions: share of customers", format_metric("customer_share", top["customer_share"]), border=True)
            cols[2].metric("Champions: share of revenue", format_metric("revenue_share", top["revenue_share"]), border=True)
            cols[3].metric("Champions: average value", format_metric("avg_customer_revenue", top["avg_customer_revenue"]), border=True)

            left, right = st.columns(2)
            with left:
                fig = go.Figure([
                    go.Bar(x=segments["segment"].to_list(), y=segments["customer_share"].to_list(), name="share of customers"),
                    go.Bar(x=segments["segment"].to_list(), y=segments["revenue_share"].to_list(), name="share of revenue"),
                ])
                fig.update_layout(title="Each segment's share of customers and of revenue", barmode="group",
                                  yaxis={"tickformat": ".0%"})
                st.plotly_chart(fig, key="rfm_segment_chart")
                components.rows_and_sql(segments, "rfm_segments", "RFM segments", filters, as_of, key="rfm_segments")
            with right:
                grid = data.load("rfm_grid", filters)
                cells = grid.sort(["r_score", "f_score"])
                z = [[None] * 5 for _ in range(5)]
                text = [[""] * 5 for _ in range(5)]
                for row in cells.iter_rows(named=True):
                    z[row["r_score"] - 1][row["f_score"] - 1] = row["count_customers"]
                    text[row["r_score"] - 1][row["f_score"] - 1] = f"{row['segment']}<br>{row['count_customers']:,}"
                fig = go.Figure(go.Heatmap(
                    z=z, x=[1, 2, 3, 4, 5], y=[1, 2, 3, 4, 5], text=text, texttemplate="%{text}", colorscale="Blues",
                    hovertemplate="R %{y} · F %{x}<br>%{text}<extra></extra>", colorbar={"title": {"text": "customers"}},
                ))
                fig.update_layout(title="Recency x frequency: customers per score cell",
                                  xaxis={"title": {"text": "frequency score (5 = most frequent)"}, "dtick": 1},
                                  yaxis={"title": {"text": "recency score (5 = most recent)"}, "dtick": 1})
                st.plotly_chart(fig, key="rfm_heatmap")
                st.caption("Scores are quintiles; tied customers share a score, so a score no tied group starts in stays empty.")
                components.rows_and_sql(grid, "rfm_grid", "RFM grid", filters, as_of, key="rfm_grid")

            st.subheader("Segments")
            table = segments.with_columns(meaning=pl.col("segment").replace_strict(RFM_SEGMENTS, default=""))
            st.dataframe(table, hide_index=True, width="stretch", key="rfm_segment_table", column_config={
                "customer_share": st.column_config.NumberColumn(format="percent"),
                "revenue_share": st.column_config.NumberColumn(format="percent"),
                "revenue": st.column_config.NumberColumn(format="localized"),
                "avg_customer_revenue": st.column_config.NumberColumn("average value", format="localized"),
                "avg_recency_days": st.column_config.NumberColumn(format="%.0f"),
                "avg_frequency": st.column_config.NumberColumn(format="%.1f"),
            })

            st.subheader("Export a segment as a campaign list")
            a, b = st.columns(2)
            segment = a.selectbox("RFM segment", list(RFM_SEGMENTS), key="list_segment", bind="query-params")
            tier = b.selectbox("Value tier", ["A", "B", "C"], index=None, key="list_tier", placeholder="Any tier", bind="query-params")
            customer_list(segment, tier, key="segment_list")

if tier_tab.open:
    with tier_tab:
        tiers = data.load("value_tiers", filters)
        if tiers["count_customers"].sum() == 0:
            components.empty_state("No customer in scope had a sale or service visit in this period: widen the filters.")
        else:
            a_row = tiers.filter(pl.col("tier") == "A").row(0, named=True)
            cols = st.columns(3)
            cols[0].metric(METRICS["tier_a_customer_share"].label, format_metric("tier_a_customer_share", a_row["customer_share"]),
                           help=METRICS["tier_a_customer_share"].definition, border=True)
            cols[1].metric("Tier A customers", f"{a_row['count_customers']:,}", border=True)
            cols[2].metric("Tier A: average value", format_metric("avg_customer_revenue", a_row["avg_customer_revenue"]), border=True)
            left, right = st.columns(2)
            with left:
                pareto = data.load("value_pareto", filters)
                fig = go.Figure(go.Scatter(x=pareto["customer_share"].to_list(), y=pareto["revenue_share"].to_list(),
                                           mode="lines", name="Pareto curve"))
                fig.update_layout(title="Pareto curve: customers, largest first, vs revenue",
                                  xaxis_title="share of customers", yaxis_title="share of revenue")
                fig.add_hline(y=0.8, line_dash="dash", annotation_text="80% of revenue")
                fig.add_vline(x=a_row["customer_share"], line_dash="dot",
                              annotation_text=f"{format_metric('customer_share', a_row['customer_share'])} of customers")
                fig.update_xaxes(tickformat=".0%")
                fig.update_yaxes(tickformat=".0%")
                st.plotly_chart(fig, key="pareto_chart")
                components.rows_and_sql(pareto, "value_pareto", "Pareto curve", filters, as_of, key="pareto")
            with right:
                fig = go.Figure([
                    go.Bar(x=tiers["tier"].to_list(), y=tiers["customer_share"].to_list(), name="share of customers"),
                    go.Bar(x=tiers["tier"].to_list(), y=tiers["revenue_share"].to_list(), name="share of revenue"),
                ])
                fig.update_layout(title="Value tiers: share of customers and of revenue", barmode="group", yaxis={"tickformat": ".0%"})
                st.plotly_chart(fig, key="tier_chart")
                components.rows_and_sql(tiers, "value_tiers", "Value tiers", filters, as_of, key="tiers")
            st.caption("A: the customers who together make the first 80% of the period's revenue (largest first); "
                       "B: the next 15%; C: the rest.")
            st.subheader("Export a tier as a customer list")
            tier = st.selectbox("Tier", ["A", "B", "C"], key="tier_list", bind="query-params")
            customer_list(None, tier, key="tier_list")

if cohort_tab.open:
    with cohort_tab:
        grain = st.segmented_control("Cohorts by", ["month", "quarter"], default="month", key="cohort_grain",
                                     bind="query-params", required=True)
        cohorts = data.load("cohort_retention", filters, grain=grain)
        if cohorts.is_empty():
            components.empty_state("No customer in scope made a first purchase in this period.")
        else:
            fmt_period = "%Y-%m" if grain == "month" else "%Y-%m (quarter)"
            sizes = cohorts.group_by("cohort_on").agg(pl.col("count_cohort").first(), pl.col("is_partial_cohort").first()).sort("cohort_on")
            labels = {r["cohort_on"]: f"{r['cohort_on']:{fmt_period}} (n={r['count_cohort']:,}){' *' if r['is_partial_cohort'] else ''}"
                      for r in sizes.iter_rows(named=True)}
            later = cohorts.filter(pl.col("periods_since") > 0)
            if later.is_empty():
                components.empty_state(f"The period holds a single {grain}: widen it to see later activity.")
            else:
                width = int(later["periods_since"].max())
                rows = sizes["cohort_on"].to_list()
                z = [[None] * width for _ in rows]
                for r in later.iter_rows(named=True):
                    z[rows.index(r["cohort_on"])][r["periods_since"] - 1] = r["share_active"]
                fig = go.Figure(go.Heatmap(
                    z=z, x=list(range(1, width + 1)), y=[labels[c] for c in rows], colorscale="Greens",
                    texttemplate="%{z:.0%}", hovertemplate="%{y}<br>%{x} " + grain + "(s) later: %{z:.1%} active<extra></extra>",
                    colorbar={"title": {"text": "active"}, "tickformat": ".0%"},
                ))
                fig.update_layout(title=f"Share of each cohort active (a sale or service visit) in each later {grain}",
                                  xaxis={"title": {"text": f"{grain}s since first purchase"}, "dtick": 1}, yaxis={"autorange": "reversed"},
                                  height=max(320, 28 * len(rows) + 120))
                st.plotly_chart(fig, key="cohort_heatmap")
            st.caption("Cohort: customers whose first sale or service visit falls in the period. The last column can be a "
                       "partial period (is_partial); * marks a quarter the period starts inside (only its later members).")
            components.rows_and_sql(cohorts, "cohort_retention", f"Cohort retention by {grain}", filters, as_of, key="cohorts")

if churn_tab.open:
    with churn_tab:
        status = data.load("churn_status", filters)
        if status["count_customers"].sum() == 0:
            components.empty_state("No customer in scope has a sale or service visit by the period's end.")
        else:
            by_status = {r["status"]: r for r in status.iter_rows(named=True)}
            cols = st.columns(3)
            for col, name in zip(cols, ["active", "at risk", "lapsed"]):
                r = by_status[name]
                col.metric(f"{name.capitalize()} customers", f"{r['count_customers']:,}",
                           delta=f"{format_metric('customer_share', r['customer_share'])} of customers", delta_color="off", delta_arrow="off",
                           help=ACTIVITY_STATUSES[name], border=True)
            st.caption(f"Revenue to date of the customers at risk: {fmt(by_status['at risk']['lifetime_revenue'], 'money')}.")
            components.rows_and_sql(status, "churn_status", "Activity status", filters, as_of, key="churn_status")

            drivers = data.load("churn_drivers", filters)
            st.subheader("Complaints, survey scores and lapsing")
            if drivers.is_empty():
                components.empty_state("No customer in scope started 18 months or more before the period's end.")
            else:
                chart = drivers.with_columns(
                    plus=pl.col("lapse_rate_high") - pl.col("lapse_rate"), minus=pl.col("lapse_rate") - pl.col("lapse_rate_low"),
                    label=pl.col("customer_group") + " (n=" + pl.col("count_customers").cast(pl.String) + ")",
                )
                top = max(chart["lapse_rate_high"].max() or 0, 0.05)
                for col, driver in zip(st.columns(2), ["complaints", "survey score"]):
                    part = chart.filter(pl.col("driver") == driver)
                    fig = go.Figure(go.Bar(
                        x=part["lapse_rate"].to_list(), y=part["label"].to_list(), orientation="h",
                        error_x={"type": "data", "array": part["plus"].to_list(), "arrayminus": part["minus"].to_list()},
                    ))
                    fig.update_layout(title=f"Lapse rate (95% interval) by {driver}", height=300,
                                      xaxis={"tickformat": ".0%", "range": [0, 1.1 * top]})
                    col.plotly_chart(fig, key=f"churn_drivers_{components.slug(driver)}")
                st.caption(f"{METRICS['lapse_rate'].definition} An association, not a cause: customers who transact more "
                           "also have more occasions to complain and to be surveyed.")
                components.rows_and_sql(drivers, "churn_drivers", "Lapse rate by complaints and survey score", filters, as_of, key="churn_drivers")

            st.subheader("At-risk customers to win back")
            at_risk = data.load("churn_at_risk_customers", filters)
            if at_risk.is_empty():
                components.empty_state("No customer in scope is at risk at the period's end.")
            else:
                st.dataframe(at_risk.head(LIST_ROWS), hide_index=True, width="stretch", key="at_risk_table",
                             column_config={"lifetime_revenue": st.column_config.NumberColumn(format="localized")})
                components.rows_and_sql(at_risk, "churn_at_risk_customers", "At-risk customers", filters, as_of, key="at_risk")
                customer_picker(at_risk.head(LIST_ROWS)["customer_id"].to_list(), key="open_at_risk")

if migration_tab.open:
    with migration_tab:
        moves = data.load("segment_migration", filters, compare_start_on=comparison.start_on, compare_end_on=comparison.end_on)
        st.caption(f"From {comparison.start_on:%Y-%m-%d} – {comparison.end_on:%Y-%m-%d} ({filters.compare}) "
                   f"to {filters.start_on:%Y-%m-%d} – {filters.end_on:%Y-%m-%d}; each period scored on its own.")
        if moves.is_empty():
            components.empty_state("No customer in scope had a sale or service visit in either period.")
        else:
            names = [*RFM_SEGMENTS, NOT_ACTIVE]
            sources = [n for n in names if n in moves["from_segment"].to_list()]
            targets = [n for n in names if n in moves["to_segment"].to_list()]
            index_from = {n: i for i, n in enumerate(sources)}
            index_to = {n: len(sources) + i for i, n in enumerate(targets)}
            fig = go.Figure(go.Sankey(
                node={"label": [f"{n} (before)" for n in sources] + [f"{n} (now)" for n in targets], "pad": 12},
                link={"source": [index_from[s] for s in moves["from_segment"]], "target": [index_to[t] for t in moves["to_segment"]],
                      "value": moves["count_customers"].to_list()},
            ))
            fig.update_layout(title="How customers moved between segments", height=560)
            st.plotly_chart(fig, key="migration_sankey")
            matrix = moves.pivot(on="to_segment", index="from_segment", values="share_of_from")
            z = [[(matrix.filter(pl.col("from_segment") == s)[t][0] if t in matrix.columns else None) for t in targets] for s in sources]
            fig = go.Figure(go.Heatmap(z=z, x=targets, y=sources, colorscale="Purples", texttemplate="%{z:.0%}",
                                       hovertemplate="%{y} → %{x}: %{z:.1%}<extra></extra>", colorbar={"tickformat": ".0%"}))
            fig.update_layout(title="Transition matrix: share of each earlier segment by segment now",
                              xaxis_title="now", yaxis_title="before", yaxis={"autorange": "reversed"})
            st.plotly_chart(fig, key="migration_matrix")
            components.rows_and_sql(moves, "segment_migration", "Segment migration", filters, as_of, key="migration")

if clv_tab.open:
    with clv_tab:
        value = customer_value.customer_value(filters, first_on)
        if value.bgnbd is None:
            components.empty_state(value.message or "No model could be fitted for these filters.")
        else:
            summary = value.summary()
            cols = st.columns(4)
            cols[0].metric("Customers valued", f"{summary['count_customers']:,}", border=True)
            cols[1].metric(METRICS["clv_total"].label, format_metric("clv_total", summary["clv_total"]), help=METRICS["clv_total"].definition, border=True)
            cols[2].metric(f"{METRICS['clv'].label} (mean)", format_metric("clv", summary["clv_mean"]), help=METRICS["clv"].definition, border=True)
            cols[3].metric(METRICS["holdout_error"].label, format_metric("holdout_error", summary["holdout_error"]),
                           help=METRICS["holdout_error"].definition, border=True)

            left, right = st.columns(2)
            with left:
                st.markdown("**Fitted parameters** (maximum likelihood; time in weeks)")
                g = value.gamma_gamma
                params = pl.DataFrame({
                    "model": ["BG/NBD"] * 4 + ["Gamma-Gamma"] * 3,
                    "parameter": ["r", "alpha", "a", "b", "p", "q", "gamma"],
                    "value": [value.bgnbd.r, value.bgnbd.alpha, value.bgnbd.a, value.bgnbd.b,
                              *( [g.p, g.q, g.gamma] if g else [None] * 3)],
                    "meaning": ["shape of purchase rates across customers", "scale of purchase rates (weeks)",
                                "dropout probability: Beta a", "dropout probability: Beta b",
                                "shape of a customer's purchase values", "shape of spend across customers", "scale of spend across customers"],
                })
                st.dataframe(params, hide_index=True, width="stretch", key="clv_params",
                             column_config={"value": st.column_config.NumberColumn(format="%.4g")})
                dropout = value.bgnbd.a / (value.bgnbd.a + value.bgnbd.b)
                st.caption(
                    f"Mean purchase rate {value.bgnbd.r / value.bgnbd.alpha:.3f} per week; mean dropout chance after a purchase "
                    f"{dropout:.1%}. Log-likelihood {value.bgnbd.log_likelihood:,.0f} (BG/NBD, {value.bgnbd.count_customers:,} customers)"
                    + (f", {g.log_likelihood:,.0f} (Gamma-Gamma, {g.count_customers:,} repeat buyers)." if g else ".")
                )
                if value.spend_frequency_correlation is not None:
                    st.caption(f"Gamma-Gamma assumes spend does not depend on frequency: their correlation among repeat buyers is "
                               f"{value.spend_frequency_correlation:+.2f}.")
                if value.value_fallback is not None:
                    st.warning(f"The fitted spend distribution has q ≤ 1 (no finite mean: a long tail of very large spenders). "
                               f"Customers without a repeat purchase are valued at the mean repeat purchase, "
                               f"{fmt(value.value_fallback, 'money')}.", icon="⚠️")
            with right:
                if value.holdout.is_empty():
                    components.empty_state(value.message or "No holdout check for these filters.")
                else:
                    groups = value.holdout["count_repeat_group"].to_list()
                    fig = go.Figure([
                        go.Bar(x=groups, y=value.holdout["actual_mean"].to_list(), name="actual"),
                        go.Bar(x=groups, y=value.holdout["predicted_mean"].to_list(), name="predicted"),
                    ])
                    fig.update_layout(title=f"Holdout check: repeat purchases per customer in the last {value.holdout_weeks:.0f} weeks",
                                      barmode="group", xaxis={"title": {"text": "repeat purchases before the holdout"},
                                                              "type": "category"})  # "7+" is a group, not a number
                    st.plotly_chart(fig, key="clv_holdout_chart")
                    st.caption(
                        f"A model fitted on the history up to {value.calibration_end_on:%Y-%m-%d} predicted "
                        f"{summary['holdout_predicted_total']:,.0f} repeat purchases in the {value.holdout_weeks:.0f} weeks after it; "
                        f"the customers made {summary['holdout_actual_total']:,.0f}."
                    )
                    components.rows_and_sql(value.holdout, "clv_customers", "CLV holdout check", filters, as_of, key="clv_holdout")

            left, right = st.columns(2)
            with left:
                fig = go.Figure(go.Bar(
                    x=value.by_segment["segment"].to_list(), y=value.by_segment["clv_total"].to_list(),
                    customdata=value.by_segment.select("count_customers", "clv_mean").rows(),
                    hovertemplate="%{x}: ¥%{y:,.0f}<br>%{customdata[0]:,} customers, ¥%{customdata[1]:,.0f} each<extra></extra>",
                ))
                fig.update_layout(title="Expected 12-month value by RFM segment", yaxis_title="CNY")
                st.plotly_chart(fig, key="clv_segment_chart")
                components.rows_and_sql(value.by_segment, "clv_customers", "Expected value by segment", filters, as_of, key="clv_segments")
            with right:
                fig = go.Figure(go.Bar(x=value.deciles["decile"].to_list(), y=value.deciles["clv_share"].to_list()))
                fig.update_layout(title="Share of expected value by tenth of customers (1 = most valuable)",
                                  xaxis={"title": {"text": "tenth of customers"}, "dtick": 1}, yaxis={"tickformat": ".0%"})
                st.plotly_chart(fig, key="clv_decile_chart")
                components.rows_and_sql(value.deciles, "clv_customers", "Expected value by decile", filters, as_of, key="clv_deciles")
            st.subheader("Most valuable customers over the next 12 months")
            st.dataframe(value.top, hide_index=True, width="stretch", key="clv_top_table", column_config={
                "clv": st.column_config.NumberColumn("expected 12-month value", format="localized"),
                "expected_value": st.column_config.NumberColumn("expected value of a purchase", format="localized"),
                "p_alive": st.column_config.NumberColumn(format="percent"),
                "expected_transactions": st.column_config.NumberColumn(format="%.2f"),
            })
            download_list(value.top, "Most valuable customers", key="clv_top")
            customer_picker(value.top["customer_id"].to_list(), key="open_clv")

# A customer picked in any list above: open their history. The filters are bound widgets of the frame, so they
# follow into the link by themselves (setting them here too is refused).
if (customer_id := st.session_state.pop("_open_customer", None)) is not None:
    st.switch_page(CUSTOMER_PAGE, query_params={"customer_id": str(customer_id)})
