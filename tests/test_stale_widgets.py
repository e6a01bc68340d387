"""dashboard/stale_widgets.py under the real app: a session that goes through many filter sets keeps the metadata
of the widgets it shows, not of every widget it ever drew (Streamlit 1.67 keeps them all: the complaints page's
clickable charts are widgets whose ids include their figures)."""
from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.apptest import open_app


def _metadata(at: AppTest) -> dict:
    return at._session_state._state._new_widget_state.widget_metadata


def _widget_values(at: AppTest) -> set:
    state = at._session_state._state
    return set(state._new_widget_state.states) | set(state._old_state)


def test_a_session_keeps_only_the_widgets_it_shows(app_env, tables):
    at = open_app("views/complaint_handling.py", timeout=60)
    regions = tables["dealers"]["region"].unique().sort().to_list()
    dealers = tables["dealers"].sort("dealer_id")
    counts = []
    for region in regions[:3]:
        at.selectbox(key="region").select(region).run()
        for dealer_id in dealers.filter(region=region)["dealer_id"].head(2):
            at.selectbox(key="dealer").set_value(dealer_id).run()
            assert not at.exception, [e.value for e in at.exception]
            counts.append(len(_metadata(at)))
    # The complaints page's clickable charts alone are new widgets with every filter set: with Streamlit's own
    # bookkeeping the count climbs by several a change; forgotten at each run's start, it stays put.
    assert len(counts) >= 5 and max(counts) - min(counts) <= 2, counts
    # What is kept is what has a value, or was drawn by the run that just ended.
    assert len(_metadata(at)) <= len(_widget_values(at)) + 2
