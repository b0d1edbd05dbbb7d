"""Content packs of format 2: the clinic's edits of shipped therapy text travel with its fields. Each
edited field is applied on top of the importing install's text and the whole therapy is checked;
a pack whose edit fails a check, or names a field or therapy this install does not know, is refused
by name with the database unchanged; a kill -9 during an import leaves the old state or the new."""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import subprocess
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from kill_at_statement import run_killed, statements
from store_files import copy_db, db_digest

from clinic_app import __version__, settings
from clinic_app.content.check import load_content
from clinic_app.services import clinic_fields, content_packs, therapy_edits
from clinic_app.services.content_packs import PackError, export_pack, import_pack, plan_import, read_pack
from clinic_app.storage.store import Store

SLUG = "yoga"
LOCAL = "Ask our front desk about this."
COST = "A yoga class here costs $15. Most insurance plans do not pay for it."
HARD = ("Consequently, individuals experiencing considerable uncertainty regarding administrative arrangements "
        "should communicate comprehensively with our appropriately qualified reception personnel beforehand.")


# --- helpers ------------------------------------------------------------------------------------


def shipped(path: str = "patient.recovery") -> str:
    therapy = load_content()[0].therapy(SLUG)
    return therapy_edits.snapshot_fields(therapy.model_dump(mode="json"))[path]


def edited_recovery() -> str:
    return f"{shipped()} {LOCAL}"


def write_pack(path: Path, edits: dict | bytes, fields: dict | None = None, format_version: int = 2,
               listed: bool = True) -> Path:
    body = json.dumps({"fields": fields or {}}).encode()
    edits_body = edits if isinstance(edits, bytes) else json.dumps(edits).encode()
    members = {"fields.json": {"sha256": hashlib.sha256(body).hexdigest(), "size": len(body)}}
    if listed:
        members["edits.json"] = {"sha256": hashlib.sha256(edits_body).hexdigest(), "size": len(edits_body)}
    head = {"format": content_packs.FORMAT, "format_version": format_version, "app_version": __version__,
            "library_version": "2026.12.1", "created_at": "2026-11-30T09:30:00+00:00", "exported_by": "Dr Lee",
            "members": members}
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as pack:
        for name, data in (("manifest.json", json.dumps(head).encode()), ("fields.json", body),
                           ("edits.json", edits_body)):
            pack.writestr(name, data)
    return path


def one_edit(texts: dict, slug: str = SLUG) -> dict:
    return {slug: {"based_on_version": 1, "fields": texts}}


# --- export and import --------------------------------------------------------------------------


def test_an_edit_travels_to_another_install_as_a_revision_naming_who_and_why(store, other_location, tmp_path):
    therapy_edits.edit_therapy(store, SLUG, {"patient.recovery": edited_recovery()}, by="Dr Lee", why="our desk")
    clinic_fields.set_field(store, SLUG, "cost", COST, by="Dr Lee", why="fees")

    summary = export_pack(store, tmp_path / "pack.zip", by="Dr Lee")
    assert summary.edited == 1
    with zipfile.ZipFile(summary.path) as pack:
        assert pack.namelist() == ["manifest.json", "fields.json", "edits.json"]
        manifest = json.loads(pack.read("manifest.json"))
        body = pack.read("edits.json")
    assert manifest["format_version"] == 2
    assert manifest["members"]["edits.json"] == {"sha256": hashlib.sha256(body).hexdigest(), "size": len(body)}
    edits = json.loads(body)
    assert list(edits) == [SLUG]  # only the therapy the clinic edited, only the field that differs
    assert edits[SLUG]["fields"] == {"patient.recovery": edited_recovery()}
    assert type(edits[SLUG]["based_on_version"]) is int

    other = Store.of(other_location)
    pack = read_pack(summary.path, other)
    planned = plan_import(other, pack)
    assert [(c.therapy, c.key, c.before, c.after, c.kind) for c in planned] == [
        (SLUG, "cost", "", COST, "field"), (SLUG, "patient.recovery", shipped(), edited_recovery(), "text")]
    done = import_pack(other, other_location, pack, by="Dr Shah", why="text from the main clinic")
    assert done.changed == 2 and done.therapies == 1 and done.texts == 1 and done.backup is not None
    assert therapy_edits.editable_fields(other, SLUG)["patient.recovery"] == edited_recovery()
    assert clinic_fields.fields_for(other, SLUG) == {"cost": COST}
    latest = therapy_edits.history(other, SLUG)[0]
    assert (latest.author, latest.reason, latest.origin) == ("Dr Shah", "text from the main clinic", "clinic")
    assert [(c.path, c.before, c.after) for c in latest.changes] == [("patient.recovery", shipped(), edited_recovery())]
    assert other.query("SELECT origin FROM therapy WHERE slug = ?", (SLUG,))[0][0] == "clinic"
    assert plan_import(other, pack) == []  # already so: nothing to import again
    assert import_pack(other, other_location, pack, by="Dr Shah", why="again").changed == 0


