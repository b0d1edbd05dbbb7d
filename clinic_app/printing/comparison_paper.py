"""A comparison on paper: the same painter as handouts (:mod:`.paged`), whose paginator keeps each
comparison row on one page and repeats the therapy names at the top of each page the table
continues on. QtGui and QtPrintSupport only.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtPrintSupport import QPrinter

from clinic_app.printing import paged
from clinic_app.printing.comparison_html import ComparisonPrint


def configure(job: ComparisonPrint, printer: QPrinter) -> None:
    """Paper size and orientation of ``job`` on ``printer`` (before a print or preview dialog)."""
    paged.configure(printer, job.document())


def paint(job: ComparisonPrint, printer: QPrinter) -> int:
    """Paint on a configured printer (print dialog, preview); returns the page count."""
    return paged.paint(job.document(), printer)


def write_pdf(job: ComparisonPrint, path: Path) -> int:
    """Write the PDF through a temporary file in the target folder; no partial file is left."""
    doc = job.document()
    return paged.write_pdf(doc, Path(path), title=doc.title)
