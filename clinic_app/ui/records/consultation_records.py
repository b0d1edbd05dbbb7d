"""The consultation records window: past consultations with their details, handout reprints,
corrections and a CSV export, and a usage tab showing which therapies were discussed and handed
out most, drawn as bars beside the counts.

Times are shown in the computer's time zone and the From/To filter dates are local days. Reprints
run on the GUI thread: the handouts are laid out with Qt's text classes, which belong to it.

A clinic keeps years of records, so the window never reads or lays them out on the GUI thread:
the records and the usage are read on a worker (a result that a newer read overtook is dropped),
the clinician filter waits for a pause in typing, the table hands its rows to the view a page
at a time as it scrolls, and its columns are sized from the heading and the first rows.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate, QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from clinic_app import APP_NAME
from clinic_app.errors import ClinicAppError, ServerUnreachableError
from clinic_app.printing.comparison_jobs import write_text
from clinic_app.printing.consultation_jobs import reprint_consultation
from clinic_app.services import consultations, library
from clinic_app.services.comparison import row_catalogue
from clinic_app.services.consultations import ConsultationItem, UsageRow
from clinic_app.ui import messages
from clinic_app.ui.dialogs import SaveFileDialog
from clinic_app.ui.fields import name_clear_button
from clinic_app.ui.operations import Change, Operation, on_change
from clinic_app.ui.records.table_model import ReadOnlyTableModel
from clinic_app.ui.records.usage_chart import DISCUSSED_COLOUR, HANDED_OUT_COLOUR, BarDelegate, UsageModel, month_label, usage_for
from clinic_app.ui.tasks import TaskRunner
from clinic_app.ui.window_place import closes_on_escape, place
from clinic_app.ui.window_role import announced_as_window

if TYPE_CHECKING:
    from clinic_app.printing.handout_jobs import HandoutResult
    from clinic_app.storage.store import Store

Index = QModelIndex | QPersistentModelIndex
SUPERSEDED_COLOUR = QColor("#6b6b6b")
DEFAULT_DAYS = 90
USAGE_MONTHS = 12
ALL_MONTHS = f"Last {USAGE_MONTHS} months"
USAGE_CAPTION = "Which therapies were discussed and handed out most"
EMPTY_USAGE = "No consultations recorded in this period."
READING = "Reading the consultation records…"
NONE_YET = "No consultations yet. Ending a consultation in the visit panel records it here."
NONE_MATCH = "No consultations match these filters."
VERIFIED = "verified: the stored copy is the one handed out."
DASH = "—"
FILTER_DELAY_MS = 250  # the clinician filter reads the records once typing pauses this long
PAGE_ROWS = 200  # rows handed to the table view at a time, as it scrolls towards the end
SIZING_ROWS = 20  # the rows (besides the heading) the column widths are measured on


def local_time(value: dt.datetime) -> dt.datetime:
    """A stored (UTC) time in the computer's time zone."""
    return value.replace(tzinfo=dt.UTC).astimezone()


def when_text(value: dt.datetime) -> str:
    moment = local_time(value)
    return f"{moment.day} {moment:%b %Y %H:%M}"


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def patient_text(item: ConsultationItem) -> str:
    return "purged" if item.purged_at else item.patient_label or DASH


def _date(value: QDate) -> dt.date:
    return dt.date(value.year(), value.month(), value.day())


@dataclass(frozen=True)
class RecordsQuery:
    """The filters as they were when a read started (the fields may change while it runs)."""

    since: dt.date
    until: dt.date
    clinician: str
    therapy: str
    include_superseded: bool

    def summary(self, count: int, any_recorded: bool = True) -> str:
        """``count`` records match; ``any_recorded`` False: the store has none at all yet."""
        span = f"started {self.since.day} {self.since:%b %Y} – {self.until.day} {self.until:%b %Y}"
        if count:
            return f"{plural(count, 'consultation')} {span}."
        return NONE_MATCH if any_recorded else NONE_YET


