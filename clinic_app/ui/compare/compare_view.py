"""The Compare view: two to six therapies side by side.

The doctor adds options, reorders or removes columns (buttons, the column menu, or dragging a
header), ticks the rows that matter to the patient, hides rows where every option says the same,
applies or saves presets, turns the screen to the patient, and prints or exports. Every output
reads :meth:`CompareView.shown_matrix`, the matrix the table shows. Controls are built in
:mod:`.compare_controls`; this module holds the state and the actions.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QWidget

from clinic_app import APP_NAME
from clinic_app.errors import ClinicAppError
from clinic_app.services import comparison, library, presets
from clinic_app.services.clinic import load_profile
from clinic_app.services.comparison import MAX_OPTIONS, MIN_OPTIONS, ComparisonMatrix
from clinic_app.storage.store import Store
from clinic_app.ui import messages
from clinic_app.ui.compare.compare_controls import CompareControls
from clinic_app.ui.compare.compare_output import CompareOutput
from clinic_app.ui.compare.presentation import PresentationWindow
from clinic_app.ui.dialogs import ConfirmDialog, PresetNameDialog
from clinic_app.ui.operations import Change, on_change
from clinic_app.ui.window_role import announced_as_window


class CompareView(CompareControls):
    """State: the therapies in column order, the ticked rows and the hide-same switch."""

    matrix_changed = Signal()

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self._slugs: list[str] = []
        self._condition = ""  # the condition the options are for (a slug), "" for none
        self._full: ComparisonMatrix | None = None
        self._presets: list[presets.ComparisonPresetItem] = []
        self.presentation: PresentationWindow | None = None
        self.output = CompareOutput(self)
        self._therapies = {t.slug: t for t in library.list_therapies(store)}
        self.row_model.set_rows(comparison.row_catalogue(store))
        self.paper_combo.setCurrentIndex(max(0, self.paper_combo.findData(load_profile(store).paper_size)))
        self._connect()
        self.reload_presets()
        on_change(self, {Change.PRESETS}, self._on_presets_changed)
        self._refresh()

    def _connect(self) -> None:
        self.add_button.clicked.connect(self._on_add_clicked)
        self.row_model.chosen_changed.connect(self._on_rows_changed)
        self.all_rows_button.clicked.connect(lambda: self.row_model.set_chosen(self.row_model.all_keys()))
        self.no_rows_button.clicked.connect(lambda: self.row_model.set_chosen(()))
        self.hide_same_box.toggled.connect(self._on_rows_changed)
        self.clinician_box.toggled.connect(self._on_clinician_toggled)
        self.preset_combo.activated.connect(self._on_preset_activated)
        self.save_preset_button.clicked.connect(self.save_preset)
        self.delete_preset_button.clicked.connect(self.delete_preset)
        self.move_left_action.triggered.connect(lambda: self._move_current(-1))
        self.move_right_action.triggered.connect(lambda: self._move_current(1))
        self.remove_action.triggered.connect(self._remove_current)
        self.present_button.clicked.connect(self.present)
        self.column_moved.connect(self._on_column_dragged)
        self.table.selectionModel().currentChanged.connect(lambda *_: self.update_enabled())
        self.preview_button.clicked.connect(self.output.preview)
        self.print_button.clicked.connect(self.output.print)
        self.pdf_action.triggered.connect(self.output.save_pdf)
        self.csv_action.triggered.connect(lambda: self.output.save_text("csv"))
        self.md_action.triggered.connect(lambda: self.output.save_text("md"))
        self.handout_button.clicked.connect(self.make_handout)

    # -- the comparison ----------------------------------------------------------------------
    def therapies(self) -> list[str]:
        return list(self._slugs)

    def set_therapies(self, slugs) -> None:  # noqa: ANN001 - any sequence of slugs
        """Compare these therapies, in this order (unknown or repeated slugs are left out)."""
        wanted = [s for s in dict.fromkeys(slugs) if s in self._therapies][:MAX_OPTIONS]
        self._slugs = wanted
        self._refresh()

    def add_therapy(self, slug: str) -> None:
        if slug in self._therapies and slug not in self._slugs and len(self._slugs) < MAX_OPTIONS:
            self.set_therapies([*self._slugs, slug])

    def remove_therapy(self, slug: str) -> None:
        self.set_therapies([s for s in self._slugs if s != slug])

    def move_therapy(self, slug: str, offset: int) -> None:
        if slug not in self._slugs:
            return
        order = list(self._slugs)
        old = order.index(slug)
        new = max(0, min(len(order) - 1, old + offset))
        order.insert(new, order.pop(old))
        self.set_therapies(order)
        self.table.setCurrentIndex(self.table_model.index(0, new + 1))

    def set_rows(self, keys) -> None:  # noqa: ANN001
        self.row_model.set_chosen(keys)

    def set_hide_same(self, on: bool) -> None:
        self.hide_same_box.setChecked(on)

    def condition(self) -> str:
        return self._condition

    def set_condition(self, slug: str) -> None:
        """Say which condition the options are for: the title and the printout name it."""
        if slug != self._condition:
            self._condition = slug
            self._refresh()

    def _stale_condition(self) -> bool:
        wanted = ""
        if self._condition:
            from clinic_app.services.library import list_conditions

            wanted = next((c.name for c in list_conditions(self.store) if c.slug == self._condition), "")
        return self._full is not None and self._full.condition != wanted

    def shown_matrix(self) -> ComparisonMatrix | None:
        """What the table shows, and what is presented, printed and exported."""
        return self.table_model.matrix()

    def _refresh(self) -> None:
        if len(self._slugs) < MIN_OPTIONS:
            self._full = None
        elif self._full is None or sorted(self._full.slugs) != sorted(self._slugs) or self._stale_condition():
            try:
                self._full = comparison.compare(self.store, self._slugs, condition=self._condition or None)
            except ClinicAppError as exc:
                self._full = None
                messages.show_error(self, "Cannot compare these options", exc.message, exc.detail)
        elif list(self._full.slugs) != self._slugs:
            self._full = self._full.reorder(self._slugs)
        shown = None
        if self._full is not None:
            shown = self._full.select_rows(self.row_model.chosen())
            if self.hide_same_box.isChecked():
                shown = shown.hide_same()
        self.table_model.set_matrix(shown)
        self.show_legend()
        self.fit_columns()
        self._update_add_choices()
        self._update_summary()
        self.update_enabled()
        self.matrix_changed.emit()

    def _update_add_choices(self) -> None:
        self.add_combo.clear()
        for therapy in sorted(self._therapies.values(), key=lambda t: (t.category != "regenerative", t.name.casefold())):
            if therapy.slug not in self._slugs:
                self.add_combo.addItem(therapy.name, therapy.slug)

    def _update_summary(self) -> None:
        count = len(self._slugs)
        matrix = self._full
        if count < MIN_OPTIONS:
            chosen = ", ".join(self._therapies[s].name for s in self._slugs)
            text = f"Add {MIN_OPTIONS - count} more option{'s' if MIN_OPTIONS - count > 1 else ''} to compare."
            self.summary_label.setText(f"{chosen}. {text}" if chosen else f"Add two to six options to compare. {text}")
            return
        rows = matrix.select_rows(self.row_model.chosen()) if matrix else None
        differ = sum(1 for r in rows.rows if r.differs) if rows else 0
        total = len(rows.rows) if rows else 0
        shown = self.table_model.rowCount()
        about = f"For {matrix.condition.lower()}: " if matrix is not None and matrix.condition else ""
        self.summary_label.setText(f"{about}{count} options · {shown} of {total} chosen rows shown · "
                                   f"the options differ in {differ}.")

    def update_enabled(self) -> None:
        has_table = self.table_model.rowCount() > 0
        column = self.table.currentIndex().column()
        self.add_button.setEnabled(len(self._slugs) < MAX_OPTIONS and self.add_combo.count() > 0)
        self.add_combo.setEnabled(len(self._slugs) < MAX_OPTIONS)
        self.move_left_action.setEnabled(column > 1)
        self.move_right_action.setEnabled(0 < column < len(self._slugs))
        self.remove_action.setEnabled(column > 0)
        for widget in (self.present_button, self.preview_button):
            widget.setEnabled(has_table)
        for widget in (self.print_button, self.export_button, self.pdf_action, self.csv_action, self.md_action):
            widget.setEnabled(has_table and not self.output.busy)  # one print or file at a time
        self.save_preset_button.setEnabled(len(self._slugs) >= MIN_OPTIONS and bool(self.row_model.chosen())
                                           and not self.output.busy)
        current = self._current_preset()
        self.delete_preset_button.setEnabled(current is not None and not current.built_in and not self.output.busy)

    # -- presets -----------------------------------------------------------------------------
    def reload_presets(self, select: str = "") -> None:
        self._presets = presets.list_presets(self.store)
        self.fill_presets(self._presets, select)
        self.update_enabled()

    def _on_presets_changed(self) -> None:
        """A preset was saved or deleted (here or in another window): the list follows, the choice stays."""
        current = self._current_preset()
        self.reload_presets(select=current.name if current is not None else "")

    def _current_preset(self) -> presets.ComparisonPresetItem | None:
        index = self.preset_combo.currentIndex()
        return self._presets[index] if 0 <= index < len(self._presets) else None

    def apply_preset(self, name: str) -> None:
        for index, item in enumerate(self._presets):
            if item.name == name and item.usable:
                self.preset_combo.setCurrentIndex(index)
                self.row_model.set_chosen(item.row_keys or self.row_model.all_keys())
                self.set_therapies(item.slugs)
                return
        raise presets.PresetError(f"no usable preset named {name!r}")

    @Slot(int)
    def _on_preset_activated(self, index: int) -> None:
        if 0 <= index < len(self._presets):
            self.apply_preset(self._presets[index].name)

    def save_preset(self) -> None:
        saved = [p.name for p in self._presets if not p.built_in]
        name = PresetNameDialog.ask(self, saved, [n for n, _ in presets.BUILT_IN])
        if not name:
            return
        replace = name.casefold() in {n.casefold() for n in saved}
        seen = next((p.version for p in self._presets if not p.built_in and p.name.casefold() == name.casefold()), None)
        rows = self.row_model.chosen()
        rows = [] if rows == self.row_model.all_keys() else rows
        self.output.run(presets.save_preset, self.store, name, list(self._slugs), rows, replace, seen,
                        done=lambda item: self._on_preset_saved(item.name), title="Cannot save the preset",
                        changes={Change.PRESETS})

    def _on_preset_saved(self, name: str) -> None:
        self.reload_presets(select=name)
        self.show_note(f"Saved the preset “{name}”.")

    def delete_preset(self) -> None:
        item = self._current_preset()
        if item is None or item.built_in:
            return
        if not ConfirmDialog.ask(self, "Delete preset", f"Delete the preset “{item.name}”? The therapies stay "
                                 "in the library.", "Delete"):
            return
        self.output.run(presets.delete_preset, self.store, item.name,
                        done=lambda _: (self.reload_presets(), self.show_note(f"Deleted the preset “{item.name}”.")),
                        title="Cannot delete the preset", changes={Change.PRESETS})

    # -- slots -------------------------------------------------------------------------------
    @Slot()
    def _on_add_clicked(self) -> None:
        slug = self.add_combo.currentData()
        if slug:
            self.add_therapy(slug)

    @Slot()
    def _on_rows_changed(self, *_args) -> None:  # noqa: ANN002
        self._refresh()

    @Slot(bool)
    def _on_clinician_toggled(self, on: bool) -> None:
        self.table_model.set_clinician_labels(on)
        self.row_model.set_clinician_labels(on)
        self.show_legend()
        self.fit_columns()

    def _current_slug(self) -> str | None:
        column = self.table.currentIndex().column()
        return self._slugs[column - 1] if 0 < column <= len(self._slugs) else None

    def _move_current(self, offset: int) -> None:
        slug = self._current_slug()
        if slug:
            self.move_therapy(slug, offset)

    def _remove_current(self) -> None:
        slug = self._current_slug()
        if slug:
            self.remove_therapy(slug)

    @Slot(int, int)
    def _on_column_dragged(self, old: int, new: int) -> None:
        """A header was dragged from column ``old`` to ``new`` (1-based therapy columns)."""
        if 0 < old <= len(self._slugs):
            self.move_therapy(self._slugs[old - 1], max(1, new) - old)

    def present(self) -> None:
        matrix = self.shown_matrix()
        if matrix is None or not matrix.rows:
            return
        if self.presentation is not None:
            self.presentation.close()
        self.presentation = PresentationWindow(matrix, self)
        self.presentation.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.presentation.closed.connect(self._on_presentation_closed)
        self.presentation.present()

    def make_handout(self) -> None:
        """Open the handout builder with these options, the comparison grid and the rows chosen."""
        from clinic_app.ui.handout.handout_builder import open_builder

        matrix = self.shown_matrix()
        if not self._slugs:
            return
        rows = matrix.row_keys if matrix is not None and matrix.rows else ()
        self.handout_builder = open_builder(self, self.store, therapies=tuple(self._slugs),
                                            include_comparison=len(self._slugs) >= 2, comparison_rows=rows)

    def _on_presentation_closed(self) -> None:
        self.presentation = None


@announced_as_window
class CompareWindow(QWidget):
    """A window holding a :class:`CompareView`, for the main window to open."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        from PySide6.QtWidgets import QDialogButtonBox, QHBoxLayout, QVBoxLayout

        from clinic_app.ui.window_place import closes_on_escape, place

        self.setWindowTitle(f"Compare options — {APP_NAME}")
        self.view = CompareView(store, self)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.buttons.button(QDialogButtonBox.StandardButton.Close).setAccessibleName("Close the comparison")
        self.buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 8)
        layout.addWidget(self.view, 1)
        bottom = QHBoxLayout()
        bottom.setContentsMargins(8, 0, 8, 0)
        bottom.addWidget(self.buttons)
        layout.addLayout(bottom)
        closes_on_escape(self)
        place(self, "compare", 1280, 820)


def open_compare(parent: QWidget | None, store: Store, slugs=(),  # noqa: ANN001
                 condition: str = "") -> CompareWindow:
    """Open a compare window with ``slugs`` already added, for ``condition`` (a slug) if one was
    chosen; the caller keeps the returned window."""
    window = CompareWindow(store, parent)
    window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    window.view.set_condition(condition)
    window.view.set_therapies(list(slugs))
    if window.view.shown_matrix() is not None and window.view.shown_matrix().condition:
        window.setWindowTitle(f"Compare options for {window.view.shown_matrix().condition.lower()} — {APP_NAME}")
    window.show()
    window.activateWindow()
    return window
