"""The shape of the shipped content files, checked by pydantic.

One YAML file per therapy (``resources/therapies/<slug>.yaml``), plus the shared
files ``references.yaml``, ``attributes.yaml``, ``conditions.yaml`` and ``library.yaml``.
Unknown fields are errors (``extra="forbid"``) so a typo never silently drops text.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Category = Literal["regenerative", "procedure", "medicine", "non-drug"]
Status = Literal["established", "emerging", "investigational"]
Grade = Literal["high", "moderate", "low", "very low"]
AttributeKind = Literal["text", "scale", "grade", "status"]
Verification = Literal["VERIFIED", "PARTIAL"]

CATEGORIES: tuple[str, ...] = ("regenerative", "procedure", "medicine", "non-drug")
STATUSES: tuple[str, ...] = ("established", "emerging", "investigational")
GRADES: tuple[str, ...] = ("high", "moderate", "low", "very low")

SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
KEY_PATTERN = r"^[A-Z][0-9]{1,2}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class ClinicianText(_Strict):
    """Text for the clinician: concise, with study numbers and inline [KEY] citations."""

    summary: str = Field(min_length=20)
    mechanism: str = Field(min_length=20)
    procedure: str = Field(min_length=20)
    candidates: str = Field(min_length=20)
    contraindications: str = Field(min_length=20)
    risks: str = Field(min_length=20)
    recovery: str = Field(min_length=20)
    regulatory: str = Field(min_length=20)
    evidence: str = Field(min_length=20)


PAPER_MAX = 300  # characters in one part of the paper version: two or three short sentences
PaperPart = Annotated[str, Field(min_length=20, max_length=PAPER_MAX)]


class PaperText(_Strict):
    """The therapy as a handout prints it: each part in two or three short sentences, drawn only
    from the patient text (no number or finding that the patient text does not hold), so a
    handout about one option fits two pages. The screen keeps the whole text."""

    summary: PaperPart
    procedure: PaperPart
    evidence_known: PaperPart
    evidence_unknown: PaperPart
    risks: PaperPart
    recovery: PaperPart
    regulatory: PaperPart


class FigureGroup(_Strict):
    label: str = Field(min_length=2, max_length=32, description="who the number is about, e.g. 'PRP shot'")
    count: int = Field(ge=0, le=100, description="how many in 100")


class Figure(_Strict):
    """A number in the patient text drawn as an icon array: 100 figures, so many shaded, one array per
    group, all out of 100. Each count must stand in the text of its part as "N in 100"."""

    part: Literal["summary", "procedure", "evidence_known", "evidence_unknown", "risks", "recovery", "regulatory"]
    caption: str = Field(min_length=10, max_length=120, description="what the arrays show, in plain words")
    groups: list[FigureGroup] = Field(min_length=1, max_length=3)


class PatientText(_Strict):
    """Text for the patient: plain words, "you", short sentences (US grade 8 or lower)."""

    summary: str = Field(min_length=20)
    how_it_works: str = Field(min_length=20)
    procedure: str = Field(min_length=20)
    what_to_expect: str = Field(min_length=20)
    candidates: str = Field(min_length=20)
    risks: str = Field(min_length=20)
    recovery: str = Field(min_length=20)
    regulatory: str = Field(min_length=20)
    evidence_known: str = Field(min_length=20)
    evidence_unknown: str = Field(min_length=20)
    questions: list[str] = Field(min_length=3, max_length=7)
    paper: PaperText | None = None
    figures: list[Figure] = Field(default_factory=list)

    @field_validator("questions")
    @classmethod
    def _questions_are_questions(cls, value: list[str]) -> list[str]:
        for question in value:
            if not question.strip().endswith("?"):
                raise ValueError(f"each question must end with '?': {question!r}")
        return value


class TherapyReferenceEntry(_Strict):
    key: str = Field(pattern=KEY_PATTERN)
    supports: str = Field(min_length=10, description="the claim this reference supports")


class ConditionPosition(_Strict):
    """Where a therapy's evidence or guideline position differs by condition: said per condition."""

    condition: str = Field(pattern=SLUG_PATTERN)
    clinician: str = Field(min_length=20, description="with [KEY] citations")
    patient: str = Field(min_length=20, description="plain words, grade 8 or lower")
    paper: PaperPart | None = Field(default=None, description="the note as a handout prints it, when 'patient' is long")


Alias = Annotated[str, Field(min_length=2, max_length=40)]


def _check_aliases(value: list[str]) -> list[str]:
    seen: set[str] = set()
    for alias in value:
        folded = alias.casefold()
        if folded in seen:
            raise ValueError(f"alias {alias!r} is listed twice")
        seen.add(folded)
    return value


class ComparisonCell(_Strict):
    text: str = Field(min_length=3)
    scale: int | None = Field(default=None, ge=1, le=5)
    refs: list[str] = Field(default_factory=list)


