"""The record of every handout printed or exported, with the exact document kept.

Each record holds a zlib-compressed snapshot of the document source (HTML, page header and
footer, paper, the logo used) and the SHA-256 of that source. A reprint reads the snapshot back,
checks its hash, and prints it again marked as a reprint, even if the library has changed since.

What is personal to the patient is kept beside the snapshot, not in it: the name (only when the
clinic turned that on), the visit's notes and the next steps. A privacy purge blanks those columns
and takes the file name out of a PDF's destination; the snapshot and its SHA-256 never change, so
a purged handout still verifies and reprints, without those parts. Handouts recorded before the
notes and next steps were kept apart hold them inside the snapshot, where a purge cannot reach
them without breaking the hash: :func:`holds_personal_text` finds them, so a purge can say so.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import re
import uuid
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, replace

from clinic_app.errors import DatabaseError, NotFoundError, ServerUnreachableError
from clinic_app.services.handouts import Handout, HandoutDocument, without_personal_parts
from clinic_app.storage import chain
from clinic_app.storage.outbox import Outbox
from clinic_app.storage.reader import Reader
from clinic_app.storage.store import Store


@dataclass(frozen=True)
class HandoutPrintItem:
    id: int
    printed_at: dt.datetime
    kind: str
    destination: str
    therapies: tuple[str, ...]
    content_versions: dict
    library_version: str
    paper: str
    options: dict
    patient_name: str | None
    clinician: str
    sha256: str
    reprint_of: int | None


def snapshot(doc: HandoutDocument) -> tuple[bytes, str]:
    """The compressed document source and its SHA-256."""
    return zlib.compress(doc.source_bytes(), 9), doc.sha256


def keeps_patient_names(reader: Reader) -> bool:
    rows = reader.query("SELECT keep_patient_names FROM clinic_profile ORDER BY id LIMIT 1")
    return bool(rows and rows[0][0])


@dataclass(frozen=True)
class Logged:
    """A handout's log record: on the server (``id``), or held in this room's outbox (``id`` None)
    while the server cannot be reached, to be delivered with its ``key`` when it is back."""

    id: int | None
    key: str

    @property
    def held(self) -> bool:
        return self.id is None

    def said(self) -> str:
        return f"#{self.id}" if self.id is not None else "a record held in this room until the server is back"


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _write(store: Store, key: str, fields: dict) -> int:
    """One record with ``key`` and its entry in the record chain, committed together when this
    returns; a record already there with that key (delivered before) is not written again. Anything
    the database refuses (a text it cannot store, a broken rule) is a :class:`DatabaseError` naming
    the database; nothing is kept then."""
    from sqlalchemy import select
    from sqlalchemy.exc import SQLAlchemyError

    from clinic_app.storage.models import HandoutPrint

    try:
        with store.write() as session:
            there = session.execute(select(HandoutPrint.id).where(HandoutPrint.record_key == key)).scalar()
            if there is not None:
                return there
            row = HandoutPrint(record_key=key, **fields)
            session.add(row)
            session.flush()
            chain.append_handout(session.connection(), row.id)  # in the same transaction: both or neither
            return row.id
    except (SQLAlchemyError, UnicodeError) as exc:
        reason = getattr(exc, "orig", None) or exc
        where = store.path or store.location.shown_url
        raise DatabaseError(f"the database {where} refused the handout log record ({reason})") from exc


def _insert(store: Store, decide_name: bool = False, **fields) -> Logged:
    """Write the record, or, when the clinic's server cannot be reached, hold it in this room's
    outbox (the handout is never left out of the log): ``decide_name`` keeps the patient's name
    until delivery, where the clinic's setting decides."""
    key = str(uuid.uuid4())
    fields.setdefault("printed_at", _utcnow())
    if not decide_name:  # else the server was out of reach a moment ago: held at once
        try:
            return Logged(_write(store, key, fields), key)
        except ServerUnreachableError:
            if not store.location.is_server:
                raise
    Outbox.of(store.location).hold(key, "handout", dict(_payload(fields), decide_name=decide_name))
    return Logged(None, key)


def _payload(fields: dict) -> dict:
    payload = dict(fields, snapshot=base64.b64encode(fields["snapshot"]).decode("ascii"))
    payload["printed_at"] = fields["printed_at"].isoformat()
    return payload


def deliver_held(store: Store, key: str, payload: dict) -> int:
    """Write a record held in the outbox (as :func:`_insert` held it) with its key; returns its id
    (the one already there when it was delivered before)."""
    fields = dict(payload)
    decide_name = fields.pop("decide_name", False)
    fields["snapshot"] = base64.b64decode(fields["snapshot"])
    fields["printed_at"] = dt.datetime.fromisoformat(fields["printed_at"])
    if decide_name and not keeps_patient_names(store):
        fields["patient_name"] = None
    return _write(store, key, fields)


