"""File > Content packs…: move the clinic's own content (its fields, its edits of therapy text, the
therapies it added) to another install, as ``clinic-app content export`` and ``content import`` do.

Export writes a pack off the GUI thread. Import reads and checks the whole pack off the GUI thread
and lists what it would change (nothing is written); "Import" then backs up the store and writes
every change in one transaction, signed with who and why, off the GUI thread too.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListView,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from clinic_app.errors import ClinicAppError
from clinic_app.ui.list_models import ItemListModel
from clinic_app.ui.operations import Change, Operation
from clinic_app.ui.profile.signed_changes import SignedChanges
from clinic_app.ui.tasks import TaskRunner
from clinic_app.ui.window_place import place

if TYPE_CHECKING:
    from clinic_app.services.content_packs import Pack, PlannedChange
    from clinic_app.storage.store import Store

SHORT = 60


def _short(text: str) -> str:
    text = " ".join(text.split())
    return f"'{text}'" if len(text) <= SHORT else f"'{text[:SHORT - 1].rstrip()}…'"


def change_line(change: PlannedChange) -> str:
    """One planned change as the list shows it (and a screen reader reads it)."""
    if change.kind == "therapy":
        return f"New therapy: {change.therapy} ({change.key}), {change.references} reference(s) of the clinic's own"
    what = "text" if change.kind == "text" else "field"
    before = _short(change.before) if change.before else "(empty)"
    after = _short(change.after) if change.after else "(empty)"
    return f"{change.therapy} {what} {change.label}: {before} → {after}"


class PlanModel(ItemListModel):
    """The lines of what a pack would change."""

    def show(self, item: str, role: int) -> str | None:
        shown = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole, Qt.ItemDataRole.ToolTipRole)
        return item if role in shown else None


class ContentPacksDialog(QDialog, SignedChanges):
    saved = Signal(str)  # what was done, for the main window's status bar

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from clinic_app.services.clinic import load_profile

        self.store = store
        self.pack: Pack | None = None
        self._busy = False
        self.setWindowTitle("Content packs")
        self.runner = TaskRunner(self, busy_cursor=False)
        self._build_signing(list(load_profile(store).clinicians), "fields from the main clinic")
        self.save_button.setText("&Import")
        self.save_button.setToolTip("Back up the store, then make every change listed, in one step")
        self.export_button = QPushButton("&Export our content…", self)
        self.export_button.setAutoDefault(False)
        self.export_button.setToolTip("Write the clinic's fields, its edits of therapy text and the therapies it "
                                      "added to a pack file (who is exporting: the Who field)")
        self.open_button = QPushButton("&Open a pack…", self)
        self.open_button.setAutoDefault(False)
        self.open_button.setToolTip("Read and check a pack; what it would change is listed here, nothing is written")
        self.plan_model = PlanModel(self)
        self.plan_view = QListView(self)
        self.plan_view.setModel(self.plan_model)
        self.plan_view.setAccessibleName("What the pack would change")
        self.plan_view.setWordWrap(True)
        self.pack_label = QLabel("No pack opened yet.", self)
        self.pack_label.setWordWrap(True)
        self._lay_out()
        self._connect_signing()
        self.export_button.clicked.connect(self._choose_export)
        self.open_button.clicked.connect(self._choose_pack)
        self._update_buttons()

    def _lay_out(self) -> None:
        actions = QHBoxLayout()
        actions.addWidget(self.export_button)
        actions.addWidget(self.open_button)
        actions.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(actions)
        layout.addWidget(self.pack_label)
        layout.addWidget(self._buddy("&Changes:", self.plan_view))
        layout.addWidget(self.plan_view, 1)
        layout.addLayout(self._who_why_row("W&hy:"))
        layout.addWidget(self._note(self, "An import backs the store up first and writes every change in one step, "
                                          "each kept with who and why. A pack never replaces a shipped therapy."))
        layout.addWidget(self.message_label)
        layout.addWidget(self.buttons)
        place(self, "content_packs", 720, 520)

    # -- export ------------------------------------------------------------------------------------
    def _choose_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export the clinic's content", "clinic-content.zip",
                                              "Content packs (*.zip)")
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> None:
        """Write the pack at ``path`` off the GUI thread (who is exporting: the Who field)."""
        from clinic_app.services.content_packs import export_pack

        if not self.who():
            self.show_message("Say who is exporting (Who) first.", error=True)
            return
        self._start_work()
        Operation(self, "Cannot export the clinic's content", export_pack, self.store, path, self.who(),
                  on_done=self._exported, on_failed=self._work_failed).run()

    def _exported(self, summary) -> None:  # noqa: ANN001 - content_packs.PackSummary
        self._busy = False
        text = (f"Exported to {summary.path}: {summary.fields} clinic field(s), the edited text of {summary.edited} "
                f"therapy(ies) and {summary.added} therapy(ies) the clinic added.")
        self.show_message(text)
        self._update_buttons()
        self.saved.emit(text)

    # -- import ------------------------------------------------------------------------------------
    def _choose_pack(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a content pack", "", "Content packs (*.zip)")
        if path:
            self.open_pack(Path(path))

    def open_pack(self, path: Path) -> None:
        """Read and check the pack at ``path`` off the GUI thread and list what it would change."""
        self.pack = None
        self.plan_model.set_items([])
        self.pack_label.setText(f"Checking {path}…")
        self._start_work()
        self.runner.run(_read_and_plan, self.store, path, on_done=self._planned, on_error=self._plan_failed)

    def _planned(self, found) -> None:  # noqa: ANN001 - (Pack, list[PlannedChange])
        pack, changes = found
        self._busy = False
        self.pack = pack if changes else None
        manifest = pack.manifest
        self.pack_label.setText(f"{pack.path}: exported {manifest.created_at} by {manifest.exported_by} "
                                f"(Clinic Reference {manifest.app_version}, library {manifest.library_version}).")
        self.plan_model.set_items([change_line(change) for change in changes])
        self.show_message(f"{len(changes)} change(s) would be made; nothing was changed yet." if changes
                          else "Nothing to import: this install already has everything in the pack.")
        self._update_buttons()

    def changes(self) -> list[str]:
        return list(self.plan_model.items())

    def save(self) -> None:
        """Import the opened pack (who and why required) off the GUI thread."""
        from clinic_app.services.content_packs import import_pack

        self._update_buttons()
        if not self.save_button.isEnabled() or self.pack is None:
            return
        self._start_work()
        Operation(self, "Cannot import the content pack", import_pack, self.store, self.store.location, self.pack,
                  self.who(), self.why(), changes={Change.CLINIC_FIELDS, Change.THERAPY_TEXT},
                  on_done=self._imported, on_failed=self._work_failed).run()

    def _imported(self, summary) -> None:  # noqa: ANN001 - content_packs.ImportSummary
        self._busy = False
        self.pack = None
        self.plan_model.set_items([])
        self.why_field.clear()
        where = f" The store was backed up first: {summary.backup}." if summary.backup else ""
        text = f"Imported {summary.changed} change(s) to {summary.therapies} therapy(ies).{where}"
        self.show_message(text)
        self._update_buttons()
        self.saved.emit(text)

    # -- state ---------------------------------------------------------------------------------------
    def _work_failed(self, error: BaseException) -> bool:
        self._busy = False
        self._update_buttons()
        if not isinstance(error, ClinicAppError):
            return False
        self.pack_label.setText("The pack was not imported.")
        self.show_message(error.message, error=True)
        return True

    def _plan_failed(self, error: BaseException) -> None:
        if not self._work_failed(error):
            raise error  # a bug: the application's error log and message take it

    def pending(self) -> bool:
        return self._busy

    def _update_buttons(self) -> None:
        signed = bool(self.who() and self.why())
        self.save_button.setEnabled(not self._busy and signed and self.pack is not None)
        self.save_button.setToolTip("Say who is importing and why" if self.pack is not None and not signed else "")
        for button in (self.export_button, self.open_button):
            button.setEnabled(not self._busy)


def _read_and_plan(store: Store, path: Path):  # noqa: ANN202 - (Pack, list[PlannedChange])
    from clinic_app.services.content_packs import plan_import, read_pack

    pack = read_pack(path, store)
    return pack, plan_import(store, pack)


def open_content_packs(parent: QWidget | None, store: Store) -> ContentPacksDialog:
    """Show the dialog (window-modal to ``parent``; deleted when closed)."""
    dialog = ContentPacksDialog(store, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.show()
    return dialog
