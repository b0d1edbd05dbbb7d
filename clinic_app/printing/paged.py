"""Paper: lay out a document's HTML with QTextDocument and paint it page by page onto a QPrinter
(a PDF file or a real printer), with the page header, footer and "Page x of y" drawn on every page.

QtGui and QtPrintSupport only (no widgets), so the CLI renders without a window. One function
paints for preview, printer and PDF alike, so what the preview shows is what comes out.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import re
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

from PySide6.QtCore import QMarginsF, QRectF, QSizeF, Qt, QUrl
from PySide6.QtGui import (
    QFont,
    QFontMetricsF,
    QGuiApplication,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QTextBlock,
    QTextDocument,
)
from PySide6.QtPrintSupport import QPrinter, QPrinterInfo

from clinic_app import APP_NAME, __version__
from clinic_app.errors import ClinicAppError
from clinic_app.printing.figures import render as render_figure
from clinic_app.printing.paginate import LONG_PAGE, paginate
from clinic_app.printing.printable import MARGIN_MM, Printable
from clinic_app.settings import shown
from clinic_app.storage import leftovers
from clinic_app.storage.targets import target_problem

BAND_MM = 11.0  # header and footer sit this far from the paper's edge, inside the margin
FONT = "DejaVu Sans"
PAGE_SIZES = {"a4": QPageSize.PageSizeId.A4, "letter": QPageSize.PageSizeId.Letter}
CREATOR = f"{APP_NAME} {__version__}"  # the PDF's Creator; Qt names itself as the Producer

_log = logging.getLogger(__name__)


class PrintError(ClinicAppError):
    """A PDF that cannot be written or a printer that cannot be used; nothing partial is left."""


def ensure_gui_application() -> QGuiApplication:
    """The application object QTextDocument needs for fonts; offscreen when there is no display."""
    app = QGuiApplication.instance()
    if app is None:
        if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        app = QGuiApplication(["clinic-app"])
    return app


class _SealedDocument(QTextDocument):
    """A QTextDocument that loads nothing from outside: only resources added by us (the logo) and
    the icon arrays it draws itself."""

    def loadResource(self, kind, url):  # noqa: N802, ANN001, ANN201 - Qt override
        return render_figure(url.toString())  # an icon array's picture; None for any other name


def configure(printer: QPrinter, item: Printable) -> None:
    printer.setPageSize(QPageSize(PAGE_SIZES[item.paper]))
    printer.setPageOrientation(QPageLayout.Orientation.Landscape if item.landscape else QPageLayout.Orientation.Portrait)
    printer.setFullPage(True)
    printer.setPageMargins(QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Millimeter)
    printer.setCopyCount(1)


def _document(item: Printable, printer: QPrinter, body: QRectF) -> QTextDocument:
    doc = _SealedDocument()
    doc.documentLayout().setPaintDevice(printer)
    font = QFont(FONT)
    font.setPointSizeF(item.body_pt)
    doc.setDefaultFont(font)
    doc.setDocumentMargin(0)
    if item.logo:
        image = QImage.fromData(item.logo)
        if not image.isNull():
            doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl("clinic-logo"), image)
    doc.setHtml(item.html)
    doc.setPageSize(QSizeF(body.width(), LONG_PAGE))  # one long page; paginate() decides the cuts
    return doc


def _body(printer: QPrinter, margin_mm: float = MARGIN_MM) -> tuple[QRectF, QRectF, float]:
    """The page, the body inside the margins, and a millimetre, in the printer's pixels."""
    dpi = printer.resolution()
    mm = dpi / 25.4
    page = printer.pageLayout().fullRectPixels(dpi)
    margin = margin_mm * mm
    body = QRectF(margin, margin, page.width() - 2 * margin, page.height() - 2 * margin)
    return QRectF(page), body, mm


EDGE = 1.0  # device pixels: a line that only touches a page's cut belongs to the page it is on


def _split_block(doc: QTextDocument, top: float) -> QTextBlock | None:
    """The paragraph (at the document's top level) that a page starting at ``top`` begins inside."""
    layout = doc.documentLayout()
    it = doc.rootFrame().begin()
    while not it.atEnd():
        block = it.currentBlock()
        if block.isValid():
            rect = layout.blockBoundingRect(block)
            if rect.top() + EDGE < top < rect.bottom() - EDGE:
                return block
            if rect.top() > top:
                return None
        it += 1
    return None


