"""The same app on a clinic's PostgreSQL server: set-up, reading, search, records and edits.

Each test runs against a real server (a private cluster started for the session); the tests that
take ``any_store`` run on the embedded SQLite file as well, so the two stores are held to the
same behaviour.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from clinic_app import settings
from clinic_app.errors import ConfigurationError
from clinic_app.services import clinic, consultations, handout_log, library, search, store_setup, therapy_edits
from clinic_app.services.consultations import ConsultationDraft
from clinic_app.storage import chain, preflight
from clinic_app.storage.store import ServerStore, Store

UTC = dt.UTC


def draft(**fields):
    values = {"clinician": "Dr A. Shah", "therapies": ("nsaids", "self-care"), "started_at": dt.datetime.now(UTC)}
    return ConsultationDraft(**(values | fields))


# --- where the data is -----------------------------------------------------------------------------


def test_a_server_url_is_taken_with_the_apps_driver_and_a_wrong_one_is_named(data_dir):
    location = settings.resolve(data_dir=data_dir, database_url="postgresql://clinic@db.local/reference")
    assert location.database_url == "postgresql+psycopg://clinic@db.local/reference"
    assert location.is_server and location.sqlite_path is None
    with pytest.raises(ConfigurationError, match="postgresql\\+psycopg2://clinic@db.local/x.*driver"):
        settings.resolve(data_dir=data_dir, database_url="postgresql+psycopg2://clinic@db.local/x")
    with pytest.raises(ConfigurationError, match="names no database"):
        settings.resolve(data_dir=data_dir, database_url="postgresql://clinic@db.local")


def test_a_password_in_the_url_is_never_shown(data_dir):
    with pytest.raises(ConfigurationError) as refused:
        settings.resolve(data_dir=data_dir, database_url="postgresql+psycopg2://clinic:s3cret@db.local/x")
    assert "s3cret" not in str(refused.value) and "clinic:***@db.local" in str(refused.value)
    location = settings.resolve(data_dir=data_dir, database_url="postgresql://clinic:s3cret@db.local/x")
    assert "s3cret" not in location.shown_url


def test_an_empty_server_database_is_migrated_and_loaded_once_then_only_read(empty_server_location):
    assert not store_setup.is_ready(empty_server_location)
    first = store_setup.prepare(empty_server_location)
    assert first.revision == preflight.head_revision() and len(first.added) >= 28
    assert store_setup.is_ready(empty_server_location)
    again = store_setup.prepare(empty_server_location)
    assert again.revision == first.revision and again.added == () and again.updated == ()
    store = Store.of(empty_server_location)
    assert isinstance(store, ServerStore)
    assert len(library.list_therapies(store)) == len(first.added)


def test_a_server_that_cannot_be_reached_is_named_without_a_traceback(data_dir):
    location = settings.resolve(data_dir=data_dir, database_url="postgresql://nobody@127.0.0.1:1/clinic")
    with pytest.raises(Exception) as failed:
        store_setup.open_store(location)
    assert "cannot reach the clinic's database server" in str(failed.value)


# --- reading: the same answers from both stores ------------------------------------------------------


def test_the_library_reads_the_same_from_the_server_as_from_the_file(store, server_store):
    on_file, on_server = library.list_therapies(store), library.list_therapies(server_store)
    assert on_server == on_file
    for item in on_file:
        assert library.get_therapy(server_store, item.slug) == library.get_therapy(store, item.slug), item.slug


QUERIES = ("prp", "platelet", "stem cell", "back pain", "sciatica", "nsaid", "ibuprofen", "surgery", "injection",
           "yoga", "exercise", "fusion", "nerve", "steroid", "opioid", "massage", "heat", "disc", "pain", "bone",
           "growth factor", "spinal", "stenosis", "ablation", "needle", "cortisone", "stimulation", "acupuncture",
           "prolo", "dextrose", "mesenchymal", "stemcell", "plateletts", "slipped disc")


@pytest.mark.parametrize("query", QUERIES)
def test_a_search_gives_the_same_first_results_on_both_stores(store, server_store, query):
    on_file = [hit.slug for hit in search.search(store, query, limit=5)]
    on_server = [hit.slug for hit in search.search(server_store, query, limit=5)]
    assert on_file, query
    # the two rankings (BM25, ts_rank_cd) differ only within near ties: the file's first hit is among
    # the server's first two, and the first five share four or more
    assert on_file[0] in on_server[:2], (on_file, on_server)
    assert len(set(on_file) & set(on_server)) >= min(4, len(on_file)), (on_file, on_server)


def test_a_search_on_the_server_folds_accents_and_finds_conditions(server_store):
    assert [hit.slug for hit in search.search(server_store, "plätelet", limit=1)] == ["platelet-rich-plasma"]
    results = search.search_results(server_store, "sciatica")
    assert "sciatica" in results.conditions and results.hits


# --- records and edits ------------------------------------------------------------------------------


def test_consultations_and_their_counts_on_both_stores(any_store):
    first = consultations.record(any_store, draft(therapies=("nsaids", "self-care")))
    consultations.record(any_store, draft(therapies=("yoga",), clinician="Dr B. Lee"))
    assert [item.id for item in consultations.list_consultations(any_store, therapy="nsaids")] == [first]
    assert [item.clinician for item in consultations.list_consultations(any_store, clinician="lee")] == ["Dr B. Lee"]
    usage = {row.slug: (row.discussed, row.handed_out) for row in consultations.usage(any_store, months=1)}
    assert usage == {"nsaids": (1, 0), "self-care": (1, 0), "yoga": (1, 0)}
    item = consultations.get(any_store, first)
    assert item.therapies == ("nsaids", "self-care") and item.started_at.tzinfo is None


def test_records_on_the_server_can_be_added_but_never_changed_or_deleted(server_store):
    cid = consultations.record(server_store, draft())
    engine = server_store.database().engine
    for statement in (f"UPDATE consultation SET clinician = 'someone else' WHERE id = {cid}",
                      f"DELETE FROM consultation WHERE id = {cid}",
                      "UPDATE record_chain SET chain_hash = 'x'", "DELETE FROM record_chain"):
        with pytest.raises(DBAPIError, match="cannot be"), engine.begin() as connection:
            connection.execute(text(statement))
    assert consultations.get(server_store, cid).clinician == "Dr A. Shah"
    assert chain.verify(server_store.query).ok


def test_the_record_chain_holds_on_the_server_with_handouts_and_a_purge(server_store, tmp_path):
    from clinic_app.printing import handout_jobs
    from clinic_app.services.handouts import HandoutRequest

    printed = handout_jobs.produce(server_store, HandoutRequest(therapies=("nsaids",)), output=tmp_path / "n.pdf")
    consultations.record(server_store, draft(handout_print_ids=(printed.record_id,), notes="stomach"))
    again = handout_jobs.reprint(server_store, printed.record_id, output=tmp_path / "again.pdf")
    assert again.sha256 == printed.sha256  # the document of record, exactly
    result = consultations.purge(server_store, dt.date.today() + dt.timedelta(days=1))
    assert result.consultations == 1
    assert consultations.list_consultations(server_store)[0].notes is None
    verified = chain.verify(server_store.query)
    assert verified.ok, verified.problems
    assert handout_log.get_print(server_store, printed.record_id).sha256 == printed.sha256


def test_three_processes_recording_at_once_keep_every_record_and_one_chain(server_location):
    script = (
        "import sys, datetime as dt\n"
        "from clinic_app import settings\n"
        "from clinic_app.services import consultations\n"
        "from clinic_app.services.consultations import ConsultationDraft\n"
        "from clinic_app.storage.store import Store\n"
        "store = Store.of(settings.resolve(data_dir=sys.argv[1], database_url=sys.argv[2]))\n"
        "for n in range(15):\n"
        "    consultations.record(store, ConsultationDraft(clinician=f'Room {sys.argv[3]}', therapies=('yoga',),\n"
        "                         started_at=dt.datetime.now(dt.UTC)))\n"
    )
    rooms = [subprocess.Popen([sys.executable, "-c", script, str(server_location.data_dir),
                               server_location.database_url, str(room)], stderr=subprocess.PIPE, text=True)
             for room in (1, 2, 3)]
    for room in rooms:
        assert room.wait(timeout=120) == 0, room.stderr.read()
    store = Store.of(server_location)
    recorded = consultations.list_consultations(store)
    assert sorted(item.clinician for item in recorded) == sorted(f"Room {n}" for n in (1, 2, 3) for _ in range(15))
    verified = chain.verify(store.query)
    assert verified.ok, verified.problems
    assert store.query("SELECT COUNT(*) FROM record_chain")[0][0] == 45


def test_a_therapy_edit_its_history_and_revert_on_both_stores(any_store):
    text_before = therapy_edits.editable_fields(any_store, "yoga")["patient.recovery"]
    shorter = text_before.split(". ")[0].rstrip(".") + "."
    therapy_edits.edit_therapy(any_store, "yoga", {"patient.recovery": shorter}, by="Dr Lee", why="shorter")
    assert therapy_edits.editable_fields(any_store, "yoga")["patient.recovery"] == shorter
    history = therapy_edits.history(any_store, "yoga")
    assert history[0].author == "Dr Lee" and history[0].reason == "shorter"
    therapy_edits.revert(any_store, "yoga", history[1].revision, by="Dr Lee", why="back")
    assert therapy_edits.editable_fields(any_store, "yoga")["patient.recovery"] == text_before


def test_the_clinic_profile_round_trips_on_both_stores(any_store):
    profile = clinic.load_profile(any_store)
    saved = clinic.save_profile(any_store, replace(profile, name="Spine Clinic", clinicians=("Dr A. Shah",)))
    loaded = clinic.load_profile(any_store)
    assert loaded == saved and loaded.name == "Spine Clinic" and loaded.clinicians == ("Dr A. Shah",)


def test_json_and_times_read_from_the_server_as_from_the_file(store, server_store):
    for each in (store, server_store):
        consultations.record(each, draft(rows=("main_risks",), started_at=dt.datetime(2026, 11, 20, 10, tzinfo=UTC)))
    on_file = store.query("SELECT therapies, rows, started_at FROM consultation")[0]
    on_server = server_store.query("SELECT therapies, rows, started_at FROM consultation")[0]
    assert tuple(on_server) == tuple(on_file)
    assert json.loads(on_server["therapies"]) == ["nsaids", "self-care"]


# --- the rooms' role and the checks -----------------------------------------------------------------


@pytest.fixture
def room_location(server_location, pg_admin_url):
    """The same database reached as the rooms' role, after the owner granted it its rights."""
    import pg_cluster

    from clinic_app.storage import server_roles

    role = f"room_{server_location.database_url.rsplit('_', 1)[1]}"
    pg_cluster.execute(pg_admin_url, f"DROP ROLE IF EXISTS {role}", f"CREATE ROLE {role} LOGIN")
    server_roles.grant_rooms(Store.of(server_location).database(), role)
    url = server_location.database_url.replace(f"{pg_cluster.ADMIN}@", f"{role}@")
    yield settings.resolve(data_dir=server_location.data_dir, database_url=url)
    Store.close_all()
    pg_cluster.execute(server_location.database_url, f"DROP OWNED BY {role}")
    pg_cluster.execute(pg_admin_url, f"DROP ROLE IF EXISTS {role}")


