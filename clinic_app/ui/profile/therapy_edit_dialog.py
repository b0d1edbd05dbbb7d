"""A therapy's own text, edited in the window: its fields, its revisions, and a newer shipped text
to review (:mod:`clinic_app.services.therapy_edits`).

The Edit tab lists every text field a clinic may edit (a list model of the dotted paths, shown as
"Patient · Risks") and edits the chosen one; changes to several fields are kept until Save. A
patient-facing field shows its US reading grade as the user types: a quarter of a second after the
last key, a worker measures it (the dictionaries load off the GUI thread). Save, with who and why,
runs :func:`~clinic_app.services.therapy_edits.edit_therapy` off the GUI thread; every problem it
finds is shown with its field and nothing is stored. The History tab lists the revisions with each
one's word diff and reverts to one. When the shipped text changed since the clinic's edit, a banner
shows what changed and keeps the clinic's text or takes the shipped one. The Search words and
references tab edits the aliases (one a line) and ticks the references from the library's list
(:class:`ReferenceChoiceModel`); they are saved with the text, as one revision.

A condition's text is edited the same way (:class:`~clinic_app.ui.profile.condition_edit_dialog.ConditionEditDialog`
overrides the service hooks of :class:`TherapyEditDialog`).

:func:`guarded` asks for the clinic's edit passphrase first, when one is set
(:mod:`clinic_app.services.edit_guard`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QAbstractListModel,
    QItemSelectionModel,
    QModelIndex,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAccessible, QAccessibleEvent, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from clinic_app.errors import ClinicAppError, ConflictError
from clinic_app.ui.operations import Change, Operation
from clinic_app.ui.profile.clinic_fields_dialog import diff_html, local_time
from clinic_app.ui.profile.signed_changes import ERROR_COLOUR, GOOD_COLOUR, SignedChanges, sentence
from clinic_app.ui.records.table_model import Index, ReadOnlyTableModel
from clinic_app.ui.tasks import TaskRunner
from clinic_app.ui.window_place import place

if TYPE_CHECKING:
    from clinic_app.services.therapy_edits import HistoryEntry, ShippedChange
    from clinic_app.storage.store import Store

GRADE_DELAY_MS = 250
PENDING_ORIGIN = "shipped-pending"
ORIGIN_LABELS = {"shipped": "Shipped", "clinic": "Clinic", PENDING_ORIGIN: "Shipped, waiting for review"}
PART_LABELS = {"patient": "Patient", "clinician": "Clinician", "comparison": "Comparison", "paper": "Paper"}
WORD_LABELS = {"how_it_works": "How it works", "what_to_expect": "What to expect", "evidence_known": "What we know",
               "evidence_unknown": "What we do not know", "main_risks": "Main risks", "best_for": "Best for",
               "what_it_is": "What it is", "natural_course": "How it usually goes", "first_steps": "What helps first",
               "guidelines_first": "What guidelines advise first", "red_flags": "Red flags",
               "actions": "What you can do now", "urgent": "Get help urgently if", "see_doctor_soon": "See a doctor soon if",
               "paper_natural_course": "How it usually goes, on paper", "paper_urgent": "Urgent signs, on paper",
               "patient_name": "Name for patients"}
LIST_PATHS = ("aliases", "references")  # edited on their own tab, not in the field list
PROBLEM = re.compile(r"""^(?P<path>[\w.\[\]]+)(?: (?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"))?: (?P<message>.*)$""",
                     re.DOTALL)


# -- fields and their labels -------------------------------------------------------------------

def _words(name: str) -> str:
    return WORD_LABELS.get(name) or name.replace("_", " ").capitalize()


def field_label(path: str) -> str:
    """A dotted path as the clinic reads it: "Patient · Risks", "Patient paper · Summary",
    "Comparison · Cost", "By condition 1 · Patient", "Patient · Figure 1 caption"."""
    parts = [int(p) if p.isdigit() else p for p in re.split(r"[.\[\]]+", path) if p]
    if len(parts) == 1:
        return _words(str(parts[0]))
    if parts[:2] == ["patient", "paper"]:
        return f"Patient paper · {_words(str(parts[2]))}"
    if parts[0] == "patient" and parts[1] == "figures":
        return f"Patient · Figure {parts[2] + 1} caption"
    if parts[0] == "by_condition":
        return f"By condition {parts[1] + 1} · {PART_LABELS.get(str(parts[2]), _words(str(parts[2])))}"
    if parts[0] == "comparison":
        return f"Comparison · {_words(str(parts[1]))}"
    return f"{PART_LABELS.get(str(parts[0]), _words(str(parts[0])))} · {_words(str(parts[-1]))}"


def patient_facing(path: str) -> bool:
    """Patients read the patient text, the notes per condition and the comparison answers (``content
    check`` grades them all); the clinician's text, names, search words and references are not graded."""
    if path.startswith(("patient.", "comparison.")):
        return True
    return path.startswith("by_condition") and not path.endswith(".clinician")


def as_stored(path: str, text: str) -> str:
    """``text`` as the service compares and stores it (trimmed; questions a line each)."""
    if path in ("patient.questions", *LIST_PATHS) or path in LIST_TEXTS:
        return "\n".join(line.strip() for line in text.splitlines() if line.strip())
    return text.strip()


LIST_TEXTS = ("patient.actions", "patient.urgent", "patient.see_doctor_soon", "patient.paper_urgent")  # a condition's


def split_problem(problem: str) -> tuple[str, str]:
    """("patient.risks", "reading grade 12 is above 8; …") from the service's
    "patient.risks 'Words…': reading grade 12 is above 8; …" ("" and the whole text when no path)."""
    found = PROBLEM.match(problem)
    return (found["path"], found["message"]) if found else ("", problem)


class FieldListModel(QAbstractListModel):
    """The editable fields, by dotted path (UserRole), shown by label; a changed field is marked
    "(changed)" and one the last save refused "(problem)", in words and not by colour alone."""

    def __init__(self, parent=None) -> None:  # noqa: ANN001
        super().__init__(parent)
        self._paths: list[str] = []
        self._changed: set[str] = set()
        self._problems: set[str] = set()

    def set_paths(self, paths) -> None:  # noqa: ANN001
        self.beginResetModel()
        self._paths = list(paths)
        self.endResetModel()

    def paths(self) -> list[str]:
        return list(self._paths)

    def path(self, index: Index) -> str | None:
        return self._paths[index.row()] if index.isValid() and 0 <= index.row() < len(self._paths) else None

    def row_of(self, path: str) -> int:
        return self._paths.index(path) if path in self._paths else -1

    def set_marks(self, changed, problems) -> None:  # noqa: ANN001
        self._changed, self._problems = set(changed), set(problems)
        if self._paths:
            self.dataChanged.emit(self.index(0), self.index(len(self._paths) - 1))

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._paths)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: ANN201
        path = self.path(index)
        if path is None:
            return None
        marks = [word for word, marked in (("problem", path in self._problems), ("changed", path in self._changed))
                 if marked]
        shown = field_label(path) + (f" ({', '.join(marks)})" if marks else "")
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return shown
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{shown}: {'patients read it' if patient_facing(path) else 'clinicians only'} ({path})"
        if role == Qt.ItemDataRole.ForegroundRole and path in self._problems:
            return QColor(ERROR_COLOUR)
        if role == Qt.ItemDataRole.UserRole:
            return path
        return None


