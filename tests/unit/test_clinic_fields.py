"""The clinic's own fields beside the shipped text: checked, kept with revisions, and printed where
they belong (the comparison's cost row, the handout), never as an empty heading."""

from __future__ import annotations

import sqlite3

import pytest

from clinic_app.errors import NotFoundError
from clinic_app.printing.handout_html import render_handout_html
from clinic_app.services import clinic_fields, library
from clinic_app.services.clinic_fields import ClinicFieldError
from clinic_app.services.comparison import compare
from clinic_app.services.handouts import HandoutRequest, compose_handout
from clinic_app.services.search import search

COST = "A yoga class here costs $15. Most insurance plans do not pay for it."
CONTACT = "Call Sam at the front desk to book a class."
HARD = ("Reimbursement eligibility is contingent upon comprehensive documentation demonstrating "
        "medical necessity and prior authorization from the beneficiary's insurance carrier.")


def rows(store, sql, params=()):
    with sqlite3.connect(store.path) as conn:
        return conn.execute(sql, params).fetchall()


def cost_cell(reader, slug="yoga"):
    matrix = compare(reader, [slug, "self-care"], rows=["cost"])
    return matrix.row("cost").cells[0].text


def handout_html(reader, slug="yoga"):
    handout = compose_handout(reader, HandoutRequest(therapies=(slug,)))
    return handout, render_handout_html(handout).html


def test_setting_cost_changes_the_comparison_and_the_handout(store):
    shipped = cost_cell(store)
    assert "Your clinic will add cost details here" in shipped
    clinic_fields.set_field(store, "yoga", "cost", COST, by="Dr Lee", why="new class fees")
    assert cost_cell(store) == COST
    assert compare(store, ["self-care", "yoga"], rows=["cost"]).row("cost").cells[0].text != COST  # other columns keep theirs
    handout, html = handout_html(store)
    headings = {s.heading: s.text for s in handout.therapies[0].sections}
    assert headings["What will it cost?"] == COST
    assert COST.replace("'", "&#39;") in html and "What will it cost?" in html


def test_contact_prints_in_the_therapy_part_and_protocol_stays_with_clinicians(store):
    clinic_fields.set_fields(store, "yoga", {"contact": CONTACT, "protocol": "Refer after two physio visits."},
                             by="Dr Lee", why="local pathway")
    handout, html = handout_html(store)
    headings = {s.heading: s.text for s in handout.therapies[0].sections}
    assert headings["Who to contact here"] == CONTACT and CONTACT in html
    assert "Refer after two physio visits" not in html
    detail = library.get_therapy(store, "yoga")
    assert detail.protocol == "Refer after two physio visits." and detail.clinic["contact"] == CONTACT


def test_an_empty_field_prints_nothing(store):
    _, before = handout_html(store)
    clinic_fields.set_field(store, "yoga", "cost", COST, by="Dr Lee", why="new fees")
    clinic_fields.set_field(store, "yoga", "cost", "   ", by="Dr Lee", why="fees no longer apply")
    handout, html = handout_html(store)
    assert html == before
    assert "What will it cost?" not in html and "Who to contact here" not in html
    assert all(s.text.strip() for s in handout.therapies[0].sections)
    assert "Your clinic will add cost details here" in cost_cell(store)
    assert clinic_fields.fields_for(store, "yoga") == {}
    assert rows(store, "SELECT count(*) FROM clinic_field")[0][0] == 0


def test_a_hard_cost_sentence_is_refused_naming_the_grade_and_nothing_is_stored(store):
    with pytest.raises(ClinicFieldError, match=r"cost and coverage \(cost\) for yoga .* reads at US grade \d+\.\d"
                                               r"; patients' text must be grade 8 or lower"):
        clinic_fields.set_field(store, "yoga", "cost", HARD, by="Dr Lee", why="coverage rules")
    assert rows(store, "SELECT count(*) FROM clinic_field")[0][0] == 0
    assert rows(store, "SELECT count(*) FROM clinic_field_revision")[0][0] == 0
    # protocol notes are for clinicians: no grade limit there
    clinic_fields.set_field(store, "yoga", "protocol", HARD, by="Dr Lee", why="coverage rules")


