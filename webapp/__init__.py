"""The Streamlit pages and widgets of formcheck; all computing lives in ``analyzer``."""