class ReferenceChoiceModel(QAbstractListModel):
    """The library's references, each "KEY — title", ticked when the entry lists it. The keys ticked
    keep the entry's order; a reference ticked anew goes last. ``chosen_changed`` after each tick."""

    chosen_changed = Signal()

    def __init__(self, parent=None) -> None:  # noqa: ANN001
        super().__init__(parent)
        self._rows: list[tuple[str, str]] = []
        self._chosen: list[str] = []

    def set_references(self, rows) -> None:  # noqa: ANN001 - (key, title) pairs
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def set_chosen(self, keys) -> None:  # noqa: ANN001
        self._chosen = list(keys)
        if self._rows:
            self.dataChanged.emit(self.index(0), self.index(len(self._rows) - 1), [Qt.ItemDataRole.CheckStateRole])

    def chosen(self) -> list[str]:
        return list(self._chosen)

    def row_of(self, key: str) -> int:
        return next((row for row, (k, _) in enumerate(self._rows) if k == key), -1)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._rows)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsUserCheckable

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: ANN201
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        key, title = self._rows[index.row()]
        ticked = key in self._chosen
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return f"{key} \u2014 {title}"
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{key} \u2014 {title}, {'listed' if ticked else 'not listed'}"
        if role == Qt.ItemDataRole.CheckStateRole:
            return Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.UserRole:
            return key
        return None

    def setData(self, index: Index, value, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: ANN001, N802
        if role != Qt.ItemDataRole.CheckStateRole or not index.isValid():
            return False
        key = self._rows[index.row()][0]
        ticked = value in (Qt.CheckState.Checked, Qt.CheckState.Checked.value, 2)
        if ticked and key not in self._chosen:
            self._chosen.append(key)
        elif not ticked and key in self._chosen:
            self._chosen.remove(key)
        else:
            return False
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.CheckStateRole])
        self.chosen_changed.emit()
        return True


# -- the reading grade, measured off the GUI thread -----------------------------------------------

@dataclass(frozen=True)
class Measured:
    path: str
    text: str
    grade: float | None
    limit: float = 8.0
    longest: str = ""


def measure(path: str, text: str) -> Measured:
    """The grade of a patient field's text (run on a worker: the dictionaries load there)."""
    if not patient_facing(path) or not text.strip():
        return Measured(path, text, None)
    from clinic_app.content import readability

    report = readability.measure(text)
    return Measured(path, text, report.grade, report.limit, report.longest_sentence)


def grade_text(measured: Measured) -> str:
    if measured.grade is None:
        return ""
    if measured.grade < 1:
        return "Grade 1 or lower — fine for patients"
    if measured.grade <= measured.limit:
        return f"Grade {measured.grade:.1f} — fine for patients"
    return f"Grade {measured.grade:.1f} — patients' text must be grade {measured.limit:.0f} or lower"


# -- the history -----------------------------------------------------------------------------------