@dataclass(frozen=True)
class Records:
    items: list[ConsultationItem]
    usage: list[UsageRow]
    any_recorded: bool = True  # False on first use: no consultation recorded at all


def read_records(store: Store, query: RecordsQuery) -> Records:
    """Every consultation matching ``query`` (local days) and the usage counts; runs on a worker,
    as reading and unpacking years of records takes longer than a frame."""
    if getattr(store, "copy_taken_at", None):  # the room's copy of the library holds no records
        raise ServerUnreachableError("The clinic's server cannot be reached: consultations are kept there and show "
                                     "here when it is back (those this room records meanwhile are held and sent then).")
    day = dt.timedelta(days=1)  # the store filters by UTC day; a day either side covers every time zone
    items = consultations.list_consultations(store, query.since - day, query.until + day, query.clinician,
                                             query.therapy, query.include_superseded, limit=None)
    items = [item for item in items if query.since <= local_time(item.started_at).date() <= query.until]
    any_recorded = bool(items) or bool(consultations.list_consultations(store, include_superseded=True, limit=1))
    return Records(items, consultations.usage(store, USAGE_MONTHS), any_recorded)


class ConsultationTableModel(ReadOnlyTableModel):
    """One consultation per row, in the order given (newest first); UserRole is the record's id.

    Every record given is kept, but the view is handed ``PAGE_ROWS`` rows at a time
    (canFetchMore/fetchMore) as it scrolls, so a long list costs no more to show than a short one;
    cells are formatted only when the view asks for them."""

    HEADERS = ("Started", "Clinician", "Patient", "Therapies discussed", "Handouts", "Notes", "Correction")

    def __init__(self, names: dict[str, str] | None = None, parent=None) -> None:  # noqa: ANN001
        super().__init__(parent)
        self._names = dict(names or {})
        self._shown = 0

    def set_items(self, items) -> None:  # noqa: ANN001
        self.beginResetModel()
        self._entries = list(items)
        self._shown = min(PAGE_ROWS, len(self._entries))
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else self._shown

    def canFetchMore(self, parent: Index) -> bool:  # noqa: N802
        return not parent.isValid() and self._shown < len(self._entries)

    def fetchMore(self, parent: Index) -> None:  # noqa: N802
        if self.canFetchMore(parent):
            self.fetch_to(self._shown + PAGE_ROWS - 1)

    def fetch_to(self, row: int) -> None:
        """Hand the view every row up to ``row`` (a record chosen further down than it scrolled)."""
        end = min(row + 1, len(self._entries))
        if end > self._shown:
            self.beginInsertRows(QModelIndex(), self._shown, end - 1)
            self._shown = end
            self.endInsertRows()

    def total(self) -> int:
        """How many records the model holds, handed to the view yet or not."""
        return len(self._entries)

    def items(self) -> list[ConsultationItem]:
        return list(self._entries)

    def item(self, row: int) -> ConsultationItem:
        return self._entries[row]

    def row_of(self, consultation_id: int | None) -> int:
        """The record's row among all the model holds (call :meth:`fetch_to` before showing it)."""
        return next((row for row, item in enumerate(self._entries) if item.id == consultation_id), -1)

    def therapy_name(self, slug: str) -> str:
        return self._names.get(slug, slug)

    def therapy_names(self, item: ConsultationItem) -> str:
        return ", ".join(map(self.therapy_name, item.therapies))

    def _text(self, item: ConsultationItem, column: int) -> str:
        if column == 0:
            return when_text(item.started_at)
        if column == 1:
            return item.clinician or DASH
        if column == 2:
            return patient_text(item)
        if column == 3:
            return self.therapy_names(item)
        if column == 4:
            return str(len(item.handouts))
        if column == 5:
            return (item.notes or "").strip().split("\n", 1)[0] or DASH
        marks = (f"corrects #{item.corrects}" if item.corrects else "",
                 f"corrected by #{item.corrected_by}" if item.corrected_by else "")
        return "; ".join(mark for mark in marks if mark)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: ANN201
        item, column = self.entry(index), index.column()
        if item is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(item, column)
        if role == Qt.ItemDataRole.UserRole:
            return item.id
        if role == Qt.ItemDataRole.ToolTipRole and column in (3, 5):
            return self._text(item, column) if column == 3 else item.notes or None
        if role == Qt.ItemDataRole.ForegroundRole and item.corrected_by:
            return SUPERSEDED_COLOUR
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 4:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class FolderDialog:
    @classmethod
    def ask(cls, parent: QWidget | None) -> Path | None:
        name = QFileDialog.getExistingDirectory(parent, f"Folder for the reprinted handouts — {APP_NAME}", str(Path.home()))
        return Path(name) if name else None


