"""A therapy whose last review is more than 12 months old is due for review: the content report
and the therapy list say so."""

from __future__ import annotations

import datetime as dt
import sqlite3

from clinic_app.content.check import load_content
from clinic_app.content.report import build_report, format_report
from clinic_app.content.review import is_review_due, review_due_on
from clinic_app.services.library import list_therapies


def test_due_once_more_than_twelve_months_have_passed():
    reviewed = dt.date(2025, 12, 2)
    assert review_due_on(reviewed) == dt.date(2026, 12, 3)
    assert not is_review_due(reviewed, dt.date(2026, 12, 2))  # twelve months to the day: not yet
    assert is_review_due(reviewed, dt.date(2026, 12, 3))
    assert is_review_due("2024-01-31", dt.date(2026, 12, 3))
    assert review_due_on(dt.date(2024, 2, 29)) == dt.date(2025, 3, 1)  # no 29 February the next year


def test_the_content_report_flags_and_lists_what_is_due():
    bundle, problems = load_content()
    assert problems == []
    last = max(t.last_reviewed for t in bundle.therapies)
    first = min(t.last_reviewed for t in bundle.therapies)
    assert build_report(bundle, today=last) and not any(r.review_due for r in build_report(bundle, today=last))
    later = review_due_on(first)
    rows = build_report(bundle, today=later)
    due = [r.slug for r in rows if r.review_due]
    assert due == [t.slug for t in bundle.therapies if t.last_reviewed == first]
    text = format_report(rows)
    assert "REVIEW DUE" in text
    assert f"Due for review (last reviewed more than 12 months ago): {len(due)}" in text
    assert f"{due[0]}: last reviewed {first.isoformat()}, due since {later.isoformat()}" in text


def test_the_list_marks_a_therapy_whose_review_is_due(prepared_location, reader):
    assert not any(item.review_due for item in list_therapies(reader))
    with sqlite3.connect(prepared_location.sqlite_path) as conn:
        conn.execute("UPDATE therapy SET last_reviewed = ? WHERE slug = 'nsaids'",
                     ((dt.date.today() - dt.timedelta(days=400)).isoformat(),))
    conn.close()
    due = {item.slug for item in list_therapies(reader) if item.review_due}
    assert due == {"nsaids"}


def test_the_list_marks_an_edited_therapy_whose_shipped_text_changed(prepared_location, reader):
    assert all(item.marks == () for item in list_therapies(reader))
    with sqlite3.connect(prepared_location.sqlite_path) as conn:  # as the loader leaves a clinic-edited therapy
        conn.execute("UPDATE therapy SET origin = 'clinic', pending_shipped_version = content_version + 1 "
                     "WHERE slug = 'yoga'")
        conn.execute("UPDATE therapy SET last_reviewed = ? WHERE slug = 'yoga'",
                     ((dt.date.today() - dt.timedelta(days=400)).isoformat(),))
    conn.close()
    marks = {item.slug: item.marks for item in list_therapies(reader) if item.marks}
    assert marks == {"yoga": ("Review due", "Shipped text changed")}
