"""A clinic's own edits of a condition's text (what it is, how it usually goes, first steps, warning
signs, for clinicians and for patients), its aliases and its references, each a revision, never
overwritten by a newer shipped library.

    editable_fields(store, "sciatica")     # {"name": "...", "patient.what_it_is": "...", ...}
    edit_condition(store, "sciatica", {"patient.first_steps": "..."}, by="Dr Lee", why="our own class")
    history(store, "sciatica")             # every revision, newest first, with word-level diffs
    revert(store, "sciatica", 1, by="Dr Lee", why="back to the shipped text")
    shipped_changed(store)                 # clinic-edited conditions whose shipped text changed since
    mark_reviewed(store, "sciatica", by="Dr Lee", why="checked", take_shipped=False)

The rules are those of ``content check`` for a condition (:func:`clinic_app.content.check.condition_problems`):
patient text US grade 8 or lower per field, citations that resolve to the condition's own references,
no placeholder or unverified text; and a name or alias may not name another therapy or condition. The
revisions live in ``condition_revision`` (see :mod:`clinic_app.storage.models`); the latest one
that is not a newer shipped text waiting for review says whose text the condition holds.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass

from clinic_app.content.check import condition_problems
from clinic_app.content.loader import PENDING_ORIGIN, SHIPPED_AUTHOR
from clinic_app.content.schema import ConditionFile
from clinic_app.errors import ClinicAppError, ContentError, NotFoundError
from clinic_app.services.revisions import (
    FieldChange,
    changed_fields,
    check_based_on,
    check_who_and_why,
    copied,
    lines,
    name_clashes,
    quoted,
    reference_list_problems,
    same_text,
    schema_problems,
    when,
)
from clinic_app.services.therapy_edits import names_in_use, reference_findings
from clinic_app.storage.reader import Reader
from clinic_app.storage.store import Store

CLINIC = "clinic"
SHIPPED = "shipped"
CLINICIAN_FIELDS = ("what_it_is", "natural_course", "guidelines_first", "red_flags")
PATIENT_FIELDS = ("what_it_is", "natural_course", "first_steps", "decision", "actions", "urgent", "see_doctor_soon",
                  "paper_natural_course", "paper_urgent")
PATIENT_LISTS = ("actions", "urgent", "see_doctor_soon", "paper_urgent")
FIELDS = ("name", "patient_name", "description", "aliases",
          *(f"clinician.{name}" for name in CLINICIAN_FIELDS), *(f"patient.{name}" for name in PATIENT_FIELDS),
          "references")
LIST_FIELDS = ("aliases", *(f"patient.{name}" for name in PATIENT_LISTS), "references")
OPTIONAL = ("patient.paper_natural_course", "patient.paper_urgent")  # empty: the handout uses the whole text
WHAT = "a change to a condition's text"


class ConditionEditError(ContentError):
    """An edit of a condition that cannot be stored: ``problems`` names each field, its value and what is wrong."""


@dataclass(frozen=True)
class EditResult:
    slug: str
    revision: int
    origin: str
    changed: tuple[str, ...]


@dataclass(frozen=True)
class HistoryEntry:
    revision: int
    created_at: dt.datetime
    author: str
    reason: str
    origin: str
    changes: tuple[FieldChange, ...]  # against the revision before it (the first: every field, from empty)


@dataclass(frozen=True)
class ShippedChange:
    slug: str
    name: str
    changes: tuple[FieldChange, ...]  # the shipped text the edit was based on -> the newer shipped text

    @property
    def message(self) -> str:
        return f"{self.name} ({self.slug}): shipped text changed since your edit"


# --- fields ----------------------------------------------------------------------------------------


def snapshot_fields(snapshot: Mapping) -> dict[str, str]:
    """The fields a clinic may edit in a condition ``snapshot`` (as conditions.yaml holds one), by
    dotted path; a list is one text, a value a line; the references are their keys, a key a line."""
    out = {name: snapshot.get(name) or "" for name in ("name", "patient_name", "description")}
    out["aliases"] = "\n".join(snapshot.get("aliases") or ())
    for part, names in (("clinician", CLINICIAN_FIELDS), ("patient", PATIENT_FIELDS)):
        text = snapshot.get(part) or {}
        for name in names:
            value = text.get(name)
            out[f"{part}.{name}"] = "\n".join(value) if isinstance(value, list) else value or ""
    out["references"] = "\n".join(entry.get("key", "") for entry in snapshot.get("references") or ())
    return out


def patient_facing(path: str) -> bool:
    """Patients read the condition's patient text (measured for its reading grade)."""
    return path.startswith("patient.")


