"""Comparison PDFs read back with pypdf: paper, orientation, page numbers, every chosen therapy and
row present, nothing cut off at the right edge, and each row kept on one page."""

from __future__ import annotations

import re
import unicodedata

import pytest
from pypdf import PdfReader

from clinic_app.printing import comparison_jobs
from clinic_app.services.comparison import compare

A4, LETTER = (595, 842), (612, 792)
THREE = ["platelet-rich-plasma", "nsaids", "self-care"]
SIX = ["platelet-rich-plasma", "prolotherapy", "exercise-therapy", "nsaids", "lumbar-fusion", "self-care"]
MM = 72 / 25.4


def normal(text: str) -> str:
    """Text with ligatures unfolded and all white space removed: pypdf splits table text into lines
    (and sometimes a bold capital from its word), so words are compared without the spaces."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def read(path):
    reader = PdfReader(str(path))
    pages, right_edges = [], []
    for page in reader.pages:
        xs: list[float] = []

        def visit(text, cm, tm, font, size, xs=xs):
            if text.strip():
                xs.append(cm[0] * tm[4] + cm[2] * tm[5] + cm[4])

        pages.append(normal(page.extract_text(visitor_text=visit)))
        right_edges.append(max(xs, default=0.0))
    box = reader.pages[0].mediabox
    return pages, (round(float(box.width)), round(float(box.height))), right_edges


@pytest.mark.parametrize(("slugs", "paper", "size"), [
    (THREE, "a4", A4),
    (THREE, "letter", LETTER),
    (SIX, "a4", A4[::-1]),
    (SIX, "letter", LETTER[::-1]),
    (SIX[:4], "letter", LETTER[::-1]),
])
def test_pdf_holds_every_therapy_and_row_within_the_page(reader, tmp_path, slugs, paper, size):
    rows = ["what_is_it", "evidence", "main_risks", "invasiveness", "regulatory", "best_for"]
    out = tmp_path / "comparison.pdf"
    result = comparison_jobs.export(reader, slugs, rows, fmt="pdf", paper=paper, output=out)
    pages, page_size, right_edges = read(out)
    assert page_size == size and result.pages == len(pages)
    assert len(size) == 2 and (size[0] > size[1]) == (len(slugs) > 3)
    text = " ".join(pages)
    for number, page in enumerate(pages, start=1):
        assert normal(f"Page {number} of {len(pages)}") in page
        assert "Clinic Reference" not in page  # no clinic set: the app's name never stands in for it
    matrix = compare(reader, slugs, rows)
    for column in matrix.columns:
        assert normal(column.patient_name) in text, column.slug
    for row in matrix.rows:
        assert normal(row.patient_question) in text
        page = next(p for p in pages if normal(row.patient_question) in p)
        for cell in row.cells:  # every cell of a row on the row's page: nothing cut, nothing split
            assert normal(cell.text) in page, (row.key, cell.text)
    assert normal("What does it cost") not in text
    assert normal("Where this information comes from") in text and normal("Please note.") in pages[-1]
    for ref in matrix.all_cited_references():
        assert normal(ref.title[:40]) in text, ref.key
    limit = size[0] - 25 * MM
    assert max(right_edges) < limit, f"text starts at x={max(right_edges):.0f}, beyond the margin at {limit:.0f}"


def test_all_rows_of_six_options_keep_each_row_on_one_page(reader, tmp_path):
    out = tmp_path / "six.pdf"
    comparison_jobs.export(reader, SIX, fmt="pdf", paper="a4", output=out)
    pages, _, _ = read(out)
    matrix = compare(reader, SIX)
    for row in matrix.rows:
        page = next(p for p in pages if normal(row.patient_question) in p)
        assert all(normal(cell.text) in page for cell in row.cells), row.key


def test_large_print_is_14_pt_and_body_is_12_pt(reader):
    from clinic_app.printing.comparison_html import ComparisonPrint
    from clinic_app.services.comparison_export import comparison_context

    matrix = compare(reader, THREE)
    normal_doc = ComparisonPrint(matrix, comparison_context(reader)).document()
    large_doc = ComparisonPrint(matrix, comparison_context(reader), large_print=True).document()
    assert "font-size: 12pt" in normal_doc.html and normal_doc.body_pt == 12
    assert "font-size: 14pt" in large_doc.html and large_doc.body_pt == 14
    assert not re.search(r"font-size: ([0-9])pt", normal_doc.html)


def test_content_markup_prints_as_text_and_nothing_loads_from_outside(reader, prepared_location):
    import sqlite3

    from clinic_app.printing.comparison_html import comparison_document
    from clinic_app.services.comparison_export import comparison_context

    with sqlite3.connect(prepared_location.sqlite_path) as conn:
        conn.execute("UPDATE attribute_value SET text = '<img src=\"http://example.com/x.png\"> <b>bold</b>' "
                     "WHERE attribute_id = (SELECT id FROM attribute WHERE key = 'visits')")
    doc = comparison_document(compare(reader, THREE), comparison_context(reader))
    assert "&lt;img src=" in doc.html and "<b>bold</b>" not in doc.html
    assert not re.search(r"<img[^>]+src=\"(?!clinic-logo)", doc.html)
