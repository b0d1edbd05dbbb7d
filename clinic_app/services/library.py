"""The therapy library as the app shows it: lists and details, as frozen dataclasses."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from clinic_app.errors import DatabaseError, NotFoundError
from clinic_app.storage.dialect import Sql
from clinic_app.storage.reader import Reader

CATEGORY_LABELS = {
    "regenerative": "Regenerative therapies (experimental)",
    "procedure": "Surgery and injections",
    "medicine": "Medicines",
    "non-drug": "Non-drug therapies and self-care",
}
STATUS_LABELS = {"established": "Established", "emerging": "Emerging", "investigational": "Investigational"}
# A shape beside each status word on paper, so the status reads in black and white too.
STATUS_MARKS = {"established": "\u25cf", "emerging": "\u25b2", "investigational": "\u25c6"}
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


CONDITION_PATIENT_SECTIONS = (
    ("what_it_is", "What is it?"),
    ("natural_course", "How does it usually go?"),
    ("first_steps", "What helps first"),
)
CONDITION_CLINICIAN_SECTIONS = (
    ("what_it_is", "What it is"),
    ("natural_course", "Natural course"),
    ("guidelines_first", "What guidelines advise first"),
    ("red_flags", "Red flags"),
)
URGENT_LEAD = "Go to the emergency department or call your emergency number now if any of these starts suddenly:"
SOON_LEAD = "See your doctor as soon as you can if you have back pain and:"


REVIEW_DUE_MARK = "Review due"  # its text was last reviewed more than 12 months ago
SHIPPED_CHANGED_MARK = "Shipped text changed"  # since the clinic's edit: 'clinic-app edit changed'


@dataclass(frozen=True)
class TherapyListItem:
    slug: str
    name: str
    patient_name: str
    category: str
    status: str
    evidence_grade: str
    conditions: tuple[str, ...] = ()
    review_due: bool = False  # its last review is more than 12 months old: the list marks it
    shipped_changed: bool = False  # the clinic edited it and a newer shipped text waits for review

    @property
    def marks(self) -> tuple[str, ...]:
        """What the list says beside the evidence grade for the clinic's content team."""
        return tuple(mark for mark, on in ((REVIEW_DUE_MARK, self.review_due),
                                           (SHIPPED_CHANGED_MARK, self.shipped_changed)) if on)


@dataclass(frozen=True)
class ConditionItem:
    """A condition as the browser lists it: the doctor picks it first, and the options follow."""

    slug: str
    name: str
    patient_name: str
    description: str


@dataclass(frozen=True)
class ConditionPosition:
    """A therapy's evidence or guideline position for one condition."""

    condition: str
    condition_name: str
    patient_condition_name: str
    clinician: str
    patient: str
    paper: str = ""  # the note as a handout prints it, where the note is long


@dataclass(frozen=True)
class ConditionDetail:
    slug: str
    name: str
    patient_name: str
    description: str
    aliases: tuple[str, ...]
    clinician: dict[str, str]
    patient: dict[str, str]
    urgent: tuple[str, ...]
    see_doctor_soon: tuple[str, ...]
    decision: str
    references: tuple[ReferenceItem, ...]
    therapies: tuple[TherapyListItem, ...]
    actions: tuple[str, ...] = ()
    urgent_brief: tuple[str, ...] = ()  # every urgent sign in a few words (for the one-page grid)
    shipped_changed: bool = False  # the clinic edited it and a newer shipped text waits for review


