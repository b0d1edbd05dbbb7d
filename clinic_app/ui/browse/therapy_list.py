"""The therapy list: grouped by category, or the ranked hits of a search, filtered by category and status.

Header rows (the categories: regenerative, surgery and injections, medicines, non-drug) and
notice rows ("No therapy matches ...", "Showing results for ...") are neither selectable nor enabled, so arrow keys skip
them; therapy rows carry the slug, status and evidence grade in their own roles, and search hits
their highlighted snippet, for :class:`~clinic_app.ui.browse.therapy_delegate.TherapyDelegate` to paint.

A library may hold thousands of therapies, so filling the model is one reset over plain tuples
made in a single pass (the store already returns them grouped and sorted); text is formatted
only for the rows the view asks about.
"""

from __future__ import annotations

from typing import NamedTuple

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

from clinic_app.services.library import CATEGORY_LABELS, GRADE_LABELS, STATUS_LABELS, STATUS_PLAIN, TherapyListItem
from clinic_app.services.search import SearchHit

# Markers the search service puts around matched words in a snippet; control characters never
# occur in content, so they cannot be confused with text.
MARK_OPEN, MARK_CLOSE = "\x02", "\x03"

KIND_HEADER, KIND_NOTICE, KIND_THERAPY, KIND_HIT = "header", "notice", "therapy", "hit"

KindRole = Qt.ItemDataRole.UserRole + 1
SlugRole = Qt.ItemDataRole.UserRole + 2
CategoryRole = Qt.ItemDataRole.UserRole + 3
StatusRole = Qt.ItemDataRole.UserRole + 4
GradeRole = Qt.ItemDataRole.UserRole + 5
SnippetRole = Qt.ItemDataRole.UserRole + 6
MarksRole = Qt.ItemDataRole.UserRole + 7  # ("Review due", "Shipped text changed"): for the content team


class _Row(NamedTuple):
    kind: str
    text: str
    slug: str = ""
    category: str = ""
    status: str = ""
    grade: str = ""
    snippet: str = ""
    marks: tuple[str, ...] = ()


def plain_snippet(snippet: str) -> str:
    """A snippet without its highlight markers, for tooltips and screen readers."""
    return snippet.replace(MARK_OPEN, "").replace(MARK_CLOSE, "")