def test_a_room_adds_records_but_cannot_change_or_purge_them(room_location, tmp_path):
    from clinic_app.errors import DatabaseError
    from clinic_app.printing import handout_jobs
    from clinic_app.services.handouts import HandoutRequest

    room = Store.of(room_location)
    assert store_setup.is_ready(room_location)
    printed = handout_jobs.produce(room, HandoutRequest(therapies=("yoga",)), output=tmp_path / "yoga.pdf")
    cid = consultations.record(room, draft(handout_print_ids=(printed.record_id,)))
    therapy_edits.edit_therapy(room, "yoga", {"patient.recovery": "You can go home the same day."},
                               by="Dr Lee", why="our class")  # the library is the rooms' to edit
    with pytest.raises(DatabaseError, match="refused this change.*owner"):
        consultations.purge(room, dt.date.today() + dt.timedelta(days=1))
    with pytest.raises(DBAPIError, match="permission denied"), room.database().engine.begin() as connection:
        connection.execute(text(f"DELETE FROM consultation WHERE id = {cid}"))
    assert consultations.get(room, cid).clinician == "Dr A. Shah"
    assert chain.verify(room.query).ok


def test_db_check_on_the_server_reports_revision_rights_rules_and_chain(server_location, room_location):
    from clinic_app.services.maintenance import check_database

    consultations.record(Store.of(server_location), draft())
    owner = dict(check_database(server_location).facts)
    room_report = check_database(room_location)
    assert room_report.ok, room_report.problems
    facts = dict(room_report.facts)
    assert facts["schema revision"].startswith(preflight.head_revision())
    assert facts["append-only rules"] == "all 8 in place"
    assert facts["chain"] == "1 record, verified"
    assert facts["role rights on records"] == "add and read only"
    assert owner["role rights on records"].startswith("may also delete and update")
    assert "@" in facts["database"] and "connected as room_" in facts["server"]