def test_an_install_without_edits_still_writes_format_1(store, tmp_path):
    clinic_fields.set_field(store, SLUG, "cost", COST, by="Dr Lee", why="fees")
    summary = export_pack(store, tmp_path / "pack.zip", by="Dr Lee")
    with zipfile.ZipFile(summary.path) as pack:
        assert pack.namelist() == ["manifest.json", "fields.json"]
        assert json.loads(pack.read("manifest.json"))["format_version"] == 1
    assert summary.edited == 0


def test_a_format_1_pack_still_imports_and_may_not_hold_edits(store, prepared_location, tmp_path):
    body = json.dumps({"fields": {SLUG: {"cost": {"value": COST, "updated_at": "2026-11-30T09:30:00",
                                                  "updated_by": "Dr Lee"}}}}).encode()
    head = {"format": content_packs.FORMAT, "format_version": 1, "app_version": __version__,
            "library_version": "2026.12.1", "created_at": "2026-11-30T09:30:00+00:00", "exported_by": "Dr Lee",
            "members": {"fields.json": {"sha256": hashlib.sha256(body).hexdigest(), "size": len(body)}}}
    path = tmp_path / "v1.zip"
    with zipfile.ZipFile(path, "w") as pack:
        pack.writestr("manifest.json", json.dumps(head))
        pack.writestr("fields.json", body)
    done = import_pack(store, prepared_location, read_pack(path, store), by="Dr Shah", why="v1")
    assert done.changed == 1 and clinic_fields.fields_for(store, SLUG) == {"cost": COST}

    refused = write_pack(tmp_path / "v1-edits.zip", one_edit({"patient.recovery": edited_recovery()}),
                         format_version=1, listed=False)
    before = db_digest(prepared_location)
    with pytest.raises(PackError, match=r"edits\.json: a pack of format 1 does not hold it"):
        read_pack(refused, store)
    assert db_digest(prepared_location) == before


def test_the_plan_changes_nothing(store, prepared_location, tmp_path):
    path = write_pack(tmp_path / "p.zip", one_edit({"patient.recovery": edited_recovery()}))
    history = therapy_edits.history(store, SLUG)  # the store is open (its -wal made) before the digest
    before = db_digest(prepared_location), history
    planned = plan_import(store, read_pack(path, store))
    assert [(c.therapy, c.label, c.kind) for c in planned] == [(SLUG, "patient.recovery", "text")]
    assert (db_digest(prepared_location), therapy_edits.history(store, SLUG)) == before


