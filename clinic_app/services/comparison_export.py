"""A comparison as text: CSV, Markdown and JSON, from the same matrix the screen and paper show.

Pure Python; the facts around the table (clinic name, disclaimer, library version and governance)
come from :func:`comparison_context`, shared with the printed document.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from dataclasses import dataclass, field

from clinic_app.services.comparison import ComparisonCell, ComparisonMatrix, ComparisonRow, scale_text
from clinic_app.services.handouts import clinic_info
from clinic_app.storage.reader import Reader

TITLE = "Comparing your options"
HOW_TO_READ = "Each column is one option. Read across a row to compare them on one question."
STATUS_HEADING = "Status"
GRADE_HEADING = "How sure are we"
_LEGEND = re.compile(r"\(([^()]*\d[^()]*)\)\s*$")
_CSV_FORMULA = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class ComparisonContext:
    """What a printed or exported comparison says around the table."""

    clinic_name: str = ""  # empty until the clinic sets it: never the app's name in its place
    clinic_phone: str = ""
    clinic_hours: str = ""
    disclaimer: str = ""
    library_version: str = ""
    production_date: str = ""
    update_policy: str = ""
    funding: str = ""
    logo: bytes | None = None
    date: dt.date = field(default_factory=dt.date.today)

    @property
    def date_text(self) -> str:
        return self.date.strftime("%d %B %Y").lstrip("0")


def comparison_context(reader: Reader, date: dt.date | None = None) -> ComparisonContext:
    clinic = clinic_info(reader)
    meta = reader.meta()
    library = json.loads(meta.get("library_json") or "{}")
    return ComparisonContext(
        clinic_name=clinic.name.strip(), clinic_phone=clinic.phone.strip(), clinic_hours=clinic.hours.strip(),
        disclaimer=clinic.disclaimer.strip(),
        library_version=meta.get("library_version", ""), production_date=str(library.get("production_date", "")),
        update_policy=library.get("update_policy", ""), funding=library.get("funding", ""), logo=clinic.logo,
        date=date or dt.date.today(),
    )


def scale_legend(row: ComparisonRow) -> str:
    """The meaning of the scale's ends, as the clinician label gives it: ``1 = none, 5 = open surgery``."""
    found = _LEGEND.search(row.clinician_label) if row.kind == "scale" else None
    return found.group(1).strip() if found else ""


def cell_text(cell: ComparisonCell) -> str:
    """One line for a cell: its text, then the scale value."""
    text = " ".join(cell.text.split()) or "Not given"
    return f"{text} ({scale_text(cell.scale)})" if cell.scale is not None else text


def _safe_csv(value: str) -> str:
    """Keep spreadsheet programs from running a cell as a formula."""
    return "'" + value if value.startswith(_CSV_FORMULA) else value


def to_csv(matrix: ComparisonMatrix) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["row", "question", "clinician label", *[_safe_csv(c.patient_name) for c in matrix.columns]])
    writer.writerow(["status", STATUS_HEADING, "Status", *[c.status_label for c in matrix.columns]])
    writer.writerow(["evidence_grade", GRADE_HEADING, "Overall evidence grade", *[c.grade_label for c in matrix.columns]])
    for row in matrix.rows:
        writer.writerow([row.key, _safe_csv(row.patient_question), _safe_csv(row.clinician_label),
                         *[_safe_csv(cell_text(cell)) for cell in row.cells]])
    writer.writerow(["references", "References", "References",
                     *["; ".join(r.key for r in matrix.cited_references(i)) for i in range(len(matrix.columns))]])
    return out.getvalue()


def _md(text: str) -> str:
    text = " ".join(text.split())
    return re.sub(r"([\\|*_`\[\]<>#])", r"\\\1", text)


def to_markdown(matrix: ComparisonMatrix, context: ComparisonContext | None = None) -> str:
    context = context or ComparisonContext()
    title = f"{TITLE} for {matrix.condition.lower()}" if matrix.condition else TITLE
    letterhead = " · ".join(_md(p) for p in (context.clinic_name, context.clinic_phone, context.date_text) if p)
    lines = [f"# {_md(title)}", "", letterhead, "", HOW_TO_READ, ""]
    lines.append("| Question | " + " | ".join(_md(c.patient_name) for c in matrix.columns) + " |")
    lines.append("| --- " * (len(matrix.columns) + 1) + "|")
    lines.append(f"| **{STATUS_HEADING}** | " + " | ".join(c.status_label for c in matrix.columns) + " |")
    lines.append(f"| **{GRADE_HEADING}** | " + " | ".join(c.grade_label for c in matrix.columns) + " |")
    for row in matrix.rows:
        label = _md(row.patient_question) + (f" ({_md(scale_legend(row))})" if scale_legend(row) else "")
        cells = []
        for cell in row.cells:
            refs = f" \\[{', '.join(cell.reference_keys)}\\]" if cell.reference_keys else ""
            cells.append(_md(cell_text(cell)) + refs)
        lines.append(f"| **{label}** | " + " | ".join(cells) + " |")
    lines += ["", "## Where this information comes from", ""]
    for index, column in enumerate(matrix.columns):
        keys = ", ".join(r.key for r in matrix.cited_references(index)) or "no sources cited in these rows"
        lines.append(f"- **{_md(column.patient_name)}**: {keys}")
    lines.append("")
    lines += [f"- {r.key}: {_md(r.citation_line())}" for r in matrix.all_cited_references()]
    lines.append("")
    lines += ["## About this comparison", ""]
    about = [f"Content library {context.library_version}, written {context.production_date}."] if context.library_version else []
    about += [f"{c.patient_name}: version {c.content_version}, last reviewed {c.last_reviewed.isoformat()}."
              for c in matrix.columns]
    about += [t for t in (context.update_policy, context.funding) if t]
    lines += [_md(" ".join(about)), ""]
    if context.disclaimer:
        lines += [f"**Please note.** {_md(context.disclaimer)}", ""]
    return "\n".join(lines)


def to_data(matrix: ComparisonMatrix) -> dict:
    """Everything in the matrix as plain JSON-ready data."""
    return {
        "columns": [
            {"slug": c.slug, "name": c.name, "patient_name": c.patient_name, "category": c.category,
             "status": c.status, "evidence_grade": c.grade, "content_version": c.content_version,
             "last_reviewed": c.last_reviewed.isoformat(),
             "references": [{"key": r.key, "citation": r.citation_line()} for r in matrix.cited_references(i)]}
            for i, c in enumerate(matrix.columns)
        ],
        "rows": [
            {"key": r.key, "patient_question": r.patient_question, "clinician_label": r.clinician_label,
             "kind": r.kind, "differs": r.differs,
             "cells": [{"text": c.text, "scale": c.scale, "badge": c.badge, "references": list(c.reference_keys)}
                       for c in r.cells]}
            for r in matrix.rows
        ],
    }


def to_json(matrix: ComparisonMatrix) -> str:
    return json.dumps(to_data(matrix), indent=2, ensure_ascii=False) + "\n"
