"""The left side of the window: the condition, the search field, the category and status filters, and
the list.

The doctor can pick the patient's condition first (chronic low back pain, sciatica, spinal
stenosis, or all): the list then holds that condition's options, and the window shows the
condition itself until a therapy is opened.

Keyboard first: typing ranks the therapies as you type (debounced), Down moves from the search
field into the results, Up from the first result goes back, Enter opens the selected therapy and
Escape clears the search.

The list model, its delegate, the filter entries and the services behind them arrive with the
library (:meth:`SearchPanel.set_store`), after the first paint: before it the list is empty and
the filters show "All", so importing them earlier would only delay the first frame.

A library of thousands of therapies never stalls the window: it is read on a worker (the list
fills when it arrives; a therapy chosen meanwhile is selected then), and the list lays its rows out
a batch per pass of the event loop, since each row's height depends on its wrapped name.

The filters have real labels (Condition, Category, Status). Category and Status have Alt keys (G, U)
that the menus and the search field do not use; every letter of "Condition" is taken elsewhere in
the window (menus and visit panel), so its label has none (it is the panel's first field in Tab
order), and U is also the visit panel's "Up", where Qt alternates focus between the two rather than
pressing it. Tab goes through the panel top to bottom.

The panel is the first part of the window to give way when the visit panel opens (or the screen is
small: a 1366×768 laptop at 200% scaling): it narrows to :data:`PANEL_MIN_WIDTH`, its combos eliding
long entries, the search field's hint shortening (:data:`SEARCH_HINTS`) and the list's group headers
wrapping, before the page does. The outcome of a
search ("12 therapies found", "No therapy matches …") or of a filter change is sent through
:attr:`SearchPanel.announcement` once the typing pauses, for the window to announce.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6 import QtCore
from PySide6.QtCore import QEvent, QItemSelectionModel, QModelIndex, QObject, QPersistentModelIndex, QTimer, Signal, Slot
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QComboBox, QGridLayout, QLabel, QLineEdit, QListView, QWidget

from clinic_app.errors import ClinicAppError
from clinic_app.ui import messages
from clinic_app.ui.fields import name_clear_button

if TYPE_CHECKING:
    from clinic_app.services.library import TherapyListItem
    from clinic_app.storage.store import Store
    from clinic_app.ui.browse.therapy_list import TherapyListModel
    from clinic_app.ui.tasks import TaskRunner

# The search runs once the events of a burst of typing are handled: it takes a few milliseconds even
# at 10,000 therapies (bench/keystroke.py), so there is nothing to gain by waiting longer.
SEARCH_DELAY_MS = 0
# From this many therapies the list is read on a worker: reading and unpacking them takes longer
# than a frame (about 60 ms at 10,000); below it the list is complete when set_store returns.
OFF_THREAD_FROM = 1_000
LAYOUT_BATCH = 100  # rows the list lays out per pass of the event loop
SCROLL_RETRY_MS = 30  # how soon a row the layout has not reached yet is scrolled to again
SCROLL_TRIES = 200  # then the view is left where it is (a hidden list is not laid out)
ANNOUNCE_DELAY_MS = 700  # a search's outcome is announced once the typing pauses, not per keystroke
PANEL_MIN_WIDTH = 220  # the narrowest the panel gets when the page needs the room
# The search field's hint, the longest that fits the field (a narrow panel drops the shortcut first)
SEARCH_HINTS = ("Search therapies  (Ctrl+F)", "Search therapies", "Search")
SEARCH_HINT_PADDING = 4  # Qt's own margin each side of a line edit's text, beside its frame
COMBO_MIN_CHARACTERS = 8  # combos show at least this many characters, then elide


class _KeyFilter(QObject):
    """The panel's key handling, as an object of its own made before the widgets it watches: Qt
    deletes children in the order they were made, so this goes first and no key or focus event of
    a field being torn down ever reaches a panel that is half destroyed (which crashed the process)."""

    def __init__(self, panel: SearchPanel) -> None:
        super().__init__(panel)
        self._panel = panel

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() in (QEvent.Type.Resize, QEvent.Type.FontChange) and watched is self._panel.search_field:
            self._panel.fit_search_hint()
            return False
        if event.type() == QEvent.Type.Resize:
            if event.size().width() != event.oldSize().width() and watched is self._panel.list_view:
                self._panel.keep_current_in_view()  # rows rewrap: the chosen one stays on screen
            return False
        if event.type() != QEvent.Type.KeyPress:
            return False
        return self._panel.handle_key(watched, event)


class SearchPanel(QWidget):
    therapy_opened = Signal(str)
    condition_changed = Signal(str)  # a condition slug, or "" for all conditions
    announcement = Signal(str)  # what a search found, in words, for assistive technology

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._store: Store | None = None
        self._keys = _KeyFilter(self)
        self.search_field = QLineEdit(self)
        self.search_field.setObjectName("searchField")
        self.search_field.setPlaceholderText(SEARCH_HINTS[0])
        self.search_field.setAccessibleName("Search therapies")
        name_clear_button(self.search_field, "Clear the search")
        self.search_field.setAccessibleDescription("Type to rank therapies; Down moves to the results, Escape clears.")

        self.condition_filter = self._combo("Condition", "All conditions")
        self.condition_filter.setObjectName("conditionFilter")
        self.condition_filter.setToolTip("The patient's condition: the list shows its options")
        self.category_filter = self._combo("Category filter", "All categories")
        self.status_filter = self._combo("Status filter", "All statuses")
        self.condition_label = QLabel("Condition:", self)
        self.condition_label.setBuddy(self.condition_filter)
        self.category_label = QLabel("Cate&gory:", self)
        self.category_label.setBuddy(self.category_filter)
        self.status_label = QLabel("Stat&us:", self)
        self.status_label.setBuddy(self.status_filter)

        self.model: TherapyListModel | None = None
        self._tasks: TaskRunner | None = None
        self._load = 0  # the latest set_store; a list read for an earlier one is dropped
        self._loading = False
        self._pending_slug = ""  # chosen while the list was read; selected when it arrives
        self._scroll_target: QPersistentModelIndex | None = None
        self._scroll_tries = 0
        self._scroll_timer = QTimer(self)
        self._scroll_timer.setSingleShot(True)
        self._scroll_timer.setInterval(SCROLL_RETRY_MS)
        self._scroll_timer.timeout.connect(self._scroll_when_laid_out)
        self.list_view = QListView(self)
        self.list_view.setObjectName("therapyList")
        self.list_view.setAccessibleName("Therapies")
        self.list_view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.list_view.setUniformItemSizes(False)
        self.list_view.setResizeMode(QListView.ResizeMode.Adjust)
        # rows wrap their names to the list's width: with word wrap on, the list lays its rows out
        # again when it gets narrower or wider (the visit panel opening), not only taller
        self.list_view.setWordWrap(True)

        layout = QGridLayout(self)
        layout.setContentsMargins(12, 12, 6, 12)
        layout.setHorizontalSpacing(8)
        layout.setVerticalSpacing(8)
        layout.addWidget(self.condition_label, 0, 0)
        layout.addWidget(self.condition_filter, 0, 1)
        layout.addWidget(self.search_field, 1, 0, 1, 2)
        layout.addWidget(self.category_label, 2, 0)
        layout.addWidget(self.category_filter, 2, 1)
        layout.addWidget(self.status_label, 3, 0)
        layout.addWidget(self.status_filter, 3, 1)
        layout.addWidget(self.list_view, 4, 0, 1, 2)
        layout.setColumnStretch(1, 1)
        layout.setRowStretch(4, 1)
        self.setMinimumWidth(PANEL_MIN_WIDTH)
        # Tab goes the way the panel reads, top to bottom
        order = (self.condition_filter, self.search_field, self.category_filter, self.status_filter, self.list_view)
        for before, after in zip(order, order[1:]):
            QWidget.setTabOrder(before, after)

        self._announce_timer = QTimer(self)
        self._announce_timer.setSingleShot(True)
        self._announce_timer.setInterval(ANNOUNCE_DELAY_MS)
        self._announce_timer.timeout.connect(self._announce_results)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._on_search_delay_elapsed)
        self.search_field.textChanged.connect(self._on_search_text_changed)
        self.search_field.installEventFilter(self._keys)
        self.list_view.installEventFilter(self._keys)
        self.list_view.clicked.connect(self._on_result_clicked)
        self.category_filter.currentIndexChanged.connect(self._on_filter_changed)
        self.status_filter.currentIndexChanged.connect(self._on_filter_changed)
        self.condition_filter.currentIndexChanged.connect(self._on_condition_changed)

    def fit_search_hint(self) -> None:
        """The longest hint that fits the search field as wide as it is now: a hint cut short ("Search
        therapies (C…") reads as a fault."""
        field = self.search_field
        room = field.contentsRect().width() - 2 * SEARCH_HINT_PADDING
        metrics = field.fontMetrics()
        hint = next((h for h in SEARCH_HINTS if metrics.horizontalAdvance(h) <= room), SEARCH_HINTS[-1])
        if hint != field.placeholderText():
            field.setPlaceholderText(hint)

    def _combo(self, name: str, everything: str) -> QComboBox:
        combo = QComboBox(self)
        combo.setAccessibleName(name)
        combo.addItem(everything, "")
        return combo

    def _attach_model(self) -> TherapyListModel:
        """The list model, delegate and filter entries, made when the library first opens."""
        from clinic_app.services.library import CATEGORY_LABELS, STATUS_LABELS
        from clinic_app.ui.browse.therapy_delegate import TherapyDelegate
        from clinic_app.ui.browse.therapy_list import TherapyListModel

        for combo, labels in ((self.category_filter, CATEGORY_LABELS), (self.status_filter, STATUS_LABELS)):
            combo.blockSignals(True)
            for key, label in labels.items():
                combo.addItem(label, key)
            combo.blockSignals(False)
        for combo in (self.condition_filter, self.category_filter, self.status_filter):
            # a long entry ("Surgery and injections") must not hold the panel wide: it elides instead
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(COMBO_MIN_CHARACTERS)
        self.model = TherapyListModel(self)
        self.list_view.setModel(self.model)
        self.list_view.setItemDelegate(TherapyDelegate(self.list_view))
        self.list_view.setLayoutMode(QListView.LayoutMode.Batched)  # row heights vary: measured a batch at a time
        self.list_view.setBatchSize(LAYOUT_BATCH)
        # rows wrap to the width of the list, so a horizontal scroll bar would only flicker
        self.list_view.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        return self.model

    # -- what the window asks of the panel ---------------------------------------------------
    def set_store(self, store: Store) -> None:
        """Fill the list from ``store``: at once for a library of usual size, from a worker for a
        very large one (the window stays usable and the list fills when the therapies arrive)."""
        from clinic_app.services.library import library_info, list_therapies

        if self.model is None:
            self._attach_model()
        self._store = store
        self._fill_conditions(store)
        self._load += 1
        self._pending_slug = ""
        self._loading = int(library_info(store)["therapies"]) >= OFF_THREAD_FROM
        if not self._loading:
            self._show_therapies(self._load, list_therapies(store))
            return
        load = self._load
        self._runner().run(list_therapies, store, on_done=lambda therapies: self._show_therapies(load, therapies),
                           on_error=lambda error: self._load_failed(load, error))

    def _runner(self) -> TaskRunner:
        if self._tasks is None:
            from clinic_app.ui.tasks import TaskRunner

            self._tasks = TaskRunner(self, max_threads=1, busy_cursor=False)  # the window stays usable
        return self._tasks

    def _fill_conditions(self, store: Store) -> None:
        """The condition entries of ``store``, keeping the one chosen."""
        from clinic_app.services.library import list_conditions

        chosen = self.current_condition()
        self.condition_filter.blockSignals(True)
        while self.condition_filter.count() > 1:
            self.condition_filter.removeItem(1)
        for condition in list_conditions(store):
            self.condition_filter.addItem(condition.name, condition.slug)
        self.condition_filter.setCurrentIndex(max(0, self.condition_filter.findData(chosen)) if chosen else 0)
        self.condition_filter.blockSignals(False)

    def _show_therapies(self, load: int, therapies: list[TherapyListItem]) -> None:
        if load != self._load:
            return  # the panel was given another store since this list was read
        self._loading = False
        self.model.set_therapies(therapies)
        self._apply_filters()
        pending, self._pending_slug = self._pending_slug, ""
        if pending:
            self.select_slug(pending)
        if self.search_field.text().strip():
            self._run_search()

    def _load_failed(self, load: int, error: BaseException) -> None:
        latest = load == self._load
        if latest:
            self._loading, self._pending_slug = False, ""
        if not isinstance(error, ClinicAppError):
            raise error  # a fault in the application: the exception hook logs it
        if latest:
            messages.show_error(self, "Cannot read the therapy list", error.message, error.detail)

    def is_loading(self) -> bool:
        """Whether a large library's list is still being read."""
        return self._loading

    def focus_search(self) -> None:
        self.search_field.setFocus(QtCore.Qt.FocusReason.ShortcutFocusReason)
        self.search_field.selectAll()

    def clear_search(self) -> None:
        self.search_field.clear()
        self._search_timer.stop()
        self._run_search()
        self.search_field.setFocus(QtCore.Qt.FocusReason.OtherFocusReason)

    def select_slug(self, slug: str) -> bool:
        """Make ``slug`` the current row, if it is shown; returns whether it was found (while a large
        list is read: whether it will be shown, and it is selected when the list arrives)."""
        if self._loading:
            return self._select_when_read(slug)
        row = self.model.row_of(slug) if self.model is not None else -1
        if row < 0:
            return False
        self._make_current(row)
        return True

    def _select_when_read(self, slug: str) -> bool:
        """Whether the list being read will show ``slug`` (the filters let it through); if so it is
        selected when the list arrives."""
        from clinic_app.services.library import get_therapy

        try:
            therapy = get_therapy(self._store, slug)
        except ClinicAppError:
            return False
        if not self.model.keeps(therapy.category, therapy.status, therapy.condition_slugs):
            return False
        self._pending_slug = slug
        return True

    def current_condition(self) -> str:
        """The condition chosen for this patient, or "" for all."""
        return self.condition_filter.currentData() or ""

    def set_condition(self, slug: str) -> None:
        index = self.condition_filter.findData(slug) if slug else 0
        if index >= 0:
            self.condition_filter.setCurrentIndex(index)

    def current_slug(self) -> str:
        return self.model.slug_at(self.list_view.currentIndex().row()) if self.model is not None else ""

    def _make_current(self, row: int) -> None:
        index = self.model.index(row, 0)
        self.list_view.selectionModel().setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self._scroll_target, self._scroll_tries = QPersistentModelIndex(index), 0
        self._scroll_when_laid_out()

    def keep_current_in_view(self) -> None:
        """Scroll the current row back into view once the list has laid its rows out again."""
        index = self.list_view.currentIndex()
        if index.isValid() and self._scroll_target is None:
            self._scroll_target, self._scroll_tries = QPersistentModelIndex(index), 0
            self._scroll_timer.start()

    def _scroll_when_laid_out(self) -> None:
        """Scroll to the row made current; a row the batched layout has not reached yet has no place
        to scroll to, so try again shortly (until the row is laid out, or gone)."""
        target = self._scroll_target
        if target is None or not target.isValid() or self._scroll_tries >= SCROLL_TRIES:
            self._scroll_target = None
            return
        index = self.model.index(target.row(), 0)
        if self.list_view.visualRect(index).isValid():
            self._scroll_target = None
            self.list_view.scrollTo(index)
        else:
            self._scroll_tries += 1
            self._scroll_timer.start()

    def _open_current(self) -> None:
        if self.model is None:
            return
        slug = self.current_slug()
        if not slug and self.model.first_therapy_row() >= 0:
            self._make_current(self.model.first_therapy_row())
            slug = self.current_slug()
        if slug:
            self.therapy_opened.emit(slug)

    # -- searching ---------------------------------------------------------------------------
    @Slot(str)
    def _on_search_text_changed(self, _text: str) -> None:
        self._search_timer.start()

    @Slot()
    def _on_search_delay_elapsed(self) -> None:
        self._run_search()

    def _run_search(self) -> None:
        from clinic_app.services.search import search_results
        from clinic_app.ui.browse.therapy_list import MARK_CLOSE, MARK_OPEN

        if self.model is None or self._store is None:
            return
        query = self.search_field.text().strip()
        if not query:
            self.model.set_hits("", None)
            self._announce_timer.stop()
            return
        try:
            results = search_results(self._store, query, highlight=(MARK_OPEN, MARK_CLOSE))
        except ClinicAppError as exc:
            messages.show_error(self, "Search failed", exc.message, exc.detail)
            return
        self.model.set_hits(query, results.hits, results.corrected)
        self._announce_timer.start()

    def results_summary(self) -> str:
        """What the list shows, in words: "12 therapies found for “plate”.", "No therapy matches “zzqx”.",
        "9 therapies listed." (filters alone)."""
        from clinic_app.ui.browse.therapy_list import KIND_NOTICE, KindRole

        if self.model is None:
            return ""
        count = self.model.therapy_count()
        first = self.model.index(0, 0)
        notice = first.data() if first.isValid() and first.data(KindRole) == KIND_NOTICE else ""
        if count == 0:
            return notice or "No therapy matches."
        noun = "therapy" if count == 1 else "therapies"
        if not self.model.is_searching():
            return f"{count} {noun} listed."
        if notice:  # "Nothing matches … Showing results for …"
            return f"{notice} {count} {noun} found."
        return f"{count} {noun} found for \u201c{self.model.query()}\u201d."

    @Slot()
    def _announce_results(self) -> None:
        text = self.results_summary()
        if text:
            self.announcement.emit(text)

    @Slot(int)
    def _on_filter_changed(self, _index: int) -> None:
        self._apply_filters()
        self._announce_timer.start()

    @Slot(int)
    def _on_condition_changed(self, _index: int) -> None:
        self._apply_filters()
        self._announce_timer.start()
        self.condition_changed.emit(self.current_condition())

    def _apply_filters(self) -> None:
        if self.model is None:
            return
        current = self.current_slug()
        self.model.set_filter(self.category_filter.currentData() or "", self.status_filter.currentData() or "",
                              self.current_condition())
        if current:
            self.select_slug(current)

    @Slot(QModelIndex)
    def _on_result_clicked(self, index: QModelIndex) -> None:
        slug = self.model.slug_at(index.row()) if self.model is not None else ""
        if slug:
            self.therapy_opened.emit(slug)

    # -- keys --------------------------------------------------------------------------------
    def handle_key(self, watched: QObject, event: QEvent) -> bool:
        assert isinstance(event, QKeyEvent)
        key = event.key()
        if key == QtCore.Qt.Key.Key_Escape and (self.search_field.text() or watched is self.list_view):
            self.clear_search()
            return True
        if watched is self.search_field:
            return self._on_search_field_key(key)
        if watched is self.list_view:
            return self._on_list_key(key)
        return False

    def _on_search_field_key(self, key: int) -> bool:
        if key == QtCore.Qt.Key.Key_Down:
            self._flush_search()
            row = self.model.first_therapy_row() if self.model is not None else -1
            if row >= 0:
                self.list_view.setFocus(QtCore.Qt.FocusReason.TabFocusReason)
                if self.current_slug() == "":
                    self._make_current(row)
            return True
        if key in (QtCore.Qt.Key.Key_Return, QtCore.Qt.Key.Key_Enter):
            self._flush_search()
            self._open_current()
            return True
        return False

    def _on_list_key(self, key: int) -> bool:
        if key in (QtCore.Qt.Key.Key_Return, QtCore.Qt.Key.Key_Enter):
            self._open_current()
            return True
        if self.model is None:
            return False
        if key == QtCore.Qt.Key.Key_Up and self.list_view.currentIndex().row() <= self.model.first_therapy_row():
            self.search_field.setFocus(QtCore.Qt.FocusReason.BacktabFocusReason)
            return True
        return False

    def _flush_search(self) -> None:
        """Apply the typed text now if its short delay has not elapsed yet."""
        if self._search_timer.isActive():
            self._search_timer.stop()
            self._run_search()
