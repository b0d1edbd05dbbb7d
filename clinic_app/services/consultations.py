"""Consultation records: what was discussed with a patient, and what they took home.

A record is written when a consultation ends and never changed: it holds the clinician, the
therapies discussed (in order), the comparison rows chosen, the visit notes, the handouts printed
(each with the SHA-256 of its stored copy) and the content versions shown. A correction is a new
record that names the one it corrects; each record can be corrected once, so the latest record of
a chain is the one that counts.

Patient labels are kept only when the clinic turned that on. A purge blanks labels and notes of
older records, and in the handout log the patient's name, the handout's notes and next steps and a
PDF's file name (unless the app chose it), keeping what was discussed and handed out for the counts;
every stored handout still matches its SHA-256.

Each record, and each purge, is an entry of the record chain (:mod:`clinic_app.storage.chain`),
written in the transaction that writes the record.
Times are stored in UTC; dates given to filters and to the purge are UTC calendar days, compared
with the time the consultation started. Reads use the stdlib :class:`Reader`; writes use the ORM.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from itertools import islice

from clinic_app.errors import ClinicAppError, NotFoundError, ServerUnreachableError
from clinic_app.services import handout_log
from clinic_app.services.comparison import check_rows
from clinic_app.services.comparison_export import _safe_csv
from clinic_app.services.handout_log import get_print, keeps_patient_names, load_snapshot
from clinic_app.services.library import check_known, therapy_slugs
from clinic_app.storage import chain
from clinic_app.storage.dialect import Sql
from clinic_app.storage.outbox import Outbox
from clinic_app.storage.reader import Reader
from clinic_app.storage.store import Store

MAX_CLINICIAN = 200
MAX_PATIENT_LABEL = 100
MAX_NOTES = 10_000
CSV_COLUMNS = ("id", "recorded_at", "started_at", "clinician", "patient_label", "therapies", "rows", "notes",
               "handout ids", "handout sha256s", "corrects", "corrected_by", "library_version")
LIST_HINT = "'clinic-app consultations list' lists them"


class ConsultationError(ClinicAppError):
    """A consultation that cannot be recorded, corrected or purged as asked; the message says why."""


@dataclass(frozen=True)
class ConsultationDraft:
    """What the clinician records when a consultation ends. A naive ``started_at`` is local time."""

    clinician: str = ""
    patient_label: str = ""
    therapies: tuple[str, ...] = ()
    rows: tuple[str, ...] = ()
    notes: str = ""
    started_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    handout_print_ids: tuple[int, ...] = ()
    handout_keys: tuple[str, ...] = ()  # handouts whose log record was held in this room's outbox, by key


@dataclass(frozen=True)
class ConsultationItem:
    id: int
    recorded_at: dt.datetime
    started_at: dt.datetime
    clinician: str
    patient_label: str | None
    therapies: tuple[str, ...]
    rows: tuple[str, ...]
    notes: str | None
    content_versions: dict
    library_version: str
    corrects: int | None
    purged_at: dt.datetime | None
    handouts: tuple[tuple[int, str], ...]  # (handout print id, SHA-256 recorded with the consultation)
    corrected_by: int | None

    def as_dict(self) -> dict:
        data = asdict(self)
        for key in ("recorded_at", "started_at", "purged_at"):
            data[key] = data[key].isoformat(timespec="seconds") if data[key] else None
        data["therapies"], data["rows"] = list(self.therapies), list(self.rows)
        data["handouts"] = [{"id": print_id, "sha256": digest} for print_id, digest in self.handouts]
        return data


@dataclass(frozen=True)
class PurgeResult:
    """What a purge removed (or, from :func:`purgeable`, would remove)."""

    consultations: int  # consultations whose patient label and notes were removed
    handouts: int  # handout records with anything removed (any of the three below)
    handout_names: int = 0  # ... the patient's name
    handout_notes: int = 0  # ... the notes or next steps typed for the patient
    file_names: int = 0  # ... the file name of the PDF (its folder is kept)
    # Handouts recorded before notes and next steps were kept apart, whose stored document still
    # holds them: no purge can take them out without breaking the document's SHA-256.
    kept_in_documents: int = 0
    log_emptied: bool = True  # False: another program was reading, and the write-ahead log could not be emptied


@dataclass(frozen=True)
class UsageRow:
    month: str  # YYYY-MM
    slug: str
    name: str
    discussed: int
    handed_out: int


def _text(value: str | None, label: str, limit: int) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        raise ConsultationError(f"the {label} is {len(value)} characters long; the limit is {limit}")
    return value


def _check_therapies(reader: Reader, slugs: Iterable[str]) -> list[str]:
    wanted = list(dict.fromkeys(slugs))
    if not wanted:
        raise ConsultationError(f"choose at least one therapy discussed; known therapies: "
                                f"{', '.join(therapy_slugs(reader))}")
    return check_known(reader, wanted)


def latest_in_chain(reader: Reader, consultation_id: int) -> int:
    """The newest record in the chain of corrections starting at ``consultation_id``."""
    while rows := reader.query("SELECT id FROM consultation WHERE corrects = ?", (consultation_id,)):
        consultation_id = rows[0][0]
    return consultation_id


def _check_corrects(reader: Reader, corrects: int) -> None:
    if not reader.query("SELECT 1 FROM consultation WHERE id = ?", (corrects,)):
        raise NotFoundError(f"no consultation with id {corrects} to correct; {LIST_HINT}")
    latest = latest_in_chain(reader, corrects)
    if latest != corrects:
        raise ConsultationError(f"consultation #{corrects} has already been corrected; the latest record is "
                                f"#{latest}, correct that one instead")


@dataclass(frozen=True)
class Recorded:
    """A consultation's record: on the server (``id``), or held in this room's outbox (``id``
    None) while the server cannot be reached, to be delivered with its ``key`` when it is back."""

    id: int | None
    key: str

    @property
    def held(self) -> bool:
        return self.id is None


class _WaitsForHeld(Exception):
    """A handout the consultation gave is still held in this room's outbox: the consultation is held after it."""