def log(store: Store, handout: Handout, doc: HandoutDocument, kind: str, destination: str,
        keep_patient_name: bool | None = False) -> Logged:
    """Store one print/export (``keep_patient_name`` None: as the clinic's profile says)."""
    blob, digest = snapshot(doc)
    request = handout.request
    options = {"include_comparison": request.include_comparison, "comparison_rows": list(request.comparison_rows),
               "large_print": request.large_print, "follow_up": request.follow_up.isoformat() if request.follow_up else None,
               "date": request.date.isoformat(), "has_notes": bool(request.notes.strip())}
    if request.one_page:
        options.update(one_page=True, body_pt=doc.body_pt, landscape=doc.landscape)
    if handout.alternatives:
        options["alternatives"] = [a.slug for a in handout.alternatives]
    revisions = {t.slug: t.clinic_revision for t in handout.therapies if t.clinic_revision}
    if revisions:  # which revision of the clinic's own fields (cost, contact) each therapy printed
        options["clinic_field_revisions"] = revisions
    if request.alternatives_left_out.strip():  # the doctor left the standard options out, and why
        options["alternatives_left_out"] = request.alternatives_left_out.strip()
    decide_name = False
    if keep_patient_name is None:
        try:
            keep_patient_name = keeps_patient_names(store)
        except ServerUnreachableError:
            if not store.location.is_server:
                raise
            keep_patient_name = decide_name = True
    return _insert(
        store, decide_name=decide_name, kind=kind, destination=destination,
        therapies=[t.slug for t in handout.therapies], content_versions=handout.content_versions,
        library_version=handout.library_version, paper=request.paper, options=options,
        patient_name=(request.patient_name.strip() or None) if keep_patient_name else None,
        clinician=request.clinician, snapshot=blob, sha256=digest, reprint_of=None, **_personal(doc),
    )


def record(store: Store, handout: Handout, doc: HandoutDocument, kind: str, destination: str,
           keep_patient_name: bool | None = False) -> int | None:
    """Store one print/export; returns its id (None: held in this room's outbox, see :func:`log`)."""
    return log(store, handout, doc, kind, destination, keep_patient_name).id


def _personal(doc: HandoutDocument) -> dict[str, str | None]:
    """The personal parts of ``doc`` as stored beside its snapshot (None: there is none)."""
    return {"personal_notes": doc.notes if doc.notes.strip() else None,
            "personal_next_steps": doc.next_steps if doc.next_steps.strip() else None}


def record_reprint(store: Store, item: HandoutPrintItem, original: HandoutDocument, kind: str,
                   destination: str) -> int | None:
    """A reprint's record id (None: held in this room's outbox, see :func:`log_reprint`)."""
    return log_reprint(store, item, original, kind, destination).id


def log_reprint(store: Store, item: HandoutPrintItem, original: HandoutDocument, kind: str,
                destination: str) -> Logged:
    """A reprint is its own record, pointing at the original and holding the same document."""
    blob, digest = snapshot(original)
    return _insert(
        store, kind=kind, destination=destination, therapies=list(item.therapies),
        content_versions=item.content_versions, library_version=item.library_version, paper=item.paper,
        options=dict(item.options, reprint=True), patient_name=item.patient_name, clinician=item.clinician,
        snapshot=blob, sha256=digest, reprint_of=item.id, **_personal(original),
    )


def _item(row) -> HandoutPrintItem:  # noqa: ANN001
    return HandoutPrintItem(
        id=row["id"], printed_at=dt.datetime.fromisoformat(row["printed_at"]), kind=row["kind"],
        destination=row["destination"], therapies=tuple(json.loads(row["therapies"])),
        content_versions=json.loads(row["content_versions"]), library_version=row["library_version"],
        paper=row["paper"], options=json.loads(row["options"]), patient_name=row["patient_name"],
        clinician=row["clinician"], sha256=row["sha256"], reprint_of=row["reprint_of"],
    )


_COLUMNS = ("id, printed_at, kind, destination, therapies, content_versions, library_version, paper, options, "
            "patient_name, clinician, sha256, reprint_of")


def list_prints(reader: Reader, limit: int = 200) -> list[HandoutPrintItem]:
    rows = reader.query(f"SELECT {_COLUMNS} FROM handout_print ORDER BY id DESC LIMIT ?", (limit,))
    return [_item(r) for r in rows]


def get_print(reader: Reader, print_id: int) -> HandoutPrintItem:
    rows = reader.query(f"SELECT {_COLUMNS} FROM handout_print WHERE id = ?", (print_id,))
    if not rows:
        raise NotFoundError(f"no handout with id {print_id}; 'clinic-app handout log' lists them")
    return _item(rows[0])