def _apply(snapshot: Mapping, changes: Mapping[str, str], findings: Mapping[str, str]) -> dict:
    edited = copied(snapshot)
    for path, value in changes.items():
        if path == "references":
            claims = {entry["key"]: entry["supports"] for entry in edited.get("references") or ()}
            edited["references"] = [{"key": key, "supports": claims.get(key) or findings.get(key, "")}
                                    for key in lines(value)]
        elif path in ("name", "patient_name", "description"):
            edited[path] = value.strip()
        elif path == "aliases":
            edited["aliases"] = lines(value)
        else:
            part, name = path.split(".", 1)
            if path in LIST_FIELDS:
                edited[part][name] = lines(value)
            elif path in OPTIONAL and not value.strip():
                edited[part][name] = None
            else:
                edited[part][name] = value.strip()
    return edited


# --- checks ----------------------------------------------------------------------------------------


def problems_of(source, slug: str, snapshot: Mapping) -> tuple[ConditionFile | None, list[str]]:  # noqa: ANN001
    """The condition ``snapshot`` holds and every problem with it, each as "field path 'value': what is
    wrong", read through a Reader or in a write session."""
    condition, problems = schema_problems(ConditionFile, dict(snapshot))
    keys = [entry.get("key", "") for entry in snapshot.get("references") or ()]
    known = reference_findings(source)
    problems += reference_list_problems(keys, known, "a condition")
    names = {"name": snapshot.get("name", "")}
    names.update({f"aliases[{index}]": alias for index, alias in enumerate(snapshot.get("aliases") or ())})
    problems += name_clashes(names, names_in_use(source), f"condition {slug}")
    if condition is not None:
        if condition.slug != slug:
            problems.append(f"slug {condition.slug!r} must stay {slug!r}")
        texts = snapshot_fields(snapshot)
        for path, message in condition_problems(condition, known):
            value = texts.get(path)
            problems.append(f"{path} {quoted(value)}: {message}" if value else f"{path}: {message}")
    return condition, list(dict.fromkeys(problems))


def _checked(source, slug: str, snapshot: Mapping) -> ConditionFile:  # noqa: ANN001
    condition, problems = problems_of(source, slug, snapshot)
    if problems or condition is None:
        raise ConditionEditError(f"the text of condition {slug} was not changed: {len(problems)} problem(s) with it",
                                 problems)
    return condition


# --- reading revisions ---------------------------------------------------------------------------


def condition_slugs(reader: Reader) -> list[str]:
    return [row[0] for row in reader.query("SELECT slug FROM condition ORDER BY position, name")]


def _known(reader: Reader, slug: str) -> None:
    if not reader.query("SELECT 1 FROM condition WHERE slug = ?", (slug,)):
        raise NotFoundError(f"unknown condition {slug!r}; known conditions: {', '.join(condition_slugs(reader))}")