def record(store: Store, draft: ConsultationDraft, corrects: int | None = None) -> int | None:
    """Store one consultation (or a correction of record ``corrects``); returns its id, or None
    when it was held in this room's outbox (see :func:`save`). Nothing is written when a field,
    therapy, row, handout or the record to correct is refused."""
    return save(store, draft, corrects).id


def save(store: Store, draft: ConsultationDraft, corrects: int | None = None) -> Recorded:
    """Store one consultation, as :func:`record`. On a clinic's server that cannot be reached (or
    while a handout the consultation gave is still held in this room), the consultation is held in
    this room's outbox with its key, and checked and written when it is delivered."""
    clinician = _text(draft.clinician, "clinician name", MAX_CLINICIAN)
    _text(draft.patient_label, "patient label", MAX_PATIENT_LABEL)
    _text(draft.notes, "visit notes", MAX_NOTES)
    key = str(uuid.uuid4())
    recorded_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    try:
        return Recorded(_write(store, draft, corrects, key, recorded_at), key)
    except (ServerUnreachableError, _WaitsForHeld):
        if not store.location.is_server:
            raise
    payload = {"clinician": clinician, "patient_label": draft.patient_label, "therapies": list(draft.therapies),
               "rows": list(draft.rows), "notes": draft.notes, "started_at": draft.started_at.astimezone(dt.UTC).isoformat(),
               "handout_print_ids": list(draft.handout_print_ids), "handout_keys": list(draft.handout_keys),
               "corrects": corrects, "recorded_at": recorded_at.isoformat()}
    payload.update(_versions_shown(store, draft.therapies))
    Outbox.of(store.location).hold(key, "consultation", payload)
    return Recorded(None, key)