def test_an_edit_is_applied_on_top_of_this_installs_text(store, other_location, tmp_path):
    """The importing install's own edit of another field stays; only the pack's changed fields move."""
    other = Store.of(other_location)
    summary_text = f"{shipped('patient.summary')} {LOCAL}"
    therapy_edits.edit_therapy(other, SLUG, {"patient.summary": summary_text}, by="Dr Shah", why="ours")
    path = write_pack(tmp_path / "p.zip", one_edit({"patient.recovery": edited_recovery(),
                                                    "patient.summary": shipped("patient.summary")}))
    planned = plan_import(other, read_pack(path, other))
    assert [(c.key, c.after) for c in planned] == [("patient.summary", shipped("patient.summary")),
                                                   ("patient.recovery", edited_recovery())]
    import_pack(other, other_location, read_pack(path, other), by="Dr Shah", why="merge")
    fields = therapy_edits.editable_fields(other, SLUG)
    assert fields["patient.recovery"] == edited_recovery() and fields["patient.summary"] == shipped("patient.summary")


# --- refused edits ------------------------------------------------------------------------------

REFUSED = {
    "reads at grade 10": (lambda: one_edit({"patient.risks": HARD}),
                          r"edits\.json: yoga: patient\.risks '.*': reading grade \d+(\.\d+)? is above 8"),
    "unknown field path": (lambda: one_edit({"patient.secret_notes": "Hello there."}),
                           r"edits\.json: yoga: patient\.secret_notes: not a text field of yoga a clinic may edit"),
    "not a field path": (lambda: one_edit({"../../etc": "Hello."}),
                         r"edits\.json: yoga: \.\./\.\./etc: not a field's dotted path"),
    "shipped-only field": (lambda: one_edit({"status": "emerging"}),
                           r"edits\.json: yoga: status: not a text field of yoga a clinic may edit"),
    "not text": (lambda: one_edit({"patient.recovery": ["a", "list"]}),
                 r"edits\.json: yoga: patient\.recovery: must be text, not"),
    "control characters": (lambda: one_edit({"patient.recovery": "Call \x1b[2J now."}),
                           r"edits\.json: yoga: patient\.recovery: the text 'Call \\x1b\[2J now\.' holds a control"),
    "over-long text": (lambda: one_edit({"patient.recovery": "Rest well. " * 2_000}),
                       r"edits\.json: yoga: patient\.recovery: the text is 22,000 characters long; the most is 20,000"),
    "unknown therapy": (lambda: one_edit({"patient.recovery": LOCAL}, slug="not-a-therapy"),
                        r"edits\.json: unknown therapy 'not-a-therapy'"),
    "whole therapy": (lambda: {SLUG: {"based_on_version": 1, "fields": {"patient.recovery": LOCAL},
                                      "snapshot": {"slug": SLUG}}},
                      r"edits\.json: yoga: unknown entries 'snapshot'"),
    "not an object": (lambda: b"[1, 2]", r"edits\.json: it is not a JSON object"),
    "nested too deep": (lambda: b"[" * 50 + b"]" * 50, r"edits\.json: its lists and objects nest more than 8"),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_bad_edit_is_refused_by_name_and_the_database_is_unchanged(case, store, prepared_location, tmp_path):
    clinic_fields.set_field(store, SLUG, "offered", "yes", by="Dr Lee", why="classes")
    build, pattern = REFUSED[case]
    path = write_pack(tmp_path / "p.zip", build())
    before = db_digest(prepared_location), therapy_edits.history(store, SLUG)
    with pytest.raises(PackError) as refused:
        read_pack(path, store)
    message = refused.value.message
    assert message.startswith(f"the content pack {path} was refused") and "the database was left unchanged" in message
    assert "\n" not in message and re.search(pattern, message), message
    assert (db_digest(prepared_location), therapy_edits.history(store, SLUG)) == before


def test_every_bad_edit_is_named_and_an_unlisted_edits_file_is_refused(store, prepared_location, tmp_path):
    edits = {SLUG: {"based_on_version": 1, "fields": {"patient.risks": HARD, "patient.nope": "x"}},
             "nsaids": {"based_on_version": "one", "fields": {"clinician.summary": 5}}}
    with pytest.raises(PackError) as refused:
        read_pack(write_pack(tmp_path / "p.zip", edits), store)
    assert len(refused.value.problems) == 2, refused.value.problems  # nsaids' two problems, read on its own first
    with pytest.raises(PackError, match=r"edits\.json: it is in the pack, but manifest\.json does not list it"):
        read_pack(write_pack(tmp_path / "q.zip", one_edit({"patient.recovery": LOCAL}), listed=False), store)
    before = db_digest(prepared_location)
    with pytest.raises(PackError) as refused:
        read_pack(write_pack(tmp_path / "r.zip", {SLUG: edits[SLUG]}), store)
    problems = refused.value.problems
    assert len(problems) == 2, problems  # the unknown field and the hard text alike
    assert problems[0] == "edits.json: yoga: patient.nope: not a text field of yoga a clinic may edit on this install"
    assert problems[1].startswith("edits.json: yoga: patient.risks 'Consequently") and "is above 8" in problems[1]
    assert db_digest(prepared_location) == before


# --- a kill -9 during an import ------------------------------------------------------------------

def run_import(data_dir: Path, pack: Path, kill_at: int) -> subprocess.CompletedProcess:
    """``content import PACK --yes`` into ``data_dir``, killed with SIGKILL just before its Nth SQL
    statement; -1 just after the import's transaction commits; 0 runs it whole."""
    return run_killed(["--data-dir", data_dir, "content", "import", pack, "--by", "Dr Shah", "--why", "move", "--yes"],
                      kill_at, after_commit_of=('ClinicFieldRevision', 'ContentRevision'))


def state(path: Path) -> dict:
    with sqlite3.connect(path) as conn:
        found = {
            "fields": conn.execute("SELECT therapy_slug, field_key, value FROM clinic_field ORDER BY 1, 2").fetchall(),
            "field revisions": conn.execute("SELECT count(*) FROM clinic_field_revision").fetchone()[0],
            "therapies": conn.execute("SELECT slug, origin, patient_text FROM therapy ORDER BY slug").fetchall(),
            "revisions": conn.execute("SELECT t.slug, r.revision, r.origin, r.author, r.reason, r.snapshot FROM "
                                      "content_revision r JOIN therapy t ON t.id = r.therapy_id "
                                      "ORDER BY t.slug, r.revision").fetchall(),
            "search": conn.execute("SELECT count(*) FROM search_index").fetchone()[0],
            "integrity": conn.execute("PRAGMA integrity_check").fetchone()[0],
        }
    conn.close()
    return found


def test_a_kill_at_any_point_of_an_import_with_edits_leaves_the_old_state_or_the_new(store, other_location,
                                                                                    tmp_path):
    therapy_edits.edit_therapy(store, SLUG, {"patient.recovery": edited_recovery()}, by="Dr Lee", why="our desk")
    clinic_fields.set_fields(store, SLUG, {"cost": COST, "offered": "yes"}, by="Dr Lee", why="fees")
    pack = export_pack(store, tmp_path / "pack.zip", by="Dr Lee").path
    seed = copy_db(other_location.sqlite_path, tmp_path / "seed") / settings.DATABASE_FILE
    old = state(seed)
    assert len(plan_import(Store.of(other_location), read_pack(pack, Store.of(other_location)))) == 3

    counted = run_import(copy_db(seed, tmp_path / "count"), pack, 0)
    assert counted.returncode == 0, counted.stderr
    total = statements(counted)
    new = state(tmp_path / "count" / settings.DATABASE_FILE)
    assert new["integrity"] == "ok" and new["field revisions"] == old["field revisions"] + 2
    assert len(new["revisions"]) == len(old["revisions"]) + 1 and new["search"] == old["search"]
    assert therapy_edits.snapshot_fields(json.loads([r for r in new["revisions"] if r[0] == SLUG][-1][5]))[
        "patient.recovery"] == edited_recovery()
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
