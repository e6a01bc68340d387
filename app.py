"""The frame: page config, who is asking, navigation over the pages their role may open, the mart's as-of date and
the global filter bar every page obeys."""
from pathlib import Path

import streamlit as st

from dashboard import auth, data, filter_bar, formats, i18n, stale_widgets
from dashboard.i18n import N_, _
from queries import runner

# (file, title, icon, url path); the first a role may open is its home page.
PAGES = [
    ("views/overview.py", N_("Executive overview"), ":material/monitoring:", "overview"),
    ("views/alerts.py", N_("Alerts"), ":material/notifications:", "alerts"),
    ("views/why.py", N_("Why did it move"), ":material/waterfall_chart:", "why"),
    ("views/dealer_scorecard.py", N_("Dealer scorecard"), ":material/storefront:", "dealers"),
    ("views/after_sales.py", N_("After-sales service"), ":material/build:", "after-sales"),
    ("views/campaigns.py", N_("Campaign ROI and leads"), ":material/campaign:", "campaigns"),
    ("views/forecast.py", N_("Sales forecast"), ":material/trending_up:", "forecast"),
    ("views/complaint_handling.py", N_("Complaints"), ":material/support_agent:", "complaints"),
    ("views/followups.py", N_("Follow-up calls"), ":material/phone_in_talk:", "followups"),
    ("views/customer_segments.py", N_("Customer segments and value"), ":material/groups:", "segments"),
    ("views/customer_360.py", N_("Customer 360"), ":material/person_search:", "customer"),
    ("views/data_quality.py", N_("Data quality"), ":material/fact_check:", "data-quality"),
    ("views/audit_log.py", N_("Audit log"), ":material/policy:", "audit"),
]


def main() -> None:
    stale_widgets.forget()   # before any widget registers (dashboard/stale_widgets.py says why)
    # A local icon: the material-icon favicon was fetched from a font host outside the machine.
    i18n.choose_language()
    st.set_page_config(page_title=_("CRM analytics"), page_icon=str(Path(__file__).with_name("static") / "icon.png"),
                       layout="wide")
    i18n.language_switch()
    try:
        info = data.mart_info()
    except data.MartMissing as problem:
        st.error(_("No mart at {path}. Build the demo mart with `{generate}` or load your exports with `{load}`.").format(
            path=problem.path, generate="python -m mart generate --scale m", load="python -m mart load DIR"))
        st.stop()
    except runner.MartOutdated as problem:
        st.error(_("The mart at {path} was built by an older version of the dashboard (it lacks {missing}). "
                   "Rebuild it: `{generate}` or `{load}`.").format(
            path=problem.path, missing=", ".join(problem.missing),
            generate=f"python -m mart generate --db {problem.path}", load=f"python -m mart load DIR --db {problem.path}"))
        st.stop()

    access = auth.gate(info["source"][0])
    if access is None:
        st.stop()
    st.session_state["access"] = access

    allowed = [st.Page(path, title=_(title), icon=icon, url_path=url) for path, title, icon, url in PAGES
               if url in access.rules.pages]

    def home() -> None:
        # The default page answers only at "/"; a hidden one that moves on to the role's first page lets that page
        # keep its own address (/overview used to open Streamlit's "Page not found").
        # The link's parameters (filters, language) go along: switch_page would otherwise clear them.
        bound = set(filter_bar.KEYS)   # the filter bar's widgets keep theirs (the URL shows them again on a change)
        st.switch_page(allowed[0], query_params={k: st.query_params.get_all(k) for k in st.query_params if k not in bound})

    page = st.navigation([st.Page(home, title=_("Home"), url_path="home", default=True, visibility="hidden"), *allowed])
    as_of = info["as_of_on"][0]
    first_on = info["first_sale_on"][0] or info["as_of_on"][0]
    st.session_state["filters"] = filter_bar.render(as_of, first_on, info["customer_types"].to_list()[0] or [])
    st.session_state["data_as_of"] = as_of
    # The source's name only: a load's source is a folder path on the server.
    source = Path(info["source"][0]).name
    st.sidebar.caption(_("Data as of {day} · source: {source}").format(
        day=formats.day(as_of), source=_("demo data") if source == "demo" else source))
    filter_bar.show_url_notice()
    page.run()


# The forecast's worker processes start from a forkserver, which re-runs the parent's main script as __mp_main__:
# the frame must not run there (it needs a browser session; it printed Streamlit's no-runtime warnings by the
# hundred and, with no mart in that process, killed the worker).
if __name__ != "__mp_main__":
    main()
