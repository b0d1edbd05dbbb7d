"""Handout jobs shared by the window and the command line: compose, render, record, write or print.

One path for every output, so a PDF from the CLI, the print button, the preview and a reprint all
come from the same composer, template and painter.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtGui import QImage
from PySide6.QtPrintSupport import QPrinter, QPrinterInfo

from clinic_app.errors import ClinicAppError, DatabaseError, NotFoundError
from clinic_app.printing.comparison_html import comparison_table_html
from clinic_app.printing.handout_html import render_handout_html
from clinic_app.printing.paged import (
    Printable,
    PrintError,
    ensure_gui_application,
    last_page_fill,
    paint,
    paint_pdf,
    pdf_in_place,
    print_to,
    printer_names,
    render_pages,
)
from clinic_app.services import comparison, handout_log, one_page
from clinic_app.services.handout_log import Logged
from clinic_app.services.handouts import Handout, HandoutDocument, HandoutRequest, compose_handout
from clinic_app.settings import shown
from clinic_app.storage.reader import Reader
from clinic_app.storage.store import Store
from clinic_app.storage.targets import target_problem

if TYPE_CHECKING:
    from clinic_app.services.handout_quality import Assessment


@dataclass(frozen=True)
class HandoutResult:
    record_id: int | None  # None: the log record is held in this room's outbox until the server is back
    pages: int
    sha256: str
    destination: str
    body_pt: int = 0
    alternatives: tuple[str, ...] = ()  # standard options printed beside unproven ones
    record_key: str = ""  # the log record's key (a consultation links a held record by it)

    @property
    def held(self) -> bool:
        return self.record_id is None

    @property
    def logged_as(self) -> str:
        """Where its log record is, after "logged": ``as #12``, or held in this room until the server is back."""
        if self.record_id is not None:
            return f"as #{self.record_id}"
        return f"in this room's outbox until the clinic's server is back (key {self.record_key})"


def printable(doc: HandoutDocument) -> Printable:
    margins = {} if doc.margin_mm is None else {"margin_mm": doc.margin_mm}
    return Printable(html=doc.filled_html(), header=doc.filled_header(), footer=doc.footer, body_pt=doc.body_pt,
                     paper=doc.paper, landscape=doc.landscape, logo=doc.logo, title=doc.title, **margins)


def build_document(reader: Reader, request: HandoutRequest) -> tuple[Handout, HandoutDocument]:
    """The handout and its document source (with the comparison grid when asked for, or the
    one-page option grid)."""
    if request.one_page:
        from clinic_app.printing import one_page as one_page_paper

        handout, doc = one_page_paper.build_document(reader, request)
        return handout, dated(doc, request)
    handout = compose_handout(reader, request)
    grid = ""
    if request.include_comparison:
        if len(handout.therapies) < 2:
            raise NotFoundError("the comparison grid needs at least two therapies; add another or leave the grid out")
        # The rows that matter to the patient (the doctor's choice, or the short set the one-page
        # grid uses): each option's own part below carries the rest.
        table = comparison.compare(reader, [t.slug for t in handout.therapies],
                                   request.comparison_rows or one_page.DEFAULT_ROWS, request.condition or None)
        # The log records the rows printed, the default set included.
        handout = replace(handout, request=replace(handout.request, comparison_rows=table.row_keys))
        # Short answers in the grid (whole sentences); each option's own part has the detail. A
        # handout page is portrait: past two options the question runs across the table, so each
        # option keeps a readable width.
        table = one_page.shortened(table, GRID_ANSWER_LIMIT, mark="")
        grid = comparison_table_html(table, 14 if request.large_print else 12, side_question_max=2, references=False,
                                     compact_heading=True)
    return handout, dated(fitted(handout, grid), request)


def dated(doc: HandoutDocument, request: HandoutRequest) -> HandoutDocument:
    """``doc`` with its title as the PDF names it: the title the patient reads and the handout's
    date, never the patient's name (a PDF's title travels in file lists and mail previews)."""
    return replace(doc, title=f"{doc.title} · {request.date.strftime('%d %B %Y').lstrip('0')}")


GRID_ANSWER_LIMIT = 130  # characters: an answer in a handout's grid is cut to the whole sentences that fit
NEAR_EMPTY = 0.5  # a last page less than half full is worth a tighter setting, if that saves the page