def test_db_check_on_the_server_finds_a_rule_taken_away(server_location):
    from clinic_app.services.maintenance import check_database

    with Store.of(server_location).database().engine.begin() as connection:
        connection.exec_driver_sql("DROP TRIGGER consultation_kept ON consultation")
    report = check_database(server_location)
    assert not report.ok
    assert any("consultation_kept" in problem for problem in report.problems)


def test_the_command_line_on_the_server(server_location):
    def cli(*args):
        return subprocess.run([sys.executable, "-m", "clinic_app", "--data-dir", str(server_location.data_dir),
                               "--database-url", server_location.database_url, *args],
                              capture_output=True, text=True, timeout=120)

    upgraded = cli("db", "upgrade")
    assert upgraded.returncode == 0 and f"schema revision {preflight.head_revision()}" in upgraded.stdout
    found = cli("search", "prp")
    assert found.returncode == 0 and "Platelet-rich plasma" in found.stdout, found.stderr
    checked = cli("db", "check")
    assert checked.returncode == 0 and "result: OK" in checked.stdout, checked.stdout + checked.stderr
    backup = cli("db", "backup")
    assert backup.returncode == 1 and "pg_dump" in backup.stdout and "Traceback" not in backup.stderr


# --- moving a one-room store onto the server ----------------------------------------------------------


