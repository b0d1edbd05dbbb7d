"""Qt models over a comparison: the table (question column, then one column per therapy) and the
checklist of rows ("What matters to you").

Both read frozen dataclasses from :mod:`clinic_app.services.comparison`; the table shows exactly
the matrix it is given, which is the matrix that is printed and exported.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractListModel, QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from clinic_app.services.comparison import ComparisonMatrix, RowInfo, scale_text
from clinic_app.services.comparison_export import scale_legend
from clinic_app.services.library import GRADE_LABELS, STATUS_LABELS

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
            parts = [badge_label(row.kind, cell.badge), f"{scale_text(cell.scale)}." if cell.scale else "",
                     cell.text if not cell.missing else NOT_GIVEN]
            return " ".join(p for p in parts if p)
        return None

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
        if self._matrix is None or orientation != Qt.Orientation.Horizontal:
            return None
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


class RowChoiceModel(QAbstractListModel):
    """The comparison rows as a checklist; ``chosen_changed`` fires when a tick changes."""

    chosen_changed = Signal()

    def __init__(self, parent=None) -> None:  # noqa: ANN001
        super().__init__(parent)
        self._rows: list[RowInfo] = []
        self._chosen: set[str] = set()
        self._clinician = False

    def set_rows(self, rows: list[RowInfo] | tuple[RowInfo, ...]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._chosen = {r.key for r in self._rows}
        self.endResetModel()

    def chosen(self) -> list[str]:
        """The ticked row keys, in the library's order."""
        return [r.key for r in self._rows if r.key in self._chosen]

    def all_keys(self) -> list[str]:
        return [r.key for r in self._rows]

    def set_chosen(self, keys) -> None:  # noqa: ANN001 - any iterable of row keys
        wanted = set(keys) & {r.key for r in self._rows}
        if wanted == self._chosen:
            return
        self._chosen = wanted
        if self._rows:
            self.dataChanged.emit(self.index(0), self.index(len(self._rows) - 1), [Qt.ItemDataRole.CheckStateRole])
        self.chosen_changed.emit()

    def set_clinician_labels(self, on: bool) -> None:
        self._clinician = on
        if self._rows:
            self.dataChanged.emit(self.index(0), self.index(len(self._rows) - 1), [Qt.ItemDataRole.DisplayRole])

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._rows)

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsUserCheckable

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: ANN201
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return row.clinician_label if self._clinician else row.patient_question
        if role == Qt.ItemDataRole.CheckStateRole:
            return Qt.CheckState.Checked if row.key in self._chosen else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.ToolTipRole:
            return row.patient_question if self._clinician else row.clinician_label
        if role == RowKeyRole:
            return row.key
        return None

    def setData(self, index: _Index, value, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802, ANN001
        if not index.isValid() or role != Qt.ItemDataRole.CheckStateRole:
            return False
        key = self._rows[index.row()].key
        checked = Qt.CheckState(value) == Qt.CheckState.Checked if not isinstance(value, bool) else value
        if checked == (key in self._chosen):
            return True
        (self._chosen.add if checked else self._chosen.discard)(key)
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.CheckStateRole])
        self.chosen_changed.emit()
        return True
