"""Content packs of format 2 also carry the therapies the clinic added itself (``therapies.json``): each
with its current text and its own references. The importing install checks each as ``therapy add``
does, gives the references its own next free Z keys and writes the therapy with origin "clinic-added"
in the import's one transaction; a shipped or existing slug, or a therapy failing a check, is refused
by name with the database unchanged; an identical therapy this install added before is skipped; a
kill -9 during an import leaves the old state or the new."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import sqlite3
import subprocess
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from kill_at_statement import run_killed, statements
from sqlalchemy import text as sql_text
from store_files import copy_db, db_digest

from clinic_app import __version__, settings
from clinic_app.services import clinic_fields, clinic_therapies, content_packs, library, search
from clinic_app.services.content_packs import PackError, export_pack, import_pack, plan_import, read_pack
from clinic_app.storage.store import Store

# the clinic's test therapy (a local class described by its logistics only) lives beside the service's tests
_spec = importlib.util.spec_from_file_location(
    "clinic_therapy_fixture", Path(__file__).parent / "test_clinic_therapies.py")
fixture = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fixture)
SLUG = fixture.SLUG
COST = "The class is free for our patients."
HARD = ("Consequently, individuals experiencing considerable uncertainty regarding administrative arrangements "
        "should communicate comprehensively with our appropriately qualified reception personnel beforehand.")


# --- helpers ------------------------------------------------------------------------------------


def add(store, tmp_path, document=None, name="clinic-therapy.yaml"):
    path = fixture.write_file(tmp_path, document or fixture.clinic_document(), name)
    return clinic_therapies.add_therapy(store, path, by="Dr Lee", why="our own class", today=fixture.TODAY)


def write_pack(path: Path, therapies: dict | bytes, format_version: int = 2) -> Path:
    body = json.dumps({"fields": {}}).encode()
    added = therapies if isinstance(therapies, bytes) else json.dumps(therapies).encode()
    members = {name: {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
               for name, data in (("fields.json", body), ("therapies.json", added))}
    head = {"format": content_packs.FORMAT, "format_version": format_version, "app_version": __version__,
            "library_version": "2026.12.1", "created_at": "2026-11-30T09:30:00+00:00", "exported_by": "Dr Lee",
            "members": members}
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as pack:
        for name, data in (("manifest.json", json.dumps(head).encode()), ("fields.json", body),
                           ("therapies.json", added)):
            pack.writestr(name, data)
    return path


def exported_therapies(store, tmp_path) -> dict:
    """The ``therapies.json`` an install with the clinic's test therapy exports."""
    add(store, tmp_path)
    with zipfile.ZipFile(export_pack(store, tmp_path / "source.zip", by="Dr Lee").path) as pack:
        return json.loads(pack.read("therapies.json"))


def refused_unchanged(store, location, path, pattern: str) -> PackError:
    clinic_fields.set_field(store, "yoga", "offered", "yes", by="Dr Lee", why="classes")  # the store open, its -wal made
    before = db_digest(location), clinic_therapies.list_clinic_therapies(store)
    with pytest.raises(PackError) as refused:
        plan_import(store, read_pack(path, store))
    message = refused.value.message
    assert message.startswith(f"the content pack {path} was refused") and "the database was left unchanged" in message
    assert "\n" not in message and re.search(pattern, message), message
    assert (db_digest(location), clinic_therapies.list_clinic_therapies(store)) == before
    return refused.value


# --- export and import --------------------------------------------------------------------------


