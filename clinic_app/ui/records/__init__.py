"""Past consultations: the records window and the usage chart."""