def _slice(painter: QPainter, doc: QTextDocument, top: float, bottom: float, x: float, y: float, width: float) -> None:
    """Draw the layout from ``top`` to ``bottom`` at (x, y), so that the PDF's text layer holds
    what the page shows and nothing more: a line drawn clipped away still lands in it, and copying,
    searching and screen readers would meet it on two pages. So the clip stops a hair inside the
    cut, and a paragraph the page starts inside (Qt would draw it from the line above the clip) has
    its remaining lines drawn one by one."""
    painter.save()
    painter.translate(x, y - top)
    block = _split_block(doc, top)
    if block is not None:
        layout = block.layout()
        origin = layout.position()
        for index in range(layout.lineCount()):
            line = layout.lineAt(index)
            line_top = origin.y() + line.y()
            if line_top >= top - EDGE and line_top + line.height() <= bottom + EDGE:
                line.draw(painter, origin)
        top = max(top, doc.documentLayout().blockBoundingRect(block).bottom())
    if bottom > top:
        doc.drawContents(painter, QRectF(0, top + EDGE, width, bottom - top - 2 * EDGE))
    painter.restore()


def _picture(doc: QTextDocument, top: float, bottom: float, width: float, scale: float) -> QImage:
    """The layout from ``top`` to ``bottom`` as an image (``scale`` image pixels per layout pixel)."""
    image = QImage(max(1, round(width * scale)), max(1, round((bottom - top) * scale)), QImage.Format.Format_RGB32)
    image.fill(Qt.GlobalColor.white)  # the page is white: no transparency to carry into the PDF
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    painter.scale(scale, scale)
    painter.translate(0, -top)
    doc.drawContents(painter, QRectF(0, top, width, bottom - top))
    painter.end()
    return image


PICTURE_DPI = 300  # a repeated table heading is drawn as a picture this sharp (a laser printer's own)

# The last layout made on each thread, kept for the painting that usually follows a measurement
# (the handout is measured to fit, then written): same source, same resolution, same layout.
_layouts = threading.local()


def _laid_out(item: Printable, printer: QPrinter, body: QRectF) -> tuple[QTextDocument, list]:
    key = (item.html, item.body_pt, item.paper, item.landscape, item.margin_mm, item.logo, printer.resolution(),
           body.width(), body.height())
    cached = getattr(_layouts, "last", None)
    if cached is not None and cached[0] == key:
        return cached[1], cached[2]
    doc = _document(item, printer, body)
    pages = paginate(doc, body.height())
    _layouts.last = (key, doc, pages)
    return doc, pages


def _pages_painter(item: Printable, printer: QPrinter):  # noqa: ANN202 - (pages, page rect, draw)
    """Lay ``item`` out for ``printer`` and return (pages, draw) where ``draw(painter, index)`` paints
    page ``index`` (its heading picture, its slice of the layout, the header and footer bands)."""
    ensure_gui_application()
    page, body, mm = _body(printer, item.margin_mm)
    doc, pages = _laid_out(item, printer, body)
    doc.documentLayout().setPaintDevice(printer)
    band_font = QFont(FONT)
    band_font.setPointSizeF(9)
    metrics = QFontMetricsF(band_font, printer)
    pictures: dict[tuple[float, float], QImage] = {}

    def draw(painter: QPainter, index: int) -> None:
        cut = pages[index]
        # The bands are painted in reading order around the body: the running header first, the
        # footer last, so the PDF's text layer (which copying, searching and a screen reader follow
        # in the order it was drawn) opens each page with its header, not between two pages' text.
        painter.save()
        painter.setFont(band_font)
        painter.setPen(Qt.GlobalColor.darkGray)
        top = QRectF(body.left(), BAND_MM * mm - 5 * mm, body.width(), 6 * mm)
        painter.drawText(top, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), item.header)
        painter.restore()
        y = body.top()
        if cut.header:  # the table this page continues: its heading row first, as a picture, so the
            # text layer holds the heading once (where the table starts) and copying, searching
            # and screen readers read it once; one picture per heading, embedded once
            if cut.header not in pictures:
                scale = min(1.0, PICTURE_DPI / printer.resolution())
                pictures[cut.header] = _picture(doc, cut.header[0], cut.header[1], body.width(), scale)
            painter.drawImage(QRectF(body.left(), y, body.width(), cut.header_height), pictures[cut.header])
            y += cut.header_height
        _slice(painter, doc, cut.top, cut.bottom, body.left(), y, body.width())
        painter.setFont(band_font)
        painter.setPen(Qt.GlobalColor.darkGray)
        bottom = QRectF(body.left(), page.height() - BAND_MM * mm - 1 * mm, body.width(), 6 * mm)
        number = f"Page {index + 1} of {len(pages)}"
        room = bottom.width() - metrics.horizontalAdvance(number) - 4 * mm  # a long title never runs into it
        painter.drawText(bottom, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                         metrics.elidedText(item.footer, Qt.TextElideMode.ElideMiddle, room))
        painter.drawText(bottom, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), number)

    return pages, page, draw


