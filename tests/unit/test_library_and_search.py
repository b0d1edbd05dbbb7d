"""Reading the library and searching it, as the window and the CLI do (no Qt)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clinic_app.errors import NotFoundError
from clinic_app.services import library, search


def test_list_is_grouped_regenerative_first(reader):
    items = library.list_therapies(reader)
    categories = [i.category for i in items]
    assert categories == sorted(categories, key=lambda c: c != "regenerative")
    assert {i.status for i in items} == {"established", "emerging", "investigational"}


def test_detail_has_every_section_and_graded_references(reader):
    detail = library.get_therapy(reader, "platelet-rich-plasma")
    assert detail.status == "investigational"
    assert all(detail.clinician[key] for key, _ in library.CLINICIAN_SECTIONS)
    assert all(detail.patient[key] for key, _ in library.PATIENT_SECTIONS)
    assert len(detail.questions) >= 3
    keys = {r.key for r in detail.references}
    assert "C6" in keys
    c6 = next(r for r in detail.references if r.key == "C6")
    assert "10.1016/j.inpm.2022.100011" in c6.citation_line()
    assert len(detail.comparison) == 13


def test_unknown_slug_lists_the_known_ones(reader):
    with pytest.raises(NotFoundError, match="platelet-rich-plasma"):
        library.get_therapy(reader, "unicorn-dust")


@pytest.mark.parametrize(("query", "first"), [
    ("plasma", "platelet-rich-plasma"),
    ("plate", "platelet-rich-plasma"),
    ("PLATELET", "platelet-rich-plasma"),
    ("prolo", "prolotherapy"),
    ("marrow", "bone-marrow-concentrate"),
    ("fusion", "lumbar-fusion"),
    ("nsaid", "nsaids"),
    ("dextrose", "prolotherapy"),
])
def test_ranked_prefix_search(reader, query, first):
    hits = search.search(reader, query)
    assert hits and hits[0].slug == first


def test_diacritics_are_folded(reader):
    assert search.search(reader, "plâtelet")[0].slug == "platelet-rich-plasma"


def test_snippet_highlights_the_match(reader):
    hit = search.search(reader, "dextrose", highlight=("<b>", "</b>"))[0]
    assert "<b>" in hit.snippet and "dextrose" in hit.snippet.lower()


def test_search_reaches_references_by_pmid(reader):
    assert any(h.slug == "platelet-rich-plasma" for h in search.search(reader, "33642874"))


def test_all_words_must_match(reader):
    assert search.search(reader, "plasma zzzzqqq") == []
    assert search.search(reader, "   ") == []


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=40))
def test_any_typed_text_is_safe(reader, text):
    """Whatever a person types (quotes, operators, brackets), search answers instead of failing."""
    assert isinstance(search.search(reader, text), list)
