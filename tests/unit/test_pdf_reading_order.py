"""The order a PDF's text is read in: copying, searching and a screen reader meet the text in the
order it was drawn. Each page opens with its running header (once, and never between the end of
one page's text and its footer), ends with its footer, and a comparison grid reads row by row: a
question, then that question's answer for each option, then the next question."""

from __future__ import annotations

import re
import unicodedata

import pytest
from pypdf import PdfReader

from clinic_app.cli import main
from clinic_app.services.comparison import compare

CLINIC, PHONE = "Riverside Spine Clinic", "01234 567890"
SLUGS = ["platelet-rich-plasma", "exercise-therapy", "self-care"]


def lines(page) -> list[str]:  # noqa: ANN001 - a pypdf page
    """The page's text lines in drawing order, ligatures unfolded and runs of spaces made one."""
    text = unicodedata.normalize("NFKC", page.extract_text())
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def squeezed(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


@pytest.fixture
def cli(prepared_location):
    def run(*args: str) -> None:
        assert main(["--data-dir", str(prepared_location.data_dir), *args]) == 0

    run("clinic", "set", "--name", CLINIC, "--phone", PHONE)
    return run


def assert_header_opens_each_page(reader: PdfReader) -> None:
    pages = [lines(page) for page in reader.pages]
    assert len(pages) > 1
    header = pages[0][0]
    assert header.startswith(f"{CLINIC} · {PHONE} · "), pages[0][:3]
    for number, page in enumerate(pages, start=1):
        assert page[0] == header, f"page {number} opens with {page[0]!r}, not the page header"
        assert page.count(header) == 1, f"page {number} holds the page header {page.count(header)} times"
        assert re.search(rf"Page {number} of {len(pages)}$", page[-1]), f"page {number} ends with {page[-1]!r}"


@pytest.mark.parametrize("count", [3, 4])
def test_a_comparison_pdf_reads_header_first_then_the_grid_row_by_row(cli, reader, tmp_path, count):
    slugs = [*SLUGS, "nsaids"][:count]  # three: the question in its own column; four: above its answers
    out = tmp_path / "c.pdf"
    cli("compare", *slugs, "-o", str(out))
    pdf = PdfReader(str(out))
    assert_header_opens_each_page(pdf)

    text = squeezed(" ".join(page.extract_text() for page in pdf.pages))
    matrix = compare(reader, slugs)
    starts = [text.index(squeezed(row.patient_question)) for row in matrix.rows]
    assert starts == sorted(starts), "the questions are not read in the grid's order"
    for number, row in enumerate(matrix.rows):
        end = starts[number + 1] if number + 1 < len(starts) else len(text)
        answers = [text.find(squeezed(cell.text)[:40], starts[number], end) for cell in row.cells]
        assert -1 not in answers, f"{row.key}: an answer is not read after its question and before the next"
        assert answers == sorted(answers), f"{row.key}: the answers are not read in column order"


def test_a_handout_pdf_reads_its_page_header_once_at_the_top_of_each_page(cli, tmp_path):
    out = tmp_path / "h.pdf"
    cli("handout", "--therapy", "prolotherapy", "--therapy", "exercise-therapy", "--compare",
        "--patient", "J. Smith", "-o", str(out))
    pdf = PdfReader(str(out))
    assert_header_opens_each_page(pdf)
    assert "J. Smith" in lines(pdf.pages[0])[0]
