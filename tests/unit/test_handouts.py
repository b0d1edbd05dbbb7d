"""Composing handouts (no Qt): the right therapies, plain words, the grade limit, escaping, the log."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3

import pytest
from markupsafe import escape

from clinic_app.content import readability
from clinic_app.errors import DatabaseError, NotFoundError
from clinic_app.printing.handout_html import render_handout_html, source_lines
from clinic_app.services import handout_log, handouts, library
from clinic_app.services.handouts import HandoutRequest, compose_handout
from clinic_app.storage.store import Store


def test_single_therapy_handout_has_every_part(reader):
    handout = compose_handout(reader, HandoutRequest(therapies=("platelet-rich-plasma",), patient_name="J. Smith",
                                                     clinician="Dr A. Shah", date=dt.date(2026, 11, 20)))
    doc = render_handout_html(handout)
    html = doc.filled_html()
    for text in ("In short", "How is it done?", "How well does it work?", "What we do not know yet",
                 "What are the risks?", "Questions to ask your doctor", "What you can do now", "Next visit:",
                 "Where this information comes from", "experimental", "J. Smith", "Dr A. Shah", "20 November 2026"):
        assert text in html, text
    assert "J. Smith" in doc.filled_header()
    assert all(escape(r.compact_line()) in html for r in handout.references)
    assert handout.clinic.disclaimer and handout.clinic.disclaimer.split()[0] in html


def _all_slugs():
    from clinic_app.content.check import load_content

    return [t.slug for t in load_content()[0].therapies]


@pytest.mark.parametrize("slug", _all_slugs())
def test_every_shipped_single_therapy_handout_reads_at_grade_7_or_lower(reader, slug):
    handout = compose_handout(reader, HandoutRequest(therapies=(slug,)))
    assert readability.grade(handout.patient_text()) <= 7.0


def test_a_handout_for_a_condition_states_the_decision_and_the_note_for_it(reader):
    handout = compose_handout(reader, HandoutRequest(therapies=("epidural-steroid-injection", "self-care"),
                                                     condition="sciatica"))
    condition = library.get_condition(reader, "sciatica")
    html = render_handout_html(handout).filled_html()
    assert condition.decision in html
    assert "Get help urgently if" in html and condition.urgent[0] in html
    note = library.get_therapy(reader, "epidural-steroid-injection").position_for("sciatica")
    assert note.patient.split(".")[0] in html
    assert readability.grade(handout.patient_text()) <= 7.0


def test_every_handout_has_the_red_flags_even_without_a_condition(reader):
    handout = compose_handout(reader, HandoutRequest(therapies=("nsaids",)))
    html = render_handout_html(handout).filled_html()
    assert "Get help urgently if" in html and handout.red_flags.urgent[0] in html


def test_an_unknown_condition_is_refused_by_name(reader):
    with pytest.raises(NotFoundError, match="unknown condition 'whiplash'.*sciatica"):
        compose_handout(reader, HandoutRequest(therapies=("nsaids",), condition="whiplash"))


def test_patients_see_sources_without_the_content_teams_notes(reader):
    handout = compose_handout(reader, HandoutRequest(therapies=("platelet-rich-plasma", "bone-marrow-concentrate",
                                                                "lumbar-fusion")))
    html = render_handout_html(handout).filled_html()
    for note in ("not recorded", "not seen", "descriptive label", "when checked"):
        assert note not in html


def test_content_with_markup_prints_as_text(prepared_location, reader):
    with sqlite3.connect(prepared_location.sqlite_path) as conn:
        conn.execute("INSERT INTO clinic_profile (name, address, phone, website, clinicians, disclaimer, paper_size, "
                     "large_print, keep_patient_names) VALUES (?, '', '', ?, '[]', '', 'a4', 0, 0)",
                     ("<b>Bold</b> Clinic", '<a href="http://evil.example/x.png">site</a>'))
    handout = compose_handout(reader, HandoutRequest(therapies=("nsaids",), notes='<img src="http://evil.example/t.png">'))
    doc = render_handout_html(handout)
    html = doc.filled_html()  # the notes are filled in for paper, escaped like the rest
    assert "&lt;b&gt;Bold&lt;/b&gt; Clinic" in html
    assert '<img src="http' not in html
    links = re.findall(r'<a\b[^>]*\bhref="([^"]*)"', html)  # the only links: the sources' checked identifiers
    assert all(url.startswith(("https://pubmed.ncbi.nlm.nih.gov/", "https://doi.org/",
                               "https://pmc.ncbi.nlm.nih.gov/")) for url in links), links
    assert "evil.example" not in " ".join(links)
    assert "&lt;img src=" in html
    assert "evil.example/t.png" not in doc.html  # the stored source holds only the notes' frame


def test_bad_requests_name_the_problem(reader):
    with pytest.raises(NotFoundError, match="unicorn"):
        compose_handout(reader, HandoutRequest(therapies=("unicorn",)))
    with pytest.raises(NotFoundError, match="paper size"):
        compose_handout(reader, HandoutRequest(therapies=("nsaids",), paper="a3"))
    with pytest.raises(NotFoundError, match="at least one"):
        compose_handout(reader, HandoutRequest(therapies=()))
    assert library.get_therapy(reader, "nsaids")


def test_log_keeps_the_exact_document_and_refuses_a_tampered_one(prepared_location, reader):
    handout = compose_handout(reader, HandoutRequest(therapies=("nsaids", "self-care"), patient_name="J. Smith"))
    doc = render_handout_html(handout)
    first = handout_log.record(Store.of(prepared_location), handout, doc, kind="pdf", destination="/tmp/x.pdf")
    item = handout_log.get_print(reader, first)
    assert item.therapies == ("nsaids", "self-care") and item.patient_name is None  # names kept only if opted in
    assert item.content_versions == {"nsaids": 2, "self-care": 2}
    again = handout_log.load_snapshot(reader, first)
    assert again.html == doc.html and again.header == doc.header and again.sha256 == doc.sha256
    # The name was not kept, so the stored document holds no trace of it, and a reprint prints none.
    assert "J. Smith" not in handout_log.snapshot(doc)[0].decode("latin-1") + again.filled_html() + again.filled_header()
    assert handout_log.as_reprint(again, item).header.startswith(f"REPRINT of handout #{first}")
    with sqlite3.connect(prepared_location.sqlite_path) as conn, pytest.raises(sqlite3.DatabaseError):
        conn.execute("UPDATE handout_print SET sha256 = 'x' WHERE id = ?", (first,))
    with sqlite3.connect(prepared_location.sqlite_path) as conn:
        conn.execute("DROP TRIGGER handout_print_unchanged")
        conn.execute("UPDATE handout_print SET sha256 = ? WHERE id = ?", ("0" * 64, first))
    with pytest.raises(DatabaseError, match="SHA-256"):
        handout_log.load_snapshot(reader, first)


def test_patient_name_is_kept_only_when_the_clinic_opted_in_and_a_purge_removes_it(prepared_location, reader):
    with sqlite3.connect(prepared_location.sqlite_path) as conn:
        conn.execute("INSERT INTO clinic_profile (name, address, phone, website, clinicians, disclaimer, paper_size, "
                     "large_print, keep_patient_names) VALUES ('Spine Clinic', '', '', '', '[]', '', 'a4', 0, 1)")
    handout = compose_handout(reader, HandoutRequest(therapies=("nsaids",), patient_name="Ana <b>Díaz</b>"))
    doc = render_handout_html(handout)
    assert "Ana &lt;b&gt;Díaz&lt;/b&gt;" in doc.filled_html() and "Ana <b>Díaz</b>" in doc.filled_header()
    first = handout_log.record(Store.of(prepared_location), handout, doc, kind="pdf", destination="/tmp/x.pdf",
                               keep_patient_name=handout_log.keeps_patient_names(reader))
    again = handout_log.load_snapshot(reader, first)
    assert again.filled_html() == doc.filled_html() and again.sha256 == doc.sha256
    with sqlite3.connect(prepared_location.sqlite_path) as conn:
        conn.execute("UPDATE handout_print SET patient_name = NULL WHERE id = ?", (first,))
    purged = handout_log.load_snapshot(reader, first)
    assert purged.sha256 == doc.sha256  # the document is intact; only the name is gone
    assert "Díaz" not in purged.filled_html() + purged.filled_header()


def test_references_are_listed_in_reading_order(reader):
    handout = compose_handout(reader, HandoutRequest(therapies=("bone-marrow-concentrate",)))
    keys = [r.key for r in handout.references]
    assert keys.index("A2") < keys.index("A10") < keys.index("A11") < keys.index("F1")


def test_handout_references_are_short_but_can_be_looked_up(reader):
    handout = compose_handout(reader, HandoutRequest(therapies=("bone-marrow-concentrate",)))
    by_key = {r.key: r for r in handout.references}
    line = by_key["A1"].short_line()
    assert line.startswith("Pettine KA et al. Percutaneous injection") and "Stem Cells 2015." in line
    assert line.endswith(by_key["A1"].pmid and f"PMID {by_key['A1'].pmid}" or f"doi:{by_key['A1'].doi}")
    assert all(r.short_line() and len(r.short_line()) < len(r.citation_line()) + 1 for r in handout.references)
    html = render_handout_html(handout).html
    # A compact numbered list: first author, journal, year and the identifier; the title only for a
    # work without an author or journal to name it by; the same work listed once.
    assert by_key["A1"].compact_line() == "Pettine KA et al. Stem Cells 2015. doi:10.1002/stem.1845"
    lines = source_lines(handout)
    assert len(lines) == len(set(lines)) and all(escape(line) in html for line in lines)
    assert all(f"<b>{n}.</b>" in html for n in range(1, len(lines) + 1))
    assert not any(f">{r.key}<" in html for r in handout.references)  # the library's keys are for clinicians


def test_the_same_work_under_two_keys_is_listed_once(reader):
    handout = compose_handout(reader, HandoutRequest(therapies=("nsaids",)))
    by_key = {r.key: r for r in handout.references}
    assert by_key["E8"].compact_line() == by_key["G5"].compact_line()  # one ACP guideline, two library entries
    assert len(source_lines(handout)) == len(handout.references) - 1


def test_oversized_or_slot_bearing_text_is_handled(reader):
    with pytest.raises(NotFoundError, match="notes is 4,001 characters"):
        compose_handout(reader, HandoutRequest(therapies=("nsaids",), notes="x" * 4001))
    from clinic_app.services.handouts import PATIENT_SLOT

    handout = compose_handout(reader, HandoutRequest(therapies=("nsaids",), patient_name="Ana",
                                                     notes=f"Typed {PATIENT_SLOT} here"))
    doc = render_handout_html(handout)
    assert "Typed  here" in doc.filled_html() and doc.filled_html().count("Ana") == 1


def test_a_long_patient_name_is_shortened_in_the_page_band_only(reader):
    name = "Alexandra Konstantinopoulou-Wetherington-Smythe"
    doc = render_handout_html(compose_handout(reader, HandoutRequest(therapies=("nsaids",), patient_name=name)))
    assert name in doc.filled_html()
    band = doc.filled_header()
    assert name not in band and "Alexandra Konstantinopoulou" in band and "\u2026" in band


def test_status_has_a_shape_as_well_as_a_colour(reader):
    html = render_handout_html(compose_handout(reader, HandoutRequest(
        therapies=("nsaids", "prolotherapy", "platelet-rich-plasma")))).filled_html()
    for mark, word in (("\u25cf", "Established"), ("\u25b2", "Emerging"), ("\u25c6", "Investigational")):
        assert f"{mark}&nbsp;{word}" in html  # one unit: a line never ends between the shape and its word
    assert "How&nbsp;sure&nbsp;are&nbsp;we:" in html


def test_what_you_can_do_now_gives_the_conditions_steps(reader):
    steps = library.get_condition(reader, "sciatica").actions
    assert 2 <= len(steps) <= 4
    html = render_handout_html(compose_handout(reader, HandoutRequest(therapies=("nsaids",), condition="sciatica")))
    text = html.filled_html()
    assert "What you can do now" in text and all(step.replace('"', "&#34;") in text or step in text for step in steps)


def test_without_a_condition_the_steps_are_about_the_decision(reader):
    from clinic_app.services.handouts import GENERAL_ACTIONS

    text = render_handout_html(compose_handout(reader, HandoutRequest(therapies=("nsaids",)))).filled_html()
    assert "What you can do now" in text and all(step in text for step in GENERAL_ACTIONS)


def test_the_grid_shows_status_shapes_too(reader):
    from clinic_app.printing.comparison_html import comparison_table_html
    from clinic_app.services.comparison import compare

    html = comparison_table_html(compare(reader, ["nsaids", "prolotherapy", "platelet-rich-plasma"]), 12)
    assert "\u25cf&nbsp;Established" in html and "\u25b2&nbsp;Emerging" in html
    assert "\u25c6&nbsp;Investigational" in html


def test_a_handout_of_only_unproven_options_carries_standard_care(reader):
    """PRP alone for sciatica also shows self-care (sciatica's first option); for low back pain,
    exercise therapy and self-care. Any established option on the handout makes them unneeded."""
    assert handouts.alternatives_for(reader, ("platelet-rich-plasma",), "sciatica") == ("self-care",)
    assert handouts.alternatives_for(reader, ("platelet-rich-plasma", "prolotherapy"), "chronic-low-back-pain") == (
        "exercise-therapy", "self-care")
    assert handouts.alternatives_for(reader, ("platelet-rich-plasma",), "") == ("exercise-therapy", "self-care")
    assert handouts.alternatives_for(reader, ("platelet-rich-plasma", "nsaids"), "sciatica") == ()
    assert handouts.alternatives_for(reader, ("platelet-rich-plasma", "self-care"), "spinal-stenosis") == ()
    handout = compose_handout(reader, HandoutRequest(therapies=("bone-marrow-concentrate",), condition="sciatica"))
    assert [a.slug for a in handout.alternatives] == ["self-care"]
    html = render_handout_html(handout).html
    assert "Standard care to ask about too" in html and "Self-care means you stay active" in html
    assert "Self-care means you stay active" in handout.patient_text()


def test_the_doctor_may_leave_standard_care_out_with_a_reason_that_is_logged(prepared_location, reader):
    from clinic_app.printing import handout_jobs

    request = HandoutRequest(therapies=("platelet-rich-plasma",), condition="sciatica",
                             alternatives_left_out="Already on our exercise program")
    handout = compose_handout(reader, request)
    assert handout.alternatives == ()
    assert "Standard care to ask about too" not in render_handout_html(handout).html
    result = handout_jobs.produce(reader, request, output=prepared_location.data_dir / "h.pdf")
    options = handout_log.list_prints(reader)[0].options
    assert options["alternatives_left_out"] == "Already on our exercise program" and "alternatives" not in options
    shown = handout_jobs.produce(reader, HandoutRequest(therapies=("platelet-rich-plasma",)),
                                 output=prepared_location.data_dir / "i.pdf")
    assert shown.alternatives == ("exercise-therapy", "self-care") and result.alternatives == ()
    assert handout_log.list_prints(reader)[0].options["alternatives"] == ["exercise-therapy", "self-care"]


def test_a_number_in_the_text_is_also_drawn_as_an_icon_array(reader):
    from clinic_app.printing import figures
    from clinic_app.printing.paged import ensure_gui_application

    handout = compose_handout(reader, HandoutRequest(therapies=("platelet-rich-plasma",)))
    part = next(s for s in handout.therapies[0].sections if s.heading == "How well does it work?")
    assert part.figures[0].groups == (("PRP shot", 48), ("Salt-water shot", 36))
    html = render_handout_html(handout).html
    assert 'src="icon-array:48:143d59"' in html and 'src="icon-array:36:8a6d00"' in html
    assert "48 in 100" in html and "how many had less pain after 1 year." in html
    ensure_gui_application()
    image = figures.render("icon-array:48:143d59")
    dark = sum(1 for row in range(10) for column in range(10)
               if image.pixelColor(int((column + 0.5) * image.width() / 10),
                                   int((row + 0.5) * image.height() / 10)).name() == "#143d59")
    assert dark == 48  # 48 of the 100 figures are shaded, the rest are rings
    assert figures.render("https://example.org/x.png") is None and figures.render("icon-array:48:zzzzzz") is None
