"""Handouts from the command line: the PDF a patient takes home, the log, the reprint, bad input."""

from __future__ import annotations

import pytest
from pypdf import PdfReader

from clinic_app.cli import main

A4 = (595, 842)
LETTER = (612, 792)


def pdf_text(path):
    reader = PdfReader(str(path))
    pages = [" ".join(page.extract_text().split()) for page in reader.pages]
    size = reader.pages[0].mediabox
    return pages, (round(float(size.width)), round(float(size.height)))


def run(location, *args):
    return main(["--data-dir", str(location.data_dir), *map(str, args)])


def test_handout_pdf_has_patient_therapy_pages_references_and_disclaimer(prepared_location, tmp_path, capsys):
    out = tmp_path / "jane.pdf"
    assert run(prepared_location, "handout", "--therapy", "platelet-rich-plasma", "--patient", "Jane Smith",
               "--clinician", "Dr A. Shah", "-o", out) == 0
    pages, size = pdf_text(out)
    assert size == A4 and 1 <= len(pages) <= 4
    text = " ".join(pages)
    assert "Jane Smith" in pages[0] and all("Jane Smith" in p for p in pages)
    assert f"Page 1 of {len(pages)}" in pages[0]
    for words in ("Platelet-rich plasma", "experimental", "Questions to ask your doctor",
                  "Where this information comes from", "Schepers", "It is not medical advice"):
        assert words in text, words


def test_letter_and_large_print(prepared_location, tmp_path):
    normal, large = tmp_path / "n.pdf", tmp_path / "l.pdf"
    assert run(prepared_location, "handout", "--therapy", "nsaids", "--paper", "letter", "-o", normal) == 0
    assert run(prepared_location, "handout", "--therapy", "nsaids", "--paper", "letter", "--large-print", "-o", large) == 0
    (normal_pages, size), (large_pages, _) = pdf_text(normal), pdf_text(large)
    assert size == LETTER
    assert len(large_pages) >= len(normal_pages)


def test_log_and_reprint_are_exact(prepared_location, tmp_path, capsys):
    first = tmp_path / "first.pdf"
    assert run(prepared_location, "handout", "--therapy", "nsaids", "--therapy", "self-care", "-o", first) == 0
    capsys.readouterr()
    assert run(prepared_location, "handout", "log") == 0
    log = capsys.readouterr().out
    assert "#1" in log and "nsaids, self-care" in log
    again = tmp_path / "again.pdf"
    assert run(prepared_location, "handout", "reprint", "1", "-o", again) == 0
    assert "verified" in capsys.readouterr().out
    original, reprint = pdf_text(first)[0], pdf_text(again)[0]
    assert "REPRINT of handout #1" in reprint[0]
    strip = [p.split("Page ")[0] for p in original]
    assert all(body.split("·", 2)[-1][:200] in rp for body, rp in zip(strip, reprint, strict=True))


@pytest.mark.parametrize(("args", "message"), [
    (("--therapy", "unicorn"), "unknown therapy 'unicorn'"),
    ((), "choose at least one therapy"),
    (("--therapy", "nsaids", "--follow-up", "next tuesday"), "not a date"),
])
def test_bad_input_leaves_no_file(prepared_location, tmp_path, capsys, args, message):
    out = tmp_path / "bad.pdf"
    assert run(prepared_location, "handout", *args, "-o", out) != 0
    assert message in capsys.readouterr().err
    assert not out.exists() and [p.name for p in tmp_path.iterdir()] == ["data"]


def test_unwritable_path_and_missing_printer(prepared_location, tmp_path, capsys):
    assert run(prepared_location, "handout", "--therapy", "nsaids", "-o", tmp_path / "no" / "x.pdf") == 1
    assert "does not exist" in capsys.readouterr().err
    assert run(prepared_location, "handout", "--therapy", "nsaids", "--printer", "no-such-printer") == 1
    assert "no printer named 'no-such-printer'" in capsys.readouterr().err
    assert run(prepared_location, "handout", "reprint", "99", "-o", tmp_path / "r.pdf") != 0
    assert "no handout with id 99" in capsys.readouterr().err