class RevisionModel(ReadOnlyTableModel):
    """Every revision of the therapy's text, newest first."""

    HEADERS = ("Revision", "When", "Who", "Origin", "Why")

    def set_entries(self, entries) -> None:  # noqa: ANN001 - a sequence of therapy_edits.HistoryEntry
        self._set_entries(entries)

    def entries(self) -> list[HistoryEntry]:
        return list(self._entries)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: ANN201
        entry = self.entry(index)
        if entry is None:
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole, Qt.ItemDataRole.ToolTipRole):
            return (f"#{entry.revision}", local_time(entry.created_at), entry.author,
                    ORIGIN_LABELS.get(entry.origin, entry.origin), entry.reason)[index.column()]
        if role == Qt.ItemDataRole.UserRole:
            return entry.revision
        return None


def changes_html(changes, empty: str) -> str:  # noqa: ANN001 - therapy_edits.FieldChange
    if not changes:
        return f"<p><i>{escape(empty)}</i></p>"
    return "".join(f"<p><b>{escape(field_label(c.path))}</b><br>{diff_html(c.before, c.after)}</p>" for c in changes)


KEY_NOTE = ('<p style="color:#505050;">Struck through and marked [-…-]: words taken out. '
            "Underlined and marked {+…+}: words put in.</p>")


def entry_html(entry: HistoryEntry) -> str:
    version = getattr(entry, "content_version", None)  # a condition's revisions have none
    return (f"<p><b>Revision #{entry.revision}</b> ({escape(ORIGIN_LABELS.get(entry.origin, entry.origin))}"
            f"{f', content version {version}' if version is not None else ''}), {escape(local_time(entry.created_at))}, "
            f"by {escape(entry.author or '—')}.<br>Why: {escape(entry.reason or '—')}</p>"
            + changes_html(entry.changes, "No text changed in this revision.") + KEY_NOTE)


def shipped_html(change: ShippedChange) -> str:
    return changes_html(change.changes, "The shipped file changed, but none of the text a clinic edits.") + KEY_NOTE


# -- the dialog ------------------------------------------------------------------------------------

