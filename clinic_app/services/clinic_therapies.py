"""Therapies a clinic adds itself, with its own references, held to the checks shipped content passes.

    add_therapy(store, Path("back-care-class.yaml"), by="Dr Lee", why="our own class")
    list_clinic_therapies(store)        # the therapies the clinic added, by name
    remove_therapy(store, "back-care-class", by="Dr Lee", why="no longer run")
    list_removed(store)                 # the therapies the clinic removed, restorable
    restore_therapy(store, "back-care-class", by="Dr Lee", why="running again")

The clinic writes ONE YAML file (read as content files are read: size and alias caps, a pipe or a
device refused) holding two parts::

    therapy:            # a therapy in the shipped therapy-file format (resources/therapies/*.yaml)
      slug: back-care-class
      ...
      references:
        - key: L1       # the clinic's own reference below, or a shipped key such as G2
          supports: ...
    references:         # the clinic's own references: the fields of a shipped reference record,
      - key: L1         # without 'verification' (they are the clinic's) and with 'design' optional
        title: ...
        year: 2017
        other_id: ...   # a PMID, DOI, PMCID or another id (a guideline number)
        source_seen: ...  # where the clinic saw the record
        finding: ...    # what the source says, that the therapy relies on

The therapy is checked with the schema and the per-therapy rules of ``content check`` (the known
references are the shipped ones and the file's own); every problem names the file, the field and,
where the YAML parser knows it, the line, and nothing is written. A shipped therapy's slug is refused
(a clinic edits a shipped therapy with ``clinic-app edit``).

The keys in the file are the file's own: when stored, the clinic's references get keys of their own,
``Z1`` to ``Z99`` (the letter Z is kept for the clinic: shipped keys run A to K), so they can never
clash with a shipped key nor with another added therapy's references, and the therapy's citations
are renumbered to match. They are stored with ``verification = "CLINIC"``. The references, the
therapy (``origin = "clinic-added"``, with a revision naming who and why) and the search index are
written in one transaction. A later content load leaves them alone: the loader writes only the
shipped references and therapies.

Removing a therapy the clinic added (never a shipped one) withdraws it rather than deleting it: its
last state and every revision of its text move whole into ``withdrawn_therapy`` (see
:mod:`clinic_app.storage.models`), in one transaction. It is then in no therapy table, so no
list, search, comparison, preset or new handout holds it, while handouts printed with it reprint
exactly (each keeps its own copy of the document) and its references, clinic fields and log entries
stay. Restoring puts it back with its revisions, numbers and dates unchanged, plus one revision
saying who restored it and why; its slug stays taken while it is removed.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from clinic_app.content.check import CITATION, PLACEHOLDER, UNVERIFIED, _normal, therapy_all_texts, therapy_problems
from clinic_app.content.files import Parsed, Problem, parse_yaml, validate
from clinic_app.content.schema import KEY_PATTERN, TherapyFile
from clinic_app.errors import ClinicAppError, ContentError
from clinic_app.settings import shown
from clinic_app.storage.reader import Reader
from clinic_app.storage.store import Store

CLINIC_ADDED = "clinic-added"  # the therapy's origin, and its revisions'
CLINIC_VERIFICATION = "CLINIC"  # a reference the clinic added (shipped ones are VERIFIED or PARTIAL)
CLINIC_KEY_LETTER = "Z"  # stored keys Z1..Z99: the schema's key pattern, a letter no shipped key uses
MAX_CLINIC_KEYS = 99
PARTS = ("therapy", "references")
CLINIC_DESIGN = "Source added by the clinic"  # the design of a clinic reference that gives none
SHIPPED_SLUG = "a clinic cannot replace a shipped therapy; edit it with 'clinic-app edit' instead"


class ClinicReference(BaseModel):
    """One of the clinic's own references: a shipped reference record's fields, without
    ``verification`` (stored as "CLINIC") and with ``design`` optional."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    key: str = Field(pattern=KEY_PATTERN, description="the file's own key, cited in the therapy as [KEY]")
    authors: str | None = None
    year: int | None = Field(default=None, ge=1900, le=2100)
    title: str = Field(min_length=5)
    journal: str | None = None
    citation: str | None = None
    pmid: str | None = Field(default=None, pattern=r"^[0-9]{5,9}$")
    doi: str | None = Field(default=None, pattern=r"^10\.[0-9]{4,9}/\S+$")
    pmcid: str | None = Field(default=None, pattern=r"^PMC[0-9]{5,9}$")
    other_id: str | None = Field(default=None, max_length=300, description="guideline, registry or regulation id")
    design: str | None = Field(default=None, min_length=3, max_length=300)
    finding: str = Field(min_length=10, description="what the source says that the therapy relies on")
    source_seen: str = Field(min_length=3, description="where the clinic saw the record")
    note: str | None = None


