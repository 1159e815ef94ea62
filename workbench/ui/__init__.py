"""The only backend code that imports streamlit: frame, widgets, charts."""
