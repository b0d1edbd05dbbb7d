"""Where each page of a document begins and ends, decided by the app rather than by Qt.

The document is laid out once as one long page (as wide as the printed body). Then it is cut into
pages at places that split nothing badly:

- between lines of a paragraph, never leaving one or two lines alone at a page's foot or head;
- between table rows; a comparison row (a row anchored ``row-KEY`` and the rows up to the next
  anchor) is never split, and a table's heading row is repeated at the top of each page the table
  continues on;
- a block anchored ``keep-next-...`` (a heading) stays on the same page as what follows it;
- a forced page break in the document (``page-break-before``) starts a new page.

Painting then draws each page's slice of the one layout. One layout, no retries: what the
preview shows, the printer prints and the PDF holds are the same cuts of the same layout.
QtGui only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtGui import QTextBlock, QTextDocument, QTextFormat, QTextTable

ROW_ANCHOR = "row-"
KEEP_NEXT_ANCHOR = "keep-next-"
SHORT_BLOCK_LINES = 3  # a paragraph this short is never split (a longer one keeps two lines each side)
LONG_PAGE = 1.0e6  # the one long page (pixels); Qt lays text out in 26.6 fixed point, so keep it modest


@dataclass(frozen=True)
class Page:
    """A slice of the long layout: ``top`` to ``bottom``, with a table's heading row (its slice
    ``header``) drawn above it when the page continues a table."""

    top: float
    bottom: float
    header: tuple[float, float] | None = None

    @property
    def header_height(self) -> float:
        return self.header[1] - self.header[0] if self.header else 0.0


@dataclass
class _Unit:
    top: float
    bottom: float
    break_before: bool = False
    keep_next: bool = False
    header: tuple[float, float] | None = None  # the heading row to repeat when a page starts here
    parts: list[float] = field(default_factory=list)  # places inside where a too-tall unit may be cut


def _anchor(block: QTextBlock, prefix: str) -> str | None:
    fragments = block.begin()
    while not fragments.atEnd():
        for name in fragments.fragment().charFormat().anchorNames():
            if name.startswith(prefix):
                return name
        fragments += 1
    return None


def _forced(fmt: QTextFormat) -> bool:
    return bool(fmt.pageBreakPolicy() & QTextFormat.PageBreakFlag.PageBreak_AlwaysBefore)


def _block_units(block: QTextBlock, layout) -> list[_Unit]:  # noqa: ANN001 - QAbstractTextDocumentLayout
    rect = layout.blockBoundingRect(block)
    lines = block.layout()
    count = lines.lineCount()
    forced = _forced(block.blockFormat())
    keep = _anchor(block, KEEP_NEXT_ANCHOR) is not None
    if keep or count <= SHORT_BLOCK_LINES:
        return [_Unit(rect.top(), rect.bottom(), forced, keep,
                      parts=[rect.top() + lines.lineAt(i).y() for i in range(1, count)])]
    tops = [rect.top() + lines.lineAt(i).y() for i in range(count)] + [rect.bottom()]
    # The first two lines travel together, and so do the last two: no orphans, no widows.
    cuts = [0, *range(2, count - 1), count]
    units = [_Unit(tops[a], tops[b]) for a, b in zip(cuts, cuts[1:], strict=False)]
    units[0].break_before = forced
    return units


def _cell_span(document: QTextDocument, table: QTextTable, row: int, layout) -> tuple[float, float]:  # noqa: ANN001
    """Top of the row's highest cell text and bottom of its lowest."""
    top, bottom = float("inf"), float("-inf")
    for column in range(table.columns()):
        cell = table.cellAt(row, column)
        if cell.row() != row:  # a cell spanning down from an earlier row
            continue
        top = min(top, layout.blockBoundingRect(document.findBlock(cell.firstPosition())).top())
        bottom = max(bottom, layout.blockBoundingRect(document.findBlock(cell.lastPosition())).bottom())
    return top, bottom


def _row_anchor(document: QTextDocument, table: QTextTable, row: int) -> str | None:
    cell = table.cellAt(row, 0)
    block, last = document.findBlock(cell.firstPosition()), document.findBlock(cell.lastPosition())
    while block.isValid():
        found = _anchor(block, ROW_ANCHOR)
        if found or block == last:
            return found
        block = block.next()
    return None


