"""Content packs: the clinic's fields exported from one install and imported into another, whole or
not at all; a hostile pack is refused by name before anything is written, and a kill -9 during an
import leaves the fields as they were or as the pack has them."""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import subprocess
import textwrap
import time
import warnings
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from kill_at_statement import run_killed, statements
from store_files import copy_db, db_digest

from clinic_app import __version__, settings
from clinic_app.services import clinic_fields, content_packs
from clinic_app.services.content_packs import PackError, export_pack, import_pack, plan_import, read_pack
from clinic_app.services.library import library_meta, therapy_slugs
from clinic_app.storage.store import Store

COST = "A yoga class here costs $15. Most insurance plans do not pay for it."
CONTACT = "Call Sam at the front desk to book a class."
PROTOCOL = "Refer after two physio visits; review at six weeks."
HARD = ("Reimbursement eligibility is contingent upon comprehensive documentation demonstrating "
        "medical necessity and prior authorization from the beneficiary's insurance carrier.")


# --- helpers ------------------------------------------------------------------------------------


def db_rows(location: settings.Location) -> tuple[list, list]:
    with sqlite3.connect(location.sqlite_path) as conn:
        fields = conn.execute("SELECT therapy_slug, field_key, value, updated_by FROM clinic_field "
                              "ORDER BY therapy_slug, field_key").fetchall()
        revisions = conn.execute("SELECT therapy_slug, field_key, before, after, changed_by, reason FROM "
                                 "clinic_field_revision ORDER BY id").fetchall()
    conn.close()
    return fields, revisions


def entry(value: str) -> dict:
    return {"value": value, "updated_at": "2026-11-30T09:30:00", "updated_by": "Dr Lee"}


def fields_body(fields: dict | None = None, **extra) -> bytes:
    fields = {"yoga": {"cost": entry(COST), "contact": entry(CONTACT)}} if fields is None else fields
    return json.dumps({"fields": fields, **extra}).encode("utf-8")


def manifest_for(body: bytes, **changes) -> bytes:
    manifest = {"format": content_packs.FORMAT, "format_version": 1, "app_version": __version__,
                "library_version": "2026.12.1", "created_at": "2026-11-30T09:30:00+00:00", "exported_by": "Dr Lee",
                "members": {"fields.json": {"sha256": hashlib.sha256(body).hexdigest(), "size": len(body)}}}
    manifest.update(changes)
    return json.dumps(manifest).encode("utf-8")


def write_zip(path: Path, members: list[tuple[str, bytes]]) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Duplicate name": a hostile pack on purpose
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as pack:
            for name, data in members:
                pack.writestr(name, data)
    return path


def pack_with(path: Path, body: bytes | None = None, extra: list[tuple[str, bytes]] = (), **manifest) -> Path:
    body = fields_body() if body is None else body
    return write_zip(path, [("manifest.json", manifest_for(body, **manifest)), ("fields.json", body), *extra])


def lying_bomb(path: Path) -> Path:
    """fields.json unpacks to 50 MB, while the zip says 100 bytes (in the local header and the
    central directory alike)."""
    body = b" " * (50 * 1024 * 1024)
    pack_with(path, body=body)
    data = bytearray(path.read_bytes())
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (start := data.find(signature, start)) >= 0:
            name_at = start + (30 if signature == b"PK\x03\x04" else 46)
            if data[name_at:name_at + 11] == b"fields.json":
                data[start + offset:start + offset + 4] = (100).to_bytes(4, "little")
            start += 4
    path.write_bytes(bytes(data))
    return path


# --- export and import --------------------------------------------------------------------------


