"""A record the clinic's server refuses does not block a room's outbox: the refusal is noted on the
entry, which is kept; the records after it are delivered, except a consultation that gave a
refused handout, which waits for it; the clinic sets a refused record aside (kept, never deleted)
and the next delivery completes. ``db check`` on the server lists what this room holds.

The records are held as a room holds them when the server is out of reach: made through a URL
no server answers, in the same data folder as the real server's location.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import sqlite3

from clinic_app import settings
from clinic_app.cli import main
from clinic_app.printing.handout_html import render_handout_html
from clinic_app.services import consultations, delivery, handout_log
from clinic_app.services.consultations import ConsultationDraft
from clinic_app.services.handouts import HandoutRequest, compose_handout
from clinic_app.storage import chain
from clinic_app.storage.outbox import FILE_NAME, Outbox
from clinic_app.storage.store import Store

UNREACHABLE = "postgresql+psycopg://nobody@127.0.0.1:1/clinic"


def cut_off(location: settings.Location) -> Store:
    """This room as it is while the server cannot be reached: whatever it records is held."""
    return Store.of(settings.resolve(data_dir=location.data_dir, database_url=UNREACHABLE))


def hold_handout(store, room, clinician="Dr A. Shah") -> str:
    made = compose_handout(store, HandoutRequest(therapies=("nsaids",), patient_name="J. Smith"))
    made = dataclasses.replace(made, request=dataclasses.replace(made.request, clinician=clinician))
    logged = handout_log.log(room, made, render_handout_html(made), kind="pdf", destination="/out/j-smith.pdf")
    assert logged.held
    return logged.key


def hold_consultation(room, therapies=("nsaids", "self-care"), handout_keys=()) -> str:
    saved = consultations.save(room, ConsultationDraft(clinician="Dr A. Shah", therapies=therapies, notes="Walk daily",
                                                       started_at=dt.datetime.now(dt.UTC), handout_keys=handout_keys))
    assert saved.held
    return saved.key


def on_server(store, key) -> int:
    return sum(len(store.query(f"SELECT id FROM {table} WHERE record_key = ?", (key,)))
               for table in ("consultation", "handout_print"))


def db(location, *args, capsys) -> tuple[int, str]:
    code = main(["--data-dir", str(location.data_dir), "--database-url", location.database_url, "db", *map(str, args)])
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    return code, out.out + out.err


def hold_a_day(store, location) -> dict[str, str]:
    """A handout the server will refuse (its clinician's name is longer than the server keeps), the
    consultation that gave it, a good handout, a consultation naming a therapy the server does not
    have, and a good consultation that gave the good handout; in this order."""
    room = cut_off(location)
    keys = {"bad_handout": hold_handout(store, room, clinician="Dr " + "x" * 300)}
    keys["waiting_visit"] = hold_consultation(room, handout_keys=(keys["bad_handout"],))
    keys["good_handout"] = hold_handout(store, room)
    keys["bad_visit"] = hold_consultation(room, therapies=("nsaids", "no-such-therapy"))
    keys["good_visit"] = hold_consultation(room, handout_keys=(keys["good_handout"],))
    return keys


def test_a_refused_record_is_kept_with_its_reason_and_the_independent_ones_after_it_are_delivered(server_store):
    store = server_store
    keys = hold_a_day(store, store.location)
    outbox = Outbox.of(store.location)

    done = delivery.deliver(store)
    assert [d.key for d in done.delivered] == [keys["good_handout"], keys["good_visit"]]
    assert not done.ok and not done.problem and done.held == 3
    said = {item.key: item for item in done.refused}
    assert said[keys["waiting_visit"]].waits_for == keys["bad_handout"]
    assert "no-such-therapy" in said[keys["bad_visit"]].reason
    assert {k: on_server(store, k) for k in keys.values()} == {
        keys["bad_handout"]: 0, keys["waiting_visit"]: 0, keys["good_handout"]: 1, keys["bad_visit"]: 0,
        keys["good_visit"]: 1}
    visit = consultations.get(store, done.delivered[1].id)
    assert [print_id for print_id, _ in visit.handouts] == [done.delivered[0].id]
    assert chain.verify(store.query).ok

    held = {entry.key: entry for entry in outbox.entries()}
    assert list(held) == [keys["bad_handout"], keys["waiting_visit"], keys["bad_visit"]]  # order kept
    assert held[keys["bad_handout"]].refused and "refused" in held[keys["bad_handout"]].refusal
    assert held[keys["bad_visit"]].refused and "no-such-therapy" in held[keys["bad_visit"]].refusal
    assert not held[keys["waiting_visit"]].refused  # never sent: it waits for its handout
    assert delivery.held_count(store.location) == 3 and delivery.refused_count(store.location) == 2

    again = delivery.deliver(store)  # tried again: the same refusals, nothing written twice
    assert again.delivered == [] and again.held == 3 and len(again.refused) == 3
    assert on_server(store, keys["good_handout"]) == 1 and on_server(store, keys["good_visit"]) == 1


def test_db_deliver_names_each_refusal_and_exits_1(server_location, capsys):
    keys = hold_a_day(Store.of(server_location), server_location)
    code, out = db(server_location, "deliver", capsys=capsys)
    assert code == 1
    assert "delivered handout" in out and f"(key {keys['good_visit']})" in out
    assert f"the held handout (key {keys['bad_handout']}) was not taken by the server" in out
    assert f"the held consultation (key {keys['waiting_visit']}) waits for the held handout " \
           f"(key {keys['bad_handout']})" in out
    assert "3 record(s) still held in this room" in out and "--set-aside KEY" in out


def test_setting_the_refused_records_aside_lets_the_next_delivery_complete(server_location, capsys, tmp_path):
    store = Store.of(server_location)
    keys = hold_a_day(store, server_location)
    outbox = Outbox.of(server_location)
    delivery.deliver(store)

    code, out = db(server_location, "outbox", "--set-aside", keys["waiting_visit"], capsys=capsys)
    assert code == 1 and "has not been refused" in out and keys["bad_handout"] in out
    code, out = db(server_location, "outbox", "--set-aside", keys["bad_handout"], capsys=capsys)
    assert code == 0 and keys["waiting_visit"] in out  # the consultation that gave it is named

    after = delivery.deliver(store)  # the consultation is now tried, and refused: its handout never came
    assert after.delivered == [] and {item.key for item in after.refused} == {keys["waiting_visit"], keys["bad_visit"]}
    assert keys["bad_handout"] in outbox.find(keys["waiting_visit"]).refusal
    for key in (keys["waiting_visit"], keys["bad_visit"]):
        code, _ = db(server_location, "outbox", "--set-aside", key, capsys=capsys)
        assert code == 0

    code, out = db(server_location, "deliver", capsys=capsys)
    assert code == 0 and "nothing held in this room" in out
    assert outbox.count() == 0 and delivery.held_count(server_location) == 0
    assert [e.key for e in outbox.set_aside_entries()] == [keys["bad_handout"], keys["waiting_visit"], keys["bad_visit"]]
    assert all(on_server(store, keys[k]) == 0 for k in ("bad_handout", "waiting_visit", "bad_visit"))

    code, out = db(server_location, "outbox", capsys=capsys)
    assert code == 0 and "set aside (3)" in out and "no-such-therapy" in out

    exported = tmp_path / "visit.json"
    code, out = db(server_location, "outbox", "--export", keys["bad_visit"], exported, capsys=capsys)
    assert code == 0 and str(exported) in out
    record = json.loads(exported.read_text(encoding="utf-8"))
    assert record["record_key"] == keys["bad_visit"] and record["kind"] == "consultation"
    assert record["record"]["therapies"] == ["nsaids", "no-such-therapy"] and record["record"]["notes"] == "Walk daily"
    assert "no-such-therapy" in record["refusal"] and record["set_aside_at"]


def test_an_outbox_file_from_before_refusals_is_upgraded_and_delivered(server_location):
    store = Store.of(server_location)
    room = cut_off(server_location)
    first, second = hold_handout(store, room), hold_consultation(room)
    path = server_location.data_dir / FILE_NAME
    conn = sqlite3.connect(path)  # as an earlier version made it: no refusal columns, no set_aside table
    rows = conn.execute("SELECT record_key, kind, payload, created_at FROM entry ORDER BY id").fetchall()
    conn.close()
    for suffix in ("", "-wal", "-shm"):
        (server_location.data_dir / f"{FILE_NAME}{suffix}").unlink(missing_ok=True)
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE entry (id INTEGER PRIMARY KEY AUTOINCREMENT, record_key TEXT NOT NULL UNIQUE, "
                 "kind TEXT NOT NULL, payload TEXT NOT NULL, created_at TEXT NOT NULL)")
    conn.executemany("INSERT INTO entry (record_key, kind, payload, created_at) VALUES (?, ?, ?, ?)", rows)
    conn.commit()
    conn.close()

    done = delivery.deliver(store)
    assert done.ok and [d.key for d in done.delivered] == [first, second] and done.held == 0
    assert on_server(store, first) == 1 and on_server(store, second) == 1


def test_db_check_on_the_server_lists_what_this_room_holds(server_location, capsys):
    store = Store.of(server_location)
    code, out = db(server_location, "check", capsys=capsys)
    assert code == 0 and "held in this room" in out and re.search(r"set aside in this room +none", out)

    room = cut_off(server_location)
    waiting = hold_consultation(room)
    code, out = db(server_location, "check", capsys=capsys)
    assert code == 0, out  # held and not refused: information only
    assert "1 record(s) for the server, the oldest held" in out

    refused = hold_consultation(room, therapies=("no-such-therapy",))
    delivery.deliver(store)  # the first is delivered, the second refused
    assert on_server(store, waiting) == 1
    code, out = db(server_location, "check", capsys=capsys)
    assert code == 1 and f"problem: the server refused the consultation held in this room (key {refused}" in out
    assert "no-such-therapy" in out

    code, _ = db(server_location, "outbox", "--set-aside", refused, capsys=capsys)
    assert code == 0
    code, out = db(server_location, "check", capsys=capsys)
    assert code == 0, out
    assert re.search(r"held in this room +none", out) and re.search(r"set aside in this room +1 record\(s\)", out)
