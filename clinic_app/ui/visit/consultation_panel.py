"""The consultation panel: one place for the visit, docked beside the therapy on screen.

The doctor starts a consultation (Ctrl+N), adds the therapies discussed from the search list
(Ctrl+D adds the one on screen), ticks what matters to the patient, and from here compares the
options, shows them full screen, and prints the handout bundle. Ending the consultation records
it (:mod:`clinic_app.services.consultations`): who, when, what was discussed, the rows chosen, the
notes and every handout printed, by its log record and SHA-256. A correction of a past record
opens here prefilled and is recorded as a new record pointing at the old one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from clinic_app import APP_NAME
from clinic_app.ui.compare.compare_model import RowChoiceModel
from clinic_app.ui.list_models import KEY_ROLE, ItemListModel
from clinic_app.ui.operations import Change, Operation, on_change

if TYPE_CHECKING:
    from clinic_app.services.consultations import ConsultationItem
    from clinic_app.storage.store import Store

Index = QModelIndex | QPersistentModelIndex
NOT_KEPT = "Not stored: the clinic profile keeps no patient labels. It is still printed on handouts."


class WorkingListModel(ItemListModel):
    """The therapies discussed in this visit (their slugs), in the order the doctor put them."""

    changed = Signal()

    def __init__(self, names: dict[str, str], parent=None) -> None:  # noqa: ANN001
        super().__init__(parent)
        self._names = names

    def show(self, slug: str, role: int):  # noqa: ANN201
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._names.get(slug, slug)
        if role == KEY_ROLE:
            return slug
        return None

    def slugs(self) -> tuple[str, ...]:
        return tuple(self._items)

    def set_slugs(self, slugs) -> None:  # noqa: ANN001
        self.set_items(s for s in dict.fromkeys(slugs) if s in self._names)
        self.changed.emit()

    def add(self, slug: str) -> bool:
        if slug in self._items or slug not in self._names:
            return False
        row = len(self._items)
        self.beginInsertRows(QModelIndex(), row, row)
        self._items.append(slug)
        self.endInsertRows()
        self.changed.emit()
        return True

    def remove(self, row: int) -> None:
        if 0 <= row < len(self._items):
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._items[row]
            self.endRemoveRows()
            self.changed.emit()

    def move(self, row: int, offset: int) -> int:
        """Move one row up (-1) or down (+1); returns where it ends up."""
        target = row + offset
        if not (0 <= row < len(self._items) and 0 <= target < len(self._items)):
            return row
        destination = target + 1 if offset > 0 else target
        self.beginMoveRows(QModelIndex(), row, row, QModelIndex(), destination)
        self._items.insert(target, self._items.pop(row))
        self.endMoveRows()
        self.changed.emit()
        return target


class OpenVisitDialog:
    """Asked when the window closes during a visit: record it, discard it, or stay."""

    @classmethod
    def ask(cls, parent: QWidget | None) -> str:
        box = QMessageBox(QMessageBox.Icon.Question, f"Consultation still open — {APP_NAME}",
                          "This consultation has not been recorded. Record it before closing?", parent=parent)
        record = box.addButton("Record and close", QMessageBox.ButtonRole.AcceptRole)
        discard = box.addButton("Close without recording", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(record)
        try:
            box.exec()
            clicked = box.clickedButton()
            return "record" if clicked is record else "discard" if clicked is discard else "cancel"
        finally:
            box.deleteLater()


def _button(text: str, tip: str, parent: QWidget) -> QPushButton:
    button = QPushButton(text, parent)
    button.setToolTip(tip)
    button.setAccessibleName(text.replace("&", "").rstrip("…"))
    return button


class ConsultationPanel(QDockWidget):
    recorded = Signal(object)  # the new consultation record's id (None: held in this room's outbox)

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__("Consultation", parent)
        from clinic_app.services import comparison, library
        from clinic_app.services.clinic import load_profile
        self.setObjectName("consultation_panel")
        self.store = store
        self.started_at = dt.datetime.now().astimezone()
        self.corrects: int | None = None
        self.handout_ids: list[int] = []
        self.windows: list[QWidget] = []  # compare windows and builders opened from this visit
        profile = load_profile(store)
        names = {t.slug: t.name for t in library.list_therapies(store)}
        self.working_model = WorkingListModel(names, self)
        self.row_model = RowChoiceModel(self)
        self.row_model.set_rows(comparison.row_catalogue(store))
        self.row_model.set_chosen(())
        body = QWidget(self)
        self.started_label = QLabel(body)
        self.patient_field = QLineEdit(body)
        self.patient_field.setMaxLength(100)
        self.patient_field.setPlaceholderText("Initials or chart number (optional)")
        self.patient_note = QLabel(body)
        self.patient_note.setWordWrap(True)
        self.patient_note.setStyleSheet("color: #555555;")
        self.clinician_combo = QComboBox(body)
        self.clinician_combo.setEditable(True)
        self.clinician_combo.addItems(list(profile.clinicians))
        on_change(self, {Change.CLINIC_PROFILE}, self._on_profile_changed)
        self.working_view = QListView(body)
        self.working_view.setModel(self.working_model)
        self.working_view.setMinimumHeight(90)
        self.working_view.setWordWrap(True)
        self.working_view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.add_button = _button("&Add shown therapy", "Add the therapy on screen to this visit (Ctrl+D)", body)
        self.remove_button = _button("&Remove", "Take the selected therapy off the list", body)
        self.up_button = _button("Up", "Move the selected therapy up (Ctrl+Up in the list)", body)
        self.down_button = _button("Down", "Move the selected therapy down (Ctrl+Down in the list)", body)
        self.rows_view = QListView(body)
        self.rows_view.setModel(self.row_model)
        self.rows_view.setMinimumHeight(120)
        self.notes_field = QPlainTextEdit(body)
        self.notes_field.setPlaceholderText("Notes for the clinic's record of this visit")
        self.notes_field.setTabChangesFocus(True)
        self.notes_field.setMaximumHeight(90)
        self.handouts_label = QLabel("No handouts printed yet.", body)
        self.handouts_label.setWordWrap(True)
        # Alt keys: none of the menu bar's (File, View, Visit, Compare, Help), none of the main
        # window's (Condition, Category, Status, Show first, Jump to) and one each here
        self.compare_button = _button("Co&mpare…", "Compare the therapies on the list, with the rows ticked", body)
        self.present_button = _button("Show to &patient", "Show the comparison full screen, large type", body)
        self.handout_button = _button("Pr&int handouts…", "One handout with every therapy on the list and the "
                                      "comparison grid", body)
        self.end_button = _button("&End consultation", "Record this visit and close the panel", body)
        self.discard_button = _button("&Discard", "Close the panel without recording", body)
        for widget, name in ((self.patient_field, "Patient label"), (self.clinician_combo, "Clinician"),
                             (self.working_view, "Therapies discussed"), (self.rows_view, "What matters to the patient"),
                             (self.notes_field, "Visit notes")):
            widget.setAccessibleName(name)
        self._lay_out(body)
        self.setWidget(body)
        self.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable)
        self._connect()
        self.start()

    def _lay_out(self, body: QWidget) -> None:
        form = QFormLayout()
        form.addRow("Pa&tient:", self.patient_field)
        form.addRow("", self.patient_note)
        form.addRow("C&linician:", self.clinician_combo)
        list_buttons = QGridLayout()
        list_buttons.addWidget(self.add_button, 0, 0, 1, 2)
        list_buttons.addWidget(self.remove_button, 1, 0, 1, 2)
        list_buttons.addWidget(self.up_button, 2, 0)
        list_buttons.addWidget(self.down_button, 2, 1)
        list_buttons.setRowStretch(3, 1)
        working = QHBoxLayout()
        working.addWidget(self.working_view, 1)
        working.addLayout(list_buttons)
        actions = QGridLayout()
        actions.addWidget(self.compare_button, 0, 0)
        actions.addWidget(self.present_button, 0, 1)
        actions.addWidget(self.handout_button, 1, 0, 1, 2)
        actions.addWidget(self.end_button, 2, 0)
        actions.addWidget(self.discard_button, 2, 1)
        layout = QVBoxLayout(body)
        layout.addWidget(self.started_label)
        layout.addLayout(form)
        layout.addWidget(QLabel("Therapies &being discussed:", body, buddy=self.working_view))
        layout.addLayout(working)
        layout.addWidget(QLabel("&Key questions (what matters to the patient):", body, buddy=self.rows_view))
        layout.addWidget(self.rows_view, 1)
        layout.addWidget(QLabel("&Notes:", body, buddy=self.notes_field))
        layout.addWidget(self.notes_field)
        layout.addWidget(self.handouts_label)
        layout.addLayout(actions)

    def _connect(self) -> None:
        self.working_model.changed.connect(self.update_enabled)
        self.working_view.selectionModel().currentChanged.connect(lambda *_: self.update_enabled())
        self.remove_button.clicked.connect(lambda: self.working_model.remove(self.working_view.currentIndex().row()))
        self.up_button.clicked.connect(lambda: self._move(-1))
        self.down_button.clicked.connect(lambda: self._move(1))
        for keys, button in (("Ctrl+Up", self.up_button), ("Ctrl+Down", self.down_button)):
            shortcut = QShortcut(QKeySequence(keys), self.working_view)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(button.animateClick)
        self.compare_button.clicked.connect(self.compare)
        self.present_button.clicked.connect(self.present)
        self.handout_button.clicked.connect(self.print_handouts)
        self.end_button.clicked.connect(self.end)
        self.discard_button.clicked.connect(self.discard)

    # -- the visit -------------------------------------------------------------------------
    def start(self, item: ConsultationItem | None = None) -> None:
        """A fresh visit, or (with ``item``) a correction of that record, prefilled from it."""
        from clinic_app.services.handout_log import keeps_patient_names

        self.patient_note.setText("" if keeps_patient_names(self.store) else NOT_KEPT)  # the profile may have changed
        self.corrects = item.id if item is not None else None
        self.started_at = item.started_at.replace(tzinfo=dt.UTC).astimezone() if item else dt.datetime.now().astimezone()
        self.handout_ids = [print_id for print_id, _ in item.handouts] if item else []
        self.patient_field.setText((item.patient_label or "") if item else "")
        self.clinician_combo.setCurrentText(item.clinician if item else (self.clinician_combo.itemText(0) or ""))
        self.working_model.set_slugs(item.therapies if item else ())
        self.row_model.set_chosen(item.rows if item else ())
        self.notes_field.setPlainText((item.notes or "") if item else "")
        when = self.started_at.strftime("%d %b %Y %H:%M").lstrip("0")
        self.started_label.setText(f"<b>Correcting consultation #{item.id}</b> of {when}" if item
                                   else f"<b>Consultation started</b> {when}")
        self.setWindowTitle(f"Correct consultation #{item.id}" if item else "Consultation")
        self._show_handouts()
        self.update_enabled()

    def _on_profile_changed(self) -> None:
        """The clinic's clinicians and whether patient labels are kept, as saved just now."""
        from clinic_app.services.clinic import load_profile
        from clinic_app.services.handout_log import keeps_patient_names

        typed = self.clinician_combo.currentText()
        self.clinician_combo.clear()
        self.clinician_combo.addItems(list(load_profile(self.store).clinicians))
        self.clinician_combo.setCurrentText(typed)
        self.patient_note.setText("" if keeps_patient_names(self.store) else NOT_KEPT)

    def add_therapy(self, slug: str | None) -> bool:
        return bool(slug) and self.working_model.add(slug)

    def chosen_rows(self) -> tuple[str, ...]:
        return tuple(self.row_model.chosen())

    def _move(self, offset: int) -> None:
        row = self.working_model.move(self.working_view.currentIndex().row(), offset)
        self.working_view.setCurrentIndex(self.working_model.index(row, 0))

    def update_enabled(self) -> None:
        count = self.working_model.rowCount()
        has_current = self.working_view.currentIndex().isValid()
        for button in (self.remove_button, self.up_button, self.down_button):
            button.setEnabled(has_current)
        self.compare_button.setEnabled(count >= 1)
        self.present_button.setEnabled(count >= 1)
        self.handout_button.setEnabled(count >= 1)
        self.end_button.setEnabled(count >= 1)

    def _show_handouts(self) -> None:
        ids = ", ".join(f"#{i}" if isinstance(i, int) else "one held in this room" for i in self.handout_ids)
        self.handouts_label.setText(f"Handouts printed: {ids}." if ids else "No handouts printed yet.")

    def add_handout(self, record_id: int | str) -> None:  # a str: the key of a record held in this room
        if record_id not in self.handout_ids:
            self.handout_ids.append(record_id)
        self._show_handouts()

    def _keep(self, window: QWidget) -> QWidget:
        self.windows = [w for w in self.windows if w.isVisible()] + [window]
        return window

    def compare(self):  # noqa: ANN201
        from clinic_app.ui.compare.compare_view import open_compare

        window = open_compare(self.window(), self.store, self.working_model.slugs(),
                              condition=self._condition())
        if self.chosen_rows():
            window.view.set_rows(self.chosen_rows())
        return self._keep(window)

    def _condition(self) -> str:
        """The condition chosen in the main window's list for this patient ("" for none)."""
        current = getattr(self.window(), "current_condition", None)
        return current() if callable(current) else ""

    def present(self) -> None:
        self.compare().view.present()

    def print_handouts(self):  # noqa: ANN201
        from clinic_app.ui.handout.handout_builder import open_builder

        slugs = self.working_model.slugs()
        builder = open_builder(self.window(), self.store, therapies=slugs,
                               include_comparison=len(slugs) >= 2, comparison_rows=self.chosen_rows(),
                               patient_label=self.patient_field.text().strip(),
                               clinician=self.clinician_combo.currentText().strip(), condition=self._condition())
        builder.printed.connect(self.add_handout)
        return self._keep(builder)

    def draft(self):  # noqa: ANN201
        from clinic_app.services.consultations import ConsultationDraft

        return ConsultationDraft(
            clinician=self.clinician_combo.currentText().strip(), patient_label=self.patient_field.text().strip(),
            therapies=self.working_model.slugs(), rows=self.chosen_rows(), notes=self.notes_field.toPlainText().strip(),
            started_at=self.started_at, handout_print_ids=tuple(i for i in self.handout_ids if isinstance(i, int)),
            handout_keys=tuple(i for i in self.handout_ids if isinstance(i, str)),
        )

    def end(self, then: Callable[[], object] | None = None) -> None:
        """Record the visit off the GUI thread; when it is in, ``recorded`` is emitted, the panel
        closes and ``then`` runs. A refused record is named in a box and the panel stays as it is."""
        from clinic_app.services import consultations

        self.end_button.setEnabled(False)

        def done(record_id: int | None) -> None:
            self.end_button.setEnabled(True)
            self.recorded.emit(record_id)
            self.hide()
            if then is not None:
                then()

        Operation(self, "Cannot record the consultation", consultations.record, self.store, self.draft(),
                  corrects=self.corrects, changes={Change.CONSULTATIONS}, on_done=done,
                  on_failed=lambda _error: self.update_enabled()).run()

    def is_dirty(self) -> bool:
        return self.isVisible() and bool(self.working_model.rowCount() or self.notes_field.toPlainText().strip()
                                         or self.handout_ids)

    def settle_before_close(self) -> bool:
        """Before the window closes: True when nothing open would be lost (recorded, discarded or empty)."""
        if not self.is_dirty():
            return True
        answer = OpenVisitDialog.ask(self)
        if answer == "record":  # the window closes once the visit is recorded (it stays if refused)
            window = self.window()
            self.end(then=window.close)
            return False
        if answer == "discard":
            self.hide()
            return True
        return False

    def discard(self) -> None:
        from clinic_app.ui.dialogs import ConfirmDialog

        if self.is_dirty() and not ConfirmDialog.ask(self, "Discard consultation",
                                           "Close this consultation without recording it? Handouts already printed "
                                           "stay in the handout log.", "Discard"):
            return
        self.hide()
