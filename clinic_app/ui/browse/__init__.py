"""Browsing the library: the main window, the therapy list and search, the therapy page."""
