"""A therapy the clinic adds itself, with its own references: checked as shipped content is, written in
one transaction, found by search, and left alone by a later content load."""

from __future__ import annotations

import copy
import datetime as dt
import os
from pathlib import Path

import pytest
import yaml
from sqlalchemy import text as sql_text
from store_files import db_digest

from clinic_app.content.check import load_content
from clinic_app.content.loader import write_content
from clinic_app.content.paths import shipped_content_dir
from clinic_app.errors import ClinicAppError
from clinic_app.services import clinic_therapies, library, search
from clinic_app.services.clinic_therapies import SHIPPED_SLUG, ClinicTherapyError

SLUG = "back-care-class"
TODAY = dt.date(2026, 12, 3)

# The clinic's reference is a real record copied from the shipped references (G2, NICE QS155): its title,
# year, identifier and where the shipped record says it was seen. The therapy's texts say only where,
# when and who runs the clinic's own class: no clinical claim.
NICE_QS155 = {
    "key": "L1",
    "authors": "National Institute for Health and Care Excellence (NICE)",
    "year": 2017,
    "title": "Low back pain and sciatica in over 16s (quality standard). Quality statement 3: Self-management",
    "other_id": "NICE quality standard QS155",
    "design": "Quality standard (based on NICE guideline NG59)",
    "finding": "People with low back pain, with or without sciatica, should be given advice and information "
               "to self-manage.",
    "source_seen": "https://nice.org.uk/guidance/QS155/chapter/quality-statement-3-self-management; year from the "
                   "NICE pathway update list (QS155 added 26 July 2017) at "
                   "https://pathways.nice.org.uk/pathways/low-back-pain-and-sciatica",
}

THERAPY = {
    "slug": SLUG,
    "name": "Back-care education class",
    "patient_name": "Our back-care class",
    "category": "non-drug",
    "status": "established",
    "evidence_grade": "very low",
    "content_version": 1,
    "production_date": dt.date(2026, 11, 20),
    "last_reviewed": dt.date(2026, 11, 20),
    "reviewer": "Clinic physiotherapy team",
    "update_policy": "The clinic's physiotherapy team reviews this page when the class times or place change.",
    "funding": "Written by the clinic's own staff. No maker or seller of any product paid for it.",
    "aliases": ["back class", "back school"],
    "conditions": ["chronic-low-back-pain"],
    "clinician": {
        "summary": "The clinic's own one-hour group class on looking after your back, held in our meeting "
                   "room. It is a way to give the self-management advice and information that NICE "
                   "quality standard QS155 asks for [L1].",
        "mechanism": "Not a treatment with a mechanism: the class is a setting for advice and information "
                     "on self-management [L1].",
        "procedure": "Groups of up to 10 people meet in the meeting room on the ground floor, Tuesdays "
                     "from 6 to 7 pm. A clinic physiotherapist runs each class.",
        "candidates": "Any patient of the clinic with low back pain who would like the self-management "
                      "advice in a group rather than one to one [L1].",
        "contraindications": "None specific to the class. People who cannot sit for an hour may stand or "
                             "walk about during it.",
        "risks": "The class is a talk with handouts and questions; there is no exercise in the room.",
        "recovery": "No recovery time. People go home or back to work straight after the class.",
        "regulatory": "A clinic service, not a regulated product. Booking is through the front desk.",
        "evidence": "This class itself has not been studied. It carries the advice that NICE quality "
                    "standard QS155 asks services to give [L1].",
    },
    "patient": {
        "summary": "This is a class about caring for your back. It is run by our own staff. It takes one hour.",
        "how_it_works": "A physio talks with the group and gives you tips to take home. You can ask questions.",
        "procedure": "The class meets in our meeting room on the ground floor. It runs on Tuesdays from 6 to "
                     "7 pm. Up to 10 people join each class.",
        "what_to_expect": "You sit with a small group. The physio talks for part of the hour. Then there is "
                          "time for your questions.",
        "candidates": "Any of our patients with low back pain can come. You do not need a letter from a doctor.",
        "risks": "There is no exercise in the room. You can stand or walk about if sitting is hard for you.",
        "recovery": "There is no recovery time. You can go home or back to work right after the class.",
        "regulatory": "This is a service of our clinic. You book a place at the front desk.",
        "evidence_known": "Health experts say people with back pain should get advice on how to care for "
                          "themselves. This class is one way we give that advice.",
        "evidence_unknown": "No one has studied this class itself. We do not know how it compares with "
                            "advice given one to one.",
        "questions": [
            "Which Tuesday class has a free place?",
            "Can someone come to the class with me?",
            "Can I bring my own questions to the class?",
        ],
    },
    "references": [{"key": "L1", "supports": "Advice and information to self-manage should be given to people "
                                              "with low back pain (NICE QS155)."}],
    "comparison": {
        "what_is_it": {"text": "A one-hour group class about caring for your back.", "refs": []},
        "how_is_it_done": {"text": "A physio talks with a small group and answers questions.", "refs": []},
        "visits": {"text": "One class on a Tuesday evening.", "refs": []},
        "time_to_benefit": {"text": "Not studied for this class.", "refs": []},
        "duration_of_benefit": {"text": "Not studied for this class either.", "refs": []},
        "evidence": {"text": "Our own class; it has not been studied.", "refs": []},
        "guidelines": {"text": "Health experts say people should get advice on self-care.", "refs": ["L1"]},
        "main_risks": {"text": "No exercise in the room.", "refs": []},
        "recovery": {"text": "None. Go home or to work after.", "refs": []},
        "invasiveness": {"text": "A talk. Nothing is done to your body.", "scale": 1, "refs": []},
        "regulatory": {"text": "A service of our clinic.", "refs": []},
        "cost": {"text": "Ask the front desk about the cost.", "refs": []},
        "best_for": {"text": "Patients who want tips in a group.", "refs": []},
    },
}


