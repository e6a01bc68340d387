"""A browser session without the browser: Streamlit's own websocket protocol, spoken as its web frontend speaks it.

bench/concurrency.py drives many sessions at once. Headless Chromium drawing ten pages took most of a 2-core machine
(load average 18), so its latencies measured the browsers' queue, not the server. This client sends the same
BackMsgs the frontend sends (Streamlit 1.67's, read from its bundled frontend and from streamlit/runtime) and reads
the ForwardMsgs, at a few milliseconds of CPU per rerun, so the server gets the machine.

What the frontend does and this client copies:
- A page is opened by a `rerun_script` carrying the URL's query string and the page name taken from the path
  (`/overview` -> "overview", with no page hash yet); later reruns carry the current page's script hash.
- The frontend holds a value for every widget of the last run (its default when the widget first appears, the
  server's value when the element says `set_value`, else what the person chose) and sends them all with each rerun;
  a widget that was not in the last finished run loses its value.
- A selectbox or radio's value is a `string_value`: the option's label as shown (format_func applied), not its
  index; "nothing chosen" is a state with the widget's id and no value (streamlit/elements/widgets/selectbox.py).
- A widget bound to the URL (its element's `query_param_key`) writes its value into the query string when a
  person changes it, before the rerun is sent (a value the server sets does not: the server sends
  `page_info_changed`, which replaces the query string).
- Moving to another page sends that page's script hash (learned from the `navigation` message) with the values of
  the widgets the main script drew (the sidebar's filters), and a query string reduced to the URL-bound parameters.
- It tells the server which cacheable messages it holds (`cached_message_hashes`), and the server then sends
  `ref_hash` references in their place.
"""
from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import connect

FINISHED = ForwardMsg.FINISHED_SUCCESSFULLY
# What a rerun's element types say in words (the page's filter line is a caption, i.e. a markdown element).
TEXT_ELEMENTS = ("markdown", "heading", "alert", "text")


class RerunFailed(Exception):
    """The rerun did not finish successfully: an exception on the page, another finish status, no such page."""


@dataclass
class Widget:
    id: str
    kind: str                 # the element's type: "selectbox", "multiselect", ...
    label: str
    options: list[str]
    query_param_key: str      # non-empty when the widget is bound to the URL
    script_hash: str          # the script that drew it: the main script's survive a page change
    default: str | None = None   # a selectbox or radio's default option, as shown


@dataclass
class Run:
    """What one rerun sent back, from its request to its script_finished."""
    seconds: float
    page_script_hash: str
    widgets: dict[str, Widget] = field(default_factory=dict)          # by label, in the order drawn
    texts: list[str] = field(default_factory=list)                     # bodies of the text elements
    exceptions: list[str] = field(default_factory=list)

    def says(self, text: str) -> bool:
        """Whether the page's text (not its widgets' option lists) names `text`."""
        return any(text in t for t in self.texts)


def _initial_state(kind: str, element) -> WidgetState | None:
    """The value the frontend holds for a widget it has just drawn (or that the server set): the server's value
    when the element says set_value, else the element's default. None for widgets that hold no value until used
    (buttons, charts' selections) or that this benchmark never meets."""
    state = WidgetState(id=element.id)
    has = element.HasField
    if kind in ("selectbox", "radio"):
        if element.set_value:
            if has("raw_value"):
                state.string_value = element.raw_value
        elif has("default") and 0 <= element.default < len(element.options):
            state.string_value = element.options[element.default]
    elif kind == "multiselect":
        values = element.raw_values if element.set_value else [element.options[i] for i in element.default]
        state.string_array_value.data.extend(values)
    elif kind == "date_input":
        state.string_array_value.data.extend(element.value if element.set_value else element.default)
    elif kind == "checkbox":
        state.bool_value = element.value if element.set_value else element.default
    elif kind in ("text_input", "text_area"):
        if element.set_value:
            if has("value"):
                state.string_value = element.value
        elif has("default"):
            state.string_value = element.default
    else:
        return None
    return state


