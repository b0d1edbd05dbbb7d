"""``clinic-app content report``: one line per therapy with the facts a content lead checks."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from . import readability
from .check import ContentBundle, therapy_patient_texts


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

    def as_dict(self) -> dict:
        return asdict(self)


def build_report(bundle: ContentBundle) -> list[TherapyReportRow]:
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
        ))
    return rows


def format_report(rows: list[TherapyReportRow]) -> str:
    header = ("therapy", "status", "evidence", "refs", "patient grade", "worst field", "last reviewed")
    table = [header] + [
        (r.slug, r.status, r.evidence_grade, str(r.references), f"{r.patient_grade:.1f}",
         f"{r.highest_field_grade:.1f} {r.highest_field}", r.last_reviewed)
        for r in rows
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in table]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