def clinic_document() -> dict:
    return {"therapy": copy.deepcopy(THERAPY), "references": [dict(NICE_QS155)]}


def write_file(tmp_path: Path, document: dict, name: str = "clinic-therapy.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def add(store, path, by="Dr Lee", why="our own class"):
    return clinic_therapies.add_therapy(store, path, by=by, why=why, today=TODAY)


def test_a_clinic_therapy_is_added_with_its_references(store, prepared_location, tmp_path):
    result = add(store, write_file(tmp_path, clinic_document()))
    assert result.slug == SLUG and result.revision == 1
    assert result.references == (("L1", "Z1"),)

    detail = library.get_therapy(store, SLUG)
    assert detail.origin == "clinic-added"
    assert detail.name == "Back-care education class"
    assert [ref.key for ref in detail.references] == ["Z1"]
    ref = detail.references[0]
    assert ref.verification == "CLINIC" and ref.other_id == "NICE quality standard QS155" and ref.year == 2017
    assert ref.source_seen.startswith("https://nice.org.uk/guidance/QS155")
    assert "[Z1]" in detail.clinician["clinician_summary"] and "[L1]" not in detail.clinician["clinician_summary"]
    assert next(c for c in detail.comparison if c.key == "guidelines").reference_keys == ("Z1",)

    listed = clinic_therapies.list_clinic_therapies(store)
    assert [(t.slug, t.origin, t.added_by, t.references) for t in listed] == [(SLUG, "clinic-added", "Dr Lee", ("Z1",))]
    assert "our own class" in listed[0].reason

    hits = search.search(store, "back-care class")
    assert SLUG in [hit.slug for hit in hits]
    assert SLUG in [hit.slug for hit in search.search(store, "back school")]


def test_a_second_clinic_therapy_gets_new_keys(store, tmp_path):
    add(store, write_file(tmp_path, clinic_document()))
    document = clinic_document()
    therapy = document["therapy"]
    therapy.update(slug="back-care-talk", name="Back-care evening talk", aliases=["back talk"])
    result = add(store, write_file(tmp_path, document, "second.yaml"))
    assert result.references == (("L1", "Z2"),)
    assert [ref.key for ref in library.get_therapy(store, "back-care-talk").references] == ["Z2"]
    assert [t.slug for t in clinic_therapies.list_clinic_therapies(store)] == [SLUG, "back-care-talk"]  # by name


def test_a_shipped_reference_may_be_cited_too(store, tmp_path):
    document = clinic_document()
    therapy = document["therapy"]
    therapy["references"].append({"key": "G2", "supports": "The shipped record of NICE QS155 self-management."})
    therapy["clinician"]["regulatory"] += " See also the shipped record [G2]."
    result = add(store, write_file(tmp_path, document))
    assert [ref.key for ref in library.get_therapy(store, result.slug).references] == ["Z1", "G2"]


def opened(store) -> None:
    """The store opened for writes once (which makes an empty write-ahead log), so the digests
    before and after compare what a refused add writes, not the opening."""
    with store.write() as session:
        session.execute(sql_text("SELECT 1"))


def _refused(store, location, path, *expected: str) -> ClinicTherapyError:
    opened(store)
    before = db_digest(location)
    with pytest.raises(ClinicTherapyError) as caught:
        add(store, path)
    said = "\n".join([caught.value.message, *map(str, caught.value.problems)])
    for words in expected:
        assert words in said, said
    assert db_digest(location) == before
    assert clinic_therapies.list_clinic_therapies(store) == []
    return caught.value


def test_a_hard_patient_text_is_refused_by_name(store, prepared_location, tmp_path):
    document = clinic_document()
    document["therapy"]["patient"]["recovery"] = (
        "Consequently, individuals experiencing considerable uncertainty regarding administrative arrangements "
        "should communicate comprehensively with our appropriately qualified reception personnel beforehand.")
    error = _refused(store, prepared_location, write_file(tmp_path, document), "therapy.patient.recovery",
                     "reading grade")
    assert any(p.file.endswith("clinic-therapy.yaml") and p.line for p in error.problems)


def test_an_unknown_reference_is_refused(store, prepared_location, tmp_path):
    document = clinic_document()
    document["therapy"]["clinician"]["risks"] += " See [L7]."
    _refused(store, prepared_location, write_file(tmp_path, document), "therapy.clinician.risks",
             "cites unknown reference [L7]")


def test_a_clinic_reference_without_source_seen_is_refused(store, prepared_location, tmp_path):
    document = clinic_document()
    del document["references"][0]["source_seen"]
    _refused(store, prepared_location, write_file(tmp_path, document), "references[0].source_seen",
             "required field is missing")


def test_a_clinic_reference_without_an_identifier_is_refused(store, prepared_location, tmp_path):
    document = clinic_document()
    del document["references"][0]["other_id"]
    _refused(store, prepared_location, write_file(tmp_path, document), "references[0]", "needs an identifier")


def test_a_placeholder_is_refused(store, prepared_location, tmp_path):
    document = clinic_document()
    document["therapy"]["patient"]["procedure"] = "The class meets in room TBD on Tuesdays."
    _refused(store, prepared_location, write_file(tmp_path, document), "therapy.patient.procedure",
             "placeholder or unfinished text")


def test_a_shipped_slug_is_refused_by_name(store, prepared_location, tmp_path):
    document = clinic_document()
    document["therapy"]["slug"] = "yoga"
    _refused(store, prepared_location, write_file(tmp_path, document), "therapy.slug", SHIPPED_SLUG)


def test_a_shipped_reference_key_for_the_clinic_s_own_is_refused(store, prepared_location, tmp_path):
    document = clinic_document()
    document["references"][0]["key"] = "G2"
    _refused(store, prepared_location, write_file(tmp_path, document), "references[0].key",
             "is a shipped reference's key")


def test_an_alias_bomb_is_refused(store, prepared_location, tmp_path):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8))
    path = tmp_path / "bomb.yaml"
    path.write_text(bomb, encoding="utf-8")
    _refused(store, prepared_location, path, "bomb.yaml", "YAML aliases")


