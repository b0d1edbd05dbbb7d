"""A comparison on paper: the same painter as handouts (:mod:`.paged`), with each comparison row
kept on one page.

QTextDocument splits a table row or a paragraph across a page break wherever it falls. Before
painting, the document is laid out for the printer in hand; an anchored row or paragraph that
would straddle a page boundary gets a page break before it (a row starts a new table with the
heading row again), and the layout is repeated until nothing straddles. A block taller than most
of a page is left to split. QtGui and QtPrintSupport only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import QRectF
from PySide6.QtGui import QTextCursor, QTextDocument, QTextFormat
from PySide6.QtPrintSupport import QPrinter

from clinic_app.printing import paged
from clinic_app.printing.comparison_html import ROW_ANCHOR, ComparisonDocument, ComparisonPrint

KEEP_ANCHOR = "keep-"
KEEP_NEXT_ANCHOR = "keep-next-"  # a heading kept with what follows it
KEEP_NEXT_GRID = "keep-next-grid"
T = TypeVar("T")


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
    added: float = 0.0  # height a break adds besides the move itself (a table's heading row, repeated)
    barrier: bool = False  # a page break in the template itself; ``bottom`` is where the text before it ends


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


def _cell_blocks(document: QTextDocument, cell):  # noqa: ANN001, ANN202 - QTextTableCell
    """The first and last block of a cell (found by position: cursors are slow to make)."""
    return document.findBlock(cell.firstPosition()), document.findBlock(cell.lastPosition())


def _row_anchor(document: QTextDocument, table, row: int) -> str | None:  # noqa: ANN001 - QTextTable
    """The ``row-KEY`` anchor in the first cell of a table row, if there is one."""
    block, last = _cell_blocks(document, table.cellAt(row, 0))
    while block.isValid():
        found = _anchors(block, ROW_ANCHOR)
        if found or block == last:
            return found
        block = block.next()
    return None


def _table_spans(document: QTextDocument, table, layout) -> list[Span]:  # noqa: ANN001
    """Comparison rows (one or two table rows under one anchor) in one table. A row reaches from
    the top of its first cell to the top of the next row (the table's bottom for the last)."""
    rows = table.rows()
    anchors = [_row_anchor(document, table, row) for row in range(min(rows, 2))]
    if not any(anchors):
        return []  # no anchored row near the top: not a comparison table
    anchors += [_row_anchor(document, table, row) for row in range(2, rows)]
    tops = [layout.blockBoundingRect(_cell_blocks(document, table.cellAt(row, 0))[0]).top() for row in range(rows)]
    tops.append(layout.frameBoundingRect(table).bottom())
    spans: list[Span] = []
    starts = [row for row in range(rows) if anchors[row]]
    heading = tops[starts[0]] - tops[0]
    for index, row in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else rows
        movable = index > 0  # the table's first row stays with its heading row
        spans.append(Span(anchors[row], tops[row], tops[end], movable, heading))
    return spans


def _keep_next_bottom(block, layout, anchor: str) -> float:  # noqa: ANN001
    """Where a heading's company ends: the first two lines of the paragraph after it, or the
    whole table after it (a checklist or a box). The comparison grid's heading (``keep-next-grid``)
    stays with the grid's heading row and first comparison row."""
    following = block.next()
    if not following.isValid():
        return layout.blockBoundingRect(block).bottom()
    if anchor == KEEP_NEXT_GRID:
        while following.isValid() and QTextCursor(following).currentTable() is None:
            following = following.next()
        table = QTextCursor(following).currentTable() if following.isValid() else None
        rows = _table_spans(block.document(), table, layout) if table is not None else []
        return rows[0].bottom if rows else layout.blockBoundingRect(block).bottom()
    table = QTextCursor(following).currentTable()
    if table is not None:
        return layout.frameBoundingRect(table).bottom()
    lines = following.layout()
    rect = layout.blockBoundingRect(following)
    if lines.lineCount() == 0:
        return rect.bottom()
    return rect.top() + lines.lineAt(min(1, lines.lineCount() - 1)).rect().bottom()


def spans(document: QTextDocument) -> list[Span]:
    """Every anchored row, ``keep-`` paragraph and ``keep-next-`` heading of the document, in order."""
    layout = document.documentLayout()
    found: list[Span] = []
    for frame in document.rootFrame().childFrames():
        if hasattr(frame, "cellAt"):
            found += _table_spans(document, frame, layout)
    block = document.begin()
    while block.isValid():
        forced = block.blockFormat().pageBreakPolicy() & QTextFormat.PageBreakFlag.PageBreak_AlwaysBefore
        if forced and block.previous().isValid():
            top = layout.blockBoundingRect(block).top()
            found.append(Span("", top, layout.blockBoundingRect(block.previous()).bottom(), False, barrier=True))
        anchor = _anchors(block, KEEP_ANCHOR)
        if anchor:
            rect = layout.blockBoundingRect(block)
            table = QTextCursor(block).currentTable()  # a one-row table is kept whole
            if anchor.startswith(KEEP_NEXT_ANCHOR):
                rect.setBottom(_keep_next_bottom(block, layout, anchor))
            elif table is not None:
                rect = layout.frameBoundingRect(table)
            found.append(Span(anchor, rect.top(), rect.bottom(), True))
        block = block.next()
    return sorted(found, key=lambda span: span.top)


def _straddlers(found: list[Span], page_height: float, breaks: set[str]) -> list[str]:
    """The blocks, not already after a break, that start on one page and end on the next, taking
    into account that each break found moves everything after it down.

    A block that straddles a page in this layout has already been stretched by Qt, which pushes
    the lines that do not fit to the next page; positions after it no longer tell how the text
    would fall, so the search stops there and the next layout goes on from it."""
    def straddles(top: float, bottom: float) -> bool:
        return int(top // page_height) != int((bottom - slack) // page_height)

    shift = 0.0
    slack = page_height * 0.004  # about a millimetre: a box whose border just touches the margin fits
    chosen: list[str] = []
    for span in found:
        if span.barrier:  # the template's own page break takes up the shift, or part of it
            if shift:
                shift = (int((span.bottom + shift) // page_height) + 1) * page_height - span.top
            continue
        if span.anchor in breaks or not span.movable:
            if straddles(span.top, span.bottom) and span.bottom - span.top < page_height * 0.8:
                break
            continue
        if span.bottom - span.top >= page_height * 0.8:
            continue
        top, bottom = span.top + shift, span.bottom + shift
        if straddles(top, bottom):
            chosen.append(span.anchor)
            shift += (int(top // page_height) + 1) * page_height - top + span.added
        if straddles(span.top, span.bottom):
            break
    return chosen


def keep_rows_whole(make: Callable[[frozenset[str]], T], to_printable: Callable[[T], paged.Printable],
                    printer: QPrinter, passes: int) -> T:
    """``make(breaks)`` again with page breaks added until no anchored row straddles a page of
    ``printer``; each pass lays the document out once and adds every break it predicts."""
    paged.ensure_gui_application()
    body = _body(printer)
    breaks: set[str] = set()
    for _ in range(passes + 1):
        doc = make(frozenset(breaks))
        laid_out = paged._document(to_printable(doc), printer, body)  # the painter's own layout
        found = _straddlers(spans(laid_out), body.height(), breaks)
        if not found:
            return doc
        breaks.update(found)
    return make(frozenset(breaks))


def fitted(job: ComparisonPrint, printer: QPrinter) -> ComparisonDocument:
    """The document for ``printer`` with page breaks so that no comparison row is split."""
    passes = len(job.matrix.rows) + len(job.matrix.all_cited_references()) + 2
    return keep_rows_whole(job.document, printable, printer, passes)


def pdf_probe() -> QPrinter:
    """A high-resolution PDF printer to lay out on before the real file is written."""
    paged.ensure_gui_application()
    probe = QPrinter(QPrinter.PrinterMode.HighResolution)
    probe.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    return probe


def configure(job: ComparisonPrint, printer: QPrinter) -> None:
    """Paper size and orientation of ``job`` on ``printer`` (before a print or preview dialog)."""
    paged.configure(printer, printable(job.document()))


def paint(job: ComparisonPrint, printer: QPrinter) -> int:
    """Paint on a configured printer (print dialog, preview); returns the page count."""
    return paged.paint(printable(fitted(job, printer)), printer)


def write_pdf(job: ComparisonPrint, path: Path) -> int:
    """Write the PDF through a temporary file in the target folder; no partial file is left."""
    probe = pdf_probe()
    configure(job, probe)
    doc = fitted(job, probe)
    return paged.write_pdf(printable(doc), Path(path), title=doc.title)
