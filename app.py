"""formcheck's web app: ``streamlit run app.py``. Thin on purpose: the pages live in ``webapp/``."""

from __future__ import annotations

import streamlit as st

from webapp import live

st.set_page_config(page_title="formcheck", page_icon=":material/fitness_center:", layout="wide")
st.navigation(
    [
        st.Page("webapp/upload.py", title="Analyse a clip", icon=":material/upload_file:", url_path="analyse", default=True),
        st.Page(live.page, title="Live coaching", icon=":material/videocam:", url_path="live"),
        st.Page("webapp/library_page.py", title="Trainer library", icon=":material/groups:", url_path="library"),
    ]
).run()