@pytest.mark.parametrize("content", [b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe", b"just a line of text\n",
                                     b"{not: [valid yaml\n"])
def test_a_file_that_is_not_a_clinic_therapy_is_refused(store, prepared_location, tmp_path, content):
    path = tmp_path / "picture.yaml"
    path.write_bytes(content)
    _refused(store, prepared_location, path, "picture.yaml")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_pipe_is_not_read(store, prepared_location, tmp_path):
    path = tmp_path / "pipe.yaml"
    os.mkfifo(path)
    _refused(store, prepared_location, path, "not a regular file")


def test_a_missing_file_and_who_and_why(store, prepared_location, tmp_path):
    _refused(store, prepared_location, tmp_path / "nowhere.yaml", "file not found")
    path = write_file(tmp_path, clinic_document())
    opened(store)
    before = db_digest(prepared_location)
    with pytest.raises(ClinicAppError, match="who is adding it"):
        clinic_therapies.add_therapy(store, path, by=" ", why="x", today=TODAY)
    with pytest.raises(ClinicAppError, match="a short reason"):
        clinic_therapies.add_therapy(store, path, by="Dr Lee", why="", today=TODAY)
    assert db_digest(prepared_location) == before


def test_the_same_slug_twice_is_refused(store, prepared_location, tmp_path):
    path = write_file(tmp_path, clinic_document())
    add(store, path)
    before = db_digest(prepared_location)
    with pytest.raises(ClinicTherapyError, match="problem") as caught:
        add(store, path)
    assert any("added by the clinic already" in str(p) for p in caught.value.problems)
    assert db_digest(prepared_location) == before


