"""A room that loses the clinic's server goes on browsing, searching and comparing from its own copy
of the library, says so, and records what it gives while it does (held in its outbox).

The server is really stopped (``pg_ctl stop``) and started again on the same data folder and port.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import sqlite3
import time

import pytest
from sqlalchemy import text

from clinic_app.errors import ServerUnreachableError
from clinic_app.services import clinic, consultations, delivery, library, library_copy, search, store_setup
from clinic_app.services.consultations import ConsultationDraft
from clinic_app.storage import library_copy as copy_file
from clinic_app.storage.dialect import POSTGRESQL, SQLITE
from clinic_app.storage.store import Store


def admin(store, *statements) -> None:
    with store.write() as session:
        for statement in statements:
            session.execute(text(statement))


def test_the_copy_holds_the_library_and_no_record(server_store):
    store = server_store
    consultations.record(store, ConsultationDraft(clinician="Dr A. Shah", therapies=("nsaids",),
                                                  started_at=dt.datetime.now(dt.UTC)))
    made = library_copy.refresh(store.location)
    assert made.written and made.path == store.location.data_dir / copy_file.FILE_NAME
    assert made.tables["therapy"] == store.query("SELECT COUNT(*) FROM therapy")[0][0] > 10
    assert not set(made.tables) & set(copy_file.RECORD_TABLES)
    with sqlite3.connect(copy_file.read_only_uri(made.path), uri=True) as conn:
        for table in copy_file.RECORD_TABLES:  # no patient's record leaves the server
            assert conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == 0, table
        therapies = dict(conn.execute("SELECT slug, content_version FROM therapy").fetchall())
        revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    assert therapies == dict(store.query("SELECT slug, content_version FROM therapy"))
    assert revision == store.query("SELECT version_num FROM alembic_version")[0][0]

    again = library_copy.refresh(store.location)  # nothing changed: the copy is kept, its time renewed
    assert not again.written and copy_file.copy_facts(made.path)[copy_file.TAKEN_KEY] == again.taken_at

    profile = clinic.load_profile(store)
    clinic.save_profile(store, dataclasses.replace(profile, name="Riverside Spine Clinic"))
    changed = library_copy.refresh(store.location)
    assert changed.written
    with sqlite3.connect(copy_file.read_only_uri(made.path), uri=True) as conn:
        assert conn.execute("SELECT name FROM clinic_profile").fetchone()[0] == "Riverside Spine Clinic"


def test_without_the_server_the_room_reads_its_copy_and_says_so(server_store, pg_cluster_control):
    store = server_store
    library_copy.refresh(store.location)
    online = [hit.slug for hit in search.search(store, "platelet")]
    detail = library.get_therapy(store, "platelet-rich-plasma")
    assert store.sql is POSTGRESQL and store.copy_taken_at is None

    pg_cluster_control.halt()
    assert [hit.slug for hit in search.search(store, "platelet")] == online  # the same first answers, from the copy
    assert store.sql is SQLITE and store.copy_taken_at
    assert library.get_therapy(store, "platelet-rich-plasma") == detail  # the whole page, as the server had it
    assert len(library.list_therapies(store)) == len(store.query("SELECT slug FROM therapy"))
    started = time.monotonic()
    with pytest.raises(ServerUnreachableError, match="copy of the library"), store.write():
        pass
    assert time.monotonic() - started < 1  # refused at once, not after a connection timeout
    assert not store.use_server()  # still down: the room goes on with its copy

    pg_cluster_control.start()
    assert store.use_server()
    assert store.sql is POSTGRESQL and store.copy_taken_at is None
    assert [hit.slug for hit in search.search(store, "platelet")] == online


def test_a_room_starting_while_the_server_is_down_opens_its_copy(server_store, pg_cluster_control):
    location = server_store.location
    library_copy.refresh(location)
    Store.forget(location)
    pg_cluster_control.halt()
    assert store_setup.is_ready(location)
    store = Store.of(location)
    assert store.copy_taken_at and [hit.slug for hit in search.search(store, "prolotherapy")][:1] == ["prolotherapy"]


def test_a_room_without_a_copy_says_so_when_the_server_is_down(server_store, pg_cluster_control):
    location = server_store.location
    Store.forget(location)
    pg_cluster_control.halt()
    with pytest.raises(ServerUnreachableError, match="no copy of the library yet"):
        store_setup.is_ready(location)


def test_a_consultation_held_while_away_names_the_versions_the_room_showed(server_store, pg_cluster_control):
    store = server_store
    library_copy.refresh(store.location)
    shown = store.query("SELECT content_version FROM therapy WHERE slug = 'nsaids'")[0][0]
    admin(store, "UPDATE therapy SET content_version = content_version + 1 WHERE slug = 'nsaids'")
    pg_cluster_control.halt()
    assert store.query("SELECT content_version FROM therapy WHERE slug = 'nsaids'")[0][0] == shown  # the copy
    held = consultations.save(store, ConsultationDraft(clinician="Dr A. Shah", therapies=("nsaids",),
                                                       started_at=dt.datetime.now(dt.UTC)))
    assert held.held

    pg_cluster_control.start()
    assert store.use_server()
    done = delivery.deliver(store)
    assert done.ok and len(done.delivered) == 1
    record = consultations.get(store, done.delivered[0].id)
    assert record.content_versions == {"nsaids": shown}  # what was discussed, not what the server holds now


def test_a_copy_killed_at_any_statement_leaves_the_old_copy_or_the_new_one(server_store):
    from kill_at_statement import run_killed, statements

    location = server_store.location
    path = location.data_dir / copy_file.FILE_NAME
    library_copy.refresh(location)
    old = copy_file.copy_facts(path)[copy_file.DIGEST_KEY]
    profile = clinic.load_profile(server_store)
    clinic.save_profile(server_store, dataclasses.replace(profile, name="Riverside Spine Clinic"))
    argv = ["--data-dir", location.data_dir, "--database-url", location.database_url, "db", "copy-library"]
    total = statements(run_killed(argv, 0))
    new = copy_file.copy_facts(path)[copy_file.DIGEST_KEY]
    assert new != old
    path.unlink()  # back to an old copy for the kills
    admin(server_store, "UPDATE clinic_profile SET name = 'Old Name'")
    library_copy.refresh(location)
    old = copy_file.copy_facts(path)[copy_file.DIGEST_KEY]
    admin(server_store, "UPDATE clinic_profile SET name = 'Riverside Spine Clinic'")
    seen = set()
    for point in sorted({1, 3, total // 8, total // 4, total // 2, (3 * total) // 4, total - 3, total - 2, total - 1}):
        killed = run_killed(argv, point)
        assert killed.returncode == -9, (point, killed.stderr[-800:])
        facts = copy_file.copy_facts(path)  # a usable copy is always there: the old one, whole
        assert facts is not None and facts[copy_file.DIGEST_KEY] == old, point
        with sqlite3.connect(copy_file.read_only_uri(path), uri=True) as conn:
            seen.add(conn.execute("SELECT name FROM clinic_profile").fetchone()[0])
    assert seen == {"Old Name"}
    done = run_killed(argv, 0)
    assert done.returncode == 0 and "copy of the library written" in done.stdout, done.stderr[-800:]
    with sqlite3.connect(copy_file.read_only_uri(path), uri=True) as conn:
        assert conn.execute("SELECT name FROM clinic_profile").fetchone()[0] == "Riverside Spine Clinic"
    # what the kills left half-made beside it is under temporary names only, and goes once stale
    # (a newer one may be another window's refresh at work)
    from clinic_app.storage import preflight

    staging = path.with_name(f"{copy_file.FILE_NAME}.next")
    preflight.remove_stale_new_stores(staging, now=time.time() + preflight.STALE_NEW_STORE_SECONDS + 1)
    assert sorted(p.name for p in location.data_dir.iterdir() if copy_file.FILE_NAME in p.name) == [
        copy_file.FILE_NAME]


def test_comparing_and_handing_out_go_on_from_the_copy_and_the_handout_is_logged_when_back(
        server_store, pg_cluster_control):
    from clinic_app.printing.handout_html import render_handout_html
    from clinic_app.services import comparison, handout_log
    from clinic_app.services.handouts import HandoutRequest, compose_handout

    store = server_store
    library_copy.refresh(store.location)
    online = comparison.compare(store, ["nsaids", "platelet-rich-plasma", "prolotherapy"])
    pg_cluster_control.halt()
    assert comparison.compare(store, ["nsaids", "platelet-rich-plasma", "prolotherapy"]) == online
    made = compose_handout(store, HandoutRequest(therapies=("platelet-rich-plasma",), patient_name="J. Smith"))
    doc = render_handout_html(made)
    assert "Platelet-rich plasma" in doc.html
    logged = handout_log.log(store, made, doc, kind="pdf", destination="/out/j-smith.pdf", keep_patient_name=None)
    assert logged.held and delivery.held_count(store.location) == 1

    pg_cluster_control.start()
    assert store.use_server()
    done = delivery.deliver(store)
    assert done.ok and [item.key for item in done.delivered] == [logged.key]
    assert handout_log.get_print(store, done.delivered[0].id).sha256 == doc.sha256


def test_db_check_checks_the_server_itself_never_the_copy(server_store, pg_cluster_control):
    from clinic_app.services.maintenance import check_database

    library_copy.refresh(server_store.location)
    server_store.use_copy()  # the window switched to the copy a moment ago
    pg_cluster_control.halt()
    report = check_database(server_store.location)
    assert not report.ok and "cannot reach the clinic's database server" in report.problems[0]
    facts = dict(report.facts)
    assert "server" not in facts and "schema revision" not in facts  # nothing read from the copy passes for the server
    assert facts["library copy in this room"].startswith(str(server_store.location.data_dir))


def test_the_command_line_prints_a_handout_from_the_copy_and_says_where_its_record_is(
        server_store, pg_cluster_control, tmp_path, capsys):
    from clinic_app.cli import main

    location = server_store.location
    library_copy.refresh(location)
    Store.forget(location)
    pg_cluster_control.halt()
    argv = ["--data-dir", str(location.data_dir), "--database-url", location.database_url]
    assert main([*argv, "handout", "--therapy", "platelet-rich-plasma", "-o", str(tmp_path / "prp.pdf")]) == 0
    out, err = capsys.readouterr()
    assert "logged in this room's outbox until the clinic's server is back (key " in out and "#None" not in out
    assert "reading this room's copy of the library" in err
    assert (tmp_path / "prp.pdf").read_bytes().startswith(b"%PDF")
    assert main([*argv, "db", "outbox"]) == 0
    assert "platelet-rich-plasma" in capsys.readouterr().out
