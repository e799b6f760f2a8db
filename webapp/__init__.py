"""The Streamlit pages and widgets of formcheck; all computing lives in ``analyzer``."""

from __future__ import annotations


def live_page() -> None:
    """The live coaching page (``webapp/live.py``), or a note while it is missing or cannot load."""
    import streamlit as st

    try:
        from webapp import live
    except ImportError as exc:
        st.title("Live coaching")
        if getattr(exc, "name", "") == "webapp.live":
            st.info("Live coaching from the webcam is coming soon.")
        else:
            st.warning(f"Live coaching is not available here: {exc}.")
        return
    live.page()
