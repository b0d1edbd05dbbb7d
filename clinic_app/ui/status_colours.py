"""Colours of the status tags and evidence-grade badges, shared by the list and the detail view.

Each pair is (background, text); every text colour reaches a contrast of at least 7:1 on its
background, and the word itself is always shown, so colour is never the only signal.
"""

from __future__ import annotations

STATUS_COLOURS = {
    "established": ("#dcefe2", "#14472a"),
    "emerging": ("#fdebc8", "#5c3800"),
    "investigational": ("#f8dada", "#7a1616"),
}
GRADE_COLOURS = {
    "high": ("#dcefe2", "#14472a"),
    "moderate": ("#e1ecf8", "#1a426a"),
    "low": ("#fdebc8", "#5c3800"),
    "very low": ("#f8dada", "#7a1616"),
}
NEUTRAL = ("#e8e8e8", "#222222")

# The selected row of the therapy list (background, text): white on this blue is 7.1:1; the row's
# second line (the evidence grade) is drawn at SELECTED_SECONDARY_ALPHA of the text colour, 6.1:1.
# Qt's default selection (#308cc6) gave 3.7:1 for the title and 2.9:1 for the softened line below it.
SELECTION = ("#1d5a94", "#ffffff")
SELECTED_SECONDARY_ALPHA = 0.9
SECONDARY_ALPHA = 0.78  # unselected rows: near-black at this opacity on white is 11.7:1
# Placeholder text in the window's fields ("Search therapies"): 6.4:1 on white, where Qt's default
# (half-transparent black) is 3.9:1.
PLACEHOLDER_TEXT = "#5f5f5f"


def status_colours(status: str) -> tuple[str, str]:
    return STATUS_COLOURS.get(status, NEUTRAL)


def grade_colours(grade: str) -> tuple[str, str]:
    return GRADE_COLOURS.get(grade, NEUTRAL)