def test_an_added_therapy_travels_with_its_references(store, other_location, tmp_path):
    other = Store.of(other_location)
    # the importing install has a clinic reference of its own already: the pack's Z1 gets the next free key
    second = fixture.clinic_document()
    second["therapy"].update(slug="back-care-talk", name="Back-care evening talk", aliases=["back talk"])
    add(other, tmp_path, second, "talk.yaml")
    add(store, tmp_path)
    clinic_fields.set_field(store, SLUG, "cost", COST, by="Dr Lee", why="fees")

    summary = export_pack(store, tmp_path / "pack.zip", by="Dr Lee")
    assert summary.added == 1 and summary.edited == 0
    with zipfile.ZipFile(summary.path) as pack:
        assert pack.namelist() == ["manifest.json", "fields.json", "therapies.json"]
        manifest = json.loads(pack.read("manifest.json"))
        body = pack.read("therapies.json")
    assert manifest["format_version"] == 2
    assert manifest["members"]["therapies.json"] == {"sha256": hashlib.sha256(body).hexdigest(), "size": len(body)}
    added = json.loads(body)
    assert list(added) == [SLUG]
    assert added[SLUG]["therapy"]["slug"] == SLUG and "[Z1]" in added[SLUG]["therapy"]["clinician"]["summary"]
    [reference] = added[SLUG]["references"]
    assert reference["key"] == "Z1" and reference["other_id"] == "NICE quality standard QS155"
    assert reference["source_seen"] == fixture.NICE_QS155["source_seen"] and reference["year"] == 2017
    assert reference["design"] == fixture.NICE_QS155["design"]

    pack = read_pack(summary.path, other)
    planned = plan_import(other, pack)
    assert [(c.therapy, c.kind, c.key, c.references) for c in planned] == [
        (SLUG, "therapy", "Back-care education class", 1), (SLUG, "field", "cost", 0)]
    done = import_pack(other, other_location, pack, by="Dr Shah", why="our class at the main clinic")
    assert done.changed == 2 and done.backup is not None
    assert [(a.slug, a.references) for a in done.added] == [(SLUG, (("Z1", "Z2"),))]

    detail = library.get_therapy(other, SLUG)
    assert detail.origin == "clinic-added"
    assert [ref.key for ref in detail.references] == ["Z2"] and detail.references[0].verification == "CLINIC"
    assert detail.references[0].other_id == "NICE quality standard QS155"
    assert "[Z2]" in detail.clinician["clinician_summary"] and "[Z1]" not in detail.clinician["clinician_summary"]
    assert next(c for c in detail.comparison if c.key == "guidelines").reference_keys == ("Z2",)
    listed = {t.slug: t for t in clinic_therapies.list_clinic_therapies(other)}
    assert (listed[SLUG].origin, listed[SLUG].added_by, listed[SLUG].references) == ("clinic-added", "Dr Shah", ("Z2",))
    assert "our class at the main clinic" in listed[SLUG].reason
    assert clinic_fields.fields_for(other, SLUG) == {"cost": COST}
    assert SLUG in [hit.slug for hit in search.search(other, "back school")]
    # the other therapy there keeps its own Z1
    assert [ref.key for ref in library.get_therapy(other, "back-care-talk").references] == ["Z1"]


def test_an_added_therapy_edited_since_travels_as_its_current_text_not_as_an_edit(store, other_location, tmp_path):
    from clinic_app.services import therapy_edits

    add(store, tmp_path)
    text = "The class meets in our meeting room on the first floor. It runs on Tuesdays from 6 to 7 pm."
    therapy_edits.edit_therapy(store, SLUG, {"patient.procedure": text}, by="Dr Lee", why="room moved")
    summary = export_pack(store, tmp_path / "pack.zip", by="Dr Lee")
    assert (summary.added, summary.edited) == (1, 0)
    with zipfile.ZipFile(summary.path) as pack:
        assert "edits.json" not in pack.namelist()
    other = Store.of(other_location)
    done = import_pack(other, other_location, read_pack(summary.path, other), by="Dr Shah", why="move")
    assert [a.slug for a in done.added] == [SLUG]
    assert library.get_therapy(other, SLUG).patient["procedure"] == text
    assert library.get_therapy(other, SLUG).origin == "clinic-added"


