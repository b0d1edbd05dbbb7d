"""Search finds what clinicians and patients type: names, abbreviations, drug and brand names, lay
words, typos, run-together words and conditions (on the shipped library, no Qt)."""

from __future__ import annotations

import pytest

from clinic_app.services import library, search

# (what is typed, the therapy that must come first)
FIRST = [
    ("epidural", "epidural-steroid-injection"), ("ESI", "epidural-steroid-injection"),
    ("cortisone shot", "epidural-steroid-injection"), ("steroid injection", "epidural-steroid-injection"),
    ("discectomy", "discectomy"), ("microdiscectomy", "discectomy"),
    ("radiofrequency", "radiofrequency-denervation"), ("RFA", "radiofrequency-denervation"),
    ("nerve burning", "radiofrequency-denervation"),
    ("spinal cord stimulator", "spinal-cord-stimulation"), ("SCS", "spinal-cord-stimulation"),
    ("basivertebral", "basivertebral-nerve-ablation"), ("laminectomy", "decompression-surgery"),
    ("decompression", "decompression-surgery"),
    ("paracetamol", "paracetamol"), ("acetaminophen", "paracetamol"), ("tylenol", "paracetamol"),
    ("opioids", "opioids"), ("tramadol", "opioids"), ("oxycodone", "opioids"),
    ("duloxetine", "antidepressants"), ("cymbalta", "antidepressants"),
    ("pregabalin", "gabapentinoids"), ("lyrica", "gabapentinoids"), ("gabapentin", "gabapentinoids"),
    ("muscle relaxant", "muscle-relaxants"), ("prednisolone", "oral-corticosteroids"),
    ("manipulation", "spinal-manipulation"), ("chiropractor", "spinal-manipulation"),
    ("acupuncture", "acupuncture"), ("massage", "massage"),
    ("CBT", "psychological-therapies"), ("mindfulness", "psychological-therapies"),
    ("pain reprocessing", "psychological-therapies"),
    ("multidisciplinary", "multidisciplinary-rehabilitation"), ("yoga", "yoga"),
    ("TENS", "tens"), ("heat", "heat"), ("heat wrap", "heat"),
    ("PRP", "platelet-rich-plasma"), ("platelet", "platelet-rich-plasma"),
    ("BMAC", "bone-marrow-concentrate"), ("stem cells", "bone-marrow-concentrate"),
    ("bone marrow", "bone-marrow-concentrate"), ("growth factor", "growth-factors"),
    ("prolotherapy", "prolotherapy"), ("dextrose", "prolotherapy"),
    ("ibuprofen", "nsaids"), ("naproxen", "nsaids"), ("diclofenac", "nsaids"),
    ("physio", "exercise-therapy"), ("physical therapy", "exercise-therapy"),
    ("fusion", "lumbar-fusion"), ("watchful waiting", "self-care"),
    # typos and run-together words
    ("stemcell", "bone-marrow-concentrate"), ("acupunture", "acupuncture"),
    ("prolotheraphy", "prolotherapy"), ("paracetemol", "paracetamol"), ("gabapentine", "gabapentinoids"),
]


@pytest.mark.parametrize(("query", "first"), FIRST)
def test_the_intended_therapy_comes_first(reader, query, first):
    hits = search.search(reader, query)
    assert hits, f"nothing found for {query!r}"
    assert hits[0].slug == first, f"{query!r}: {[h.slug for h in hits[:3]]}"


def test_a_typo_says_what_was_searched_instead(reader):
    results = search.search_results(reader, "acupunture")
    assert results.corrected == "acupuncture"
    assert results.hits[0].slug == "acupuncture"
    assert search.search_results(reader, "acupuncture").corrected is None


def test_gibberish_finds_nothing_rather_than_a_guess(reader):
    assert search.search_results(reader, "zzqxv").hits == []


@pytest.mark.parametrize(("query", "condition"), [
    ("sciatica", "sciatica"), ("stenosis", "spinal-stenosis"), ("slipped disc", "sciatica"),
])
def test_a_condition_lists_its_options(reader, query, condition):
    results = search.search_results(reader, query)
    assert condition in results.conditions
    options = {t.slug for t in library.get_condition(reader, condition).therapies}
    found = [h.slug for h in results.hits]
    assert options <= set(found), sorted(options - set(found))


def test_a_word_only_in_the_sources_says_so(reader):
    # an author's name is in the references only: the hit says it was found in the sources
    hits = search.search(reader, "Pettine")
    assert hits and all(h.via == "references" for h in hits)
    assert all(h.snippet.startswith(search.REFERENCE_NOTE) for h in hits)


def test_a_match_in_the_sources_never_outranks_a_therapys_own_text(reader):
    hits = search.search(reader, "discography")
    own = [h for h in hits if h.via != "references"]
    via_refs = [h for h in hits if h.via == "references"]
    assert own, "discography is named in therapy text"
    assert hits[: len(own)] == own
    assert all(h.snippet.startswith(search.REFERENCE_NOTE) for h in via_refs)


def test_edit_distance_counts_a_swap_once():
    assert search.edit_distance("acupunture", "acupuncture") == 1
    assert search.edit_distance("paracetemol", "paracetamol") == 1
    assert search.edit_distance("form", "from") == 1
    assert search.edit_distance("abc", "xyz", limit=1) == 2


def test_what_search_keeps_in_memory_follows_a_write_by_another_connection(prepared_location, reader):
    import sqlite3

    assert search.search(reader, "yoga")[0].name == "Yoga"
    with sqlite3.connect(prepared_location.sqlite_path) as conn:  # another room, another process
        conn.execute("UPDATE therapy SET name = 'Yoga classes' WHERE slug = 'yoga'")
        conn.execute("UPDATE condition SET aliases = '[\"bad back\"]' WHERE slug = 'chronic-low-back-pain'")
    assert search.search(reader, "yoga")[0].name == "Yoga classes"
    assert search.search_results(reader, "bad back").conditions == ("chronic-low-back-pain",)
