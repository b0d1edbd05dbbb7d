"""A clinic's own edits of a therapy's shipped text, each a revision, never overwritten by a newer
shipped library.

    editable_fields(store, "yoga")        # {"patient.summary": "...", "clinician.risks": "...", ...}
    edit_therapy(store, "yoga", {"patient.recovery": "..."}, by="Dr Lee", why="our class times")
    history(store, "yoga")                # every revision, newest first, with word-level diffs
    revert(store, "yoga", 1, by="Dr Lee", why="back to the shipped text")
    shipped_changed(store)                # clinic-edited therapies whose shipped text changed since
    mark_reviewed(store, "yoga", by="Dr Lee", why="checked", take_shipped=True)

An edit is applied to the therapy's current snapshot (its latest revision that is not a newer shipped
file waiting for review) and the whole edited therapy is held to the schema and to the rules
``content check`` applies to one therapy; one problem and nothing is written. A stored edit sets the
therapy's ``origin`` to ``"clinic"``, so the loader never overwrites it: a newer shipped version is kept
as a revision with origin ``"shipped-pending"`` and flagged in ``pending_shipped_version`` until the clinic
reviews it (:func:`mark_reviewed`). The shipped file an edit is based on is the revision whose hash is
the therapy's ``shipped_hash`` (the latest ``"shipped"`` revision until the clinic keeps its text over
a newer shipped one).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass

from clinic_app.content.check import _normal, therapy_all_texts
from clinic_app.content.check import therapy_problems as check_therapy
from clinic_app.content.loader import PENDING_ORIGIN
from clinic_app.content.schema import TherapyFile
from clinic_app.errors import ClinicAppError, ContentError, NotFoundError
from clinic_app.services.library import check_known
from clinic_app.services.revisions import (  # noqa: F401 - this module's interface too
    SHORT,
    FieldChange,
    changed_fields,
    check_based_on,
    check_who_and_why,
    copied,
    dotted,
    lines,
    name_clashes,
    quoted,
    reference_list_problems,
    same_text,
    schema_problems,
    word_diff,
)
from clinic_app.services.revisions import when as _when
from clinic_app.storage.reader import Reader
from clinic_app.storage.store import Store

CLINIC = "clinic"
CLINIC_ADDED = "clinic-added"  # a therapy the clinic wrote itself (clinic_app.services.clinic_therapies)
SHIPPED = "shipped"

PATIENT_FIELDS = ("summary", "how_it_works", "procedure", "what_to_expect", "candidates", "risks", "recovery",
                  "regulatory", "evidence_known", "evidence_unknown")
PAPER_FIELDS = ("summary", "procedure", "evidence_known", "evidence_unknown", "risks", "recovery", "regulatory")
CLINICIAN_FIELDS = ("summary", "mechanism", "procedure", "candidates", "contraindications", "risks", "recovery",
                    "regulatory", "evidence")
# fields typed as one text, a value a line: the questions, the search words, the reference keys
LIST_FIELDS = ("patient.questions", "aliases", "references")


class TherapyEditError(ContentError):
    """An edit that cannot be stored: ``problems`` names each field, its value and what is wrong."""


@dataclass(frozen=True)
class EditResult:
    slug: str
    revision: int
    origin: str
    changed: tuple[str, ...]  # the field paths whose text changed


@dataclass(frozen=True)
class HistoryEntry:
    revision: int
    created_at: dt.datetime
    author: str
    reason: str
    origin: str
    content_version: int
    changes: tuple[FieldChange, ...]  # against the revision before it (the first: every field, from empty)


@dataclass(frozen=True)
class ShippedChange:
    slug: str
    name: str
    based_on_version: int
    shipped_version: int
    changes: tuple[FieldChange, ...]  # the shipped text the edit was based on -> the newer shipped text

    @property
    def message(self) -> str:
        return (f"{self.name} ({self.slug}): shipped text changed since your edit "
                f"(version {self.based_on_version} \u2192 {self.shipped_version})")


# --- fields ----------------------------------------------------------------------------------------


def snapshot_fields(snapshot: Mapping) -> dict[str, str]:
    """The text fields a clinic may edit in a therapy ``snapshot`` (as a therapy file holds it), by
    dotted path. The questions are one text, a question a line."""
    out: dict[str, str] = {}
    patient = snapshot.get("patient") or {}
    for name in PATIENT_FIELDS:
        out[f"patient.{name}"] = patient.get(name, "")
    out["patient.questions"] = "\n".join(patient.get("questions") or ())
    paper = patient.get("paper")
    if paper:
        for name in PAPER_FIELDS:
            out[f"patient.paper.{name}"] = paper.get(name, "")
    for index, figure in enumerate(patient.get("figures") or ()):
        out[f"patient.figures[{index}].caption"] = figure.get("caption", "")
    clinician = snapshot.get("clinician") or {}
    for name in CLINICIAN_FIELDS:
        out[f"clinician.{name}"] = clinician.get(name, "")
    for index, position in enumerate(snapshot.get("by_condition") or ()):
        out[f"by_condition[{index}].patient"] = position.get("patient", "")
        out[f"by_condition[{index}].clinician"] = position.get("clinician", "")
        if position.get("paper"):
            out[f"by_condition[{index}].paper"] = position["paper"]
    for key, cell in (snapshot.get("comparison") or {}).items():
        out[f"comparison.{key}.text"] = cell.get("text", "")
    out["aliases"] = "\n".join(snapshot.get("aliases") or ())
    out["references"] = "\n".join(entry.get("key", "") for entry in snapshot.get("references") or ())
    return out


def editable_fields(reader: Reader, slug: str) -> dict[str, str]:
    """The therapy's text fields a clinic may edit, by dotted path as in the therapy file."""
    return snapshot_fields(_current(_revisions(reader, slug), slug)["snapshot"])