def paint(item: Printable, printer: QPrinter) -> int:
    """Paint every page of ``item`` on ``printer`` (already configured); returns the page count.
    A PDF file gets ``item``'s title (unless the printer has one) and language too."""
    pages, _, draw = _pages_painter(item, printer)
    pdf_file = printer.outputFileName() if printer.outputFormat() == QPrinter.OutputFormat.PdfFormat else ""
    if pdf_file:
        if not printer.docName() and item.title:
            printer.setDocName(item.title)
        if not printer.creator():
            printer.setCreator(CREATOR)
    painter = QPainter()
    if not painter.begin(printer):
        raise PrintError("the printer or PDF file could not be opened for writing")
    try:
        for index in range(len(pages)):
            if index:
                printer.newPage()
            draw(painter, index)
    finally:
        painter.end()
    if pdf_file:
        set_pdf_language(Path(pdf_file), item.language)
    return len(pages)


# The document language (ISO 639 and a region: "en", "en-US") is what a screen reader speaks the
# text in. Qt has no setting for it (QPdfWriter and QPrinter write no /Lang), so pypdf adds it to the
# finished file as an incremental update (ISO 32000-1, 7.5.6): the catalog again, with /Lang, after
# Qt's own %%EOF. Nothing Qt wrote is changed.
_LANGUAGE = re.compile(r"[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*")


def set_pdf_language(file: Path, language: str) -> None:
    """Give the PDF ``file`` (as Qt wrote it, not yet in its place) the document language
    ``language``. A file pypdf cannot read is left as it is, and said so in the log: the handout is
    not lost for want of its language. A file that cannot be written is an error."""
    if not _LANGUAGE.fullmatch(language):
        raise ValueError(f"not a language tag: {language!r}")
    from pypdf import PdfWriter
    from pypdf.errors import PyPdfError
    from pypdf.generic import NameObject, TextStringObject

    try:
        writer = PdfWriter(str(file), incremental=True)
        if writer.root_object.get("/Lang") == language:
            return
        writer.root_object[NameObject("/Lang")] = TextStringObject(language)
        with io.BytesIO() as updated:
            writer.write(updated)
            data = updated.getvalue()
    except (PyPdfError, ValueError, KeyError) as exc:
        _log.warning("the PDF %s was left without its document language: %s", shown(file), exc)
        return
    except OSError as exc:
        raise PrintError(f"cannot read {shown(file)}: {exc.strerror or exc}") from exc
    try:
        Path(file).write_bytes(data)
    except OSError as exc:
        raise PrintError(f"cannot write {shown(file)}: {exc.strerror or exc}") from exc