def _table_units(document: QTextDocument, table: QTextTable, layout) -> list[_Unit]:  # noqa: ANN001
    frame = layout.frameBoundingRect(table)
    rows = table.rows()
    spans = [_cell_span(document, table, row, layout) for row in range(rows)]
    # A row ends three quarters of the way through the padding between its text and the next row's,
    # so the border line between them is printed under the upper row, closing its page. The
    # table's outer edges are as far from its text as that (Qt's frame rectangle for a table with
    # a heading row starts below the heading, so it is not used alone).
    inner = [spans[r][1] + 0.75 * (spans[r + 1][0] - spans[r][1]) for r in range(rows - 1)]  # border above
    # Padding and borders are CSS pixels, which Qt scales to the paint device (a printer's pixels are
    # far smaller); the outer border and the cells' own borders are drawn outside that padding.
    device = layout.paintDevice()
    px = device.logicalDpiY() / 96.0 if device is not None else 1.0
    fmt = table.format()
    outline = (fmt.cellPadding() + 2 * fmt.border() + fmt.cellSpacing()) * px
    gap = max(spans[1][0] - inner[0], outline) if rows > 1 else outline
    # Qt moves a table's frame rectangle down (without changing its height) when its first cell is
    # empty and aligned to the bottom, as the question column's heading cell is; undo that shift.
    shift = max(0.0, frame.top() - spans[0][0])
    edges = [min(frame.top(), spans[0][0] - gap), *inner, max(frame.bottom() - shift, spans[-1][1] + gap)]
    heading_rows = min(table.format().headerRowCount(), rows - 1)
    anchored = [_row_anchor(document, table, row) for row in range(rows)]
    starts = [r for r in range(heading_rows, rows) if anchored[r]] if any(anchored) else list(range(heading_rows, rows))
    if not starts or starts[0] != heading_rows:
        starts = [heading_rows, *[s for s in starts if s != heading_rows]]
    header = (edges[0], edges[heading_rows]) if heading_rows else None
    units = []
    for index, row in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else rows
        first = index == 0  # the heading row goes with the first row, never alone
        units.append(_Unit(edges[0] if first else edges[row], edges[end], header=None if first else header,
                           parts=[edges[r] for r in range(row + 1, end)]))
    units[0].break_before = _forced(table.format())
    return units


def units(document: QTextDocument) -> list[_Unit]:
    """Every unit of the laid-out ``document`` in reading order."""
    layout = document.documentLayout()
    found: list[_Unit] = []
    it = document.rootFrame().begin()
    while not it.atEnd():
        frame = it.currentFrame()
        if isinstance(frame, QTextTable):
            found += _table_units(document, frame, layout)
        elif frame is not None:
            rect = layout.frameBoundingRect(frame)
            found.append(_Unit(rect.top(), rect.bottom(), _forced(frame.format())))
        elif it.currentBlock().isValid() and it.currentBlock().length() > 1:
            # (an empty block holds nothing to print; Qt also adds one after each table, placed
            # inside the table's own rectangle, which would make a false edge)
            found += _block_units(it.currentBlock(), layout)
        it += 1
    return found


def _groups(found: list[_Unit]) -> list[_Unit]:
    """Chains of keep-with-next units merged into one."""
    groups: list[_Unit] = []
    carry: _Unit | None = None
    for unit in found:
        if carry is not None:
            carry = _Unit(carry.top, unit.bottom, carry.break_before, unit.keep_next, carry.header,
                          carry.parts + [unit.top] + unit.parts)
        else:
            carry = _Unit(unit.top, unit.bottom, unit.break_before, unit.keep_next, unit.header, list(unit.parts))
        if not carry.keep_next:
            groups.append(carry)
            carry = None
    if carry is not None:
        groups.append(carry)
    return groups


def paginate(document: QTextDocument, height: float) -> list[Page]:
    """The pages of ``document`` (laid out on one long page) for a body ``height`` tall."""
    groups = _groups(units(document))
    if not groups:
        return [Page(0.0, 0.0)]
    pages: list[Page] = []
    start, header, filled = min(0.0, groups[0].top), None, groups[0].top  # page one: from the very top

    def close(bottom: float) -> None:
        pages.append(Page(start, bottom, header))

    pad = height * 0.004  # about a millimetre above a unit, so a border drawn on its edge goes with it

    for group in groups:
        if group.break_before and filled > start:
            close(filled)
            start, header = group.top, None
        room = height - (header[1] - header[0] if header else 0.0)
        if group.bottom - start > room and filled > start:
            cut = min(group.top, start + room, max(filled, group.top - pad))  # in the space before this unit
            close(cut)
            start, header = cut, group.header
            room = height - (header[1] - header[0] if header else 0.0)
        while group.bottom - start > room:  # taller than a page: cut inside it, at a line or row if possible
            limit = start + room
            cut = max((p for p in group.parts if start < p <= limit), default=limit)
            close(cut)
            start = cut
        filled = group.bottom
    close(filled)
    return pages
