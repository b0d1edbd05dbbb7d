"""Consultation records: what is kept, what can never change, corrections, privacy, counts, CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
import sqlite3

import pytest

from clinic_app.errors import NotFoundError
from clinic_app.printing import handout_jobs
from clinic_app.services import consultations
from clinic_app.services.consultations import ConsultationDraft, ConsultationError
from clinic_app.services.handouts import HandoutRequest
from clinic_app.storage.store import Store

UTC = dt.UTC


def at(year, month, day, hour=10):
    return dt.datetime(year, month, day, hour, tzinfo=UTC)


def draft(**fields):
    values = {"clinician": "Dr A. Shah", "therapies": ("nsaids",), "started_at": at(2026, 11, 20)}
    return ConsultationDraft(**(values | fields))


def sql(location, statement, params=()):
    with sqlite3.connect(location.sqlite_path) as conn:
        return conn.execute(statement, params).fetchall()


def keep_patient_names(location):
    sql(location, "INSERT INTO clinic_profile (name, address, phone, website, clinicians, disclaimer, paper_size, "
                  "large_print, keep_patient_names) VALUES ('Spine Clinic', '', '', '', '[]', '', 'a4', 0, 1)")


def handout(reader, tmp_path, slug="nsaids"):
    return handout_jobs.produce(reader, HandoutRequest(therapies=(slug,)), output=tmp_path / f"{slug}.pdf")


def test_record_keeps_what_was_discussed_and_handed_out(prepared_location, reader, tmp_path):
    printed = handout(reader, tmp_path)
    before = dt.datetime.now(UTC).replace(tzinfo=None)
    cid = consultations.record(reader, draft(
        therapies=("nsaids", "self-care", "nsaids"), rows=("main_risks", "cost"), patient_label="J. Smith",
        notes="  Worried about the stomach.  ", handout_print_ids=(printed.record_id,), clinician=" Dr A. Shah "))
    item = consultations.get(reader, cid)
    assert item.therapies == ("nsaids", "self-care") and item.rows == ("main_risks", "cost")
    assert item.clinician == "Dr A. Shah" and item.notes == "Worried about the stomach."
    assert item.patient_label is None  # the clinic did not turn on keeping names
    assert item.started_at == dt.datetime(2026, 11, 20, 10)
    assert before <= item.recorded_at <= dt.datetime.now(UTC).replace(tzinfo=None)
    assert item.handouts == ((printed.record_id, printed.sha256),)
    assert item.content_versions == {"nsaids": 2, "self-care": 2}
    assert item.library_version == sql(prepared_location, "SELECT value FROM app_meta WHERE key = 'library_version'")[0][0]
    assert item.corrects is None and item.corrected_by is None and item.purged_at is None
    assert consultations.verify_handouts(reader, cid) == [(printed.record_id, True, f"handout #{printed.record_id}: "
                                                           f"SHA-256 {printed.sha256[:12]} verified")]
    with pytest.raises(NotFoundError, match="no consultation with id 99"):
        consultations.get(reader, 99)


def test_patient_label_is_kept_only_when_the_clinic_turned_it_on(prepared_location, reader):
    first = consultations.record(reader, draft(patient_label="J. Smith"))
    keep_patient_names(prepared_location)
    second = consultations.record(reader, draft(patient_label="  J. Smith "))
    assert consultations.get(reader, first).patient_label is None
    assert consultations.get(reader, second).patient_label == "J. Smith"
    assert sql(prepared_location, "SELECT patient_label FROM consultation ORDER BY id") == [(None,), ("J. Smith",)]


def test_list_filters_by_day_clinician_and_therapy_newest_first(prepared_location, reader):
    record = consultations.record
    a = record(reader, draft(started_at=at(2026, 11, 1, 9), therapies=("nsaids", "self-care")))
    b = record(reader, draft(started_at=at(2026, 11, 15, 23), clinician="Dr Émile Roux",
                                                therapies=("exercise-therapy",)))
    c = record(reader, draft(started_at=at(2026, 11, 16, 0), therapies=("self-care",)))

    def ids(**filters):
        return [i.id for i in consultations.list_consultations(reader, **filters)]

    assert ids() == [c, b, a]
    assert ids(since=dt.date(2026, 11, 15)) == [c, b]
    assert ids(until=dt.date(2026, 11, 15)) == [b, a]  # the whole last day is included
    assert ids(since=dt.date(2026, 11, 2), until=dt.date(2026, 11, 15)) == [b]
    assert ids(clinician="shah") == [c, a] and ids(clinician="ÉMILE") == [b] and ids(clinician="nobody") == []
    assert ids(therapy="self-care") == [c, a] and ids(therapy="self") == [] and ids(therapy="nsaids") == [a]
    assert ids(clinician="shah", therapy="self-care", since=dt.date(2026, 11, 2)) == [c]
    assert ids(limit=2) == [c, b] and ids(clinician="shah", limit=1) == [c]


def test_records_cannot_be_changed_or_deleted(prepared_location, reader, tmp_path):
    printed = handout(reader, tmp_path)
    cid = consultations.record(reader, draft(notes="note", handout_print_ids=(printed.record_id,)))
    for statement in ("UPDATE consultation SET therapies = '[\"lumbar-fusion\"]'",
                      "UPDATE consultation SET clinician = 'someone else'",
                      "UPDATE consultation SET notes = 'rewritten'",
                      "UPDATE consultation SET patient_label = 'J. Smith'",
                      "UPDATE consultation_handout SET sha256 = 'x'"):
        with pytest.raises(sqlite3.IntegrityError, match="consultation records cannot be changed"):
            sql(prepared_location, statement)
    for table in ("consultation_handout", "consultation"):
        with pytest.raises(sqlite3.IntegrityError, match="consultation records cannot be deleted"):
            sql(prepared_location, f"DELETE FROM {table}")
    sql(prepared_location, "UPDATE consultation SET notes = NULL, purged_at = '2026-11-25 10:00:00'")  # the purge
    with pytest.raises(sqlite3.IntegrityError, match="cannot be changed"):
        sql(prepared_location, "UPDATE consultation SET purged_at = NULL")
    item = consultations.get(reader, cid)
    assert item.therapies == ("nsaids",) and item.notes is None and item.handouts == ((printed.record_id, printed.sha256),)


def test_a_correction_is_a_new_record_and_only_the_latest_can_be_corrected(prepared_location, reader):
    first = consultations.record(reader, draft(therapies=("nsaids", "self-care"), notes="first"))
    second = consultations.record(reader, draft(therapies=("nsaids",)), corrects=first)
    assert [i.id for i in consultations.list_consultations(reader)] == [second]
    listed = consultations.list_consultations(reader, include_superseded=True)
    assert [(i.id, i.corrects, i.corrected_by) for i in listed] == [(second, first, None), (first, None, second)]
    assert consultations.get(reader, first).notes == "first"  # the old record is kept as it was
    with pytest.raises(ConsultationError, match=f"#{first} has already been corrected; the latest record is #{second}"):
        consultations.record(reader, draft(), corrects=first)
    third = consultations.record(reader, draft(therapies=("self-care",)), corrects=second)
    with pytest.raises(ConsultationError, match=f"the latest record is #{third}"):
        consultations.record(reader, draft(), corrects=first)
    with pytest.raises(NotFoundError, match="no consultation with id 42 to correct"):
        consultations.record(reader, draft(), corrects=42)
    with pytest.raises(sqlite3.IntegrityError):  # the database refuses a second correction of one record too
        sql(prepared_location, "INSERT INTO consultation (recorded_at, started_at, clinician, therapies, rows, "
                               "content_versions, library_version, corrects) VALUES ('2026-11-25', '2026-11-25', '', "
                               "'[]', '[]', '{}', '', ?)", (first,))
    assert sql(prepared_location, "SELECT COUNT(*) FROM consultation") == [(3,)]


@pytest.mark.parametrize(("fields", "error", "message"), [
    ({"therapies": ()}, ConsultationError, "choose at least one therapy discussed; known therapies: .*nsaids"),
    ({"therapies": ("nsaids", "unicorn")}, NotFoundError, "unknown therapy 'unicorn'; known therapies: .*self-care"),
    ({"rows": ("cost", "colour")}, NotFoundError, "unknown comparison row 'colour'; valid rows: .*main_risks"),
    ({"handout_print_ids": (99,)}, NotFoundError, "no handout with id 99"),
    ({"clinician": "x" * 201}, ConsultationError, "clinician name is 201 characters long; the limit is 200"),
    ({"patient_label": "x" * 101}, ConsultationError, "patient label is 101 characters long; the limit is 100"),
    ({"notes": "x" * 10_001}, ConsultationError, "visit notes is 10001 characters long; the limit is 10000"),
])
def test_bad_input_is_named_and_nothing_is_written(prepared_location, reader, fields, error, message):
    with pytest.raises(error, match=message):
        consultations.record(reader, draft(**fields))
    assert sql(prepared_location, "SELECT COUNT(*) FROM consultation") == [(0,)]


def test_purge_blanks_names_and_notes_before_the_day_and_keeps_the_counts(prepared_location, reader, tmp_path):
    keep_patient_names(prepared_location)
    printed = handout_jobs.produce(reader, HandoutRequest(therapies=("nsaids",), patient_name="J. Smith"),
                                   output=tmp_path / "h.pdf")
    old = consultations.record(reader, draft(started_at=at(2025, 1, 10), patient_label="J. Smith",
                                                                notes="back pain", handout_print_ids=(printed.record_id,)))
    recent = consultations.record(reader, draft(started_at=at(2025, 3, 10), patient_label="A. Lee",
                                                                   notes="knee", therapies=("self-care",)))
    assert consultations.purgeable(reader, dt.date(2025, 3, 10)) == consultations.PurgeResult(1, 0)
    assert consultations.purge(Store.of(prepared_location), dt.date(2025, 3, 10)) == consultations.PurgeResult(1, 0)
    purged, kept = consultations.get(reader, old), consultations.get(reader, recent)
    assert purged.patient_label is None and purged.notes is None and purged.purged_at is not None
    assert purged.therapies == ("nsaids",) and purged.handouts == ((printed.record_id, printed.sha256),)
    assert (kept.patient_label, kept.notes, kept.purged_at) == ("A. Lee", "knee", None)
    assert sql(prepared_location, "SELECT patient_name FROM handout_print") == [("J. Smith",)]  # printed today

    tomorrow = dt.datetime.now(UTC).date() + dt.timedelta(days=1)
    expected = consultations.PurgeResult(1, 1, handout_names=1, file_names=1)  # "h.pdf" is not a name the app chose
    assert consultations.purgeable(reader, tomorrow) == expected
    assert consultations.purge(Store.of(prepared_location), tomorrow) == expected
    assert sql(prepared_location, "SELECT patient_name, destination FROM handout_print") == [
        (None, str(tmp_path.resolve() / "(file name removed by a purge)"))]
    assert consultations.verify_handouts(reader, old)[0][1]  # the document of record is still intact
    assert consultations.purge(Store.of(prepared_location), tomorrow) == consultations.PurgeResult(0, 0)
    assert [i.therapies for i in consultations.list_consultations(reader)] == [("self-care",), ("nsaids",)]


def test_verify_handouts_finds_a_changed_print_record(prepared_location, reader, tmp_path):
    printed = handout(reader, tmp_path)
    cid = consultations.record(reader, draft(handout_print_ids=(printed.record_id,)))
    with sqlite3.connect(prepared_location.sqlite_path) as conn:
        conn.execute("DROP TRIGGER handout_print_unchanged")
        conn.execute("UPDATE handout_print SET sha256 = ? WHERE id = ?", ("0" * 64, printed.record_id))
    [(print_id, ok, message)] = consultations.verify_handouts(reader, cid)
    assert print_id == printed.record_id and not ok
    assert "no longer has the SHA-256 recorded with consultation" in message


def test_usage_counts_the_latest_correction_and_no_reprints(prepared_location, reader, tmp_path):
    now = dt.datetime.now(UTC)
    today = now.date()
    printed = handout(reader, tmp_path)
    handout_jobs.reprint(reader, printed.record_id, output=tmp_path / "again.pdf")
    handout(reader, tmp_path, "exercise-therapy")
    first = consultations.record(reader, draft(started_at=now, therapies=("nsaids", "self-care")))
    consultations.record(reader, draft(started_at=now, therapies=("nsaids",)), corrects=first)
    for _ in range(2):
        consultations.record(reader, draft(started_at=now, therapies=("exercise-therapy",)))
    consultations.record(reader, draft(started_at=now - dt.timedelta(days=400), therapies=("self-care",)))

    month = today.strftime("%Y-%m")
    rows = [(r.month, r.slug, r.discussed, r.handed_out) for r in consultations.usage(reader, today=today)]
    assert rows == [(month, "exercise-therapy", 2, 1), (month, "nsaids", 1, 1)]
    assert consultations.usage(reader, today=today)[1].name.startswith("NSAIDs")
    older = consultations.usage(reader, months=15, today=today)
    assert [(r.slug, r.discussed) for r in older][0] == ("self-care", 1) and older[0].month < month
    next_year = dt.date(today.year + 2, 1, 1)
    assert consultations.usage(reader, today=next_year) == []
    with pytest.raises(ConsultationError, match="1 to 1200 months; 0 was given"):
        consultations.usage(reader, months=0)
    with pytest.raises(ConsultationError, match="1 to 1200 months; 1201 was given"):
        consultations.usage(reader, months=1201)


def test_csv_has_one_row_per_record_and_guards_formulas(prepared_location, reader, tmp_path):
    printed = handout(reader, tmp_path)
    first = consultations.record(reader, draft(notes='=HYPERLINK("http://evil.example")',
                                                                  therapies=("nsaids", "self-care"), rows=("cost",),
                                                                  handout_print_ids=(printed.record_id,)))
    second = consultations.record(reader, draft(clinician="@Dr B"), corrects=first)
    text = consultations.to_csv(consultations.list_consultations(reader, include_superseded=True))
    header, *rows = list(csv.reader(io.StringIO(text)))
    assert header == list(consultations.CSV_COLUMNS)
    by_id = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    assert by_id[str(first)]["notes"] == "'=HYPERLINK(\"http://evil.example\")"
    assert by_id[str(first)]["therapies"] == "nsaids; self-care" and by_id[str(first)]["rows"] == "cost"
    assert by_id[str(first)]["handout ids"] == str(printed.record_id)
    assert by_id[str(first)]["handout sha256s"] == printed.sha256
    assert by_id[str(first)]["corrected_by"] == str(second) and by_id[str(second)]["corrects"] == str(first)
    assert by_id[str(second)]["clinician"] == "'@Dr B" and by_id[str(second)]["notes"] == ""


def file_bytes(location) -> bytes:
    """The database file and its write-ahead log, as they are on disk."""
    paths = [location.sqlite_path, location.sqlite_path.with_name(location.sqlite_path.name + "-wal")]
    return b"".join(p.read_bytes() for p in paths if p.exists())


def test_a_purge_leaves_no_trace_of_the_label_or_notes_in_the_database_file(prepared_location, reader, tmp_path):
    """Patient label, visit notes, the patient's name, the handout's notes and next steps and a file
    name typed for the PDF: after a purge, none is in the file or its log, though another program (the
    window) has the database open and has read them; the handout still verifies and reprints."""
    from pypdf import PdfReader

    from clinic_app.services import handout_log
    from clinic_app.storage.reader import Reader

    keep_patient_names(prepared_location)
    printed = handout_jobs.produce(reader, HandoutRequest(
        therapies=("nsaids",), patient_name="Quentin Zyxwv", notes="Okapi-lantern-note: husband Piotr drives",
        next_steps="Quokka-harbour-step at the pool"), output=tmp_path / "xylophant-qz.pdf")
    consultations.record(reader, draft(patient_label="QZ-90210", notes="zebra-crossing-note",
                                       handout_print_ids=(printed.record_id,)))
    window = Reader(prepared_location.sqlite_path)  # the window, open on the same file, has read the log
    assert window.query("SELECT personal_notes FROM handout_print")[0][0].startswith("Okapi")
    tokens = (b"QZ-90210", b"zebra-crossing-note", b"Quentin Zyxwv", b"Okapi-lantern-note", b"Quokka-harbour-step",
              b"xylophant-qz")
    assert [t for t in tokens if t not in file_bytes(prepared_location)] == []

    tomorrow = dt.datetime.now(UTC).date() + dt.timedelta(days=1)
    expected = consultations.PurgeResult(1, 1, handout_names=1, handout_notes=1, file_names=1)
    assert consultations.purgeable(reader, tomorrow) == expected
    assert consultations.purge(Store.of(prepared_location), tomorrow) == expected
    data = file_bytes(prepared_location)
    assert [t for t in tokens if t in data] == []
    assert window.query("SELECT destination FROM handout_print")[0][0] == str(
        tmp_path.resolve() / handout_log.FILE_NAME_REMOVED)
    window.close()

    # The stored handout is the one handed out (same SHA-256), and prints again without the purged parts.
    again = handout_log.load_snapshot(reader, printed.record_id)
    assert again.sha256 == printed.sha256 and (again.notes, again.next_steps, again.patient_name) == ("", "", "")
    reprinted = handout_jobs.reprint(reader, printed.record_id, output=tmp_path / "again.pdf")
    assert reprinted.sha256 == printed.sha256
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(str(tmp_path / "again.pdf")).pages).split())
    assert "What you can do now" in text and f"REPRINT of handout #{printed.record_id}" in text
    for gone in ("Notes from your visit", "Your next steps", "Okapi", "Quokka", "Quentin", "purge"):
        assert gone not in text, gone
    assert sql(prepared_location, "SELECT personal_notes, personal_next_steps, patient_name FROM handout_print "
                                  "WHERE id = ?", (reprinted.record_id,)) == [(None, None, None)]


def test_a_purge_says_when_a_reader_kept_the_log_from_being_emptied(prepared_location, reader, tmp_path,
                                                                     monkeypatch):
    from clinic_app.storage import database

    monkeypatch.setattr(database, "BUSY_TIMEOUT_MS", 100)  # the purge waits this long for the reader
    handout_jobs.produce(reader, HandoutRequest(therapies=("nsaids",), notes="Okapi-lantern-note"),
                         output=tmp_path / "handout-nsaids.pdf")
    busy = sqlite3.connect(prepared_location.sqlite_path, isolation_level=None)
    busy.execute("BEGIN")
    busy.execute("SELECT personal_notes FROM handout_print").fetchall()  # a read still going on
    tomorrow = dt.datetime.now(UTC).date() + dt.timedelta(days=1)
    done = consultations.purge(Store.of(prepared_location), tomorrow)
    assert (done.handout_notes, done.file_names, done.log_emptied) == (1, 0, False)  # the app's own file name stays
    busy.execute("COMMIT")
    busy.close()
    assert consultations.purge(Store.of(prepared_location), tomorrow) == consultations.PurgeResult(0, 0)
    assert b"Okapi-lantern-note" not in file_bytes(prepared_location)
