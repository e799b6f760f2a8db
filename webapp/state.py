"""What the pages share: the library opened once per server, its login, the upload picker's choices.

One module that every page imports, so that no page imports another.
"""

from __future__ import annotations

import math
import os
import time
from pathlib import Path

import streamlit as st

import analyzer.store.auth as auth
from analyzer.judging.registry import exercises
from analyzer.store.files import data_dir
from analyzer.store.library import DATABASE_ENV, Library

UPLOAD_TYPES = ["mp4", "mov", "webm", "avi", "gif"]
# Backslash-escaped wherever user-written text (client names, notes, file names, messages quoting them) is
# shown through Streamlit's markdown: no link, image, HTML or colour directive of theirs takes effect.
MARKDOWN_SPECIALS = frozenset("\\`*_[](){}<>!#+-.|~$:")
# One per server process, shared by every browser session: guessing is limited per address and overall.
LOGIN_LIMITER = auth.LoginLimiter()


def plain(text: object) -> str:
    """``text`` as literal characters in st.markdown and every element or label that renders markdown."""
    return "".join("\\" + ch if ch in MARKDOWN_SPECIALS else ch for ch in str(text)).replace("\n", " ")


def exercise_options() -> dict[str, str]:
    """Picker entries: 'auto' first, then every exercise the rules know (name -> label)."""
    return {"auto": "Recognise it for me", **{name: ex.title for name, ex in exercises().items()}}


@st.cache_resource(show_spinner=False)
def _library(root: str, url: str) -> Library:
    return Library(url=url or None, root=Path(root))


def get_library() -> Library:
    """The library of this data folder and database, opened once per server."""
    return _library(str(data_dir()), os.environ.get(DATABASE_ENV, ""))


# -- login ---------------------------------------------------------------------
def _wait_text(seconds: float) -> str:
    seconds = math.ceil(seconds)
    return f"{seconds} s" if seconds < 120 else f"{math.ceil(seconds / 60)} min"


def login_gate(key: str = "login") -> bool:
    """True when the library may be shown; otherwise draws the login form (or says how to set a password).

    A login lasts ``auth.SESSION_TTL_S`` (the time it was made is kept in the session state); wrong passwords
    are limited by ``LOGIN_LIMITER``, per visitor address and for all of them together.
    """
    if st.session_state.get("authenticated"):
        if auth.session_valid(st.session_state.get("authenticated_at"), time.time()):
            return True
        st.session_state.pop("authenticated", None)
        st.session_state.pop("authenticated_at", None)
        st.info("Your login has expired: log in again.")
    remote_ip, url = st.context.ip_address, st.context.url
    remote_ip = remote_ip if isinstance(remote_ip, str) else None  # AppTest has a mock here
    if not auth.needs_login(st.get_option("server.address"), remote_ip, url if isinstance(url, str) else None):
        return True
    stored = auth.stored_hash()
    if stored is None:
        st.error(
            "This app can be reached from other computers, so the trainer library needs a password, and none is "
            "set. On the server, run `formcheck set-password` (or set FORMCHECK_PASSWORD_HASH), then reload."
        )
        return False
    with st.form(f"{key}_form"):
        password = st.text_input("Library password", type="password", key=f"{key}_password")
        submitted = st.form_submit_button("Log in")
    if submitted:
        wait = LOGIN_LIMITER.begin(remote_ip)
        if wait > 0:  # refused without checking the password
            st.error(f"Too many tries. Wait {_wait_text(wait)} before trying again.")
            return False
        if auth.verify_password(password, stored):
            LOGIN_LIMITER.succeeded(remote_ip)
            st.session_state["authenticated"] = True
            st.session_state["authenticated_at"] = time.time()
            st.rerun()
        LOGIN_LIMITER.failed(remote_ip)
        st.error("Wrong password.")
    return False
