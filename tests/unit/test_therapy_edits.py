"""A clinic's edits of a therapy's shipped text: checked, revisioned, never overwritten by a newer
shipped library, and reviewable when the shipped text changes."""

from __future__ import annotations

import re
import sqlite3

import pytest
import yaml
from sqlalchemy import select

from clinic_app.content.check import load_content
from clinic_app.content.loader import write_content
from clinic_app.errors import ClinicAppError, NotFoundError
from clinic_app.services import library, therapy_edits
from clinic_app.services.therapy_edits import TherapyEditError
from clinic_app.storage.models import Therapy

SLUG = "yoga"
# Neutral, clearly local wording added to existing sentences: no claim about the therapy itself.
LOCAL = "Ask our front desk about class times."
HARD = ("Consequently, individuals experiencing considerable uncertainty regarding administrative arrangements "
        "should communicate comprehensively with our appropriately qualified reception personnel beforehand.")


def dump(path):
    with sqlite3.connect(path) as conn:
        return {table: conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
                for table in ("therapy", "therapy_reference", "attribute_value", "therapy_condition",
                              "content_revision", "search_index")}


def shipped_recovery():
    return load_content()[0].therapy(SLUG).patient.recovery


def edit_recovery(store, **kwargs):
    text = f"{shipped_recovery()} {LOCAL}"
    return therapy_edits.edit_therapy(store, SLUG, {"patient.recovery": text}, by=kwargs.get("by", "Dr Lee"),
                                      why=kwargs.get("why", "our class times"))


def test_editable_fields_are_the_text_fields_only(store):
    fields = therapy_edits.editable_fields(store, SLUG)
    assert fields["patient.recovery"] == shipped_recovery()
    assert {"patient.summary", "patient.risks", "clinician.summary", "clinician.risks", "patient.questions",
            "patient.paper.recovery"} <= set(fields)
    assert not {"slug", "status", "evidence_grade", "content_version", "last_reviewed", "name"} & set(fields)
    assert all(isinstance(value, str) and value for value in fields.values())
    with pytest.raises(NotFoundError):
        therapy_edits.editable_fields(store, "no-such-therapy")


def test_an_edit_that_passes_is_stored_with_a_revision_and_shown(store):
    before = len(therapy_edits.history(store, SLUG))
    result = edit_recovery(store)
    assert result.changed == ("patient.recovery",) and result.origin == "clinic"
    detail = library.get_therapy(store, SLUG)
    assert detail.patient["recovery"].endswith(LOCAL)
    assert detail.origin == "clinic"
    entries = therapy_edits.history(store, SLUG)
    assert len(entries) == before + 1
    newest = entries[0]
    assert (newest.revision, newest.author, newest.reason, newest.origin) == (result.revision, "Dr Lee",
                                                                                "our class times", "clinic")
    with store.write() as session:
        row = session.scalar(select(Therapy).where(Therapy.slug == SLUG))
        assert row.revisions[-1].snapshot["patient"]["recovery"].endswith(LOCAL)
    # search finds the clinic's words
    hits = store.query("SELECT slug FROM search_index WHERE search_index MATCH ?", ('"front desk about class"',))
    assert [h[0] for h in hits] == [SLUG]


def test_a_hard_patient_text_is_refused_naming_field_and_grade_and_nothing_is_stored(store, prepared_location):
    before = dump(prepared_location.sqlite_path)
    with pytest.raises(TherapyEditError) as caught:
        therapy_edits.edit_therapy(store, SLUG, {"patient.risks": HARD}, by="Dr Lee", why="simpler words")
    problems = caught.value.problems
    assert len(problems) == 1 and problems[0].startswith("patient.risks 'Consequently, individuals")
    grade = float(re.search(r"reading grade (\d+(\.\d+)?) is above 8", problems[0]).group(1))
    assert grade > 8
    assert dump(prepared_location.sqlite_path) == before
    assert library.get_therapy(store, SLUG).origin == "shipped"


def test_a_placeholder_is_refused(store, prepared_location):
    before = dump(prepared_location.sqlite_path)
    with pytest.raises(TherapyEditError) as caught:
        therapy_edits.edit_therapy(store, SLUG, {"clinician.recovery": "Ask our front desk about this. TBD"},
                                   by="Dr Lee", why="local note")
    assert any(p.startswith("clinician.recovery ") and "'TBD'" in p for p in caught.value.problems)
    assert dump(prepared_location.sqlite_path) == before


def test_who_why_unknown_field_and_no_change_are_refused(store, prepared_location):
    before = dump(prepared_location.sqlite_path)
    with pytest.raises(ClinicAppError, match="who is making it"):
        therapy_edits.edit_therapy(store, SLUG, {"patient.recovery": LOCAL * 2}, by=" ", why="x")
    with pytest.raises(NotFoundError, match="'status' is not a text field"):
        therapy_edits.edit_therapy(store, SLUG, {"status": "emerging"}, by="Dr Lee", why="x")
    with pytest.raises(ClinicAppError, match="nothing changed"):
        therapy_edits.edit_therapy(store, SLUG, {"patient.recovery": shipped_recovery()}, by="Dr Lee", why="x")
    assert dump(prepared_location.sqlite_path) == before


