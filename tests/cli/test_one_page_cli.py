"""The one-page option grid from the command line: one sheet, whatever the options, logged and reprinted."""

from __future__ import annotations

import json
import re
import sqlite3
import unicodedata

import pytest
from pypdf import PdfReader

from clinic_app.cli import main
from clinic_app.services import library
from clinic_app.services.comparison import row_catalogue
from clinic_app.services.one_page import DEFAULT_ROWS, FULL_HANDOUT, HOW_TO_READ
from clinic_app.storage.store import Store

OPTIONS = {
    2: ("nsaids", "self-care"),
    3: ("epidural-steroid-injection", "discectomy", "self-care"),
    # long names and long answers: the page that is hardest to fit
    4: ("bone-marrow-concentrate", "platelet-rich-plasma", "radiofrequency-denervation", "self-care"),
}
STATUS_WORDS = {"established": "Established", "emerging": "Emerging", "investigational": "Investigational"}


def run(location, *args):
    return main(["--data-dir", str(location.data_dir), *map(str, args)])


def squash(text: str) -> str:
    """Text without any whitespace: a name wrapped (or broken after a hyphen) in a cell still matches."""
    return "".join(text.split())


def read_pdf(path):
    """The pages, their text (ligatures such as "fl" spelt out) and the first page's size in points."""
    reader = PdfReader(str(path))
    box = reader.pages[0].mediabox
    text = " ".join(" ".join(unicodedata.normalize("NFKC", p.extract_text()).split()) for p in reader.pages)
    return reader.pages, text, (float(box.width), float(box.height))


def therapy_args(slugs):
    return [arg for slug in slugs for arg in ("--therapy", slug)]


@pytest.mark.parametrize("paper", ["a4", "letter"])
@pytest.mark.parametrize("count", [2, 3, 4])
def test_one_page_pdf_is_one_page_with_every_option_and_row(prepared_location, tmp_path, capsys, count, paper):
    slugs = OPTIONS[count]
    out = tmp_path / "grid.pdf"
    assert run(prepared_location, "handout", *therapy_args(slugs), "--one-page", "--patient", "Jane Smith",
               "--paper", paper, "-o", out) == 0
    assert "one-page handout written to" in capsys.readouterr().out
    pages, text, (width, height) = read_pdf(out)
    assert len(pages) == 1
    assert (width > height) == (count == 4)  # landscape only for four options
    assert {round(min(width, height)), round(max(width, height))} == ({595, 842} if paper == "a4" else {612, 792})
    reader = Store.of(prepared_location)
    try:
        therapies = [library.get_therapy(reader, slug) for slug in slugs]
        questions = {row.key: row.patient_question for row in row_catalogue(reader)}
    finally:
        reader.close()
    flat = squash(text)
    for therapy in therapies:
        assert squash(therapy.patient_name) in flat, therapy.patient_name
        assert STATUS_WORDS[therapy.status] in text
    for key in DEFAULT_ROWS:
        assert squash(questions[key]) in flat, questions[key]
    for words in ("Your options side by side", "For Jane Smith.", HOW_TO_READ, FULL_HANDOUT, "How sure are we:",
                  "Page 1 of 1"):
        assert squash(words) in flat, words
    for absent in ("placeholder", "not recorded", "Not given", "Where this information comes from"):
        assert absent.lower() not in text.lower(), absent


def test_condition_letterhead_and_chosen_rows(prepared_location, tmp_path):
    with sqlite3.connect(prepared_location.sqlite_path) as conn:
        conn.execute("INSERT INTO clinic_profile (name, address, phone, website, clinicians, disclaimer, paper_size, "
                     "large_print, keep_patient_names) VALUES ('Northside Spine Clinic', '1 High Street', "
                     "'01234 567890', '', '[]', '', 'a4', 0, 0)")
    out = tmp_path / "sciatica.pdf"
    assert run(prepared_location, "handout", *therapy_args(OPTIONS[3]), "--one-page", "--condition", "sciatica",
               "--rows", "main_risks,what_is_it,cost", "-o", out) == 0
    pages, text, _ = read_pdf(out)
    assert len(pages) == 1
    flat = squash(text)
    reader = Store.of(prepared_location)
    try:
        decision = library.get_condition(reader, "sciatica").decision
    finally:
        reader.close()
    for words in ("Northside Spine Clinic", "01234 567890", "Your options for sciatica", decision):
        assert squash(words) in flat, words
    assert "1 High Street" not in text  # the letterhead line is the name and phone only
    # the chosen rows, in the library's order, and no others
    assert text.index("What is it?") < text.index("What are the main risks?") < text.index("What does it cost")
    assert "How is it done?" not in text and "What do guidelines say?" not in text