def _apply(snapshot: dict, changes: Mapping[str, str], findings: Mapping[str, str] | None = None) -> dict:
    """``snapshot`` with ``changes`` (dotted path -> text) written in. A reference list keeps the claim
    each kept reference supports; a reference put in supports what the library records as its finding
    (``findings``: key -> finding)."""
    edited = copied(snapshot)
    for path, value in changes.items():
        if path == "references":
            claims = {entry["key"]: entry["supports"] for entry in edited.get("references") or ()}
            edited["references"] = [{"key": key, "supports": claims.get(key) or (findings or {}).get(key, "")}
                                    for key in lines(value)]
            continue
        parts = dotted(path)
        target = edited
        for part in parts[:-1]:
            target = target[part]
        target[parts[-1]] = lines(value) if path in LIST_FIELDS else value
    return edited


def reference_findings(source) -> dict[str, str]:  # noqa: ANN001 - a Reader, or a Session
    """Every reference of the library: key -> its recorded finding."""
    return dict(_rows(source, "SELECT key, finding FROM reference"))


def reference_titles(reader: Reader) -> list[tuple[str, str]]:
    """Every reference of the library as (key, title), in key order, for a list to choose from."""
    rows = [(row[0], row[1]) for row in reader.query("SELECT key, title FROM reference")]
    return sorted(rows, key=lambda row: (row[0][0], int(row[0][1:]) if row[0][1:].isdigit() else 0))


def _rows(source, sql: str) -> list[tuple]:  # noqa: ANN001 - a Reader, or a Session
    if isinstance(source, Reader):
        return [tuple(row) for row in source.query(sql)]
    from sqlalchemy import text

    return [tuple(row) for row in source.execute(text(sql))]


def names_in_use(source) -> dict[str, str]:  # noqa: ANN001 - a Reader, or a Session
    """Every name and alias of the library's therapies and conditions, folded -> "therapy SLUG" or
    "condition SLUG" (a name or alias must name one entry, as ``content check`` requires)."""
    out: dict[str, str] = {}
    for table in ("therapy", "condition"):
        for slug, name, aliases in _rows(source, f"SELECT slug, name, aliases FROM {table}"):  # noqa: S608
            listed = json.loads(aliases) if isinstance(aliases, str) else list(aliases or ())
            for alias in (name, *listed):
                out.setdefault(alias.casefold(), f"{table} {slug}")
    return out


