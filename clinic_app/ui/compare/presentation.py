"""Presentation mode: the comparison turned to the patient. Full screen, large type, black on white,
only the rows the doctor chose, patient wording. Escape (or the button) leaves it.

The screen shows as many whole rows as fit at the large size, never half a row; "More below ↓"
and "↑ More above" say when rows are off screen, and the arrow keys, Page Up/Down, Home/End and
the mouse wheel turn the page. No focus frame is drawn: this screen is for the patient to read."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QColor, QFont, QFontMetrics, QKeyEvent, QKeySequence, QPalette, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from clinic_app import APP_NAME
from clinic_app.services.comparison import ComparisonMatrix
from clinic_app.services.comparison_export import TITLE
from clinic_app.ui.compare.compare_delegate import ComparisonDelegate, ComparisonHeader
from clinic_app.ui.compare.compare_model import ComparisonTableModel
from clinic_app.ui.window_role import announced_as_window

MIN_PT, MAX_PT = 11, 36  # 11 pt is still large on the small logical screens it is needed for (200% scaling)
QUESTION_PADDING = 14  # each side of the question column's words (the delegate's and the header's margins)
HEADER_SHARE = 0.45  # the most of the table's height the column headings may take
MORE_BELOW = "More below ↓"
MORE_ABOVE = "↑ More above"
BODY_PT = {2: 24, 3: 22, 4: 20, 5: 17, 6: 16}  # type size by number of options, for a 1440 px wide screen


def start_size(matrix: ComparisonMatrix, screen_width: int) -> int:
    """Large type that still lets the longest words fit their column on this screen."""
    base = BODY_PT.get(len(matrix.columns), 16)
    return max(MIN_PT, min(MAX_PT, round(base * max(0.75, min(1.5, screen_width / 1440)))))


def question_share(count: int) -> float:
    return 0.2 if count <= 4 else 0.15


@announced_as_window
class PresentationWindow(QWidget):
    closed = Signal()

    def __init__(self, matrix: ComparisonMatrix, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle(f"{TITLE} — {APP_NAME}")
        self.setAccessibleName("Comparison for the patient")
        self.setAutoFillBackground(True)
        palette = self.palette()
        for role, colour in ((QPalette.ColorRole.Window, "#ffffff"), (QPalette.ColorRole.Base, "#ffffff"),
                             (QPalette.ColorRole.Text, "#000000"), (QPalette.ColorRole.WindowText, "#000000"),
                             (QPalette.ColorRole.Button, "#ffffff"), (QPalette.ColorRole.ButtonText, "#000000"),
                             (QPalette.ColorRole.Mid, "#000000")):
            palette.setColor(role, QColor(colour))
        self.setPalette(palette)

        self.title = QLabel(TITLE, self)
        self.title.setWordWrap(True)  # a narrow screen still has room for the signs and the button
        self.leave_button = QPushButton("Leave (Esc)", self)
        self.leave_button.setAccessibleName("Leave presentation")
        self.leave_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the keys turn the table's pages
        self.leave_button.clicked.connect(self.close)
        self.model = ComparisonTableModel(self)
        self.model.set_matrix(matrix)
        self.table = QTableView(self)
        self.table.setAccessibleName("Comparison table")
        self.table.setAccessibleDescription(self.model.description())
        self.table.setHorizontalHeader(ComparisonHeader(self.table))
        self.table.setModel(self.model)
        self.table.setItemDelegate(ComparisonDelegate(self.table, high_contrast=True, focus_frame=False))
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # set page by page
        self.table.setWordWrap(True)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # pages, said in words
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setAttribute(Qt.WidgetAttribute.WA_MacShowFocusRect, False)
        self.table.setStyleSheet("QTableView { gridline-color: #000000; background: #ffffff; color: #000000; "
                                 "border: 2px solid #000000; outline: 0; }")
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Fixed)
        self.more_above = self._more_label(MORE_ABOVE)
        self.more_below = self._more_label(MORE_BELOW)
        self._first = 0  # the first row on screen
        self._paging = False
        self._fitted_for = QSize()  # the table size the type was last fitted to
        self._fit_timer = QTimer(self)
        self._fit_timer.setSingleShot(True)
        self._fit_timer.setInterval(0)
        self._fit_timer.timeout.connect(self._fit_type)

        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.more_above)
        top.addSpacing(24)
        top.addWidget(self.leave_button)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(self.more_below)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 24, 32, 16)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)

        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.close)
        QShortcut(QKeySequence.StandardKey.ZoomIn, self, lambda: self.zoom(2))
        QShortcut(QKeySequence("Ctrl+="), self, lambda: self.zoom(2))
        QShortcut(QKeySequence.StandardKey.ZoomOut, self, lambda: self.zoom(-2))
        for keys, turn in (((Qt.Key.Key_Down,), lambda: self.turn(1)), ((Qt.Key.Key_Up,), lambda: self.turn(-1)),
                           ((Qt.Key.Key_PageDown, Qt.Key.Key_Space), lambda: self.turn(1, page=True)),
                           ((Qt.Key.Key_PageUp,), lambda: self.turn(-1, page=True)),
                           ((Qt.Key.Key_Home,), lambda: self.show_from(0)),
                           ((Qt.Key.Key_End,), lambda: self.show_from(self._start_before(self.model.rowCount())))):
            for key in keys:
                QShortcut(QKeySequence(key), self, turn)
        self.table.horizontalHeader().sectionResized.connect(lambda *_: self._repage())
        self._pt = 0
        screen = (parent.screen() if parent is not None else None) or self.screen()
        self._start_pt = start_size(matrix, screen.geometry().width() if screen is not None else 1440)
        self._auto_size = True  # until the doctor zooms: the type is cut down where the screen is small
        self.set_point_size(self._start_pt)
        self.table.viewport().installEventFilter(self)

    def _more_label(self, text: str) -> QLabel:
        label = QLabel(text, self)
        label.setAccessibleName(text.strip("↑↓ "))
        policy = label.sizePolicy()
        policy.setRetainSizeWhenHidden(True)  # the table keeps its height as the signs come and go
        label.setSizePolicy(policy)
        label.hide()
        return label

    def point_size(self) -> int:
        return self._pt

    def set_point_size(self, pt: int) -> None:
        self._pt = max(MIN_PT, min(MAX_PT, pt))
        font = QFont(self.font())
        font.setPointSize(self._pt)
        self.table.setFont(font)
        self.table.horizontalHeader().setFont(font)
        title_font = QFont(font)
        title_font.setPointSize(self._pt + 8)
        title_font.setBold(True)
        self.title.setFont(title_font)
        button_font = QFont(font)
        button_font.setPointSize(max(MIN_PT, self._pt - 4))
        self.leave_button.setFont(button_font)
        more_font = QFont(font)
        more_font.setPointSize(max(MIN_PT, self._pt - 2))
        more_font.setBold(True)
        for label in (self.more_above, self.more_below):
            label.setFont(more_font)
        self._fit_columns()

    def zoom(self, step: int) -> None:
        self._auto_size = False
        self.set_point_size(self._pt + step)

    def _fits(self) -> bool:
        """Whether the headings leave most of the table to the rows and the first row fits whole."""
        header = self.table.horizontalHeader().sizeHint().height()
        height = self.table.contentsRect().height()
        return header <= height * HEADER_SHARE and self._row_height(self._first) <= height - header

    def _fit_type(self) -> None:
        """The largest type from the start size down that :meth:`_fits` this screen (a small or
        scaled screen would otherwise show the headings and half a row)."""
        if not self._auto_size or self.table.contentsRect().height() <= 0 or not self.model.rowCount():
            return
        pt = self._start_pt
        self.set_point_size(pt)
        while pt > MIN_PT and not self._fits():
            pt -= 1
            self.set_point_size(pt)

    def _fit_columns(self) -> None:
        width = self.table.viewport().width()
        if width > 0 and self.model.columnCount():
            share = int(width * question_share(self.model.columnCount() - 1))
            self.table.setColumnWidth(0, min(max(share, self._longest_question_word()), width // 2))
        self.table.horizontalHeader().updateGeometry()
        self._repage()

    def _longest_question_word(self) -> int:
        """The width the question column needs so that none of its words breaks inside itself."""
        words = ["Question"] + [word for row in range(self.model.rowCount())
                                for word in str(self.model.index(row, 0).data() or "").split()]
        widest = max(QFontMetrics(font).horizontalAdvance(word) for word in words
                     for font in (self.table.font(), self.table.horizontalHeader().font()))
        return widest + 2 * QUESTION_PADDING

    # -- pages -----------------------------------------------------------------------------
    def _row_height(self, row: int) -> int:
        """The height row ``row`` needs at the current type size and column widths (shown or not)."""
        return max(1, self.table.sizeHintForRow(row))

    def _page_end(self, first: int) -> int:
        """The last row of the page that starts at ``first``: as many whole rows as fit (at least one)."""
        room, used, last = self.table.viewport().height(), 0, first
        for row in range(first, self.model.rowCount()):
            used += self._row_height(row)
            if used > room and row > first:
                break
            last = row
        return last

    def _start_before(self, end: int) -> int:
        """The first row of the fullest page that ends just before row ``end``."""
        room, used, first = self.table.viewport().height(), 0, end
        for row in range(end - 1, -1, -1):
            used += self._row_height(row)
            if used > room and row < end - 1:
                break
            first = row
        return max(0, first)

    def shown_rows(self) -> range:
        return range(self._first, self._page_end(self._first) + 1) if self.model.rowCount() else range(0)

    def _repage(self) -> None:
        """Lay the current page out again (the type size or the window changed)."""
        if not self._paging:
            self.show_from(self._first, keep_scroll=True)

    def show_from(self, first: int, keep_scroll: bool = False) -> None:
        """Show the page that starts at row ``first``: the rows that fit whole, the others hidden."""
        count = self.model.rowCount()
        self._first = max(0, min(first, count - 1))
        self._paging = True
        try:
            shown = self.shown_rows()
            for row in range(count):
                if row in shown:
                    self.table.setRowHeight(row, self._row_height(row))
                self.table.setRowHidden(row, row not in shown)
            if not keep_scroll:
                self.table.verticalScrollBar().setValue(0)
        finally:
            self._paging = False
        self._show_signs()

    def _show_signs(self) -> None:
        """"More above" / "More below ↓" while rows (or the rest of a row too tall for the screen) are off it."""
        shown, count, bar = self.shown_rows(), self.model.rowCount(), self.table.verticalScrollBar()
        above = self._first > 0 or bar.value() > 0
        below = (bool(shown) and shown[-1] < count - 1) or bar.value() < bar.maximum()
        self.more_above.setVisible(above)
        self.more_below.setVisible(below)
        where = f" Rows {shown[0] + 1} to {shown[-1] + 1} of {count} on screen." if shown else ""
        self.table.setAccessibleDescription(self.model.description() + where)

    def turn(self, direction: int, page: bool = False) -> None:
        """A row (or a page) on (``direction`` 1) or back (-1); a row taller than the screen is
        read a screenful at a time first."""
        bar, room = self.table.verticalScrollBar(), self.table.viewport().height()
        if (direction > 0 and bar.value() < bar.maximum()) or (direction < 0 and bar.value() > 0):
            bar.setValue(bar.value() + direction * max(1, int(room * (0.9 if page else 0.3))))
            self._show_signs()
            return
        last = self._page_end(self._first)
        if direction > 0 and last < self.model.rowCount() - 1:
            self.show_from(last + 1 if page else self._first + 1)
        elif direction < 0 and self._first > 0:
            self.show_from(self._start_before(self._first) if page else self._first - 1)

    def present(self) -> None:
        parent = self.parentWidget()
        screen = (parent.screen() if parent is not None else None) or self.screen()
        if screen is not None:
            self.setGeometry(screen.geometry())  # also where no window manager grants full screen
        self.showFullScreen()
        self.activateWindow()
        self.table.setFocus()

    def eventFilter(self, watched, event) -> bool:  # noqa: N802, ANN001
        if watched is self.table.viewport() and event.type() == QEvent.Type.Resize:
            self._fit_columns()
            if self._fitted_for != self.table.size():  # the screen, not the headings, changed
                self._fitted_for = self.table.size()
                self._fit_timer.start()  # once the columns have their new widths
        elif watched is self.table.viewport() and event.type() == QEvent.Type.Wheel:
            steps = event.angleDelta().y()
            if steps:
                self.turn(-1 if steps > 0 else 1)
            return True
        return super().eventFilter(watched, event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Escape from any child that ignores it
        if event.key() == Qt.Key.Key_Escape:
            self.close()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.closed.emit()
        super().closeEvent(event)
