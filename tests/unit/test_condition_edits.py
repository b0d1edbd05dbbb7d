"""A clinic's edits of a condition's text, aliases and references: checked as `content check`
checks conditions, one revision each with who, when and why, a history with word diffs, revert as a
new revision, shown on the condition's page, and never overwritten by a newer shipped library."""

from __future__ import annotations

import pytest
import yaml
from sqlalchemy import text as sql_text
from store_files import db_digest

from clinic_app.content.check import load_content
from clinic_app.content.loader import write_content
from clinic_app.errors import ClinicAppError, NotFoundError
from clinic_app.services import condition_edits, library, search
from clinic_app.services.condition_edits import ConditionEditError

SLUG = "chronic-low-back-pain"
HARD = ("Consequently, individuals experiencing considerable uncertainty regarding administrative arrangements "
        "should communicate comprehensively with our appropriately qualified reception personnel beforehand.")


def shipped(slug=SLUG):
    return next(c for c in load_content()[0].conditions if c.slug == slug)


def shorter_what_it_is():
    """The shipped patient text without its last sentence: plain shipped words, nothing added."""
    text = shipped().patient.what_it_is
    cut = text[: text.rindex("That kind of leg pain")].strip()
    assert cut and cut != text
    return cut


def opened(store) -> None:
    with store.write() as session:
        session.execute(sql_text("SELECT 1"))


def edit(store, **changes):
    return condition_edits.edit_condition(store, SLUG, changes or {"patient.what_it_is": shorter_what_it_is()},
                                          by="Dr Lee", why="shorter for our leaflet")


def test_every_text_field_both_audiences_aliases_and_references_are_editable(store):
    fields = condition_edits.editable_fields(store, SLUG)
    assert {"name", "patient_name", "description", "aliases", "clinician.what_it_is", "clinician.red_flags",
            "patient.what_it_is", "patient.first_steps", "patient.urgent", "patient.see_doctor_soon",
            "references"} <= set(fields)
    assert fields["patient.what_it_is"] == shipped().patient.what_it_is
    assert fields["patient.urgent"].splitlines() == list(shipped().patient.urgent)
    assert fields["references"].splitlines() == [ref.key for ref in shipped().references]
    with pytest.raises(NotFoundError, match="unknown condition 'no-such'; known conditions: .*sciatica"):
        condition_edits.editable_fields(store, "no-such")


def test_an_edit_is_a_revision_shown_on_the_page_and_reverted_as_a_new_revision(store):
    result = edit(store)
    assert result.changed == ("patient.what_it_is",) and result.origin == "clinic"
    assert library.get_condition(store, SLUG).patient["what_it_is"] == shorter_what_it_is()
    newest, first = condition_edits.history(store, SLUG)[:2]
    assert (newest.revision, newest.author, newest.reason, newest.origin) == (
        result.revision, "Dr Lee", "shorter for our leaflet", "clinic")
    assert first.origin == "shipped"
    assert [c.path for c in newest.changes] == ["patient.what_it_is"]
    assert "[-That kind of leg pain is called sciatica, and it has its own page.-]" in newest.changes[0].diff
    assert condition_edits.edited(store, SLUG)

    back = condition_edits.revert(store, SLUG, first.revision, by="Dr Lee", why="the shipped text again")
    assert back.origin == "shipped" and back.revision == result.revision + 1
    assert library.get_condition(store, SLUG).patient["what_it_is"] == shipped().patient.what_it_is
    assert condition_edits.history(store, SLUG)[0].reason.startswith(f"reverted to revision {first.revision}")
    with pytest.raises(ClinicAppError, match="nothing to revert"):
        condition_edits.revert(store, SLUG, first.revision, by="Dr Lee", why="again")
    with pytest.raises(NotFoundError, match="has no revision 99"):
        condition_edits.revert(store, SLUG, 99, by="Dr Lee", why="no such")


def test_a_new_alias_finds_the_condition_in_search(store):
    assert search.search_results(store, "lumbar ache").conditions == ()
    aliases = condition_edits.editable_fields(store, SLUG)["aliases"]
    edit(store, aliases=f"{aliases}\nlumbar ache")
    assert SLUG in search.search_results(store, "lumbar ache").conditions


@pytest.mark.parametrize(("changes", "named"), [
    ({"patient.first_steps": HARD}, "patient.first_steps 'Consequently"),
    ({"patient.decision": "You and your doctor are deciding TBD."}, "placeholder or unfinished text: 'TBD'"),
    ({"references": "G1\nG2\nG3\nG4\nG5\nG6\nJ29\nE7"}, "cites [G8] but it is not in this condition's references"),
    ({"references": "G1\nQ9"}, "unknown reference key 'Q9'"),
    ({"aliases": "sciatica"}, "'sciatica': already names condition sciatica"),
    ({"patient.urgent": "Numb groin."}, "patient.urgent"),
])
def test_a_refused_edit_names_the_field_and_changes_nothing(store, prepared_location, changes, named):
    opened(store)
    before = db_digest(prepared_location)
    with pytest.raises(ConditionEditError) as refused:
        condition_edits.edit_condition(store, SLUG, changes, by="Dr Lee", why="x")
    assert any(named in problem for problem in refused.value.problems), refused.value.problems
    assert db_digest(prepared_location) == before


