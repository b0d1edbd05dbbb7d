"""Clinic Reference: therapy summaries, comparisons and patient handouts for spine clinics."""

__version__ = "0.1.0"
APP_NAME = "Clinic Reference"
APP_ID = "clinic-app"