class TherapyListModel(QAbstractListModel):
    """All therapies grouped by category, or the search hits in rank order; both filtered."""

    def __init__(self, parent=None) -> None:  # noqa: ANN001
        super().__init__(parent)
        self._therapies: list[TherapyListItem] = []
        self._hits: list[SearchHit] | None = None
        self._query = ""
        self._corrected: str | None = None
        self._category = ""
        self._status = ""
        self._condition = ""
        self._conditions_of: dict[str, tuple[str, ...]] | None = None
        self._marks: dict[str, tuple[str, ...]] = {}
        self._rows: list[_Row] = []

    # -- what the model shows -------------------------------------------------------------
    def set_therapies(self, therapies: list[TherapyListItem]) -> None:
        self._therapies = list(therapies)
        self._conditions_of = None
        self._marks = {t.slug: t.marks for t in self._therapies if t.marks}
        self._rebuild()

    def set_hits(self, query: str, hits: list[SearchHit] | None, corrected: str | None = None) -> None:
        """Show the ranked ``hits`` for ``query``; ``None`` returns to the grouped list. ``corrected`` is
        the query that was run instead when the typed one found nothing ("did you mean")."""
        self._query = query if hits is not None else ""
        self._hits = list(hits) if hits is not None else None
        self._corrected = corrected if hits else None
        self._rebuild()

    def set_filter(self, category: str = "", status: str = "", condition: str = "") -> None:
        """Keep only rows of this category, status and condition ("" keeps all); the same filter
        again changes nothing, so the rows are not rebuilt."""
        if (category, status, condition) == (self._category, self._status, self._condition):
            return
        self._category, self._status, self._condition = category, status, condition
        self._rebuild()

    def is_searching(self) -> bool:
        return self._hits is not None

    def query(self) -> str:
        """The search text whose hits are shown ("" for the grouped list)."""
        return self._query

    def therapy_count(self) -> int:
        return sum(1 for row in self._rows if row.kind in (KIND_THERAPY, KIND_HIT))

    def row_of(self, slug: str) -> int:
        return next((i for i, row in enumerate(self._rows) if row.slug == slug and slug), -1)

    def first_therapy_row(self) -> int:
        return next((i for i, row in enumerate(self._rows) if row.kind in (KIND_THERAPY, KIND_HIT)), -1)

    def slug_at(self, row: int) -> str:
        return self._rows[row].slug if 0 <= row < len(self._rows) else ""

    def keeps(self, category: str, status: str, conditions: tuple[str, ...]) -> bool:
        """Whether the filters let a therapy of this category, status and conditions through."""
        return self._keep(category, status, conditions)

    def _keep(self, category: str, status: str, conditions: tuple[str, ...] = ()) -> bool:
        return ((not self._category or category == self._category) and (not self._status or status == self._status)
                and (not self._condition or self._condition in conditions))

    def _conditions(self, slug: str) -> tuple[str, ...]:
        """A hit's conditions (hits do not carry them), from the therapies, indexed on first need."""
        if self._conditions_of is None:
            self._conditions_of = {t.slug: t.conditions for t in self._therapies}
        return self._conditions_of.get(slug, ())

    def _filtered(self) -> bool:
        return bool(self._category or self._status or self._condition)

    def _rebuild(self) -> None:
        self.beginResetModel()
        self._rows = self._hit_rows() if self._hits is not None else self._grouped_rows()
        self.endResetModel()

    def _grouped_rows(self) -> list[_Row]:
        """One pass over the therapies, into their category's group, in the order the store gave."""
        groups: dict[str, list[_Row]] = {category: [] for category in CATEGORY_LABELS}
        filtered = self._filtered()
        for t in self._therapies:
            group = groups.get(t.category)
            if group is not None and (not filtered or self._keep(t.category, t.status, t.conditions)):
                group.append(_Row(KIND_THERAPY, t.name, t.slug, t.category, t.status, t.evidence_grade,
                                  marks=t.marks))
        rows: list[_Row] = []
        for category, label in CATEGORY_LABELS.items():
            if groups[category]:
                rows.append(_Row(KIND_HEADER, label, category=category))
                rows.extend(groups[category])
        if not rows and self._therapies:
            rows.append(_Row(KIND_NOTICE, "No therapy matches these filters."))
        return rows

    def _hit_rows(self) -> list[_Row]:
        rows = [
            _Row(KIND_HIT, h.name, h.slug, h.category, h.status, h.evidence_grade, " ".join(h.snippet.split()),
                 marks=self._marks.get(h.slug, ()))
            for h in self._hits or ()
            if self._keep(h.category, h.status, self._conditions(h.slug) if self._condition else ())
        ]
        if not rows:
            where = " with these filters" if self._filtered() and self._hits else ""
            rows.append(_Row(KIND_NOTICE, f"No therapy matches \u201c{self._query}\u201d{where}."))
        elif self._corrected:
            rows.insert(0, _Row(KIND_NOTICE, f"Nothing matches \u201c{self._query}\u201d. "
                                             f"Showing results for \u201c{self._corrected}\u201d."))
        return rows

    # -- QAbstractListModel -----------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid() or index.row() >= len(self._rows):
            return Qt.ItemFlag.NoItemFlags
        if self._rows[index.row()].kind in (KIND_HEADER, KIND_NOTICE):
            return Qt.ItemFlag.ItemNeverHasChildren
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: ANN201
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return row.text
        if role == KindRole:
            return row.kind
        if role in (Qt.ItemDataRole.AccessibleTextRole, Qt.ItemDataRole.ToolTipRole):
            return self._describe(row, role)
        values = {SlugRole: row.slug, CategoryRole: row.category, StatusRole: row.status,
                  GradeRole: row.grade, SnippetRole: row.snippet, MarksRole: row.marks}
        return values.get(role)

    @staticmethod
    def _describe(row: _Row, role: int) -> str:
        if row.kind not in (KIND_THERAPY, KIND_HIT):
            return row.text
        status = f"{STATUS_LABELS.get(row.status, row.status)}: {STATUS_PLAIN.get(row.status, '')}"
        grade = f"Evidence grade: {GRADE_LABELS.get(row.grade, row.grade)}."
        grade += "".join(f" {mark}." for mark in row.marks)
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{status}\n{grade}"
        found = f" Found: {plain_snippet(row.snippet)}" if row.snippet else ""
        return f"{row.text}. {status} {grade}{found}"