@pytest.mark.parametrize(("key", "value", "message"), [
    ("cost", "TBD", "'TBD', which stands for text still to be written"),
    ("contact", "TODO: add here", "stands for text still to be written"),
    ("offered", "maybe", "must be 'yes' or 'no', not 'maybe'"),
    ("cost", "Ask us. " * 80, "characters long; the most is 600"),
])
def test_bad_values_are_refused_by_field_and_value(store, key, value, message):
    with pytest.raises(ClinicFieldError, match=message):
        clinic_fields.set_field(store, "yoga", key, value, by="Dr Lee", why="x")
    assert rows(store, "SELECT count(*) FROM clinic_field_revision")[0][0] == 0


def test_unknown_therapy_and_key_are_refused(store):
    with pytest.raises(NotFoundError, match="unknown therapy 'yogga'"):
        clinic_fields.set_field(store, "yogga", "cost", COST, by="Dr Lee", why="x")
    with pytest.raises(NotFoundError, match="unknown clinic field 'price'"):
        clinic_fields.set_field(store, "yoga", "price", COST, by="Dr Lee", why="x")


@pytest.mark.parametrize(("by", "why", "missing"), [("", "fees", "who is making it"), ("Dr Lee", " ", "a short reason"),
                                                    (None, None, "who is making it \\(by\\) and a short reason")])
def test_who_and_why_are_required(store, by, why, missing):
    with pytest.raises(ClinicFieldError, match=missing):
        clinic_fields.set_field(store, "yoga", "cost", COST, by=by, why=why)
    assert rows(store, "SELECT count(*) FROM clinic_field")[0][0] == 0


def test_several_fields_in_one_transaction_all_or_nothing(store):
    with pytest.raises(ClinicFieldError, match="offered"):
        clinic_fields.set_fields(store, "yoga", {"cost": COST, "offered": "perhaps"}, by="Dr Lee", why="x")
    assert rows(store, "SELECT count(*) FROM clinic_field")[0][0] == 0
    made = clinic_fields.set_fields(store, "yoga", {"cost": COST, "offered": "YES"}, by="Dr Lee", why="setup")
    assert [(r.key, r.after) for r in made] == [("cost", COST), ("offered", "yes")]
    assert clinic_fields.set_fields(store, "yoga", {"cost": COST}, by="Dr Lee", why="again") == []  # unchanged


def test_revisions_record_before_after_who_why_and_cannot_be_changed_or_deleted(store):
    clinic_fields.set_field(store, "yoga", "cost", COST, by="Dr Lee", why="new fees")
    clinic_fields.set_field(store, "yoga", "cost", "A class costs $12.", by="Dr Shah", why="price cut")
    newest, first = clinic_fields.history(store, "yoga")
    assert (first.before, first.after, first.changed_by, first.reason) == ("", COST, "Dr Lee", "new fees")
    assert (newest.before, newest.after, newest.changed_by, newest.reason) == (COST, "A class costs $12.", "Dr Shah",
                                                                              "price cut")
    with sqlite3.connect(store.path) as conn:
        with pytest.raises(sqlite3.IntegrityError, match="cannot be changed"):
            conn.execute("UPDATE clinic_field_revision SET changed_by = 'someone else'")
        with pytest.raises(sqlite3.IntegrityError, match="cannot be deleted"):
            conn.execute("DELETE FROM clinic_field_revision")
        with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint"):
            conn.execute("INSERT INTO clinic_field_revision (therapy_slug, field_key, before, after, changed_at, "
                         "changed_by, reason) VALUES ('yoga', 'cost', '', 'x', '2026-12-01', ' ', 'why')")
    assert len(clinic_fields.history(store, "yoga")) == 2