def test_grade_is_named_with_the_measured_grade(store):
    with pytest.raises(ConditionEditError) as refused:
        condition_edits.edit_condition(store, SLUG, {"patient.first_steps": HARD}, by="Dr Lee", why="x")
    (problem,) = refused.value.problems
    assert "reading grade" in problem and "is above 8" in problem


def test_who_why_an_unknown_field_and_no_change_are_refused(store):
    with pytest.raises(ClinicAppError, match=r"who is making it \(by\)"):
        condition_edits.edit_condition(store, SLUG, {"patient.what_it_is": shorter_what_it_is()}, by="", why="x")
    with pytest.raises(ClinicAppError, match=r"a short reason \(why\)"):
        condition_edits.edit_condition(store, SLUG, {"patient.what_it_is": shorter_what_it_is()}, by="Dr", why=" ")
    with pytest.raises(NotFoundError, match="'slug' is not a field of condition"):
        condition_edits.edit_condition(store, SLUG, {"slug": "other"}, by="Dr Lee", why="x")
    with pytest.raises(ClinicAppError, match="nothing changed"):
        condition_edits.edit_condition(store, SLUG, {"patient.what_it_is": shipped().patient.what_it_is + "  "},
                                       by="Dr Lee", why="x")


def newer_shipped(store, content_copy):
    """Load a library whose condition has a shorter shipped description (the shipped words, cut)."""
    path = content_copy / "conditions.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    entry = next(item for item in data if item["slug"] == SLUG)
    entry["description"] = "Low back pain that has lasted more than 3 months."
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    bundle, problems = load_content(content_copy)
    assert [str(p) for p in problems] == []
    with store.write() as session:
        report = write_content(session, bundle)
    return report, entry["description"]


def test_a_newer_shipped_library_never_overwrites_the_clinic_edit_and_review_takes_it(store, content_copy):
    edit(store)
    report, newer = newer_shipped(store, content_copy)
    assert f"condition {SLUG}" in report.kept_clinic_edits
    detail = library.get_condition(store, SLUG)
    assert detail.patient["what_it_is"] == shorter_what_it_is() and detail.description != newer
    (change,) = condition_edits.shipped_changed(store)
    assert change.slug == SLUG and "shipped text changed since your edit" in change.message
    assert detail.shipped_changed  # the condition's page says so too (for the content team)
    assert not library.get_condition(store, "sciatica").shipped_changed  # only the edited condition
    assert [c.path for c in change.changes] == ["description"] and change.changes[0].after == newer

    revisions = len(condition_edits.history(store, SLUG))
    with store.write() as session:  # the same library again: nothing more
        write_content(session, load_content(content_copy)[0])
    assert len(condition_edits.history(store, SLUG)) == revisions

    result = condition_edits.mark_reviewed(store, SLUG, by="Dr Lee", why="take theirs", take_shipped=True)
    assert result.origin == "shipped"
    detail = library.get_condition(store, SLUG)
    assert detail.description == newer and detail.patient["what_it_is"] == shipped().patient.what_it_is
    assert condition_edits.shipped_changed(store) == [] and not detail.shipped_changed
    with pytest.raises(ClinicAppError, match="no newer shipped text"):
        condition_edits.mark_reviewed(store, SLUG, by="Dr Lee", why="again", take_shipped=True)


def test_keeping_the_clinic_text_clears_the_flag_for_that_shipped_text(store, content_copy):
    edit(store)
    newer_shipped(store, content_copy)
    result = condition_edits.mark_reviewed(store, SLUG, by="Dr Lee", why="ours", take_shipped=False)
    assert result.origin == "clinic"
    assert library.get_condition(store, SLUG).patient["what_it_is"] == shorter_what_it_is()
    assert condition_edits.shipped_changed(store) == [] and not library.get_condition(store, SLUG).shipped_changed
    with store.write() as session:
        write_content(session, load_content(content_copy)[0])
    assert condition_edits.shipped_changed(store) == []
    assert library.get_condition(store, SLUG).patient["what_it_is"] == shorter_what_it_is()


def test_the_handout_for_the_condition_prints_the_edited_text(store):
    from clinic_app.services.handouts import HandoutRequest, compose_handout

    first_steps = shipped().patient.first_steps
    cut = first_steps[: first_steps.rindex(".", 0, len(first_steps) - 1) + 1].strip()
    assert cut != first_steps
    edit(store, **{"patient.first_steps": cut})
    handout = compose_handout(store, HandoutRequest(therapies=("self-care", "exercise-therapy"), condition=SLUG))
    texts = [section.text for section in handout.condition.sections]
    assert cut in texts and first_steps not in texts