class TherapyFile(_Strict):
    slug: str = Field(pattern=SLUG_PATTERN)
    name: str = Field(min_length=3)
    patient_name: str = Field(min_length=3)
    category: Category
    status: Status
    evidence_grade: Grade
    content_version: int = Field(ge=1)
    production_date: dt.date
    last_reviewed: dt.date
    reviewer: str = Field(min_length=3)
    update_policy: str = Field(min_length=20)
    funding: str = Field(min_length=20)
    aliases: list[Alias] = Field(default_factory=list, description="abbreviations, drug and brand names, lay words")
    conditions: list[str] = Field(min_length=1)
    clinician: ClinicianText
    patient: PatientText
    by_condition: list[ConditionPosition] = Field(default_factory=list)
    references: list[TherapyReferenceEntry] = Field(min_length=1)
    comparison: dict[str, ComparisonCell]

    @field_validator("aliases")
    @classmethod
    def _unique_aliases(cls, value: list[str]) -> list[str]:
        return _check_aliases(value)


class ReferenceFile(_Strict):
    key: str = Field(pattern=KEY_PATTERN)
    authors: str | None = None
    year: int | None = Field(default=None, ge=1900, le=2100, description="publication year; null for a regulation in force")
    title: str = Field(min_length=5)
    title_is_label: bool = Field(default=False, description="the title is a description: the original title was not seen")
    journal: str | None = None
    citation: str | None = Field(default=None, description="volume, issue, pages as verified")
    pmid: str | None = Field(default=None, pattern=r"^[0-9]{5,9}$")
    doi: str | None = Field(default=None, pattern=r"^10\.[0-9]{4,9}/\S+$")
    pmcid: str | None = Field(default=None, pattern=r"^PMC[0-9]{5,9}$")
    other_id: str | None = Field(default=None, description="guideline, registry or regulation id")
    design: str = Field(min_length=3)
    n: int | None = Field(default=None, ge=1)
    level: int | None = Field(default=None, ge=1, le=5, description="Oxford 2011 level")
    certainty: Grade | None = None
    finding: str = Field(min_length=10)
    verification: Verification
    source_seen: str = Field(min_length=3)
    note: str | None = Field(default=None, description="for the content team only (what was not recorded); never printed")


class AttributeFile(_Strict):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    patient_question: str = Field(min_length=5)
    clinician_label: str = Field(min_length=3)
    kind: AttributeKind = "text"
    order: int = Field(ge=1)


class ConditionClinicianText(_Strict):
    """The condition for the clinician, with [KEY] citations."""

    what_it_is: str = Field(min_length=20)
    natural_course: str = Field(min_length=20)
    guidelines_first: str = Field(min_length=20)
    red_flags: str = Field(min_length=20)


class ConditionPatientText(_Strict):
    """The condition in the patient's words (grade 8 or lower per field)."""

    what_it_is: str = Field(min_length=20)
    natural_course: str = Field(min_length=20)
    first_steps: str = Field(min_length=20)
    decision: str = Field(min_length=10, description='"You and your doctor are deciding how to treat your ..."')
    actions: list[str] = Field(min_length=2, max_length=4, description='"What you can do now": explicit steps')
    urgent: list[str] = Field(min_length=3, description="go to the emergency department now if ...")
    see_doctor_soon: list[str] = Field(min_length=2, description="see your doctor as soon as possible if ...")
    paper_natural_course: PaperPart | None = Field(
        default=None, description="how it usually goes, as a handout about one option prints it")
    paper_urgent: list[Annotated[str, Field(min_length=5, max_length=90)]] = Field(
        default_factory=list, max_length=7,
        description="every 'get help urgently' sign in a few words, run in on the one-page grid")


class ConditionFile(_Strict):
    slug: str = Field(pattern=SLUG_PATTERN)
    name: str = Field(min_length=3)
    patient_name: str = Field(min_length=3)
    description: str = Field(min_length=10)
    aliases: list[Alias] = Field(default_factory=list)
    order: int = Field(ge=1)
    clinician: ConditionClinicianText
    patient: ConditionPatientText
    references: list[TherapyReferenceEntry] = Field(min_length=1)

    @field_validator("aliases")
    @classmethod
    def _unique_aliases(cls, value: list[str]) -> list[str]:
        return _check_aliases(value)


class LibraryFile(_Strict):
    """Library-wide metadata: the shipped content version and the default disclaimer."""

    version: str = Field(pattern=r"^[0-9]{4}\.[0-9]{1,2}\.[0-9]+$")
    title: str = Field(min_length=3)
    production_date: dt.date
    update_policy: str = Field(min_length=20)
    funding: str = Field(min_length=20)
    disclaimer: str = Field(min_length=20)
    # beside a handout of only emerging or investigational options: condition slug -> therapy slug
    first_options: dict[str, str] = Field(default_factory=dict)
    self_care: str | None = None