@dataclass(frozen=True)
class ReferenceItem:
    key: str
    authors: str | None
    year: int | None
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
    source_seen: str = ""
    note: str = ""
    title_is_label: bool = False

    def not_recorded(self) -> list[str]:
        """What the checked record lacks, and the content team's note, for the clinician view only."""
        from clinic_app.content.records import not_recorded

        return not_recorded(self) + ([self.note] if self.note else [])

    def citation_line(self) -> str:
        """Vancouver-style one line: authors. title. journal year;citation. ids."""
        parts = []
        if self.authors:
            parts.append(self.authors.rstrip(".") + ".")
        parts.append(self.title.rstrip(".") + ".")
        source = " ".join(p for p in (self.journal, str(self.year or "")) if p)
        if self.citation:
            source += f";{self.citation}"
        if source:
            parts.append(source + ".")
        return " ".join(parts) + (" " + self.identifiers() if self.identifiers() else "")

    def short_line(self) -> str:
        """For patients: first author, title, journal and year, and one identifier to look it up."""
        parts = []
        if self.authors:
            names = [a.strip() for a in self.authors.split(",") if a.strip()]
            parts.append(names[0].rstrip(".") + (" et al." if len(names) > 1 or "et al" in self.authors else "."))
        parts.append(self.title.rstrip(".") + ".")
        source = " ".join(p for p in (self.journal, str(self.year or "")) if p)
        if source:
            parts.append(source + ".")
        lookup = (f"PMID {self.pmid}" if self.pmid else f"doi:{self.doi}" if self.doi else self.pmcid or self.other_id)
        return " ".join(parts) + (f" {lookup}" if lookup else "")

    def compact_line(self) -> str:
        """For a handout's numbered list of sources: first author, journal, year and one identifier
        to look the work up; the title only where there is no author or journal to name it by (a
        guideline, a regulator's page)."""
        lookup = (f"PMID {self.pmid}" if self.pmid else f"doi:{self.doi}" if self.doi else self.pmcid or self.other_id)
        if self.journal and not self.authors and (self.pmid or self.doi):  # the identifier finds it
            return " ".join(f"{self.journal} {self.year or ''}.".split()) + f" {lookup}"
        if not (self.authors and self.journal):
            return " ".join(self.short_line().split())
        names = [a.strip() for a in self.authors.split(",") if a.strip()]
        first = names[0].rstrip(".") + (" et al." if len(names) > 1 or "et al" in self.authors else ".")
        lookup = (f"PMID {self.pmid}" if self.pmid else f"doi:{self.doi}" if self.doi else self.pmcid or self.other_id)
        source = " ".join(p for p in (self.journal, str(self.year or "")) if p)
        return " ".join(f"{first} {source}.".split()) + (f" {lookup}" if lookup else "")

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
    aliases: tuple[str, ...] = ()
    condition_slugs: tuple[str, ...] = ()
    by_condition: tuple[ConditionPosition, ...] = ()
    paper: dict[str, str] = field(default_factory=dict)  # the shorter parts a handout prints, where written
    figures: tuple[dict, ...] = ()  # icon arrays: {"part", "caption", "groups": [{"label", "count"}]}
    # the clinic's own fields beside the shipped text (cost, offered, protocol, contact), only those
    # set; see clinic_app.services.clinic_fields
    clinic: dict[str, str] = field(default_factory=dict)
    clinic_revision: int = 0  # the latest revision of those fields (0: never set), which a handout logs

    @property
    def offered(self) -> bool:
        """False when the clinic has said it does not offer this therapy."""
        return self.clinic.get("offered") != "no"

    @property
    def protocol(self) -> str:
        """The clinic's local protocol notes (for clinicians only), or ""."""
        return self.clinic.get("protocol", "")

    def position_for(self, condition: str | None) -> ConditionPosition | None:
        """What this therapy's entry says about one condition, if it says something apart."""
        return next((p for p in self.by_condition if p.condition == condition), None)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def grade_label(self) -> str:
        return GRADE_LABELS[self.evidence_grade]

    @property
    def category_label(self) -> str:
        return CATEGORY_LABELS[self.category]


_CATEGORY_ORDER = " ".join(f"WHEN '{key}' THEN {index}" for index, key in enumerate(CATEGORY_LABELS))


