"""Making a patient handout: the builder and its live preview."""
