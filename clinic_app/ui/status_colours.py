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


def status_colours(status: str) -> tuple[str, str]:
    return STATUS_COLOURS.get(status, NEUTRAL)


def grade_colours(grade: str) -> tuple[str, str]:
    return GRADE_COLOURS.get(grade, NEUTRAL)