def _list_sql(sql: Sql) -> str:
    return (
        "SELECT t.slug, t.name, t.patient_name, t.category, t.status, t.evidence_grade, "
        f"(SELECT {sql.joined('c.slug', ' ')} FROM therapy_condition tc JOIN condition c ON c.id = tc.condition_id "
        " WHERE tc.therapy_id = t.id), t.last_reviewed, t.pending_shipped_version FROM therapy t "
        f"ORDER BY CASE t.category {_CATEGORY_ORDER} ELSE 9 END, {sql.nocase('t.name')}"
    )


def list_therapies(reader: Reader, patient_facing: bool = False) -> list[TherapyListItem]:
    """Every therapy in the library's order; ``patient_facing`` leaves out those the clinic has said
    it does not offer (search and :func:`get_therapy` still find them)."""
    from clinic_app.content.review import is_review_due

    today = dt.date.today()
    items = [TherapyListItem(*row[:6], conditions=tuple((row[6] or "").split()),
                             review_due=bool(row[7]) and is_review_due(str(row[7])[:10], today),
                             shipped_changed=row[8] is not None)
             for row in reader.query(_list_sql(reader.sql))]
    if patient_facing:
        from clinic_app.services.clinic_fields import not_offered

        hidden = not_offered(reader)
        items = [item for item in items if item.slug not in hidden]
    return items


def list_conditions(reader: Reader) -> list[ConditionItem]:
    return [ConditionItem(*row) for row in reader.query(
        "SELECT slug, name, patient_name, description FROM condition ORDER BY position, name")]


def get_condition(reader: Reader, slug: str) -> ConditionDetail:
    rows = reader.query("SELECT * FROM condition WHERE slug = ?", (slug,))
    if not rows:
        known = ", ".join(c.slug for c in list_conditions(reader))
        raise NotFoundError(f"unknown condition {slug!r}; known conditions: {known}")
    row = rows[0]
    patient = json.loads(row["patient_text"] or "{}")
    refs = reader.query(
        "SELECT r.*, cr.claim FROM condition_reference cr JOIN reference r ON r.id = cr.reference_id "
        "WHERE cr.condition_id = ? ORDER BY cr.position", (row["id"],))
    return ConditionDetail(
        slug=row["slug"], name=row["name"], patient_name=row["patient_name"], description=row["description"],
        aliases=tuple(json.loads(row["aliases"] or "[]")),
        clinician=json.loads(row["clinician_text"] or "{}"),
        patient={k: v for k, v in patient.items() if isinstance(v, str) and k != "decision"},
        actions=tuple(patient.get("actions", ())),
        urgent=tuple(patient.get("urgent", ())), see_doctor_soon=tuple(patient.get("see_doctor_soon", ())),
        urgent_brief=tuple(patient.get("paper_urgent") or ()),
        decision=patient.get("decision", ""),
        references=tuple(reference_from_row(r, claim=r["claim"]) for r in refs),
        therapies=tuple(t for t in list_therapies(reader) if slug in t.conditions),
        shipped_changed=bool(reader.query(_CONDITION_SHIPPED_CHANGED, (slug, slug))),
    )


# The condition's current text is the clinic's, and a newer shipped text than the one it is based on
# arrived after it (see services.condition_edits.shipped_change, which also says what changed).
_CONDITION_SHIPPED_CHANGED = (
    "SELECT 1 FROM condition_revision cur WHERE cur.condition_slug = ? AND cur.origin = 'clinic' "
    "AND cur.revision = (SELECT max(revision) FROM condition_revision WHERE condition_slug = cur.condition_slug "
    "AND origin <> 'shipped-pending') AND EXISTS (SELECT 1 FROM condition_revision p WHERE p.condition_slug = ? "
    "AND p.origin = 'shipped-pending' AND p.revision > cur.revision AND p.content_hash <> cur.base_hash)")


def therapy_slugs(reader: Reader) -> list[str]:
    return [row[0] for row in reader.query("SELECT slug FROM therapy ORDER BY slug")]


