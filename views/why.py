"""Why did it move: a KPI's change between the comparison period and the period, split across a dimension into the
mix and the change within each group (dashboard/movers.py), as a waterfall that drills from a region to its dealers,
with the contributors ranked."""
import polars as pl
import streamlit as st

from dashboard import charts, components, data, filter_bar, formats, page, tables
from dashboard import movers as mv
from dashboard.i18n import _, pgettext

filters, as_of = page.context()
comparison = filters.comparison()

st.title(_("Why did it move"))
st.caption(_("{filters} · compared with {start} to {end} ({compare})").format(
    filters=filter_bar.describe(filters), start=formats.day(comparison.start_on), end=formats.day(comparison.end_on),
    compare=pgettext("compare", filters.compare)))


def keep_dimension_valid() -> None:
    # A KPI that cannot be split by the chosen dimension (conversion by product) falls back to region.
    if st.session_state.get("why_dimension") not in mv.KPIS[st.session_state["why_kpi"]].dimensions:
        st.session_state["why_dimension"] = "region"


mv.accept_link("why_kpi", {k: m.label for k, m in mv.KPIS.items()})
mv.accept_link("why_dimension", mv.DIMENSIONS)
kpi_labels = {k: _(m.label) for k, m in mv.KPIS.items()}
dimension_labels = {d: _(label) for d, label in mv.DIMENSIONS.items()}
left, right = st.columns(2)
kpi = left.selectbox(_("KPI"), list(mv.KPIS), key="why_kpi", bind="query-params", format_func=kpi_labels.get,
                     on_change=keep_dimension_valid)
dimension = right.selectbox(_("Split by"), list(mv.DIMENSIONS), key="why_dimension", bind="query-params",
                            format_func=dimension_labels.get)
if dimension not in mv.KPIS[kpi].dimensions:
    components.empty_state(_(mv.NOT_SPLIT[(kpi, dimension)]))
    st.stop()

before_rows = data.load("kpi_parts_by_group", comparison, dimension=dimension)
after_rows = data.load("kpi_parts_by_group", filters, dimension=dimension)
frame = mv.from_parts(kpi, dimension, before_rows, after_rows)
before, after = mv.value(before_rows, kpi), mv.value(after_rows, kpi)

first, *rest = mv.headline(kpi, dimension, frame, before, after)
st.markdown("#### " + first)
if rest:
    st.markdown(" ".join(rest))
st.caption(_("Descriptive, not causal: this shows where the change sits, not what caused it."))
if frame.is_empty() or before is None or after is None:
    st.stop()

fig = mv.waterfall(kpi, dimension, frame, before, after)
# The chart's title above it as text: a Plotly title does not wrap, and a phone cut it off.
st.markdown("**" + _("{kpi}: from the comparison period to this one").format(kpi=kpi_labels[kpi]) + "**")
charts.finish(fig, height=60 + 40 * len(fig.data[0].y), legend=False)
drill = mv.drill_next(kpi, dimension)
groups = frame.filter(pl.col("group") != "")
names = dict(zip(groups["group"].to_list(), groups["name"].to_list()))


def drill_to(group: str | None) -> None:
    if drill and group in names:
        filter_bar.drill_to(drill[0], group)
        st.session_state["why_dimension"] = drill[1]


def drill_from_chart() -> None:
    points = st.session_state["why_waterfall"].selection.points
    if points:
        drill_to(points[0].get("customdata"))


def drill_from_choice() -> None:
    drill_to(st.session_state["why_drill"])
    st.session_state["why_drill"] = None


if drill:
    charts.show(fig, key="why_waterfall", on_select=drill_from_chart, selection_mode="points")
else:
    charts.show(fig, key="why_waterfall")
st.caption(mv.chart_note(kpi, dimension))
if drill:
    st.selectbox(_("Look inside a {group} (split by {next})").format(group=dimension_labels[dimension],
                                                                     next=dimension_labels[drill[1]]),
                 list(names), index=None, key="why_drill", format_func=names.get, on_change=drill_from_choice,
                 placeholder=_("Choose a {group}").format(group=dimension_labels[dimension]))

st.subheader(_("Top contributors"))
shown, labels, kinds, answer = mv.table_view(kpi, dimension, frame)
tables.show(shown, key="why_table", answer=answer, labels=labels, kinds=kinds)
components.rows_and_sql(
    pl.concat([before_rows.select(pl.lit("comparison").alias("period"), pl.all()),
               after_rows.select(pl.lit("current").alias("period"), pl.all())]).filter(pl.col("kpi") == kpi),
    mv.DATASET, _("Why did it move"), filters, as_of, key="why_rows")
with st.expander(_("How this is worked out")):
    st.markdown(_(mv.METHOD))
