"""A comparison on paper: the same painter as handouts (:mod:`.paged`), with each comparison row
kept on one page.

QTextDocument splits a table row across a page break wherever it falls. Before painting, the
document is laid out for the printer in hand; a row that would straddle a page boundary gets a
page break before it (a new table with the heading row again), and the layout is repeated until
no row straddles. A row taller than a whole page is left to split. QtGui and QtPrintSupport only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QRectF
from PySide6.QtGui import QTextDocument
from PySide6.QtPrintSupport import QPrinter

from clinic_app.printing import paged
from clinic_app.printing.comparison_html import ComparisonDocument, ComparisonPrint

ANCHOR_PREFIX = "row-"


def printable(doc: ComparisonDocument) -> paged.Printable:
    return paged.Printable(html=doc.html, header=doc.header, footer=doc.footer, body_pt=doc.body_pt,
                           paper=doc.paper, landscape=doc.landscape, logo=doc.logo)


@dataclass(frozen=True)
class RowSpan:
    key: str
    top: float
    bottom: float
    first_in_table: bool


def _body(printer: QPrinter) -> QRectF:
    dpi = printer.resolution()
    mm = dpi / 25.4
    page = printer.pageLayout().fullRectPixels(dpi)
    margin = paged.MARGIN_MM * mm
    return QRectF(margin, margin, page.width() - 2 * margin, page.height() - 2 * margin)


def _anchor(table, row: int) -> str | None:  # noqa: ANN001 - QTextTable
    """The ``row-KEY`` anchor in the first cell of a table row, if there is one."""
    cell = table.cellAt(row, 0)
    block, last = cell.firstCursorPosition().block(), cell.lastCursorPosition().block()
    while block.isValid():
        fragments = block.begin()
        while not fragments.atEnd():
            for name in fragments.fragment().charFormat().anchorNames():
                if name.startswith(ANCHOR_PREFIX):
                    return name[len(ANCHOR_PREFIX):]
            fragments += 1
        if block == last:
            break
        block = block.next()
    return None


def row_spans(document: QTextDocument) -> list[RowSpan]:
    """Where each comparison row (one or two table rows under one anchor) sits in the layout."""
    layout = document.documentLayout()
    spans: list[RowSpan] = []
    for frame in document.rootFrame().childFrames():
        if not hasattr(frame, "cellAt"):
            continue
        current: tuple[str, float, float] | None = None
        first = True
        for row in range(frame.rows()):
            key = _anchor(frame, row)
            top = min(layout.blockBoundingRect(frame.cellAt(row, c).firstCursorPosition().block()).top()
                      for c in range(frame.columns()))
            bottom = max(layout.blockBoundingRect(frame.cellAt(row, c).lastCursorPosition().block()).bottom()
                         for c in range(frame.columns()))
            if key is not None:
                if current is not None:
                    spans.append(RowSpan(current[0], current[1], current[2], first))
                    first = False
                current = (key, top, bottom)
            elif current is not None:
                current = (current[0], current[1], max(current[2], bottom))
        if current is not None:
            spans.append(RowSpan(current[0], current[1], current[2], first))
    return spans


def _straddler(spans: list[RowSpan], page_height: float, breaks: set[str]) -> str | None:
    """The first row, not already after a break, that starts on one page and ends on the next."""
    for span in spans:
        if span.key in breaks or span.first_in_table:
            continue
        if int(span.top // page_height) != int((span.bottom - 1) // page_height):
            if span.bottom - span.top < page_height * 0.8:
                return span.key
    return None


def fitted(job: ComparisonPrint, printer: QPrinter) -> ComparisonDocument:
    """The document for ``printer`` with page breaks so that no comparison row is split."""
    paged.ensure_gui_application()
    body = _body(printer)
    breaks: set[str] = set()
    for _ in range(len(job.matrix.rows) + 1):
        doc = job.document(frozenset(breaks))
        laid_out = paged._document(printable(doc), printer, body)  # the painter's own layout
        key = _straddler(row_spans(laid_out), body.height(), breaks)
        if key is None:
            return doc
        breaks.add(key)
    return job.document(frozenset(breaks))


def configure(job: ComparisonPrint, printer: QPrinter) -> None:
    """Paper size and orientation of ``job`` on ``printer`` (before a print or preview dialog)."""
    paged.configure(printer, printable(job.document()))


def paint(job: ComparisonPrint, printer: QPrinter) -> int:
    """Paint on a configured printer (print dialog, preview); returns the page count."""
    return paged.paint(printable(fitted(job, printer)), printer)


def write_pdf(job: ComparisonPrint, path: Path) -> int:
    """Write the PDF through a temporary file in the target folder; no partial file is left."""
    paged.ensure_gui_application()
    probe = QPrinter(QPrinter.PrinterMode.HighResolution)
    probe.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    configure(job, probe)
    doc = fitted(job, probe)
    return paged.write_pdf(printable(doc), Path(path), title=doc.title)
