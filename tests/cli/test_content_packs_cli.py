"""``clinic-app content export|import`` end to end: the clinic's fields moved from one install to
another; a dry run first, changing nothing; a hostile pack refused in one line, the database untouched."""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import zipfile
from pathlib import Path

import pytest
from store_files import db_digest

from clinic_app import __version__
from clinic_app.cli import main

COST = "A class costs $15. Most insurance plans do not pay for it."
CONTACT = "Call Sam at the front desk."
PROTOCOL = "Refer after two physio visits."
HARD = ("Reimbursement eligibility is contingent upon comprehensive documentation demonstrating "
        "medical necessity and prior authorization from the beneficiary's insurance carrier.")


def run(location, *args):
    return main(["--data-dir", str(location.data_dir), *map(str, args)])


def backups(location) -> list[str]:
    return sorted(p.name for p in location.backup_dir.glob("*.sqlite3")) if location.backup_dir.exists() else []


def revisions(location) -> list[tuple]:
    with sqlite3.connect(location.sqlite_path) as conn:
        found = conn.execute("SELECT therapy_slug, field_key, before, after, changed_by, reason "
                             "FROM clinic_field_revision ORDER BY id").fetchall()
    conn.close()
    return found


def test_export_then_dry_run_then_import(prepared_location, other_location, tmp_path, capsys):
    assert run(prepared_location, "fields", "set", "yoga", "--cost", COST, "--contact", CONTACT, "--by", "Dr Lee",
               "--why", "new class fees") == 0
    assert run(prepared_location, "fields", "set", "nsaids", "--protocol", PROTOCOL, "--by", "Dr Lee",
               "--why", "local pathway") == 0
    capsys.readouterr()
    pack = tmp_path / "fields.zip"
    assert run(prepared_location, "content", "export", "-o", pack, "--by", "Dr Lee") == 0
    out = capsys.readouterr().out
    assert out.startswith(f"wrote {pack}: 3 clinic field(s) of 2 therapies (") and "SHA-256 " in out
    assert hashlib.sha256(pack.read_bytes()).hexdigest() in out

    assert run(other_location, "fields", "set", "yoga", "--contact", CONTACT, "--by", "Dr Shah", "--why", "same") == 0
    capsys.readouterr()
    before, kept = db_digest(other_location), revisions(other_location)
    assert run(other_location, "content", "import", pack) == 0  # a dry run: shows, changes nothing
    out = capsys.readouterr().out
    assert re.search(rf"^content pack .*fields.zip: exported \S+ by Dr Lee \(Clinic Reference {__version__}, "
                     r"library [\d.]+\)$", out.splitlines()[0])
    assert "  nsaids protocol: (empty) \u2192 'Refer after two physio visits.'" in out
    assert "  yoga cost: (empty) \u2192 'A class costs $15. Most insurance plans\u2026'" in out
    assert "contact" not in out  # already the same here
    assert "2 field(s) would change; nothing was changed. Run again with --yes" in out
    assert db_digest(other_location) == before and revisions(other_location) == kept and backups(other_location) == []

    assert run(other_location, "content", "import", pack, "--by", "Dr Shah", "--why", "fields from the main clinic",
               "--yes") == 0
    out = capsys.readouterr().out
    made = backups(other_location)
    assert len(made) == 1 and "before-import" in made[0]
    assert "imported 2 field(s) of 2 therapies, each kept as a revision (why: fields from the main clinic); backup " \
           f"before the import: {other_location.backup_dir / made[0]}" in out
    assert revisions(other_location) == kept + [
        ("nsaids", "protocol", "", PROTOCOL, "Dr Shah", "fields from the main clinic"),
        ("yoga", "cost", "", COST, "Dr Shah", "fields from the main clinic")]
    assert run(other_location, "fields", "show", "yoga") == 0
    out = capsys.readouterr().out
    assert f"cost      {COST}  (Dr Shah, " in out and f"contact   {CONTACT}  (Dr Shah, " in out

    assert run(other_location, "content", "import", pack, "--by", "Dr Shah", "--why", "again", "--yes") == 0
    assert "nothing to import" in capsys.readouterr().out
    assert len(backups(other_location)) == 1