HEADINGS = ("What is it?", "How is it done?", "What to expect", "How well does it work?", "What we do not know yet",
            "What are the risks?", "Recovery and time off", "Is it approved?", "Questions to ask your doctor",
            "Where this information comes from")


def body_lines(path):
    """Each page's text lines without the running header and footer (drawn after the body)."""
    pages = []
    for page in PdfReader(str(path)).pages:
        lines = [" ".join(line.replace("\u200b", "").split()) for line in page.extract_text().splitlines()]
        pages.append([line for line in lines if line][:-3])
    return pages


@pytest.mark.parametrize(("paper", "large"), [("a4", False), ("letter", False), ("letter", True)])
def test_three_therapy_handout_with_comparison_keeps_headings_with_their_text(prepared_location, tmp_path, paper, large):
    out = tmp_path / "options.pdf"
    assert run(prepared_location, "handout", "--therapy", "platelet-rich-plasma", "--therapy", "prolotherapy",
               "--therapy", "self-care", "--compare", "--patient", "Jane Smith", "--paper", paper, "-o", out,
               *(["--large-print"] if large else [])) == 0
    pages, size = pdf_text(out)
    assert size == (A4 if paper == "a4" else LETTER)
    text = " ".join(pages)
    # The grid holds the rows that matter to the patient by default, in short answers; each
    # option's own part has the detail.
    for words in ("Your options side by side", "What do guidelines say?", "These are short answers",
                  "Platelet-rich plasma", "Prolotherapy", "Self-care", f"Page {len(pages)} of {len(pages)}"):
        assert words in text, words
    assert "How invasive is it?" not in text
    assert len(pages) <= (9 if large else 6)  # three options with the grid: six pages; large print at most 1.6 times
    assert all("Jane Smith" in p for p in pages)
    for number, lines in enumerate(body_lines(out), start=1):
        assert lines and lines[-1] not in HEADINGS, f"page {number} ends with the heading {lines[-1]!r}"


def test_compare_needs_two_therapies_and_rows_need_compare(prepared_location, tmp_path, capsys):
    out = tmp_path / "x.pdf"
    assert run(prepared_location, "handout", "--therapy", "nsaids", "--compare", "-o", out) == 2
    assert "at least two therapies" in capsys.readouterr().err
    assert run(prepared_location, "handout", "--therapy", "nsaids", "--therapy", "self-care", "--rows", "cost", "-o", out) == 2
    assert "add --compare" in capsys.readouterr().err
    assert run(prepared_location, "handout", "--therapy", "nsaids", "--therapy", "self-care", "--compare", "--rows",
               "cost,nope", "-o", out) == 2
    assert "'nope'" in capsys.readouterr().err and "main_risks" in capsys.readouterr().err + "main_risks"
    assert not out.exists()


def test_comparison_rows_that_matter_are_the_only_rows(prepared_location, tmp_path):
    out = tmp_path / "rows.pdf"
    assert run(prepared_location, "handout", "--therapy", "nsaids", "--therapy", "self-care", "--compare", "--rows",
               "main_risks,cost", "-o", out) == 0
    text = " ".join(pdf_text(out)[0])
    assert "What are the main risks?" in text and "What does it cost" in text and "How invasive is it?" not in text


def test_the_profile_sets_large_print_and_the_command_line_can_turn_it_off(prepared_location, tmp_path, capsys):
    import json
    import sqlite3

    with sqlite3.connect(prepared_location.sqlite_path) as conn:
        conn.execute("INSERT INTO clinic_profile (name, address, phone, website, clinicians, disclaimer, paper_size, "
                     "large_print, keep_patient_names) VALUES ('Northside', '', '', '', '[]', '', 'letter', 1, 0)")
    assert run(prepared_location, "handout", "--therapy", "nsaids", "-o", tmp_path / "a.pdf") == 0
    assert run(prepared_location, "handout", "--therapy", "nsaids", "--no-large-print", "-o", tmp_path / "b.pdf") == 0
    capsys.readouterr()
    assert run(prepared_location, "handout", "log", "--json") == 0
    log = json.loads(capsys.readouterr().out)
    assert [entry["options"]["large_print"] for entry in log] == [False, True]
    assert {entry["paper"] for entry in log} == {"letter"}


