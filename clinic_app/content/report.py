"""``clinic-app content report``: one line per therapy with the facts a content lead checks."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from . import readability
from .check import ContentBundle, therapy_patient_texts
from .records import not_recorded
from .review import REVIEW_MONTHS, is_review_due, review_due_on


@dataclass(frozen=True)
class TherapyReportRow:
    slug: str
    status: str
    evidence_grade: str
    references: int
    patient_grade: float
    highest_field_grade: float
    highest_field: str
    last_reviewed: str
    content_version: int
    conditions: tuple[str, ...] = ()
    aliases: int = 0
    # what the content team should know about the references cited: key -> what was not recorded
    reference_notes: dict[str, str] | None = None
    review_due: bool = False  # the last review is more than 12 months old
    review_due_on: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def reference_notes(bundle: ContentBundle, keys) -> dict[str, str]:  # noqa: ANN001
    """For each cited reference that lacks something, what is missing and where the record was seen."""
    by_key = {r.key: r for r in bundle.references}
    notes = {}
    for key in keys:
        ref = by_key.get(key)
        if ref is None:
            continue
        missing = not_recorded(ref)
        if missing or ref.note or ref.verification != "VERIFIED":
            parts = [ref.verification]
            if missing:
                parts.append("not recorded: " + ", ".join(missing))
            if ref.note:
                parts.append(ref.note)
            parts.append("seen in: " + ref.source_seen)
            notes[key] = "; ".join(parts)
    return notes


def build_report(bundle: ContentBundle, today: dt.date | None = None) -> list[TherapyReportRow]:
    today = today or dt.date.today()
    rows = []
    for therapy in bundle.therapies:
        texts = therapy_patient_texts(therapy)
        grades = {field: readability.grade(text) for field, text in texts.items()}
        worst = max(grades, key=grades.get)
        whole = "\n".join(texts[f] for f in texts if f.startswith("patient."))
        rows.append(TherapyReportRow(
            slug=therapy.slug, status=therapy.status, evidence_grade=therapy.evidence_grade,
            references=len(therapy.references), patient_grade=round(readability.grade(whole), 1),
            highest_field_grade=round(grades[worst], 1), highest_field=worst,
            last_reviewed=therapy.last_reviewed.isoformat(), content_version=therapy.content_version,
            conditions=tuple(therapy.conditions), aliases=len(therapy.aliases),
            reference_notes=reference_notes(bundle, [r.key for r in therapy.references]),
            review_due=is_review_due(therapy.last_reviewed, today),
            review_due_on=review_due_on(therapy.last_reviewed).isoformat(),
        ))
    return rows


def format_report(rows: list[TherapyReportRow]) -> str:
    header = ("therapy", "status", "evidence", "refs", "patient grade", "worst field", "last reviewed", "conditions")
    table = [header] + [
        (r.slug, r.status, r.evidence_grade, str(r.references), f"{r.patient_grade:.1f}",
         f"{r.highest_field_grade:.1f} {r.highest_field}",
         f"{r.last_reviewed} REVIEW DUE" if r.review_due else r.last_reviewed, ", ".join(r.conditions))
        for r in rows
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in table]
    lines.insert(1, "  ".join("-" * w for w in widths))
    due = [r for r in rows if r.review_due]
    if due:
        lines += ["", f"Due for review (last reviewed more than {REVIEW_MONTHS} months ago): {len(due)}"]
        lines += [f"  {r.slug}: last reviewed {r.last_reviewed}, due since {r.review_due_on}" for r in due]
    notes: dict[str, str] = {}
    for row in rows:
        notes.update(row.reference_notes or {})
    if notes:
        lines += ["", "References with something not recorded (for the content team; never printed for patients):"]
        lines += [f"  {key}: {text}" for key, text in sorted(notes.items(), key=lambda kv: (kv[0][0], int(kv[0][1:])))]
    return "\n".join(lines)