class ClinicTherapyError(ContentError):
    """A clinic's therapy file that cannot be added: ``problems`` names the file and field of each."""


@dataclass(frozen=True)
class AddResult:
    slug: str
    name: str
    revision: int
    references: tuple[tuple[str, str], ...]  # (the file's key, the stored key) of each of the clinic's references


@dataclass(frozen=True)
class ClinicTherapy:
    slug: str
    name: str
    origin: str  # "clinic-added", or "clinic" once the clinic has edited it since
    added_at: dt.datetime
    added_by: str
    reason: str
    references: tuple[str, ...]  # the stored keys of the clinic's references it cites


# --- reading and checking ------------------------------------------------------------------------


def _check_who_and_why(by: str, why: str) -> tuple[str, str]:
    by, why = (by or "").strip(), (why or "").strip()
    missing = [name for name, given in (("who is adding it (by)", by), ("a short reason (why)", why)) if not given]
    if missing:
        raise ClinicAppError(f"adding a therapy needs {' and '.join(missing)}; nothing was added")
    return by, why


def _field(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _loc(field_path: str) -> tuple:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"[.\[\]]+", field_path) if p)


def _library(source) -> dict:  # noqa: ANN001 - a Session, or a Reader
    """What a clinic's therapy is checked against: read in the writing transaction (a Session), or
    through a :class:`~clinic_app.storage.reader.Reader` to check before anything is written."""
    from clinic_app.content.paths import shipped_content_dir

    if isinstance(source, Reader):
        def rows(sql: str) -> list[tuple]:
            return [tuple(row) for row in source.query(sql)]
    else:
        from sqlalchemy import text

        def rows(sql: str) -> list[tuple]:
            return [tuple(row) for row in source.execute(text(sql))]

    def listed(aliases: object) -> list:
        return json.loads(aliases) if isinstance(aliases, str) else list(aliases or ())

    references = dict(rows("SELECT key, verification FROM reference"))
    first_origin = dict(rows("SELECT t.slug, r.origin FROM therapy t JOIN content_revision r "
                             "ON r.therapy_id = t.id WHERE r.revision = 1"))
    slugs = {slug for (slug,) in rows("SELECT slug FROM therapy")}
    withdrawn = {slug for (slug,) in rows("SELECT slug FROM withdrawn_therapy")}
    shipped_dir = shipped_content_dir() / "therapies"
    shipped_slugs = {path.stem for path in shipped_dir.glob("*.yaml")} if shipped_dir.is_dir() else set()
    shipped_slugs |= {slug for slug in slugs if first_origin.get(slug) != CLINIC_ADDED}
    names: dict[str, str] = {}
    for slug, name, aliases in rows("SELECT slug, name, aliases FROM therapy"):
        for alias in (name, *listed(aliases)):
            names.setdefault(alias.casefold(), f"therapy {slug}")
    for slug, name, aliases in rows("SELECT slug, name, aliases FROM condition"):
        for alias in (name, *listed(aliases)):
            names.setdefault(alias.casefold(), f"condition {slug}")
    return {
        "shipped_keys": {key for key, verification in references.items() if verification != CLINIC_VERIFICATION},
        "clinic_keys": {key for key, verification in references.items() if verification == CLINIC_VERIFICATION},
        "attribute_kinds": dict(rows("SELECT key, kind FROM attribute")),
        "conditions": {slug for (slug,) in rows("SELECT slug FROM condition")},
        "slugs": slugs,
        "withdrawn": withdrawn,
        "shipped_slugs": shipped_slugs,
        "names": names,
    }


