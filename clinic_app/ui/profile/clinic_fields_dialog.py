"""The clinic's own fields of one therapy, edited in the window, with their history and revert.

The clinic writes four things beside a therapy's shipped text (:mod:`clinic_app.services.clinic_fields`):
cost and coverage, and whom to contact (both read by patients), whether it is offered here, and local
protocol notes (clinicians only). Each patient-facing editor shows its US reading grade as the user
types: a quarter of a second after the last key, a worker measures it (the reading-grade dictionaries
load off the GUI thread) together with the service's own check, whose message shows under the field.

Save stays disabled until something changed, who and why are given, and every field passes the
service's check; then :func:`~clinic_app.services.clinic_fields.set_fields` runs off the GUI thread
and :data:`Change.CLINIC_FIELDS` tells the open therapy page to show the new words. The History tab
lists every change (a table model) with a word-level diff of before and after — struck through and
red for what went, underlined and green for what came, with ``[-…-]`` and ``{+…+}`` markers so it
is not told by colour alone — and reverts one, which is itself a change with its own who and why.
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAccessible, QAccessibleEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QFrame,
    QLabel,
    QPlainTextEdit,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from clinic_app.errors import ClinicAppError
from clinic_app.ui.operations import Change, Operation
from clinic_app.ui.profile.signed_changes import ERROR_COLOUR, GOOD_COLOUR, SignedChanges, sentence
from clinic_app.ui.records.table_model import Index, ReadOnlyTableModel
from clinic_app.ui.tasks import TaskRunner
from clinic_app.ui.window_place import place

if TYPE_CHECKING:
    from clinic_app.services.clinic_fields import Revision
    from clinic_app.storage.store import Store

GRADE_DELAY_MS = 250  # after the last key, the grade is measured
TEXT_KEYS = ("cost", "contact", "protocol")  # the fields written as text (offered is chosen)
OFFERED_CHOICES = (("Not set", ""), ("Yes, offered here", "yes"), ("No, not offered here", "no"))
DELETED_COLOUR, ADDED_COLOUR = ERROR_COLOUR, GOOD_COLOUR
DELETED_STYLE = f"color:{DELETED_COLOUR}; text-decoration:line-through;"
ADDED_STYLE = f"color:{ADDED_COLOUR}; text-decoration:underline;"


# -- the word-level diff ------------------------------------------------------------------------

def word_diff(before: str, after: str) -> list[tuple[str, str]]:
    """``before`` → ``after`` word by word: a list of (kind, words), kind "same", "deleted" or "added"
    (a replaced run is its deleted words, then its added ones)."""
    old, new = before.split(), after.split()
    parts: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if tag == "equal":
            parts.append(("same", " ".join(old[i1:i2])))
            continue
        if tag in ("delete", "replace"):
            parts.append(("deleted", " ".join(old[i1:i2])))
        if tag in ("insert", "replace"):
            parts.append(("added", " ".join(new[j1:j2])))
    return parts


def diff_text(before: str, after: str) -> str:
    """The diff as plain text: ``[-deleted words-]`` and ``{+added words+}``."""
    marks = {"same": "{}", "deleted": "[-{}-]", "added": "{{+{}+}}"}
    return " ".join(marks[kind].format(words) for kind, words in word_diff(before, after)) or "(empty)"


def diff_html(before: str, after: str) -> str:
    """The diff as HTML: deleted words struck through in red, added ones underlined in green, each
    with its text marker too (every word escaped)."""
    shown = []
    for kind, words in word_diff(before, after):
        # the markers stay outside the strike and the underline, so they read as they are typed
        if kind == "deleted":
            shown.append(f'<span style="color:{DELETED_COLOUR};">[-<span style="{DELETED_STYLE}">{escape(words)}'
                         "</span>-]</span>")
        elif kind == "added":
            shown.append(f'<span style="color:{ADDED_COLOUR};">{{+<span style="{ADDED_STYLE}">{escape(words)}'
                         "</span>+}</span>")
        else:
            shown.append(escape(words))
    return " ".join(shown) or "<i>(empty)</i>"


# -- measuring a field off the GUI thread ---------------------------------------------------------

@dataclass(frozen=True)
class Assessment:
    """What a worker found for one field's text: its grade (patient-facing text only) and the
    service's message when it cannot be stored ("" when it can)."""

    key: str
    text: str
    grade: float | None = None
    limit: float = 8.0
    error: str = ""


