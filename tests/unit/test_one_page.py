"""The one-page option grid: how many options it takes, how answers are shortened, and how it is made
to fit one page (QtGui offscreen, no widgets)."""

from __future__ import annotations

import json

import pytest

from clinic_app.errors import NotFoundError
from clinic_app.printing import handout_jobs, one_page
from clinic_app.printing.paged import page_count
from clinic_app.services import handout_log
from clinic_app.services import one_page as grid_rules
from clinic_app.services.handouts import HandoutRequest, compose_handout
from clinic_app.storage.store import Store

FOUR = ("bone-marrow-concentrate", "platelet-rich-plasma", "radiofrequency-denervation", "self-care")
EIGHT_ROWS = (*grid_rules.DEFAULT_ROWS, "best_for")
SEVEN_ROWS = tuple(k for k in EIGHT_ROWS if k != "recovery")


@pytest.mark.parametrize(("count", "message"), [(0, "0 were chosen"), (1, "1 was chosen"), (5, "5 were chosen")])
def test_two_to_four_options(count, message):
    with pytest.raises(NotFoundError, match=f"compares 2 to 4 options; {message}"):
        grid_rules.check_count(count)
    for fine in (2, 3, 4):
        grid_rules.check_count(fine)
    assert [grid_rules.landscape(n) for n in (2, 3, 4)] == [False, False, True]


def test_shorten_keeps_whole_sentences_and_says_so():
    text = "Low. A small trial found a gain at 8 weeks. A larger trial found no gain at 1 year."
    assert grid_rules.sentences(text) == ["Low.", "A small trial found a gain at 8 weeks.",
                                          "A larger trial found no gain at 1 year."]
    assert grid_rules.shorten(text, len(text)) == text
    cut = grid_rules.shorten(text, 70)
    assert cut == "Low. A small trial found a gain at 8 weeks. (see the full handout)" and len(cut) <= 70
    # never just the short lead "Low.": a cut keeps at least six words, even past the limit
    assert grid_rules.shorten(text, 10) == cut
    # a cut that would not make the answer shorter is not made
    short = "Not known yet. We found no results in people."
    assert grid_rules.shorten(short, 20) == short


def test_rows_that_say_the_same_for_every_option_are_left_whole(reader):
    grid = grid_rules.matrix(reader, ("nsaids", "self-care"), ("what_is_it", "main_risks"))
    same = grid.rows[0].cells[0]
    from dataclasses import replace

    grid = replace(grid, rows=(replace(grid.rows[0], cells=(same, same)), grid.rows[1]))
    cut = grid_rules.shortened(grid, 10)
    assert cut.rows[0] == grid.rows[0]
    assert all(c.text.endswith(grid_rules.SEE_FULL) for c in cut.rows[1].cells if c.text != "")


def test_a_short_grid_fits_at_the_full_size_and_a_large_print_one_starts_larger(reader):
    normal = compose_handout(reader, HandoutRequest(therapies=("nsaids", "self-care"), one_page=True))
    grid = grid_rules.matrix(reader, ("nsaids", "self-care"))
    assert one_page.fit(normal, grid).body_pt == 12
    large = compose_handout(reader, HandoutRequest(therapies=("nsaids", "self-care"), one_page=True,
                                                   large_print=True))
    doc = one_page.fit(large, grid)
    assert 12 <= doc.body_pt <= 14 and page_count(handout_jobs.printable(doc)) == 1


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_a_grid_too_long_at_9_pt_is_cut_to_whole_sentences_on_one_page(reader, paper):
    request = HandoutRequest(therapies=FOUR, one_page=True, comparison_rows=SEVEN_ROWS, paper=paper,
                             patient_name="Jane Smith")
    handout, doc = one_page.build_document(reader, request)
    assert doc.body_pt == one_page.MIN_PT and doc.landscape
    assert page_count(handout_jobs.printable(doc)) == 1
    assert handout.request.comparison_rows == tuple(k for k in grid_rules.DEFAULT_ROWS[:4]) + (
        "guidelines", "main_risks", "best_for")
    from markupsafe import escape

    shortened = 0
    for row in grid_rules.matrix(reader, FOUR, SEVEN_ROWS).rows:
        for cell in row.cells:
            if str(escape(cell.text)) in doc.html:
                continue
            parts = grid_rules.sentences(cell.text)  # else the first sentences, marked
            heads = [" ".join(parts[:keep]) + grid_rules.SEE_FULL for keep in range(1, len(parts))]
            assert any(str(escape(head)) in doc.html for head in heads), cell.text
            shortened += 1
    assert shortened and doc.html.count(grid_rules.SEE_FULL) == shortened
    # the signs to get help urgently are on this handout too, every one of them
    assert "Get help urgently." in doc.html and handout.red_flags.urgent_brief
    assert all(str(escape(sign)) in doc.html for sign in handout.red_flags.urgent_brief)


def test_rows_that_cannot_fit_even_cut_short_are_refused(reader):
    from clinic_app.services.comparison import row_catalogue

    every_row = tuple(row.key for row in row_catalogue(reader))
    with pytest.raises(NotFoundError, match="do not fit on one page.*choose fewer rows"):
        one_page.build_document(reader, HandoutRequest(therapies=FOUR, one_page=True, comparison_rows=every_row))


def test_orientation_and_margins_are_part_of_the_stored_document(reader, prepared_location):
    _, full = handout_jobs.build_document(reader, HandoutRequest(therapies=("nsaids",)))
    assert set(json.loads(full.source_bytes())) == {"html", "title", "header", "footer", "body_pt", "paper", "logo"}
    handout, doc = one_page.build_document(reader, HandoutRequest(therapies=FOUR, one_page=True))
    stored = json.loads(doc.source_bytes())
    assert stored["landscape"] is True and stored["margin_mm"] == doc.margin_mm
    record = handout_log.record(Store.of(prepared_location), handout, doc, kind="pdf", destination="/tmp/x.pdf")
    again = handout_log.load_snapshot(reader, record)
    assert again.landscape and again.margin_mm == doc.margin_mm and again.sha256 == doc.sha256
    assert handout_log.get_print(reader, record).options["one_page"] is True


def test_a_page_of_only_unproven_options_shows_the_standard_care_beside_them(reader):
    handout, doc = one_page.build_document(reader, HandoutRequest(
        therapies=("platelet-rich-plasma", "prolotherapy"), one_page=True, condition="chronic-low-back-pain"))
    assert [a.slug for a in handout.alternatives] == ["exercise-therapy", "self-care"]
    assert doc.landscape and "Exercise therapy" in doc.html and "Self-care" in doc.html
    with pytest.raises(NotFoundError, match="also shows the standard care .* at most 4 options"):
        one_page.build_document(reader, HandoutRequest(
            therapies=("platelet-rich-plasma", "prolotherapy", "growth-factors"), one_page=True))
    _, doc = one_page.build_document(reader, HandoutRequest(
        therapies=("platelet-rich-plasma", "prolotherapy", "growth-factors"), one_page=True,
        alternatives_left_out="The patient asked about injections only"))
    assert "Self-care" not in doc.html
