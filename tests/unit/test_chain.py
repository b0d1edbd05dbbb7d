"""The record chain: consultations, handouts and purges made through the app form a valid chain; a
record changed, removed or slipped in outside the app, an entry edited, a stored handout altered or a
rule of the database dropped is caught by `db check`, which names the first broken link; a record and
its entry are stored together or not at all; the migration hashes records as the app does."""

from __future__ import annotations

import datetime as dt
import sqlite3
import subprocess
import sys
import textwrap
import zlib
from importlib import resources, util

import pytest

from clinic_app.printing.handout_html import render_handout_html
from clinic_app.services import consultations, handout_log
from clinic_app.services.consultations import ConsultationDraft
from clinic_app.services.handouts import HandoutRequest, compose_handout
from clinic_app.services.maintenance import APPEND_ONLY_RULES, check_database
from clinic_app.storage import chain
from clinic_app.storage.store import Store

TOMORROW = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)


def sql(location, *statements):
    """Run statements with the stdlib driver, as someone editing the file outside the app would."""
    with sqlite3.connect(location.sqlite_path) as conn:
        rows = [conn.execute(*statement if isinstance(statement, tuple) else (statement,)).fetchall()
                for statement in statements]
    conn.close()
    return rows[-1]


def verify(location) -> chain.Verification:
    conn = sqlite3.connect(location.sqlite_path)
    try:
        return chain.verify(chain.runner(conn))
    finally:
        conn.close()


def entries(location):
    return sql(location, "SELECT id, kind, record_id, previous_hash, chain_hash FROM record_chain ORDER BY id")


def document(reader, **fields):
    handout = compose_handout(reader, HandoutRequest(therapies=("nsaids",), **fields))
    return handout, render_handout_html(handout)


def draft(**fields):
    values = {"clinician": "Dr A. Shah", "therapies": ("nsaids",), "started_at": dt.datetime(2026, 11, 20, 10, tzinfo=dt.UTC)}
    return ConsultationDraft(**(values | fields))


@pytest.fixture
def made(prepared_location):
    """Records made through the app: two handouts, a consultation that gave both, a reprint, a
    correction (with a patient label, the clinic keeping names). Chain order: h1, h2, c1, h3, c2."""
    store = Store.of(prepared_location)
    sql(prepared_location, "INSERT INTO clinic_profile (name, address, phone, website, clinicians, disclaimer, "
                           "paper_size, large_print, keep_patient_names) VALUES ('Clinic', '', '', '', '[]', '', 'a4', 0, 1)")
    handout, doc = document(store, patient_name="Zoë Ng", notes="Okapi", next_steps="Quokka")
    h1 = handout_log.record(store, handout, doc, kind="pdf", destination="/clinic/out/zoe-ng.pdf", keep_patient_name=True)
    h2 = handout_log.record(store, handout, doc, kind="printer", destination="Front desk")
    c1 = consultations.record(store, draft(rows=("main_risks", "cost"), notes="Stomach", patient_label="Z. Ng",
                                           handout_print_ids=(h1, h2)))
    h3 = handout_log.record_reprint(store, handout_log.get_print(store, h1), handout_log.load_snapshot(store, h1),
                                    kind="pdf", destination="/clinic/out/consultation-1-handout-1.pdf")
    c2 = consultations.record(store, draft(therapies=("nsaids", "self-care"), patient_label="Z. Ng"), corrects=c1)
    return {"store": store, "location": prepared_location, "h1": h1, "h2": h2, "c1": c1, "h3": h3, "c2": c2}


def test_records_made_through_the_app_form_a_valid_chain_that_db_check_verifies(made):
    location = made["location"]
    found = entries(location)
    assert [(kind, record_id) for _, kind, record_id, _, _ in found] == [
        ("handout", made["h1"]), ("handout", made["h2"]), ("consultation", made["c1"]), ("handout", made["h3"]),
        ("consultation", made["c2"])]
    previous = chain.GENESIS
    for _, _, _, previous_hash, chained in found:
        assert previous_hash == previous
        previous = chained
    assert verify(location).ok and verify(location).entries == 5
    report = check_database(location)
    assert report.ok, report.problems
    facts = dict(report.facts)
    assert facts["chain"] == "5 records, verified"
    assert facts["stored handouts"] == "3 verified against their SHA-256"
    assert facts["append-only rules"] == f"all {len(APPEND_ONLY_RULES)} in place"