def _reference_problems(refs: list[ClinicReference], label: str, parsed: Parsed, shipped_keys: set[str],
                        listed: set[str] | None) -> list[Problem]:
    out = []
    seen: set[str] = set()
    for index, ref in enumerate(refs):
        where = f"references[{index}]"

        def at(name: str, message: str, where: str = where, index: int = index) -> Problem:
            loc = ("references", index, name) if name else ("references", index)
            return Problem(label, f"{where}.{name}" if name else where, message, parsed.line_of(loc))

        if ref.key in seen:
            out.append(at("key", f"duplicate key {ref.key!r} among the clinic's references"))
        seen.add(ref.key)
        if ref.key in shipped_keys:
            out.append(at("key", f"{ref.key!r} is a shipped reference's key; give the clinic's own reference "
                                 "another key (e.g. L1), or cite the shipped one and leave it out of this list"))
        if not (ref.pmid or ref.doi or ref.pmcid or ref.other_id):
            out.append(at("", "needs an identifier: a PMID, DOI, PMCID or other_id (e.g. a guideline number)"))
        if ref.year is None and not ref.other_id:
            out.append(at("year", "only a regulation or guideline (other_id) may have no year"))
        if listed is not None and ref.key not in listed:
            out.append(at("key", f"{ref.key} is not in the therapy's references; cite it or leave it out"))
        for name, value in ref:
            if not isinstance(value, str):
                continue
            if name not in ("source_seen", "note") and PLACEHOLDER.search(value):
                out.append(at(name, f"placeholder or unfinished text: {PLACEHOLDER.search(value).group(0)!r}"))
            if name not in ("source_seen", "note") and UNVERIFIED.search(value):
                out.append(at(name, "unverified details must not be printed"))
    return out


def _duplicate_texts(therapy: TherapyFile) -> list[tuple[str, str]]:
    """The same text twice within the therapy (as ``content check`` refuses across files)."""
    out = []
    seen: dict[str, str] = {}
    for path, text in therapy_all_texts(therapy).items():
        normal = _normal(text)
        if len(normal) >= 30 and path not in ("update_policy", "funding", "reviewer") \
                and not path.startswith("references[") and ".paper" not in path:
            if normal in seen:
                out.append((path, f"duplicated text (same as {seen[normal]})"))
            else:
                seen[normal] = path
    return out


@dataclass
class _Checked:
    label: str
    raw: dict  # the therapy mapping as read (the file's keys)
    therapy: TherapyFile
    references: list[ClinicReference]


def _parse(path: Path) -> tuple[str, Parsed]:
    """The file read as content files are read (size and alias caps, only a regular file, UTF-8, no
    duplicate keys); else :class:`ClinicTherapyError`."""
    label = shown(path)
    try:
        missing = not path.exists()
    except OSError:
        missing = False  # parse_yaml says what is wrong
    if missing:
        raise _refused(label, [Problem(label, "(file)", "file not found")])
    parsed, problems = parse_yaml(path, label)
    if parsed is None:
        raise _refused(label, problems)
    return label, parsed


