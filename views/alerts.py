"""Alerts: the KPI series and dealer rates of the person's scope that moved further than chance allows, worst first,
each with a link to the page that shows it; what a flag means and how many checks it survived."""
import math

import polars as pl
import streamlit as st

from dashboard import alerts, components, data, filter_bar, formats, i18n, page, tables
from dashboard.i18n import _

LIST_LIMIT = 5  # the worst in full; the rest behind an expander (a phone scrolled through 18 cards)
FLAGS_PAGE_KEY = "alert_flags_page"


@st.cache_data(ttl=900, max_entries=64, show_spinner=False)
def _tests(access, filters, version, lang) -> pl.DataFrame:
    # Cached on the person (the datasets are theirs), the filters, the mart's version and the language (the names of
    # the scope's total are words). The datasets themselves come through data.load's cache.
    with i18n.speaking(lang):
        return alerts.all_tests(access, filters, load=data.load)


filters, as_of = page.context()
access = data.current_access()
st.title(_("Alerts"))
st.caption(filter_bar.describe(filters))

tests = _tests(access, filters, data.current_mart()[1], i18n.language())
flags = tests.filter(pl.col("flagged"))

st.markdown("#### " + alerts.headline(flags, tests.height))
st.caption(alerts.month_note(filters) + " " + _(alerts.FDR_NOTE).format(tests=formats.number(tests.height)))

if flags.is_empty():
    components.empty_state(_("Nothing in your scope needs a look this month: every figure is within the range "
                             "chance allows."))
else:
    titles = {url: _(title) for url, title in (
        ("overview", "Executive overview"), ("dealers", "Dealer scorecard"), ("complaints", "Complaints"),
        ("followups", "Follow-up calls"), ("campaigns", "Campaign ROI and leads"))}

    def show_flag(row: dict) -> None:
        with st.container(border=True):
            marker = ":red[**▼ " + _("Worse than expected") + "**]" if row["bad"] else \
                ":green[**▲ " + _("Better than expected") + "**]"
            st.markdown(marker + "  \n" + alerts.sentence(row))
            target = alerts.page_of(row)
            if target in access.rules.pages:
                # A link, not st.page_link: a page link switches pages inside the session, whose filter widgets keep
                # their values over the link's; a link opens the page with the link's filters (in a new tab).
                label = _("Open {page}").format(page=titles[target])
                st.markdown(f":material/open_in_new: [{label}]({row['link']})")

    @st.fragment
    def more_flags(rest: list[dict], key: str) -> None:
        """The flags after the worst few, a page at a time (the l mart's largest region, 292 dealers, had 651 flags:
        0.5 MB of cards sent with every filter change); the pager under them reruns this list alone."""
        pages = math.ceil(len(rest) / alerts.FLAGS_PER_PAGE)
        cards = st.container()
        number = st.pagination(pages, key=key) if pages > 1 else 1
        first = (number - 1) * alerts.FLAGS_PER_PAGE
        shown = rest[first:first + alerts.FLAGS_PER_PAGE]
        with cards:
            if pages > 1:
                st.caption(_("Flags {first} to {last} of {count}, worst first; {size} to a page.").format(
                    first=formats.number(LIST_LIMIT + first + 1), last=formats.number(LIST_LIMIT + first + len(shown)),
                    count=formats.number(LIST_LIMIT + len(rest)), size=formats.number(alerts.FLAGS_PER_PAGE)))
            for row in shown:
                show_flag(row)

    rows = list(flags.iter_rows(named=True))
    for row in rows[:LIST_LIMIT]:
        show_flag(row)
    if len(rows) > LIST_LIMIT:
        with st.expander(_("{count} more flags").format(count=formats.number(len(rows) - LIST_LIMIT))):
            # The pager's key changes with the filters: another view's flags start again at the worst.
            more_flags(rows[LIST_LIMIT:], key=f"{FLAGS_PAGE_KEY}_{hash(filters) & 0xFFFFFFFF:08x}")

with st.expander(_("How this is worked out")):
    st.markdown(_(alerts.METHOD))
    # Every check in words, flags first; past components.ROW_LIMIT checks (2,448 in a region of 292 dealers) the rest
    # are in the downloads of the checks below.
    if tests.height > components.ROW_LIMIT:
        st.caption(_("The first {shown} of {total} checks are shown, flags first; the downloads under “Rows and SQL” "
                     "below hold every check.").format(shown=formats.number(components.ROW_LIMIT),
                                                        total=formats.number(tests.height)))
    table = alerts.tests_table(tests.head(components.ROW_LIMIT))
    tables.show(table, key="alert_tests", answer=alerts.TABLE_ANSWER)

# The checks themselves, without their links (long URLs, a third of the bytes sent).
checks = tests.drop("link")
components.rows_and_sql(checks.filter(pl.col("month").is_not_null()), "alert_series", _("Monthly series checked"),
                        alerts.series_filters(filters), as_of, key="alert_series")
components.rows_and_sql(checks.filter(pl.col("month").is_null()), "alert_dealer_rates", _("Dealer rates checked"),
                        filters, as_of, key="alert_dealer_rates")