def test_export_then_import_into_another_install(store, prepared_location, other_location, tmp_path):
    clinic_fields.set_fields(store, "yoga", {"cost": COST, "contact": CONTACT, "offered": "yes"}, by="Dr Lee",
                             why="new class fees")
    clinic_fields.set_fields(store, "nsaids", {"protocol": PROTOCOL}, by="Dr Lee", why="local pathway")
    clinic_fields.set_field(store, "massage", "cost", "A massage costs $60.", by="Dr Lee", why="fees")
    clinic_fields.set_field(store, "massage", "cost", "", by="Dr Lee", why="no longer offered here")

    summary = export_pack(store, tmp_path / "fields.zip", by="Dr Lee")
    assert summary.path.is_file() and summary.fields == 4 and summary.therapies == 2
    with zipfile.ZipFile(summary.path) as pack:
        assert pack.namelist() == ["manifest.json", "fields.json"]
        manifest = json.loads(pack.read("manifest.json"))
        body = pack.read("fields.json")
    assert manifest["format_version"] == 1 and manifest["app_version"] == __version__
    assert manifest["library_version"] == library_meta(store)["version"] and manifest["exported_by"] == "Dr Lee"
    assert manifest["members"]["fields.json"] == {"sha256": hashlib.sha256(body).hexdigest(), "size": len(body)}
    fields = json.loads(body)["fields"]
    assert sorted(fields) == therapy_slugs(store)  # every therapy, set or not
    assert fields["yoga"]["cost"]["value"] == COST and fields["yoga"]["cost"]["updated_by"] == "Dr Lee"
    assert fields["massage"] == {} and fields["nsaids"] == {"protocol": fields["nsaids"]["protocol"]}
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")] == []

    other = Store.of(other_location)
    clinic_fields.set_field(other, "yoga", "offered", "yes", by="Dr Shah", why="we run classes too")
    pack = read_pack(summary.path, other)
    planned = plan_import(other, pack)
    assert [(c.therapy, c.key, c.before, c.after) for c in planned] == [
        ("nsaids", "protocol", "", PROTOCOL), ("yoga", "cost", "", COST), ("yoga", "contact", "", CONTACT)]
    done = import_pack(other, other_location, pack, by="Dr Shah", why="fields from the main clinic")
    assert done.changed == 3 and done.therapies == 2
    assert done.backup.parent == other_location.backup_dir and "before-import" in done.backup.name
    assert clinic_fields.fields_for(other, "yoga") == {"cost": COST, "offered": "yes", "contact": CONTACT}
    assert clinic_fields.fields_for(other, "nsaids") == {"protocol": PROTOCOL}
    history = clinic_fields.history(other, "yoga")
    assert [(r.key, r.before, r.after, r.changed_by, r.reason) for r in history[:2]] == [
        ("contact", "", CONTACT, "Dr Shah", "fields from the main clinic"),
        ("cost", "", COST, "Dr Shah", "fields from the main clinic")]
    assert history[2].reason == "we run classes too"  # the field already equal got no revision
    with sqlite3.connect(done.backup) as conn:  # the backup holds the state before the import
        assert conn.execute("SELECT field_key FROM clinic_field").fetchall() == [("offered",)]
    conn.close()
    assert plan_import(other, pack) == []
    again = import_pack(other, other_location, pack, by="Dr Shah", why="again")
    assert again.changed == 0 and again.backup is None


def test_the_plan_changes_nothing_and_a_field_the_pack_holds_empty_is_cleared(store, prepared_location, tmp_path):
    clinic_fields.set_fields(store, "yoga", {"cost": COST, "protocol": PROTOCOL}, by="Dr Lee", why="fees")
    path = pack_with(tmp_path / "p.zip", body=fields_body({"yoga": {"cost": entry(""), "protocol": entry(PROTOCOL),
                                                                    "contact": entry(CONTACT)}}))
    before = db_digest(prepared_location), db_rows(prepared_location)
    pack = read_pack(path, store)
    planned = plan_import(store, pack)
    assert [(c.key, c.before, c.after) for c in planned] == [("cost", COST, ""), ("contact", "", CONTACT)]
    assert (db_digest(prepared_location), db_rows(prepared_location)) == before
    import_pack(store, prepared_location, pack, by="Dr Lee", why="fees dropped")
    assert clinic_fields.fields_for(store, "yoga") == {"protocol": PROTOCOL, "contact": CONTACT}