def test_history_shows_a_word_diff(store):
    edit_recovery(store)
    newest = therapy_edits.history(store, SLUG)[0]
    assert [c.path for c in newest.changes] == ["patient.recovery"]
    assert newest.changes[0].diff.endswith("{+Ask our front desk about class times.+}")
    assert therapy_edits.word_diff("a b c", "a x c") == "a [-b-] {+x+} c"
    assert therapy_edits.word_diff("a b c", "a c") == "a [-b-] c"


def test_revert_restores_the_text_as_a_new_revision(store):
    first = therapy_edits.history(store, SLUG)[-1].revision
    edit_recovery(store)
    result = therapy_edits.revert(store, SLUG, first, by="Dr Lee", why="back to the shipped text")
    assert result.origin == "shipped" and result.changed == ("patient.recovery",)
    detail = library.get_therapy(store, SLUG)
    assert detail.patient["recovery"] == shipped_recovery() and detail.origin == "shipped"
    newest = therapy_edits.history(store, SLUG)[0]
    assert newest.revision == result.revision and newest.reason.startswith(f"reverted to revision {first}")
    assert "[-Ask our front desk about class times.-]" in newest.changes[0].diff
    with pytest.raises(ClinicAppError, match="nothing to revert"):
        therapy_edits.revert(store, SLUG, first, by="Dr Lee", why="again")
    with pytest.raises(NotFoundError):
        therapy_edits.revert(store, SLUG, 999, by="Dr Lee", why="no such")


def newer_shipped(store, content_copy):
    """Load a library whose yoga is one version newer, with a shortened patient recovery sentence."""
    path = content_copy / "therapies" / f"{SLUG}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["content_version"] += 1
    shortened = data["patient"]["recovery"].replace(", over several weeks.", ".")
    assert shortened != data["patient"]["recovery"]
    data["patient"]["recovery"] = shortened
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    bundle, problems = load_content(content_copy)
    assert [str(p) for p in problems] == []
    with store.write() as session:
        report = write_content(session, bundle)
    return report, data["content_version"], shortened


def test_a_newer_shipped_library_keeps_the_clinic_text_and_can_be_reviewed(store, content_copy):
    edit_recovery(store)
    report, version, shortened = newer_shipped(store, content_copy)
    assert SLUG in report.kept_clinic_edits and SLUG not in report.updated
    detail = library.get_therapy(store, SLUG)
    assert detail.patient["recovery"].endswith(LOCAL) and detail.pending_shipped_version == version

    changed = therapy_edits.shipped_changed(store)
    assert [c.slug for c in changed] == [SLUG]
    change = changed[0]
    assert "shipped text changed since your edit" in change.message
    assert (change.based_on_version, change.shipped_version) == (version - 1, version)
    assert [c.path for c in change.changes] == ["patient.recovery"]
    assert change.changes[0].after == shortened
    assert "[-week, over several weeks.-] {+week.+}" in change.changes[0].diff

    # loading the same library again changes nothing more
    revisions = len(therapy_edits.history(store, SLUG))
    newer_shipped_again = load_content(content_copy)[0]
    with store.write() as session:
        write_content(session, newer_shipped_again)
    assert len(therapy_edits.history(store, SLUG)) == revisions

    result = therapy_edits.mark_reviewed(store, SLUG, by="Dr Lee", why="the shorter text is fine",
                                         take_shipped=True)
    assert result.origin == "shipped"
    detail = library.get_therapy(store, SLUG)
    assert detail.patient["recovery"] == shortened and detail.pending_shipped_version is None
    assert detail.origin == "shipped" and detail.content_version == version
    assert therapy_edits.shipped_changed(store) == []
    with pytest.raises(ClinicAppError, match="no newer shipped text"):
        therapy_edits.mark_reviewed(store, SLUG, by="Dr Lee", why="again", take_shipped=True)


def test_keeping_the_clinic_text_clears_the_flag_until_the_next_shipped_version(store, content_copy):
    edit_recovery(store)
    _, version, _ = newer_shipped(store, content_copy)
    result = therapy_edits.mark_reviewed(store, SLUG, by="Dr Lee", why="ours says more", take_shipped=False)
    assert result.origin == "clinic"
    detail = library.get_therapy(store, SLUG)
    assert detail.patient["recovery"].endswith(LOCAL) and detail.pending_shipped_version is None
    assert therapy_edits.shipped_changed(store) == []
    assert therapy_edits.history(store, SLUG)[0].reason.startswith(f"reviewed shipped version {version}")
    # the same shipped library loaded again does not flag it again
    with store.write() as session:
        write_content(session, load_content(content_copy)[0])
    assert library.get_therapy(store, SLUG).pending_shipped_version is None