def render_pages(item: Printable, dpi: float) -> list[QImage]:
    """Every page of ``item`` as a picture ``dpi`` dots per inch, laid out exactly as for a PDF (the
    same line breaks and cuts): what a preview shows, made on any thread."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    configure(printer, item)
    pages, page, draw = _pages_painter(item, printer)
    scale = dpi / printer.resolution()
    dots_per_metre = round(printer.resolution() / 0.0254)  # fonts in points are sized as on the printer
    images = []
    for index in range(len(pages)):
        image = QImage(max(1, round(page.width() * scale)), max(1, round(page.height() * scale)),
                       QImage.Format.Format_RGB32)
        image.setDotsPerMeterX(dots_per_metre)
        image.setDotsPerMeterY(dots_per_metre)
        image.fill(Qt.GlobalColor.white)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.scale(scale, scale)
        draw(painter, index)
        painter.end()
        image.setDotsPerMeterX(round(dpi / 0.0254))
        image.setDotsPerMeterY(round(dpi / 0.0254))
        images.append(image)
    return images


def page_count(item: Printable, reserve_mm: float = 0.0) -> int:
    """How many pages ``item`` takes on its paper, laid out and cut exactly as :func:`paint` does
    for a PDF, with the body ``reserve_mm`` shorter than the page allows (room for a printer whose
    resolution lays text out a hair differently)."""
    ensure_gui_application()
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    configure(printer, item)
    _, body, mm = _body(printer, item.margin_mm)
    return len(paginate(_document(item, printer, body), body.height() - reserve_mm * mm))


def last_page_fill(item: Printable) -> tuple[int, float]:
    """How many pages ``item`` takes, and how full its last page is (0 to 1 of the body height)."""
    ensure_gui_application()
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    configure(printer, item)
    _, body, _ = _body(printer, item.margin_mm)
    _, pages = _laid_out(item, printer, body)
    last = pages[-1]
    return len(pages), (last.bottom - last.top + last.header_height) / body.height()


PARTIAL_SUFFIX = ".pdf.partial"
STALE_PARTIAL_SECONDS = leftovers.STALE_SECONDS
_PARTIAL_NAME = re.compile(rf"^\..+-{leftovers.RANDOM_PART}{re.escape(PARTIAL_SUFFIX)}$")


def remove_stale_partials(folder: Path, now: float | None = None) -> list[Path]:
    """Remove the temporary PDFs (``.NAME-XXXXXXXX.pdf.partial``) that a run cut short (a crash, a
    kill, a power cut) left in ``folder``. Only those older than :data:`STALE_PARTIAL_SECONDS` go:
    a newer one may belong to a run that is still writing it."""
    return leftovers.remove_stale(folder, _PARTIAL_NAME, now=now)


def _is_text(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@contextlib.contextmanager
def pdf_in_place(path: Path) -> Iterator[Path]:
    """A temporary file in ``path``'s folder to write a PDF to. When the block ends without an error
    the file takes ``path``'s place in one rename; when it raises, the temporary file is removed and
    whatever was at ``path`` before is left as it was. Nothing partial is ever left at ``path``.

        with pdf_in_place(target) as tmp:
            paint_pdf(item, tmp, title)
            ...                      # anything that must succeed before the PDF appears
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    problem = target_problem(path)  # a device node or a pipe is never replaced by a PDF
    if problem:
        raise PrintError(f"cannot write {shown(path)}: {problem}")
    remove_stale_partials(folder)
    try:
        # Qt takes the temporary file's name as text: a name that is not UTF-8 (from another system)
        # is given only to the rename at the end.
        stem = path.stem if _is_text(path.stem) else "pdf"
        handle, tmp_name = tempfile.mkstemp(prefix=f".{stem}-", suffix=PARTIAL_SUFFIX, dir=folder)
        os.close(handle)
    except OSError as exc:
        raise PrintError(f"cannot write {path}: {exc.strerror or exc}") from exc
    tmp = Path(tmp_name)
    try:
        yield tmp
        if not tmp.exists() or tmp.stat().st_size == 0:
            raise PrintError(f"cannot write {shown(path)}: the PDF was not produced (is the disk full?); nothing was "
                             "written")
        os.replace(tmp, path)
    except OSError as exc:
        raise PrintError(f"cannot write {path}: {exc.strerror or exc}") from exc
    finally:
        tmp.unlink(missing_ok=True)


def paint_pdf(item: Printable, file: Path, title: str = "") -> int:
    """Paint every page of ``item`` as a PDF into ``file`` (a temporary file from
    :func:`pdf_in_place`); returns the page count."""
    ensure_gui_application()
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(file))
    printer.setDocName(title or item.title or Path(file).stem)
    printer.setCreator(CREATOR)
    configure(printer, item)
    return paint(item, printer)


def write_pdf(item: Printable, path: Path, title: str = "") -> int:
    """Write ``item`` as a PDF at ``path`` through a temporary file: no partial file is ever left."""
    ensure_gui_application()
    path = Path(path)
    with pdf_in_place(path) as tmp:
        return paint_pdf(item, tmp, title or path.stem)


def printer_names() -> list[str]:
    ensure_gui_application()
    return [info.printerName() for info in QPrinterInfo.availablePrinters()]


def print_to(item: Printable, printer_name: str, title: str = "") -> int:
    """Send ``item`` to the named system printer (CUPS on Linux)."""
    ensure_gui_application()
    info = QPrinterInfo.printerInfo(printer_name)
    if info.isNull():
        names = printer_names()
        known = ", ".join(names) if names else "none are set up on this computer"
        raise PrintError(f"no printer named {printer_name!r}; available printers: {known}")
    printer = QPrinter(info, QPrinter.PrinterMode.HighResolution)
    printer.setDocName(title or "Clinic Reference")
    configure(printer, item)
    return paint(item, printer)