def _versions_shown(store: Store, therapies: tuple[str, ...]) -> dict:
    """The content version of each therapy as the room read it when the consultation was held (from
    its copy of the library while the server was away), so the record names what was discussed,
    not what the server holds when it is delivered; nothing when the room could read neither."""
    slugs = list(dict.fromkeys(therapies))
    try:
        found = dict(store.query(f"SELECT slug, content_version FROM therapy WHERE slug IN ({','.join('?' * len(slugs))})",
                                 tuple(slugs))) if slugs else {}
        library_version = store.meta().get("library_version", "")
    except ClinicAppError:
        return {}
    return {"content_versions": found, "library_version": library_version}


def deliver_held(store: Store, key: str, payload: dict) -> int:
    """Check and write a consultation held in the outbox (as :func:`save` held it) with its key;
    returns its id (the one already there when it was delivered before)."""
    draft = ConsultationDraft(
        clinician=payload["clinician"], patient_label=payload["patient_label"], therapies=tuple(payload["therapies"]),
        rows=tuple(payload["rows"]), notes=payload["notes"], started_at=dt.datetime.fromisoformat(payload["started_at"]),
        handout_print_ids=tuple(payload["handout_print_ids"]), handout_keys=tuple(payload["handout_keys"]))
    there = store.query("SELECT id FROM consultation WHERE record_key = ?", (key,))
    if there:
        return there[0][0]
    try:
        return _write(store, draft, payload["corrects"], key, dt.datetime.fromisoformat(payload["recorded_at"]),
                      shown=(payload.get("content_versions") or {}, payload.get("library_version", "")))
    except _WaitsForHeld as exc:
        raise ConsultationError(f"a handout this consultation gave (key {exc}) is neither on the server nor held "
                                "in this room") from exc


def _handouts(store: Store, draft: ConsultationDraft) -> list[tuple[int, str]]:
    """(handout id, SHA-256) of each handout the consultation gave, those held by key found on the server."""
    handouts = [(print_id, get_print(store, print_id).sha256) for print_id in dict.fromkeys(draft.handout_print_ids)]
    keys = list(dict.fromkeys(draft.handout_keys))
    if keys:
        found = {row[0]: (row[1], row[2]) for row in store.query(
            f"SELECT record_key, id, sha256 FROM handout_print WHERE record_key IN ({','.join('?' * len(keys))})",
            tuple(keys))}
        missing = [k for k in keys if k not in found]
        if missing:
            raise _WaitsForHeld(missing[0])
        handouts += [found[k] for k in keys if found[k][0] not in dict(handouts)]
    return handouts


def _write(store: Store, draft: ConsultationDraft, corrects: int | None, key: str, recorded_at: dt.datetime,
           shown: tuple[dict, str] = ({}, "")) -> int:
    """Write one consultation; ``shown``: the content versions and library version the room read
    when it held the consultation (they win over the server's for the therapies they name)."""
    from sqlalchemy import select
    from sqlalchemy.exc import IntegrityError

    from clinic_app.storage.models import Consultation, ConsultationHandout

    clinician = _text(draft.clinician, "clinician name", MAX_CLINICIAN)
    label = _text(draft.patient_label, "patient label", MAX_PATIENT_LABEL)
    notes = _text(draft.notes, "visit notes", MAX_NOTES)
    slugs = _check_therapies(store, draft.therapies)
    rows = check_rows(store, draft.rows) if draft.rows else []
    handouts = _handouts(store, draft)
    if corrects is not None:
        _check_corrects(store, corrects)
    marks = ",".join("?" * len(slugs))
    versions = dict(store.query(f"SELECT slug, content_version FROM therapy WHERE slug IN ({marks})", tuple(slugs)))
    versions.update({slug: version for slug, version in shown[0].items() if slug in versions})
    library_version = shown[1] or store.meta().get("library_version", "")
    keep_label = keeps_patient_names(store)
    try:
        with store.write() as session:
            there = session.execute(select(Consultation.id).where(Consultation.record_key == key)).scalar()
            if there is not None:  # delivered before (a delivery cut short after the server committed)
                return there
            row = Consultation(
                started_at=draft.started_at.astimezone(dt.UTC).replace(tzinfo=None), clinician=clinician,
                patient_label=(label or None) if keep_label else None, therapies=slugs, rows=rows,
                notes=notes or None, content_versions={s: versions[s] for s in slugs},
                library_version=library_version, corrects=corrects, record_key=key, recorded_at=recorded_at,
            )
            session.add(row)
            session.flush()
            session.add_all(ConsultationHandout(consultation_id=row.id, handout_print_id=print_id, sha256=digest)
                            for print_id, digest in handouts)
            session.flush()
            chain.append_consultation(session.connection(), row.id)  # in the same transaction: both or neither
            return row.id
    except IntegrityError as exc:
        if corrects is None:
            raise
        raise ConsultationError(f"consultation #{corrects} was corrected by another record just now; "
                                f"{LIST_HINT}") from exc