def _list_problems(source, slug: str, snapshot: Mapping) -> list[str]:  # noqa: ANN001
    """A reference listed twice or unknown, and a name or alias that names another entry."""
    keys = [entry.get("key", "") for entry in snapshot.get("references") or ()]
    out = reference_list_problems(keys, reference_findings(source), "a therapy")
    names = {"name": snapshot.get("name", "")}
    names.update({f"aliases[{index}]": alias for index, alias in enumerate(snapshot.get("aliases") or ())})
    return out + name_clashes(names, names_in_use(source), f"therapy {slug}")


# --- checks ----------------------------------------------------------------------------------------


def _schema_problems(snapshot: dict) -> tuple[TherapyFile | None, list[str]]:
    return schema_problems(TherapyFile, snapshot)


def therapy_problems(therapy: TherapyFile, reference_keys: set[str], attribute_kinds: Mapping[str, str],
                     condition_slugs: set[str], today: dt.date | None = None) -> list[str]:
    """The rules ``content check`` applies to one therapy (:func:`clinic_app.content.check.therapy_problems`)
    and no text repeated within it, each problem as "field path 'value': what is wrong"."""
    texts = therapy_all_texts(therapy)

    def said(path: str, message: str) -> str:
        value = texts.get(path)
        return f"{path} {quoted(value)}: {message}" if value is not None else f"{path}: {message}"

    out = [said(path, message) for path, message in check_therapy(
        therapy, reference_keys, attribute_kinds, condition_slugs, today or dt.date.today())]
    seen: dict[str, str] = {}
    for path, text in texts.items():
        normal = _normal(text)
        if len(normal) >= 30 and path not in ("update_policy", "funding", "reviewer") \
                and not path.startswith("references[") and ".paper" not in path:
            if normal in seen:
                out.append(said(path, f"the same text as {seen[normal]}"))
            else:
                seen[normal] = path
    return out


def _library_keys(session) -> tuple[set[str], dict[str, str], set[str]]:  # noqa: ANN001 - a Session
    from sqlalchemy import select

    from clinic_app.storage.models import Attribute, Condition, Reference

    return (set(session.scalars(select(Reference.key))),
            {key: kind for key, kind in session.execute(select(Attribute.key, Attribute.kind))},
            set(session.scalars(select(Condition.slug))))


def check_snapshot(session, slug: str, snapshot: dict) -> TherapyFile:  # noqa: ANN001 - a Session
    """The therapy file ``snapshot`` holds, when it passes the schema and the per-therapy rules; else
    :class:`TherapyEditError` naming every problem."""
    therapy, problems = _schema_problems(snapshot)
    if therapy is not None:
        if therapy.slug != slug:
            problems.append(f"slug {therapy.slug!r} must stay {slug!r}")
        problems += _list_problems(session, slug, snapshot)
        problems += therapy_problems(therapy, *_library_keys(session))
    if problems:
        raise TherapyEditError(f"the text of {slug} was not changed: {len(problems)} problem(s) with it", problems)
    return therapy


def _check_who_and_why(by: str, why: str) -> tuple[str, str]:
    return check_who_and_why(by, why)


# --- reading revisions ---------------------------------------------------------------------------


def _revisions(reader: Reader, slug: str) -> list[dict]:
    """Every revision of ``slug``, oldest first, as dicts (snapshot parsed)."""
    check_known(reader, [slug])
    rows = reader.query(
        "SELECT r.revision, r.created_at, r.author, r.reason, r.origin, r.content_version, r.content_hash, "
        "r.snapshot FROM content_revision r JOIN therapy t ON t.id = r.therapy_id WHERE t.slug = ? "
        "ORDER BY r.revision", (slug,))
    return [{**dict(row), "snapshot": json.loads(row["snapshot"])} for row in rows]


