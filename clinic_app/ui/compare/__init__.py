"""Comparing options side by side: the grid, its controls, its paper and the full-screen view for the patient."""