@pytest.mark.parametrize(("slugs", "chosen"), [(("nsaids",), "1 was chosen"),
                                                (("nsaids", "self-care", "yoga", "massage", "heat"), "5 were chosen")])
def test_one_or_five_options_are_refused_and_nothing_is_written(prepared_location, tmp_path, capsys, slugs, chosen):
    out = tmp_path / "refused.pdf"
    assert run(prepared_location, "handout", *therapy_args(slugs), "--one-page", "-o", out) != 0
    err = capsys.readouterr().err
    assert f"a one-page handout compares 2 to 4 options; {chosen}" in err and len(err.strip().splitlines()) == 1
    assert not out.exists() and [p.name for p in tmp_path.iterdir()] == ["data"]
    capsys.readouterr()
    assert run(prepared_location, "handout", "log") == 0
    assert "no handouts have been printed yet" in capsys.readouterr().out


def test_notes_are_refused_on_the_one_page_grid(prepared_location, tmp_path, capsys):
    out = tmp_path / "notes.pdf"
    assert run(prepared_location, "handout", *therapy_args(OPTIONS[2]), "--one-page", "--notes", "Walk daily",
               "-o", out) != 0
    assert "no room for --notes" in capsys.readouterr().err and not out.exists()


def test_one_page_is_logged_and_reprinted_exactly(prepared_location, tmp_path, capsys):
    first = tmp_path / "first.pdf"
    assert run(prepared_location, "handout", *therapy_args(OPTIONS[4]), "--one-page", "--paper", "letter",
               "--patient", "Jane Smith", "-o", first) == 0
    capsys.readouterr()
    assert run(prepared_location, "handout", "log", "--json") == 0
    [entry] = json.loads(capsys.readouterr().out)
    assert entry["options"]["one_page"] is True and entry["options"]["landscape"] is True
    assert entry["options"]["body_pt"] in (9, 10, 11, 12)
    assert entry["options"]["comparison_rows"] == list(DEFAULT_ROWS[:4]) + ["guidelines", "main_risks", "recovery"]
    assert entry["therapies"] == list(OPTIONS[4]) and entry["paper"] == "letter"
    assert run(prepared_location, "handout", "log") == 0
    assert "(one page)" in capsys.readouterr().out

    again = tmp_path / "again.pdf"
    assert run(prepared_location, "handout", "reprint", str(entry["id"]), "-o", again) == 0
    assert f"sha256 {entry['sha256'][:12]} verified" in capsys.readouterr().out
    (original,), original_text, size = read_pdf(first)
    (reprint,), reprint_text, reprint_size = read_pdf(again)
    assert reprint_size == size and size[0] > size[1]  # still one landscape page
    assert f"REPRINT of handout #{entry['id']}" in reprint_text
    # the same page: everything but the reprint mark is as it was (the name was not kept, so it is blank)
    unmarked = re.sub(r"REPRINT of handout #\d+ \([^)]*\) ", "", reprint_text)
    assert unmarked == original_text.replace("For Jane Smith. ", "")
    capsys.readouterr()
    assert run(prepared_location, "handout", "log", "--json") == 0
    latest = json.loads(capsys.readouterr().out)[0]
    assert latest["reprint_of"] == entry["id"] and latest["sha256"] == entry["sha256"]
    assert latest["options"]["one_page"] is True and latest["options"]["reprint"] is True
