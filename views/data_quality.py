"""Data quality: rows and freshness per table, empty key columns, unlinked rows, the last loads and their rejects.
For the data steward: the mart's own names (table, column) stay beside their translated labels."""
import polars as pl
import streamlit as st

from dashboard import components, data, formats, page, tables
from dashboard.columns import column
from dashboard.i18n import N_, _, pgettext

# The datasets' own labels (queries/dq_*.sql), in words; translated where shown.
GRAINS = {
    "one row per dealer": N_("one row per dealer"), "one row per product": N_("one row per product"),
    "one row per customer": N_("one row per customer"), "one row per vehicle sale": N_("one row per vehicle sale"),
    "one row per service visit": N_("one row per service visit"), "one row per lead": N_("one row per lead"),
    "one row per campaign": N_("one row per campaign"),
    "one row per customer x campaign": N_("one row per customer and campaign"),
    "one row per complaint": N_("one row per complaint"), "one row per survey response": N_("one row per survey response"),
}
COLUMN_NOTES = {   # dq_nulls' columns counted over part of a table, and headers that read oddly out of their table
    "contacted_at": N_("Time of first contact"),
    "customer_id (won leads)": N_("Customer no. (won leads)"),
    "callback_score (closed)": N_("Callback score (closed complaints)"),
}
LINKS = {
    "customers -> dealers (home dealer)": N_("Customer → home dealer"),
    "sales -> dealers": N_("Sale → dealer"),
    "sales -> products": N_("Sale → product"),
    "leads (won) -> sales": N_("Won lead → sale"),
    "complaints -> dealers": N_("Complaint → dealer"),
    "customers -> any transaction": N_("Customer → any sale or service visit"),
}


def _table_labels() -> dict[str, str]:
    """The mart's tables in the reader's language (their own names stay in a column beside)."""
    return {"dealers": pgettext("mart_table", "dealers"), "products": pgettext("mart_table", "products"),
            "customers": pgettext("mart_table", "customers"), "sales": pgettext("mart_table", "sales"),
            "service_visits": pgettext("mart_table", "service_visits"), "leads": pgettext("mart_table", "leads"),
            "campaigns": pgettext("mart_table", "campaigns"),
            "campaign_contacts": pgettext("mart_table", "campaign_contacts"),
            "complaints": pgettext("mart_table", "complaints"), "surveys": pgettext("mart_table", "surveys")}


def _words(values: pl.Series, labels: dict) -> pl.Series:
    """Stored names in the reader's language (a name nobody labelled stays as it is)."""
    return values.replace_strict(labels, default=values, return_dtype=pl.String)


def _column_words(values: pl.Series) -> pl.Series:
    return pl.Series([_(COLUMN_NOTES[v]) if v in COLUMN_NOTES else _(column(v).label) if v else formats.EMPTY
                      for v in values.to_list()], dtype=pl.String)


filters, as_of = page.context()   # the filters do not apply to this page
table_names = _table_labels()
st.title(_("Data quality"))
st.caption(_("Describes the whole mart as built; the filters do not apply here."))

info = data.mart_info().row(0, named=True)
source = _("demo data") if info["source"] == "demo" else info["source"]
built = _("Built {day} {time} from **{source}**").format(
    day=formats.day(info["built_at"]), time=f"{info['built_at']:%H:%M}", source=source)
if info["scale"]:
    built += " " + _("(scale {scale}, seed {seed})").format(scale=info["scale"], seed=info["seed"])
st.markdown(built + " · " + _("data as of **{day}**").format(day=formats.day(info["as_of_on"])))

st.subheader(_("Tables: rows and freshness"))
table_rows = data.load("dq_tables").with_columns(
    days_behind=(pl.lit(as_of) - pl.col("latest_on")).dt.total_days(),
)
empty = table_rows.filter(pl.col("count_rows") == 0)["table_name"].to_list()
st.markdown(_("**{tables} tables, {rows} rows in all**; the newest date in the mart is {latest}.").format(
    tables=table_rows.height, rows=formats.number(table_rows["count_rows"].sum()),
    latest=formats.day(table_rows["latest_on"].max())))
if empty:
    st.warning(_("Empty tables: {tables}. Pages that need them say so where they would show them.").format(
        tables=", ".join(table_names.get(t, t) for t in empty)))
tables.show(
    table_rows.select(table_label=_words(table_rows["table_name"], table_names), table_name="table_name",
                      count_rows="count_rows", latest_on="latest_on", days_behind="days_behind",
                      grain=_words(table_rows["grain"], {k: _(v) for k, v in GRAINS.items()})),
    key="dq_tables_table", labels={"table_name": _("Name in the mart")},
)
components.rows_and_sql(table_rows, "dq_tables", _("Tables"), None, as_of, key="dq_tables")

