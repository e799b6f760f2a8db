"""formcheck's web app: ``streamlit run app.py``. Thin on purpose: the pages live in ``webapp/``."""

from __future__ import annotations

import streamlit as st

from webapp import live

# Emoji, not ":material/...:" icons: Streamlit draws an emoji favicon locally, but fetches a material one
# from fonts.gstatic.com, and the app promises that nothing leaves the computer.
APP_ICON, ANALYSE_ICON, LIVE_ICON, LIBRARY_ICON = "🏋️", "📤", "🎥", "👥"

st.set_page_config(page_title="formcheck", page_icon=APP_ICON, layout="wide")
st.navigation(
    [
        st.Page("webapp/upload.py", title="Analyse a clip", icon=ANALYSE_ICON, url_path="analyse", default=True),
        st.Page(live.page, title="Live coaching", icon=LIVE_ICON, url_path="live"),
        st.Page("webapp/library_page.py", title="Trainer library", icon=LIBRARY_ICON, url_path="library"),
    ]
).run()