def _row_snapshot(reader: Reader, slug: str) -> dict:
    row = reader.query("SELECT * FROM condition WHERE slug = ?", (slug,))[0]
    refs = reader.query("SELECT r.key, cr.claim FROM condition_reference cr JOIN reference r ON r.id = cr.reference_id "
                        "WHERE cr.condition_id = ? ORDER BY cr.position", (row["id"],))
    return {"slug": row["slug"], "name": row["name"], "patient_name": row["patient_name"],
            "description": row["description"], "aliases": json.loads(row["aliases"] or "[]"), "order": row["position"],
            "clinician": json.loads(row["clinician_text"] or "{}"), "patient": json.loads(row["patient_text"] or "{}"),
            "references": [{"key": key, "supports": claim} for key, claim in refs]}


def _revisions(reader: Reader, slug: str) -> list[dict]:
    """Every revision of ``slug``, oldest first; a condition stored before revisions were kept has its
    stored text as revision 1 (written as such with the first edit)."""
    _known(reader, slug)
    rows = reader.query("SELECT revision, created_at, author, reason, origin, content_hash, base_hash, snapshot "
                        "FROM condition_revision WHERE condition_slug = ? ORDER BY revision", (slug,))
    if rows:
        return [{**dict(row), "snapshot": json.loads(row["snapshot"])} for row in rows]
    from clinic_app.content.loader import condition_hash

    snapshot = _row_snapshot(reader, slug)
    digest = condition_hash(ConditionFile.model_validate(snapshot))
    return [{"revision": 1, "created_at": dt.datetime.now(dt.UTC).replace(tzinfo=None), "author": SHIPPED_AUTHOR,
             "reason": "the shipped text", "origin": SHIPPED, "content_hash": digest, "base_hash": digest,
             "snapshot": snapshot}]


def _current(revisions: list[dict]) -> dict:
    return [r for r in revisions if r["origin"] != PENDING_ORIGIN][-1]


def _base(revisions: list[dict]) -> dict | None:
    """The shipped text the current text is based on."""
    base_hash = _current(revisions)["base_hash"]
    found = [r for r in revisions if r["origin"] in (SHIPPED, PENDING_ORIGIN) and r["content_hash"] == base_hash]
    return found[-1] if found else None


def _waiting(revisions: list[dict]) -> dict | None:
    """A newer shipped text waiting for the clinic's review, if any."""
    current = _current(revisions)
    if current["origin"] != CLINIC:
        return None
    found = [r for r in revisions if r["origin"] == PENDING_ORIGIN and r["revision"] > current["revision"]
             and r["content_hash"] != current["base_hash"]]
    return found[-1] if found else None


def current_snapshot(reader: Reader, slug: str) -> dict:
    return _current(_revisions(reader, slug))["snapshot"]


def editable_fields(reader: Reader, slug: str) -> dict[str, str]:
    return snapshot_fields(current_snapshot(reader, slug))


def edited(reader: Reader, slug: str) -> bool:
    """True when the condition holds the clinic's text."""
    return _current(_revisions(reader, slug))["origin"] == CLINIC


def clinic_edits(reader: Reader) -> dict[str, dict[str, str]]:
    """Every condition whose text the clinic has edited: the fields that differ from the shipped text
    the edit is based on."""
    out = {}
    for slug in condition_slugs(reader):
        revisions = _revisions(reader, slug)
        if _current(revisions)["origin"] != CLINIC:
            continue
        base = _base(revisions)
        shipped = snapshot_fields(base["snapshot"]) if base else {}
        current = snapshot_fields(_current(revisions)["snapshot"])
        changed = {path: text for path, text in current.items() if shipped.get(path) != text}
        if changed:
            out[slug] = changed
    return out


# --- writing -------------------------------------------------------------------------------------


def _write(session, slug: str, condition: ConditionFile, origin: str, by: str, why: str,  # noqa: ANN001
           base_hash: str) -> int:
    from sqlalchemy import select

    from clinic_app.content.loader import rebuild_search_index, write_condition_file
    from clinic_app.storage.models import Condition

    row = session.scalar(select(Condition).where(Condition.slug == slug))
    revision = write_condition_file(session, row, condition, origin, by, why, base_hash)
    session.flush()
    rebuild_search_index(session)
    return revision.revision


