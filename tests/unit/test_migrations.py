"""Migrations: empty -> head, head twice is a no-op, the models match, newer revisions refused."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from clinic_app.errors import DatabaseTooNewError
from clinic_app.storage import preflight
from clinic_app.storage.database import Database, alembic_config
from clinic_app.storage.models import Base
from clinic_app.storage.store import Store


def include_name(name, type_, parent_names):
    return not (type_ == "table" and name.startswith(("search_index", "search_refs")))


def tables(path):
    with sqlite3.connect(path) as conn:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table')")}


def schema_sql(path):
    with sqlite3.connect(path) as conn:
        return sorted(r[0] for r in conn.execute("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL"))


def test_empty_to_head(location):
    db = Database.open(location)
    assert db.revision() == preflight.head_revision()
    assert {"therapy", "reference", "therapy_reference", "attribute", "attribute_value", "condition",
            "clinic_profile", "content_revision", "app_meta", "search_index", "handout_print", "comparison_preset",
            "consultation", "consultation_handout"} <= tables(location.sqlite_path)
    db.close()


def test_head_twice_is_a_no_op(location):
    Database.open(location).close()
    before = schema_sql(location.sqlite_path)
    Database.open(location).close()
    assert schema_sql(location.sqlite_path) == before


def test_models_match_the_migrated_schema(location):
    db = Database.open(location)
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "include_name": include_name})
        diff = compare_metadata(context, Base.metadata)
    db.close()
    assert diff == []


def test_head_revision_matches_alembic():
    script = ScriptDirectory.from_config(alembic_config())
    assert script.get_heads() == [preflight.head_revision()]
    assert sorted(r.revision for r in script.walk_revisions()) == preflight.known_revisions()


def test_pragmas_wal_and_foreign_keys(location):
    db = Database.open(location)
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    db.close()


def test_newer_revision_is_refused_and_file_left_untouched(location):
    Database.open(location).close()
    with sqlite3.connect(location.sqlite_path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    before = location.sqlite_path.read_bytes()
    with pytest.raises(DatabaseTooNewError, match="newer version"):
        Database.open(location)
    assert location.sqlite_path.read_bytes() == before


def test_database_file_is_private_to_its_owner(location):
    Database.open(location).close()
    assert location.sqlite_path.stat().st_mode & 0o077 == 0


def test_upgrade_to_conditions_keeps_every_record(prepared_location):
    """0004 -> 0005 rebuilds the reference table and the search index: nothing a clinic holds is lost."""
    from alembic import command

    from clinic_app.services import store_setup

    path = prepared_location.sqlite_path
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO consultation (recorded_at, started_at, clinician, therapies, rows, content_versions, "
                     "library_version) VALUES ('2026-11-30', '2026-11-30', 'Dr A', '[\"nsaids\"]', '[]', '{}', 'x')")
    db = Database.open(prepared_location)
    db.migrate(lambda config: command.downgrade(config, "0004"))
    db.engine.dispose()

    def counts():
        with sqlite3.connect(path) as conn:
            return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                    for t in ("therapy", "reference", "therapy_reference", "content_revision", "consultation")}

    before = counts()
    assert before["consultation"] == 1 and before["therapy_reference"] > 100
    store_setup.prepare(prepared_location)
    after = counts()
    assert after == before
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == preflight.head_revision()
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert conn.execute("SELECT count(*) FROM search_index").fetchone()[0] == after["therapy"]


def test_a_new_store_appears_whole_in_an_owner_only_folder(tmp_path, monkeypatch):
    from clinic_app import settings

    location = settings.resolve(data_dir=tmp_path / "new" / "data")
    made = []
    real = Database.upgrade

    def upgrade(self, revision="head", fill=None):
        made.append((self.location.sqlite_path.name, location.sqlite_path.exists()))
        real(self, revision, fill=fill)

    monkeypatch.setattr(Database, "upgrade", upgrade)
    db = Database.open(location)
    db.close()
    name = location.sqlite_path.name
    assert made[0][0].startswith(f".{name}-") and made[0][1] is False  # migrated under another name first
    assert location.data_dir.stat().st_mode & 0o777 == 0o700
    assert location.sqlite_path.stat().st_mode & 0o077 == 0
    assert [p.name for p in location.data_dir.iterdir() if not p.name.startswith(name)] == []
    assert [p.name for p in location.data_dir.iterdir() if p.name.startswith(".")] == []


def test_a_new_store_whose_migration_fails_leaves_no_file(location, monkeypatch):
    from clinic_app.errors import DatabaseError

    def broken(self, revision="head"):
        raise DatabaseError("the upgrade failed")

    monkeypatch.setattr(Database, "upgrade", broken)
    with pytest.raises(DatabaseError, match="the upgrade failed"):
        Database.open(location)
    assert list(location.data_dir.iterdir()) == []


def test_personal_parts_upgrade_and_downgrade_keep_every_record_and_the_rules(prepared_location):
    """0006 <-> 0007: the handout log's personal columns come and go; every record stays, and the
    rule that refuses changes and deletes holds on both sides (with the purge each side allows)."""
    from alembic import command

    from clinic_app.services import store_setup

    path = prepared_location.sqlite_path
    row = ("INSERT INTO handout_print (printed_at, kind, destination, therapies, content_versions, library_version, "
           "paper, options, clinician, snapshot, sha256{}) VALUES ('2026-11-30', 'pdf', '/out/j-smith.pdf', "
           "'[\"nsaids\"]', '{{}}', 'x', 'a4', '{{}}', 'Dr A', x'00', '{}'{})")
    with sqlite3.connect(path) as conn:
        conn.execute(row.format(", personal_notes, personal_next_steps", "a" * 64, ", 'Okapi', 'Quokka'"))
        conn.execute("INSERT INTO consultation (recorded_at, started_at, clinician, therapies, rows, content_versions, "
                     "library_version) VALUES ('2026-11-30', '2026-11-30', 'Dr A', '[\"nsaids\"]', '[]', '{}', 'x')")
        conn.execute("INSERT INTO consultation_handout VALUES (1, 1, ?)", ("a" * 64,))

    def records():
        with sqlite3.connect(path) as conn:
            return [conn.execute(f"SELECT id, destination, sha256 FROM {t}" if t == "handout_print" else
                                 f"SELECT * FROM {t}").fetchall() for t in ("handout_print", "consultation_handout")]

    def refused(statement):
        with sqlite3.connect(path) as conn, pytest.raises(sqlite3.DatabaseError, match="cannot be"):
            conn.execute(statement)

    before = records()
    db = Database.open(prepared_location)
    db.migrate(lambda config: command.downgrade(config, "0006"))
    db.engine.dispose()
    assert records() == before
    with sqlite3.connect(path) as conn:
        columns = [r[1] for r in conn.execute("PRAGMA table_info(handout_print)")]
        assert "personal_notes" not in columns and "personal_next_steps" not in columns
        conn.execute(row.format("", "b" * 64, ""))  # a record made by the older version
    refused("UPDATE handout_print SET destination = '/out/(file name removed by a purge)' WHERE id = 1")
    refused("UPDATE handout_print SET sha256 = 'x' WHERE id = 1")
    refused("DELETE FROM handout_print WHERE id = 1")

    store_setup.prepare(prepared_location)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == preflight.head_revision()
        assert conn.execute("SELECT id, personal_notes, personal_next_steps FROM handout_print").fetchall() == [
            (1, None, None), (2, None, None)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        conn.execute("UPDATE handout_print SET destination = '/out/(file name removed by a purge)' WHERE id = 1")
    assert records()[1] == before[1] and len(records()[0]) == 2
    refused("UPDATE handout_print SET destination = '/elsewhere' WHERE id = 2")
    refused("UPDATE handout_print SET personal_notes = 'new' WHERE id = 2")
    refused("UPDATE handout_print SET sha256 = 'x' WHERE id = 2")
    refused("DELETE FROM handout_print WHERE id = 2")


def _chain_entries(path):
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT kind, record_id, content_hash, previous_hash, chain_hash FROM record_chain "
                            "ORDER BY id").fetchall()


def test_the_record_chain_is_built_for_records_made_before_it(prepared_location, reader):
    """Records made at 0007 (before the chain) get their entries at 0008, by the time they were
    recorded (a tie: the consultation first), and `db check` finds the chain valid; the app then
    goes on from the last entry."""
    from alembic import command

    from clinic_app.printing.handout_html import render_handout_html
    from clinic_app.services import consultations, handout_log, store_setup
    from clinic_app.services.consultations import ConsultationDraft
    from clinic_app.services.handouts import HandoutRequest, compose_handout
    from clinic_app.services.maintenance import check_database

    path = prepared_location.sqlite_path
    handout = compose_handout(reader, HandoutRequest(therapies=("nsaids",)))
    blob, digest = handout_log.snapshot(render_handout_html(handout))
    db = Database.open(prepared_location)
    db.migrate(lambda config: command.downgrade(config, "0007"))
    db.engine.dispose()
    assert "record_chain" not in tables(path)
    printed = ("INSERT INTO handout_print (printed_at, kind, destination, therapies, content_versions, library_version, "
               "paper, options, patient_name, clinician, snapshot, sha256, personal_notes) VALUES (?, 'pdf', "
               "'/out/j-smith.pdf', '[\"nsaids\"]', '{\"nsaids\": 2}', 'x', 'a4', '{\"has_notes\": true}', 'J. Smith', "
               "'Dr A', ?, ?, 'Walk daily')")
    consulted = ("INSERT INTO consultation (recorded_at, started_at, clinician, patient_label, therapies, rows, notes, "
                 "content_versions, library_version) VALUES (?, ?, 'Dr A', 'J. Smith', '[\"nsaids\"]', '[\"cost\"]', "
                 "'Stomach', '{\"nsaids\": 2}', 'x')")
    with sqlite3.connect(path) as conn:
        conn.execute(printed, ("2026-11-30 09:00:00.000000", blob, digest))  # handout 1, at the same time as consultation 1
        conn.execute(printed, ("2026-11-29 12:00:00.000000", blob, digest))  # handout 2, earlier
        conn.execute(consulted, ("2026-11-30 09:00:00.000000", "2026-11-30 08:40:00.000000"))
        conn.execute(consulted, ("2026-12-01 08:00:00.000000", "2026-12-01 07:30:00.000000"))
        conn.executemany("INSERT INTO consultation_handout VALUES (?, ?, ?)", [(1, 1, digest), (2, 2, digest)])
    conn.close()

    store_setup.prepare(prepared_location)
    assert [entry[:2] for entry in _chain_entries(path)] == [("handout", 2), ("consultation", 1), ("handout", 1),
                                                             ("consultation", 2)]
    report = check_database(prepared_location)
    assert report.ok, report.problems
    assert dict(report.facts)["chain"] == "4 records, verified"

    consultations.record(reader, ConsultationDraft(clinician="Dr B", therapies=("nsaids",)))
    consultations.purge(reader, dt.date(2026, 12, 2))
    entries = _chain_entries(path)
    assert [entry[:2] for entry in entries[4:]] == [("consultation", 3), ("purge", None)]
    assert entries[4][3] == entries[3][4]
    assert check_database(prepared_location).ok


def test_the_record_chain_downgrade_and_upgrade_keep_every_record(prepared_location, reader):
    """0008 <-> 0007: the chain goes and comes back; every record stays, the records' entries are
    rebuilt as the app made them (a purge's entry goes with the downgrade), the rules hold."""
    from alembic import command

    from clinic_app.printing.handout_html import render_handout_html
    from clinic_app.services import consultations, handout_log, store_setup
    from clinic_app.services.consultations import ConsultationDraft
    from clinic_app.services.handouts import HandoutRequest, compose_handout
    from clinic_app.services.maintenance import check_database

    path = prepared_location.sqlite_path
    handout = compose_handout(reader, HandoutRequest(therapies=("nsaids",), notes="Walk daily"))
    doc = render_handout_html(handout)
    first = handout_log.record(reader, handout, doc, kind="pdf", destination="/out/j-smith.pdf")
    consultations.record(reader, ConsultationDraft(clinician="Dr A", therapies=("nsaids", "self-care"), notes="Stomach",
                                                   handout_print_ids=(first,)))
    handout_log.record(reader, handout, doc, kind="printer", destination="Front desk")
    consultations.purge(reader, dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1))
    made = _chain_entries(path)
    assert [entry[:2] for entry in made] == [("handout", 1), ("consultation", 1), ("handout", 2), ("purge", None)]
    Store.close_all()

    def records():  # every column but the record key, which a downgrade below 0012 takes away
        with sqlite3.connect(path) as conn:
            def columns(table):
                return ", ".join(r[1] for r in conn.execute(f"PRAGMA table_info({table})") if r[1] != "record_key")
            return [conn.execute(f"SELECT {columns(t)} FROM {t} ORDER BY 1").fetchall()
                    for t in ("consultation", "consultation_handout", "handout_print")]

    before = records()
    db = Database.open(prepared_location)
    db.migrate(lambda config: command.downgrade(config, "0007"))
    db.engine.dispose()
    assert "record_chain" not in tables(path) and records() == before
    with sqlite3.connect(path) as conn, pytest.raises(sqlite3.DatabaseError, match="cannot be"):
        conn.execute("UPDATE consultation SET therapies = '[]' WHERE id = 1")

    store_setup.prepare(prepared_location)
    assert records() == before
    assert _chain_entries(path) == made[:3]  # the same entries, hash for hash; the purge's is gone
    report = check_database(prepared_location)
    assert report.ok, report.problems
    for statement in ("UPDATE record_chain SET content_hash = 'x' WHERE id = 1", "DELETE FROM record_chain WHERE id = 3"):
        with sqlite3.connect(path) as conn, pytest.raises(sqlite3.DatabaseError, match="record chain"):
            conn.execute(statement)
