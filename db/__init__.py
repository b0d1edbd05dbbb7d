"""Alembic migrations (installed as ``clinic_app.migrations``)."""