def _select(sql: Sql) -> str:
    return (
        "SELECT c.*, (SELECT n.id FROM consultation n WHERE n.corrects = c.id) AS corrected_by, "
        f"(SELECT {sql.json_rows('h.handout_print_id, h.sha256', 'h.handout_print_id')} FROM (SELECT * "
        "FROM consultation_handout WHERE consultation_id = c.id ORDER BY handout_print_id) h) AS handouts "
        "FROM consultation c"
    )


def _when(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def _item(row) -> ConsultationItem:  # noqa: ANN001
    return ConsultationItem(
        id=row["id"], recorded_at=_when(row["recorded_at"]), started_at=_when(row["started_at"]),
        clinician=row["clinician"], patient_label=row["patient_label"], therapies=tuple(json.loads(row["therapies"])),
        rows=tuple(json.loads(row["rows"])), notes=row["notes"], content_versions=json.loads(row["content_versions"]),
        library_version=row["library_version"], corrects=row["corrects"], purged_at=_when(row["purged_at"]),
        handouts=tuple((print_id, digest) for print_id, digest in json.loads(row["handouts"])),
        corrected_by=row["corrected_by"],
    )


def get(reader: Reader, consultation_id: int) -> ConsultationItem:
    rows = reader.query(f"{_select(reader.sql)} WHERE c.id = ?", (consultation_id,))
    if not rows:
        raise NotFoundError(f"no consultation with id {consultation_id}; {LIST_HINT}")
    return _item(rows[0])


def _day(value: dt.date) -> str:
    """A date as the stored form of its first moment, so it compares with stored times as text."""
    return f"{value.isoformat()} 00:00:00"


def list_consultations(reader: Reader, since: dt.date | None = None, until: dt.date | None = None,
                       clinician: str | None = None, therapy: str | None = None, include_superseded: bool = False,
                       limit: int | None = 1000) -> list[ConsultationItem]:
    """Consultations newest first, by the day they started (``until`` included); the clinician
    matches any part of the name, ignoring case; the therapy is a slug that was discussed.
    Records that a correction replaced are left out unless ``include_superseded``."""
    where, params = ["1 = 1"], []
    if since is not None:
        where.append("c.started_at >= ?")
        params.append(_day(since))
    if until is not None and until < dt.date.max:  # nothing is stored after the calendar's last day
        where.append("c.started_at < ?")
        params.append(_day(until + dt.timedelta(days=1)))
    if therapy:
        where.append(f"EXISTS (SELECT 1 FROM {reader.sql.json_values('c.therapies', 'j')} WHERE j.value = ?)")
        params.append(therapy.strip())
    if not include_superseded:
        where.append("NOT EXISTS (SELECT 1 FROM consultation n WHERE n.corrects = c.id)")
    wanted = (clinician or "").strip().casefold()
    rows = reader.query(f"{_select(reader.sql)} WHERE {' AND '.join(where)} ORDER BY c.started_at DESC, c.id DESC", tuple(params))
    items = (_item(r) for r in rows if wanted in r["clinician"].casefold())
    return list(islice(items, limit))


def verify_handouts(reader: Reader, consultation_id: int) -> list[tuple[int, bool, str]]:
    """For each handout of the consultation: is its stored copy the one that was handed out?"""
    results = []
    for print_id, digest in get(reader, consultation_id).handouts:
        try:
            if get_print(reader, print_id).sha256 != digest:
                raise ConsultationError(f"handout #{print_id}: its log record no longer has the SHA-256 recorded with "
                                        f"consultation #{consultation_id}; it will not be reprinted")
            load_snapshot(reader, print_id)
        except ClinicAppError as exc:
            results.append((print_id, False, exc.message))
        else:
            results.append((print_id, True, f"handout #{print_id}: SHA-256 {digest[:12]} verified"))
    return results


_PURGE_CONSULTATIONS = "started_at < ? AND purged_at IS NULL"
_HANDOUTS_BEFORE = ("SELECT id, kind, destination, therapies, options, patient_name IS NOT NULL, "
                    "personal_notes IS NOT NULL OR personal_next_steps IS NOT NULL FROM handout_print "
                    "WHERE printed_at < ? ORDER BY id")


@dataclass(frozen=True)
class _HandoutChange:
    id: int
    destination: str  # what the purge keeps of it
    name: bool
    notes: bool
    file_name: bool


def _json(value: object) -> object:
    """A JSON column's value, from its text (SQLite) or as the server's driver already read it."""
    return json.loads(value) if isinstance(value, str | bytes) else value


def _handout_changes(rows: Iterable) -> list[_HandoutChange]:
    """From rows of :data:`_HANDOUTS_BEFORE`: the handout records a purge changes, and how."""
    changes = []
    for print_id, kind, destination, therapies, options, name, notes in rows:
        kept = handout_log.purged_destination(kind, destination, _json(therapies), bool(_json(options).get("one_page")))
        if name or notes or kept != destination:
            changes.append(_HandoutChange(print_id, kept, bool(name), bool(notes), kept != destination))
    return changes


def _result(consultations: int, changes: list[_HandoutChange], kept_in_documents: int,
            log_emptied: bool = True) -> PurgeResult:
    return PurgeResult(consultations, len(changes), sum(c.name for c in changes), sum(c.notes for c in changes),
                       sum(c.file_name for c in changes), kept_in_documents, log_emptied)


def _kept_in_documents(reader: Reader, before: dt.date) -> int:
    return sum(1 for _ in handout_log.with_personal_text(reader, _day(before)))


def purgeable(reader: Reader, before: dt.date) -> PurgeResult:
    """How many records :func:`purge` would change, and how, without changing anything."""
    consultations = reader.query(f"SELECT COUNT(*) FROM consultation WHERE {_PURGE_CONSULTATIONS}", (_day(before),))
    changes = _handout_changes(tuple(row) for row in reader.query(_HANDOUTS_BEFORE, (_day(before),)))
    return _result(consultations[0][0], changes, _kept_in_documents(reader, before))


def purge(store: Store, before: dt.date) -> PurgeResult:
    """Blank patient labels and notes of consultations started before ``before``; of handouts
    printed before it, blank the patient's name, notes and next steps and take a PDF's file name
    out of its destination (see :func:`handout_log.purged_destination`). What was discussed and
    handed out stays, for the counts, and every stored handout still matches its SHA-256. The text
    is overwritten in the database file and the write-ahead log is emptied, unless another program
    is reading just then (``log_emptied`` says)."""
    from clinic_app.storage.database import outside_transaction, vacuum_on_server
    from clinic_app.storage.dialect import driver_sql
    from clinic_app.storage.models import _utcnow

    server = store.location.is_server
    kept_in_documents = _kept_in_documents(store, before)  # only read: these documents never change
    with store.write() as session:
        run = driver_sql(session.connection())
        if not server:
            run("PRAGMA secure_delete = ON")  # the old text is overwritten in the file, not just unlinked
        now = _utcnow().isoformat(sep=" ")
        consultations = run("UPDATE consultation SET patient_label = NULL, notes = NULL, purged_at = ? "
                            f"WHERE {_PURGE_CONSULTATIONS}", (now, _day(before)))
        changes = _handout_changes(run(_HANDOUTS_BEFORE, (_day(before),)).fetchall())
        if changes:
            run("UPDATE handout_print SET patient_name = NULL, personal_notes = NULL, personal_next_steps = NULL, "
                "destination = ? WHERE id = ?", [(c.destination, c.id) for c in changes])
        result = _result(consultations.rowcount, changes, kept_in_documents)
        chain.append_purge(session.connection(), before.isoformat(), now, asdict(result))  # the purge is a record too
    if server:  # the old row versions are cleared from the tables' pages
        return replace(result, log_emptied=vacuum_on_server(store.database(), ("consultation", "handout_print")))
    with store.database().engine.connect() as connection:  # and the write-ahead log holding the old pages is emptied
        busy = outside_transaction(connection, "PRAGMA wal_checkpoint(TRUNCATE)")[0][0]
    return replace(result, log_emptied=not busy)


MAX_USAGE_MONTHS = 1200  # a century: more than any clinic has records for, and always a real calendar month


def usage(reader: Reader, months: int = 12, today: dt.date | None = None) -> list[UsageRow]:
    """Per month (the last ``months``, this one included) and therapy: how many consultations
    discussed it (a corrected record counts once, as its latest correction) and how many handouts
    covered it (reprints not counted)."""
    if not 1 <= months <= MAX_USAGE_MONTHS:
        raise ConsultationError(f"the usage summary covers 1 to {MAX_USAGE_MONTHS} months; {months} was given")
    today = today or dt.datetime.now(dt.UTC).date()
    first = today.year * 12 + today.month - months  # months since year 0, of the first month shown
    start = dt.date(first // 12, first % 12 + 1, 1)
    end = dt.date(today.year + today.month // 12, today.month % 12 + 1, 1)
    bounds = (_day(start), _day(end))
    counts: dict[tuple[str, str], list[int]] = {}
    said = reader.sql
    for column, sql in enumerate((
        f"SELECT {said.month('c.started_at')}, j.value, COUNT(*) FROM consultation c, "
        f"{said.json_values('c.therapies', 'j')} WHERE c.started_at >= ? AND c.started_at < ? AND NOT EXISTS "
        "(SELECT 1 FROM consultation n WHERE n.corrects = c.id) GROUP BY 1, 2",
        f"SELECT {said.month('p.printed_at')}, j.value, COUNT(*) FROM handout_print p, "
        f"{said.json_values('p.therapies', 'j')} WHERE p.printed_at >= ? AND p.printed_at < ? "
        "AND p.reprint_of IS NULL GROUP BY 1, 2",
    )):
        for month, slug, count in reader.query(sql, bounds):
            counts.setdefault((month, slug), [0, 0])[column] = count
    names = dict(reader.query("SELECT slug, name FROM therapy"))
    rows = [UsageRow(month, slug, names.get(slug, slug), discussed, handed_out)
            for (month, slug), (discussed, handed_out) in counts.items()]
    return sorted(rows, key=lambda r: (r.month, -r.discussed, -r.handed_out, r.slug))


def to_csv(items: Iterable[ConsultationItem]) -> str:
    def when(value: dt.datetime | None) -> str:
        return value.isoformat(timespec="seconds") if value else ""

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for i in items:
        cells = (i.id, when(i.recorded_at), when(i.started_at), i.clinician, i.patient_label, "; ".join(i.therapies),
                 "; ".join(i.rows), i.notes, "; ".join(str(p) for p, _ in i.handouts), "; ".join(d for _, d in i.handouts),
                 i.corrects, i.corrected_by, i.library_version)
        writer.writerow([_safe_csv("" if cell is None else str(cell)) for cell in cells])
    return out.getvalue()
