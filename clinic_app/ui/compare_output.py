"""Print, preview and export of the compare view, plus its background writes.

Everything here reads the view's shown matrix, so paper and files match the screen. One QPrinter
is kept for the view's life (the printer and paper chosen last time stay chosen).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject
from PySide6.QtPrintSupport import QPrinter

from clinic_app.errors import ClinicAppError
from clinic_app.services.comparison import file_stem
from clinic_app.ui import messages
from clinic_app.ui.compare_dialogs import PreviewDialog, PrintDialog, SaveFileDialog

if TYPE_CHECKING:
    from clinic_app.printing.comparison_html import ComparisonPrint
    from clinic_app.ui.compare_view import CompareView

TEXT_FORMATS = {"csv": ("Save as CSV", "CSV spreadsheet (*.csv)", ".csv"),
                "md": ("Save as Markdown", "Markdown text (*.md)", ".md")}


class CompareOutput(QObject):
    def __init__(self, view: CompareView) -> None:
        super().__init__(view)
        self._view = view
        self._printer: QPrinter | None = None
        self._tasks = None
        self._running = 0
        self._folder = Path.home()

    @property
    def busy(self) -> bool:
        return self._running > 0

    # -- background work ---------------------------------------------------------------------
    def run(self, function: Callable[..., Any], *args: Any, done: Callable[[Any], Any], title: str) -> None:
        """Run ``function(*args)`` off the GUI thread; ``done(result)`` or an error dialog follows."""
        from clinic_app.ui.tasks import TaskRunner

        if self._tasks is None:
            self._tasks = TaskRunner(self)
        self._running += 1
        self._view.update_enabled()

        def finished() -> None:
            self._running -= 1
            self._view.update_enabled()

        def on_done(result: Any) -> None:
            finished()
            done(result)

        def on_error(exc: BaseException) -> None:
            finished()
            if not isinstance(exc, ClinicAppError):
                raise exc
            messages.show_error(self._view, title, exc.message, exc.detail)

        self._tasks.run(function, *args, on_done=on_done, on_error=on_error)

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
        from clinic_app.printing import comparison_paper

        job = self.job()
        if job is None:
            return
        printer = self.printer(job)
        if not PrintDialog.ask(self._view, printer):
            return
        try:
            pages = comparison_paper.paint(job, printer)
        except ClinicAppError as exc:
            messages.show_error(self._view, "Cannot print", exc.message, exc.detail)
            return
        self._view.show_note(f"Sent {pages} page{'s' if pages != 1 else ''} to {printer.printerName() or 'the printer'}.")

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
        from clinic_app.printing import comparison_paper

        job = self.job()
        if job is None:
            return None
        path = self._ask_path("Save comparison as PDF", "PDF file (*.pdf)", ".pdf")
        if path is None:
            return None
        try:
            pages = comparison_paper.write_pdf(job, path)
        except ClinicAppError as exc:
            messages.show_error(self._view, "Cannot save the PDF", exc.message, exc.detail)
            return None
        self._view.show_note(f"Saved {path.name} ({pages} page{'s' if pages != 1 else ''}) in {path.parent}.")
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
        try:
            write_text(path, export_text(self._view.store, matrix, fmt))
        except ClinicAppError as exc:
            messages.show_error(self._view, "Cannot save the file", exc.message, exc.detail)
            return None
        self._view.show_note(f"Saved {path.name} in {path.parent}.")
        return path
