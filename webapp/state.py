"""What the pages share: the library opened once per server, its login, the upload picker's choices.

One module that every page imports, so that no page imports another.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import streamlit as st

import analyzer.store.auth as auth
from analyzer.judging.registry import exercises
from analyzer.store.files import data_dir
from analyzer.store.library import DATABASE_ENV, Library

UPLOAD_TYPES = ["mp4", "mov", "webm", "avi", "gif"]
WRONG_PASSWORD_DELAY_S = 1.0


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
def login_gate(key: str = "login") -> bool:
    """True when the library may be shown; otherwise draws the login form (or says how to set a password)."""
    if st.session_state.get("authenticated"):
        return True
    remote_ip, url = st.context.ip_address, st.context.url
    if not auth.needs_login(
        st.get_option("server.address"),
        remote_ip if isinstance(remote_ip, str) else None,  # AppTest has a mock here
        url if isinstance(url, str) else None,
    ):
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
        if auth.verify_password(password, stored):
            st.session_state["authenticated"] = True
            st.rerun()
        time.sleep(WRONG_PASSWORD_DELAY_S)  # slows down guessing
        st.error("Wrong password.")
    return False
