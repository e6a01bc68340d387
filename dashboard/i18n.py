"""Every word a person reads, in their language: one entry point `_()` over gettext catalogs read with Babel
(`locales/<locale>/LC_MESSAGES/messages.po`), the English text being the message id. `pgettext(kind, value)`
translates a stored value (a channel, a severity, a segment) at display time through the same catalog.

The language is the session's: the URL's `lang` (a shared link opens in the sender's language), else the browser's
(`st.context.locale`), switchable in the sidebar. Outside a page (tests, the digest) it is English unless set.
"""
from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import TypeVar

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
# Language code in the URL -> (name shown in the switch, Babel locale for formats, catalog folder).
LANGUAGES = {"zh": ("简体中文", "zh_Hans_CN", "zh_Hans"), "en": ("English", "en", None)}
DEFAULT = "en"
T = TypeVar("T")


@cache
def catalog(lang: str) -> dict[tuple[str | None, str], str | tuple[str, ...]]:
    """(context, message id) -> translation of one language's catalog; fuzzy and empty entries are left out."""
    folder = LANGUAGES[lang][2]
    if folder is None:
        return {}
    # Imported here, not at the top: an English session reads no catalog and need not load Babel's .po reader.
    from babel.messages.pofile import read_po

    with open(LOCALES_DIR / folder / "LC_MESSAGES" / "messages.po", "rb") as f:
        po = read_po(f)
    out: dict = {}
    for m in po:
        if not m.id or m.fuzzy:
            continue
        key = m.id[0] if isinstance(m.id, (tuple, list)) else m.id
        if isinstance(m.string, (tuple, list)) and all(m.string) or isinstance(m.string, str) and m.string:
            out[(m.context, key)] = tuple(m.string) if isinstance(m.string, (tuple, list)) else m.string
    return out


# A language set for a piece of work done outside the page's run: a download's file is made when the button is
# clicked, in a thread that has no session to ask (see speaking()).
_spoken: ContextVar[str | None] = ContextVar("spoken", default=None)


@contextmanager
def speaking(lang: str):
    """Run a block in `lang`, wherever it runs."""
    token = _spoken.set(lang)
    try:
        yield
    finally:
        _spoken.reset(token)


def in_language(lang: str, make: Callable[[], T]) -> Callable[[], T]:
    """`make`, to be called later (a download's deferred data), in the language of now."""
    def made() -> T:
        with speaking(lang):
            return make()
    return made


def language() -> str:
    """The session's language code ('zh' or 'en')."""
    if _spoken.get() in LANGUAGES:
        return _spoken.get()
    try:
        import streamlit as st
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        # Outside a page's run (a test, a command, a worker thread) there is no session to ask: reading
        # st.session_state there logs a warning on every call, which flooded a server's log.
        lang = st.session_state.get("lang") if get_script_run_ctx(suppress_warning=True) else None
    except Exception:
        lang = None
    return lang if lang in LANGUAGES else DEFAULT


def choose_language() -> None:
    """On a session's first run: the link's language, else the browser's (Chinese for any zh-* locale)."""
    import streamlit as st

    if st.session_state.get("lang") in LANGUAGES:
        return
    linked = st.query_params.get("lang")
    browser = (st.context.locale or "").lower()
    st.session_state["lang"] = linked if linked in LANGUAGES else ("zh" if browser.startswith("zh") else DEFAULT)


def language_switch() -> None:
    """The sidebar's language choice, kept in the URL: a shared link opens in the sender's language."""
    import streamlit as st

    # Written into the URL rather than bound to it: a bound widget leaves its default value out of the link, and a
    # shared link must open in the sender's language whichever it is.
    st.sidebar.radio("Language / 语言", list(LANGUAGES), key="lang", horizontal=True,
                     format_func=lambda code: LANGUAGES[code][0], label_visibility="collapsed")
    if st.query_params.get("lang") != st.session_state["lang"]:
        st.query_params["lang"] = st.session_state["lang"]


def babel_locale() -> str:
    return LANGUAGES[language()][1]


def N_(message: str) -> str:
    """Marks a message for the catalog where it is defined; it is translated with _() where it is shown."""
    return message


def _(message: str) -> str:
    return catalog(language()).get((None, message), message)


def pgettext(context: str, message: str) -> str:
    """A stored value or a short word whose meaning depends on its kind, e.g. pgettext("channel", "call_center"):
    the catalog's word, or in English the value with spaces ("call center")."""
    return catalog(language()).get((context, message), message.replace("_", " "))


def ngettext(singular: str, plural: str, n: int) -> str:
    """A sentence with a count: Chinese has one form, English two."""
    found = catalog(language()).get((None, singular))
    if isinstance(found, tuple):
        return found[0] if len(found) == 1 or n == 1 else found[1]
    return singular if n == 1 else plural