def assess(slug: str, key: str, text: str) -> Assessment:
    """Measure and check ``text`` for ``key`` as the service will (run on a worker)."""
    from clinic_app.services.clinic_fields import FIELDS, ClinicFieldError, check_value

    error = ""
    try:
        check_value(slug, key, text)
    except ClinicFieldError as exc:
        error = exc.message
    if not FIELDS[key].patient_facing or not text.strip():
        return Assessment(key, text, error=error)
    from clinic_app.content import readability  # loads its dictionaries on first use: here, on the worker

    report = readability.measure(text)
    return Assessment(key, text, report.grade, report.limit, error)


def grade_text(assessment: Assessment) -> str:
    if assessment.grade is None:
        return ""
    if assessment.grade < 1:  # the formula goes below zero for a few short words: no grade to show
        return "Grade 1 or lower — fine for patients"
    if assessment.grade <= assessment.limit:
        return f"Grade {assessment.grade:.1f} — fine for patients"
    return f"Grade {assessment.grade:.1f} — patients' text must be grade {assessment.limit:.0f} or lower"


# -- the history ---------------------------------------------------------------------------------

def local_time(when: dt.datetime) -> str:
    """A revision's time (stored in UTC) as the clinic's clock reads it."""
    return when.replace(tzinfo=dt.UTC).astimezone().strftime("%Y-%m-%d %H:%M")


