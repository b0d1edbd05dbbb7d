"""Handout jobs shared by the window and the command line: compose, render, write or print, record.

One path for every output, so a PDF from the CLI, the print button and a reprint all come from
the same composer, template and painter.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from clinic_app.printing.handout_html import render_handout_html
from clinic_app.printing.paged import Printable, print_to, write_pdf
from clinic_app.services import handout_log
from clinic_app.services.handouts import HandoutDocument, HandoutRequest, compose_handout
from clinic_app.settings import Location
from clinic_app.storage.reader import Reader


@dataclass(frozen=True)
class HandoutResult:
    record_id: int
    pages: int
    sha256: str
    destination: str


def printable(doc: HandoutDocument) -> Printable:
    return Printable(html=doc.html, header=doc.header, footer=doc.footer, body_pt=doc.body_pt,
                     paper=doc.paper, logo=doc.logo)


def _send(doc: HandoutDocument, output: Path | None, printer: str | None) -> tuple[int, str, str]:
    """Print ``doc`` or write it as a PDF; returns (pages, kind, destination) for the log."""
    if printer:
        return print_to(printable(doc), printer, title=doc.title), "printer", printer
    return write_pdf(printable(doc), output, title=doc.title), "pdf", str(Path(output).resolve())


def build_document(reader: Reader, request: HandoutRequest) -> tuple:
    handout = compose_handout(reader, request)
    return handout, render_handout_html(handout)


def produce(location: Location, reader: Reader, request: HandoutRequest, output: Path | None = None,
            printer: str | None = None) -> HandoutResult:
    """Write the handout to ``output`` (PDF) or send it to ``printer``, then record it."""
    handout, doc = build_document(reader, request)
    pages, kind, destination = _send(doc, output, printer)
    record_id = handout_log.record(location, handout, doc, kind=kind, destination=destination,
                                   keep_patient_name=handout_log.keeps_patient_names(reader))
    return HandoutResult(record_id=record_id, pages=pages, sha256=doc.sha256, destination=destination)


def reprint(location: Location, reader: Reader, print_id: int, output: Path | None = None,
            printer: str | None = None) -> HandoutResult:
    """Print the stored document of record ``print_id`` again, hash-checked and marked as a reprint."""
    item = handout_log.get_print(reader, print_id)
    original = handout_log.load_snapshot(reader, print_id)
    doc = handout_log.as_reprint(original, item)
    pages, kind, destination = _send(doc, output, printer)
    record_id = handout_log.record_reprint(location, item, original, kind=kind, destination=destination)
    return HandoutResult(record_id=record_id, pages=pages, sha256=original.sha256, destination=destination)