def load_snapshot(reader: Reader, print_id: int) -> HandoutDocument:
    """The exact document of record ``print_id``, its SHA-256 checked."""
    rows = reader.query("SELECT snapshot, sha256, patient_name, personal_notes, personal_next_steps FROM handout_print "
                        "WHERE id = ?", (print_id,))
    if not rows:
        raise NotFoundError(f"no handout with id {print_id}; 'clinic-app handout log' lists them")
    try:
        payload = zlib.decompress(rows[0]["snapshot"])
    except zlib.error as exc:
        raise DatabaseError(f"the stored copy of handout {print_id} is damaged ({exc}); it cannot be reprinted") from exc
    if hashlib.sha256(payload).hexdigest() != rows[0]["sha256"]:
        raise DatabaseError(f"the stored copy of handout {print_id} does not match its SHA-256; it will not be reprinted")
    data = json.loads(payload)
    return HandoutDocument(html=data["html"], title=data["title"], header=data["header"], footer=data["footer"],
                           body_pt=data["body_pt"], paper=data["paper"],
                           logo=base64.b64decode(data["logo"]) if data["logo"] else None,
                           patient_name=rows[0]["patient_name"] or "", landscape=bool(data.get("landscape")),
                           margin_mm=data.get("margin_mm"), notes=rows[0]["personal_notes"] or "",
                           next_steps=rows[0]["personal_next_steps"] or "")


def as_reprint(doc: HandoutDocument, item: HandoutPrintItem) -> HandoutDocument:
    """The same document, its page header marked as a reprint of ``item``."""
    when = item.printed_at.strftime("%d %b %Y %H:%M")
    mark = f"REPRINT of handout #{item.id} ({when})"
    return replace(doc, header=f"{mark}  ·  {doc.header}" if doc.header else mark)


# What a purge leaves of a PDF's destination whose file name is not one the app made up itself.
# The database's rule for the purge (migration 0007) allows only this change to a destination.
FILE_NAME_REMOVED = "(file name removed by a purge)"
_CONSULTATION_REPRINT = re.compile(r"consultation-\d+-handout-\d+\.pdf")


def default_file_name(name: str, therapies: tuple[str, ...] | list[str], one_page: bool) -> bool:
    """Is ``name`` a file name the app offers itself for a handout of ``therapies``: the handout
    window's (``handout-nsaids-self-care.pdf``, ``one-page-...pdf``: up to three therapies) or a
    consultation reprint's (``consultation-12-handout-34.pdf``)? Such a name says nothing about the
    patient; any other name may."""
    stem = ("one-page-" if one_page else "handout-") + "-".join(list(therapies)[:3])
    return name == f"{stem}.pdf" or bool(_CONSULTATION_REPRINT.fullmatch(name))


def purged_destination(kind: str, destination: str, therapies: tuple[str, ...] | list[str],
                       one_page: bool = False) -> str:
    """What a purge keeps of a record's destination: a printer's name, a PDF's path when its file
    name is one the app made up, and otherwise the PDF's folder with :data:`FILE_NAME_REMOVED`."""
    if kind != "pdf":
        return destination
    folder, name = os.path.split(destination)
    if name == FILE_NAME_REMOVED or default_file_name(name, therapies, one_page):
        return destination
    return os.path.join(folder, FILE_NAME_REMOVED) if folder else FILE_NAME_REMOVED


# How a notes or next-steps part looks in the document source when its text is written into it
# (the handout template's heading of each part), as it was before they were kept apart.
_INLINE_PERSONAL = ('<a name="keep-next-notes">', "<b>Your next steps</b>")


def holds_personal_text(html: str, options: dict) -> bool:
    """Does the document source ``html`` hold notes or next steps written into it (a handout
    recorded before they were kept apart), which no purge can take out without breaking its hash?"""
    inline = without_personal_parts(html)
    if any(mark in inline for mark in _INLINE_PERSONAL):
        return True
    # Notes were typed (the log says so), the document prints them (not the one-page grid), and it
    # has no part to fill them into: they are in it, whatever their heading looked like then.
    return bool(options.get("has_notes")) and not options.get("one_page") and inline == html


def with_personal_text(reader: Reader, before: str, batch: int = 100) -> Iterator[int]:
    """The ids of handouts printed before ``before`` (a stored time) whose stored document holds
    notes or next steps of its own (see :func:`holds_personal_text`); read a few snapshots at a time."""
    last = 0
    while rows := reader.query("SELECT id, snapshot, options FROM handout_print WHERE printed_at < ? AND id > ? "
                               "ORDER BY id LIMIT ?", (before, last, batch)):
        for row in rows:
            try:
                html = json.loads(zlib.decompress(row["snapshot"])).get("html", "")
            except (zlib.error, ValueError, AttributeError):
                html = ""  # a damaged copy: it is reported when it is reprinted or checked
            if holds_personal_text(html, json.loads(row["options"])):
                yield row["id"]
        last = rows[-1]["id"]
