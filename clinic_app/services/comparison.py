"""Comparison tables: two to six therapies side by side, one row per comparison question.

``compare(reader, slugs, rows)`` returns a :class:`ComparisonMatrix`; the screen, the printout and
the CSV, Markdown and JSON exports all read that one matrix. Rows come in the library's order and
carry both the patient's question and the clinician's label; columns carry each therapy's status,
evidence grade and the references its cells cite.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from clinic_app.errors import NotFoundError
from clinic_app.services.library import (
    GRADE_LABELS,
    STATUS_LABELS,
    ReferenceItem,
    TherapyDetail,
    check_known,
    get_condition,
    get_therapy,
    reference_from_row,
    therapy_slugs,
)
from clinic_app.storage.reader import Reader

MIN_OPTIONS, MAX_OPTIONS = 2, 6
KINDS = ("text", "scale", "grade", "status")
SCALE_MAX = 5


@dataclass(frozen=True)
class RowInfo:
    """A comparison row as the library defines it."""

    key: str
    patient_question: str
    clinician_label: str
    kind: str
    position: int


@dataclass(frozen=True)
class ComparisonColumn:
    slug: str
    name: str
    patient_name: str
    category: str
    status: str
    grade: str
    content_version: int
    last_reviewed: dt.date
    references: tuple[ReferenceItem, ...]  # every reference any of its cells cites

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def grade_label(self) -> str:
        return GRADE_LABELS.get(self.grade, self.grade)


@dataclass(frozen=True)
class ComparisonCell:
    text: str
    scale: int | None = None
    badge: str | None = None  # the therapy's grade (grade rows) or status (status rows)
    reference_keys: tuple[str, ...] = ()

    @property
    def missing(self) -> bool:
        return not self.text.strip()

    def comparable(self) -> tuple:
        """What must match for two cells to count as the same: wording (ignoring case, spacing
        and a final full stop), the scale value and the badge."""
        words = " ".join(self.text.split()).casefold().rstrip(".")
        return words, self.scale, self.badge


@dataclass(frozen=True)
class ComparisonRow:
    key: str
    patient_question: str
    clinician_label: str
    kind: str
    cells: tuple[ComparisonCell, ...]

    @property
    def differs(self) -> bool:
        """True when at least two options give a different answer in this row."""
        return len({cell.comparable() for cell in self.cells}) > 1

    def label(self, clinician: bool = False) -> str:
        return self.clinician_label if clinician else self.patient_question


@dataclass(frozen=True)
class ComparisonMatrix:
    columns: tuple[ComparisonColumn, ...]
    rows: tuple[ComparisonRow, ...]
    condition: str = ""  # the condition's name, when the comparison is about one (e.g. "Sciatica")

    @property
    def slugs(self) -> tuple[str, ...]:
        return tuple(c.slug for c in self.columns)

    @property
    def row_keys(self) -> tuple[str, ...]:
        return tuple(r.key for r in self.rows)

    def row(self, key: str) -> ComparisonRow:
        for row in self.rows:
            if row.key == key:
                return row
        raise NotFoundError(f"unknown comparison row {key!r}; rows here: {', '.join(self.row_keys)}")

    def select_rows(self, keys: Iterable[str]) -> ComparisonMatrix:
        """Only the rows in ``keys``, kept in the library's order."""
        wanted = list(keys)
        unknown = [k for k in wanted if k not in self.row_keys]
        if unknown:
            raise NotFoundError(f"unknown comparison row {', '.join(map(repr, unknown))}; "
                                f"valid rows: {', '.join(self.row_keys)}")
        return replace(self, rows=tuple(r for r in self.rows if r.key in wanted))

    def hide_same(self) -> ComparisonMatrix:
        """Only the rows where the options differ."""
        return replace(self, rows=tuple(r for r in self.rows if r.differs))

    def reorder(self, slugs: Sequence[str]) -> ComparisonMatrix:
        """The same matrix with its columns in the order of ``slugs`` (the same therapies)."""
        if sorted(slugs) != sorted(self.slugs):
            raise NotFoundError(f"a new order must name the same therapies: {', '.join(self.slugs)}")
        order = [self.slugs.index(s) for s in slugs]
        rows = tuple(replace(r, cells=tuple(r.cells[i] for i in order)) for r in self.rows)
        return ComparisonMatrix(columns=tuple(self.columns[i] for i in order), rows=rows)

    def cited_references(self, column: int) -> tuple[ReferenceItem, ...]:
        """The references behind the cells shown for one column, in the order they are first cited."""
        keys = dict.fromkeys(k for row in self.rows for k in row.cells[column].reference_keys)
        by_key = {ref.key: ref for ref in self.columns[column].references}
        return tuple(by_key[k] for k in keys if k in by_key)

    def all_cited_references(self) -> tuple[ReferenceItem, ...]:
        """Every reference behind the cells shown, once each, in key order (A2 before A10)."""
        found = {ref.key: ref for i in range(len(self.columns)) for ref in self.cited_references(i)}
        return tuple(found[k] for k in sorted(found, key=natural_key))