def _check(label: str, parsed: Parsed, library: dict, today: dt.date) -> _Checked:
    """The file's therapy and references checked whole; else :class:`ClinicTherapyError` naming every problem."""
    problems: list[Problem] = []
    data = parsed.data
    if not isinstance(data, dict):
        raise _refused(label, [Problem(label, "(document)", "expected a mapping with 'therapy:' and 'references:'",
                                       parsed.line_of(()))])
    for key in data:
        if key not in PARTS:
            problems.append(Problem(label, str(key), "unknown part; the file holds 'therapy:' and 'references:'",
                                    parsed.line_of((key,))))
    if not isinstance(data.get("therapy"), dict):
        problems.append(Problem(label, "therapy", "required: a mapping in the shipped therapy-file format",
                                parsed.line_of(("therapy",))))
    raw_refs = data.get("references", [])
    if raw_refs is None:
        raw_refs = []
    if not isinstance(raw_refs, list):
        problems.append(Problem(label, "references", "expected a list of the clinic's references (may be empty)",
                                parsed.line_of(("references",))))
        raw_refs = []
    if problems:
        raise _refused(label, problems)

    therapy, found = validate(TherapyFile, parsed, label, ("therapy",))
    problems += found
    refs: list[ClinicReference] = []
    for index, item in enumerate(raw_refs):
        if not isinstance(item, dict):
            problems.append(Problem(label, f"references[{index}]", "expected a mapping of fields",
                                    parsed.line_of(("references", index))))
            continue
        ref, found = validate(ClinicReference, parsed, label, ("references", index))
        problems += found
        if ref is not None:
            refs.append(ref)
    listed = {entry.key for entry in therapy.references} if therapy is not None else None
    problems += _reference_problems(refs, label, parsed, library["shipped_keys"], listed)

    if therapy is not None:
        def at(field_path: str, message: str) -> Problem:
            return Problem(label, f"therapy.{field_path}", message, parsed.line_of(("therapy", *_loc(field_path))))

        if therapy.slug in library["shipped_slugs"]:
            problems.append(at("slug", f"{therapy.slug!r} is a shipped therapy: {SHIPPED_SLUG}"))
        elif therapy.slug in library["slugs"]:
            problems.append(at("slug", f"{therapy.slug!r} was added by the clinic already; give the new therapy "
                                       "another slug"))
        elif therapy.slug in library.get("withdrawn", ()):
            problems.append(at("slug", f"{therapy.slug!r} is a therapy the clinic removed; put it back with "
                                       f"'clinic-app therapy restore {therapy.slug}', or give the new therapy "
                                       "another slug"))
        for index, alias in enumerate((therapy.name, *therapy.aliases)):
            owner = library["names"].get(alias.casefold())
            if owner and owner != f"therapy {therapy.slug}":
                problems.append(at(f"aliases[{index - 1}]" if index else "name", f"{alias!r} already names {owner}"))
        # the file's own keys, also of a reference with a problem of its own (said once, above)
        known = library["shipped_keys"] | {item["key"] for item in raw_refs
                                           if isinstance(item, dict) and isinstance(item.get("key"), str)}
        found_rules = therapy_problems(therapy, known, library["attribute_kinds"], library["conditions"], today)
        problems += [at(field_path, message) for field_path, message in found_rules + _duplicate_texts(therapy)]
    if problems:
        raise _refused(label, problems)
    return _Checked(label, data["therapy"], therapy, refs)


def _refused(label: str, problems: list[Problem]) -> ClinicTherapyError:
    problems = sorted(set(problems), key=lambda p: (p.line or 0, p.field, p.message))
    return ClinicTherapyError(f"{label}: the therapy was not added: {len(problems)} problem(s) with it; "
                              "nothing was changed", problems)


# --- keys ----------------------------------------------------------------------------------------


def _stored_keys(local: list[str], taken: set[str]) -> dict[str, str]:
    """The file's keys -> free clinic keys (Z1, Z2... in order, skipping those taken)."""
    free = [f"{CLINIC_KEY_LETTER}{n}" for n in range(1, MAX_CLINIC_KEYS + 1)
            if f"{CLINIC_KEY_LETTER}{n}" not in taken]
    if len(free) < len(local):
        raise ClinicAppError(f"the clinic's references would need {len(local)} new key(s) but only {len(free)} of "
                             f"{CLINIC_KEY_LETTER}1-{CLINIC_KEY_LETTER}{MAX_CLINIC_KEYS} are free; nothing was added")
    return dict(zip(local, free, strict=False))


def _renumbered(raw: dict, keys: dict[str, str]) -> dict:
    """The therapy mapping with the file's keys of the clinic's references replaced by the stored ones:
    in its references, its comparison cells' refs and the [KEY] citations of its clinician texts."""
    out = json.loads(json.dumps(raw, default=str))

    def cite(match: re.Match) -> str:
        parts = re.split(r"(\s*[,;]\s*)", match.group(1))
        return "[" + "".join(keys.get(part, part) for part in parts) + "]"

    for entry in out.get("references") or ():
        entry["key"] = keys.get(entry.get("key"), entry.get("key"))
    for cell in (out.get("comparison") or {}).values():
        cell["refs"] = [keys.get(ref, ref) for ref in cell.get("refs") or ()]
    clinician = out.get("clinician") or {}
    for name, text in clinician.items():
        clinician[name] = CITATION.sub(cite, text)
    for position in out.get("by_condition") or ():
        position["clinician"] = CITATION.sub(cite, position["clinician"])
    return out