class HistoryModel(ReadOnlyTableModel):
    """Every change to the therapy's clinic fields, newest first: when, who, field, why and the change."""

    HEADERS = ("When", "Who", "Field", "Why", "Change")
    CHANGE_COLUMN = 4

    def set_revisions(self, revisions) -> None:  # noqa: ANN001 - a sequence of clinic_fields.Revision
        self._set_entries(revisions)

    def revision(self, index: Index) -> Revision | None:
        return self.entry(index)

    def revisions(self) -> list[Revision]:
        return list(self._entries)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: ANN201
        revision = self.entry(index)
        if revision is None:
            return None
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._cell(revision, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == self.CHANGE_COLUMN:
                return f"Before: {revision.before or '(empty)'}\nAfter: {revision.after or '(empty)'}"
            return self._cell(revision, column)
        if role == Qt.ItemDataRole.UserRole:
            return revision.id
        return None

    def _cell(self, revision: Revision, column: int) -> str:
        if column == 0:
            return local_time(revision.changed_at)
        if column == 1:
            return revision.changed_by
        if column == 2:
            return sentence(revision.label) + (f" (revert of #{revision.reverts})" if revision.reverts else "")
        if column == 3:
            return revision.reason
        return diff_text(revision.before, revision.after)


def revision_html(revision: Revision) -> str:
    """One change in full: who, when, why, and the diff of before and after."""
    reverts = f" It reverts change #{revision.reverts}." if revision.reverts else ""
    return (f"<p><b>Change #{revision.id}: {escape(sentence(revision.label))}</b>, "
            f"{escape(local_time(revision.changed_at))}, by {escape(revision.changed_by)}."
            f"{escape(reverts)}<br>Why: {escape(revision.reason)}</p>"
            f"<p>{diff_html(revision.before, revision.after)}</p>"
            f'<p style="color:#505050;">Struck through and marked [-…-]: words taken out. '
            f"Underlined and marked {{+…+}}: words put in.</p>")


# -- the dialog ----------------------------------------------------------------------------------

class ClinicFieldsDialog(QDialog, SignedChanges):
    """The clinic's own fields of therapy ``slug``: edit, see the history, revert a change."""

    saved = Signal(str)  # what a save or a revert changed, once it reached the store

    def __init__(self, store: Store, slug: str, therapy_name: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from clinic_app.services.clinic import load_profile
        from clinic_app.services.clinic_fields import FIELDS

        self.store = store
        self.slug = slug
        self.therapy_name = therapy_name or slug
        self.setWindowTitle(f"Clinic's own fields — {self.therapy_name}")
        self._labels = {key: info.label for key, info in FIELDS.items()}
        self._stored: dict[str, str] = {}
        self._assessments: dict[str, Assessment] = {}
        self._busy = False  # a save or revert is on its way
        self._grader = TaskRunner(self, max_threads=1, busy_cursor=False)  # one at a time: results in order
        self.editors: dict[str, QPlainTextEdit] = {}
        self.grade_labels: dict[str, QLabel] = {}
        self.error_labels: dict[str, QLabel] = {}
        self._timers: dict[str, QTimer] = {}
        for key in TEXT_KEYS:
            self._make_text_field(key)
        self.offered_combo = QComboBox(self)
        for text, value in OFFERED_CHOICES:
            self.offered_combo.addItem(text, value)
        self.offered_combo.setAccessibleName("Offered here")
        self.offered_combo.setToolTip("Whether the clinic offers this therapy; clinicians see \"Not offered here\" "
                                      "on the therapy page when it does not.")
        self._build_signing(list(load_profile(store).clinicians), "new fees from March")
        self._build_history(HistoryModel(self), HistoryModel.CHANGE_COLUMN,
                            "Changes to the clinic's fields, newest first", "The chosen change, before and after",
                            "&Revert this change", "Put back the words this change replaced; the revert is a change "
                            "of its own, with who and why")
        self._lay_out()
        self._load()
        for key, editor in self.editors.items():
            editor.textChanged.connect(lambda key=key: self._on_text_changed(key))
        self.offered_combo.currentIndexChanged.connect(self._update_buttons)
        self._connect_signing()
        self.history_view.selectionModel().currentRowChanged.connect(self._on_revision_chosen)
        self.revert_button.clicked.connect(self.revert_chosen)
        for key in TEXT_KEYS:  # the grades of what is stored, at once
            self._measure(key)
        self._update_buttons()
        self.editors["cost"].setFocus()

    # -- building ------------------------------------------------------------------------------
    def _make_text_field(self, key: str) -> None:
        editor = QPlainTextEdit(self)
        editor.setTabChangesFocus(True)
        lines = editor.fontMetrics().lineSpacing()
        editor.setMinimumHeight(lines * 2 + 14)
        editor.setMaximumHeight(lines * 5 + 14)  # room for the most a field holds, and the four fit on one screen
        grade = QLabel(self)
        grade.setObjectName(f"{key}Grade")
        error = QLabel(self)
        error.setObjectName(f"{key}Error")
        error.setWordWrap(True)
        error.setStyleSheet(f"color: {ERROR_COLOUR};")
        error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByKeyboard
                                      | Qt.TextInteractionFlag.TextSelectableByMouse)
        error.hide()
        timer = QTimer(self)
        timer.setSingleShot(True)
        timer.setInterval(GRADE_DELAY_MS)
        timer.timeout.connect(lambda key=key: self._measure(key))
        self.editors[key], self.grade_labels[key], self.error_labels[key], self._timers[key] = editor, grade, error, timer

    def _field_block(self, key: str, hint: str) -> QWidget:
        block = QWidget(self)
        column = QVBoxLayout(block)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(self.editors[key])
        hint_label = QLabel(hint, block)
        hint_label.setWordWrap(True)
        hint_label.setStyleSheet("color: #505050;")
        column.addWidget(hint_label)
        if key != "protocol":
            column.addWidget(self.grade_labels[key])
        column.addWidget(self.error_labels[key])
        return block

    def _lay_out(self) -> None:
        names = {"cost": ("&Cost and coverage:", "Cost and coverage (patients read it)",
                          "Patients read it: what it costs here and what insurance covers."),
                 "contact": ("Con&tact:", "Contact for this service (patients read it)",
                             "Patients read it: whom to call or see about it here."),
                 "protocol": ("&Protocol notes:", "Local protocol notes (clinicians only)",
                              "Clinicians only: how this clinic does it, referrals, local rules.")}
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setVerticalSpacing(10)
        self.field_labels: dict[str, QLabel] = {}
        for key in ("cost", "contact"):
            text, accessible, hint = names[key]
            self.editors[key].setAccessibleName(accessible)
            self.field_labels[key] = self._buddy(text, self.editors[key])
            form.addRow(self.field_labels[key], self._field_block(key, hint))
        self.field_labels["offered"] = self._buddy("&Offered here:", self.offered_combo)
        form.addRow(self.field_labels["offered"], self.offered_combo)
        text, accessible, hint = names["protocol"]
        self.editors["protocol"].setAccessibleName(accessible)
        self.field_labels["protocol"] = self._buddy(text, self.editors["protocol"])
        form.addRow(self.field_labels["protocol"], self._field_block("protocol", hint))
        for label in self.field_labels.values():
            label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        page = QWidget(self)
        page_column = QVBoxLayout(page)
        page_column.addLayout(form)
        page_column.addStretch(1)  # what the window gains goes below the fields, not between them
        self.fields_scroll = QScrollArea(self)  # scrolls on a small screen; who, why and the buttons stay
        self.fields_scroll.setAccessibleName("The clinic's fields")
        self.fields_scroll.setWidget(page)
        self.fields_scroll.setWidgetResizable(True)
        self.fields_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.fields_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.fields_scroll.setMinimumHeight(150)
        history = self._history_page()
        self.tabs = QTabWidget(self)
        self.tabs.setAccessibleName("Fields and history")
        self.tabs.addTab(self.fields_scroll, "&Fields")
        self.tabs.addTab(history, "Histor&y")
        self.tabs.setTabToolTip(1, "Every change, with who, when and why; revert one")
        who_row = self._who_why_row("W&hy:")
        note = self._note(self, "Every change is kept with who made it and why; both are needed to save or revert.")
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(who_row)
        layout.addWidget(note)
        layout.addWidget(self.message_label)
        layout.addWidget(self.buttons)
        place(self, "clinic_fields", 760, 640)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(760, 640)

    # -- the values ----------------------------------------------------------------------------
    def _load(self) -> None:
        """Read what is stored (one small query) and the history; editors the user has not touched
        show the stored words."""
        from clinic_app.services.clinic_fields import field_values

        before = dict(self._stored)
        edited = {key for key in self._stored_keys() if before and self.value(key) != before.get(key, "")}
        self._stored = {key: "" for key in self._stored_keys()} | {v.key: v.value for v in field_values(self.store, self.slug)}
        for key, editor in self.editors.items():
            if key not in edited and editor.toPlainText() != self._stored[key]:
                editor.setPlainText(self._stored[key])
        if "offered" not in edited:
            self.offered_combo.setCurrentIndex(max(0, self.offered_combo.findData(self._stored["offered"])))
        self._load_history()

    @staticmethod
    def _stored_keys() -> tuple[str, ...]:
        return ("cost", "offered", "protocol", "contact")

    def _load_history(self) -> None:
        from clinic_app.services.clinic_fields import history

        chosen = self.chosen_revision()
        self.history_model.set_revisions(history(self.store, self.slug))
        row = next((r for r, rev in enumerate(self.history_model.revisions()) if chosen and rev.id == chosen.id), 0)
        if self.history_model.rowCount():
            self.history_view.selectionModel().setCurrentIndex(
                self.history_model.index(row, 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        self._show_revision()

    def value(self, key: str) -> str:
        """What the dialog holds for ``key`` now, as the service would store it (trimmed)."""
        if key == "offered":
            return self.offered_combo.currentData() or ""
        return self.editors[key].toPlainText().strip()

    def changed_values(self) -> dict[str, str]:
        """The fields whose words differ from what is stored."""
        return {key: self.value(key) for key in self._stored_keys() if self.value(key) != self._stored.get(key, "")}

    # -- measuring -----------------------------------------------------------------------------
    def _on_text_changed(self, key: str) -> None:
        self._timers[key].start()  # restarted by each key: measured once the typing pauses
        self._update_buttons()

    def _measure(self, key: str) -> None:
        self._grader.run(assess, self.slug, key, self.editors[key].toPlainText(), on_done=self._measured,
                         on_error=self._measure_failed)

    def _measure_failed(self, error: BaseException) -> None:
        if not isinstance(error, ClinicAppError):
            raise error
        self.show_message(error.message, error=True)

    def _measured(self, assessment: Assessment) -> None:
        key = assessment.key
        if key not in self.editors or assessment.text != self.editors[key].toPlainText():
            return  # the words changed since: a newer measurement is on its way
        self._assessments[key] = assessment
        grade = self.grade_labels[key]
        grade.setText(grade_text(assessment))
        passes = assessment.grade is None or assessment.grade <= assessment.limit
        grade.setStyleSheet(f"color: {GOOD_COLOUR if passes else ERROR_COLOUR}; font-weight: 600;")
        error = self.error_labels[key]
        error.setText(sentence(assessment.error))
        error.setAccessibleName(error.text())
        shown = bool(assessment.error)
        if shown and not error.isVisible():
            QAccessible.updateAccessibility(QAccessibleEvent(error, QAccessible.Event.Alert))
        error.setVisible(shown)
        self._update_buttons()

    def measured(self, key: str) -> bool:
        """True when the grade and check shown for ``key`` are of its words now."""
        found = self._assessments.get(key)
        return (found is not None and found.text == self.editors[key].toPlainText()
                and not self._timers[key].isActive())

    def pending(self) -> bool:
        """True while a measurement, a save or a revert is still on its way."""
        return self._busy or not all(self.measured(key) for key in TEXT_KEYS)

    def invalid_fields(self) -> list[str]:
        return [key for key in TEXT_KEYS if key in self._assessments and self._assessments[key].error]

    # -- who and why -----------------------------------------------------------------------------
    def _update_buttons(self) -> None:
        signed = bool(self.who() and self.why())
        valid = all(self.measured(key) for key in TEXT_KEYS) and not self.invalid_fields()
        self.save_button.setEnabled(not self._busy and signed and valid and bool(self.changed_values()))
        if self.changed_values() and not signed:
            self.save_button.setToolTip("Say who is making the change and why")
        elif self.invalid_fields():
            self.save_button.setToolTip("A field cannot be stored as it is: see the message under it")
        else:
            self.save_button.setToolTip("")
        self.revert_button.setEnabled(not self._busy and signed and self.chosen_revision() is not None)

    # -- saving ----------------------------------------------------------------------------------
    def save(self) -> None:
        """Store the changed fields off the GUI thread; nothing that fails the check is sent."""
        from clinic_app.services.clinic_fields import set_fields

        self._update_buttons()
        if not self.save_button.isEnabled():
            return
        values = self.changed_values()
        self._start_work()
        Operation(self, "Cannot save the clinic's fields", set_fields, self.store, self.slug, values,
                  self.who(), self.why(), changes={Change.CLINIC_FIELDS},
                  on_done=self._saved, on_failed=self._work_failed).run()

    def _saved(self, revisions) -> None:  # noqa: ANN001 - list of clinic_fields.Revision
        labels = ", ".join(dict.fromkeys(r.label for r in revisions))
        self._work_done(f"Saved: {labels}." if labels else "Nothing changed: the fields already held these words.")

    def chosen_revision(self) -> Revision | None:
        return self.history_model.revision(self.history_view.currentIndex())

    def revert_chosen(self) -> None:
        """Put back what the chosen change replaced (a change of its own, with who and why)."""
        from clinic_app.services.clinic_fields import revert

        revision = self.chosen_revision()
        self._update_buttons()
        if revision is None or not self.revert_button.isEnabled():
            return
        self._start_work()
        Operation(self, "Cannot revert the change", revert, self.store, revision.id, self.who(), self.why(),
                  changes={Change.CLINIC_FIELDS}, on_done=self._reverted, on_failed=self._work_failed).run()

    def _reverted(self, revision) -> None:  # noqa: ANN001 - clinic_fields.Revision
        self._work_done(f"Reverted change #{revision.reverts}: the {revision.label} is back as it was.")

    def _work_done(self, text: str) -> None:
        self._busy = False
        self.why_field.clear()  # the next change has its own reason
        self._load()
        self.show_message(text)
        self._update_buttons()
        self.saved.emit(f"{self.therapy_name}: {text}")

    def _work_failed(self, error: BaseException) -> bool:
        self._busy = False
        self._update_buttons()
        if not isinstance(error, ClinicAppError):
            return False
        self.show_message(error.message, error=True)
        return True  # shown under who and why, not in a box

    # -- the history -------------------------------------------------------------------------------
    def _on_revision_chosen(self, _current: QModelIndex, _previous: QModelIndex) -> None:
        self._show_revision()
        self._update_buttons()

    def _show_revision(self) -> None:
        revision = self.chosen_revision()
        if revision is None:
            self.diff_view.setHtml("<p>No changes yet: the clinic has not written its own words for this therapy.</p>")
        else:
            self.diff_view.setHtml(revision_html(revision))


def open_clinic_fields(parent: QWidget | None, store: Store, slug: str, therapy_name: str = "") -> ClinicFieldsDialog:
    """Show the dialog for ``slug`` (window-modal to ``parent``; deleted when closed)."""
    dialog = ClinicFieldsDialog(store, slug, therapy_name, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.show()
    return dialog
