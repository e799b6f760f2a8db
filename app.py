"""formcheck's web app: ``streamlit run app.py``. Thin on purpose: the pages live in ``webapp/``.

Streamlit runs this file as ``__main__``, and the pose model's worker processes (spawned) import the parent's
main file again, as ``__mp_main__``: so it imports no page and draws only under the guard below. Before, each
worker drew the whole app with no page around it (dozens of "missing ScriptRunContext" warnings in the log
per analysis) and loaded every page's imports.
"""

from __future__ import annotations

import streamlit as st

# Emoji, not ":material/...:" icons: Streamlit draws an emoji favicon locally, but fetches a material one
# from fonts.gstatic.com, and the app promises that nothing leaves the computer.
APP_ICON, ANALYSE_ICON, LIVE_ICON, LIBRARY_ICON = "🏋️", "📤", "🎥", "👥"


def main() -> None:
    st.set_page_config(page_title="formcheck", page_icon=APP_ICON, layout="wide")
    st.navigation(
        [
            st.Page("webapp/upload.py", title="Analyse a clip", icon=ANALYSE_ICON, url_path="analyse", default=True),
            st.Page("webapp/live.py", title="Live coaching", icon=LIVE_ICON, url_path="live"),
            st.Page("webapp/library_page.py", title="Trainer library", icon=LIBRARY_ICON, url_path="library"),
        ]
    ).run()


if __name__ == "__main__":
    main()
