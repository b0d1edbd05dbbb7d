"""A comparison on paper: the same painter as handouts (:mod:`.paged`), with each comparison row
kept on one page.

QTextDocument splits a table row or a paragraph across a page break wherever it falls. Before
painting, the document is laid out for the printer in hand; an anchored row or paragraph that
would straddle a page boundary gets a page break before it (a row starts a new table with the
heading row again), and the layout is repeated until nothing straddles. A block taller than most
of a page is left to split. QtGui and QtPrintSupport only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QRectF
from PySide6.QtGui import QTextCursor, QTextDocument
from PySide6.QtPrintSupport import QPrinter

from clinic_app.printing import paged
from clinic_app.printing.comparison_html import ROW_ANCHOR, ComparisonDocument, ComparisonPrint

KEEP_ANCHOR = "keep-"


def printable(doc: ComparisonDocument) -> paged.Printable:
    return paged.Printable(html=doc.html, header=doc.header, footer=doc.footer, body_pt=doc.body_pt,
                           paper=doc.paper, landscape=doc.landscape, logo=doc.logo)


@dataclass(frozen=True)
class Span:
    """Where an anchored block (a comparison row, or a paragraph anchored ``keep-...``) lies."""

    anchor: str
    top: float
    bottom: float
    movable: bool  # False for the first row of a table: a break there would leave its heading alone


def _body(printer: QPrinter) -> QRectF:
    dpi = printer.resolution()
    mm = dpi / 25.4
    page = printer.pageLayout().fullRectPixels(dpi)
    margin = paged.MARGIN_MM * mm
    return QRectF(margin, margin, page.width() - 2 * margin, page.height() - 2 * margin)


def _anchors(block, prefix: str) -> str | None:  # noqa: ANN001 - QTextBlock
    fragments = block.begin()
    while not fragments.atEnd():
        for name in fragments.fragment().charFormat().anchorNames():
            if name.startswith(prefix):
                return name
        fragments += 1
    return None


def _row_anchor(table, row: int) -> str | None:  # noqa: ANN001 - QTextTable
    """The ``row-KEY`` anchor in the first cell of a table row, if there is one."""
    cell = table.cellAt(row, 0)
    block, last = cell.firstCursorPosition().block(), cell.lastCursorPosition().block()
    while block.isValid():
        found = _anchors(block, ROW_ANCHOR)
        if found or block == last:
            return found
        block = block.next()
    return None


def _table_spans(table, layout) -> list[Span]:  # noqa: ANN001
    """Comparison rows (one or two table rows under one anchor) in one table."""
    spans: list[Span] = []
    current: list | None = None
    for row in range(table.rows()):
        anchor = _row_anchor(table, row)
        cells = [table.cellAt(row, c) for c in range(table.columns())]
        top = min(layout.blockBoundingRect(c.firstCursorPosition().block()).top() for c in cells)
        bottom = max(layout.blockBoundingRect(c.lastCursorPosition().block()).bottom() for c in cells)
        if anchor is not None:
            if current is not None:
                spans.append(Span(*current))
            movable = current is not None  # the table's first row stays with its heading row
            current = [anchor, top, bottom, movable]
        elif current is not None:
            current[2] = max(current[2], bottom)
    if current is not None:
        spans.append(Span(*current))
    return spans


def spans(document: QTextDocument) -> list[Span]:
    """Every anchored row and ``keep-`` paragraph of the document, in order."""
    layout = document.documentLayout()
    found: list[Span] = []
    for frame in document.rootFrame().childFrames():
        if hasattr(frame, "cellAt"):
            found += _table_spans(frame, layout)
    block = document.begin()
    while block.isValid():
        anchor = _anchors(block, KEEP_ANCHOR)
        if anchor:
            table = QTextCursor(block).currentTable()  # a one-row table is kept whole
            rect = layout.frameBoundingRect(table) if table is not None else layout.blockBoundingRect(block)
            found.append(Span(anchor, rect.top(), rect.bottom(), True))
        block = block.next()
    return sorted(found, key=lambda span: span.top)


def _straddler(found: list[Span], page_height: float, breaks: set[str]) -> str | None:
    """The first block, not already after a break, that starts on one page and ends on the next."""
    for span in found:
        if span.anchor in breaks or not span.movable:
            continue
        if int(span.top // page_height) != int((span.bottom - 1) // page_height):
            if span.bottom - span.top < page_height * 0.8:
                return span.anchor
    return None


def fitted(job: ComparisonPrint, printer: QPrinter) -> ComparisonDocument:
    """The document for ``printer`` with page breaks so that no comparison row is split."""
    paged.ensure_gui_application()
    body = _body(printer)
    breaks: set[str] = set()
    anchors = len(job.matrix.rows) + len(job.matrix.all_cited_references()) + 2  # each pass adds one break
    for _ in range(anchors + 1):
        doc = job.document(frozenset(breaks))
        laid_out = paged._document(printable(doc), printer, body)  # the painter's own layout
        anchor = _straddler(spans(laid_out), body.height(), breaks)
        if anchor is None:
            return doc
        breaks.add(anchor)
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
