"""Printing to a real CUPS queue (set up by .ci/print-queue: CUPS with the cups-pdf backend, which
writes each job it receives as a PDF into a folder). Skipped where no such queue is set up."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

from clinic_app.cli import main

PRINTER = os.environ.get("CLINIC_APP_TEST_PRINTER", "")
PRINT_DIR = Path(os.environ.get("CLINIC_APP_TEST_PRINT_DIR", "/nonexistent"))
pytestmark = pytest.mark.skipif(not PRINTER or not PRINT_DIR.is_dir(),
                                reason="no CUPS test queue here (.ci/print-queue sets one up)")


def run(location, *args):
    return main(["--data-dir", str(location.data_dir), *map(str, args)])


def wait_for_new_pdf(before: set[Path], title_word: str, seconds: float = 90) -> Path:
    """The job this test sent (the queue names files after the document title; other tests print too)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        new = [p for p in PRINT_DIR.rglob("*.pdf") if p not in before and title_word in p.name]
        if new and all(p.stat().st_size > 0 for p in new):
            time.sleep(1)  # let the backend finish writing
            return new[0]
        time.sleep(0.5)
    raise AssertionError(f"no job arrived in {PRINT_DIR} within {seconds} s")


def test_a_handout_goes_through_the_cups_queue_and_is_logged(prepared_location, capsys):
    before = set(PRINT_DIR.rglob("*.pdf"))
    assert run(prepared_location, "handout", "--therapy", "lumbar-fusion", "--paper", "letter", "--printer", PRINTER) == 0
    said = capsys.readouterr().out
    assert f"sent to printer {PRINTER}" in said
    pages = int(said.split("(")[1].split(" pages")[0])
    printed = PdfReader(str(wait_for_new_pdf(before, "fusion")))
    assert len(printed.pages) == pages
    box = printed.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)
    assert run(prepared_location, "handout", "log", "--json") == 0
    log = json.loads(capsys.readouterr().out)
    assert log[0]["kind"] == "printer" and log[0]["destination"] == PRINTER


def test_an_unknown_printer_is_named_with_the_ones_there_are(prepared_location, capsys):
    assert run(prepared_location, "handout", "--therapy", "nsaids", "--printer", "No Such Printer") == 1
    err = capsys.readouterr().err
    assert "'No Such Printer'" in err and PRINTER in err