def unknown_therapies(reader: Reader, unknown: Sequence[str]) -> NotFoundError:
    """The error for slugs the library does not hold, listing the ones it does."""
    return NotFoundError(f"unknown therapy {', '.join(map(repr, unknown))}; known therapies: "
                         f"{', '.join(therapy_slugs(reader))}")


def check_known(reader: Reader, slugs: Sequence[str]) -> list[str]:
    """``slugs`` as given when the library holds every one; else the error naming the others."""
    known = set(therapy_slugs(reader))
    unknown = [slug for slug in slugs if slug not in known]
    if unknown:
        raise unknown_therapies(reader, unknown)
    return list(slugs)


def library_meta(reader: Reader) -> dict:
    """The library's own metadata from library.yaml (disclaimer, first options, production date...)."""
    return json.loads(reader.meta().get("library_json") or "{}")


def get_therapy(reader: Reader, slug: str) -> TherapyDetail:
    rows = reader.query("SELECT * FROM therapy WHERE slug = ?", (slug,))
    if not rows:
        raise unknown_therapies(reader, [slug])
    row = rows[0]
    patient = json.loads(row["patient_text"])
    questions = tuple(patient.pop("questions", ()))
    paper = patient.pop("paper", None) or {}
    figures = tuple(patient.pop("figures", None) or ())
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
        "SELECT c.name, c.slug, c.patient_name FROM condition c JOIN therapy_condition tc ON tc.condition_id = c.id "
        "WHERE tc.therapy_id = ? ORDER BY c.position, c.name",
        (row["id"],),
    )
    condition_names = {c[1]: (c[0], c[2]) for c in conditions}
    positions = tuple(
        ConditionPosition(p["condition"], *condition_names.get(p["condition"], (p["condition"], p["condition"])),
                          p["clinician"], p["patient"], p.get("paper") or "")
        for p in json.loads(row["by_condition"] or "[]")
    )
    from clinic_app.services.clinic_fields import fields_for

    return TherapyDetail(
        slug=row["slug"],
        name=row["name"],
        patient_name=row["patient_name"],
        category=row["category"],
        status=row["status"],
        evidence_grade=row["evidence_grade"],
        clinician={key: row[key] for key, _ in CLINICIAN_SECTIONS},
        patient=patient,
        paper=paper,
        figures=figures,
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
        aliases=tuple(json.loads(row["aliases"] or "[]")),
        condition_slugs=tuple(c[1] for c in conditions),
        by_condition=positions,
        clinic=fields_for(reader, row["slug"]),
        clinic_revision=latest_clinic_revision(reader, row["slug"]),
    )


def latest_clinic_revision(reader: Reader, slug: str) -> int:
    """The id of the latest change to ``slug``'s clinic fields, or 0 when the clinic never set one."""
    try:
        rows = reader.query("SELECT max(id) FROM clinic_field_revision WHERE therapy_slug = ?", (slug,))
    except DatabaseError as exc:  # a store not yet upgraded to hold the clinic's fields has none
        if "no such table: clinic_field_revision" in str(exc):
            return 0
        raise
    return rows[0][0] or 0


def reference_from_row(row, claim: str = "") -> ReferenceItem:  # noqa: ANN001
    return ReferenceItem(
        key=row["key"], authors=row["authors"], year=row["year"], title=row["title"], journal=row["journal"],
        citation=row["citation"], pmid=row["pmid"], doi=row["doi"], pmcid=row["pmcid"],
        other_id=row["other_id"], design=row["design"], n=row["n"], level=row["level"],
        certainty=row["certainty"], finding=row["finding"], verification=row["verification"], claim=claim,
        source_seen=row["source_seen"] or "", note=row["note"] or "", title_is_label=bool(row["title_is_label"]),
    )


def library_info(reader: Reader) -> dict[str, str]:
    """Store facts for About boxes and reports: content version, fingerprint, therapy count."""
    info = reader.meta()
    info["therapies"] = str(reader.query("SELECT count(*) FROM therapy")[0][0])
    return info
