"""The frame: page config, navigation, the mart's as-of date and the global filter bar every page obeys."""
import streamlit as st

from dashboard import data, filter_bar
from queries import runner

st.set_page_config(page_title="CRM analytics", page_icon=":material/directions_car:", layout="wide")

PAGES = [
    st.Page("views/overview.py", title="Executive overview", icon=":material/monitoring:", url_path="overview", default=True),
    st.Page("views/dealer_scorecard.py", title="Dealer scorecard", icon=":material/storefront:", url_path="dealers"),
    st.Page("views/campaigns.py", title="Campaign ROI and leads", icon=":material/campaign:", url_path="campaigns"),
    st.Page("views/forecast.py", title="Sales forecast", icon=":material/trending_up:", url_path="forecast"),
    st.Page("views/complaint_handling.py", title="Complaints", icon=":material/support_agent:", url_path="complaints"),
    st.Page("views/customer_segments.py", title="Customer segments and value", icon=":material/groups:", url_path="segments"),
    st.Page("views/customer_360.py", title="Customer 360", icon=":material/person_search:", url_path="customer"),
    st.Page("views/data_quality.py", title="Data quality", icon=":material/fact_check:", url_path="data-quality"),
]

# Navigation first: whatever happens below, the app's own pages are what the sidebar offers.
page = st.navigation(PAGES)
try:
    info = data.load("mart_info")
except (data.MartMissing, runner.MartOutdated) as problem:
    st.error(str(problem))
    st.stop()

as_of = info["as_of_on"][0]
first_on = info["first_sale_on"][0] or info["as_of_on"][0]
st.session_state["filters"] = filter_bar.render(as_of, first_on)
st.session_state["data_as_of"] = as_of
st.sidebar.caption(f"Data as of {as_of:%Y-%m-%d} · source: {info['source'][0]}")
filter_bar.show_url_notice()
page.run()