def _current(revisions: list[dict], slug: str) -> dict:
    """The revision holding the therapy's current text: the latest that is not a shipped file waiting."""
    current = [r for r in revisions if r["origin"] != PENDING_ORIGIN]
    if not current:
        raise NotFoundError(f"{slug} has no stored revision to start from; load the content again")
    return current[-1]


def _base(revisions: list[dict], shipped_hash: str | None) -> dict | None:
    """The shipped revision the therapy's text is based on."""
    shipped = [r for r in revisions if r["origin"] in (SHIPPED, PENDING_ORIGIN) and r["content_hash"] == shipped_hash]
    if shipped:
        return shipped[-1]
    latest = [r for r in revisions if r["origin"] == SHIPPED]
    return latest[-1] if latest else None


def _therapy_row(reader: Reader, slug: str):  # noqa: ANN202
    return reader.query("SELECT name, origin, shipped_hash, pending_shipped_version FROM therapy WHERE slug = ?",
                        (slug,))[0]


def current_snapshot(reader: Reader, slug: str) -> dict:
    """The therapy file holding ``slug``'s current text (its latest revision not waiting for review)."""
    return _current(_revisions(reader, slug), slug)["snapshot"]


def clinic_edits(reader: Reader) -> dict[str, tuple[int, dict[str, str]]]:
    """Every therapy whose shipped text the clinic has edited (origin "clinic"): the shipped version
    the edit is based on, and the editable fields whose text differs from that shipped text."""
    out: dict[str, tuple[int, dict[str, str]]] = {}
    for (slug,) in reader.query("SELECT slug FROM therapy WHERE origin = ? ORDER BY slug", (CLINIC,)):
        revisions = _revisions(reader, slug)
        base = _base(revisions, _therapy_row(reader, slug)["shipped_hash"])
        shipped = snapshot_fields(base["snapshot"]) if base else {}
        current = snapshot_fields(_current(revisions, slug)["snapshot"])
        changed = {path: text for path, text in current.items() if shipped.get(path) != text}
        if changed:
            out[slug] = (base["content_version"] if base else 0, changed)
    return out


def snapshot_problems(reader: Reader, slug: str, snapshot: dict) -> list[str]:
    """What :func:`check_snapshot` would refuse in ``snapshot``, read without a write session."""
    therapy, problems = _schema_problems(snapshot)
    if therapy is not None:
        if therapy.slug != slug:
            problems.append(f"slug {therapy.slug!r} must stay {slug!r}")
        keys = ({row[0] for row in reader.query("SELECT key FROM reference")},
                {row[0]: row[1] for row in reader.query("SELECT key, kind FROM attribute")},
                {row[0] for row in reader.query("SELECT slug FROM condition")})
        problems += _list_problems(reader, slug, snapshot)
        problems += therapy_problems(therapy, *keys)
    return problems


def stored_text(path: str, value: str) -> str:
    """``value`` as a snapshot holds it (trimmed; questions a line each)."""
    return _same_text(path, value)


# --- writing -------------------------------------------------------------------------------------


def _write(session, slug: str, therapy: TherapyFile, origin: str, by: str, why: str,  # noqa: ANN001
           shipped_hash: str | None = None, clear_pending: bool = False) -> int:
    from sqlalchemy import select

    from clinic_app.content.loader import rebuild_search_index, write_therapy_file
    from clinic_app.storage.models import Therapy

    row = session.scalar(select(Therapy).where(Therapy.slug == slug))
    revision = write_therapy_file(session, row, therapy, origin, by, why)
    if shipped_hash is not None:
        row.shipped_hash = shipped_hash
    if clear_pending:
        row.pending_shipped_version = None
    row.updated_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    session.flush()
    rebuild_search_index(session)
    return revision.revision


def write_edited(session, slug: str, snapshot: dict, by: str, why: str) -> int:  # noqa: ANN001 - a Session
    """Check ``snapshot`` (:func:`check_snapshot`) and store it as the clinic's text of ``slug``, a
    revision with origin "clinic", in the caller's transaction; the revision's number."""
    return _write(session, slug, check_snapshot(session, slug, snapshot), CLINIC, by, why)