def test_each_entry_holds_the_hash_of_the_record_as_stored(made):
    location = made["location"]
    conn = sqlite3.connect(location.sqlite_path)
    live = chain.live_records(chain.runner(conn))
    conn.close()
    stored = {(kind, record_id): digest for kind, record_id, digest in
              sql(location, "SELECT kind, record_id, content_hash FROM record_chain")}
    assert stored == {key: chain.content_hash(content) for key, content in live.items()}
    consultation = live[("consultation", made["c1"])]
    assert consultation["handouts"] == sorted([[h, handout_log.get_print(made["store"], h).sha256]
                                               for h in (made["h1"], made["h2"])])
    assert consultation["therapies"] == ["nsaids"] and consultation["rows"] == ["main_risks", "cost"]
    # what a purge may blank is not part of it
    text = chain.canonical(consultation) + chain.canonical(live[("handout", made["h1"])])
    assert not any(word in text for word in ("Z. Ng", "Zo", "Okapi", "Quokka", "Stomach", "zoe-ng", "Front desk"))


def migration():
    path = resources.files("clinic_app.migrations") / "versions" / "0008_record_chain.py"
    spec = util.spec_from_file_location("record_chain_migration_0008", path)
    module = util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_migration_and_the_app_hash_every_record_alike(made):
    """Both copies of the canonical JSON (the migration's, frozen, and the app's) give the same hash
    for every record, those made by the app and rows written by hand in another shape."""
    location = made["location"]
    sql(location,  # JSON spaced and keys unordered, a time without fractions, text outside ASCII
        "INSERT INTO consultation (recorded_at, started_at, clinician, therapies, rows, content_versions, "
        "library_version) VALUES ('2026-11-30', '2026-11-30 09:00', 'Dr Émile Roux', '[ \"nsaids\" ]', '[]', "
        "'{\"self-care\": 2, \"nsaids\": 1}', 'x')",
        ("INSERT INTO handout_print (printed_at, kind, destination, therapies, content_versions, library_version, "
         "paper, options, clinician, snapshot, sha256) VALUES ('2026-11-30 09:00:00', 'pdf', '/x.pdf', '[\"nsaids\"]', "
         "'{}', 'x', 'a4', '{\"body_pt\": 10.5, \"one_page\": true, \"b\": null}', '', ?, ?)",
         (zlib.compress(b"{}"), "0" * 64)))
    conn = sqlite3.connect(location.sqlite_path)
    run = chain.runner(conn)
    frozen_rules = migration()
    frozen = {(kind, record_id): frozen_rules.content_hash(content)
              for _, kind, record_id, content in frozen_rules.records(run)}
    app = {key: chain.content_hash(content) for key, content in chain.live_records(run).items()}
    conn.close()
    assert len(app) == 7 and frozen == app
    stored = dict(((kind, record_id), digest) for kind, record_id, digest in
                  sql(location, "SELECT kind, record_id, content_hash FROM record_chain"))
    assert all(app[key] == digest for key, digest in stored.items())


def break_rules(location, *rules):
    sql(location, *(f"DROP TRIGGER {rule}" for rule in rules))


@pytest.mark.parametrize(("tamper", "first"), [
    (lambda m: (break_rules(m["location"], "consultation_unchanged"),
                sql(m["location"], f"UPDATE consultation SET therapies = '[\"self-care\"]' WHERE id = {m['c1']}")),
     "consultation #{c1} does not match its chain entry (changed after it was recorded)"),
    (lambda m: (break_rules(m["location"], "handout_print_unchanged"),
                sql(m["location"], f"UPDATE handout_print SET options = json_set(options, '$.large_print', json('true')) "
                                   f"WHERE id = {m['h2']}")),
     "handout #{h2} does not match its chain entry (changed after it was recorded)"),
    (lambda m: (break_rules(m["location"], "consultation_kept"),
                sql(m["location"], f"DELETE FROM consultation WHERE id = {m['c2']}")),
     "chain entry 5 is for consultation #{c2}, which is no longer in the database"),
    (lambda m: (break_rules(m["location"], "record_chain_unchanged"),
                sql(m["location"], "UPDATE record_chain SET content_hash = substr(content_hash, 2) || '0' WHERE id = 2")),
     "chain entry 2 was changed after it was written"),
    (lambda m: (break_rules(m["location"], "record_chain_kept"), sql(m["location"], "DELETE FROM record_chain WHERE id = 3")),
     "chain entry 4 does not follow entry 2 (an entry was removed or changed)"),
    (lambda m: (break_rules(m["location"], "record_chain_kept"), sql(m["location"], "DELETE FROM record_chain WHERE id = 1")),
     "chain entry 2 does not start the chain (the entries before it were removed)"),
    (lambda m: sql(m["location"], "INSERT INTO consultation (recorded_at, started_at, clinician, therapies, rows, "
                                  "content_versions, library_version) VALUES ('2026-12-01', '2026-12-01', 'Dr X', "
                                  "'[\"nsaids\"]', '[]', '{}', 'x')"),
     "consultation #3 has no chain entry (it was added outside the app, or its entry was removed)"),
])
def test_tampering_is_caught_and_the_first_broken_link_named(made, tamper, first):
    location = made["location"]
    tamper(made)
    found = verify(location)
    assert found.problems[0] == first.format(**made)
    report = check_database(location)
    assert not report.ok
    assert report.problems[0].startswith(f"record chain broken; the first broken link: {first.format(**made)}")
    assert dict(report.facts)["chain"].endswith("records, broken")


