"""Content packs carry the clinic's condition edits (conditions.json, pack format 3): exported as the
fields that differ from the shipped text, imported into another install as one revision naming who
and why, checked as `condition set` checks; a pack of an older format holding the file is refused."""

from __future__ import annotations

import hashlib
import json
import zipfile

import pytest
from sqlalchemy import text as sql_text
from store_files import db_digest

from clinic_app import __version__
from clinic_app.content.check import load_content
from clinic_app.services import condition_edits, content_packs
from clinic_app.services.content_packs import PackError, export_pack, import_pack, plan_import, read_pack
from clinic_app.storage.store import Store

SLUG = "chronic-low-back-pain"
CUT = "That kind of leg pain is called sciatica, and it has its own page."
HARD = ("Consequently, individuals experiencing considerable uncertainty regarding administrative arrangements "
        "should communicate comprehensively with our appropriately qualified reception personnel beforehand.")


def shipped() -> str:
    return next(c for c in load_content()[0].conditions if c.slug == SLUG).patient.what_it_is


def shorter() -> str:
    return shipped().replace(CUT, "").strip()


def write_pack(path, conditions: dict, format_version: int = 3):
    bodies = {"fields.json": b'{"fields": {}}\n', "conditions.json": json.dumps(conditions).encode()}
    head = {"format": content_packs.FORMAT, "format_version": format_version, "app_version": __version__,
            "library_version": "", "created_at": "2026-12-01T10:00:00+00:00", "exported_by": "Dr Lee",
            "members": {name: {"sha256": hashlib.sha256(body).hexdigest(), "size": len(body)}
                        for name, body in bodies.items()}}
    with zipfile.ZipFile(path, "w") as pack:
        pack.writestr("manifest.json", json.dumps(head))
        for name, body in bodies.items():
            pack.writestr(name, body)
    return path


def test_a_condition_edit_travels_to_a_fresh_install(store, other_location, tmp_path):
    condition_edits.edit_condition(store, SLUG, {"patient.what_it_is": shorter()}, by="Dr Lee", why="leaflet")
    summary = export_pack(store, tmp_path / "pack.zip", by="Dr Lee")
    assert summary.conditions == 1
    with zipfile.ZipFile(summary.path) as pack:
        assert pack.namelist() == ["manifest.json", "fields.json", "conditions.json"]
        assert json.loads(pack.read("manifest.json"))["format_version"] == 3
        assert json.loads(pack.read("conditions.json")) == {SLUG: {"fields": {"patient.what_it_is": shorter()}}}

    other = Store.of(other_location)
    pack = read_pack(summary.path, other)
    planned = plan_import(other, pack)
    assert [(c.therapy, c.key, c.before, c.after, c.kind) for c in planned] == [
        (SLUG, "patient.what_it_is", shipped(), shorter(), "condition")]
    done = import_pack(other, other_location, pack, by="Dr Shah", why="from the main clinic")
    assert done.changed == 1 and [edit.slug for edit in done.conditions] == [SLUG]
    assert condition_edits.editable_fields(other, SLUG)["patient.what_it_is"] == shorter()
    latest = condition_edits.history(other, SLUG)[0]
    assert (latest.author, latest.reason, latest.origin) == ("Dr Shah", "from the main clinic", "clinic")
    assert plan_import(other, pack) == []  # already so: nothing to import again


def test_a_pack_condition_edit_that_fails_a_check_is_refused_by_name(store, prepared_location, tmp_path):
    path = write_pack(tmp_path / "hard.zip", {SLUG: {"fields": {"patient.first_steps": HARD}}})
    with store.write() as session:  # opened for writes once (an empty write-ahead log), as an import would
        session.execute(sql_text("SELECT 1"))
    before = db_digest(prepared_location)
    with pytest.raises(PackError) as refused:
        read_pack(path, store)
    assert any(problem.startswith(f"conditions.json: {SLUG}: patient.first_steps") and "reading grade" in problem
               for problem in refused.value.problems)
    path = write_pack(tmp_path / "unknown.zip", {"no-such": {"fields": {"name": "Anything at all"}}})
    with pytest.raises(PackError, match="conditions.json: unknown condition 'no-such'"):
        read_pack(path, store)
    assert db_digest(prepared_location) == before


def test_an_older_format_holding_conditions_json_is_refused(store, tmp_path):
    path = write_pack(tmp_path / "old.zip", {SLUG: {"fields": {"patient.what_it_is": shorter()}}}, format_version=2)
    with pytest.raises(PackError, match="conditions.json: a pack of format 2 does not hold it"):
        read_pack(path, store)
