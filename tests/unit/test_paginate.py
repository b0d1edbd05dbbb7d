"""The paginator: where pages of a laid-out document are cut (QtGui, offscreen)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSizeF
from PySide6.QtGui import QTextDocument

from clinic_app.printing.paged import ensure_gui_application
from clinic_app.printing.paginate import LONG_PAGE, paginate, units

WIDTH, HEIGHT = 400.0, 300.0


def laid_out(html: str) -> QTextDocument:
    ensure_gui_application()
    doc = QTextDocument()
    doc.setDocumentMargin(0)
    doc.setHtml(html)
    doc.setPageSize(QSizeF(WIDTH, LONG_PAGE))
    return doc


def where(doc: QTextDocument, text: str) -> tuple[float, float]:
    block = doc.find(text).block()
    rect = doc.documentLayout().blockBoundingRect(block)
    return rect.top(), rect.bottom()


def page_of(pages, top: float, bottom: float) -> int:
    hits = [i for i, p in enumerate(pages) if p.top - 0.5 <= top and bottom <= p.bottom + 0.5]
    assert hits, f"{top}-{bottom} is split across pages {pages}"
    return hits[0]


@pytest.mark.parametrize("filler", range(0, 14))
def test_a_heading_never_ends_a_page(filler):
    body = "".join(f"<p>Line {i} of filler text.</p>" for i in range(filler))
    html = (body + '<p><a name="keep-next-h">&#8203;</a><b>Heading</b></p>'
            + "<p>" + "Words under the heading. " * 40 + "</p>")
    doc = laid_out(html)
    pages = paginate(doc, HEIGHT)
    heading = where(doc, "Heading")
    first_line = doc.find("Words under").block()
    line_top = doc.documentLayout().blockBoundingRect(first_line).top()
    assert page_of(pages, *heading) == page_of(pages, line_top, line_top + 1)
    assert all(p.bottom - p.top <= HEIGHT + 0.5 for p in pages)


def test_table_rows_stay_whole_and_the_heading_row_repeats():
    rows = "".join(f'<tr><td><a name="row-{i}">&#8203;</a>Row {i}</td><td>' + "answer text " * (16 + 4 * (i % 5))
                   + "</td></tr>" for i in range(14))
    doc = laid_out(f"<table border='1' width='100%'><thead><tr><th>Q</th><th>A</th></tr></thead>{rows}</table>")
    pages = paginate(doc, HEIGHT)
    assert len(pages) > 2
    table_units = units(doc)
    for unit in table_units:
        page_of(pages, unit.top + 1, unit.bottom - 1)  # each comparison row on one page
    assert pages[0].header is None and all(p.header is not None for p in pages[1:])
    assert all(p.bottom - p.top + p.header_height <= HEIGHT + 0.5 for p in pages)


def test_a_forced_break_starts_a_new_page_and_an_oversized_block_is_cut():
    html = ("<p>Short first page.</p><p style='page-break-before: always'>Second page starts here.</p>"
            + "<table border='1'><tr><td>" + "<br>".join(f"tall cell line {i}" for i in range(80)) + "</td></tr></table>")
    doc = laid_out(html)
    pages = paginate(doc, HEIGHT)
    assert page_of(pages, *where(doc, "Short first")) == 0
    assert page_of(pages, *where(doc, "Second page")) == 1
    assert len(pages) >= 4 and all(p.bottom - p.top <= HEIGHT + 0.5 for p in pages)


def test_a_box_moved_to_the_next_page_leaves_no_sliver_of_its_border():
    """At a printer's resolution a box's padding and border are many pixels tall: a page cut above a
    boxed table must clear all of it, or the next page's box leaves a coloured line at this foot."""
    from PySide6.QtCore import QRectF, Qt
    from PySide6.QtGui import QColor, QImage, QPainter

    ensure_gui_application()
    image = QImage(10, 10, QImage.Format.Format_RGB32)
    image.setDotsPerMeterX(47244)  # 1200 dpi, as the printer is set up
    image.setDotsPerMeterY(47244)
    box = ("<table width='100%' cellspacing='0' cellpadding='8' border='1' style='border-color: #ff0000; "
           "border-style: solid; background-color: #ff0000;'><tr><td>Boxed text</td></tr></table>")
    for filler in range(8, 40):
        doc = QTextDocument()
        doc.documentLayout().setPaintDevice(image)
        doc.setDocumentMargin(0)
        doc.setHtml("".join(f"<p>Line {i} of filler text.</p>" for i in range(filler)) + box)
        doc.setPageSize(QSizeF(4000, LONG_PAGE))
        pages = paginate(doc, 6000.0)
        if len(pages) < 2:
            continue
        first = pages[0]
        canvas = QImage(400, 600, QImage.Format.Format_RGB32)
        canvas.fill(Qt.GlobalColor.white)
        painter = QPainter(canvas)
        painter.scale(0.1, 0.1)
        painter.translate(0, -first.top)
        doc.drawContents(painter, QRectF(0, first.top, 4000, first.bottom - first.top))
        painter.end()
        red = [y for y in range(600) for x in range(0, 400, 20) if QColor(canvas.pixel(x, y)).red() > 200
               and QColor(canvas.pixel(x, y)).green() < 80]
        if doc.find("Boxed text").block().layout() and where(doc, "Boxed text")[0] > first.bottom:
            assert red == [], f"{filler} lines: the moved box shows at the foot of page one"


def test_a_table_whose_first_heading_cell_is_empty_ends_where_its_last_row_ends():
    """The question column's heading cell is empty and bottom-aligned; Qt then reports the table's
    rectangle lower on the page than it is drawn, which must not make the table look taller."""
    rows = "".join(f"<tr><td>Question {i}</td><td>Answer {i}</td></tr>" for i in range(3))
    heading = "<th>Option A<br>status<br>certainty<br>more</th>"
    plain = laid_out(f"<table border='1' cellpadding='4'><thead><tr><th>Q</th>{heading}</tr></thead>{rows}</table>"
                     "<p>After the table.</p>")
    empty = laid_out(f"<table border='1' cellpadding='4'><thead><tr><th valign='bottom'></th>{heading}</tr></thead>"
                     f"{rows}</table><p>After the table.</p>")
    assert [(u.top, u.bottom) for u in units(empty)] == [(u.top, u.bottom) for u in units(plain)]
    after = where(empty, "After the table.")
    assert units(empty)[-2].bottom <= after[0] + 0.5
