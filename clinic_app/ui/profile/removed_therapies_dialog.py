"""The therapies the clinic added and then removed, in the window: when, by whom and why each was
removed, and Restore, signed with who and why, off the GUI thread
(:func:`~clinic_app.services.clinic_therapies.restore_therapy`). A restore the service refuses (the
slug is taken now, the text fails a check here) is shown here, by name; nothing is restored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QAbstractItemView, QDialog, QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

from clinic_app.errors import ClinicAppError
from clinic_app.ui.operations import Change, Operation, on_change
from clinic_app.ui.profile.clinic_fields_dialog import local_time
from clinic_app.ui.profile.signed_changes import SignedChanges
from clinic_app.ui.records.table_model import Index, ReadOnlyTableModel
from clinic_app.ui.window_place import place

if TYPE_CHECKING:
    from clinic_app.services.clinic_therapies import RemovedTherapy
    from clinic_app.storage.store import Store

NONE_REMOVED = "No therapies removed."


class RemovedTherapyModel(ReadOnlyTableModel):
    """The removed therapies, by name: name, when removed, by whom, why, revisions kept."""

    HEADERS = ("Therapy", "Removed", "By", "Why", "Revisions")

    def set_entries(self, entries) -> None:  # noqa: ANN001 - a sequence of clinic_therapies.RemovedTherapy
        self._set_entries(entries)

    def entries(self) -> list[RemovedTherapy]:
        return list(self._entries)

    def row_of(self, slug: str) -> int:
        return next((row for row, entry in enumerate(self._entries) if entry.slug == slug), -1)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: ANN201
        entry = self.entry(index)
        if entry is None:
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole, Qt.ItemDataRole.ToolTipRole):
            return (f"{entry.name} ({entry.slug})", local_time(entry.removed_at), entry.removed_by, entry.reason,
                    str(entry.revisions))[index.column()]
        if role == Qt.ItemDataRole.UserRole:
            return entry.slug
        return None


class RemovedTherapiesDialog(QDialog, SignedChanges):
    """The clinic's removed therapies; Restore puts the chosen one back, with who and why."""

    saved = Signal(str)

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from clinic_app.services.clinic import load_profile

        self.store = store
        self._busy = False
        self._failure_title = ""
        self.setWindowTitle("Removed therapies")
        self.model = RemovedTherapyModel(self)
        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.view.setAccessibleName("Removed therapies, by name")
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setTabKeyNavigation(False)
        self.view.setWordWrap(False)
        self.view.verticalHeader().hide()
        header = self.view.horizontalHeader()
        for column in (0, 1, 2):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.ResizeToContents)
        self.empty_label = QLabel(NONE_REMOVED, self)
        self._build_signing(list(load_profile(store).clinicians), "the class runs again")
        self.restore_button = self.save_button
        self.restore_button.setText("&Restore")

        list_label = self._buddy("Removed &therapies:", self.view)
        layout = QVBoxLayout(self)
        layout.addWidget(list_label)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.empty_label)
        layout.addLayout(self._who_why_row("Wh&y:"))
        layout.addWidget(self._note(self, "A restored therapy comes back with every revision it had, and one more "
                                    "naming who restored it and why; both are needed to restore."))
        layout.addWidget(self.message_label)
        layout.addWidget(self.buttons)
        place(self, "removed_therapies", 720, 420)

        self.load()
        self.view.selectionModel().currentRowChanged.connect(self._on_chosen)
        self.who_combo.currentTextChanged.connect(self._update_buttons)
        self.why_field.textChanged.connect(self._update_buttons)
        self.buttons.accepted.connect(self.restore_chosen)
        self.buttons.rejected.connect(self.reject)
        close = QShortcut(QKeySequence("Ctrl+W"), self)  # as every window of the application; Esc rejects
        close.activated.connect(self.reject)
        on_change(self, {Change.THERAPY_TEXT}, self.load)
        self._update_buttons()
        (self.view if self.model.rowCount() else self.who_combo).setFocus()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(720, 420)

    def load(self) -> None:
        """Read the removed therapies again, keeping the one chosen when it is still listed."""
        from clinic_app.services.clinic_therapies import list_removed

        chosen = self.chosen()
        self.model.set_entries(list_removed(self.store))
        empty = self.model.rowCount() == 0
        self.view.setVisible(not empty)
        self.empty_label.setVisible(empty)
        if not empty:
            row = max(0, self.model.row_of(chosen.slug)) if chosen is not None else 0
            self.choose_row(row)
        self._update_buttons()

    def choose_row(self, row: int) -> None:
        self.view.selectionModel().setCurrentIndex(
            self.model.index(row, 0),
            QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)

    def choose(self, slug: str) -> bool:
        """Make the removed therapy ``slug`` the chosen one; whether it is listed."""
        row = self.model.row_of(slug)
        if row >= 0:
            self.choose_row(row)
        return row >= 0

    def chosen(self) -> RemovedTherapy | None:
        return self.model.entry(self.view.currentIndex())

    def _on_chosen(self, _current: QModelIndex, _previous: QModelIndex) -> None:
        self._update_buttons()

    def _update_buttons(self) -> None:
        signed = bool(self.who() and self.why())
        chosen = self.chosen()
        self.restore_button.setEnabled(not self._busy and signed and chosen is not None)
        if chosen is None:
            tip = "Choose a removed therapy first"
        elif not signed:
            tip = "Say who is restoring it and why"
        else:
            tip = f"Put {chosen.name} back in the library, with every revision it had"
        self.restore_button.setToolTip(tip)

    def pending(self) -> bool:
        """True while a restore is on its way."""
        return self._busy

    def restore_chosen(self) -> None:
        """Put the chosen therapy back, off the GUI thread; the list and the main window follow."""
        from clinic_app.services.clinic_therapies import restore_therapy

        self._update_buttons()
        chosen = self.chosen()
        if chosen is None or not self.restore_button.isEnabled():
            return
        self._start_work()
        self._failure_title = f"Cannot restore {chosen.name}"
        Operation(self, self._failure_title, restore_therapy, self.store, chosen.slug, self.who(),
                  self.why(), changes={Change.THERAPY_TEXT}, on_done=self._restored,
                  on_failed=self._restore_failed).run()

    def _restored(self, result) -> None:  # noqa: ANN001 - clinic_therapies.RestoreResult
        self._busy = False
        self.why_field.clear()
        text = f"Restored {result.name} (revision #{result.revision})."
        self.show_message(text)
        self._update_buttons()
        self.saved.emit(text)

    def _restore_failed(self, error: BaseException) -> bool:
        self._busy = False
        self._update_buttons()
        if not isinstance(error, ClinicAppError):
            return False
        problems = [str(problem) for problem in getattr(error, "problems", ())]
        self.show_message("\n".join([f"{self._failure_title}: {error.message}", *problems]), error=True)
        return True


def open_removed_therapies(parent: QWidget | None, store: Store) -> RemovedTherapiesDialog:
    """Show the dialog (window-modal to ``parent``; deleted when closed)."""
    dialog = RemovedTherapiesDialog(store, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.show()
    return dialog
