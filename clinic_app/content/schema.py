"""The shape of the shipped content files, checked by pydantic.

One YAML file per therapy (``resources/therapies/<slug>.yaml``), plus the shared
files ``references.yaml``, ``attributes.yaml``, ``conditions.yaml`` and ``library.yaml``.
Unknown fields are errors (``extra="forbid"``) so a typo never silently drops text.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Category = Literal["regenerative", "conventional"]
Status = Literal["established", "emerging", "investigational"]
Grade = Literal["high", "moderate", "low", "very low"]
AttributeKind = Literal["text", "scale", "grade", "status"]
Verification = Literal["VERIFIED", "PARTIAL"]

CATEGORIES: tuple[str, ...] = ("regenerative", "conventional")
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
    conditions: list[str] = Field(default_factory=list)
    clinician: ClinicianText
    patient: PatientText
    references: list[TherapyReferenceEntry] = Field(min_length=1)
    comparison: dict[str, ComparisonCell]


class ReferenceFile(_Strict):
    key: str = Field(pattern=KEY_PATTERN)
    authors: str | None = None
    year: int = Field(ge=1900, le=2100)
    title: str = Field(min_length=5)
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


class AttributeFile(_Strict):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    patient_question: str = Field(min_length=5)
    clinician_label: str = Field(min_length=3)
    kind: AttributeKind = "text"
    order: int = Field(ge=1)


class ConditionFile(_Strict):
    slug: str = Field(pattern=SLUG_PATTERN)
    name: str = Field(min_length=3)
    description: str = Field(min_length=10)


class LibraryFile(_Strict):
    """Library-wide metadata: the shipped content version and the default disclaimer."""

    version: str = Field(pattern=r"^[0-9]{4}\.[0-9]{1,2}\.[0-9]+$")
    title: str = Field(min_length=3)
    production_date: dt.date
    update_policy: str = Field(min_length=20)
    funding: str = Field(min_length=20)
    disclaimer: str = Field(min_length=20)
