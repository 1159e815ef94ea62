"""LLM fine-tuning workbench: the backend (never imports streamlit outside workbench/ui)."""

__version__ = "0.1.0"