def natural_key(key: str) -> tuple:
    """Reference keys in reading order: A2 before A10."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", key))


def row_catalogue(reader: Reader) -> tuple[RowInfo, ...]:
    """Every comparison row the library defines, in its order."""
    rows = reader.query("SELECT key, patient_question, clinician_label, kind, position FROM attribute "
                        "ORDER BY position, key")
    return tuple(RowInfo(*row) for row in rows)


def check_slugs(reader: Reader, slugs: Sequence[str]) -> list[str]:
    """The slugs as given, or a NotFoundError naming what is wrong and listing the valid ones."""
    known = therapy_slugs(reader)
    listing = f"known therapies: {', '.join(known)}"
    if not MIN_OPTIONS <= len(slugs) <= MAX_OPTIONS:
        given = f"{len(slugs)} was given" if len(slugs) == 1 else f"{len(slugs)} were given"
        raise NotFoundError(f"a comparison needs {MIN_OPTIONS} to {MAX_OPTIONS} therapies; {given}; {listing}")
    repeated = sorted({s for s in slugs if list(slugs).count(s) > 1})
    if repeated:
        raise NotFoundError(f"therapy {', '.join(map(repr, repeated))} is listed more than once")
    return check_known(reader, slugs)


def check_rows(reader: Reader, keys: Iterable[str]) -> list[str]:
    valid = [r.key for r in row_catalogue(reader)]
    wanted = list(dict.fromkeys(keys))
    unknown = [k for k in wanted if k not in valid]
    if unknown:
        raise NotFoundError(f"unknown comparison row {', '.join(map(repr, unknown))}; valid rows: {', '.join(valid)}")
    if not wanted:
        raise NotFoundError(f"choose at least one comparison row; valid rows: {', '.join(valid)}")
    return wanted


def _references(reader: Reader, keys: Iterable[str]) -> dict[str, ReferenceItem]:
    wanted = list(dict.fromkeys(keys))
    if not wanted:
        return {}
    marks = ",".join("?" * len(wanted))
    rows = reader.query(f"SELECT * FROM reference WHERE key IN ({marks})", tuple(wanted))  # noqa: S608 - placeholders
    return {row["key"]: reference_from_row(row) for row in rows}


def _column(detail: TherapyDetail, refs: dict[str, ReferenceItem]) -> ComparisonColumn:
    claims = {r.key: r for r in detail.references}
    cited = dict.fromkeys(k for cell in detail.comparison for k in cell.reference_keys)
    return ComparisonColumn(
        slug=detail.slug, name=detail.name, patient_name=detail.patient_name, category=detail.category,
        status=detail.status, grade=detail.evidence_grade, content_version=detail.content_version,
        last_reviewed=detail.last_reviewed,
        references=tuple(claims.get(k, refs[k]) for k in cited if k in claims or k in refs),
    )


def _cell(detail: TherapyDetail, row: RowInfo) -> ComparisonCell:
    found = next((c for c in detail.comparison if c.key == row.key), None)
    badge = detail.evidence_grade if row.kind == "grade" else detail.status if row.kind == "status" else None
    clinic_cost = detail.clinic.get("cost", "") if row.key == "cost" else ""
    if clinic_cost:  # the clinic's own words on cost and coverage, in place of the shipped generic text
        return ComparisonCell(text=clinic_cost, badge=badge)
    if found is None:
        return ComparisonCell(text="", badge=badge)
    scale = found.scale if found.scale is not None and 1 <= found.scale <= SCALE_MAX else None
    return ComparisonCell(text=found.text, scale=scale, badge=badge, reference_keys=found.reference_keys)


def compare(reader: Reader, slugs: Sequence[str], rows: Iterable[str] | None = None,
            condition: str | None = None) -> ComparisonMatrix:
    """Put the therapies ``slugs`` side by side, in that order; ``rows`` picks comparison rows
    (default: all of them); ``condition`` (a slug) says which condition the options are for.
    Raises NotFoundError naming a bad slug, row or condition and listing valid ones."""
    slugs = check_slugs(reader, list(slugs))
    condition_name = get_condition(reader, condition).name if condition else ""
    catalogue = row_catalogue(reader)
    chosen = set(check_rows(reader, rows)) if rows is not None else {r.key for r in catalogue}
    details = [get_therapy(reader, slug) for slug in slugs]
    refs = _references(reader, (k for d in details for c in d.comparison for k in c.reference_keys))
    matrix_rows = tuple(
        ComparisonRow(key=info.key, patient_question=info.patient_question, clinician_label=info.clinician_label,
                      kind=info.kind if info.kind in KINDS else "text", cells=tuple(_cell(d, info) for d in details))
        for info in catalogue if info.key in chosen
    )
    return ComparisonMatrix(columns=tuple(_column(d, refs) for d in details), rows=matrix_rows,
                            condition=condition_name)


def scale_text(value: int | None) -> str:
    return f"{value} of {SCALE_MAX}" if value is not None else ""


def file_stem(matrix: ComparisonMatrix) -> str:
    """A file name for an export: ``compare-prp-vs-nsaids`` style, kept short."""
    stem = "compare-" + "-vs-".join(matrix.slugs)
    return re.sub(r"[^a-z0-9-]+", "-", stem.lower())[:120].strip("-")
