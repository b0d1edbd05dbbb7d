"""Print, preview and export of the compare view, plus its background writes.

Everything here reads the view's shown matrix, so paper and files match the screen. One QPrinter
is kept for the view's life (the printer and paper chosen last time stay chosen).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject
from PySide6.QtPrintSupport import QPrinter

from clinic_app.services.comparison import file_stem
from clinic_app.ui.dialogs import PreviewDialog, PrintDialog, SaveFileDialog
from clinic_app.ui.operations import Change, Operation

if TYPE_CHECKING:
    from clinic_app.printing.comparison_html import ComparisonPrint
    from clinic_app.ui.compare.compare_view import CompareView

TEXT_FORMATS = {"csv": ("Save as CSV", "CSV spreadsheet (*.csv)", ".csv"),
                "md": ("Save as Markdown", "Markdown text (*.md)", ".md")}


class CompareOutput(QObject):
    def __init__(self, view: CompareView) -> None:
        super().__init__(view)
        self._view = view
        self._printer: QPrinter | None = None
        self._running = 0
        self._folder = Path.home()

    @property
    def busy(self) -> bool:
        return self._running > 0

    # -- background work ---------------------------------------------------------------------
    def run(self, function: Callable[..., Any], *args: Any, done: Callable[[Any], Any], title: str,
            changes: Collection[Change] = ()) -> None:
        """Run ``function(*args)`` off the GUI thread as an operation; ``done(result)`` or an error
        box titled ``title`` follows. The view's buttons wait while it runs."""
        self._running += 1
        self._view.update_enabled()

        def finished() -> None:
            self._running -= 1
            self._view.update_enabled()

        def on_done(result: Any) -> None:
            finished()
            done(result)

        Operation(self._view, title, function, *args, changes=changes, on_done=on_done,
                  on_failed=lambda _error: finished()).run()

    # -- paper -------------------------------------------------------------------------------
    def job(self) -> ComparisonPrint | None:
        from clinic_app.printing.comparison_jobs import print_job

        matrix = self._view.shown_matrix()
        if matrix is None or not matrix.rows:
            return None
        return print_job(self._view.store, matrix, self._view.paper())

    def printer(self, job: ComparisonPrint) -> QPrinter:
        from clinic_app.printing import comparison_paper

        if self._printer is None:
            self._printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        comparison_paper.configure(job, self._printer)
        return self._printer

    def preview(self) -> None:
        from clinic_app.printing import comparison_paper

        job = self.job()
        if job is None:
            return
        PreviewDialog.ask(self._view, self.printer(job), lambda printer: comparison_paper.paint(job, printer))

    def print(self) -> None:
        """Lay out and print off the GUI thread (Qt paints on a printer from any thread)."""
        from clinic_app.printing import comparison_paper

        job = self.job()
        if job is None:
            return
        printer = self.printer(job)
        if not PrintDialog.ask(self._view, printer):
            return

        def sent(pages: int) -> None:
            self._view.show_note(f"Sent {pages} page{'s' if pages != 1 else ''} to "
                                 f"{printer.printerName() or 'the printer'}.")

        self.run(comparison_paper.paint, job, printer, done=sent, title="Cannot print")

    def _ask_path(self, caption: str, file_filter: str, suffix: str) -> Path | None:
        matrix = self._view.shown_matrix()
        suggested = self._folder / f"{file_stem(matrix)}{suffix}"
        path = SaveFileDialog.ask(self._view, caption, suggested, file_filter)
        if path is None:
            return None
        if not path.suffix:
            path = path.with_suffix(suffix)
        self._folder = path.parent
        return path

    def save_pdf(self) -> Path | None:
        """Ask where, then lay out and write the PDF off the GUI thread."""
        from clinic_app.printing import comparison_paper

        job = self.job()
        if job is None:
            return None
        path = self._ask_path("Save comparison as PDF", "PDF file (*.pdf)", ".pdf")
        if path is None:
            return None

        def saved(pages: int) -> None:
            self._view.show_note(f"Saved {path.name} ({pages} page{'s' if pages != 1 else ''}) in {path.parent}.")

        self.run(comparison_paper.write_pdf, job, path, done=saved, title="Cannot save the PDF")
        return path

    def save_text(self, fmt: str) -> Path | None:
        from clinic_app.printing.comparison_jobs import export_text, write_text

        matrix = self._view.shown_matrix()
        if matrix is None or not matrix.rows:
            return None
        caption, file_filter, suffix = TEXT_FORMATS[fmt]
        path = self._ask_path(caption, file_filter, suffix)
        if path is None:
            return None
        self.run(write_text, path, export_text(self._view.store, matrix, fmt),
                 done=lambda _: self._view.show_note(f"Saved {path.name} in {path.parent}."),
                 title="Cannot save the file")
        return path