def edit_therapy(store: Store, slug: str, changes: Mapping[str, str], by: str, why: str,
                 based_on: int | None = None) -> EditResult:
    """Apply ``changes`` (dotted field path -> new text) to the therapy's current text and store the
    result as the clinic's, with a revision, in one transaction. Everything is checked first: an
    unknown field, an unchanged text or any problem with the edited therapy, and nothing is written.
    ``based_on``: the revision the edit started from; a newer one saved since is a conflict."""
    by, why = _check_who_and_why(by, why)
    revisions = _revisions(store, slug)
    current = _current(revisions, slug)
    fields = snapshot_fields(current["snapshot"])
    check_based_on(current, based_on, f"the text of {slug}", fields, changes)
    if not changes:
        raise ClinicAppError(f"nothing to change in {slug}: give a field and its new text")
    unknown = [path for path in changes if path not in fields]
    if unknown:
        raise NotFoundError(f"{', '.join(map(repr, unknown))} is not a text field of {slug} a clinic may edit; "
                            f"fields: {', '.join(fields)}")
    changed = tuple(path for path, value in changes.items() if _same_text(path, value) != fields[path])
    if not changed:
        raise ClinicAppError(f"nothing changed: {slug} already has that text in {', '.join(changes)}")
    if "references" in changed:
        keys = lines(changes["references"])
        problems = reference_list_problems(keys, reference_findings(store), "a therapy")
        if problems:
            raise TherapyEditError(f"the text of {slug} was not changed: {len(problems)} problem(s) with it", problems)
    edited = _apply(current["snapshot"], {path: changes[path] for path in changed}, reference_findings(store))
    problems = snapshot_problems(store, slug, edited)  # before the write lock is taken
    if problems:
        raise TherapyEditError(f"the text of {slug} was not changed: {len(problems)} problem(s) with it", problems)
    with store.write() as session:
        therapy = check_snapshot(session, slug, edited)
        number = _write(session, slug, therapy, CLINIC, by, why)
    return EditResult(slug, number, CLINIC, changed)


def _same_text(path: str, value: str) -> str:
    """``value`` as the snapshot will hold it (trimmed; a list field a value a line)."""
    return same_text(path, value, LIST_FIELDS)


def revert(store: Store, slug: str, revision_number: int, by: str, why: str) -> EditResult:
    """Put back the text of revision ``revision_number`` as a new revision (checked as an edit is).
    The therapy is the clinic's again unless that text is the shipped text it is based on."""
    by, why = _check_who_and_why(by, why)
    revisions = _revisions(store, slug)
    old = next((r for r in revisions if r["revision"] == revision_number), None)
    if old is None:
        raise NotFoundError(f"{slug} has no revision {revision_number}; 'clinic-app edit history {slug}' lists them")
    if old["origin"] == PENDING_ORIGIN:
        raise ClinicAppError(f"revision {revision_number} of {slug} is a newer shipped text waiting for review; "
                             f"take it with 'clinic-app edit review {slug} --take-shipped'")
    current = _current(revisions, slug)
    if old["content_hash"] == current["content_hash"]:
        raise ClinicAppError(f"nothing to revert: {slug} already has the text of revision {revision_number}")
    row = _therapy_row(store, slug)
    base = _base(revisions, row["shipped_hash"])
    origin = SHIPPED if base is not None and base["content_hash"] == old["content_hash"] else CLINIC
    before, after = snapshot_fields(current["snapshot"]), snapshot_fields(old["snapshot"])
    with store.write() as session:
        therapy = check_snapshot(session, slug, old["snapshot"])
        number = _write(session, slug, therapy, origin, by, f"reverted to revision {revision_number}: {why}")
    return EditResult(slug, number, origin, tuple(p for p in after if before.get(p) != after[p]))