def plan_edit(reader: Reader, slug: str, changes: Mapping[str, str]) -> tuple[dict, tuple[str, ...], str]:
    """The edited snapshot, the fields that change and the base hash; refused (naming the field or
    the value) when a field is unknown, nothing changes or the edited condition fails a check."""
    revisions = _revisions(reader, slug)
    current = _current(revisions)
    fields = snapshot_fields(current["snapshot"])
    if not changes:
        raise ClinicAppError(f"nothing to change in condition {slug}: give a field and its new text")
    unknown = [path for path in changes if path not in fields]
    if unknown:
        raise NotFoundError(f"{', '.join(map(repr, unknown))} is not a field of condition {slug} a clinic may edit; "
                            f"fields: {', '.join(fields)}")
    changed = tuple(path for path, value in changes.items() if same_text(path, value, LIST_FIELDS) != fields[path])
    if not changed:
        raise ClinicAppError(f"nothing changed: condition {slug} already has that text in {', '.join(changes)}")
    findings = reference_findings(reader)
    if "references" in changed:
        problems = reference_list_problems(lines(changes["references"]), findings, "a condition")
        if problems:
            raise ConditionEditError(f"the text of condition {slug} was not changed: {len(problems)} problem(s) "
                                     "with it", problems)
    snapshot = _apply(current["snapshot"], {path: changes[path] for path in changed}, findings)
    _checked(reader, slug, snapshot)
    return snapshot, changed, current["base_hash"]


def write_edited(session, slug: str, snapshot: dict, base_hash: str, by: str, why: str) -> int:  # noqa: ANN001
    """Check ``snapshot`` and store it as the clinic's text of ``slug`` in the caller's transaction."""
    return _write(session, slug, _checked(session, slug, snapshot), CLINIC, by, why, base_hash)


def edit_condition(store: Store, slug: str, changes: Mapping[str, str], by: str, why: str,
                   based_on: int | None = None) -> EditResult:
    """Apply ``changes`` (dotted field path -> new text) to the condition's current text and store the
    result as the clinic's, a revision, in one transaction; one problem and nothing is written.
    ``based_on``: the revision the edit started from; a newer one saved since is a conflict."""
    by, why = check_who_and_why(by, why, WHAT)
    current = _current(_revisions(store, slug))
    check_based_on(current, based_on, f"the text of condition {slug}", snapshot_fields(current["snapshot"]), changes)
    snapshot, changed, base_hash = plan_edit(store, slug, changes)
    with store.write() as session:
        number = write_edited(session, slug, snapshot, base_hash, by, why)
    return EditResult(slug, number, CLINIC, changed)


def revert(store: Store, slug: str, revision_number: int, by: str, why: str) -> EditResult:
    """Put back the text of revision ``revision_number`` as a new revision (checked as an edit is); the
    condition is the clinic's again unless that text is the shipped text it is based on."""
    by, why = check_who_and_why(by, why, WHAT)
    revisions = _revisions(store, slug)
    old = next((r for r in revisions if r["revision"] == revision_number), None)
    if old is None:
        raise NotFoundError(f"condition {slug} has no revision {revision_number}; "
                            f"'clinic-app condition history {slug}' lists them")
    if old["origin"] == PENDING_ORIGIN:
        raise ClinicAppError(f"revision {revision_number} of condition {slug} is a newer shipped text waiting for "
                             f"review; take it with 'clinic-app condition review {slug} --take-shipped'")
    current = _current(revisions)
    if old["content_hash"] == current["content_hash"]:
        raise ClinicAppError(f"nothing to revert: condition {slug} already has the text of revision {revision_number}")
    origin = SHIPPED if old["content_hash"] == current["base_hash"] else CLINIC
    before, after = snapshot_fields(current["snapshot"]), snapshot_fields(old["snapshot"])
    with store.write() as session:
        condition = _checked(session, slug, old["snapshot"])
        number = _write(session, slug, condition, origin, by, f"reverted to revision {revision_number}: {why}",
                        current["base_hash"])
    return EditResult(slug, number, origin, tuple(p for p in after if before.get(p) != after[p]))