def test_a_later_content_load_keeps_it(store, tmp_path):
    add(store, write_file(tmp_path, clinic_document()))
    before = library.get_therapy(store, SLUG)
    bundle, problems = load_content()
    assert not problems
    with store.write() as session:
        report = write_content(session, bundle)
    assert SLUG not in report.added + report.updated
    after = library.get_therapy(store, SLUG)
    assert after == before and after.origin == "clinic-added"
    assert [r.key for r in after.references] == ["Z1"] and after.references[0].verification == "CLINIC"
    assert SLUG in [hit.slug for hit in search.search(store, "back-care class")]


def test_no_shipped_reference_key_uses_the_clinic_s_letter():
    bundle, _ = load_content(shipped_content_dir())
    assert bundle.references
    assert not [r.key for r in bundle.references if r.key.startswith(clinic_therapies.CLINIC_KEY_LETTER)]


def test_a_later_shipped_therapy_with_the_same_slug_does_not_replace_it(store, tmp_path, content_copy):
    add(store, write_file(tmp_path, clinic_document()))
    before = library.get_therapy(store, SLUG)
    shipped = copy.deepcopy(THERAPY)  # the same slug shipped in a later library, citing a shipped record
    shipped["content_version"] = 2
    shipped["references"][0]["key"] = "G2"
    for name, text in shipped["clinician"].items():
        shipped["clinician"][name] = text.replace("[L1]", "[G2]")
    shipped["comparison"]["guidelines"]["refs"] = ["G2"]
    (content_copy / "therapies" / f"{SLUG}.yaml").write_text(yaml.safe_dump(shipped, sort_keys=False),
                                                             encoding="utf-8")
    bundle, problems = load_content(content_copy)
    assert not problems, problems
    with store.write() as session:
        report = write_content(session, bundle)
    assert SLUG in report.kept_clinic_edits and SLUG not in report.updated + report.added
    after = library.get_therapy(store, SLUG)
    assert after.origin == "clinic-added" and after.clinician == before.clinician
    assert [r.key for r in after.references] == ["Z1"]
    assert after.pending_shipped_version == 2  # kept beside the clinic's text, for the clinic to review
    from clinic_app.services import therapy_edits

    assert [change.slug for change in therapy_edits.shipped_changed(store)] == [SLUG]  # offered for review


def test_the_clinic_may_edit_what_it_added_and_it_stays_listed(store, tmp_path):
    from clinic_app.services import therapy_edits

    add(store, write_file(tmp_path, clinic_document()))
    text = "The class meets in our meeting room on the first floor. It runs on Tuesdays from 6 to 7 pm."
    result = therapy_edits.edit_therapy(store, SLUG, {"patient.procedure": text}, by="Dr Lee", why="room moved")
    assert result.revision == 2 and result.origin == "clinic"
    assert library.get_therapy(store, SLUG).patient["procedure"] == text
    assert [(t.slug, t.origin) for t in clinic_therapies.list_clinic_therapies(store)] == [(SLUG, "clinic")]