# --- writing -------------------------------------------------------------------------------------


def add_therapy(store: Store, path: Path, by: str, why: str, today: dt.date | None = None) -> AddResult:
    """Read the clinic's therapy file at ``path``, check it whole and add the therapy and the clinic's
    references in one transaction (the search index rebuilt). One problem and nothing is written."""
    by, why = _check_who_and_why(by, why)
    today = today or dt.date.today()
    label, parsed = _parse(Path(path))  # before the write transaction: a slow disk never holds the lock
    with store.write() as session:
        return add_document(session, label, parsed, by, f"added by the clinic: {why}", today)


def add_document(session, label: str, parsed: Parsed, by: str, reason: str,  # noqa: ANN001 - a Session
                 today: dt.date) -> AddResult:
    """Check the already-parsed document (``therapy:`` and ``references:``, as in a clinic's file;
    problems named with ``label``) against the library as ``session`` sees it, then write the clinic's
    references under free Z keys, the therapy (origin "clinic-added", one revision naming ``by`` and
    ``reason``) and the search index through ``session``: the caller's transaction, which it commits or
    rolls back. Raises :class:`ClinicTherapyError` naming every problem, writing nothing."""
    from sqlalchemy import select

    from clinic_app.content.loader import rebuild_search_index, write_therapy_file
    from clinic_app.storage.models import Attribute, Condition, Reference, Therapy

    library = _library(session)
    checked = _check(label, parsed, library, today)
    keys = _stored_keys([ref.key for ref in checked.references], library["clinic_keys"] | library["shipped_keys"])
    therapy = TherapyFile.model_validate(_renumbered(checked.raw, keys))
    for ref in checked.references:
        values = ref.model_dump(exclude={"key", "design"})
        session.add(Reference(key=keys[ref.key], design=ref.design or CLINIC_DESIGN,
                              title_is_label=False, n=None, level=None, certainty=None,
                              verification=CLINIC_VERIFICATION, **values))
    session.flush()
    references = {r.key: r for r in session.scalars(select(Reference))}
    attributes = {a.key: a for a in session.scalars(select(Attribute))}
    conditions = {c.slug: c for c in session.scalars(select(Condition))}
    row = Therapy(slug=therapy.slug, origin=CLINIC_ADDED, shipped_hash="")
    session.add(row)
    revision = write_therapy_file(session, row, therapy, CLINIC_ADDED, by, reason,
                                  references, attributes, conditions)
    row.updated_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    session.flush()
    rebuild_search_index(session)
    # the same rules once more on what is stored (the renumbered keys must resolve as the file's did)
    stored_keys = set(session.scalars(select(Reference.key)))
    left = therapy_problems(therapy, stored_keys, library["attribute_kinds"], library["conditions"], today)
    if left:  # pragma: no cover - a renumbering bug, never the clinic's file
        raise ClinicAppError(f"{checked.label}: the therapy could not be stored ({left[0][0]}: {left[0][1]}); "
                             "nothing was added")
    return AddResult(therapy.slug, therapy.name, revision.revision, tuple(keys.items()))


def list_clinic_therapies(reader: Reader) -> list[ClinicTherapy]:
    """The therapies the clinic added (also those it has edited since), by name."""
    rows = reader.query(
        "SELECT t.id, t.slug, t.name, t.origin, r.created_at, r.author, r.reason FROM therapy t "
        "JOIN content_revision r ON r.therapy_id = t.id AND r.revision = 1 WHERE r.origin = ? "
        f"ORDER BY {reader.sql.nocase('t.name')}, t.slug", (CLINIC_ADDED,))
    out = []
    for row in rows:
        keys = reader.query(
            "SELECT f.key FROM therapy_reference tr JOIN reference f ON f.id = tr.reference_id "
            "WHERE tr.therapy_id = ? AND f.verification = ? ORDER BY tr.position", (row["id"], CLINIC_VERIFICATION))
        created = row["created_at"]
        when = created if isinstance(created, dt.datetime) else dt.datetime.fromisoformat(str(created))
        out.append(ClinicTherapy(row["slug"], row["name"], row["origin"], when, row["author"], row["reason"],
                                 tuple(k[0] for k in keys)))
    return out


