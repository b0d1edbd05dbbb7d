"""The visit in progress: the consultation panel beside the therapy page."""
