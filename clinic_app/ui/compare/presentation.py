"""Presentation mode: the comparison turned to the patient. Full screen, large type, black on white,
only the rows the doctor chose, patient wording. Escape (or the button) leaves it."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QCloseEvent, QColor, QFont, QKeyEvent, QKeySequence, QPalette, QShortcut
from PySide6.QtWidgets import QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QPushButton, QTableView, QVBoxLayout, QWidget

from clinic_app import APP_NAME
from clinic_app.services.comparison import ComparisonMatrix
from clinic_app.services.comparison_export import TITLE
from clinic_app.ui.compare.compare_delegate import ComparisonDelegate, ComparisonHeader
from clinic_app.ui.compare.compare_model import ComparisonTableModel

MIN_PT, MAX_PT = 14, 36
BODY_PT = {2: 24, 3: 22, 4: 20, 5: 17, 6: 16}  # type size by number of options, for a 1440 px wide screen


def start_size(matrix: ComparisonMatrix, screen_width: int) -> int:
    """Large type that still lets the longest words fit their column on this screen."""
    base = BODY_PT.get(len(matrix.columns), 16)
    return max(MIN_PT, min(MAX_PT, round(base * max(0.75, min(1.5, screen_width / 1440)))))


def question_share(count: int) -> float:
    return 0.2 if count <= 4 else 0.15


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
        self.leave_button = QPushButton("Leave (Esc)", self)
        self.leave_button.setAccessibleName("Leave presentation")
        self.leave_button.clicked.connect(self.close)
        self.model = ComparisonTableModel(self)
        self.model.set_matrix(matrix)
        self.table = QTableView(self)
        self.table.setAccessibleName("Comparison table")
        self.table.setHorizontalHeader(ComparisonHeader(self.table))
        self.table.setModel(self.model)
        self.table.setItemDelegate(ComparisonDelegate(self.table, high_contrast=True))
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setWordWrap(True)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.table.setStyleSheet("QTableView { gridline-color: #000000; background: #ffffff; color: #000000; "
                                 "border: 2px solid #000000; }")
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Fixed)

        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.leave_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 24, 32, 24)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)

        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.close)
        QShortcut(QKeySequence.StandardKey.ZoomIn, self, lambda: self.set_point_size(self._pt + 2))
        QShortcut(QKeySequence("Ctrl+="), self, lambda: self.set_point_size(self._pt + 2))
        QShortcut(QKeySequence.StandardKey.ZoomOut, self, lambda: self.set_point_size(self._pt - 2))
        self._pt = 0
        screen = (parent.screen() if parent is not None else None) or self.screen()
        self.set_point_size(start_size(matrix, screen.geometry().width() if screen is not None else 1440))
        self.table.viewport().installEventFilter(self)

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
        self._fit_columns()

    def _fit_columns(self) -> None:
        width = self.table.viewport().width()
        if width > 0 and self.model.columnCount():
            self.table.setColumnWidth(0, int(width * question_share(self.model.columnCount() - 1)))
        self.table.horizontalHeader().updateGeometry()
        self.table.verticalHeader().resizeSections(QHeaderView.ResizeMode.ResizeToContents)

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
        return super().eventFilter(watched, event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Escape from any child that ignores it
        if event.key() == Qt.Key.Key_Escape:
            self.close()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.closed.emit()
        super().closeEvent(event)
