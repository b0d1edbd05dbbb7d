"""Qt models over a comparison: the table (question column, then one column per therapy) and the
checklist of rows ("What matters to you").

Both read frozen dataclasses from :mod:`clinic_app.services.comparison`; the table shows exactly
the matrix it is given, which is the matrix that is printed and exported.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from clinic_app.services.comparison import SCALE_MAX, ComparisonMatrix, RowInfo, scale_text
from clinic_app.services.comparison_export import scale_legend
from clinic_app.services.library import GRADE_LABELS, STATUS_LABELS
from clinic_app.ui.list_models import ChoiceListModel

KindRole = Qt.ItemDataRole.UserRole + 1
ScaleRole = Qt.ItemDataRole.UserRole + 2
BadgeRole = Qt.ItemDataRole.UserRole + 3
DiffersRole = Qt.ItemDataRole.UserRole + 4
ReferencesRole = Qt.ItemDataRole.UserRole + 5
StatusRole = Qt.ItemDataRole.UserRole + 6
GradeRole = Qt.ItemDataRole.UserRole + 7
SlugRole = Qt.ItemDataRole.UserRole + 8
RowKeyRole = Qt.ItemDataRole.UserRole + 9

QUESTION_HEADER = "Question"
NOT_GIVEN = "Not given"
SAME_NOTE = "Every option gives the same answer here."
DIFFERS_NOTE = "The options differ here."
TABLE_DESCRIPTION = "Each row answers one question; each column after the first is one option."
_Index = QModelIndex | QPersistentModelIndex


def badge_label(kind: str, badge: str | None) -> str:
    if not badge:
        return ""
    labels = GRADE_LABELS if kind == "grade" else STATUS_LABELS
    return labels.get(badge, badge)


class ComparisonTableModel(QAbstractTableModel):
    """Column 0 holds the row's question; columns 1.. hold each therapy's answers."""

    def __init__(self, parent=None) -> None:  # noqa: ANN001
        super().__init__(parent)
        self._matrix: ComparisonMatrix | None = None
        self._clinician = False

    # -- what the model shows -------------------------------------------------------------
    def set_matrix(self, matrix: ComparisonMatrix | None) -> None:
        self.beginResetModel()
        self._matrix = matrix
        self.endResetModel()

    def matrix(self) -> ComparisonMatrix | None:
        return self._matrix

    def set_clinician_labels(self, on: bool) -> None:
        """Show the clinician's label in the question column instead of the patient's question."""
        if on == self._clinician:
            return
        self._clinician = on
        if self.rowCount():
            self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1, 0))
            self.headerDataChanged.emit(Qt.Orientation.Vertical, 0, self.rowCount() - 1)

    def clinician_labels(self) -> bool:
        return self._clinician

    # -- QAbstractTableModel ---------------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008
        if parent.isValid() or self._matrix is None:
            return 0
        return len(self._matrix.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008
        if parent.isValid() or self._matrix is None:
            return 0
        return 1 + len(self._matrix.columns)

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: ANN201
        if not index.isValid() or self._matrix is None:
            return None
        row = self._matrix.rows[index.row()]
        if role == KindRole:
            return row.kind
        if role == DiffersRole:
            return row.differs
        if role == RowKeyRole:
            return row.key
        if index.column() == 0:
            return self._question_data(row, role)
        cell = row.cells[index.column() - 1]
        if role == Qt.ItemDataRole.DisplayRole:
            return cell.text if not cell.missing else NOT_GIVEN
        if role == ScaleRole:
            return cell.scale
        if role == BadgeRole:
            return cell.badge
        if role == ReferencesRole:
            return ", ".join(cell.reference_keys)
        if role == SlugRole:
            return self._matrix.columns[index.column() - 1].slug
        if role == Qt.ItemDataRole.ToolTipRole:
            refs = f"Sources: {', '.join(cell.reference_keys)}" if cell.reference_keys else "No source cited"
            return f"{self._matrix.columns[index.column() - 1].patient_name}\n{row.patient_question}\n{refs}"
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return self._cell_accessible_text(row, cell, self._matrix.columns[index.column() - 1].patient_name)
        return None

    def _cell_accessible_text(self, row, cell, option: str) -> str:  # noqa: ANN001
        """What a screen reader says for a cell: the row's question first (the grid's row headers
        are cells of their own, so moving along a row would otherwise never name it), the option,
        then the tag, the scale with what its ends mean, and the text."""
        legend = scale_legend(row)
        scale = f"{scale_text(cell.scale)}{f', where {legend}' if legend else ''}." if cell.scale else ""
        question = row.label(self._clinician)
        badge = f"{badge_label(row.kind, cell.badge)}." if cell.badge else ""
        parts = [f"{question}{'' if question.endswith('?') else ','} {option}:", badge, scale,
                 cell.text if not cell.missing else NOT_GIVEN]
        return " ".join(p for p in parts if p)

    def _row_header_text(self, section: int) -> str | None:
        """A row's header as assistive technology reads it (AT-SPI's row header of each cell): the
        row's question and, for a 1-5 scale, what its ends mean."""
        if not 0 <= section < self.rowCount():
            return None
        row = self._matrix.rows[section]
        legend = scale_legend(row)
        return f"{row.label(self._clinician)}{f' Scale: {legend}.' if legend else ''}"

    def scale_legends(self) -> list[tuple[str, str]]:
        """The 1-5 scales shown: each scale row's question and what its ends mean."""
        if self._matrix is None:
            return []
        return [(row.label(self._clinician), legend) for row in self._matrix.rows if (legend := scale_legend(row))]

    def description(self) -> str:
        """The table's accessible description: how it is read, and the scale legend."""
        return " ".join(p for p in (TABLE_DESCRIPTION, self.legend_text()) if p)

    def legend_text(self) -> str:
        """The scale legend, in words: for the table's accessible description and the legend under it."""
        legends = self.scale_legends()
        if not legends:
            return ""
        rows = "; ".join(f"{question.rstrip('?')}: {legend}" for question, legend in legends)
        return f"Filled dots show a score from 1 to {SCALE_MAX} ({rows})."

    def _question_data(self, row, role: int):  # noqa: ANN001, ANN202
        if role == Qt.ItemDataRole.DisplayRole:
            return row.label(self._clinician)
        if role == Qt.ItemDataRole.ToolTipRole:
            other = row.label(not self._clinician)
            note = DIFFERS_NOTE if row.differs else SAME_NOTE
            legend = f"\nScale: {scale_legend(row)}" if scale_legend(row) else ""
            return f"{other}{legend}\n{note}"
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{row.label(self._clinician)} {DIFFERS_NOTE if row.differs else SAME_NOTE}"
        if role == ScaleRole:  # the clinician label already names the scale's ends
            return None if self._clinician else scale_legend(row) or None
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: N802, ANN201
        if self._matrix is None:
            return None
        if orientation == Qt.Orientation.Vertical:  # hidden on screen; read as each row's header
            return self._row_header_text(section) if role == Qt.ItemDataRole.AccessibleTextRole else None
        if not 0 <= section < self.columnCount():
            return None
        if section == 0:
            return QUESTION_HEADER if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole) else None
        column = self._matrix.columns[section - 1]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.patient_name
        if role == StatusRole:
            return column.status
        if role == GradeRole:
            return column.grade
        if role == SlugRole:
            return column.slug
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            return f"{column.patient_name} ({column.name}). {column.status_label}. Evidence grade: {column.grade_label}."
        return None


class RowChoiceModel(ChoiceListModel):
    """The comparison rows as a checklist, in the library's order, worded for the patient (or, with
    :meth:`set_clinician_labels`, for the clinician)."""

    def __init__(self, parent=None) -> None:  # noqa: ANN001
        super().__init__(parent=parent)
        self._clinician = False

    def set_rows(self, rows) -> None:  # noqa: ANN001 - RowInfo items
        self.set_items(rows)

    def key(self, item: RowInfo) -> str:
        return item.key

    def set_clinician_labels(self, on: bool) -> None:
        self._clinician = on
        self._changed_all([Qt.ItemDataRole.DisplayRole])

    def show(self, row: RowInfo, role: int):  # noqa: ANN201
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return row.clinician_label if self._clinician else row.patient_question
        if role == Qt.ItemDataRole.ToolTipRole:
            return row.patient_question if self._clinician else row.clinician_label
        if role == RowKeyRole:
            return row.key
        return None
