"""When a therapy's text is due for review: its last review is more than 12 months old.

A clinic's content lead sees it in ``clinic-app content report`` and the clinician sees it in the
therapy list, so an old text is looked at again rather than trusted for ever.
"""

from __future__ import annotations

import datetime as dt

REVIEW_MONTHS = 12


def review_due_on(last_reviewed: dt.date) -> dt.date:
    """The first day the text counts as due: :data:`REVIEW_MONTHS` after its last review (a review
    on 29 February falls due on 1 March)."""
    months = last_reviewed.month - 1 + REVIEW_MONTHS
    year, month = last_reviewed.year + months // 12, months % 12 + 1
    try:
        return last_reviewed.replace(year=year, month=month) + dt.timedelta(days=1)
    except ValueError:  # no such day in that month (29 February)
        return dt.date(year, month + 1, 1) if month < 12 else dt.date(year + 1, 1, 1)


def is_review_due(last_reviewed: dt.date | str, today: dt.date | None = None) -> bool:
    """True when more than :data:`REVIEW_MONTHS` months have passed since ``last_reviewed``."""
    if isinstance(last_reviewed, str):
        last_reviewed = dt.date.fromisoformat(last_reviewed)
    return (today or dt.date.today()) >= review_due_on(last_reviewed)
