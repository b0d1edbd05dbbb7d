"""Shipped content, templates and styles (installed as ``clinic_app.resources``)."""