@announced_as_window
class ConsultationsWindow(QWidget):
    """Records (filters, list, details, reprint/correct/export) and Usage (the bar table)."""

    correct_requested = Signal(int)  # id of the latest record in the chain of the chosen one

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.store = store
        self.setWindowTitle(f"Consultation records — {APP_NAME}")
        therapies = library.list_therapies(store)
        self._row_labels = {row.key: row.clinician_label for row in row_catalogue(store)}
        self._usage: list[UsageRow] = []
        self._checks: tuple[int, list] | None = None  # the chosen record's id and its handouts' checks
        self._tasks = TaskRunner(self)
        self._reads = itertools.count(1)
        self._latest_read = 0
        self._reading = False
        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(FILTER_DELAY_MS)
        self._filter_timer.timeout.connect(self.refresh)
        from clinic_app.services.clinic_therapies import list_removed

        # a therapy the clinic removed since is still named, and said to be removed
        names = {gone.slug: f"{gone.name} (removed)" for gone in list_removed(store)}
        self.table_model = ConsultationTableModel(names | {t.slug: t.name for t in therapies}, self)
        self.usage_model = UsageModel(self)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self._build_records(therapies), "&Records")
        self.tabs.addTab(self._build_usage(), "&Usage")
        self.tabs.setAccessibleName("Records and usage")  # focusable on AT-SPI (it hands focus to its tabs)
        self.note_label = QLabel(self)
        self.note_label.setWordWrap(True)
        self.note_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.note_label.setAccessibleName("Result of the last action")
        self.close_button = QPushButton("Close", self)
        self.close_button.setToolTip("Close the records (Esc, Ctrl+W)")
        bottom = QHBoxLayout()
        bottom.addWidget(self.note_label, 1)
        bottom.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(bottom)
        self._connect()
        on_change(self, {Change.CONSULTATIONS, Change.HANDOUTS}, self.refresh)  # a visit ended, a handout printed
        closes_on_escape(self)
        place(self, "records", 1240, 760)  # its last place, else this size cut down to the screen
        self.refresh()

    # -- widgets ---------------------------------------------------------------------------
    def _date_edit(self, value: QDate, name: str) -> QDateEdit:
        edit = QDateEdit(value, self)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("d MMM yyyy")
        edit.setAccessibleName(name)
        return edit

    def _build_records(self, therapies) -> QWidget:  # noqa: ANN001
        page = QWidget(self)
        today = QDate.currentDate()
        self.from_edit = self._date_edit(today.addDays(-DEFAULT_DAYS), "From date")
        self.to_edit = self._date_edit(today, "To date")
        self.clinician_field = QLineEdit(page)
        self.clinician_field.setPlaceholderText("Any clinician")
        self.clinician_field.setMinimumWidth(150)
        self.clinician_field.setAccessibleName("Clinician name contains")
        name_clear_button(self.clinician_field, "Clear the clinician name")
        self.therapy_combo = QComboBox(page)
        self.therapy_combo.addItem("Any therapy", "")
        for therapy in therapies:
            self.therapy_combo.addItem(therapy.name, therapy.slug)
        self.therapy_combo.setAccessibleName("Therapy discussed")
        self.therapy_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.therapy_combo.setMinimumContentsLength(18)
        self.superseded_box = QCheckBox("&Show corrected records too", page)
        filters = QHBoxLayout()
        for text, widget in (("&From:", self.from_edit), ("&To:", self.to_edit), ("C&linician:", self.clinician_field),
                             ("T&herapy:", self.therapy_combo)):
            label = QLabel(text, page)
            label.setBuddy(widget)
            filters.addWidget(label)
            filters.addWidget(widget)
        filters.addWidget(self.superseded_box)
        filters.addStretch(1)
        self.summary_label = QLabel(READING, page)  # its text is its accessible name: the count is heard
        self.summary_label.setWordWrap(True)
        self.table = QTableView(page)
        self.table.setModel(self.table_model)
        self.table.setAccessibleName("Consultations")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setMaximumSectionSize(440)
        self.table.horizontalHeader().setResizeContentsPrecision(SIZING_ROWS)
        self.details = QPlainTextEdit(page)
        self.details.setReadOnly(True)
        self.details.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)  # long notes wrap, never cut
        self.details.setAccessibleName("Consultation details")
        self.details.setMinimumHeight(self.details.fontMetrics().lineSpacing() * 8)
        self.hashes_box = QCheckBox("Sho&w hashes", page)
        self.hashes_box.setToolTip("Show the SHA-256 of each handout, as the handout log recorded it")
        splitter = QSplitter(Qt.Orientation.Vertical, page)
        splitter.addWidget(self.table)
        splitter.addWidget(self.details)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)  # the details grow with the window too: notes are read there
        splitter.setSizes([300, 340])
        splitter.setChildrenCollapsible(False)
        self.export_button = QPushButton("&Export CSV…", page)
        self.export_button.setToolTip("Save the consultations listed as a CSV file")
        self.reprint_button = QPushButton("Re&print handouts…", page)
        self.reprint_button.setToolTip("Write the handouts of this consultation again as PDFs, exactly as they were given")
        self.print_again_button = QPushButton("Print a&gain…", page)
        self.print_again_button.setToolTip("Send the handouts of this consultation to a printer again, exactly as they "
                                           "were given, marked as reprints")
        self.correct_button = QPushButton("&Correct…", page)
        self.correct_button.setToolTip("Record a correction of this consultation")
        actions = QHBoxLayout()
        actions.addWidget(self.export_button)
        actions.addWidget(self.hashes_box)
        actions.addStretch(1)
        actions.addWidget(self.reprint_button)
        actions.addWidget(self.print_again_button)
        actions.addWidget(self.correct_button)
        layout = QVBoxLayout(page)
        layout.addLayout(filters)
        layout.addWidget(self.summary_label)
        layout.addWidget(splitter, 1)
        layout.addLayout(actions)
        return page

    def _build_usage(self) -> QWidget:
        page = QWidget(self)
        caption = QLabel(USAGE_CAPTION, page)
        font = QFont(caption.font())
        font.setPointSizeF(font.pointSizeF() * 1.2)
        font.setWeight(QFont.Weight.DemiBold)
        caption.setFont(font)
        self.period_combo = QComboBox(page)
        self.period_combo.setAccessibleName("Period")
        period_label = QLabel("&Period:", page)
        period_label.setBuddy(self.period_combo)
        period = QHBoxLayout()
        period.addWidget(period_label)
        period.addWidget(self.period_combo)
        period.addStretch(1)
        self.usage_table = QTableView(page)
        self.usage_table.setModel(self.usage_model)
        self.usage_table.setAccessibleName("Therapy usage")
        self.usage_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.usage_table.verticalHeader().hide()
        for column, colour in ((1, DISCUSSED_COLOUR), (2, HANDED_OUT_COLOUR)):
            self.usage_table.setItemDelegateForColumn(column, BarDelegate(colour, self.usage_table))
        header = self.usage_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        for column in (1, 2):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        self.usage_empty = QLabel(EMPTY_USAGE, page)
        self.usage_empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.usage_empty.hide()
        layout = QVBoxLayout(page)
        layout.addWidget(caption)
        layout.addLayout(period)
        layout.addWidget(self.usage_table, 1)
        layout.addWidget(self.usage_empty, 1)
        return page

    def _connect(self) -> None:
        for edit in (self.from_edit, self.to_edit):
            edit.dateChanged.connect(self.refresh)
        self.clinician_field.textChanged.connect(self._on_clinician_typed)
        self.therapy_combo.currentIndexChanged.connect(self.refresh)
        self.superseded_box.toggled.connect(self.refresh)
        self.table.selectionModel().currentRowChanged.connect(self._show_details)
        self.period_combo.currentIndexChanged.connect(self._show_usage)
        self.export_button.clicked.connect(self.export_csv)
        self.reprint_button.clicked.connect(self.reprint)
        self.print_again_button.clicked.connect(self.print_again)
        self.correct_button.clicked.connect(self.correct)
        self.close_button.clicked.connect(self.close)
        self.hashes_box.toggled.connect(lambda _on: self._show_details(check=False))

    # -- reading ---------------------------------------------------------------------------
    def _on_clinician_typed(self, _text: str) -> None:
        """Read again once typing pauses: a read per key would only be overtaken by the next."""
        self._filter_timer.start()

    def _query(self) -> RecordsQuery:
        return RecordsQuery(_date(self.from_edit.date()), _date(self.to_edit.date()), self.clinician_field.text(),
                            self.therapy_combo.currentData() or "", self.superseded_box.isChecked())

    def refresh(self) -> None:
        """Read the records and the usage again (on a worker); once they arrive the table keeps the
        chosen record and the usage its period."""
        self._filter_timer.stop()
        self._latest_read = read = next(self._reads)
        self._reading = True
        query = self._query()
        self._tasks.run(read_records, self.store, query,
                        on_done=lambda records: self._on_read(read, query, records),
                        on_error=lambda exc: self._on_read_failed(read, exc))

    def is_loading(self) -> bool:
        """Whether a read is waiting for a pause in typing or still running."""
        return self._filter_timer.isActive() or self._reading

    def _on_read(self, read: int, query: RecordsQuery, records: Records) -> None:
        if read != self._latest_read:
            return  # a newer read started after this one: its result is the one to show
        self._reading = False
        self._show_records(records.items, records.usage, query.summary(len(records.items), records.any_recorded))

    def _on_read_failed(self, read: int, error: BaseException) -> None:
        latest = read == self._latest_read
        if latest:
            self._reading = False
        if not isinstance(error, ClinicAppError):
            raise error  # a fault in the application: the exception hook logs it
        if latest:
            self._show_records([], [], error.message)

    def _show_records(self, items: list[ConsultationItem], usage: list[UsageRow], summary: str) -> None:
        chosen = self.selected_item()
        self._usage = usage
        self.summary_label.setText(summary)
        self.table_model.set_items(items)
        self.table.resizeColumnsToContents()  # the heading and the first SIZING_ROWS rows
        if items:
            row = max(0, self.table_model.row_of(chosen.id if chosen else None))
            self.table_model.fetch_to(row)
            self.table.selectRow(row)  # its details follow (currentRowChanged)
        if not self.table.currentIndex().isValid():
            self._show_details()
        self._fill_periods()
        self._show_usage()

    def _fill_periods(self) -> None:
        """The months that have usage, newest first, keeping the one chosen."""
        month = self.period_combo.currentData()
        self.period_combo.blockSignals(True)
        self.period_combo.clear()
        self.period_combo.addItem(ALL_MONTHS, "")
        for value in sorted({row.month for row in self._usage}, reverse=True):
            self.period_combo.addItem(month_label(value), value)
        self.period_combo.setCurrentIndex(max(0, self.period_combo.findData(month)) if month else 0)
        self.period_combo.blockSignals(False)

    def selected_item(self) -> ConsultationItem | None:
        index = self.table.currentIndex()
        return self.table_model.item(index.row()) if index.isValid() else None

    def _show_details(self, check: bool = True) -> None:
        """The chosen record's details; with ``check``, its handouts are checked again (off the GUI
        thread), else the last checks are shown again (the hashes were shown or hidden)."""
        item = self.selected_item()
        self.reprint_button.setEnabled(bool(item and item.handouts))
        self.print_again_button.setEnabled(bool(item and item.handouts))
        self.correct_button.setEnabled(item is not None)
        self.export_button.setEnabled(self.table_model.rowCount() > 0)
        self.hashes_box.setEnabled(bool(item and item.handouts))
        if item is None:
            self._checks = None
            self.details.setPlainText("Choose a consultation to see its details." if self.table_model.rowCount() else "")
            return
        if not check and self._checks is not None and self._checks[0] == item.id:
            self._set_details(self.details_text(item, self._checks[1]))
            return
        self._checks = None
        self._set_details(self.details_text(item, None))
        self._tasks.run(consultations.verify_handouts, self.store, item.id,  # hash checks: off the GUI thread
                        on_done=lambda checks, shown=item: self._show_checks(shown, checks),
                        on_error=lambda error, shown=item: self._show_checks(shown, error))

    def _set_details(self, text: str) -> None:
        """Show ``text`` in the details, scrolled where the reader left it (the checks arrive later)."""
        position = self.details.verticalScrollBar().value()
        self.details.setPlainText(text)
        self.details.verticalScrollBar().setValue(position)

    def _show_checks(self, item: ConsultationItem, checks) -> None:  # noqa: ANN001 - a list, or the error
        if self.selected_item() is None or self.selected_item().id != item.id:
            return  # another record is chosen now
        if isinstance(checks, BaseException):
            if not isinstance(checks, ClinicAppError):
                raise checks
            checks = [(0, False, checks.message)]
        self._checks = (item.id, checks)
        self._set_details(self.details_text(item, checks))

    def _check_line(self, item: ConsultationItem, print_id: int, ok: bool, message: str) -> str:
        """One handout's check in words a clinician reads; its SHA-256 only when the hashes are shown."""
        digest = dict(item.handouts).get(print_id, "")
        if ok:
            line = f"✓ Handout #{print_id} {VERIFIED}"
            return f"{line} SHA-256 {digest}" if self.hashes_box.isChecked() and digest else line
        text = message[:1].upper() + message[1:]
        return f"✗ {text}" + (f" (recorded SHA-256 {digest})" if self.hashes_box.isChecked() and digest else "")

    def details_text(self, item: ConsultationItem, checks) -> str:  # noqa: ANN001
        """Every field of ``item``, the notes in full near the top, and whether each handout's
        stored copy is the one handed out (``checks`` from verify_handouts; None while they run)."""
        name = self.table_model.therapy_name
        versions = ", ".join(f"{name(slug)} v{version}" for slug, version in item.content_versions.items())
        rows = ", ".join(self._row_labels.get(key, key) for key in item.rows)
        lines = [f"Consultation #{item.id}", f"Started: {when_text(item.started_at)}",
                 f"Clinician: {item.clinician or DASH}", f"Patient: {patient_text(item)}",
                 f"Therapies discussed: {self.table_model.therapy_names(item)}"]
        if item.corrects:
            lines.append(f"Corrects consultation #{item.corrects}.")
        if item.corrected_by:
            lines.append(f"Corrected by consultation #{item.corrected_by}, which is the record that counts.")
        if item.purged_at:
            lines.append(f"Patient label and notes purged on {when_text(item.purged_at)}.")
        lines += ["", "Notes:", item.notes or DASH, "", "Handouts:"]
        if checks is None and item.handouts:
            lines.append(f"Checking {plural(len(item.handouts), 'stored handout')}…")
        else:
            lines += [self._check_line(item, print_id, ok, message) for print_id, ok, message in checks or ()] \
                or ["none given"]
        lines += ["", f"Comparison rows chosen: {rows or 'none'}", f"Recorded: {when_text(item.recorded_at)}",
                  f"Content versions: {versions or DASH} (library {item.library_version or 'unknown'})"]
        return "\n".join(lines)

    def _show_usage(self) -> None:
        month = self.period_combo.currentData()
        rows = usage_for(self._usage, month or None)
        self.usage_model.set_rows(rows, f"in {month_label(month)}" if month else f"in the last {USAGE_MONTHS} months")
        self.usage_table.setVisible(bool(rows))
        self.usage_empty.setVisible(not rows)

    # -- actions ---------------------------------------------------------------------------
    def _reprint_chosen(self, title: str, done: Callable[[list[HandoutResult]], None], **target) -> None:  # noqa: ANN003
        """The chosen consultation's handouts again, hash-checked, to ``output_dir`` or ``printer``,
        off the GUI thread with a progress dialog; ``done`` gets the new log records."""
        item = self.selected_item()
        Operation(self, title, reprint_consultation, self.store, item.id, steps=True, changes={Change.HANDOUTS},
                  on_done=done, **target).run()

    def _chosen_has_handouts(self) -> bool:
        item = self.selected_item()
        return item is not None and bool(item.handouts)

    def reprint(self) -> None:
        """Write the chosen consultation's handouts again into a folder the user picks."""
        folder = FolderDialog.ask(self) if self._chosen_has_handouts() else None
        if not folder:
            return

        def written(results: list[HandoutResult]) -> None:
            ids = ", ".join(f"#{result.record_id}" for result in results)
            self.note_label.setText(f"Wrote {plural(len(results), 'PDF')} to {folder}. "
                                    f"Logged as {'handout' if len(results) == 1 else 'handouts'} {ids}.")

        self._reprint_chosen("Cannot reprint the handouts", written, output_dir=folder)

    def print_again(self) -> None:
        """Send the chosen consultation's handouts to a printer picked in the print dialog."""
        from PySide6.QtPrintSupport import QPrinter

        from clinic_app.ui.dialogs import PrintDialog

        if not self._chosen_has_handouts():
            return
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        if not PrintDialog.ask(self, printer, "Print the handouts again"):
            return
        name = printer.printerName()
        if printer.outputFormat() == QPrinter.OutputFormat.PdfFormat or not name:
            self.note_label.setText("Choose a printer to print on; to save the handouts as PDFs use "
                                    "Reprint handouts.")
            return
        def sent(results: list[HandoutResult]) -> None:
            ids = ", ".join(f"#{result.record_id}" for result in results)
            self.note_label.setText(f"Sent {plural(len(results), 'handout')} to {name}. Logged as {ids}.")

        self._reprint_chosen("Cannot print the handouts again", sent, printer=name)

    def correct(self) -> None:
        item = self.selected_item()
        if item is None:
            return
        try:
            latest = consultations.latest_in_chain(self.store, item.id)
        except ClinicAppError as exc:
            messages.show_error(self, "Cannot correct the consultation", exc.message, exc.detail)
            return
        self.correct_requested.emit(latest)

    def export_csv(self) -> Path | None:
        """Save the consultations listed as CSV, in the order shown."""
        items = self.table_model.items()
        if not items:
            return None
        suggested = Path.home() / f"consultations-{dt.date.today():%Y-%m-%d}.csv"
        path = SaveFileDialog.ask(self, "Export consultations as CSV", suggested, "CSV file (*.csv)")
        if path is None:
            return None
        path = path if path.suffix else path.with_suffix(".csv")

        def export(records: tuple) -> None:  # noqa: ANN001 - ConsultationItem rows
            write_text(path, consultations.to_csv(records))

        Operation(self, "Cannot export the consultations", export, items,
                  on_done=lambda _: self.note_label.setText(
                      f"Exported {plural(len(items), 'consultation')} to {path}.")).run()
        return path


def open_records(parent: QWidget | None, store: Store) -> ConsultationsWindow:
    """Open the records window (not modal); the caller keeps the reference."""
    window = ConsultationsWindow(store, parent)
    window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    window.show()
    window.activateWindow()
    return window