def test_an_entry_rewritten_to_fit_a_changed_record_breaks_the_link_after_it(made):
    """Whoever changes a record and rewrites its entry to match still breaks the next entry."""
    location = made["location"]
    break_rules(location, "consultation_unchanged", "record_chain_unchanged")
    sql(location, f"UPDATE consultation SET clinician = 'Dr Other' WHERE id = {made['c1']}")
    conn = sqlite3.connect(location.sqlite_path)
    content = chain.live_records(chain.runner(conn))[("consultation", made["c1"])]
    conn.close()
    previous = sql(location, "SELECT previous_hash FROM record_chain WHERE id = 3")[0][0]
    digest = chain.content_hash(content)
    sql(location, ("UPDATE record_chain SET content_hash = ?, chain_hash = ? WHERE id = 3",
                   (digest, chain.link_hash(previous, digest))))
    assert verify(location).problems == ["chain entry 4 does not follow entry 3 (an entry was removed or changed)"]


def test_the_first_broken_link_is_named_first_and_the_rest_counted(made):
    location = made["location"]
    break_rules(location, "consultation_unchanged", "handout_print_unchanged")
    sql(location, f"UPDATE consultation SET rows = '[\"cost\"]' WHERE id = {made['c2']}",
        f"UPDATE handout_print SET paper = 'letter' WHERE id = {made['h2']}")
    assert verify(location).problems == [f"handout #{made['h2']} does not match its chain entry (changed after it was recorded)",
                                         f"consultation #{made['c2']} does not match its chain entry (changed after it "
                                         "was recorded)"]
    problem = check_database(location).problems[0]
    assert f"first broken link: handout #{made['h2']} does not match" in problem and "(and 1 more problem(s) after it)" in problem


@pytest.mark.parametrize(("change", "message"), [
    (lambda blob: blob[:20] + bytes([blob[20] ^ 1]) + blob[21:], "handout #{h2}'s stored copy is damaged"),
    (lambda blob: zlib.compress(zlib.decompress(blob) + b" "),
     "handout #{h2}'s stored copy does not match its SHA-256"),
])
def test_a_changed_stored_handout_is_named(made, change, message):
    location = made["location"]
    break_rules(location, "handout_print_unchanged")
    blob = sql(location, f"SELECT snapshot FROM handout_print WHERE id = {made['h2']}")[0][0]
    assert change(blob) != blob
    sql(location, ("UPDATE handout_print SET snapshot = ? WHERE id = ?", (change(blob), made["h2"])))
    assert verify(location).ok  # the snapshot's hash is in the chain, the snapshot itself is checked against it
    report = check_database(location)
    assert f"stored handouts changed or damaged; the first: {message.format(**made)}" in report.problems[0]
    assert dict(report.facts)["stored handouts"] == "1 of 3 do not match their SHA-256"


def test_a_missing_rule_is_named(made):
    location = made["location"]
    break_rules(location, "record_chain_kept", "handout_print_unchanged")
    report = check_database(location)
    assert report.problems == [
        "the database rules that keep records unchanged are missing or altered: handout_print_unchanged (it stops "
        "handout records being changed), record_chain_kept (it stops entries of the record chain being deleted); "
        "records could be changed without the app"]
    assert dict(report.facts)["append-only rules"] == f"2 of {len(APPEND_ONLY_RULES)} missing"


def test_the_chain_refuses_changes_and_deletes(made):
    for statement, refusal in (("UPDATE record_chain SET kind = 'purge' WHERE id = 1", "cannot be changed"),
                               ("DELETE FROM record_chain WHERE id = 5", "cannot be deleted")):
        with pytest.raises(sqlite3.DatabaseError, match=refusal):
            sql(made["location"], statement)
    assert len(entries(made["location"])) == 5