def test_the_dry_run_lists_the_new_therapy(store, other_location, tmp_path, capsys):
    from clinic_app.cli import main

    add(store, tmp_path)
    path = export_pack(store, tmp_path / "pack.zip", by="Dr Lee").path
    with Store.of(other_location).write() as session:  # the store open for writes, its -wal made
        session.execute(sql_text("SELECT 1"))
    before = db_digest(other_location)
    assert main(["--data-dir", str(other_location.data_dir), "content", "import", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"  new therapy: {SLUG} (Back-care education class), 1 references" in out
    assert "1 new therapy(ies) would change; nothing was changed" in out
    assert db_digest(other_location) == before


def test_a_second_import_skips_the_identical_therapy_and_changes_nothing(store, other_location, tmp_path):
    add(store, tmp_path)
    path = export_pack(store, tmp_path / "pack.zip", by="Dr Lee").path
    other = Store.of(other_location)
    import_pack(other, other_location, read_pack(path, other), by="Dr Shah", why="first")
    before = db_digest(other_location), clinic_therapies.list_clinic_therapies(other)
    assert plan_import(other, read_pack(path, other)) == []  # already so: nothing to import again
    again = import_pack(other, other_location, read_pack(path, other), by="Dr Shah", why="again")
    assert again.changed == 0 and again.backup is None
    assert (db_digest(other_location), clinic_therapies.list_clinic_therapies(other)) == before


def test_a_therapy_of_the_same_slug_that_differs_is_refused(store, prepared_location, tmp_path):
    added = exported_therapies(store, tmp_path)  # the store has the therapy: the pack's copy is changed
    added[SLUG]["therapy"]["patient"]["recovery"] = "There is no recovery time. You can go home after the class."
    refused_unchanged(store, prepared_location, write_pack(tmp_path / "p.zip", added),
                      r"therapies\.json: back-care-class: back-care-class is already in this install: remove it first "
                      r"or rename it in the pack")


def test_a_shipped_slug_is_refused_by_name(store, prepared_location, tmp_path):
    added = exported_therapies(store, tmp_path)
    therapy = added.pop(SLUG)
    therapy["therapy"]["slug"] = "yoga"
    refused_unchanged(store, prepared_location, write_pack(tmp_path / "p.zip", {"yoga": therapy}),
                      r"therapies\.json: yoga: yoga is a shipped therapy on this install; a pack never replaces a "
                      r"shipped therapy")


def test_a_therapy_failing_a_check_is_refused_naming_member_therapy_and_field(store, other_location, tmp_path):
    added = exported_therapies(store, tmp_path)
    added[SLUG]["therapy"]["patient"]["recovery"] = HARD
    other = Store.of(other_location)
    error = refused_unchanged(other, other_location, write_pack(tmp_path / "p.zip", added),
                              r"therapies\.json: back-care-class: therapy\.patient\.recovery: .*reading grade")
    assert all(problem.startswith("therapies.json: back-care-class: ") for problem in error.problems)


REFUSED = {
    "control characters": (lambda t: t[SLUG]["therapy"]["patient"].update(summary="Call \x1b[2J now."),
                           r"therapies\.json: back-care-class: therapy\.patient\.summary: the text 'Call \\x1b\[2J "
                           r"now\.' holds a control character"),
    "over-long text": (lambda t: t[SLUG]["references"][0].update(finding="Rest well. " * 2_000),
                       r"therapies\.json: back-care-class: references\[0\]\.finding: the text is 22,000 characters"),
    "unknown part": (lambda t: t[SLUG].update(shipped={"yoga": {}}),
                     r"therapies\.json: back-care-class: unknown entries 'shipped'"),
    "slug differs": (lambda t: t[SLUG]["therapy"].update(slug="other-class"),
                     r"therapies\.json: back-care-class: therapy\.slug is 'other-class', not 'back-care-class'"),
    "a shipped reference key": (lambda t: t[SLUG]["references"][0].update(key="G2"),
                                r"therapies\.json: back-care-class: references\[0\]\.key: 'G2' is a shipped "
                                r"reference's key"),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_bad_added_therapy_is_refused_by_name(case, store, other_location, tmp_path):
    added = exported_therapies(store, tmp_path)
    change, pattern = REFUSED[case]
    change(added)
    other = Store.of(other_location)
    refused_unchanged(other, other_location, write_pack(tmp_path / "p.zip", added), pattern)


def test_a_format_1_pack_may_not_hold_added_therapies(store, prepared_location, tmp_path):
    added = exported_therapies(store, tmp_path)
    path = write_pack(tmp_path / "v1.zip", added, format_version=1)
    refused_unchanged(store, prepared_location, path, r"therapies\.json: a pack of format 1 does not hold it")


# --- a kill -9 during an import ------------------------------------------------------------------


def run_import(data_dir: Path, pack: Path, kill_at: int) -> subprocess.CompletedProcess:
    """``content import PACK --yes`` into ``data_dir``, killed with SIGKILL just before its Nth SQL
    statement; -1 just after the import's transaction commits; 0 runs it whole."""
    return run_killed(["--data-dir", data_dir, "content", "import", pack, "--by", "Dr Shah", "--why", "move", "--yes"],
                      kill_at, after_commit_of=("ClinicFieldRevision", "ContentRevision"))


def state(path: Path) -> dict:
    with sqlite3.connect(path) as conn:
        found = {
            "fields": conn.execute("SELECT therapy_slug, field_key, value FROM clinic_field ORDER BY 1, 2").fetchall(),
            "field revisions": conn.execute("SELECT count(*) FROM clinic_field_revision").fetchone()[0],
            "therapies": conn.execute("SELECT slug, origin, patient_text FROM therapy ORDER BY slug").fetchall(),
            "references": conn.execute("SELECT key, verification, title FROM reference ORDER BY key").fetchall(),
            "links": conn.execute("SELECT count(*) FROM therapy_reference").fetchone()[0],
            "revisions": conn.execute("SELECT t.slug, r.revision, r.origin, r.author, r.reason FROM "
                                      "content_revision r JOIN therapy t ON t.id = r.therapy_id "
                                      "ORDER BY t.slug, r.revision").fetchall(),
            "search": conn.execute("SELECT count(*) FROM search_index").fetchone()[0],
            "integrity": conn.execute("PRAGMA integrity_check").fetchone()[0],
        }
    conn.close()
    return found


def test_a_kill_at_any_point_of_an_import_with_a_therapy_leaves_the_old_state_or_the_new(store, other_location,
                                                                                        tmp_path):
    add(store, tmp_path)
    clinic_fields.set_fields(store, SLUG, {"cost": COST, "offered": "yes"}, by="Dr Lee", why="fees")
    pack = export_pack(store, tmp_path / "pack.zip", by="Dr Lee").path
    seed = copy_db(other_location.sqlite_path, tmp_path / "seed") / settings.DATABASE_FILE
    old = state(seed)
    assert len(plan_import(Store.of(other_location), read_pack(pack, Store.of(other_location)))) == 3

    counted = run_import(copy_db(seed, tmp_path / "count"), pack, 0)
    assert counted.returncode == 0, counted.stderr
    assert f"added {SLUG} (Back-care education class): revision #1, origin clinic-added" in counted.stdout
    total = statements(counted)
    new = state(tmp_path / "count" / settings.DATABASE_FILE)
    assert new["integrity"] == "ok" and new["field revisions"] == old["field revisions"] + 2
    assert sorted(new["revisions"]) == sorted([*old["revisions"], (SLUG, 1, "clinic-added", "Dr Shah",
                                                                   "added from a content pack: move")])
    assert ("Z1", "CLINIC", fixture.NICE_QS155["title"]) in new["references"]
    assert new["search"] == old["search"] + 1 and new["links"] > old["links"]
    points = sorted(set(range(1, total + 1, max(1, total // 8))) | {total, -1})
    assert len(points) >= 6

    def kill(point: int) -> str:
        data = copy_db(seed, tmp_path / f"kill-{point}")
        killed = run_import(data, pack, point)
        assert killed.returncode == -9, (point, killed.returncode, killed.stderr[-500:])
        after = state(data / settings.DATABASE_FILE)
        assert after["integrity"] == "ok", point
        if after == old:
            return "old"
        assert after == new, point  # never between
        return "new"

    with ThreadPoolExecutor(max_workers=2) as pool:  # two processes at a time, one per core
        outcomes = dict(zip(points, pool.map(kill, points)))
    assert outcomes[-1] == "new" and outcomes[1] == "old", outcomes  # both states are reached
