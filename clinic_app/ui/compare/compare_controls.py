"""The widgets of the compare view, built in code, with keyboard shortcuts and accessible names.
State and actions live in :mod:`.compare_view`."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, Qt, Signal
from PySide6.QtGui import QAction, QFont, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListView,
    QMenu,
    QPushButton,
    QSplitter,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from clinic_app.ui.compare.compare_delegate import ComparisonDelegate, ComparisonHeader
from clinic_app.ui.compare.compare_model import ComparisonTableModel, RowChoiceModel

QUESTION_SHARE = 0.22
MIN_QUESTION_PX = 160
TABLE_PT = 11  # readable across a desk; presentation mode goes larger


def _button(text: str, name: str, parent: QWidget, tip: str = "") -> QPushButton:
    button = QPushButton(text, parent)
    button.setAccessibleName(name)
    if tip:
        button.setToolTip(tip)
    return button


class CompareControls(QWidget):
    column_moved = Signal(int, int)  # a header was dragged: from model column, to model column

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("compareView")
        self._build_top()
        self._build_rows()
        self._build_table()
        self._build_bottom()
        splitter = QSplitter(self)
        splitter.addWidget(self.rows_panel)
        splitter.addWidget(self.table_panel)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([260, 1000])
        layout = QVBoxLayout(self)
        layout.addLayout(self.top_bar)
        layout.addWidget(splitter, 1)
        layout.addLayout(self.bottom_bar)

    def _build_top(self) -> None:
        self.add_combo = QComboBox(self)
        self.add_combo.setAccessibleName("Therapy to add")
        self.add_combo.setMinimumContentsLength(24)
        self.add_button = _button("&Add to comparison", "Add therapy to comparison", self)
        add_label = QLabel("&Option:", self)
        add_label.setBuddy(self.add_combo)
        self.preset_combo = QComboBox(self)
        self.preset_combo.setAccessibleName("Comparison presets")
        self.preset_combo.setPlaceholderText("Choose a preset…")
        self.preset_combo.setMinimumContentsLength(22)
        preset_label = QLabel("&Preset:", self)
        preset_label.setBuddy(self.preset_combo)
        self.save_preset_button = _button("&Save as preset…", "Save comparison as preset", self)
        self.delete_preset_button = _button("Delete preset", "Delete saved preset", self)
        self.top_bar = QHBoxLayout()
        for widget in (add_label, self.add_combo, self.add_button):
            self.top_bar.addWidget(widget)
        self.top_bar.addSpacing(24)
        for widget in (preset_label, self.preset_combo, self.save_preset_button, self.delete_preset_button):
            self.top_bar.addWidget(widget)
        self.top_bar.addStretch(1)

    def _build_rows(self) -> None:
        self.rows_panel = QWidget(self)
        title = QLabel("<b>What matters to you</b>", self.rows_panel)
        self.row_model = RowChoiceModel(self)
        self.row_list = QListView(self.rows_panel)
        self.row_list.setModel(self.row_model)
        self.row_list.setAccessibleName("Rows to show: what matters to you")
        self.row_list.setWordWrap(True)
        self.row_list.setUniformItemSizes(False)
        title.setBuddy(self.row_list)
        self.all_rows_button = _button("All rows", "Tick all rows", self.rows_panel)
        self.no_rows_button = _button("Clear", "Untick all rows", self.rows_panel)
        buttons = QHBoxLayout()
        buttons.addWidget(self.all_rows_button)
        buttons.addWidget(self.no_rows_button)
        layout = QVBoxLayout(self.rows_panel)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(title)
        layout.addWidget(self.row_list, 1)
        layout.addLayout(buttons)

    def _build_table(self) -> None:
        self.table_panel = QWidget(self)
        self.summary_label = QLabel(self.table_panel)
        self.summary_label.setWordWrap(True)
        self.table_model = ComparisonTableModel(self)
        self.table = QTableView(self.table_panel)
        self.table.setAccessibleName("Comparison table")
        font = QFont(self.table.font())
        font.setPointSizeF(max(font.pointSizeF(), TABLE_PT))
        self.table.setFont(font)
        header = ComparisonHeader(self.table)
        header.setFont(font)
        self.table.setHorizontalHeader(header)
        self.table.setModel(self.table_model)
        self.table.setItemDelegate(ComparisonDelegate(self.table))
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setWordWrap(True)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.table.setTabKeyNavigation(False)
        self.table.viewport().installEventFilter(self)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setSectionsMovable(True)
        header.sectionMoved.connect(self._on_section_moved)
        for widget in (header, self.table):
            widget.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(lambda pos: self._column_menu(header.logicalIndexAt(pos), header, pos))
        self.table.customContextMenuRequested.connect(
            lambda pos: self._column_menu(self.table.indexAt(pos).column(), self.table.viewport(), pos))
        self.move_left_action = self._action("Move &left", "Ctrl+Shift+Left")
        self.move_right_action = self._action("Move &right", "Ctrl+Shift+Right")
        self.remove_action = self._action("Re&move option", "Delete")
        self.hide_same_box = QCheckBox("&Hide rows that are the same", self.table_panel)
        self.clinician_box = QCheckBox("Show &clinician labels", self.table_panel)
        self.hide_same_box.setAccessibleName("Hide rows that are the same")
        self.clinician_box.setAccessibleName("Show clinician labels")
        tools = QHBoxLayout()
        tools.addWidget(self.hide_same_box)
        tools.addWidget(self.clinician_box)
        tools.addStretch(1)
        for action in (self.move_left_action, self.move_right_action, self.remove_action):
            button = QToolButton(self.table_panel)
            button.setDefaultAction(action)
            button.setAccessibleName(action.text().replace("&", ""))
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            tools.addWidget(button)
        self.legend_label = QLabel(self.table_panel)  # what the 1-5 dots mean, for the scale rows shown
        self.legend_label.setWordWrap(True)
        self.legend_label.hide()
        layout = QVBoxLayout(self.table_panel)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.legend_label)
        layout.addLayout(tools)

    def _action(self, text: str, shortcut: str) -> QAction:
        action = QAction(text, self)
        action.setShortcut(QKeySequence(shortcut))
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.setToolTip(f"{text.replace('&', '')} ({shortcut}): the option in the current column")
        self.table.addAction(action)
        return action

    def _build_bottom(self) -> None:
        self.present_button = _button("Show to &patient", "Show comparison to the patient, full screen", self,
                                      "Full screen, large type (F5); Esc leaves")
        self.present_button.setShortcut(QKeySequence("F5"))
        self.paper_combo = QComboBox(self)
        self.paper_combo.setAccessibleName("Paper size")
        self.paper_combo.addItem("A4", "a4")
        self.paper_combo.addItem("Letter", "letter")
        paper_label = QLabel("Pape&r:", self)
        paper_label.setBuddy(self.paper_combo)
        self.preview_button = _button("Print pre&view…", "Print preview", self)
        self.print_button = _button("Prin&t…", "Print comparison", self, "Ctrl+P")
        self.print_button.setShortcut(QKeySequence.StandardKey.Print)
        self.handout_button = _button("&Handout…", "Make a patient handout with these options and rows", self,
                                      "Ctrl+Shift+P")
        self.handout_button.setShortcut(QKeySequence("Ctrl+Shift+P"))
        self.export_button = QToolButton(self)
        self.export_button.setText("&Export")
        self.export_button.setAccessibleName("Export comparison")
        self.export_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.export_button)
        self.pdf_action = menu.addAction("PDF file…")
        self.csv_action = menu.addAction("CSV spreadsheet…")
        self.md_action = menu.addAction("Markdown text…")
        self.export_button.setMenu(menu)
        self.note_label = QLabel(self)
        self.note_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.bottom_bar = QHBoxLayout()
        self.bottom_bar.addWidget(self.present_button)
        self.bottom_bar.addWidget(self.note_label, 1)
        for widget in (paper_label, self.paper_combo, self.preview_button, self.print_button, self.export_button,
                       self.handout_button):
            self.bottom_bar.addWidget(widget)

    # -- helpers for the view ----------------------------------------------------------------
    def fill_presets(self, items, select: str = "") -> None:  # noqa: ANN001
        self.preset_combo.clear()
        for item in items:
            self.preset_combo.addItem(item.name + ("" if item.built_in else "  (saved)"), item.name)
            index = self.preset_combo.count() - 1
            missing = f"\nNot in this library: {', '.join(item.missing)}" if item.missing else ""
            self.preset_combo.setItemData(index, f"{', '.join(item.slugs)}{missing}", Qt.ItemDataRole.ToolTipRole)
            if not item.usable:
                self.preset_combo.model().item(index).setEnabled(False)
        self.preset_combo.setCurrentIndex(self.preset_combo.findData(select) if select else -1)

    def fit_columns(self) -> None:
        """The question column takes a fixed share; the options share the rest equally."""
        header = self.table.horizontalHeader()
        if self.table_model.columnCount() == 0:
            return
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Fixed)
        share = QUESTION_SHARE if self.table_model.columnCount() <= 5 else QUESTION_SHARE * 0.7
        width = max(MIN_QUESTION_PX, int(self.table.viewport().width() * share))
        self.table.setColumnWidth(0, width)
        header.updateGeometry()

    def eventFilter(self, watched, event) -> bool:  # noqa: N802, ANN001
        if watched is self.table.viewport() and event.type() == QEvent.Type.Resize:
            self.fit_columns()
        return super().eventFilter(watched, event)

    def show_legend(self) -> None:
        """The scale legend under the table, and the table's accessible description with it."""
        legend = self.table_model.legend_text()
        self.legend_label.setText(legend)
        self.legend_label.setVisible(bool(legend))
        self.table.setAccessibleDescription(self.table_model.description())

    def show_note(self, text: str) -> None:
        self.note_label.setText(text)

    def paper(self) -> str:
        return self.paper_combo.currentData() or "a4"

    def _column_menu(self, column: int, widget: QWidget, pos: QPoint) -> None:
        if column <= 0:
            return
        self.table.setCurrentIndex(self.table_model.index(0, column))
        menu = QMenu(self)
        for action in (self.move_left_action, self.move_right_action, self.remove_action):
            menu.addAction(action)
        menu.popup(widget.mapToGlobal(pos))

    def _on_section_moved(self, logical: int, old_visual: int, new_visual: int) -> None:
        """Put the header back where the model says, and let the view reorder the model."""
        header = self.table.horizontalHeader()
        header.blockSignals(True)
        header.moveSection(new_visual, old_visual)
        header.blockSignals(False)
        if logical > 0:
            self.column_moved.emit(old_visual, new_visual)