def test_revert_restores_and_is_itself_a_revision(store):
    first = clinic_fields.set_field(store, "yoga", "cost", COST, by="Dr Lee", why="new fees")
    second = clinic_fields.set_field(store, "yoga", "cost", "A class costs $12.", by="Dr Shah", why="price cut")
    undo = clinic_fields.revert(store, second.id, by="Dr Lee", why="the cut was not agreed")
    assert clinic_fields.fields_for(store, "yoga")["cost"] == COST == cost_cell(store)
    assert (undo.before, undo.after, undo.reverts, undo.changed_by) == ("A class costs $12.", COST, second.id, "Dr Lee")
    assert [r.id for r in clinic_fields.history(store, "yoga")] == [undo.id, second.id, first.id]
    clinic_fields.revert(store, first.id, by="Dr Lee", why="no fee to show")  # back to nothing set
    assert "cost" not in clinic_fields.fields_for(store, "yoga")
    with pytest.raises(ClinicFieldError, match="nothing to revert"):
        clinic_fields.revert(store, first.id, by="Dr Lee", why="again")
    with pytest.raises(ClinicFieldError, match="a short reason"):
        clinic_fields.revert(store, second.id, by="Dr Lee", why="")
    with pytest.raises(NotFoundError, match="no revision 999"):
        clinic_fields.revert(store, 999, by="Dr Lee", why="x")


def test_offered_no_hides_from_patient_lists_but_search_still_finds_it(store):
    assert "yoga" in {t.slug for t in library.list_therapies(store, patient_facing=True)}
    clinic_fields.set_field(store, "yoga", "offered", "no", by="Dr Lee", why="no teacher this year")
    assert "yoga" not in {t.slug for t in library.list_therapies(store, patient_facing=True)}
    assert "yoga" in {t.slug for t in library.list_therapies(store)}  # the default keeps every therapy
    assert "yoga" in {hit.slug for hit in search(store, "yoga")}
    detail = library.get_therapy(store, "yoga")
    assert detail.offered is False
    clinic_fields.set_field(store, "yoga", "offered", "yes", by="Dr Lee", why="new teacher")
    assert "yoga" in {t.slug for t in library.list_therapies(store, patient_facing=True)}


def test_the_migration_upgrades_and_downgrades_keeping_other_data(prepared_location):
    from alembic import command

    from clinic_app.services import store_setup
    from clinic_app.storage.database import Database
    from clinic_app.storage.store import Store

    path = prepared_location.sqlite_path
    store = Store.of(prepared_location)
    clinic_fields.set_field(store, "yoga", "cost", COST, by="Dr Lee", why="new fees")
    Store.forget(prepared_location)
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO consultation (recorded_at, started_at, clinician, therapies, rows, content_versions, "
                     "library_version) VALUES ('2026-12-01', '2026-12-01', 'Dr A', '[\"yoga\"]', '[]', '{}', 'x')")

    def counts():
        with sqlite3.connect(path) as conn:
            return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # noqa: S608
                    for t in ("therapy", "reference", "attribute_value", "content_revision", "consultation")}

    def tables():
        with sqlite3.connect(path) as conn:
            return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")}

    before = counts()
    db = Database.open(prepared_location)
    db.migrate(lambda config: command.downgrade(config, "0008"))
    db.engine.dispose()
    assert not {"clinic_field", "clinic_field_revision", "clinic_field_revision_kept"} & tables()
    assert counts() == before
    # a store not yet upgraded still reads: no clinic fields
    reader = Store.of(prepared_location)
    assert library.get_therapy(reader, "yoga").clinic == {}
    Store.forget(prepared_location)
    store_setup.prepare(prepared_location)
    assert {"clinic_field", "clinic_field_revision", "clinic_field_revision_kept",
            "clinic_field_revision_unchanged"} <= tables()
    assert counts() == before
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM clinic_field_revision").fetchone()[0] == 0