def mark_reviewed(store: Store, slug: str, by: str, why: str, take_shipped: bool) -> EditResult:
    """Clear the "shipped text changed since your edit" flag: keep the clinic's text (a revision noting
    the review, now based on the newer shipped version) or take the newer shipped text (a revision
    with origin "shipped"; the loader updates the therapy again from then on)."""
    by, why = _check_who_and_why(by, why)
    revisions = _revisions(store, slug)
    row = _therapy_row(store, slug)
    pending = row["pending_shipped_version"]
    waiting = [r for r in revisions if r["origin"] == PENDING_ORIGIN and r["content_version"] == pending]
    if pending is None or not waiting:
        raise ClinicAppError(f"{slug} has no newer shipped text waiting for review")
    newer = waiting[-1]
    if take_shipped:
        with store.write() as session:
            therapy = check_snapshot(session, slug, newer["snapshot"])
            number = _write(session, slug, therapy, SHIPPED, by, f"took shipped version {pending}: {why}",
                            shipped_hash=newer["content_hash"], clear_pending=True)
        before = snapshot_fields(_current(revisions, slug)["snapshot"])
        after = snapshot_fields(newer["snapshot"])
        return EditResult(slug, number, SHIPPED, tuple(p for p in after if before.get(p) != after[p]))
    kept = dict(_current(revisions, slug)["snapshot"], content_version=pending)
    with store.write() as session:
        therapy = check_snapshot(session, slug, kept)
        number = _write(session, slug, therapy, CLINIC, by,
                        f"reviewed shipped version {pending} and kept the clinic's text: {why}",
                        shipped_hash=newer["content_hash"], clear_pending=True)
    return EditResult(slug, number, CLINIC, ())


# --- history and shipped changes -----------------------------------------------------------------


def field_changes(before: Mapping, after: Mapping) -> tuple[FieldChange, ...]:
    """The editable text fields that differ between two snapshots."""
    return changed_fields(snapshot_fields(before), snapshot_fields(after))


def history(reader: Reader, slug: str) -> list[HistoryEntry]:
    """Every revision of ``slug``, newest first, with who, when, why, origin and the fields it changed
    (a newer shipped text waiting for review against the shipped text before it)."""
    revisions = _revisions(reader, slug)
    out = []
    for index, revision in enumerate(revisions):
        if revision["origin"] == PENDING_ORIGIN:
            earlier = [r for r in revisions[:index] if r["origin"] in (SHIPPED, PENDING_ORIGIN)]
        else:
            earlier = [r for r in revisions[:index] if r["origin"] != PENDING_ORIGIN]
        before = earlier[-1]["snapshot"] if earlier else {}
        out.append(HistoryEntry(revision["revision"], _when(revision["created_at"]), revision["author"],
                                revision["reason"], revision["origin"], revision["content_version"],
                                field_changes(before, revision["snapshot"])))
    return out[::-1]


def shipped_changed(reader: Reader) -> list[ShippedChange]:
    """The therapies the clinic has edited whose shipped text changed since the edit, each with the
    changes from the shipped text the edit was based on to the newer shipped text."""
    rows = reader.query("SELECT slug FROM therapy WHERE origin IN (?, ?) AND pending_shipped_version IS NOT NULL "
                        "ORDER BY slug", (CLINIC, CLINIC_ADDED))
    out = []
    for (slug,) in rows:
        revisions = _revisions(reader, slug)
        row = _therapy_row(reader, slug)
        waiting = [r for r in revisions if r["origin"] == PENDING_ORIGIN
                   and r["content_version"] == row["pending_shipped_version"]]
        base = _base(revisions, row["shipped_hash"])
        if not waiting or base is None:  # flagged before the loader kept the newer file: nothing to compare
            out.append(ShippedChange(slug, row["name"], base["content_version"] if base else 0,
                                     row["pending_shipped_version"], ()))
            continue
        out.append(ShippedChange(slug, row["name"], base["content_version"], waiting[-1]["content_version"],
                                 field_changes(base["snapshot"], waiting[-1]["snapshot"])))
    return out
