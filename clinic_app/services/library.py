"""The therapy library as the app shows it: lists and details, as frozen dataclasses."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from clinic_app.errors import NotFoundError
from clinic_app.storage.reader import Reader

CATEGORY_LABELS = {"regenerative": "Regenerative therapies", "conventional": "Conventional treatments"}
STATUS_LABELS = {"established": "Established", "emerging": "Emerging", "investigational": "Investigational"}
GRADE_LABELS = {"high": "High", "moderate": "Moderate", "low": "Low", "very low": "Very low"}
STATUS_PLAIN = {
    "established": "This is a standard treatment.",
    "emerging": "This is not yet proven. The evidence is still growing.",
    "investigational": "This is experimental. It is still being tested in studies.",
}
# GRADE certainty in plain words (how sure the evidence lets us be).
CERTAINTY_PLAIN = {
    "high": "We are very sure about what the studies show.",
    "moderate": "We are fairly sure. New studies might change this.",
    "low": "We are not very sure. New studies could change this.",
    "very low": "We are very unsure. The studies are small or weak.",
}

PATIENT_SECTIONS = (
    ("summary", "What is it?"),
    ("how_it_works", "How does it work?"),
    ("procedure", "How is it done?"),
    ("what_to_expect", "What to expect"),
    ("candidates", "Who might it suit?"),
    ("evidence_known", "How well does it work?"),
    ("evidence_unknown", "What we do not know yet"),
    ("risks", "What are the risks?"),
    ("recovery", "Recovery and time off"),
    ("regulatory", "Is it approved?"),
)
CLINICIAN_SECTIONS = (
    ("clinician_summary", "Summary"),
    ("mechanism", "How it works"),
    ("procedure", "Procedure"),
    ("candidates", "Who it suits"),
    ("contraindications", "Contraindications"),
    ("risks", "Risks"),
    ("recovery", "Recovery"),
    ("regulatory_note", "Regulatory status"),
    ("evidence_summary", "Evidence"),
)


@dataclass(frozen=True)
class TherapyListItem:
    slug: str
    name: str
    patient_name: str
    category: str
    status: str
    evidence_grade: str


@dataclass(frozen=True)
class ReferenceItem:
    key: str
    authors: str | None
    year: int
    title: str
    journal: str | None
    citation: str | None
    pmid: str | None
    doi: str | None
    pmcid: str | None
    other_id: str | None
    design: str
    n: int | None
    level: int | None
    certainty: str | None
    finding: str
    verification: str
    claim: str = ""

    def citation_line(self) -> str:
        """Vancouver-style one line: authors. title. journal year;citation. ids."""
        parts = []
        if self.authors:
            parts.append(self.authors.rstrip(".") + ".")
        parts.append(self.title.rstrip(".") + ".")
        source = " ".join(p for p in (self.journal, str(self.year)) if p)
        if self.citation:
            source += f";{self.citation}"
        parts.append(source + ".")
        return " ".join(parts) + (" " + self.identifiers() if self.identifiers() else "")

    def short_line(self) -> str:
        """For patients: first author, title, journal and year, and one identifier to look it up."""
        parts = []
        if self.authors:
            names = [a.strip() for a in self.authors.split(",") if a.strip()]
            parts.append(names[0].rstrip(".") + (" et al." if len(names) > 1 or "et al" in self.authors else "."))
        parts.append(self.title.rstrip(".") + ".")
        parts.append(" ".join(p for p in (self.journal, str(self.year)) if p) + ".")
        lookup = (f"PMID {self.pmid}" if self.pmid else f"doi:{self.doi}" if self.doi else self.pmcid or self.other_id)
        return " ".join(parts) + (f" {lookup}" if lookup else "")

    def identifiers(self) -> str:
        ids = []
        if self.pmid:
            ids.append(f"PMID {self.pmid}")
        if self.doi:
            ids.append(f"doi:{self.doi}")
        if self.pmcid:
            ids.append(self.pmcid)
        if self.other_id:
            ids.append(self.other_id)
        return "; ".join(ids)


@dataclass(frozen=True)
class ComparisonCellItem:
    key: str
    patient_question: str
    clinician_label: str
    kind: str
    position: int
    text: str
    scale: int | None
    reference_keys: tuple[str, ...]


@dataclass(frozen=True)
class TherapyDetail:
    slug: str
    name: str
    patient_name: str
    category: str
    status: str
    evidence_grade: str
    clinician: dict[str, str]
    patient: dict[str, str]
    questions: tuple[str, ...]
    conditions: tuple[str, ...]
    references: tuple[ReferenceItem, ...]
    comparison: tuple[ComparisonCellItem, ...]
    content_version: int
    production_date: dt.date
    last_reviewed: dt.date
    reviewer: str
    update_policy: str
    funding: str
    origin: str
    pending_shipped_version: int | None

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def grade_label(self) -> str:
        return GRADE_LABELS[self.evidence_grade]

    @property
    def category_label(self) -> str:
        return CATEGORY_LABELS[self.category]


_LIST_SQL = (
    "SELECT slug, name, patient_name, category, status, evidence_grade FROM therapy "
    "ORDER BY CASE category WHEN 'regenerative' THEN 0 ELSE 1 END, name COLLATE NOCASE"
)


def list_therapies(reader: Reader) -> list[TherapyListItem]:
    return [TherapyListItem(*row) for row in reader.query(_LIST_SQL)]


def therapy_slugs(reader: Reader) -> list[str]:
    return [row[0] for row in reader.query("SELECT slug FROM therapy ORDER BY slug")]


def get_therapy(reader: Reader, slug: str) -> TherapyDetail:
    rows = reader.query("SELECT * FROM therapy WHERE slug = ?", (slug,))
    if not rows:
        raise NotFoundError(f"unknown therapy {slug!r}; known therapies: {', '.join(therapy_slugs(reader))}")
    row = rows[0]
    patient = json.loads(row["patient_text"])
    questions = tuple(patient.pop("questions", ()))
    refs = reader.query(
        "SELECT r.*, tr.claim FROM therapy_reference tr JOIN reference r ON r.id = tr.reference_id "
        "WHERE tr.therapy_id = ? ORDER BY tr.position",
        (row["id"],),
    )
    cells = reader.query(
        "SELECT a.key, a.patient_question, a.clinician_label, a.kind, a.position, v.text, v.scale, "
        "v.reference_keys FROM attribute a JOIN attribute_value v ON v.attribute_id = a.id "
        "WHERE v.therapy_id = ? ORDER BY a.position",
        (row["id"],),
    )
    conditions = reader.query(
        "SELECT c.name FROM condition c JOIN therapy_condition tc ON tc.condition_id = c.id "
        "WHERE tc.therapy_id = ? ORDER BY c.name",
        (row["id"],),
    )
    return TherapyDetail(
        slug=row["slug"],
        name=row["name"],
        patient_name=row["patient_name"],
        category=row["category"],
        status=row["status"],
        evidence_grade=row["evidence_grade"],
        clinician={key: row[key] for key, _ in CLINICIAN_SECTIONS},
        patient=patient,
        questions=questions,
        conditions=tuple(c[0] for c in conditions),
        references=tuple(reference_from_row(r, claim=r["claim"]) for r in refs),
        comparison=tuple(
            ComparisonCellItem(
                key=c["key"], patient_question=c["patient_question"], clinician_label=c["clinician_label"],
                kind=c["kind"], position=c["position"], text=c["text"], scale=c["scale"],
                reference_keys=tuple(json.loads(c["reference_keys"] or "[]")),
            )
            for c in cells
        ),
        content_version=row["content_version"],
        production_date=dt.date.fromisoformat(row["production_date"]),
        last_reviewed=dt.date.fromisoformat(row["last_reviewed"]),
        reviewer=row["reviewer"],
        update_policy=row["update_policy"],
        funding=row["funding"],
        origin=row["origin"],
        pending_shipped_version=row["pending_shipped_version"],
    )


def reference_from_row(row, claim: str = "") -> ReferenceItem:  # noqa: ANN001
    return ReferenceItem(
        key=row["key"], authors=row["authors"], year=row["year"], title=row["title"], journal=row["journal"],
        citation=row["citation"], pmid=row["pmid"], doi=row["doi"], pmcid=row["pmcid"],
        other_id=row["other_id"], design=row["design"], n=row["n"], level=row["level"],
        certainty=row["certainty"], finding=row["finding"], verification=row["verification"], claim=claim,
    )


def library_info(reader: Reader) -> dict[str, str]:
    """Store facts for About boxes and reports: content version, fingerprint, therapy count."""
    info = {row[0]: row[1] for row in reader.query("SELECT key, value FROM app_meta")}
    info["therapies"] = str(reader.query("SELECT count(*) FROM therapy")[0][0])
    return info
