"""A three-therapy handout with the comparison grid: compose + render + write PDF + log the print
(what the doctor waits for after "Save as PDF"), next to a raw
QTextDocument print of the same HTML to PDF, both measured in this run on this machine.

The floor is Qt alone: setHtml + print() of the final document source, with Qt's own page breaks
and no header, footer or page numbers. The app's path adds composing from the store, the template,
its own pagination (no heading ends a page, no comparison row is split, table headings repeat) and
the running header/footer, and the record of the print (snapshot and hash) written to the store.
Prints medians and the ratio app / floor. Targets: ratio <= 1.3, app median < 100 ms.
Run: make bench   (or .venv/bin/python bench/handout.py [--runs N])
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QMarginsF  # noqa: E402
from PySide6.QtGui import QFont, QPageLayout, QPageSize, QTextDocument  # noqa: E402
from PySide6.QtPrintSupport import QPrinter  # noqa: E402

from clinic_app import settings  # noqa: E402
from clinic_app.printing import handout_jobs, paged  # noqa: E402
from clinic_app.services import store_setup  # noqa: E402
from clinic_app.services.handouts import HandoutRequest  # noqa: E402

THERAPIES = ("platelet-rich-plasma", "prolotherapy", "self-care")


def raw_print(html: str, path: Path) -> int:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    printer.setPageMargins(QMarginsF(*[paged.MARGIN_MM] * 4), QPageLayout.Unit.Millimeter)
    doc = QTextDocument()
    doc.documentLayout().setPaintDevice(printer)
    font = QFont(paged.FONT)
    font.setPointSizeF(12)
    doc.setDefaultFont(font)
    doc.setHtml(html)
    doc.setPageSize(printer.pageRect(QPrinter.Unit.DevicePixel).size())
    doc.print_(printer)
    return doc.pageCount()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    paged.ensure_gui_application()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        location = settings.resolve(data_dir=folder / "data")
        store_setup.prepare(location)
        store = store_setup.open_store(location)
        request = HandoutRequest(therapies=THERAPIES, include_comparison=True, patient_name="Jane Smith",
                                 clinician="Dr A. Shah", next_steps="Walk every day.")
        _, doc = handout_jobs.build_document(store, request)
        html = handout_jobs.printable(doc).html
        for _ in range(3):  # warm fonts, templates and caches on both paths
            raw_print(html, folder / "raw.pdf")
            handout_jobs.produce(store, request, output=folder / "app.pdf")
        raw, app = [], []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            raw_pages = raw_print(html, folder / "raw.pdf")
            t1 = time.perf_counter()
            app_pages = handout_jobs.produce(store, request, output=folder / "app.pdf").pages
            t2 = time.perf_counter()
            raw.append((t1 - t0) * 1000)
            app.append((t2 - t1) * 1000)
        store.close()
    raw_med, app_med = statistics.median(raw), statistics.median(app)
    print(f"handout benchmark: {len(THERAPIES)} therapies + comparison grid, A4, {args.runs} runs each")
    print(f"  raw QTextDocument print   median {raw_med:7.1f} ms   {raw_pages} pages   (floor)")
    print(f"  compose+render+PDF+log    median {app_med:7.1f} ms   {app_pages} pages")
    print(f"  ratio app / floor: {app_med / raw_med:.2f}x (target <= 1.3); app median target < 100 ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