def test_an_import_that_fails_part_way_changes_nothing(store, prepared_location, tmp_path, monkeypatch):
    path = pack_with(tmp_path / "p.zip", body=fields_body({"yoga": {"cost": entry(COST)},
                                                           "nsaids": {"protocol": entry(PROTOCOL)}}))
    pack = read_pack(path, store)
    real = clinic_fields.write_fields
    calls = []

    def second_fails(session, slug, *args, **kwargs):
        calls.append(slug)
        if len(calls) == 2:
            raise OSError("disk gone")
        return real(session, slug, *args, **kwargs)

    monkeypatch.setattr(clinic_fields, "write_fields", second_fails)
    with pytest.raises(OSError):
        import_pack(store, prepared_location, pack, by="Dr Lee", why="move")
    assert len(calls) == 2
    assert db_rows(prepared_location) == ([], [])


def test_import_needs_who_and_why(store, prepared_location, tmp_path):
    pack = read_pack(pack_with(tmp_path / "p.zip"), store)
    before = db_digest(prepared_location)
    with pytest.raises(clinic_fields.ClinicFieldError, match=r"who is making it \(by\) and a short reason"):
        import_pack(store, prepared_location, pack, by=" ", why="")
    assert db_digest(prepared_location) == before
    assert not prepared_location.backup_dir.exists() or not any(prepared_location.backup_dir.iterdir())


def test_export_to_a_missing_folder_or_a_failing_disk_leaves_nothing_partial(store, tmp_path, monkeypatch):
    with pytest.raises(PackError, match=r"cannot write .*nowhere/p\.zip: the folder .*nowhere does not exist"):
        export_pack(store, tmp_path / "nowhere" / "p.zip", by="Dr Lee")
    assert not (tmp_path / "nowhere").exists()
    with pytest.raises(PackError, match="say who is exporting"):
        export_pack(store, tmp_path / "p.zip", by="  ")
    out = tmp_path / "out"
    out.mkdir()
    target = out / "p.zip"
    target.write_bytes(b"the pack of last week")
    real = zipfile.ZipFile.writestr

    def full_disk(self, name, data, *args, **kwargs):
        if name == "fields.json":
            raise OSError(28, "No space left on device")
        return real(self, name, data, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "writestr", full_disk)
    with pytest.raises(PackError, match=r"cannot write .*p\.zip: No space left on device; nothing was written"):
        export_pack(store, target, by="Dr Lee")
    assert target.read_bytes() == b"the pack of last week"
    assert sorted(p.name for p in out.iterdir()) == ["p.zip"]


# --- hostile packs ------------------------------------------------------------------------------


def damaged_member(path: Path) -> Path:
    """A pack whose fields.json has some of its compressed bytes changed."""
    data = bytearray(pack_with(path, body=fields_body() * 1).read_bytes())
    header = data.find(b"PK\x03\x04fields.json"[:4], data.find(b"fields.json") - 30)
    start = header + 30 + int.from_bytes(data[header + 26:header + 28], "little") + \
        int.from_bytes(data[header + 28:header + 30], "little")
    for offset in range(10, 20):
        data[start + offset] ^= 0xFF
    return raw(path, bytes(data))