def fitted(handout: Handout, grid: str = "") -> HandoutDocument:
    """The handout's document; when its last page would hold only a few lines, the same text with
    less space between parts and the sources a point smaller, if that takes a page off. The type
    size of the text itself never changes."""
    doc = render_handout_html(handout, grid)
    pages, fill = last_page_fill(printable(doc))
    if pages > 1 and fill < NEAR_EMPTY:
        tight = render_handout_html(handout, grid, tight=True)
        if last_page_fill(printable(tight))[0] < pages:
            return tight
    return doc


# A handout is in the log before, or at the moment, it leaves the app. A PDF is painted into a
# temporary file beside its target, the record is committed, and only then does the file take its
# name: a failed record leaves no PDF, and a crash leaves a record without its PDF at worst, never
# a PDF that the log does not know. For a printer the record comes first: once paper may have come
# out, the log must already hold what was on it.


def _logged(record: Callable[[], Logged], not_made: str, left: str) -> Logged:
    """Make the log record; if the log cannot take it, say plainly that the handout was not made."""
    try:
        return record()
    except ClinicAppError as exc:
        kind = type(exc) if isinstance(exc, DatabaseError) else DatabaseError
        reason = exc.message.rstrip(".")
        raise kind(f"{not_made}, because it could not be recorded in the handout log: {reason}. {left}",
                   exc.detail) from exc


def _pdf_logged(path: Path, paint_into: Callable[[Path], int], record: Callable[[], Logged]) -> tuple[int, Logged]:
    """Paint the PDF into a temporary file beside ``path`` (``paint_into``), make the record, then
    give the file its name; returns (pages, the record)."""
    existed = path.is_file()
    logged = None
    try:
        with pdf_in_place(path) as tmp:
            pages = paint_into(tmp)
            if tmp.stat().st_size == 0:  # refused before anything is recorded
                raise PrintError(f"cannot write {shown(path)}: the PDF was not produced (is the disk full?)")
            left = f"No PDF was written to {path}" + ("; the file already there was left as it was." if existed else ".")
            logged = _logged(record, "The handout was not saved", left)
    except PrintError as exc:
        if logged is None:
            raise
        raise PrintError(f"The handout was recorded in the handout log as {logged.said()}, but the PDF could not be "
                         f"put in place: {exc.message}. Make it again from the handout log "
                         f"(clinic-app handout reprint {logged.id or 'ID'} -o FILE.pdf).") from exc
    return pages, logged


def _printed_logged(printer: str, send: Callable[[], int], record: Callable[[], Logged]) -> tuple[int, Logged]:
    """Make the record, then send the pages to ``printer``; returns (pages, the record)."""
    where = f"the printer {printer}" if printer else "the printer"
    logged = _logged(record, "The handout was not printed", f"Nothing was sent to {where}.")
    try:
        return send(), logged
    except Exception as exc:
        reason = exc.message if isinstance(exc, ClinicAppError) else (getattr(exc, "strerror", None) or str(exc))
        again = f"clinic-app handout reprint {logged.id or 'ID'} --printer {shlex.quote(printer) if printer else 'NAME'}"
        raise PrintError(f"The handout was recorded in the handout log as {logged.said()}, but printing on {where} "
                         f"failed: {reason}. Part of it or none of it may have come out; print it again from the "
                         f"handout log ({again}).") from exc


def _known_printer(name: str) -> None:
    """Refuse a printer that is not set up before anything is logged (print_to would refuse it after)."""
    ensure_gui_application()
    if QPrinterInfo.printerInfo(name).isNull():
        names = printer_names()
        known = ", ".join(names) if names else "none are set up on this computer"
        raise PrintError(f"no printer named {name!r}; available printers: {known}")


