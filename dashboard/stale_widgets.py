"""Forgetting the widgets a session no longer shows: a workaround for Streamlit (1.67) keeping every widget it ever
registered in a session.

After each run Streamlit drops the values of widgets the run did not draw, but never their metadata
(`WStates.widget_metadata`: serializers, callbacks and what those hold), nor, for a keyed widget whose id changes,
the old id's entry in its key map. Most widgets keep one id, but a chart that answers clicks (`on_select`) is a
widget whose id includes its figure, and so is a widget keyed by the filters (the alerts page's list): each new
filter set makes new ones. In the concurrency benchmark ten sessions gathered 2,600 dead widgets' metadata in
5 minutes (with Streamlit's run cursors, containers and forms behind them), and the server's memory kept growing
for as long as the run lasted (bench/README.md, "Issue 17: memory that stops growing").

`forget()` runs at the start of each full run, before any widget registers: what has no value in the session is
a widget the last run did not draw, and its metadata goes. It reads Streamlit's private state, so
tests/test_stale_widgets.py fails if an upgrade moves it; once Streamlit forgets these widgets itself (that test
then passes without the call in app.py), this module should go.
"""
from __future__ import annotations

from streamlit.runtime.scriptrunner import get_script_run_ctx


def forget() -> int:
    """Drop the metadata (and stale key-map entries) of widgets with no value in this session; the count dropped."""
    ctx = get_script_run_ctx()
    if ctx is None:
        return 0
    safe = ctx.session_state
    with safe._lock:
        state = safe._state
        widgets = state._new_widget_state
        live = set(widgets.states) | set(state._old_state)
        stale = [widget_id for widget_id in widgets.widget_metadata if widget_id not in live]
        for widget_id in stale:
            del widgets.widget_metadata[widget_id]
        # A key's earlier ids (the key now names another widget) with no value left.
        mapper = state._key_id_mapper
        current = set(mapper._key_id_mapping.values())
        for widget_id in [w for w in mapper._id_key_mapping if w not in current and w not in live]:
            del mapper._id_key_mapping[widget_id]
    return len(stale)
