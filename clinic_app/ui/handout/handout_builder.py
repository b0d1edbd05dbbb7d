"""The handout builder: choose therapies and options, watch the page change, then print or save.

The preview on the right shows the pages drawn by the same code that prints and writes PDFs
(:mod:`clinic_app.printing.handout_jobs`), so what the doctor sees is what the patient gets. A
worker composes the handout once per change of the options, lays it out as for paper, draws the
pages and measures the reading grade and checklist shown below the options; the window only paints
the result. Saving and printing run off the GUI thread too, as operations. Every print and PDF is
recorded in the handout log; ``printed`` carries the new record's id.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate, QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QKeySequence
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from clinic_app import APP_NAME
from clinic_app.errors import ClinicAppError
from clinic_app.ui.dialogs import PreviewDialog, PrintDialog, SaveFileDialog
from clinic_app.ui.fields import DateField, name_editable_combo
from clinic_app.ui.handout.page_preview import PagePreview
from clinic_app.ui.list_models import ChoiceListModel, ItemListModel
from clinic_app.ui.operations import Change, Operation, on_change
from clinic_app.ui.tasks import TaskRunner
from clinic_app.ui.window_place import place

if TYPE_CHECKING:
    from clinic_app.printing.handout_jobs import Preview
    from clinic_app.services.handout_quality import Assessment, CheckItem
    from clinic_app.services.handouts import HandoutRequest
    from clinic_app.storage.store import Store

Index = QModelIndex | QPersistentModelIndex
REFRESH_DELAY_MS = 250
PREVIEW_DPI = 96  # the pages' pictures; scaled to the preview's width when painted
OK_COLOUR, WARN_COLOUR = QColor("#2e7d32"), QColor("#b3261e")


class TherapyChoiceModel(ChoiceListModel):
    """Every therapy with a tick box; the ones chosen first come first, and the ticked ones go on
    the handout in the order shown."""

    def __init__(self, items, chosen=(), parent=None) -> None:  # noqa: ANN001
        by_slug = {item.slug: item for item in items}
        first = [by_slug[s] for s in dict.fromkeys(chosen) if s in by_slug]
        super().__init__(parent, first + [item for item in items if item.slug not in set(chosen)],
                         [item.slug for item in first])

    def key(self, item) -> str:  # noqa: ANN001 - services.library.TherapyListItem
        return item.slug

    def show(self, item, role: int):  # noqa: ANN001, ANN201
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{item.name} — {item.status}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return item.patient_name
        return None

    def chosen(self) -> tuple[str, ...]:
        return tuple(super().chosen())

    def name_of(self, slug: str) -> str:
        return next((item.name for item in self.items() if item.slug == slug), slug)


class ChecklistModel(ItemListModel):
    """The checklist items of an :class:`Assessment`, ticked or flagged."""

    def show(self, item: CheckItem, role: int):  # noqa: ANN201
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{'✓' if item.ok else '✗'}  {item.label}"
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleDescriptionRole):
            return item.detail
        if role == Qt.ItemDataRole.ForegroundRole:
            return OK_COLOUR if item.ok else WARN_COLOUR
        return None


def _date(value: QDate) -> dt.date:
    return dt.date(value.year(), value.month(), value.day())


class HandoutBuilder(QDialog):
    """Options on the left, the live preview on the right, print/save along the bottom."""

    printed = Signal(object)  # handout log record id, or the key of a record held in this room's outbox
    preview_updated = Signal()  # the preview, page count and reading check show the options as they are

    def __init__(self, store: Store, therapies=(), include_comparison: bool = False,  # noqa: ANN001
                 comparison_rows=(), patient_label: str = "", clinician: str = "", notes: str = "",  # noqa: ANN001
                 condition: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        from clinic_app.services import library
        from clinic_app.services.clinic import load_profile

        self.store = store
        self.comparison_rows = tuple(comparison_rows)
        self.profile = load_profile(store)
        self.assessment: Assessment | None = None
        self.last_error = ""
        self.setWindowTitle(f"Patient handout — {APP_NAME}")
        from clinic_app.services.comparison import row_catalogue

        self.row_questions = {row.key: row.patient_question for row in row_catalogue(store)}
        self.therapy_model = TherapyChoiceModel(library.list_therapies(store), therapies, self)
        self.checklist_model = ChecklistModel(self)
        self.condition_combo = QComboBox(self)
        self.condition_combo.setAccessibleName("Condition")
        self.condition_combo.setToolTip("The condition the handout is about: it says so, and gives its warning signs")
        self.condition_combo.addItem("None chosen", "")
        for item in library.list_conditions(store):
            self.condition_combo.addItem(item.name, item.slug)
        self.condition_combo.setCurrentIndex(max(0, self.condition_combo.findData(condition)))
        self._build(patient_label, clinician, notes, include_comparison)
        self.printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        self.preview = PagePreview(self)
        self.preview.setAccessibleName("Handout preview")
        self.shown: Preview | None = None  # what the preview shows now
        self._previews = TaskRunner(self, max_threads=1, busy_cursor=False)
        self._preview_generation = 0
        self._printing = False
        options = QScrollArea(self)  # the options scroll on a small screen rather than push it off
        options.setAccessibleName("Handout options")
        options.setWidget(self.options_panel)
        options.setWidgetResizable(True)
        options.setFrameShape(QFrame.Shape.NoFrame)
        options.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        splitter = QSplitter()
        splitter.addWidget(options)
        splitter.addWidget(self.preview)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([420, 760])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addLayout(self.bottom_bar)
        self.refresh_timer = QTimer(self)
        self.refresh_timer.setSingleShot(True)
        self.refresh_timer.setInterval(REFRESH_DELAY_MS)
        self.refresh_timer.timeout.connect(self.refresh)
        self._connect()
        on_change(self, {Change.CLINIC_PROFILE}, self._on_profile_changed)
        place(self, "handout-builder", 1240, 860)
        self.therapy_view.setFocus()  # (not a button: Enter must not print or preview by surprise)
        self.refresh()

    # -- widgets ---------------------------------------------------------------------------
    def _build(self, patient_label: str, clinician: str, notes: str, include_comparison: bool) -> None:
        self.options_panel = QWidget(self)
        self.therapy_view = QListView(self)
        self.therapy_view.setModel(self.therapy_model)
        self.therapy_view.setAccessibleName("Therapies on the handout")
        self.therapy_view.setMinimumHeight(150)
        self.therapy_view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.therapy_view.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.compare_box = QCheckBox("Include the &comparison grid", self)
        self.compare_box.setChecked(include_comparison)
        self.one_page_box = QCheckBox("One pa&ge", self)
        self.one_page_box.setToolTip("Only the option grid of 2 to 4 therapies, sized to fit one page (landscape for 4); "
                                     "notes, next steps and the next visit are not on it")
        self.rows_label = QLabel(self)
        self.rows_label.setWordWrap(True)
        self.patient_field = QLineEdit(patient_label, self)
        self.patient_field.setMaxLength(120)
        self.patient_field.setPlaceholderText("Optional, printed on every page")
        self.patient_field.setToolTip("Printed on the handout. The print log keeps it only if the clinic profile "
                                      "says so (off unless turned on).")
        self.clinician_combo = QComboBox(self)
        self.clinician_combo.setEditable(True)
        self.clinician_combo.addItems(list(self.profile.clinicians))
        self.clinician_combo.setCurrentText(clinician or (self.profile.clinicians[0] if self.profile.clinicians else ""))
        self.date_edit = DateField(QDate.currentDate(), "d MMMM yyyy", self)
        self.notes_field = QPlainTextEdit(notes, self)
        self.notes_field.setPlaceholderText("Notes for this patient, in plain words")
        self.notes_field.setTabChangesFocus(True)
        self.next_steps_field = QPlainTextEdit(self)
        self.next_steps_field.setPlaceholderText("What the patient should do next")
        self.next_steps_field.setTabChangesFocus(True)
        for field in (self.notes_field, self.next_steps_field):
            field.setMaximumHeight(80)
        self.follow_up_box = QCheckBox("Next &visit on", self)
        self.follow_up_edit = DateField(QDate.currentDate().addDays(28), "d MMMM yyyy", self)
        self.follow_up_edit.setEnabled(False)
        self.follow_up_edit.setAccessibleName("Next visit date")  # its label is the check box beside it
        self.paper_combo = QComboBox(self)  # (made before Large print: Tab reaches them as shown)
        self.paper_combo.addItem("A4", "a4")
        self.paper_combo.addItem("Letter", "letter")
        self.paper_combo.setCurrentIndex(max(0, self.paper_combo.findData(self.profile.paper_size)))
        self.large_print_box = QCheckBox("&Large print (14 pt)", self)
        self.large_print_box.setChecked(self.profile.large_print)
        # Beside options that are all emerging or investigational, the handout carries the standard
        # ones; the doctor may leave them out only with a reason, which the handout log keeps.
        self.standard_box = QCheckBox("Add the standard options", self)
        self.standard_box.setChecked(True)
        self.standard_reason = QLineEdit(self)
        self.standard_reason.setMaxLength(300)
        self.standard_reason.setPlaceholderText("Why leave them out? (kept in the handout log)")
        self.standard_reason.setAccessibleName("Reason for leaving the standard options out")
        self.standard_reason.setEnabled(False)
        for widget in (self.standard_box, self.standard_reason):
            widget.setVisible(False)
        follow_up = QHBoxLayout()
        follow_up.addWidget(self.follow_up_box)
        follow_up.addWidget(self.follow_up_edit, 1)
        form = QFormLayout()
        form.addRow("&Patient:", self.patient_field)
        form.addRow("C&ondition:", self.condition_combo)
        form.addRow("Clinici&an:", self.clinician_combo)
        form.addRow("&Date:", self.date_edit)
        form.addRow("&Notes:", self.notes_field)
        form.addRow("Ne&xt steps:", self.next_steps_field)
        form.addRow("", follow_up)
        form.addRow("", self.standard_box)
        form.addRow("", self.standard_reason)
        form.addRow("Pape&r:", self.paper_combo)
        form.addRow("", self.large_print_box)
        for widget, name in ((self.patient_field, "Patient name"), (self.clinician_combo, "Clinician"),
                             (self.date_edit, "Date"), (self.notes_field, "Notes"),
                             (self.next_steps_field, "Next steps"), (self.paper_combo, "Paper size")):
            widget.setAccessibleName(name)
        name_editable_combo(self.clinician_combo)
        self.grade_label = QLabel(self)
        self.grade_label.setWordWrap(True)
        self.checklist_view = QListView(self)
        self.checklist_view.setModel(self.checklist_model)
        self.checklist_view.setAccessibleName("Handout checklist")
        self.checklist_view.setMinimumHeight(120)
        therapies_label = QLabel("&Therapies (tick to include):", self)
        therapies_label.setBuddy(self.therapy_view)
        layout = QVBoxLayout(self.options_panel)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(therapies_label)
        layout.addWidget(self.therapy_view, 1)
        grid_choice = QHBoxLayout()
        grid_choice.addWidget(self.compare_box)
        grid_choice.addWidget(self.one_page_box)
        grid_choice.addStretch(1)
        layout.addLayout(grid_choice)
        layout.addWidget(self.rows_label)
        layout.addLayout(form)
        self.clinic_label = QLabel(self)
        self.clinic_label.setWordWrap(True)
        self.clinic_label.setObjectName("clinicMissing")
        self._show_missing_contact()
        layout.addWidget(self.clinic_label)
        layout.addWidget(self.grade_label)
        layout.addWidget(self.checklist_view, 1)
        self.pages_label = QLabel(self)
        self.note_label = QLabel(self)
        self.note_label.setWordWrap(True)
        self.note_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.preview_button = QPushButton("Full previe&w…", self)
        self.pdf_button = QPushButton("&Save as PDF…", self)
        self.print_button = QPushButton("Pr&int…", self)
        self.print_button.setShortcut(QKeySequence.StandardKey.Print)
        self.print_button.setToolTip("Print the handout (Ctrl+P)")
        self.print_button.setDefault(True)
        self.close_button = QPushButton("Close", self)
        self.bottom_bar = QHBoxLayout()
        self.bottom_bar.addWidget(self.pages_label)
        self.bottom_bar.addWidget(self.note_label, 1)
        for button in (self.preview_button, self.pdf_button, self.print_button, self.close_button):
            self.bottom_bar.addWidget(button)

    def _connect(self) -> None:
        schedule = self.refresh_timer.start
        self.therapy_model.chosen_changed.connect(schedule)
        self.compare_box.toggled.connect(schedule)
        self.one_page_box.toggled.connect(schedule)
        for field in (self.patient_field, self.clinician_combo.lineEdit()):
            field.textChanged.connect(schedule)
        for field in (self.notes_field, self.next_steps_field):
            field.textChanged.connect(schedule)
        for edit in (self.date_edit, self.follow_up_edit):
            edit.dateChanged.connect(schedule)
        self.follow_up_box.toggled.connect(self.follow_up_edit.setEnabled)
        self.follow_up_box.toggled.connect(schedule)
        self.large_print_box.toggled.connect(schedule)
        self.standard_box.toggled.connect(lambda on: self.standard_reason.setEnabled(not on))
        self.standard_box.toggled.connect(schedule)
        self.standard_reason.textChanged.connect(schedule)
        self.paper_combo.currentIndexChanged.connect(schedule)
        self.condition_combo.currentIndexChanged.connect(schedule)
        self.preview_button.clicked.connect(self.full_preview)
        self.pdf_button.clicked.connect(self.save_pdf)
        self.print_button.clicked.connect(self.print_handout)
        self.close_button.clicked.connect(self.reject)

    def _show_missing_contact(self) -> None:
        from clinic_app.services.clinic import missing_contact

        missing = missing_contact(self.profile)
        self.clinic_label.setText(
            f"The clinic's {' and '.join(missing)} {'are' if len(missing) > 1 else 'is'} not set (File > Clinic "
            "profile): the handout has a blank line to write them in." if missing else "")
        self.clinic_label.setVisible(bool(missing))

    def _on_profile_changed(self) -> None:
        """The clinic profile was saved: its clinicians, its letterhead and the note about what is
        missing follow; the doctor's own choices on this handout stay."""
        from clinic_app.services.clinic import load_profile

        self.profile = load_profile(self.store)
        typed = self.clinician_combo.currentText()
        self.clinician_combo.clear()
        self.clinician_combo.addItems(list(self.profile.clinicians))
        self.clinician_combo.setCurrentText(typed)
        self._show_missing_contact()
        self.refresh_timer.start()  # the letterhead is on every page

    # -- the handout -----------------------------------------------------------------------
    def request(self) -> HandoutRequest:
        from clinic_app.services.handouts import HandoutRequest

        chosen = self.therapy_model.chosen()
        one_page = self.one_page_box.isChecked()
        full = not one_page  # notes, next steps and the next visit are on the full handout only
        return HandoutRequest(
            therapies=chosen, include_comparison=full and self.compare_box.isChecked() and len(chosen) >= 2,
            comparison_rows=self.comparison_rows, patient_name=self.patient_field.text().strip(),
            clinician=self.clinician_combo.currentText().strip(), date=_date(self.date_edit.date()),
            notes=self.notes_field.toPlainText().strip() if full else "",
            next_steps=self.next_steps_field.toPlainText().strip() if full else "",
            follow_up=_date(self.follow_up_edit.date()) if full and self.follow_up_box.isChecked() else None,
            large_print=self.large_print_box.isChecked(), paper=self.paper_combo.currentData() or "a4",
            condition=self.condition_combo.currentData() or "", one_page=one_page,
            alternatives_left_out="" if self.standard_box.isChecked() else self.standard_reason.text().strip(),
        )

    def refresh(self) -> None:
        """Show the options' effect on the controls now, and start the preview and the reading check
        on a worker (:meth:`_update_preview`)."""
        self.refresh_timer.stop()
        request = self.request()
        count = len(request.therapies)
        if request.one_page:
            self._refresh_one_page(request)
            return
        for field in (self.notes_field, self.next_steps_field, self.follow_up_box):
            field.setEnabled(True)
        self.follow_up_edit.setEnabled(self.follow_up_box.isChecked())
        self._show_standard_options(request)
        self.compare_box.setEnabled(count >= 2)
        rows = "  ·  ".join(self.row_questions.get(k, k) for k in self.comparison_rows) if self.comparison_rows else "all"
        self.rows_label.setText(f"Comparison rows: {rows}" if self.compare_box.isChecked() and count >= 2 else "")
        for button in (self.preview_button, self.pdf_button, self.print_button):
            button.setEnabled(count > 0)
        self.print_button.setEnabled(count > 0 and not self._printing)
        if not count:
            self.assessment = None
            self.grade_label.setText("Tick at least one therapy to make a handout.")
            self.checklist_model.set_items(())
        self._update_preview(request)

    def _show_standard_options(self, request: HandoutRequest) -> None:
        """Offer the standard options when every ticked option is emerging or investigational."""
        from clinic_app.services.handouts import alternatives_for

        slugs = alternatives_for(self.store, request.therapies, request.condition) if request.therapies else ()
        names = [self.therapy_model.name_of(slug) for slug in slugs]
        for widget in (self.standard_box, self.standard_reason):
            widget.setVisible(bool(slugs))
        if not slugs:
            return
        self.standard_box.setText(f"Add the standard options: {'  ·  '.join(names)}")
        self.standard_box.setToolTip("Every ticked option is emerging or investigational. The handout also shows the "
                                     "standard options guidelines start with, unless you leave them out with a reason.")
        if not self.standard_box.isChecked() and not self.standard_reason.text().strip():
            self.show_note("The standard options stay on the handout until you give a reason to leave them out.")

    def _refresh_one_page(self, request: HandoutRequest) -> None:
        """The one-page grid: 2 to 4 therapies, the rows that matter, no notes or next steps."""
        from clinic_app.services import one_page

        count = len(request.therapies)
        ready = one_page.MIN_OPTIONS <= count <= one_page.MAX_OPTIONS
        self.compare_box.setEnabled(False)
        for field in (self.notes_field, self.next_steps_field, self.follow_up_box, self.follow_up_edit):
            field.setEnabled(False)
        self._show_standard_options(request)
        wanted = set(self.comparison_rows or one_page.DEFAULT_ROWS)
        self.rows_label.setText("One-page rows: " + "  ·  ".join(q for k, q in self.row_questions.items() if k in wanted))
        for button in (self.preview_button, self.pdf_button, self.print_button):
            button.setEnabled(ready)
        self.assessment = None
        self.checklist_model.set_items(())
        self.grade_label.setText("One page: each answer is the short comparison text. Notes, next steps and the next "
                                 "visit are on the full handout only, with the detail and the sources.")
        if not ready:
            ticked = f"{count} is ticked" if count == 1 else f"{count} are ticked"
            self.pages_label.setText("")
            self.show_note(f"The one-page grid needs {one_page.MIN_OPTIONS} to {one_page.MAX_OPTIONS} therapies; "
                           f"{ticked}. Tick {'more' if count < one_page.MIN_OPTIONS else 'fewer'}, or untick One page.")
        else:
            self.show_note("")
        self._update_preview(request if ready else None)

    def _update_preview(self, request: HandoutRequest | None) -> None:
        """Compose, lay out and draw the pages off the GUI thread; a result for options that have
        changed since is dropped (a newer one is on its way)."""
        self._preview_generation += 1
        generation = self._preview_generation
        if request is None or not request.therapies:
            self._show_preview(generation, None)
            return
        from clinic_app.printing import handout_jobs

        dpi = PREVIEW_DPI * self.devicePixelRatioF()
        self._previews.run(handout_jobs.preview, self.store, request, dpi,
                           on_done=lambda result: self._show_preview(generation, result),
                           on_error=lambda error: self._preview_failed(generation, error))

    def preview_pending(self) -> bool:
        return self._previews.is_busy()

    def _show_preview(self, generation: int, result: Preview | None) -> None:
        if generation != self._preview_generation:
            return
        self.shown = result
        self.last_error = ""
        self.preview.set_pages(result.pages if result is not None else ())
        if result is None:
            self.pages_label.setText("")
        else:
            from clinic_app.printing import handout_jobs
            from clinic_app.printing.paged import configure

            if not self._printing:  # (a print job on a worker is using the printer)
                configure(self.printer, handout_jobs.printable(result.doc))  # the print dialog offers this paper
            self._show_page_count(result)
            if result.assessment is not None:
                self.assessment = result.assessment
                self.grade_label.setText(result.assessment.summary())
                self.checklist_model.set_items(result.assessment.items)
        self.preview_updated.emit()

    def _show_page_count(self, result: Preview) -> None:
        pages, request, doc = len(result.pages), result.request, result.doc
        paper = "Letter" if request.paper == "letter" else "A4"
        if request.one_page:
            size = "One page" if pages == 1 else f"{pages} pages"
            self.pages_label.setText(f"{size}, {paper}{' landscape' if doc.landscape else ''}, {doc.body_pt} pt")
            return
        self.pages_label.setText(f"{pages} page{'s' if pages != 1 else ''}, {paper}"
                                 + (", large print" if request.large_print else ""))

    def _preview_failed(self, generation: int, error: BaseException) -> None:
        if generation != self._preview_generation:
            return
        if not isinstance(error, ClinicAppError):
            raise error
        self.shown = None
        self.assessment = None
        self.last_error = error.message
        self.preview.set_pages(())
        self.pages_label.setText("")
        self.grade_label.setText(error.message)
        self.checklist_model.set_items(())
        self.show_note(error.message)
        self.preview_updated.emit()

    def _paint(self, printer: QPrinter) -> None:
        """The full preview paints the document the live preview shows (composed once, off the GUI thread)."""
        from clinic_app.printing import handout_jobs
        from clinic_app.printing.paged import paint

        if self.shown is not None:
            paint(handout_jobs.printable(self.shown.doc), printer)

    def show_note(self, text: str) -> None:
        self.note_label.setText(text)

    def _done(self, result, verb: str) -> None:  # noqa: ANN001
        pages = f"{result.pages} page{'s' if result.pages != 1 else ''}"
        if result.held:  # the server could not be reached: the log record waits in this room
            self.show_note(f"{verb} {pages} to {result.destination}. The clinic's server cannot be reached: its "
                           "handout log record is held in this room and is delivered when the server is back.")
            self.printed.emit(result.record_key)
            return
        self.show_note(f"{verb} {pages} to {result.destination}. Logged as handout #{result.record_id}.")
        self.printed.emit(result.record_id)

    def print_handout(self) -> None:
        """Lay out, print and log off the GUI thread (Qt paints on a printer from any thread); the
        printer stays this window's until the work is done."""
        from clinic_app.printing import handout_jobs

        request = self.request()
        if not request.therapies or not PrintDialog.ask(self, self.printer, "Print handout"):
            return
        self._printing = True
        self.print_button.setEnabled(False)
        self.show_note("Printing…")

        def done(result) -> None:  # noqa: ANN001 - printing.handout_jobs.HandoutResult
            self._printing = False
            self.print_button.setEnabled(True)
            self._done(result, "Sent")

        def failed(_exc: BaseException) -> None:
            self._printing = False
            self.print_button.setEnabled(True)
            self.show_note("")

        Operation(self, "Cannot print the handout", handout_jobs.print_on, self.store, request, self.printer,
                  changes={Change.HANDOUTS}, on_done=done, on_failed=failed).run()

    def save_pdf(self) -> Path | None:
        from clinic_app.printing import handout_jobs

        request = self.request()
        if not request.therapies:
            return None
        stem = ("one-page-" if request.one_page else "handout-") + "-".join(request.therapies[:3])
        path = SaveFileDialog.ask(self, "Save handout as PDF", Path.home() / f"{stem}.pdf", "PDF file (*.pdf)")
        if path is None:
            return None
        if not path.suffix:
            path = path.with_suffix(".pdf")
        # Laying out, writing and logging the PDF run off the GUI thread: the window keeps painting,
        # with a busy cursor after a moment; ``printed`` follows once the PDF and its log entry are in.
        self.pdf_button.setEnabled(False)
        self.show_note(f"Saving {path.name}…")

        def done(result) -> None:  # noqa: ANN001 - printing.handout_jobs.HandoutResult
            self.pdf_button.setEnabled(True)
            self._done(result, "Saved")

        def failed(_exc: BaseException) -> None:
            self.pdf_button.setEnabled(True)
            self.show_note("")

        Operation(self, "Cannot save the handout", handout_jobs.produce, self.store, request, output=path,
                  changes={Change.HANDOUTS}, on_done=done, on_failed=failed).run()
        return path

    def full_preview(self) -> None:
        from clinic_app.printing import handout_jobs
        from clinic_app.printing.paged import configure

        if self.shown is None:
            return
        configure(self.printer, handout_jobs.printable(self.shown.doc))
        PreviewDialog.ask(self, self.printer, self._paint)


def open_builder(parent: QWidget | None, store: Store, **options) -> HandoutBuilder:  # noqa: ANN003
    """Open a builder window (not modal: the doctor can keep browsing); the caller keeps it."""
    builder = HandoutBuilder(store, parent=parent, **options)
    builder.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    builder.show()
    builder.activateWindow()
    return builder
