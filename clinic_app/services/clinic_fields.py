"""The clinic's own fields beside a therapy's shipped text, with a revision for every change.

A clinic writes four things itself for a therapy (:data:`FIELDS`): what it costs here and what
insurance covers (``cost``), whether the clinic offers it (``offered``), local protocol notes for
clinicians (``protocol``) and whom patients contact about it here (``contact``). The shipped text is
never changed: the clinic's text stands beside it, and where it is set the comparison's cost row
and the handout print the clinic's words instead of the generic ones.

    set_field(store, "yoga", "cost", "Classes cost $15 each.", by="Dr Lee", why="new class fees")
    fields_for(store, "yoga")              # {"cost": "Classes cost $15 each."}
    history(store, "yoga")                 # every change, newest first
    revert(store, revision_id, by="Dr Lee", why="fees were not changed after all")

Every change names the clinician and a reason and is kept as a revision (before and after) in the
same transaction as the change; revisions are never changed or deleted. An empty value clears the
field, which is a revision too.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass

from clinic_app.content import readability
from clinic_app.errors import ClinicAppError, DatabaseError, NotFoundError
from clinic_app.services.library import check_known
from clinic_app.storage.reader import Reader
from clinic_app.storage.store import Store

MAX_CHARS = 600
OFFERED_VALUES = ("yes", "no")


@dataclass(frozen=True)
class FieldInfo:
    key: str
    label: str
    patient_facing: bool


FIELDS: dict[str, FieldInfo] = {info.key: info for info in (
    FieldInfo("cost", "cost and coverage", True),
    FieldInfo("offered", "offered here", False),
    FieldInfo("protocol", "local protocol notes", False),
    FieldInfo("contact", "contact for this service", True),
)}

# Words that stand for text still to be written, never for the text itself.
_PLACEHOLDER = re.compile(r"\b(todo|tbd|tbc|fixme|xxx+|lorem ipsum|placeholder|add here|fill in|insert here)\b"
                          r"|\[[^\]]*\]", re.IGNORECASE)


class ClinicFieldError(ClinicAppError):
    """A clinic field that cannot be stored; the message names the field and the value."""


@dataclass(frozen=True)
class FieldValue:
    key: str
    label: str
    value: str
    updated_at: dt.datetime
    updated_by: str


@dataclass(frozen=True)
class Revision:
    id: int
    therapy: str
    key: str
    before: str
    after: str
    changed_at: dt.datetime
    changed_by: str
    reason: str
    reverts: int | None = None

    @property
    def label(self) -> str:
        return FIELDS[self.key].label if self.key in FIELDS else self.key


def _quoted(value: str, limit: int = 60) -> str:
    value = " ".join(value.split())
    return repr(value if len(value) <= limit else value[: limit - 1].rstrip() + "\u2026")


def check_value(slug: str, key: str, value: str) -> str:
    """``value`` as it will be stored (trimmed; ``offered`` in lower case), or the error naming the
    field, the value and what is wrong. An empty value (clearing the field) is always allowed."""
    if key not in FIELDS:
        raise NotFoundError(f"unknown clinic field {key!r}; clinic fields: {', '.join(FIELDS)}")
    info = FIELDS[key]
    value = (value or "").strip()
    if not value:
        return ""
    where = f"{info.label} ({key}) for {slug}"
    if len(value) > MAX_CHARS:
        raise ClinicFieldError(f"the {where} is {len(value)} characters long; the most is {MAX_CHARS}")
    if key == "offered":
        if value.lower() not in OFFERED_VALUES:
            raise ClinicFieldError(f"the {where} must be 'yes' or 'no', not {_quoted(value)}")
        return value.lower()
    found = _PLACEHOLDER.search(value)
    if found:
        raise ClinicFieldError(f"the {where} {_quoted(value)} holds {found.group(0).strip()!r}, which stands for "
                               "text still to be written; write the text itself, or leave the field empty")
    if info.patient_facing:
        report = readability.measure(value)
        if not report.passes:
            raise ClinicFieldError(
                f"the {where} {_quoted(value)} reads at US grade {report.grade:.1f}; patients' text must be grade "
                f"{report.limit:.0f} or lower: use shorter sentences and everyday words "
                f"(longest sentence: {_quoted(report.longest_sentence, 80)})")
    return value


def _check_who_and_why(by: str, why: str) -> tuple[str, str]:
    by, why = (by or "").strip(), (why or "").strip()
    missing = [name for name, given in (("who is making it (by)", by), ("a short reason (why)", why)) if not given]
    if missing:
        raise ClinicFieldError(f"a change to the clinic's fields needs {' and '.join(missing)}; nothing was changed")
    return by, why


def set_fields(store: Store, slug: str, values: Mapping[str, str], by: str, why: str,
               reverts: int | None = None) -> list[Revision]:
    """Set several fields of one therapy in one transaction, a revision for each field whose value
    changes; a field given the value it already has is left as it is. Everything is checked before
    anything is written: one refused field and nothing changes. Returns the new revisions."""
    check_known(store, [slug])
    if not values:
        raise ClinicFieldError(f"nothing to set for {slug}: give one of {', '.join(FIELDS)}")
    by, why = _check_who_and_why(by, why)
    checked = {key: check_value(slug, key, value) for key, value in values.items()}
    with store.write() as session:
        return write_fields(session, slug, checked, by, why, reverts=reverts)


def write_fields(session, slug: str, checked: Mapping[str, str], by: str, why: str,  # noqa: ANN001 - a Session
                 reverts: int | None = None) -> list[Revision]:
    """Write ``checked`` (values as :func:`check_value` returns them) for ``slug`` through ``session``,
    a revision for each field whose value changes, inside the caller's transaction: the caller has
    checked the therapy, the values, who and why, and commits or rolls back. Returns the new revisions."""
    from sqlalchemy import select

    from clinic_app.storage.models import ClinicField, ClinicFieldRevision

    made: list[ClinicFieldRevision] = []
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    rows = {row.field_key: row for row in session.scalars(
        select(ClinicField).where(ClinicField.therapy_slug == slug, ClinicField.field_key.in_(list(checked))))}
    for key, after in checked.items():
        row = rows.get(key)
        before = row.value if row is not None else ""
        if before == after:
            continue
        if not after:
            session.delete(row)
        elif row is None:
            session.add(ClinicField(therapy_slug=slug, field_key=key, value=after, updated_at=now, updated_by=by))
        else:
            row.value, row.updated_at, row.updated_by = after, now, by
        revision = ClinicFieldRevision(therapy_slug=slug, field_key=key, before=before, after=after,
                                       changed_at=now, changed_by=by, reason=why, reverts=reverts)
        session.add(revision)
        made.append(revision)
    session.flush()
    return [_revision(r.id, r.therapy_slug, r.field_key, r.before, r.after, r.changed_at, r.changed_by, r.reason,
                      r.reverts) for r in made]


def set_field(store: Store, slug: str, key: str, value: str, by: str, why: str) -> Revision | None:
    """Set one field (an empty value clears it); the new revision, or None when the value was already so."""
    made = set_fields(store, slug, {key: value}, by, why)
    return made[0] if made else None


def revert(store: Store, revision_id: int, by: str, why: str) -> Revision:
    """Put back the value a revision replaced; the revert is itself a revision (``reverts`` names
    the one undone)."""
    by, why = _check_who_and_why(by, why)
    rows = store.query("SELECT * FROM clinic_field_revision WHERE id = ?", (revision_id,))
    if not rows:
        raise NotFoundError(f"there is no revision {revision_id} of the clinic's fields; "
                            "'clinic-app fields history THERAPY' lists them")
    old = _from_row(rows[0])
    current = fields_for(store, old.therapy).get(old.key, "")
    if current == old.before:
        shown = _quoted(current) if current else "empty"
        raise ClinicFieldError(f"nothing to revert: the {old.label} ({old.key}) for {old.therapy} is already "
                               f"{shown}, as before revision {revision_id}")
    made = set_fields(store, old.therapy, {old.key: old.before}, by, why, reverts=revision_id)
    return made[0]


def fields_for(reader: Reader, slug: str) -> dict[str, str]:
    """The fields the clinic has set for ``slug`` (never an empty one), by key in :data:`FIELDS` order."""
    return {item.key: item.value for item in field_values(reader, slug)}


def field_values(reader: Reader, slug: str) -> list[FieldValue]:
    """The fields the clinic has set for ``slug``, with when and by whom, in :data:`FIELDS` order."""
    rows = _query(reader, "SELECT field_key, value, updated_at, updated_by FROM clinic_field "
                          "WHERE therapy_slug = ? AND value <> ''", (slug,))
    found = {row[0]: row for row in rows}
    return [FieldValue(key, FIELDS[key].label, found[key][1], _when(found[key][2]), found[key][3])
            for key in FIELDS if key in found]


def not_offered(reader: Reader) -> set[str]:
    """The therapies the clinic has said it does not offer."""
    return {row[0] for row in _query(reader, "SELECT therapy_slug FROM clinic_field "
                                             "WHERE field_key = 'offered' AND value = 'no'")}


def history(reader: Reader, slug: str) -> list[Revision]:
    """Every change to ``slug``'s clinic fields, newest first."""
    check_known(reader, [slug])
    rows = _query(reader, "SELECT * FROM clinic_field_revision WHERE therapy_slug = ? ORDER BY id DESC", (slug,))
    return [_from_row(row) for row in rows]


def _query(reader: Reader, sql: str, params: tuple = ()) -> list:
    try:
        return reader.query(sql, params)
    except DatabaseError as exc:  # a store not yet upgraded to hold the clinic's fields has none
        if "no such table: clinic_field" in str(exc):
            return []
        raise


def _when(value) -> dt.datetime:  # noqa: ANN001 - str from sqlite3, datetime from the ORM
    return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))


def _revision(*values) -> Revision:  # noqa: ANN002
    number, slug, key, before, after, when, by, why, reverts = values
    return Revision(id=number, therapy=slug, key=key, before=before, after=after, changed_at=_when(when),
                    changed_by=by, reason=why, reverts=reverts)


def _from_row(row) -> Revision:  # noqa: ANN001 - sqlite3.Row
    return _revision(row["id"], row["therapy_slug"], row["field_key"], row["before"], row["after"], row["changed_at"],
                     row["changed_by"], row["reason"], row["reverts"])