def populated(store, tmp_path):
    """A one-room store as a clinic leaves it after some weeks: records, a handout, edits, a profile."""
    from clinic_app.printing import handout_jobs
    from clinic_app.services import clinic_fields
    from clinic_app.services.handouts import HandoutRequest

    printed = handout_jobs.produce(store, HandoutRequest(therapies=("nsaids",)), output=tmp_path / "n.pdf")
    first = consultations.record(store, draft(handout_print_ids=(printed.record_id,), notes="stomach"))
    consultations.record(store, draft(therapies=("yoga",)), corrects=first)
    clinic_fields.set_field(store, "yoga", "cost", "Classes cost $15 each.", by="Dr Lee", why="class fees")
    therapy_edits.edit_therapy(store, "yoga", {"patient.recovery": "You can go home the same day."},
                               by="Dr Lee", why="our class")
    clinic.save_profile(store, replace(clinic.load_profile(store), name="Spine Clinic", clinicians=("Dr Lee",)))
    return printed


def test_migrate_to_moves_everything_verified_and_leaves_the_file_as_it_was(
        prepared_location, store, empty_server_location, tmp_path):
    from store_files import db_digest

    from clinic_app.printing import handout_jobs
    from clinic_app.services.server_move import migrate_to

    printed = populated(store, tmp_path)
    Store.close_all()
    before = db_digest(prepared_location)
    moved = migrate_to(prepared_location, empty_server_location)
    after = db_digest(prepared_location)
    assert after["db"] == before["db"]  # only read (a reader of a WAL-mode file may leave an empty log beside it)
    assert after["-wal"] in (before["-wal"], hashlib.sha256(b"").hexdigest())
    assert moved.tables["consultation"] == 2 and moved.tables["handout_print"] == 1 and moved.chain_entries == 3
    server = Store.of(empty_server_location)
    file_store = Store.of(prepared_location)
    for table, count in moved.tables.items():
        assert server.query(f"SELECT COUNT(*) FROM {table}")[0][0] == count == \
            file_store.query(f"SELECT COUNT(*) FROM {table}")[0][0], table
    assert store_setup.is_ready(empty_server_location)
    assert library.get_therapy(server, "yoga") == library.get_therapy(file_store, "yoga")  # edits and fields too
    first_hits = [[h.slug for h in search.search(each, "yoga", limit=3)] for each in (server, file_store)]
    assert first_hits[0] == first_hits[1]
    assert clinic.load_profile(server).name == "Spine Clinic"
    assert handout_jobs.reprint(server, printed.record_id, output=tmp_path / "again.pdf").sha256 == printed.sha256
    new = consultations.record(server, draft())  # the server's ids go on after the copied ones
    assert new == 3 and chain.verify(server.query).ok


def test_migrate_to_refuses_a_server_database_that_is_not_empty(prepared_location, server_location):
    from clinic_app.errors import DatabaseError
    from clinic_app.services.server_move import migrate_to

    with pytest.raises(DatabaseError, match="is not empty"):
        migrate_to(prepared_location, server_location)


