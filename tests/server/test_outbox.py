"""A room that loses the clinic's server keeps its records in a local outbox and delivers each of
them exactly once when the server is back; nothing printed goes unlogged.

The server is really stopped (``pg_ctl stop``, as a server going down disconnects its rooms) and
started again on the same data folder and port.
"""

from __future__ import annotations

import datetime as dt
import shutil
import stat
import uuid

import pytest
from kill_at_statement import run_killed, statements
from pg_cluster import drop_database, new_database
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from clinic_app import settings
from clinic_app.errors import DatabaseError, ServerUnreachableError
from clinic_app.printing.handout_html import render_handout_html
from clinic_app.services import consultations, delivery, handout_log
from clinic_app.services.consultations import ConsultationDraft
from clinic_app.services.handouts import HandoutRequest, compose_handout
from clinic_app.storage import chain
from clinic_app.storage.outbox import FILE_NAME, Outbox
from clinic_app.storage.store import Store


def draft(**fields) -> ConsultationDraft:
    values = {"clinician": "Dr A. Shah", "therapies": ("nsaids", "self-care"), "notes": "Walk daily",
              "started_at": dt.datetime.now(dt.UTC)}
    return ConsultationDraft(**(values | fields))


def handout(store):
    made = compose_handout(store, HandoutRequest(therapies=("nsaids",), patient_name="J. Smith"))
    return made, render_handout_html(made)


def counts(store, keys) -> dict[str, int]:
    marks = ",".join("?" * len(keys))
    found: dict[str, int] = dict.fromkeys(keys, 0)
    for table in ("consultation", "handout_print"):
        for (key,) in store.query(f"SELECT record_key FROM {table} WHERE record_key IN ({marks})", tuple(keys)):
            found[key] += 1
    return found


def hold_a_visit(store, cluster, link_online=True):
    """The server stops mid-visit: a handout is saved and the consultation ended while it is down
    (linking the handout printed before, if ``link_online``, and the one held, by its key)."""
    made, doc = handout(store)
    online = handout_log.log(store, made, doc, kind="pdf", destination="/out/before.pdf", keep_patient_name=None)
    assert not online.held and online.id is not None
    cluster.halt()
    printed = handout_log.log(store, made, doc, kind="pdf", destination="/out/j-smith.pdf", keep_patient_name=None)
    linked = (online.id,) if link_online else ()
    ended = consultations.save(store, draft(handout_print_ids=linked, handout_keys=(printed.key,)))
    return online, printed, ended


def test_the_server_stopped_mid_visit_and_restarted_the_outbox_is_delivered_once(server_store, pg_cluster_control):
    store = server_store
    online, printed, ended = hold_a_visit(store, pg_cluster_control)
    assert printed.held and printed.id is None and ended.held and ended.id is None
    assert consultations.record(store, draft()) is None  # held too, the caller told by the missing id
    outbox = Outbox.of(store.location)
    assert [(e.kind, e.key) for e in outbox.entries()][:2] == [("handout", printed.key), ("consultation", ended.key)]
    assert delivery.held_count(store.location) == 3
    assert stat.S_IMODE(outbox.path.stat().st_mode) == 0o600
    down = delivery.deliver(store)  # tried while the server is still down: nothing lost, nothing sent
    assert not down.ok and down.delivered == [] and down.held == 3, down
    assert "clinic's database server" in down.problem

    pg_cluster_control.start()
    done = delivery.deliver(store)
    assert done.ok and done.held == 0 and outbox.count() == 0
    assert [(d.kind, d.key) for d in done.delivered][:2] == [("handout", printed.key), ("consultation", ended.key)]
    assert counts(store, [printed.key, ended.key]) == {printed.key: 1, ended.key: 1}
    handout_id = done.delivered[0].id
    item = consultations.get(store, done.delivered[1].id)
    assert {print_id for print_id, _ in item.handouts} == {online.id, handout_id}
    assert item.notes == "Walk daily" and item.therapies == ("nsaids", "self-care")
    held_print = handout_log.get_print(store, handout_id)
    assert held_print.destination == "/out/j-smith.pdf" and held_print.sha256 == handout(store)[1].sha256
    assert handout_log.load_snapshot(store, handout_id).html  # the stored document checks against its SHA-256
    assert chain.verify(store.query).ok

    again = delivery.deliver(store)
    assert again.ok and again.delivered == [] and again.held == 0
    assert counts(store, [printed.key, ended.key]) == {printed.key: 1, ended.key: 1}
    assert chain.verify(store.query).ok