def write_pack(path: Path, fields: dict | None = None, extra: list[tuple[str, bytes]] = (), **manifest) -> Path:
    body = json.dumps({"fields": fields if fields is not None else {"yoga": {"cost": {
        "value": COST, "updated_at": "2026-11-30T09:30:00", "updated_by": "Dr Lee"}}}}).encode()
    head = {"format": "clinic-app content pack", "format_version": 1, "app_version": __version__,
            "library_version": "2026.12.1", "created_at": "2026-11-30T09:30:00+00:00", "exported_by": "Dr Lee",
            "members": {"fields.json": {"sha256": hashlib.sha256(body).hexdigest(), "size": len(body)}}, **manifest}
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as pack:
        for name, data in [("manifest.json", json.dumps(head).encode()), ("fields.json", body), *extra]:
            pack.writestr(name, data)
    return path


def value(text: str) -> dict:
    return {"value": text, "updated_at": "2026-11-30T09:30:00", "updated_by": "Dr Lee"}


HOSTILE = {
    "path traversal": (dict(extra=[("../../.bashrc", b"rm -rf ~")]), "'../../.bashrc': a name that points outside"),
    "therapy text": (dict(extra=[("therapies/yoga.yaml", b"slug: yoga")]),
                     "'therapies/yoga.yaml': a pack carries only the clinic's own fields, never a therapy's shipped text"),
    "zip bomb": (dict(extra=[("fields2.json", b"0" * (6 * 1024 * 1024))]), "a content pack unpacks to at most 5,242,880"),
    "newer app": (dict(app_version="99.1.0"), "made by Clinic Reference 99.1.0, newer than this version"),
    "sha-256": (dict(members={"fields.json": {"sha256": "ab" * 32, "size": 10}}), "but manifest.json says abab"),
    "unknown therapy": (dict(fields={"yogaa": {"cost": value(COST)}}), "fields.json: unknown therapy 'yogaa'"),
    "bad values": (dict(fields={"yoga": {"cost": value(HARD), "offered": value("maybe"), "summary": value("x")}}),
                   "(3 problems)"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_pack_is_refused_in_one_line_and_nothing_changes(case, prepared_location, tmp_path, capsys):
    assert run(prepared_location, "fields", "set", "yoga", "--offered", "yes", "--by", "Dr Lee", "--why", "classes") == 0
    kwargs, words = HOSTILE[case]
    pack = write_pack(tmp_path / "hostile.zip", **kwargs)
    capsys.readouterr()
    before, kept = db_digest(prepared_location), revisions(prepared_location)
    for yes in ((), ("--yes",)):
        assert run(prepared_location, "content", "import", pack, "--by", "Dr Lee", "--why", "move", *yes) == 1
        captured = capsys.readouterr()
        assert captured.out == ""
        lines = captured.err.splitlines()
        assert len(lines) == 1 and "Traceback" not in captured.err, captured.err
        assert lines[0].startswith(f"clinic-app: error: the content pack {pack} was refused (")
        assert "the database was left unchanged" in lines[0] and words in lines[0], lines[0]
        assert db_digest(prepared_location) == before and revisions(prepared_location) == kept
        assert backups(prepared_location) == []
    if case == "bad values":
        assert "reads at US grade" in lines[0] and "not 'maybe'" in lines[0] and "summary: unknown clinic field" in lines[0]


def test_export_errors_and_an_import_without_who_and_why(prepared_location, tmp_path, capsys):
    assert run(prepared_location, "content", "export", "-o", tmp_path / "nowhere" / "p.zip", "--by", "Dr Lee") == 1
    err = capsys.readouterr().err
    assert err == f"clinic-app: error: cannot write {tmp_path / 'nowhere' / 'p.zip'}: the folder " \
                  f"{tmp_path / 'nowhere'} does not exist; nothing was written\n"
    assert not (tmp_path / "nowhere").exists()
    assert run(prepared_location, "content", "export", "-o", tmp_path, "--by", "Dr Lee") == 1
    assert "it is a folder; nothing was written" in capsys.readouterr().err

    pack = write_pack(tmp_path / "p.zip")
    before = db_digest(prepared_location)
    assert run(prepared_location, "content", "import", pack, "--yes") == 1
    err = capsys.readouterr().err
    assert "needs who is making it (by) and a short reason (why); nothing was changed" in err
    assert db_digest(prepared_location) == before and revisions(prepared_location) == [] and backups(prepared_location) == []
    assert run(prepared_location, "content", "import", tmp_path / "missing.zip") == 1
    assert "missing.zip was refused (1 problem); the database was left unchanged: there is no such file" in \
        capsys.readouterr().err


def test_an_edit_of_therapy_text_moves_with_a_dry_run_first(prepared_location, other_location, tmp_path, capsys):
    from clinic_app.services import therapy_edits
    from clinic_app.storage.store import Store

    shipped = therapy_edits.editable_fields(Store.of(other_location), "yoga")["patient.recovery"]
    edited = f"{shipped} Ask our front desk about this."
    therapy_edits.edit_therapy(Store.of(prepared_location), "yoga", {"patient.recovery": edited}, by="Dr Lee",
                               why="our desk")
    pack = tmp_path / "pack.zip"
    assert run(prepared_location, "content", "export", "-o", pack, "--by", "Dr Lee") == 0
    assert "0 clinic field(s) of 0 therapies and the clinic's edited text of 1 therapies (" in capsys.readouterr().out

    before = db_digest(other_location)
    assert run(other_location, "content", "import", pack) == 0
    out = capsys.readouterr().out
    assert "  yoga patient.recovery: '" in out and "\u2192" in out
    assert "1 edited text field(s) would change; nothing was changed. Run again with --yes" in out
    assert db_digest(other_location) == before and backups(other_location) == []

    assert run(other_location, "content", "import", pack, "--by", "Dr Shah", "--why", "text from the main clinic",
               "--yes") == 0
    out = capsys.readouterr().out
    assert "  yoga text, revision " in out and ": patient.recovery" in out
    assert "imported 1 edited text field(s) of 1 therapies, each kept as a revision (why: text from the main " \
           "clinic); backup before the import: " in out
    assert therapy_edits.editable_fields(Store.of(other_location), "yoga")["patient.recovery"] == edited
    assert len(backups(other_location)) == 1


def test_an_edit_that_reads_too_hard_is_refused_in_one_line(prepared_location, tmp_path, capsys):
    body = json.dumps({"yoga": {"based_on_version": 1, "fields": {"patient.risks": HARD}}}).encode()
    pack = write_pack(tmp_path / "hard.zip", format_version=2, extra=[("edits.json", body)])
    with zipfile.ZipFile(pack) as made:
        fields = made.read("fields.json")
    pack = write_pack(tmp_path / "hard.zip", format_version=2, extra=[("edits.json", body)], members={
        "fields.json": {"sha256": hashlib.sha256(fields).hexdigest(), "size": len(fields)},
        "edits.json": {"sha256": hashlib.sha256(body).hexdigest(), "size": len(body)}})
    assert run(prepared_location, "fields", "set", "yoga", "--offered", "yes", "--by", "Dr Lee", "--why", "x") == 0
    capsys.readouterr()
    before = db_digest(prepared_location)
    assert run(prepared_location, "content", "import", pack, "--by", "Dr Lee", "--why", "move", "--yes") == 1
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and re.search(r"edits\.json: yoga: patient\.risks '.*': reading grade \d+(\.\d+)? is above "
                                         r"8", lines[0]), lines
    assert db_digest(prepared_location) == before and backups(prepared_location) == []