class TherapyEditDialog(QDialog, SignedChanges):
    """The text of therapy ``slug``: edit fields, see the revisions, revert, review newer shipped text."""

    saved = Signal(str)
    ENTRY = "therapy"  # what the dialog edits, in its labels and messages
    SETTINGS_KEY = "therapy_edit"

    # -- the service this dialog edits through (a condition's dialog overrides these) -------------
    @staticmethod
    def _service():  # noqa: ANN205 - a module
        from clinic_app.services import therapy_edits

        return therapy_edits

    def _edit_function(self):  # noqa: ANN202
        return self._service().edit_therapy

    def _error_type(self) -> type:
        return self._service().TherapyEditError

    def _change_kind(self) -> Change:
        return Change.THERAPY_TEXT

    def _shipped_change(self):  # noqa: ANN202 - ShippedChange or None
        return next((c for c in self._service().shipped_changed(self.store) if c.slug == self.slug), None)

    def _removable(self) -> bool:
        """Whether the entry is one the clinic added itself, which it may remove (a shipped one may not)."""
        from clinic_app.services.clinic_therapies import added_by_clinic

        return added_by_clinic(self.store, self.slug)

    def _banner_html(self, change) -> str:  # noqa: ANN001
        return (f"<b>The shipped text changed since your edit</b> (shipped version {change.based_on_version} "
                f"\u2192 {change.shipped_version}). The page shows the clinic's text until you keep it or take the "
                "shipped text; what the shipped text changed:")

    def __init__(self, store: Store, slug: str, therapy_name: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from clinic_app.services.clinic import load_profile

        self.store = store
        self.slug = slug
        self.therapy_name = therapy_name or slug
        self.setWindowTitle(f"Edit the text — {self.therapy_name}")
        self._stored: dict[str, str] = {}
        self._texts: dict[str, str] = {}
        self._problems: dict[str, list[str]] = {}
        self._measured: dict[str, Measured] = {}
        self._shipped: ShippedChange | None = None
        self._current_path: str | None = None
        self._busy = False
        self._grader = TaskRunner(self, max_threads=1, busy_cursor=False)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(GRADE_DELAY_MS)
        self._timer.timeout.connect(self._measure)

        self.field_model = FieldListModel(self)
        self.field_view = QListView(self)
        self.field_view.setModel(self.field_model)
        self.field_view.setAccessibleName(f"The {self.ENTRY}'s text fields")
        self.field_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.field_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.field_view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.field_view.setTextElideMode(Qt.TextElideMode.ElideRight)  # a marked label; its tooltip has it whole
        self.field_title = QLabel(self)
        self.field_title.setStyleSheet("font-weight: 600;")
        self.field_title.setWordWrap(True)
        self.editor = QPlainTextEdit(self)
        self.editor.setTabChangesFocus(True)
        self.editor.setAccessibleName("The chosen field's text")
        self.editor.setMinimumHeight(self.editor.fontMetrics().lineSpacing() * 4 + 14)
        self.grade_label = QLabel(self)
        self.grade_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label = QLabel(self)  # the problems the last save found with this field
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(f"color: {ERROR_COLOUR};")
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByKeyboard
                                                 | Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label.hide()
        self.undo_field_button = QPushButton("Und&o this field's changes", self)
        self.undo_field_button.setAutoDefault(False)
        self.undo_field_button.setToolTip("Put back the stored text of this field (nothing is saved)")

        self.banner = QFrame(self)
        self.banner.setObjectName("shippedBanner")
        self.banner.setFrameShape(QFrame.Shape.StyledPanel)
        self.banner.setStyleSheet("#shippedBanner { background: #fff4ce; border: 1px solid #8a6d00; }")
        self.banner_label = QLabel(self.banner)
        self.banner_label.setWordWrap(True)
        self.banner_diff = QTextBrowser(self.banner)
        self.banner_diff.setAccessibleName("What changed in the shipped text")
        self.banner_diff.setOpenLinks(False)
        self.banner_diff.setFixedHeight(self.fontMetrics().lineSpacing() * 4 + 16)  # a few lines; it scrolls
        self.keep_button = QPushButton("&Keep our text", self.banner)
        self.keep_button.setAutoDefault(False)
        self.keep_button.setToolTip("Keep the clinic's text; the newer shipped version is noted as reviewed")
        self.take_button = QPushButton("&Take the shipped text", self.banner)
        self.take_button.setAutoDefault(False)
        self.take_button.setToolTip("Replace the clinic's text with the newer shipped text (a revision of its own)")

        self.aliases_editor = QPlainTextEdit(self)
        self.aliases_editor.setTabChangesFocus(True)
        self.aliases_editor.setAccessibleName("Search words, one a line")
        self.reference_model = ReferenceChoiceModel(self)
        self.reference_view = QListView(self)
        self.reference_view.setModel(self.reference_model)
        self.reference_view.setAccessibleName(f"The library's references; ticked ones are the {self.ENTRY}'s")
        self.reference_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.reference_view.setUniformItemSizes(True)
        self.lists_error_label = QLabel(self)
        self.lists_error_label.setWordWrap(True)
        self.lists_error_label.setStyleSheet(f"color: {ERROR_COLOUR};")
        self.lists_error_label.hide()

        self._build_history(RevisionModel(self), 4, f"Revisions of the {self.ENTRY}'s text, newest first",
                            "The chosen revision's changes", "&Revert to this revision",
                            "Put back this revision's text as a new revision, with who and why")
        self._build_signing(list(load_profile(store).clinicians), "our class times")
        self.remove_button: QPushButton | None = None  # only for a therapy the clinic added itself
        if self._removable():
            self.remove_button = QPushButton(f"Re&move this {self.ENTRY}\u2026", self)
            self.remove_button.setAutoDefault(False)
            self.buttons.addButton(self.remove_button, QDialogButtonBox.ButtonRole.ActionRole)

        self._lay_out()
        self._load()
        self.field_view.selectionModel().currentRowChanged.connect(self._on_field_chosen)
        self.editor.textChanged.connect(self._on_text_changed)
        self.aliases_editor.textChanged.connect(self._on_aliases_changed)
        self.reference_model.chosen_changed.connect(self._on_references_changed)
        self.undo_field_button.clicked.connect(self.undo_field)
        self._connect_signing()
        self.history_view.selectionModel().currentRowChanged.connect(self._on_revision_chosen)
        self.revert_button.clicked.connect(self.revert_chosen)
        self.keep_button.clicked.connect(lambda: self.review(take_shipped=False))
        self.take_button.clicked.connect(lambda: self.review(take_shipped=True))
        if self.remove_button is not None:
            self.remove_button.clicked.connect(self.remove)
        if self.field_model.rowCount():
            self.choose_field(self.field_model.paths()[0])
        self._update_buttons()
        self.field_view.setFocus()

    # -- building --------------------------------------------------------------------------------
    def _lay_out(self) -> None:
        banner_column = QVBoxLayout(self.banner)
        banner_column.setContentsMargins(8, 6, 8, 6)
        banner_column.addWidget(self.banner_label)
        banner_column.addWidget(self.banner_diff)
        banner_row = QHBoxLayout()
        banner_row.addStretch(1)
        banner_row.addWidget(self.keep_button)
        banner_row.addWidget(self.take_button)
        banner_column.addLayout(banner_row)
        self.banner.hide()

        left = QWidget(self)
        left_column = QVBoxLayout(left)
        left_column.setContentsMargins(0, 0, 0, 0)
        left_column.addWidget(self._buddy("&Fields:", self.field_view, left))
        left_column.addWidget(self.field_view, 1)
        right = QWidget(self)
        right_column = QVBoxLayout(right)
        right_column.setContentsMargins(0, 0, 0, 0)
        title_row = QHBoxLayout()
        title_row.addWidget(self._buddy("Te&xt:", self.editor, right))
        title_row.addWidget(self.field_title, 1)
        right_column.addLayout(title_row)
        right_column.addWidget(self.editor, 1)
        right_column.addWidget(self.grade_label)
        right_column.addWidget(self.error_label)
        undo_row = QHBoxLayout()
        undo_row.addStretch(1)
        undo_row.addWidget(self.undo_field_button)
        right_column.addLayout(undo_row)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 5)
        self.splitter.setChildrenCollapsible(False)

        lists = QWidget(self)
        lists_column = QVBoxLayout(lists)
        lists_column.addWidget(self._buddy("Search wor&ds (aliases), one a line: what people type to find it",
                                           self.aliases_editor, lists))
        lists_column.addWidget(self.aliases_editor, 1)
        lists_column.addWidget(self._buddy(f"Refere&nces: tick each one the {self.ENTRY} lists (every one its "
                                           "clinician text cites, and only those)", self.reference_view, lists))
        lists_column.addWidget(self.reference_view, 3)
        lists_column.addWidget(self.lists_error_label)

        history = self._history_page()
        self.tabs = QTabWidget(self)
        self.tabs.setAccessibleName("Edit and history")
        self.tabs.addTab(self.splitter, "&Edit")
        self.tabs.addTab(lists, "Se&arch words and references")
        self.tabs.addTab(history, "&History")
        self.tabs.setTabToolTip(2, "Every revision, with who, when and why; revert to one")

        who_row = self._who_why_row("Wh&y:")
        note = self._note(self, "Every change is a revision, kept with who made it and why; both are needed to save, "
                      f"revert or review. The whole {self.ENTRY} is checked as content check does before anything "
                      "is stored.")
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(who_row)
        layout.addWidget(note)
        layout.addWidget(self.message_label)
        layout.addWidget(self.buttons)
        place(self, self.SETTINGS_KEY, 900, 680)
        self.setMinimumSize(720, 560)  # below this the editor and the list are cut; a 1366×768 screen holds it

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(900, 680)

    # -- loading ---------------------------------------------------------------------------------
    def _load(self, keep_edits: bool = True) -> None:
        """Read the stored text, the revisions and any newer shipped text (small reads); fields the
        user changed and has not saved keep the user's words when ``keep_edits``."""
        from clinic_app.services.therapy_edits import reference_titles

        edits = self.changed_values() if keep_edits else {}
        self._stored = self._service().editable_fields(self.store, self.slug)
        self._texts = dict(self._stored) | {p: t for p, t in edits.items() if p in self._stored}
        paths = [path for path in self._stored if path not in LIST_PATHS]
        if self.field_model.paths() != paths:
            self.field_model.set_paths(paths)
            view = self.field_view  # wide enough for every label as it is (not the marks): none is cut
            view.setMinimumWidth(min(420, view.sizeHintForColumn(0) + view.verticalScrollBar().sizeHint().width()
                                     + 2 * view.frameWidth() + 6))
        if self._current_path in self._texts and self.editor.toPlainText() != self._texts[self._current_path]:
            self.editor.blockSignals(True)
            self.editor.setPlainText(self._texts[self._current_path])
            self.editor.blockSignals(False)
            self._timer.start()
        if not self.reference_model.rowCount():
            self.reference_model.set_references(reference_titles(self.store))
        self.aliases_editor.blockSignals(True)  # the stored words, not a change
        if self.aliases_editor.toPlainText() != self._texts.get("aliases", ""):
            self.aliases_editor.setPlainText(self._texts.get("aliases", ""))
        self.aliases_editor.blockSignals(False)
        self.reference_model.set_chosen(self._texts.get("references", "").splitlines())
        self._shipped = self._shipped_change()
        self._show_banner()
        self._load_history()
        self._mark_fields()
        current = self._current_entry()
        self._based_on = current.revision if current is not None else None  # a later save elsewhere is a conflict

    def _show_banner(self) -> None:
        change = self._shipped
        self.banner.setVisible(change is not None)
        if change is None:
            return
        self.banner_label.setText(self._banner_html(change))
        self.banner_label.setAccessibleName("The shipped text changed since your edit")
        self.banner_diff.setHtml(shipped_html(change))

    def _load_history(self) -> None:
        chosen = self.chosen_revision()
        self.history_model.set_entries(self._service().history(self.store, self.slug))
        entries = self.history_model.entries()
        row = next((r for r, e in enumerate(entries) if chosen and e.revision == chosen.revision), 0)
        if entries:
            self.history_view.selectionModel().setCurrentIndex(
                self.history_model.index(row, 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        self._show_revision()

    # -- the fields --------------------------------------------------------------------------------
    def choose_field(self, path: str) -> None:
        row = self.field_model.row_of(path)
        if row >= 0:
            self.field_view.setCurrentIndex(self.field_model.index(row))

    def _on_field_chosen(self, current: QModelIndex, _previous: QModelIndex) -> None:
        path = self.field_model.path(current)
        self._current_path = path
        self.editor.blockSignals(True)  # the text is the field's, not a change
        self.editor.setPlainText(self._texts.get(path, "") if path else "")
        self.editor.blockSignals(False)
        self.editor.setEnabled(path is not None)
        self.field_title.setText(f"{field_label(path)} — {'patients read it' if patient_facing(path) else 'clinicians only'}"
                                 if path else "")
        self.editor.setAccessibleName(f"Text of {field_label(path)}" if path else "The chosen field's text")
        self._show_grade()
        self._show_problems()
        if path and patient_facing(path) and not self._is_measured(path):
            self._measure()
        self._update_buttons()

    def _on_text_changed(self) -> None:
        if self._current_path is None:
            return
        self._texts[self._current_path] = self.editor.toPlainText()
        self._timer.start()  # measured once the typing pauses
        self._mark_fields()
        self._update_buttons()

    def _on_aliases_changed(self) -> None:
        self._texts["aliases"] = self.aliases_editor.toPlainText()
        self._mark_fields()
        self._update_buttons()

    def _on_references_changed(self) -> None:
        self._texts["references"] = "\n".join(self.reference_model.chosen())
        self._mark_fields()
        self._update_buttons()

    def set_reference(self, key: str, listed: bool) -> bool:
        """Tick (or untick) reference ``key`` in the list, as a click on its box does."""
        row = self.reference_model.row_of(key)
        state = Qt.CheckState.Checked if listed else Qt.CheckState.Unchecked
        return row >= 0 and self.reference_model.setData(self.reference_model.index(row), state,
                                                          Qt.ItemDataRole.CheckStateRole)

    def undo_field(self) -> None:
        path = self._current_path
        if path is not None:
            self.editor.setPlainText(self._stored.get(path, ""))

    def value(self, path: str) -> str:
        return self._texts.get(path, "")

    def changed_values(self) -> dict[str, str]:
        """The fields whose text differs from what is stored, as the user wrote them."""
        return {p: t for p, t in self._texts.items() if as_stored(p, t) != as_stored(p, self._stored.get(p, ""))}

    def _mark_fields(self) -> None:
        self.field_model.set_marks(self.changed_values(), self._problems)

    # -- the grade ---------------------------------------------------------------------------------
    def _measure(self) -> None:
        path = self._current_path
        if path is None:
            return
        self._grader.run(measure, path, self.editor.toPlainText(), on_done=self._on_measured,
                         on_error=self._measure_failed)

    def _measure_failed(self, error: BaseException) -> None:
        if not isinstance(error, ClinicAppError):
            raise error
        self.show_message(error.message, error=True)

    def _on_measured(self, measured: Measured) -> None:
        self._measured[measured.path] = measured
        if measured.path == self._current_path:
            self._show_grade()

    def _is_measured(self, path: str) -> bool:
        found = self._measured.get(path)
        return found is not None and found.text == self._texts.get(path, "")

    def _show_grade(self) -> None:
        path = self._current_path
        found = self._measured.get(path) if path else None
        if path is None or not patient_facing(path) or found is None or found.text != self.editor.toPlainText():
            self.grade_label.setText("" if path is None or not patient_facing(path) else "Measuring the reading grade…")
            self.grade_label.setStyleSheet("color: #505050;")
            if path is not None and not patient_facing(path):
                self.grade_label.setText("Clinicians only: no reading-grade limit.")
            return
        self.grade_label.setText(grade_text(found))
        self.grade_label.setToolTip(f"Longest sentence: \u201c{found.longest}\u201d" if found.longest else "")
        passes = found.grade is None or found.grade <= found.limit
        self.grade_label.setStyleSheet(f"color: {GOOD_COLOUR if passes else ERROR_COLOUR}; font-weight: 600;")
        self.grade_label.setAccessibleName(self.grade_label.text())

    def pending(self) -> bool:
        """True while the chosen field's grade, a save, a revert or a review is on its way."""
        path = self._current_path
        waiting = path is not None and patient_facing(path) and (
            self._timer.isActive() or not self._is_measured(path))
        return self._busy or waiting

    # -- problems ----------------------------------------------------------------------------------
    def problems(self, path: str | None = None) -> list[str]:
        """The last save's problems with ``path`` (all of them when None)."""
        if path is None:
            return [m for messages in self._problems.values() for m in messages]
        return list(self._problems.get(path, ()))

    def _set_problems(self, problems: list[str]) -> None:
        self._problems = {}
        for problem in problems:
            path, message = split_problem(problem)
            path = next((name for name in LIST_PATHS if path == name or path.startswith(f"{name}[")), path)
            self._problems.setdefault(path if path in self._stored else "", []).append(sentence(message)
                                                                                      if path in self._stored
                                                                                      else problem)
        self._mark_fields()
        self._show_problems()

    def _show_problems(self) -> None:
        listed = [message for name in LIST_PATHS for message in self._problems.get(name, ())]
        self.lists_error_label.setText("\n".join(listed))
        self.lists_error_label.setAccessibleName(self.lists_error_label.text())
        self.lists_error_label.setVisible(bool(listed))
        shown = self._problems.get(self._current_path or "", [])
        self.error_label.setText("\n".join(shown))
        self.error_label.setAccessibleName(self.error_label.text())
        if shown and not self.error_label.isVisible():
            QAccessible.updateAccessibility(QAccessibleEvent(self.error_label, QAccessible.Event.Alert))
        self.error_label.setVisible(bool(shown))

    # -- who and why -------------------------------------------------------------------------------
    def _update_buttons(self) -> None:
        signed = bool(self.who() and self.why())
        changed = bool(self.changed_values())
        self.save_button.setEnabled(not self._busy and signed and changed)
        self.save_button.setToolTip("Say who is making the change and why" if changed and not signed else "")
        path = self._current_path
        self.undo_field_button.setEnabled(path is not None and path in self.changed_values())
        entry = self.chosen_revision()
        revertible = entry is not None and entry.origin != PENDING_ORIGIN and entry is not self._current_entry()
        self.revert_button.setEnabled(not self._busy and signed and revertible)
        for button in (self.keep_button, self.take_button):
            button.setEnabled(not self._busy and signed and self._shipped is not None)
        if self.remove_button is not None:
            self.remove_button.setEnabled(not self._busy and signed)
            self.remove_button.setToolTip(
                f"Withdraw the {self.ENTRY} the clinic added: it leaves every list, search and new handout, "
                "and File \u2192 Removed therapies\u2026 restores it" if signed
                else "Say who is removing it and why")

    # -- saving, reverting, reviewing --------------------------------------------------------------
    def save(self) -> None:
        """Store the changed fields off the GUI thread; the service checks the whole therapy first."""
        self._update_buttons()
        if not self.save_button.isEnabled():
            return
        self._start_work()
        Operation(self, f"Cannot save the {self.ENTRY}'s text", self._edit_function(), self.store, self.slug,
                  self.changed_values(), self.who(), self.why(), based_on=self._based_on,
                  changes={self._change_kind()}, on_done=self._saved, on_failed=self._work_failed).run()

    def _saved(self, result) -> None:  # noqa: ANN001 - therapy_edits.EditResult
        labels = ", ".join(field_label(p) for p in result.changed)
        self._work_done(f"Saved revision #{result.revision}: {labels}.", keep_edits=False)

    def chosen_revision(self) -> HistoryEntry | None:
        return self.history_model.entry(self.history_view.currentIndex())

    def _current_entry(self) -> HistoryEntry | None:
        return next((e for e in self.history_model.entries() if e.origin != PENDING_ORIGIN), None)

    def revert_chosen(self) -> None:
        revert = self._service().revert
        entry = self.chosen_revision()
        self._update_buttons()
        if entry is None or not self.revert_button.isEnabled():
            return
        self._start_work()
        Operation(self, f"Cannot revert the {self.ENTRY}'s text", revert, self.store, self.slug, entry.revision,
                  self.who(), self.why(), changes={self._change_kind()},
                  on_done=lambda result: self._work_done(
                      f"Reverted to revision #{entry.revision} (now revision #{result.revision})."),
                  on_failed=self._work_failed).run()

    def review(self, take_shipped: bool) -> None:
        mark_reviewed = self._service().mark_reviewed
        self._update_buttons()
        button = self.take_button if take_shipped else self.keep_button
        if self._shipped is None or not button.isEnabled():
            return
        self._start_work()
        done = ("Took the shipped text" if take_shipped else "Kept the clinic's text") + " (revision #{})."
        Operation(self, "Cannot review the shipped text", mark_reviewed, self.store, self.slug, self.who(),
                  self.why(), take_shipped, changes={self._change_kind()},
                  on_done=lambda result: self._work_done(done.format(result.revision)),
                  on_failed=self._work_failed).run()

    def remove(self) -> None:
        """Withdraw the therapy, once the user confirms, off the GUI thread; the dialog closes when done."""
        from clinic_app.services.clinic_therapies import remove_therapy
        from clinic_app.ui.dialogs import ConfirmDialog

        self._update_buttons()
        if self.remove_button is None or not self.remove_button.isEnabled():
            return
        question = (f"Remove {self.therapy_name}? It leaves every list, search, comparison and new handout; "
                    "handouts already printed with it still reprint. It is kept, with every revision, under "
                    "File \u2192 Removed therapies\u2026, where it can be restored.")
        if not ConfirmDialog.ask(self, f"Remove {self.therapy_name}", question, "&Remove", f"&Keep {self.therapy_name}"):
            return
        self._start_work()
        Operation(self, f"Cannot remove the {self.ENTRY}", remove_therapy, self.store, self.slug, self.who(),
                  self.why(), changes={Change.THERAPY_TEXT}, on_done=self._removed,
                  on_failed=self._work_failed).run()

    def _removed(self, result) -> None:  # noqa: ANN001 - clinic_therapies.RemovedTherapy
        self._busy = False
        self.saved.emit(f"Removed {result.name}; File \u2192 Removed therapies\u2026 can restore it.")
        self.accept()

    def _work_done(self, text: str, keep_edits: bool = True) -> None:
        self._busy = False
        self.why_field.clear()
        self._set_problems([])
        self._load(keep_edits=keep_edits)
        self.show_message(text)
        self._update_buttons()
        self.saved.emit(f"{self.therapy_name}: {text}")

    def resolve(self, conflict: ConflictError) -> None:
        """The text was saved elsewhere since this dialog read it: both versions of the fields edited
        here, side by side; save these over theirs, take theirs (these edits are dropped), or go back
        to the edits. Nothing is lost until the user chooses."""
        from clinic_app.ui.profile.conflict_dialog import Choice, ConflictDialog

        rows = [(field_label(path), conflict.mine[path], conflict.theirs.get(path, "")) for path in conflict.mine]
        dialog = ConflictDialog(conflict.message, rows, "saved since", self)
        dialog.exec()
        if dialog.choice is Choice.MINE:
            self._load()  # their text under these edits, and their revision as the one this edit is based on
            self.save()
        elif dialog.choice is Choice.THEIRS:
            self._load(keep_edits=False)
            self.show_message("Their text is shown now; your changes were not saved.")
        else:
            self.show_message(conflict.message, error=True)

    def _work_failed(self, error: BaseException) -> bool:
        self._busy = False
        self._update_buttons()
        if not isinstance(error, ClinicAppError):
            return False
        if isinstance(error, ConflictError):
            self.resolve(error)
            return True
        if isinstance(error, self._error_type()):
            self._set_problems(error.problems)
            fields = [p for p in self._problems if p]
            texts = [p for p in fields if p not in LIST_PATHS]
            if texts and self._current_path not in texts:
                self.choose_field(texts[0])
            self.tabs.setCurrentIndex(0 if texts or not fields else 1)
            count = len(self.problems())
            where = ", ".join(field_label(p) for p in fields)
            text = f"Nothing was saved: {count} problem{'s' if count > 1 else ''}"
            text += f", each shown under its field ({where})." if fields else "."
            self.show_message("\n".join([text, *self._problems.get("", [])]), error=True)
        else:
            self.show_message(error.message, error=True)
        return True

    # -- the history -------------------------------------------------------------------------------
    def _on_revision_chosen(self, _current: QModelIndex, _previous: QModelIndex) -> None:
        self._show_revision()
        self._update_buttons()

    def _show_revision(self) -> None:
        entry = self.chosen_revision()
        self.diff_view.setHtml(entry_html(entry) if entry else f"<p>No revisions stored for this {self.ENTRY}.</p>")
        tip = "Put back this revision's text as a new revision, with who and why"
        if entry is not None and entry.origin == PENDING_ORIGIN:
            tip = "A newer shipped text waiting for review: keep or take it in the banner above"
        elif entry is not None and entry is self._current_entry():
            tip = "This is the text the therapy has now"
        self.revert_button.setToolTip(tip)


def open_therapy_edit(parent: QWidget | None, store: Store, slug: str, therapy_name: str = "") -> TherapyEditDialog:
    """Show the dialog for ``slug`` (window-modal to ``parent``; deleted when closed)."""
    dialog = TherapyEditDialog(store, slug, therapy_name, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.show()
    return dialog


# -- the clinic's edit passphrase ------------------------------------------------------------------

class PassphraseDialog(QDialog):
    """Asks for the clinic's edit passphrase; the check (scrypt) runs on a worker. ``granted`` when
    right; a wrong one is said so here and nothing opens."""

    granted = Signal()

    def __init__(self, store: Store, what: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.setWindowTitle("Edit passphrase")
        self.field = QLineEdit(self)
        self.field.setEchoMode(QLineEdit.EchoMode.Password)
        self.field.setAccessibleName("The clinic's edit passphrase")
        label = QLabel(f"The clinic asks for its edit passphrase before {what}. &Passphrase:", self)
        label.setWordWrap(True)
        label.setBuddy(self.field)
        self.message_label = QLabel(self)
        self.message_label.setStyleSheet(f"color: {ERROR_COLOUR};")
        self.message_label.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                        self)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("&Open")
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(self.field)
        layout.addWidget(self.message_label)
        layout.addWidget(self.buttons)
        self._runner = TaskRunner(self, max_threads=1)
        self._checking = False
        self.buttons.accepted.connect(self.check)
        self.buttons.rejected.connect(self.reject)
        self.resize(420, self.sizeHint().height())

    def check(self) -> None:
        from clinic_app.services.edit_guard import check_passphrase

        if self._checking:
            return
        self._checking = True
        self.ok_button.setEnabled(False)
        self.message_label.setText("")
        self._runner.run(check_passphrase, self.store, self.field.text(), on_done=self._checked,
                         on_error=self._failed)

    def _checked(self, right: bool) -> None:
        self._checking = False
        self.ok_button.setEnabled(True)
        if right:
            self.accept()
            self.granted.emit()
            return
        self.field.selectAll()
        self.field.setFocus()
        self.message_label.setText("That passphrase is wrong; nothing was opened.")
        self.message_label.setAccessibleName(self.message_label.text())
        QAccessible.updateAccessibility(QAccessibleEvent(self.message_label, QAccessible.Event.Alert))

    def _failed(self, error: BaseException) -> None:
        self._checking = False
        self.ok_button.setEnabled(True)
        if not isinstance(error, ClinicAppError):
            raise error
        self.message_label.setText(sentence(error.message))


def guarded(parent: QWidget, store: Store, what: str, open_it: Callable[[], object]):  # noqa: ANN201
    """``open_it()`` now when no passphrase is set (its result returned); else a passphrase dialog
    that calls it once the right passphrase is given (returned: the dialog)."""
    from clinic_app.services.edit_guard import has_passphrase

    if not has_passphrase(store):
        return open_it()
    dialog = PassphraseDialog(store, what, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.granted.connect(open_it)
    dialog.show()
    return dialog