def library_of(source) -> dict:  # noqa: ANN001 - a Session, or a Reader
    """What :func:`check_document` checks a therapy against (the shipped slugs and keys, the names in use)."""
    return _library(source)


def check_document(label: str, parsed: Parsed, library: dict, today: dt.date) -> None:
    """The checks of :func:`add_therapy` on an already-parsed document (``therapy:`` and ``references:``),
    against ``library`` (:func:`library_of`); else :class:`ClinicTherapyError` naming every problem."""
    _check(label, parsed, library, today)


# --- removing and restoring ----------------------------------------------------------------------


@dataclass(frozen=True)
class RemovedTherapy:
    slug: str
    name: str
    removed_at: dt.datetime
    removed_by: str
    reason: str
    revisions: int  # revisions of its text kept with it


@dataclass(frozen=True)
class RestoreResult:
    slug: str
    name: str
    revision: int  # the revision saying who restored it and why


def _signed(by: str, why: str, what: str) -> tuple[str, str]:
    from clinic_app.services.revisions import check_who_and_why

    return check_who_and_why(by, why, what)


def added_by_clinic(reader: Reader, slug: str) -> bool:
    """Whether ``slug`` is in the library as a therapy the clinic added itself (its first revision's
    origin is "clinic-added", also once the clinic has edited it since): the kind that can be removed."""
    first = reader.query("SELECT r.origin FROM therapy t JOIN content_revision r ON r.therapy_id = t.id "
                         "WHERE t.slug = ? AND r.revision = 1", (slug,))
    return bool(first) and first[0][0] == CLINIC_ADDED


def _removable(reader: Reader, slug: str) -> None:
    """Nothing when ``slug`` is a therapy the clinic added; else the refusal naming it."""
    from clinic_app.services.library import unknown_therapies

    if added_by_clinic(reader, slug):
        return
    if reader.query("SELECT 1 FROM withdrawn_therapy WHERE slug = ?", (slug,)):
        raise ClinicAppError(f"{slug} was removed already; 'clinic-app therapy list --removed' lists removed "
                             "therapies; nothing was changed")
    if reader.query("SELECT 1 FROM therapy WHERE slug = ?", (slug,)):
        raise ClinicAppError(f"{slug} is a shipped therapy and cannot be removed: only a therapy the clinic added "
                             "itself can be; to keep it off patients' lists, set its clinic field 'offered' to "
                             "'no'; nothing was changed")
    raise unknown_therapies(reader, [slug])


def remove_therapy(store: Store, slug: str, by: str, why: str) -> RemovedTherapy:
    """Withdraw ``slug``, a therapy the clinic added, in one transaction: kept whole, with every
    revision, in ``withdrawn_therapy`` and gone from the therapy tables and the search index. A shipped
    therapy is refused by name, and nothing is changed."""
    from sqlalchemy import select

    from clinic_app.content.loader import rebuild_search_index
    from clinic_app.storage.models import Therapy, WithdrawnTherapy

    by, why = _signed(by, why, "removing a therapy")
    _removable(store, slug)
    with store.write() as session:
        row = session.scalar(select(Therapy).where(Therapy.slug == slug))
        revisions = sorted(row.revisions, key=lambda r: r.revision)
        kept = WithdrawnTherapy(
            slug=slug, name=row.name, withdrawn_by=by, reason=why,
            state={"origin": row.origin, "shipped_hash": row.shipped_hash,
                   "pending_shipped_version": row.pending_shipped_version,
                   "updated_at": row.updated_at.isoformat() if row.updated_at else None},
            revisions=[{"revision": r.revision, "created_at": r.created_at.isoformat(), "author": r.author,
                        "reason": r.reason, "origin": r.origin, "content_version": r.content_version,
                        "content_hash": r.content_hash, "snapshot": r.snapshot} for r in revisions])
        session.add(kept)
        session.delete(row)
        session.flush()
        rebuild_search_index(session)
        return RemovedTherapy(slug, kept.name, kept.withdrawn_at, by, why, len(revisions))


