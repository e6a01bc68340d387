"""Data quality: rows and freshness per table, empty key columns, unlinked rows, the last loads and their rejects."""
import polars as pl
import streamlit as st

from dashboard import components, data, page

_, as_of = page.context()
st.title("Data quality")
st.caption("Describes the whole mart as built; the filters do not apply here.")

info = data.mart_info().row(0, named=True)
st.markdown(
    f"Built {info['built_at']:%Y-%m-%d %H:%M} from **{info['source']}**"
    + (f" (scale {info['scale']}, seed {info['seed']})" if info["scale"] else "")
    + f" · data as of **{info['as_of_on']:%Y-%m-%d}**"
)

st.subheader("Tables: rows and freshness")
tables = data.load("dq_tables").with_columns(
    days_behind=(pl.lit(as_of) - pl.col("latest_on")).dt.total_days(),
)
st.dataframe(tables, hide_index=True, width="stretch",
             column_config={"latest_on": st.column_config.DateColumn("latest date", format="YYYY-MM-DD")})
empty = tables.filter(pl.col("count_rows") == 0)["table_name"].to_list()
if empty:
    st.warning(f"Empty tables: {', '.join(empty)}. Pages that need them say so where they would show them.")
components.rows_and_sql(tables, "dq_tables", "Tables", None, as_of, key="dq_tables")

st.subheader("Empty key and linking columns")
nulls = data.load("dq_nulls").with_columns(
    null_rate=pl.when(pl.col("count_rows") > 0).then(pl.col("count_null") / pl.col("count_rows"))
)
st.dataframe(nulls, hide_index=True, width="stretch",
             column_config={"null_rate": st.column_config.NumberColumn(format="percent")})
components.rows_and_sql(nulls, "dq_nulls", "Empty columns", None, as_of, key="dq_nulls")

st.subheader("Unlinked rows")
links = data.load("dq_links").with_columns(
    unlinked_rate=pl.when(pl.col("count_rows") > 0).then(pl.col("count_unlinked") / pl.col("count_rows"))
)
st.dataframe(links, hide_index=True, width="stretch",
             column_config={"unlinked_rate": st.column_config.NumberColumn(format="percent")})
components.rows_and_sql(links, "dq_links", "Unlinked rows", None, as_of, key="dq_links")

st.subheader("Loads and rejects")
loads = data.load("dq_loads")
if loads.is_empty():
    components.empty_state("No loads yet: this mart was generated (`python -m mart generate`), not loaded from exports.")
else:
    st.dataframe(loads, hide_index=True, width="stretch")
    rejects = data.load("dq_rejects")
    if rejects.is_empty():
        st.success("The latest load rejected no rows and emptied no values.")
    else:
        st.markdown("**Rejected rows and warnings of the latest load, by table, column and reason** "
                    "(a warning: the row loaded with that optional value left empty)")
        st.dataframe(rejects, hide_index=True, width="stretch")
        components.rows_and_sql(rejects, "dq_rejects", "Rejects", None, as_of, key="dq_rejects")