def test_a_purge_keeps_the_chain_valid_and_adds_its_own_entry(made):
    location, store = made["location"], made["store"]
    before = [row[:3] + row[4:] for row in entries(location)]
    done = consultations.purge(store, TOMORROW)
    assert done.consultations == 2 and done.handout_names >= 1
    assert sql(location, "SELECT patient_label, notes FROM consultation WHERE purged_at IS NOT NULL") == [(None, None)] * 2
    after = entries(location)
    assert [row[:3] + row[4:] for row in after[:5]] == before  # the records' entries are untouched
    purge_id, kind, record_id, previous, _ = after[5]
    assert (purge_id, kind, record_id, previous) == (6, "purge", None, before[-1][-1])
    detail = sql(location, "SELECT detail, recorded_at FROM record_chain WHERE id = 6")[0]
    assert f'"before":"{TOMORROW.isoformat()}"' in detail[0] and '"consultations":2' in detail[0]
    purged_at = sql(location, "SELECT DISTINCT purged_at FROM consultation WHERE purged_at IS NOT NULL")
    assert purged_at == [(detail[1],)]
    report = check_database(location)
    assert report.ok, report.problems
    assert dict(report.facts)["chain"] == "6 records, verified"
    consultations.purge(store, TOMORROW)  # a purge that finds nothing more is recorded too
    assert entries(location)[-1][1] == "purge" and verify(location).ok and verify(location).entries == 7
    break_rules(location, "record_chain_unchanged")  # and its entry cannot be rewritten unnoticed
    sql(location, "UPDATE record_chain SET detail = replace(detail, '\"consultations\":2', '\"consultations\":0') "
                  "WHERE id = 6")
    assert verify(location).problems == ["chain entry 6 (a purge) was changed after it was written"]


def test_a_record_whose_chain_entry_fails_is_not_stored(made, monkeypatch):
    """The record and its entry are one transaction: when the entry cannot be written, the record is
    not kept either (consultation, its handout links, a handout, a purge)."""
    location, store = made["location"], made["store"]

    def counts():
        return [sql(location, f"SELECT count(*) FROM {table}")[0][0]
                for table in ("consultation", "consultation_handout", "handout_print", "record_chain")]

    before = counts()
    labels = sql(location, "SELECT patient_label FROM consultation ORDER BY id")

    def power_cut(*args, **kwargs):
        raise RuntimeError("the chain entry could not be written")

    monkeypatch.setattr(chain, "append", power_cut)
    with pytest.raises(RuntimeError, match="could not be written"):
        consultations.record(store, draft(handout_print_ids=(made["h1"],)))
    handout, doc = document(store)
    with pytest.raises(RuntimeError, match="could not be written"):
        handout_log.record(store, handout, doc, kind="printer", destination="Front desk")
    with pytest.raises(RuntimeError, match="could not be written"):
        consultations.purge(store, TOMORROW)
    assert counts() == before
    assert sql(location, "SELECT patient_label FROM consultation ORDER BY id") == labels == [("Z. Ng",), ("Z. Ng",)]
    monkeypatch.undo()
    assert check_database(location).ok


KILL_BEFORE_THE_ENTRY = textwrap.dedent("""
    import datetime as dt, os, signal, sys
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    from clinic_app import settings
    from clinic_app.services import consultations
    from clinic_app.storage.store import Store

    @event.listens_for(Engine, "before_cursor_execute")
    def statement(conn, cursor, sql, *args):
        if sql.startswith("INSERT INTO record_chain"):
            os.kill(os.getpid(), signal.SIGKILL)  # the record is written, its entry not yet

    store = Store.of(settings.resolve(data_dir=sys.argv[1]))
    consultations.record(store, consultations.ConsultationDraft(clinician="Dr K", therapies=("nsaids",)))
""")


def test_a_kill_between_the_record_and_its_entry_leaves_neither(made):
    location = made["location"]
    before = sql(location, "SELECT count(*), (SELECT count(*) FROM record_chain) FROM consultation")
    killed = subprocess.run([sys.executable, "-c", KILL_BEFORE_THE_ENTRY, str(location.data_dir)], capture_output=True,
                            text=True, timeout=120)
    assert killed.returncode == -9, killed.stderr[-500:]
    assert sql(location, "SELECT count(*), (SELECT count(*) FROM record_chain) FROM consultation") == before
    assert sql(location, "SELECT count(*) FROM consultation WHERE clinician = 'Dr K'") == [(0,)]
    assert check_database(location).ok


def test_after_the_newest_record_is_deleted_the_clinic_still_records_and_check_names_it(made):
    """SQLite gives the next consultation the deleted one's id: recording goes on, and the check
    names the record whose entry no longer fits and the id that has two entries."""
    location, store = made["location"], made["store"]
    break_rules(location, "consultation_kept")
    sql(location, f"DELETE FROM consultation WHERE id = {made['c2']}")
    again = consultations.record(store, draft(clinician="Dr New"))
    assert again == made["c2"]
    assert verify(location).problems == [
        f"consultation #{again} does not match its chain entry (changed after it was recorded)",
        f"consultation #{again} has more than one chain entry (5 and 6)"]


def test_a_chain_that_is_gone_is_reported_with_its_rules(made):
    location = made["location"]
    sql(location, "DROP TABLE record_chain")
    report = check_database(location)
    assert dict(report.facts)["chain"] == "could not be read"
    assert report.problems[0].startswith("the record chain could not be read (no such table: record_chain)")
    assert "record_chain_unchanged (it stops the record chain being changed)" in report.problems[1]