def _deliver(doc: HandoutDocument, output: Path | None, printer: str | None,
             record: Callable[[str, str], Logged]) -> tuple[int, str, str, Logged]:
    """Print ``doc`` or write it as a PDF, logged by ``record(kind, destination)`` as described
    above; returns (pages, kind, destination, record id)."""
    item = printable(doc)
    if printer:
        _known_printer(printer)
        pages, logged = _printed_logged(printer, lambda: print_to(item, printer, title=doc.title),
                                        lambda: record("printer", printer))
        return pages, "printer", printer, logged
    path = Path(output)
    problem = target_problem(path)  # before resolve(): a loop of links or a name too long stops here, said
    if problem:
        raise PrintError(f"cannot write {shown(path)}: {problem}")
    destination = str(path.resolve())
    pages, logged = _pdf_logged(path, lambda tmp: paint_pdf(item, tmp, doc.title or path.stem),
                                lambda: record("pdf", destination))
    return pages, "pdf", destination, logged


def _result(handout: Handout, doc: HandoutDocument, pages: int, destination: str, logged: Logged) -> HandoutResult:
    return HandoutResult(record_id=logged.id, pages=pages, sha256=doc.sha256, destination=destination,
                         body_pt=doc.body_pt, alternatives=tuple(a.slug for a in handout.alternatives),
                         record_key=logged.key)


def _recorder(store: Store, handout: Handout, doc: HandoutDocument) -> Callable[[str, str], Logged]:
    def record(kind: str, destination: str) -> Logged:  # the patient's name kept as the clinic's profile says
        return handout_log.log(store, handout, doc, kind=kind, destination=destination, keep_patient_name=None)

    return record


def produce(store: Store, request: HandoutRequest, output: Path | None = None,
            printer: str | None = None) -> HandoutResult:
    """Write the handout to ``output`` (PDF) or send it to the named ``printer``, logged first:
    the PDF takes its name only once its record is committed; a printer gets it after the record."""
    handout, doc = build_document(store, request)
    pages, _, destination, logged = _deliver(doc, output, printer, _recorder(store, handout, doc))
    return _result(handout, doc, pages, destination, logged)


def print_on(store: Store, request: HandoutRequest, printer: QPrinter) -> HandoutResult:
    """Paint the handout on a printer the user set up in a print dialog, logged first (a PDF file
    chosen there is written as :func:`produce` writes one)."""
    handout, doc = build_document(store, request)
    record = _recorder(store, handout, doc)
    item = printable(doc)
    file = printer.outputFileName() if printer.outputFormat() == QPrinter.OutputFormat.PdfFormat else ""
    if file:
        def paint_into(tmp: Path) -> int:
            printer.setOutputFileName(str(tmp))
            try:
                return paint(item, printer)
            finally:
                printer.setOutputFileName(file)

        pages, logged = _pdf_logged(Path(file), paint_into, lambda: record("pdf", file))
        return _result(handout, doc, pages, file, logged)
    name = printer.printerName()
    pages, logged = _printed_logged(name, lambda: paint(item, printer), lambda: record("printer", name))
    return _result(handout, doc, pages, name, logged)


def reprint(store: Store, print_id: int, output: Path | None = None,
            printer: str | None = None) -> HandoutResult:
    """Print the stored document of record ``print_id`` again, hash-checked and marked as a reprint,
    logged as its own record first (as :func:`produce` does)."""
    item = handout_log.get_print(store, print_id)
    original = handout_log.load_snapshot(store, print_id)

    def record(kind: str, destination: str) -> Logged:
        return handout_log.log_reprint(store, item, original, kind=kind, destination=destination)

    pages, _, destination, logged = _deliver(handout_log.as_reprint(original, item), output, printer, record)
    return HandoutResult(record_id=logged.id, pages=pages, sha256=original.sha256, destination=destination,
                         record_key=logged.key)


@dataclass(frozen=True)
class Preview:
    """What the builder shows for a request: the pages as pictures, the reading check (a full
    handout only), and the document itself for the full preview."""

    request: HandoutRequest
    doc: HandoutDocument
    pages: tuple[QImage, ...]
    assessment: Assessment | None


def preview(reader: Reader, request: HandoutRequest, dpi: float) -> Preview:
    """Compose the handout once, lay it out as for paper and draw its pages ``dpi`` dots per inch;
    runs on a worker, so the builder's window only paints the result."""
    from clinic_app.services.handout_quality import assess

    handout, doc = build_document(reader, request)
    pages = tuple(render_pages(printable(doc), dpi))
    return Preview(request=request, doc=doc, pages=pages, assessment=None if request.one_page else assess(handout))