def mark_reviewed(store: Store, slug: str, by: str, why: str, take_shipped: bool) -> EditResult:
    """Clear "shipped text changed since your edit": keep the clinic's text (a revision now based on the
    newer shipped text) or take the newer shipped text (a revision with origin "shipped")."""
    by, why = check_who_and_why(by, why, WHAT)
    revisions = _revisions(store, slug)
    newer = _waiting(revisions)
    if newer is None:
        raise ClinicAppError(f"condition {slug} has no newer shipped text waiting for review")
    current = _current(revisions)
    if take_shipped:
        before, after = snapshot_fields(current["snapshot"]), snapshot_fields(newer["snapshot"])
        with store.write() as session:
            condition = _checked(session, slug, newer["snapshot"])
            number = _write(session, slug, condition, SHIPPED, by, f"took the newer shipped text: {why}",
                            newer["content_hash"])
        return EditResult(slug, number, SHIPPED, tuple(p for p in after if before.get(p) != after[p]))
    with store.write() as session:
        condition = _checked(session, slug, current["snapshot"])
        number = _write(session, slug, condition, CLINIC, by,
                        f"reviewed the newer shipped text and kept the clinic's text: {why}", newer["content_hash"])
    return EditResult(slug, number, CLINIC, ())


# --- history and shipped changes -----------------------------------------------------------------


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
        before = snapshot_fields(earlier[-1]["snapshot"]) if earlier else {}
        out.append(HistoryEntry(revision["revision"], when(revision["created_at"]), revision["author"],
                                revision["reason"], revision["origin"],
                                changed_fields(before, snapshot_fields(revision["snapshot"]))))
    return out[::-1]


def shipped_change(reader: Reader, slug: str) -> ShippedChange | None:
    """The newer shipped text waiting for review for ``slug``, with what changed in it, if any."""
    revisions = _revisions(reader, slug)
    newer = _waiting(revisions)
    if newer is None:
        return None
    base = _base(revisions)
    return ShippedChange(slug, _current(revisions)["snapshot"].get("name", slug),
                         changed_fields(snapshot_fields(base["snapshot"]) if base else {},
                                        snapshot_fields(newer["snapshot"])))


def shipped_changed(reader: Reader) -> list[ShippedChange]:
    """The conditions the clinic has edited whose shipped text changed since the edit."""
    return [change for slug in condition_slugs(reader) if (change := shipped_change(reader, slug)) is not None]


# --- content packs -------------------------------------------------------------------------------


def plan_fields(reader: Reader, slug: str, fields: Mapping[str, str]) -> tuple[dict, list[FieldChange], str, list[str]]:
    """For a content pack: the condition's current text with ``fields`` (path -> text) on top, the
    fields that would change (before -> after, in field order), the base hash, and every problem
    (an unknown field, or the edited condition failing a check), each naming the field."""
    current = _current(_revisions(reader, slug))
    stored = snapshot_fields(current["snapshot"])
    problems = [f"{quoted(path)}: not a field of condition {slug} a clinic may edit" for path in fields
                if path not in stored]
    wanted = {path: same_text(path, text, LIST_FIELDS) for path, text in fields.items() if path in stored}
    changes = [FieldChange(path, stored[path], wanted[path]) for path in stored if path in wanted
               and wanted[path] != stored[path]]
    if not changes:
        return current["snapshot"], [], current["base_hash"], problems
    findings = reference_findings(reader)
    if "references" in wanted:
        problems += reference_list_problems(lines(wanted["references"]), findings, "a condition")
    snapshot = _apply(current["snapshot"], {change.path: change.after for change in changes}, findings)
    if not problems:
        problems += problems_of(reader, slug, snapshot)[1]
    return snapshot, changes, current["base_hash"], problems