def list_removed(reader: Reader) -> list[RemovedTherapy]:
    """The therapies the clinic removed, by name: restorable with :func:`restore_therapy`."""
    rows = reader.query("SELECT slug, name, withdrawn_at, withdrawn_by, reason, revisions FROM withdrawn_therapy "
                        f"ORDER BY {reader.sql.nocase('name')}, slug")
    return [RemovedTherapy(row["slug"], row["name"], _when(row["withdrawn_at"]), row["withdrawn_by"], row["reason"],
                           len(json.loads(row["revisions"]))) for row in rows]


def _when(value) -> dt.datetime:  # noqa: ANN001 - a datetime, or the text sqlite3 returns
    return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))


def restore_therapy(store: Store, slug: str, by: str, why: str, today: dt.date | None = None) -> RestoreResult:
    """Put back ``slug``, a therapy the clinic removed, with every revision it had and one more naming
    who restored it and why, in one transaction. Refused, naming the problem, when the slug is taken
    now or its text no longer passes the checks here (a reference or condition the library dropped)."""
    from sqlalchemy import select

    from clinic_app.content.loader import PENDING_ORIGIN, apply_therapy_file, rebuild_search_index, write_therapy_file
    from clinic_app.errors import NotFoundError
    from clinic_app.services.revisions import name_clashes
    from clinic_app.services.therapy_edits import names_in_use
    from clinic_app.storage.models import Attribute, Condition, ContentRevision, Reference, Therapy, WithdrawnTherapy

    by, why = _signed(by, why, "restoring a therapy")
    today = today or dt.date.today()
    with store.write() as session:
        kept = session.scalar(select(WithdrawnTherapy).where(WithdrawnTherapy.slug == slug))
        if kept is None:
            removed = ", ".join(session.scalars(select(WithdrawnTherapy.slug).order_by(WithdrawnTherapy.slug))) or "none"
            raise NotFoundError(f"{slug!r} is not a therapy the clinic removed; removed therapies: {removed}")
        if session.scalar(select(Therapy.id).where(Therapy.slug == slug)) is not None:
            raise ClinicAppError(f"a therapy with the slug {slug} is in the library now, so the removed {slug} cannot "
                                 "come back under it; nothing was restored")
        current = [r for r in kept.revisions if r["origin"] != PENDING_ORIGIN][-1]
        therapy = TherapyFile.model_validate(current["snapshot"])
        library = _library(session)
        found = therapy_problems(therapy, library["shipped_keys"] | library["clinic_keys"],
                                 library["attribute_kinds"], library["conditions"], today)
        problems = [f"{path}: {message}" for path, message in found]
        names = {"name": therapy.name, **{f"aliases[{i}]": alias for i, alias in enumerate(therapy.aliases)}}
        problems += name_clashes(names, names_in_use(session), f"therapy {slug}")
        if problems:
            raise ClinicTherapyError(f"{slug} cannot be restored: {len(problems)} problem(s) with its text here; "
                                     "nothing was restored", problems)
        references = {r.key: r for r in session.scalars(select(Reference))}
        attributes = {a.key: a for a in session.scalars(select(Attribute))}
        conditions = {c.slug: c for c in session.scalars(select(Condition))}
        state = kept.state
        row = Therapy(slug=slug, origin=state["origin"], shipped_hash=state["shipped_hash"] or "",
                      pending_shipped_version=state.get("pending_shipped_version"))
        apply_therapy_file(session, row, therapy, references, attributes, conditions)
        row.revisions = [ContentRevision(revision=r["revision"], created_at=_when(r["created_at"]), author=r["author"],
                                         reason=r["reason"], origin=r["origin"], content_version=r["content_version"],
                                         content_hash=r["content_hash"], snapshot=r["snapshot"])
                         for r in kept.revisions]
        session.add(row)
        session.flush()
        removed_on = f"{_when(kept.withdrawn_at):%Y-%m-%d} by {kept.withdrawn_by} ({kept.reason})"
        revision = write_therapy_file(session, row, therapy, state["origin"], by,
                                      f"restored after its removal on {removed_on}: {why}",
                                      references, attributes, conditions)
        row.updated_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        session.delete(kept)
        session.flush()
        rebuild_search_index(session)
        return RestoreResult(slug, therapy.name, revision.revision)