st.subheader(_("Empty key and linking columns"))
nulls = data.load("dq_nulls").with_columns(
    null_rate=pl.when(pl.col("count_rows") > 0).then(pl.col("count_null") / pl.col("count_rows"))
)
worst = nulls.drop_nulls("null_rate").sort("null_rate", descending=True)
if worst.is_empty() or worst["count_null"][0] == 0:
    st.markdown(_("No key or linking column is left empty."))
else:
    top = worst.row(0, named=True)
    st.markdown(_("**Most often empty: {column} in {table}, in {share} of rows** ({count} of {rows}).").format(
        column=_column_words(pl.Series([top["column_name"]]))[0], table=table_names.get(top["table_name"], top["table_name"]),
        share=formats.percent(top["null_rate"]), count=formats.number(top["count_null"]),
        rows=formats.number(top["count_rows"])))
tables.show(
    nulls.select(table_label=_words(nulls["table_name"], table_names), column_label=_column_words(nulls["column_name"]),
                 null_rate="null_rate", count_null="count_null", count_rows="count_rows", table_name="table_name",
                 column_name="column_name"),
    key="dq_nulls_table", answer=["table_label", "column_label", "null_rate", "count_null"],
    height=36 * (nulls.height + 1) + 3,   # every row at once: a dozen columns, no inner scrolling
    labels={"table_name": _("Name in the mart"), "column_name": _("Column name in the mart")},
)
components.rows_and_sql(nulls, "dq_nulls", _("Empty columns"), None, as_of, key="dq_nulls")

st.subheader(_("Unlinked rows"))
links = data.load("dq_links").with_columns(
    unlinked_rate=pl.when(pl.col("count_rows") > 0).then(pl.col("count_unlinked") / pl.col("count_rows"))
)
broken = links.filter(pl.col("count_unlinked") > 0)
st.markdown(_("**{broken} of {links} links have unlinked rows.**").format(broken=broken.height, links=links.height)
            if broken.height else _("**Every row links where it should.**"))
tables.show(
    links.select(link_label=_words(links["link"], {k: _(v) for k, v in LINKS.items()}), unlinked_rate="unlinked_rate",
                 count_unlinked="count_unlinked", count_rows="count_rows", link="link"),
    key="dq_links_table", answer=["link_label", "unlinked_rate", "count_unlinked", "count_rows"],
    labels={"link": _("Name in the mart")},
)
components.rows_and_sql(links, "dq_links", _("Unlinked rows"), None, as_of, key="dq_links")

st.subheader(_("Loads and rejects"))
loads = data.load("dq_loads")
if loads.is_empty():
    components.empty_state(_("No loads yet: this mart was generated (`python -m mart generate`), not loaded from "
                             "exports."))
else:
    tables.show(
        loads.select("loaded_at", table_label=_words(loads["table_name"], table_names), count_read="count_read",
                     count_loaded="count_loaded", count_rejected="count_rejected", count_warned="count_warned",
                     source_file="source_file", load_id="load_id", source="source", table_name="table_name"),
        key="dq_loads_table", answer=["loaded_at", "table_label", "count_read", "count_loaded", "count_rejected",
                                      "count_warned"],
        labels={"table_name": _("Name in the mart")},
    )
    rejects = data.load("dq_rejects")
    if rejects.is_empty():
        st.success(_("The latest load rejected no rows and emptied no values."))
    else:
        st.markdown(_("**Rejected rows and warnings of the latest load, by table, column and reason** (a warning: the "
                      "row loaded with that optional value left empty)"))
        outcomes = {"rejected": pgettext("reject_severity", "rejected"),
                    "warning": pgettext("reject_severity", "warning")}
        tables.show(
            rejects.select(reject_severity=pl.col("severity").replace_strict(outcomes, default=pl.col("severity")),
                           table_label=_words(rejects["table_name"], table_names),
                           column_label=_column_words(rejects["column_name"]), reason_kind="reason_kind",
                           count_rows="count_rows", first_line="first_line", example="example",
                           table_name="table_name", column_name="column_name"),
            key="dq_rejects_table",
            answer=["reject_severity", "table_label", "column_label", "reason_kind", "count_rows", "first_line"],
            labels={"table_name": _("Name in the mart"), "column_name": _("Column name in the mart")},
        )
        components.rows_and_sql(rejects, "dq_rejects", _("Rejects"), None, as_of, key="dq_rejects")