@pytest.mark.parametrize("slug", ["bone-marrow-concentrate", "growth-factors", "platelet-rich-plasma", "prolotherapy",
                                  "nsaids", "exercise-therapy", "lumbar-fusion", "self-care"])
def test_the_printed_handout_reads_at_grade_7_or_lower_sources_and_all(prepared_location, tmp_path, slug):
    """Measured on the text of the PDF itself, as a reader (or a reviewer) gets it."""
    import textstat

    out = tmp_path / f"{slug}.pdf"
    assert run(prepared_location, "handout", "--therapy", slug, "-o", out) == 0
    text = "\n".join(page.extract_text() for page in PdfReader(str(out)).pages).replace("\u200b", "")
    assert textstat.flesch_kincaid_grade(text) <= 7.0


def page_lines(path):
    """Each page's text layer as lines, the running header and footer left out."""
    reader = PdfReader(str(path))
    out = []
    for page in reader.pages:
        lines = [" ".join(line.replace("\u200b", "").split()) for line in page.extract_text().splitlines()]
        out.append([line for line in lines if line and "·" not in line and not line.startswith("Page ")])
    return out


@pytest.mark.parametrize("args", [
    ("--therapy", "bone-marrow-concentrate", "--condition", "sciatica", "--paper", "letter"),
    ("--therapy", "platelet-rich-plasma", "--therapy", "prolotherapy", "--therapy", "self-care", "--therapy", "nsaids",
     "--compare", "--rows", "what_is_it,how_is_it_done,time_to_benefit,evidence,main_risks,recovery,guidelines,cost",
     "--paper", "letter"),
    ("--therapy", "nsaids", "--therapy", "exercise-therapy", "--therapy", "epidural-steroid-injection", "--compare",
     "--condition", "sciatica", "--large-print"),
], ids=["one-therapy", "four-with-grid", "three-large-print"])
def test_the_text_layer_holds_each_line_once(prepared_location, tmp_path, args):
    """Copying, searching and a screen reader read the PDF's text layer: a line at a page break is
    in it once (on the page where it is seen), and a grid's heading row, repeated on each page the
    grid continues on, is in it once (where the grid starts)."""
    out = tmp_path / "h.pdf"
    assert run(prepared_location, "handout", *args, "--patient", "Jane Smith", "-o", out) == 0
    pages = page_lines(out)
    assert len(pages) > 1
    every = [line for page in pages for line in page]
    for number, (this, following) in enumerate(zip(pages, pages[1:], strict=False), start=1):
        shared = {line for line in this[-4:] if len(line) > 12} & set(following[:6])
        assert not shared, f"page {number} and {number + 1} both hold {shared}"
    if "--compare" in args:
        first_option = {"platelet-rich-plasma": "Platelet-rich", "nsaids": "Anti-"}[args[1]]
        headings = [line for line in every if line.startswith(first_option) and len(line) < 40]
        grid_pages = [n for n, page in enumerate(pages) if any(line.startswith("What is it?") for line in page)]
        assert grid_pages and len([h for h in headings]) >= 1
        # the first option's name heads its column once, and once more where its own part begins
        assert len(headings) <= 3, headings


def test_an_output_that_is_a_device_or_a_pipe_is_left_as_it_was(prepared_location, tmp_path, capsys):
    import os

    pipe = tmp_path / "pipe.pdf"
    os.mkfifo(pipe)
    for target in (pipe, "/dev/null"):
        assert run(prepared_location, "handout", "--therapy", "nsaids", "-o", target) != 0
        assert "not a regular file" in capsys.readouterr().err
    assert pipe.is_fifo() and not list(tmp_path.glob("*.partial"))
    assert run(prepared_location, "compare", "nsaids", "yoga", "-o", pipe) != 0
    assert "not a regular file" in capsys.readouterr().err and pipe.is_fifo()