def test_a_record_already_on_the_server_is_not_delivered_again(server_store, pg_cluster_control):
    """A delivery that committed on the server and died before it could take the entry out: the
    next delivery finds the key there and only takes the entry out."""
    store = server_store
    _, printed, ended = hold_a_visit(store, pg_cluster_control)
    pg_cluster_control.start()
    entries = Outbox.of(store.location).entries()
    handout_log.deliver_held(store, entries[0].key, entries[0].payload)  # on the server, still in the outbox
    done = delivery.deliver(store)
    assert done.ok and [d.key for d in done.delivered] == [printed.key, ended.key]
    assert counts(store, [printed.key, ended.key]) == {printed.key: 1, ended.key: 1}
    assert chain.verify(store.query).ok


def test_an_unreachable_server_is_told_apart_from_a_refusal(server_store, data_dir):
    gone = settings.resolve(data_dir=data_dir, database_url="postgresql://nobody@127.0.0.1:1/clinic")
    with pytest.raises(ServerUnreachableError):
        Store.of(gone).query("SELECT 1")
    with pytest.raises(DatabaseError) as refused:
        server_store.query("SELECT * FROM no_such_table")
    assert not isinstance(refused.value, ServerUnreachableError)


def test_a_record_key_is_made_with_each_record_and_never_changed(any_store):
    store = any_store
    made, doc = handout(store)
    logged = handout_log.log(store, made, doc, kind="printer", destination="Front desk")
    saved = consultations.save(store, draft(handout_print_ids=(logged.id,)))
    assert not saved.held and not logged.held
    assert str(uuid.UUID(saved.key)) == saved.key and counts(store, [saved.key, logged.key]) == {
        saved.key: 1, logged.key: 1}
    engine = store.database().engine
    for statement in (f"UPDATE consultation SET record_key = '{uuid.uuid4()}' WHERE id = {saved.id}",
                      f"UPDATE consultation SET record_key = NULL WHERE id = {saved.id}",
                      f"UPDATE handout_print SET record_key = '{uuid.uuid4()}' WHERE id = {logged.id}"):
        with pytest.raises(DBAPIError, match="cannot be changed"), engine.begin() as connection:
            connection.execute(text(statement))
    assert not (store.location.data_dir / FILE_NAME).exists()  # a room only holds what a server did not take


def _kill_location(pg_admin_url, pg_template, data_dir, held):
    url = new_database(pg_admin_url, pg_template)
    for suffix in ("", "-wal", "-shm"):
        (data_dir / f"{FILE_NAME}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(held, data_dir / FILE_NAME)
    return settings.resolve(data_dir=data_dir, database_url=url)


def test_a_delivery_killed_at_any_statement_then_run_again_delivers_each_record_once(
        server_location, pg_cluster_control, pg_admin_url, pg_template, tmp_path):
    store = Store.of(server_location)
    _, printed, ended = hold_a_visit(store, pg_cluster_control, link_online=False)  # delivered into fresh copies
    pg_cluster_control.start()
    Store.close_all()
    held = tmp_path / "held.sqlite3"
    shutil.copyfile(Outbox.of(server_location).path, held)
    keys = [printed.key, ended.key]
    data_dir = tmp_path / "room"
    data_dir.mkdir(mode=0o700)

    def deliver_killed(kill_at: int, after_commit_of: tuple[str, ...] = ()):
        location = _kill_location(pg_admin_url, pg_template, data_dir, held)
        try:
            done = run_killed(["--data-dir", data_dir, "--database-url", location.database_url, "db", "deliver"],
                              kill_at, after_commit_of)
            if kill_at == 0:
                return done
            assert done.returncode == -9, (kill_at, done.stdout, done.stderr[-2000:])
            store = Store.of(location)
            result = delivery.deliver(store)
            assert result.ok and result.held == 0, (kill_at, result.problem)
            assert counts(store, keys) == dict.fromkeys(keys, 1), kill_at
            linked = consultations.get(store, store.query("SELECT id FROM consultation WHERE record_key = ?",
                                                          (ended.key,))[0][0]).handouts
            assert [print_id for print_id, _ in linked] == [
                store.query("SELECT id FROM handout_print WHERE record_key = ?", (printed.key,))[0][0]], kill_at
            assert chain.verify(store.query).ok, kill_at
            return done
        finally:
            drop_database(pg_admin_url, location.database_url)

    whole = deliver_killed(0)
    assert "delivered handout" in whole.stdout and "delivered consultation" in whole.stdout
    total = statements(whole)
    assert total > 4
    for kill_at in range(1, total + 1):
        deliver_killed(kill_at)
    for model in ("HandoutPrint", "Consultation"):  # the server committed; the outbox still holds the entry
        deliver_killed(-1, (model,))