def test_a_migrate_to_killed_at_any_statement_leaves_the_server_empty(prepared_location, store, empty_server_location,
                                                                      tmp_path):
    from kill_at_statement import run_killed, statements

    populated(store, tmp_path)
    Store.close_all()
    argv = ["--data-dir", prepared_location.data_dir, "db", "migrate-to", empty_server_location.database_url]
    admin = empty_server_location.database_url

    def tables() -> int:
        import pg_cluster
        import psycopg

        with psycopg.connect(pg_cluster.with_database(admin, admin.rsplit("/", 1)[1]).replace("+psycopg", "")) as conn:
            return conn.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
                                ).fetchone()[0]

    counted = run_killed(argv, 0)
    total = statements(counted)
    # a whole run made the tables: start again on an empty database for the kills
    with Store.of(empty_server_location).database().engine.begin() as connection:
        connection.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    Store.close_all()
    assert tables() == 0
    for point in sorted({2, 5, total // 4, total // 2, (3 * total) // 4, total - 2, total - 1}):
        killed = run_killed(argv, point)
        assert killed.returncode == -9, (point, killed.stderr[-800:])
        assert tables() == 0, point  # nothing kept: the next try starts from empty
    done = run_killed(argv, 0)
    assert done.returncode == 0, done.stderr[-800:]
    assert "counts and hashes equal" in done.stdout


# --- two rooms editing the same thing ---------------------------------------------------------------


def test_a_profile_saved_in_another_room_meanwhile_is_not_overwritten(any_store, monkeypatch):
    from clinic_app.errors import ConflictError

    monkeypatch.setenv(settings.ENV_ROOM, "Room 1")
    opened_here = clinic.load_profile(any_store)  # this room opens the form...
    opened_there = clinic.load_profile(any_store)
    monkeypatch.setenv(settings.ENV_ROOM, "Room 2")  # ...another room saves first
    theirs = clinic.save_profile(any_store, replace(opened_there, name="Spine Clinic North", phone="555 0100"))
    assert theirs.version == opened_here.version + 1 and theirs.updated_in == "Room 2"
    monkeypatch.setenv(settings.ENV_ROOM, "Room 1")
    mine = replace(opened_here, name="Spine Clinic", phone="555 0199")
    with pytest.raises(ConflictError, match="changed in Room 2 at .*name, phone differ.*nothing was saved") as refused:
        clinic.save_profile(any_store, mine)
    assert refused.value.mine == clinic.validate(mine) and refused.value.theirs == clinic.load_profile(any_store)
    assert clinic.load_profile(any_store).name == "Spine Clinic North"  # theirs, untouched
    kept = clinic.save_profile(any_store, replace(mine, version=refused.value.theirs.version))  # mine over theirs
    assert clinic.load_profile(any_store) == kept and kept.name == "Spine Clinic" and kept.updated_in == "Room 1"


def test_the_other_rooms_hear_what_changed_but_not_their_own_writes(server_location):
    import queue

    from clinic_app.storage.server_notices import ChangeListener

    heard: queue.Queue = queue.Queue()
    listener = ChangeListener(server_location.database_url, heard.put).start()
    try:
        store = Store.of(server_location)
        consultations.record(store, draft())  # this process's own write: not announced to itself
        other = subprocess.run([sys.executable, "-m", "clinic_app", "--data-dir", str(server_location.data_dir),
                                "--database-url", server_location.database_url, "clinic", "set", "--name",
                                "Spine Clinic"], capture_output=True, text=True, timeout=120)
        assert other.returncode == 0, other.stderr
        changed = heard.get(timeout=20)
        assert changed == frozenset({"clinic_profile"}), changed
        assert heard.empty()
    finally:
        listener.stop()


def test_a_lost_connection_is_said_and_everything_is_read_again_when_it_is_back(server_location, pg_admin_url):
    import queue

    import pg_cluster

    from clinic_app.storage.server_notices import EVERYTHING, ChangeListener

    heard: queue.Queue = queue.Queue()
    lost: queue.Queue = queue.Queue()
    listener = ChangeListener(server_location.database_url, heard.put, lost.put)
    listener.start()
    try:
        deadline = dt.datetime.now() + dt.timedelta(seconds=20)
        database = server_location.database_url.rsplit("/", 1)[1]
        while dt.datetime.now() < deadline:  # the listener is connected once the server lists it
            pg_cluster.execute(pg_admin_url, f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                             f"WHERE datname = '{database}' AND query LIKE 'LISTEN%'")
            try:
                message = lost.get(timeout=0.5)
                break
            except queue.Empty:
                continue
        else:
            pytest.fail("the listener never said it lost the server")
        assert message  # what went wrong, for the status bar
        assert lost.get(timeout=20) is None  # back
        assert heard.get(timeout=5) == EVERYTHING
    finally:
        listener.stop()


def test_a_therapy_the_clinic_adds_removes_and_restores_on_both_stores(any_store, tmp_path):
    import importlib.util

    from clinic_app.services import clinic_therapies

    spec = importlib.util.spec_from_file_location(
        "clinic_therapy_fixture", Path(__file__).resolve().parents[1] / "unit" / "test_clinic_therapies.py")
    fixture = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fixture)
    fixture.add(any_store, fixture.write_file(tmp_path, fixture.clinic_document()))
    assert [t.slug for t in clinic_therapies.list_clinic_therapies(any_store)] == [fixture.SLUG]
    assert fixture.SLUG in [hit.slug for hit in search.search(any_store, "back care class")]
    clinic_therapies.remove_therapy(any_store, fixture.SLUG, by="Dr Lee", why="class ended")
    assert [t.slug for t in clinic_therapies.list_removed(any_store)] == [fixture.SLUG]
    assert fixture.SLUG not in [item.slug for item in library.list_therapies(any_store)]
    clinic_therapies.restore_therapy(any_store, fixture.SLUG, by="Dr Lee", why="class again")
    assert [t.slug for t in clinic_therapies.list_clinic_therapies(any_store)] == [fixture.SLUG]


def test_a_text_edit_from_an_older_revision_is_refused_on_both_stores(any_store):
    from clinic_app.errors import ConflictError
    from clinic_app.services import condition_edits

    opened_at = therapy_edits.history(any_store, "yoga")[0].revision
    shipped = therapy_edits.editable_fields(any_store, "yoga")["patient.recovery"]
    therapy_edits.edit_therapy(any_store, "yoga", {"patient.recovery": f"{shipped} Ask our front desk."},
                               by="Dr B", why="room 2", based_on=opened_at)
    with pytest.raises(ConflictError, match="changed by Dr B at .*nothing was saved") as refused:
        therapy_edits.edit_therapy(any_store, "yoga", {"patient.recovery": f"{shipped} Call us."},
                                   by="Dr A", why="room 1", based_on=opened_at)
    assert refused.value.theirs == {"patient.recovery": f"{shipped} Ask our front desk."}
    assert therapy_edits.editable_fields(any_store, "yoga")["patient.recovery"] == f"{shipped} Ask our front desk."
    condition = "sciatica"
    opened = condition_edits.history(any_store, condition)[0].revision
    text = condition_edits.editable_fields(any_store, condition)["description"]
    condition_edits.edit_condition(any_store, condition, {"description": f"{text} Room 2."}, by="Dr B",
                                   why="room 2", based_on=opened)
    with pytest.raises(ConflictError):
        condition_edits.edit_condition(any_store, condition, {"description": f"{text} Room 1."}, by="Dr A",
                                       why="room 1", based_on=opened)


def test_a_preset_replaced_in_another_room_meanwhile_is_not_overwritten(any_store, monkeypatch):
    from clinic_app.errors import ConflictError
    from clinic_app.services import presets

    monkeypatch.setenv(settings.ENV_ROOM, "Room 2")
    first = presets.save_preset(any_store, "Back pain", ["nsaids", "self-care"])
    assert first.version == 1 and first.updated_in == "Room 2"
    seen = presets.get_preset(any_store, "Back pain").version  # both rooms list it at version 1
    presets.save_preset(any_store, "Back pain", ["nsaids", "yoga"], replace=True, based_on=seen)
    monkeypatch.setenv(settings.ENV_ROOM, "Room 1")
    with pytest.raises(ConflictError, match="changed in Room 2 at .*Theirs: nsaids, yoga. Yours: nsaids, heat"):
        presets.save_preset(any_store, "Back pain", ["nsaids", "heat"], replace=True, based_on=seen)
    assert presets.get_preset(any_store, "Back pain").slugs == ("nsaids", "yoga")
    again = presets.save_preset(any_store, "Back pain", ["nsaids", "heat"], replace=True, based_on=2)
    assert again.version == 3 and presets.get_preset(any_store, "Back pain").updated_in == "Room 1"