class StreamlitSession:
    """One person's browser tab: a websocket to the server, the widget values the frontend would hold, the URL's
    query string and the current page. One rerun at a time, as a person waits for the page before the next click."""

    def __init__(self, base_url: str, *, timeout_s: float = 120.0):
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self.query_string = ""
        self.page_script_hash = ""
        self.main_script_hash = ""
        self.pages: dict[str, tuple[str, str]] = {}       # page title -> (script hash, url path)
        self.widgets: dict[str, Widget] = {}              # by id, of the last finished run
        self.states: dict[str, WidgetState] = {}          # by widget id: what the next rerun sends
        self._cache: dict[str, tuple[ForwardMsg, int]] = {}   # hash -> (message, run it was last used in)
        self._max_cache_age = 2
        self._runs = 0
        self._ws = None

    async def __aenter__(self) -> StreamlitSession:
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
            self._ws = None

    async def open(self, path_and_query: str) -> Run:
        """Load a page as the browser does for a typed address, e.g. "/overview?lang=en": a new connection, and a
        rerun naming the page by its path (the server answers with its script hash)."""
        await self.close()
        parts = urlsplit(path_and_query)
        ws_url = self.base_url.replace("http", "ws", 1) + "/_stcore/stream"
        # The frontend offers "streamlit" as the subprotocol (its second and third entries, an XSRF token and a
        # session to resume, are only for signed-in users and reconnects). Messages have no size limit: a page with
        # large tables sends large deltas.
        self._ws = await connect(ws_url, subprotocols=["streamlit"], max_size=None, open_timeout=self.timeout_s)
        self.query_string, self.page_script_hash, self.states, self.widgets = parts.query, "", {}, {}
        return await self._rerun(page_name=parts.path.strip("/"))

    async def reopen(self) -> Run:
        """After a failure the session may be out of step with the server: start over as a reload of the current
        address would (the URL keeps the bound filters)."""
        path = next((p for h, p in self.pages.values() if h == self.page_script_hash), "")
        return await self.open(f"/{path}?{self.query_string}")

    async def choose(self, label: str, option: str) -> Run:
        """Pick `option` (its label as shown) in the selectbox or radio labelled `label`, then wait for the rerun."""
        widget = next((w for w in self.widgets.values() if w.label == label), None)
        if widget is None or widget.kind not in ("selectbox", "radio"):
            raise RerunFailed(f"no selectbox {label!r} on the page")
        if option not in widget.options:
            raise RerunFailed(f"{label!r} does not offer {option!r}")
        self.states[widget.id] = WidgetState(id=widget.id, string_value=option)
        if widget.query_param_key:
            # A person's change goes into the URL at once (in place, or appended), and the default leaves it.
            key, params = widget.query_param_key, parse_qsl(self.query_string, keep_blank_values=True)
            if option == widget.default:
                params = [(k, v) for k, v in params if k != key]
            elif any(k == key for k, _ in params):
                params = [(k, option if k == key else v) for k, v in params]
            else:
                params.append((key, option))
            self.query_string = _encode(params)
        return await self._rerun(page_script_hash=self.page_script_hash)

    async def switch_page(self, title: str) -> Run:
        """Click the sidebar's link to the page titled `title`."""
        if title not in self.pages:
            raise RerunFailed(f"no page {title!r} in the navigation")
        target = self.pages[title][0]
        if target != self.page_script_hash:
            # The frontend keeps only the URL-bound parameters across a page change, and the values of the widgets
            # the main script drew (the page's own are gone with the page).
            bound = {w.query_param_key for w in self.widgets.values() if w.query_param_key}
            self.query_string = _encode([(k, v) for k, v in parse_qsl(self.query_string, keep_blank_values=True)
                                         if k in bound])
            self.states = {i: s for i, s in self.states.items()
                           if i in self.widgets and self.widgets[i].script_hash == self.main_script_hash}
        return await self._rerun(page_script_hash=target)

    async def _rerun(self, *, page_script_hash: str = "", page_name: str = "") -> Run:
        msg = BackMsg()
        rerun = msg.rerun_script
        rerun.query_string = self.query_string
        rerun.page_script_hash = page_script_hash
        rerun.page_name = page_name
        rerun.widget_states.widgets.extend(self.states.values())
        rerun.cached_message_hashes.extend(self._cache)
        info = rerun.context_info
        info.timezone, info.timezone_offset, info.locale = "UTC", 0, "en-US"
        info.url, info.is_embedded, info.color_scheme = self.base_url + "/", False, "light"
        started = time.perf_counter()
        await self._ws.send(msg.SerializeToString())
        async with asyncio.timeout(self.timeout_s):
            return await self._receive_run(started)

    async def _receive_run(self, started: float) -> Run:
        """Read messages until the rerun's script_finished. A run the app itself restarts (st.rerun, switch_page)
        ends with FINISHED_EARLY_FOR_RERUN and is followed by the run that counts: keep reading."""
        run = Run(seconds=0.0, page_script_hash=self.page_script_hash)
        drawn: dict[str, Widget] = {}
        while True:
            msg = ForwardMsg()
            msg.ParseFromString(await self._ws.recv())
            if msg.HasField("ref_hash"):
                cached, _ = self._cache[msg.ref_hash]
                self._cache[msg.ref_hash] = (cached, self._runs)
                metadata = msg.metadata
                msg = ForwardMsg()
                msg.CopyFrom(cached)
                msg.metadata.CopyFrom(metadata)
            elif msg.metadata.cacheable:
                self._cache[msg.hash] = (msg, self._runs)
            kind = msg.WhichOneof("type")
            if kind == "new_session":
                # Sent at the start of every run: a restarted run begins afresh.
                drawn, run.texts, run.exceptions = {}, [], []
                self.main_script_hash = msg.new_session.main_script_hash
                self._max_cache_age = msg.new_session.config.max_cached_message_age or self._max_cache_age
                self.page_script_hash = run.page_script_hash = msg.new_session.page_script_hash
            elif kind == "navigation":
                self.pages = {p.page_name: (p.page_script_hash, p.url_pathname) for p in msg.navigation.app_pages}
                if msg.navigation.page_script_hash:
                    self.page_script_hash = run.page_script_hash = msg.navigation.page_script_hash
            elif kind == "page_info_changed":
                self.query_string = msg.page_info_changed.query_string
            elif kind == "page_not_found":
                raise RerunFailed(f"page not found: {msg.page_not_found.page_name!r}")
            elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                self._element(msg, drawn, run)
            elif kind == "script_finished":
                status = msg.script_finished
                if status == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    continue
                if status != FINISHED:
                    raise RerunFailed(f"script finished with status {ForwardMsg.ScriptFinishedStatus.Name(status)}")
                run.seconds = time.perf_counter() - started
                if run.exceptions:
                    raise RerunFailed("exception on the page: " + run.exceptions[0][:160])
                self._finished(drawn)
                run.widgets = {w.label: w for w in drawn.values()}
                return run

    def _element(self, msg: ForwardMsg, drawn: dict[str, Widget], run: Run) -> None:
        element = msg.delta.new_element
        kind = element.WhichOneof("type")
        proto = getattr(element, kind)
        if kind in TEXT_ELEMENTS:
            run.texts.append(proto.body)
        elif kind == "exception":
            run.exceptions.append(f"{proto.type}: {proto.message}")
        widget_id = getattr(proto, "id", "")
        if not widget_id:
            return
        options = list(proto.options) if kind in ("selectbox", "radio", "multiselect") else []
        default = (options[proto.default] if kind in ("selectbox", "radio") and proto.HasField("default")
                   and 0 <= proto.default < len(options) else None)
        drawn[widget_id] = Widget(widget_id, kind, getattr(proto, "label", ""), options,
                                  getattr(proto, "query_param_key", ""), msg.metadata.active_script_hash, default)
        # A widget the frontend has not drawn before starts at its default; one it has keeps its value unless
        # the server sets it.
        if widget_id not in self.states or getattr(proto, "set_value", False):
            state = _initial_state(kind, proto)
            if state is not None:
                self.states[widget_id] = state

    def _finished(self, drawn: dict[str, Widget]) -> None:
        """After a finished run the frontend forgets the widgets the run did not draw, and the cached messages not
        used for max_cached_message_age runs."""
        self.widgets = drawn
        self.states = {i: s for i, s in self.states.items() if i in drawn}
        self._runs += 1
        self._cache = {h: (m, used) for h, (m, used) in self._cache.items() if self._runs - used <= self._max_cache_age}


def _encode(params: list[tuple[str, str]]) -> str:
    # As the frontend writes its URL: percent-encoded, a space as "+".
    return urlencode(params, quote_via=quote).replace("%20", "+")