def raw(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def many_members(path):
    return write_zip(path, [(f"f{i}.json", b"{}") for i in range(1000)])


YAML_BOMB = textwrap.dedent("""\
    a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
    b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
    c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
    d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
    e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
    """).encode()

# name -> (build the pack at the path, a pattern the refusal must hold)
HOSTILE = {
    "not a zip": (lambda p: raw(p, b"name,cost\nyoga,15\n"), r"it is not a zip file"),
    "damaged zip": (lambda p: raw(p, pack_with(p).read_bytes()[:200]), r"not a zip file, or the zip is damaged"),
    "damaged member": (lambda p: damaged_member(p), r"fields\.json: it is damaged"),
    "parent path": (lambda p: pack_with(p, extra=[("../fields.json", b"{}")]),
                    r"'\.\./fields\.json': a name that points outside"),
    "absolute path": (lambda p: pack_with(p, extra=[("/etc/cron.d/x", b"{}")]), r"'/etc/cron\.d/x': a name that points outside"),
    "backslash": (lambda p: pack_with(p, extra=[("..\\..\\evil.json", b"{}")]), r"evil\.json': a name that points outside"),
    "drive letter": (lambda p: pack_with(p, extra=[("C:/Windows/x.json", b"{}")]), r"'C:/Windows/x\.json': a name that points"),
    "another file": (lambda p: pack_with(p, extra=[("notes.txt", b"hello")]), r"'notes\.txt': a file a content pack does not"),
    "therapy text as a file": (lambda p: pack_with(p, extra=[("therapies/yoga.yaml", b"slug: yoga")]),
                               r"'therapies/yoga\.yaml': a pack carries only the clinic's own fields, never a therapy's "
                               r"shipped text"),
    "therapy text in fields.json": (lambda p: pack_with(p, body=fields_body(therapies={"yoga": {"summary": "x"}})),
                                    r"fields\.json: 'therapies' is not part of a content pack; a pack carries only the "
                                    r"clinic's own fields"),
    "therapy text as a field": (lambda p: pack_with(p, body=fields_body({"yoga": {"summary": entry("Yoga is great.")}})),
                                r"fields\.json: yoga: summary: unknown clinic field; clinic fields are cost, offered, "
                                r"protocol, contact"),
    "a member twice": (lambda p: pack_with(p, extra=[("fields.json", b"{}")]), r"fields\.json: it is in the zip twice"),
    "missing fields": (lambda p: write_zip(p, [("manifest.json", manifest_for(b"{}"))]), r"fields\.json: it is missing"),
    "too many members": (many_members, r"it holds 1,000 files; a content pack holds only manifest\.json and fields\.json"),
    "zip bomb": (lambda p: pack_with(p, body=b" " * (6 * 1024 * 1024)),
                 r"its files would unpack to 6,29\d,\d{3} bytes; a content pack unpacks to at most 5,242,880"),
    "zip bomb with lying sizes": (lying_bomb, r"fields\.json: it is damaged|fields\.json: it unpacks to more than"),
    "yaml alias bomb": (lambda p: pack_with(p, body=YAML_BOMB), r"fields\.json: it is not valid JSON"),
    "not utf-8": (lambda p: pack_with(p, body=fields_body().replace(b"$15", b"\xa315")), r"fields\.json: it is not UTF-8"),
    "nested too deep": (lambda p: pack_with(p, body=b"[" * 200_000 + b"]" * 200_000),
                        r"fields\.json: its lists and objects nest more than 8 levels deep"),
    "a key twice": (lambda p: pack_with(p, body=b'{"fields": {"yoga": {}, "yoga": {}}}'),
                    r"fields\.json: it is not valid JSON \(the key 'yoga' is given twice"),
    "sha-256 differs": (lambda p: pack_with(p, members={"fields.json": {"sha256": "0" * 64, "size": len(fields_body())}}),
                        r"fields\.json: its SHA-256 is [0-9a-f]{64}, but manifest\.json says 0{64}"),
    "size differs": (lambda p: pack_with(p, members={"fields.json": {"sha256": hashlib.sha256(fields_body()).hexdigest(),
                                                                     "size": 12}}),
                     r"fields\.json: it is \d+ bytes, but manifest\.json says 12"),
    "newer format": (lambda p: pack_with(p, format_version=content_packs.FORMAT_VERSION + 1),
                     rf"the pack is in format {content_packs.FORMAT_VERSION + 1}, made by a newer version"),
    "newer app": (lambda p: pack_with(p, app_version="99.0"), r"made by Clinic Reference 99\.0, newer than this version"),
    "unknown therapy": (lambda p: pack_with(p, body=fields_body({"not-a-therapy": {"cost": entry(COST)}})),
                        r"fields\.json: unknown therapy 'not-a-therapy'; known therapies: .*yoga"),
    "control characters": (lambda p: pack_with(p, body=fields_body({"yoga": {"cost": entry("Call \x1b[2J now.")}}),
                                               exported_by="Dr\x1b]0;owned\x07 Lee"),
                           r"exported_by 'Dr\\x1b\]0;owned\\x07 Lee' holds a control character.*yoga: cost: the "
                           r"value 'Call \\x1b\[2J now\.' holds a control character"),
    "app version not a version": (lambda p: pack_with(p, app_version="0.1.0; rm -rf /"),
                                  r"app_version '0\.1\.0; rm -rf /' is not a version number"),
    "manifest not json": (lambda p: write_zip(p, [("manifest.json", b"format: 1"), ("fields.json", fields_body())]),
                          r"manifest\.json: it is not valid JSON"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_pack_is_refused_by_name_and_the_database_is_unchanged(case, store, prepared_location, tmp_path):
    clinic_fields.set_field(store, "yoga", "offered", "yes", by="Dr Lee", why="classes")
    build, pattern = HOSTILE[case]
    path = build(tmp_path / "hostile.zip")
    before = db_digest(prepared_location)
    started = time.monotonic()
    with pytest.raises(PackError) as refused:
        read_pack(path, store)
    assert time.monotonic() - started < 10
    message = refused.value.message
    assert message.startswith(f"the content pack {path} was refused") and "the database was left unchanged" in message
    assert "\n" not in message
    assert re.search(pattern, message), message
    assert db_digest(prepared_location) == before
    assert db_rows(prepared_location)[0] == [("yoga", "offered", "yes", "Dr Lee")]


def test_every_refused_value_is_named_not_only_the_first(store, prepared_location, tmp_path):
    body = fields_body({"yoga": {"cost": entry(HARD), "contact": entry("Call TBD.")},
                        "nsaids": {"protocol": entry("x" * 700), "offered": entry("maybe")},
                        "massage": {"cost": entry("A massage costs $60.")}})
    before = db_digest(prepared_location)
    with pytest.raises(PackError) as refused:
        read_pack(pack_with(tmp_path / "p.zip", body=body), store)
    problems = refused.value.problems
    assert len(problems) == 4, problems
    message = refused.value.message
    assert "(4 problems)" in message
    assert "fields.json: yoga: cost: the cost and coverage (cost) for yoga 'Reimbursement" in message
    assert "reads at US grade" in message and "must be grade 8 or lower" in message
    assert "fields.json: yoga: contact: " in message and "holds 'TBD'" in message
    assert "fields.json: nsaids: protocol: " in message and "is 700 characters long; the most is 600" in message
    assert "fields.json: nsaids: offered: " in message and "must be 'yes' or 'no', not 'maybe'" in message
    assert db_digest(prepared_location) == before and db_rows(prepared_location) == ([], [])


def test_reading_stops_at_the_cap_whatever_the_zip_declares(store, tmp_path, monkeypatch):
    """A member's declared size can lie: the lying bomb unpacks 50 MB but says 100 bytes, and no more
    than a piece past what it declares is ever unpacked; a member that unpacks past the cap is cut off
    there."""
    read: list[int] = []
    real = zipfile.ZipExtFile.read

    def counted(self, n=-1):
        data = real(self, n)
        read.append(len(data))
        return data

    monkeypatch.setattr(zipfile.ZipExtFile, "read", counted)
    with pytest.raises(PackError, match=r"fields\.json: it (is damaged|unpacks to more than)"):
        read_pack(lying_bomb(tmp_path / "bomb.zip"), store)
    assert 0 < sum(read) <= 100 + content_packs.CHUNK

    read.clear()
    monkeypatch.setattr(content_packs, "CHUNK", 1_000)
    path = pack_with(tmp_path / "big.zip", body=fields_body() + b" " * 50_000)
    problems: list[str] = []
    with zipfile.ZipFile(path) as archive:
        entry = archive.getinfo("fields.json")
        assert content_packs._read_member(archive, entry, 5_000, problems) is None
    assert problems == ["fields.json: it unpacks to more than 5,000 bytes, more than the zip declares or a pack may "
                        "hold (a zip bomb?); reading stopped there"]
    assert sum(read) <= 6_000


# --- a kill -9 during an import ------------------------------------------------------------------

def run_import(data_dir: Path, pack: Path, kill_at: int) -> subprocess.CompletedProcess:
    """``content import PACK --yes`` into ``data_dir``, killed with SIGKILL just before its Nth SQL
    statement; -1 just after the import's transaction commits; 0 runs it whole."""
    return run_killed(["--data-dir", data_dir, "content", "import", pack, "--by", "Dr Shah", "--why", "move", "--yes"],
                      kill_at, after_commit_of=('ClinicFieldRevision',))


def snapshot(path: Path) -> dict:
    with sqlite3.connect(path) as conn:
        found = {
            "fields": conn.execute("SELECT therapy_slug, field_key, value FROM clinic_field ORDER BY 1, 2").fetchall(),
            "revisions": conn.execute("SELECT therapy_slug, field_key, before, after, changed_by, reason FROM "
                                      "clinic_field_revision ORDER BY id").fetchall(),
            "integrity": conn.execute("PRAGMA integrity_check").fetchone()[0],
        }
    conn.close()
    return found


def test_a_kill_at_any_point_of_an_import_leaves_the_old_fields_or_the_new(store, prepared_location, other_location,
                                                                          tmp_path):
    clinic_fields.set_fields(store, "yoga", {"cost": COST, "contact": CONTACT, "offered": "yes"}, by="Dr Lee", why="a")
    clinic_fields.set_fields(store, "nsaids", {"protocol": PROTOCOL}, by="Dr Lee", why="b")
    clinic_fields.set_field(store, "massage", "cost", "A massage costs $60.", by="Dr Lee", why="c")
    pack = export_pack(store, tmp_path / "fields.zip", by="Dr Lee").path

    other = Store.of(other_location)
    clinic_fields.set_fields(other, "yoga", {"cost": "A class costs $12.", "offered": "yes"}, by="Dr Shah", why="old")
    seed = tmp_path / "seed.sqlite3"
    copy_db(other_location.sqlite_path, tmp_path / "seed-dir")
    (tmp_path / "seed-dir" / settings.DATABASE_FILE).rename(seed)
    old = snapshot(seed)
    planned = plan_import(other, read_pack(pack, other))
    assert len(planned) == 4  # yoga cost and contact, nsaids protocol, massage cost; yoga offered is equal
    new_fields = sorted({**{(s, k): v for s, k, v in old["fields"]},
                         **{(c.therapy, c.key): c.after for c in planned}}.items())
    new_fields = [(s, k, v) for (s, k), v in new_fields]
    new_revisions = old["revisions"] + [(c.therapy, c.key, c.before, c.after, "Dr Shah", "move") for c in planned]

    counted = run_import(copy_db(seed, tmp_path / "count"), pack, 0)
    assert counted.returncode == 0, counted.stderr
    total = statements(counted)
    assert snapshot(tmp_path / "count" / settings.DATABASE_FILE) == {
        "fields": new_fields, "revisions": new_revisions, "integrity": "ok"}
    points = sorted(set(range(1, total + 1, max(1, total // 8))) | {total, -1})
    assert len(points) >= 6

    def kill(point: int) -> str:
        data = copy_db(seed, tmp_path / f"kill-{point}")
        killed = run_import(data, pack, point)
        assert killed.returncode == -9, (point, killed.returncode, killed.stderr[-500:])
        after = snapshot(data / settings.DATABASE_FILE)
        assert after["integrity"] == "ok", point
        state = {k: after[k] for k in ("fields", "revisions")}
        if state == {k: old[k] for k in ("fields", "revisions")}:
            return "old"
        assert state == {"fields": new_fields, "revisions": new_revisions}, (point, state)  # never between
        return "new"

    with ThreadPoolExecutor(max_workers=2) as pool:  # two processes at a time, one per core
        outcomes = dict(zip(points, pool.map(kill, points)))
    assert outcomes[-1] == "new" and outcomes[1] == "old", outcomes  # both states are reached
