"""Handout jobs shared by the window and the command line: compose, render, write or print, record.

One path for every output, so a PDF from the CLI, the print button, the preview and a reprint all
come from the same composer, template and painter.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtGui import QImage
from PySide6.QtPrintSupport import QPrinter

from clinic_app.errors import NotFoundError
from clinic_app.printing.comparison_html import comparison_table_html
from clinic_app.printing.handout_html import render_handout_html
from clinic_app.printing.paged import Printable, last_page_fill, paint, print_to, render_pages, write_pdf
from clinic_app.services import comparison, handout_log, one_page
from clinic_app.services.handouts import Handout, HandoutDocument, HandoutRequest, compose_handout
from clinic_app.storage.reader import Reader
from clinic_app.storage.store import Store

if TYPE_CHECKING:
    from clinic_app.services.handout_quality import Assessment


@dataclass(frozen=True)
class HandoutResult:
    record_id: int
    pages: int
    sha256: str
    destination: str
    body_pt: int = 0
    alternatives: tuple[str, ...] = ()  # standard options printed beside unproven ones


def printable(doc: HandoutDocument) -> Printable:
    margins = {} if doc.margin_mm is None else {"margin_mm": doc.margin_mm}
    return Printable(html=doc.filled_html(), header=doc.filled_header(), footer=doc.footer, body_pt=doc.body_pt,
                     paper=doc.paper, landscape=doc.landscape, logo=doc.logo, **margins)


def build_document(reader: Reader, request: HandoutRequest) -> tuple[Handout, HandoutDocument]:
    """The handout and its document source (with the comparison grid when asked for, or the
    one-page option grid)."""
    if request.one_page:
        from clinic_app.printing import one_page as one_page_paper

        return one_page_paper.build_document(reader, request)
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
    return handout, fitted(handout, grid)


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


def _send(doc: HandoutDocument, output: Path | None, printer: str | None) -> tuple[int, str, str]:
    """Print ``doc`` or write it as a PDF; returns (pages, kind, destination) for the log."""
    if printer:
        return print_to(printable(doc), printer, title=doc.title), "printer", printer
    return write_pdf(printable(doc), output, title=doc.title), "pdf", str(Path(output).resolve())


def _record(store: Store, handout: Handout, doc: HandoutDocument, pages: int, kind: str,
            destination: str) -> HandoutResult:
    record_id = handout_log.record(store, handout, doc, kind=kind, destination=destination,
                                   keep_patient_name=handout_log.keeps_patient_names(store))
    return HandoutResult(record_id=record_id, pages=pages, sha256=doc.sha256, destination=destination,
                         body_pt=doc.body_pt, alternatives=tuple(a.slug for a in handout.alternatives))


def produce(store: Store, request: HandoutRequest, output: Path | None = None,
            printer: str | None = None) -> HandoutResult:
    """Write the handout to ``output`` (PDF) or send it to the named ``printer``, then record it."""
    handout, doc = build_document(store, request)
    pages, kind, destination = _send(doc, output, printer)
    return _record(store, handout, doc, pages, kind, destination)


def print_on(store: Store, request: HandoutRequest, printer: QPrinter) -> HandoutResult:
    """Paint the handout on a printer the user set up in a print dialog, then record it."""
    handout, doc = build_document(store, request)
    pages = paint(printable(doc), printer)
    to_file = printer.outputFormat() == QPrinter.OutputFormat.PdfFormat and printer.outputFileName()
    kind, destination = ("pdf", printer.outputFileName()) if to_file else ("printer", printer.printerName())
    return _record(store, handout, doc, pages, kind, destination)


def reprint(store: Store, print_id: int, output: Path | None = None,
            printer: str | None = None) -> HandoutResult:
    """Print the stored document of record ``print_id`` again, hash-checked and marked as a reprint."""
    item = handout_log.get_print(store, print_id)
    original = handout_log.load_snapshot(store, print_id)
    pages, kind, destination = _send(handout_log.as_reprint(original, item), output, printer)
    record_id = handout_log.record_reprint(store, item, original, kind=kind, destination=destination)
    return HandoutResult(record_id=record_id, pages=pages, sha256=original.sha256, destination=destination)


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
