"""Write checked content into the store.

Rules a clinic relies on:
- Loading is idempotent: the same files twice give the same database.
- A newer shipped version of a therapy replaces the older one, and is kept as a revision.
- A therapy the clinic has edited (``origin == "clinic"``) or added itself (``"clinic-added"``, see
  :mod:`clinic_app.services.clinic_therapies`) is never overwritten: the newer shipped
  version is recorded in ``pending_shipped_version`` and its file kept as a revision with origin
  ``"shipped-pending"``, so the app can show the clash (see :mod:`clinic_app.services.therapy_edits`).
- A condition's text is written only while its latest revision is shipped: once the clinic has
  edited it (a revision with origin ``"clinic"``, see :mod:`clinic_app.services.condition_edits`), a
  newer shipped text is kept as a ``"shipped-pending"`` revision beside it instead, for the clinic to
  review.
- Nothing is written unless the whole content directory passes the check.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from clinic_app.errors import ContentError
from clinic_app.storage.database import Database
from clinic_app.storage.models import (
    AppMeta,
    Attribute,
    AttributeValue,
    Condition,
    ConditionReference,
    ConditionRevision,
    ContentRevision,
    Reference,
    Therapy,
    TherapyReference,
)

from .check import ContentBundle, load_content
from .schema import ConditionFile, TherapyFile

SHIPPED_AUTHOR = "Clinic Reference shipped content"
# The origin of a revision holding a newer shipped file that was not applied because the clinic had
# edited the therapy (its text stays the clinic's until the clinic reviews the change).
PENDING_ORIGIN = "shipped-pending"
CLINIC_ORIGIN = "clinic"


@dataclass
class LoadReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept_clinic_edits: list[str] = field(default_factory=list)
    library_version: str = ""

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated)


def therapy_hash(therapy: TherapyFile) -> str:
    return hashlib.sha256(therapy.model_dump_json().encode()).hexdigest()


def therapy_snapshot(therapy: TherapyFile) -> dict:
    return json.loads(therapy.model_dump_json())


def checked_bundle(bundle: ContentBundle | None = None) -> ContentBundle:
    """The content to load (the shipped content by default), whole and checked: a problem raises a
    :class:`ContentError` listing them all, before anything is written."""
    if bundle is None:
        bundle, problems = load_content()
        if problems:
            raise ContentError(
                f"the content in {bundle.directory} has {len(problems)} problem(s); nothing was loaded",
                problems,
            )
    return bundle


def load_into(db: Database, bundle: ContentBundle | None = None) -> LoadReport:
    """Check the content (shipped by default) and write it to ``db`` in one transaction."""
    bundle = checked_bundle(bundle)
    with db.session() as session:
        return write_content(session, bundle)


def loaded_fingerprint(session: Session) -> str | None:
    """The fingerprint of the content in the store, or None when none is loaded (a new store, or a
    migration that asks for the content to be loaded again)."""
    return session.scalar(select(AppMeta.value).where(AppMeta.key == "content_fingerprint")) or None


def write_content(session: Session, bundle: ContentBundle) -> LoadReport:
    """Write a checked ``bundle`` through ``session`` (the caller's transaction)."""
    report = LoadReport(library_version=bundle.library.version if bundle.library else "")
    references = _upsert_references(session, bundle)
    attributes = _upsert_attributes(session, bundle)
    conditions = _upsert_conditions(session, bundle, references, report)
    for therapy_file in bundle.therapies:
        _load_therapy(session, therapy_file, references, attributes, conditions, report)
    session.flush()
    rebuild_search_index(session)
    _set_meta(session, "content_fingerprint", bundle.fingerprint)
    _set_meta(session, "library_version", report.library_version)
    if bundle.library:
        _set_meta(session, "library_json", bundle.library.model_dump_json())
    return report


def _set_meta(session: Session, key: str, value: str) -> None:
    row = session.get(AppMeta, key)
    if row is None:
        session.add(AppMeta(key=key, value=value))
    elif row.value != value:
        row.value = value


def _upsert(session: Session, model, key_attr: str, key: str, values: dict):  # noqa: ANN001, ANN202
    row = session.scalar(select(model).where(getattr(model, key_attr) == key))
    if row is None:
        row = model(**{key_attr: key}, **values)
        session.add(row)
    else:
        for name, value in values.items():
            if getattr(row, name) != value:
                setattr(row, name, value)
    return row


def _upsert_references(session: Session, bundle: ContentBundle) -> dict[str, Reference]:
    out = {}
    for ref in bundle.references:
        values = ref.model_dump(exclude={"key"})
        out[ref.key] = _upsert(session, Reference, "key", ref.key, values)
    return out


def _upsert_attributes(session: Session, bundle: ContentBundle) -> dict[str, Attribute]:
    out = {}
    for attr in bundle.attributes:
        values = {"clinician_label": attr.clinician_label, "patient_question": attr.patient_question,
                  "position": attr.order, "kind": attr.kind}
        out[attr.key] = _upsert(session, Attribute, "key", attr.key, values)
    return out


def condition_snapshot(condition: ConditionFile) -> dict:
    return json.loads(condition.model_dump_json())


def condition_hash(condition: ConditionFile) -> str:
    return hashlib.sha256(condition.model_dump_json().encode()).hexdigest()


def condition_row_snapshot(row: Condition) -> dict:
    """The condition file a stored condition row holds (its text, aliases, order and references)."""
    return {"slug": row.slug, "name": row.name, "patient_name": row.patient_name, "description": row.description,
            "aliases": list(row.aliases or ()), "order": row.position, "clinician": dict(row.clinician_text or {}),
            "patient": dict(row.patient_text or {}),
            "references": [{"key": link.reference.key, "supports": link.claim} for link in row.references]}


def condition_revisions(session: Session, slug: str) -> list[ConditionRevision]:
    """Every stored revision of condition ``slug``, oldest first."""
    return list(session.scalars(select(ConditionRevision).where(ConditionRevision.condition_slug == slug)
                                .order_by(ConditionRevision.revision)))


def _current_condition_revision(revisions: list[ConditionRevision]) -> ConditionRevision | None:
    current = [r for r in revisions if r.origin != PENDING_ORIGIN]
    return current[-1] if current else None


def add_condition_revision(session: Session, slug: str, condition: ConditionFile, origin: str, author: str,
                           reason: str, base_hash: str) -> ConditionRevision:
    """Keep ``condition`` as the next revision of ``slug`` (the row is not changed)."""
    number = (session.scalar(select(func.max(ConditionRevision.revision))
                             .where(ConditionRevision.condition_slug == slug)) or 0) + 1
    revision = ConditionRevision(condition_slug=slug, revision=number, author=author, reason=reason, origin=origin,
                                 content_hash=condition_hash(condition), base_hash=base_hash,
                                 snapshot=condition_snapshot(condition))
    session.add(revision)
    session.flush()
    return revision


def write_condition_file(session: Session, row: Condition, c: ConditionFile, origin: str, author: str, reason: str,
                         base_hash: str, references: dict[str, Reference] | None = None) -> ConditionRevision:
    """Write ``c`` onto ``row`` (text, aliases, order, references) and keep it as a new revision, in the
    caller's transaction. A condition stored before revisions were kept gets its stored text as a first
    shipped revision before the first one that is not shipped, so its history starts from it."""
    if references is None:
        references = {r.key: r for r in session.scalars(select(Reference))}
    if row.id is not None and origin != "shipped" and not condition_revisions(session, row.slug):
        before = ConditionFile.model_validate(condition_row_snapshot(row))
        add_condition_revision(session, row.slug, before, "shipped", SHIPPED_AUTHOR,
                               "the shipped text, as stored before the clinic's first edit", condition_hash(before))
    _apply_condition_file(session, row, c, references)
    return add_condition_revision(session, c.slug, c, origin, author, reason, base_hash)


def _apply_condition_file(session: Session, row: Condition, c: ConditionFile, references: dict[str, Reference]) -> None:
    values = {"name": c.name, "description": c.description, "patient_name": c.patient_name,
              "aliases": list(c.aliases), "position": c.order,
              "clinician_text": c.clinician.model_dump(), "patient_text": c.patient.model_dump()}
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
    wanted = [(entry.key, entry.supports) for entry in c.references]
    if row.id is None or [(link.reference.key, link.claim) for link in row.references] != wanted:
        if row.id is not None:
            with session.no_autoflush:
                session.execute(delete(ConditionReference).where(ConditionReference.condition_id == row.id))
                session.expire(row, ["references"])
        row.references = [ConditionReference(reference=references[key], claim=claim, position=index)
                          for index, (key, claim) in enumerate(wanted)]


def _upsert_conditions(session: Session, bundle: ContentBundle, references: dict[str, Reference],
                       report: LoadReport | None = None) -> dict[str, Condition]:
    out = {}
    for c in bundle.conditions:
        digest = condition_hash(c)
        row = session.scalar(select(Condition).where(Condition.slug == c.slug))
        if row is None:
            row = Condition(slug=c.slug)
            session.add(row)
        out[c.slug] = row
        revisions = condition_revisions(session, c.slug) if row.id is not None else []
        current = _current_condition_revision(revisions)
        if current is not None and current.origin == CLINIC_ORIGIN:  # the clinic's text: never overwritten
            if row.position != c.order:
                row.position = c.order
            waiting = {r.content_hash for r in revisions if r.origin == PENDING_ORIGIN and r.revision > current.revision}
            if digest != current.base_hash and digest not in waiting:
                add_condition_revision(session, c.slug, c, PENDING_ORIGIN, SHIPPED_AUTHOR,
                                       "newer shipped text, not applied: the clinic has edited this condition", digest)
            if report is not None:
                report.kept_clinic_edits.append(f"condition {c.slug}")
            continue
        _apply_condition_file(session, row, c, references)
        if current is None or current.content_hash != digest:
            session.flush()
            add_condition_revision(session, c.slug, c, "shipped", SHIPPED_AUTHOR,
                                   "first load of shipped content" if current is None else "newer shipped text",
                                   digest)
    # a condition no longer shipped goes (its therapy links go with it, by cascade)
    for old in session.scalars(select(Condition).where(Condition.slug.not_in(list(out)))).all():
        session.delete(old)
    return out


def _load_therapy(session, therapy_file, references, attributes, conditions, report) -> None:  # noqa: ANN001
    digest = therapy_hash(therapy_file)
    row = session.scalar(select(Therapy).where(Therapy.slug == therapy_file.slug))
    if row is None:
        row = Therapy(slug=therapy_file.slug, origin="shipped")
        session.add(row)
        write_therapy_file(session, row, therapy_file, "shipped", SHIPPED_AUTHOR, "first load of shipped content",
                           references, attributes, conditions)
        row.shipped_hash = digest
        report.added.append(therapy_file.slug)
        return
    if row.origin in ("clinic", "clinic-added"):  # a clinic's therapy (edited, or added with the slug shipped later)
        if therapy_file.content_version > row.content_version and row.pending_shipped_version != therapy_file.content_version:
            row.pending_shipped_version = therapy_file.content_version
            # kept beside the clinic's text (never applied to it), so the clinic can compare and choose
            _add_revision(session, row, therapy_file, digest, PENDING_ORIGIN, SHIPPED_AUTHOR,
                          f"shipped content version {therapy_file.content_version}, not applied: "
                          "the clinic has edited this therapy")
        report.kept_clinic_edits.append(therapy_file.slug)
        return
    if row.shipped_hash == digest or therapy_file.content_version < row.content_version:
        report.unchanged.append(therapy_file.slug)
        return
    write_therapy_file(session, row, therapy_file, "shipped", SHIPPED_AUTHOR,
                       f"shipped content version {therapy_file.content_version}", references, attributes, conditions)
    row.shipped_hash = digest
    row.pending_shipped_version = None
    report.updated.append(therapy_file.slug)


def write_therapy_file(session: Session, row: Therapy, t: TherapyFile, origin: str, author: str, reason: str,
                       references=None, attributes=None, conditions=None) -> ContentRevision:  # noqa: ANN001
    """Write ``t`` onto ``row`` (every field, links included), set the row's ``origin`` and keep the
    whole file as a new revision, in the caller's transaction. The reference, attribute and condition
    rows are read from the session unless given. The caller sets ``shipped_hash`` and
    ``pending_shipped_version`` and rebuilds the search index when it is done."""
    if references is None:
        references = {r.key: r for r in session.scalars(select(Reference))}
    if attributes is None:
        attributes = {a.key: a for a in session.scalars(select(Attribute))}
    if conditions is None:
        conditions = {c.slug: c for c in session.scalars(select(Condition))}
    apply_therapy_file(session, row, t, references, attributes, conditions)
    row.origin = origin
    return _add_revision(session, row, t, therapy_hash(t), origin, author, reason)


def apply_therapy_file(session, row: Therapy, t: TherapyFile, references, attributes, conditions) -> None:  # noqa: ANN001
    """Copy every field of ``t`` onto ``row`` (links included)."""
    row.name, row.patient_name = t.name, t.patient_name
    row.category, row.status, row.evidence_grade = t.category, t.status, t.evidence_grade
    c = t.clinician
    row.clinician_summary, row.mechanism, row.procedure = c.summary, c.mechanism, c.procedure
    row.candidates, row.contraindications, row.risks = c.candidates, c.contraindications, c.risks
    row.recovery, row.regulatory_note, row.evidence_summary = c.recovery, c.regulatory, c.evidence
    row.patient_text = t.patient.model_dump()
    row.aliases = list(t.aliases)
    row.by_condition = [p.model_dump() for p in t.by_condition]
    row.content_version = t.content_version
    row.production_date, row.last_reviewed, row.reviewer = t.production_date, t.last_reviewed, t.reviewer
    row.update_policy, row.funding = t.update_policy, t.funding
    if row.id is not None:  # replace links: delete first, so unique (therapy, reference) never clashes
        with session.no_autoflush:
            session.execute(delete(TherapyReference).where(TherapyReference.therapy_id == row.id))
            session.execute(delete(AttributeValue).where(AttributeValue.therapy_id == row.id))
            session.expire(row, ["references", "values"])
    row.references = [
        TherapyReference(reference=references[entry.key], claim=entry.supports, position=index)
        for index, entry in enumerate(t.references)
    ]
    row.values = [
        AttributeValue(attribute=attributes[key], text=cell.text, scale=cell.scale, reference_keys=list(cell.refs))
        for key, cell in t.comparison.items()
    ]
    row.conditions = [conditions[slug] for slug in t.conditions]


def _add_revision(session, row, t, digest, origin, author, reason) -> ContentRevision:  # noqa: ANN001
    number = (max((r.revision for r in row.revisions), default=0) + 1) if row.id is not None else 1
    revision = ContentRevision(revision=number, author=author, reason=reason, origin=origin,
                               content_version=t.content_version, content_hash=digest, snapshot=therapy_snapshot(t))
    row.revisions.append(revision)
    return revision


# The index rows share the therapy's id, so a hit leads straight to its therapy row.
_INSERT_INDEX = text(
    "INSERT INTO search_index (rowid, slug, name, aliases, summary, body) "
    "VALUES (:id, :slug, :name, :aliases, :summary, :body)"
)
_INSERT_REFS = text("INSERT INTO search_refs (rowid, slug, refs) VALUES (:id, :slug, :refs)")


def _reference_text(links) -> str:  # noqa: ANN001
    out = []
    for link in links:
        r = link.reference
        out.append(" ".join(str(p) for p in (r.key, r.authors, r.year, r.title, r.journal, r.pmid, r.doi,
                                             r.pmcid, r.other_id, r.design, r.finding) if p))
    return "\n".join(out)


def _flat(value) -> str:  # noqa: ANN001
    return value if isinstance(value, str) else " ".join(value)


def rebuild_search_index(session: Session) -> None:
    """Refill the FTS5 indexes from the therapy tables (cheap, and always in step)."""
    session.execute(text("DELETE FROM search_index"))
    session.execute(text("DELETE FROM search_refs"))
    for therapy in session.scalars(select(Therapy)).all():
        patient = therapy.patient_text or {}
        body = [therapy.mechanism, therapy.procedure, therapy.candidates, therapy.contraindications,
                therapy.risks, therapy.recovery, therapy.regulatory_note, therapy.evidence_summary]
        body += [_flat(value) for key, value in patient.items() if key not in ("summary", "paper", "figures") and value]
        body += [value.text for value in therapy.values]
        body += [f"{p['clinician']} {p['patient']}" for p in therapy.by_condition or []]
        session.execute(_INSERT_INDEX, {
            "id": therapy.id, "slug": therapy.slug, "name": f"{therapy.name} {therapy.patient_name}",
            "aliases": "\n".join(therapy.aliases or []),
            "summary": f"{therapy.clinician_summary} {patient.get('summary', '')}", "body": "\n".join(body),
        })
        session.execute(_INSERT_REFS, {"id": therapy.id, "slug": therapy.slug, "refs": _reference_text(therapy.references)})
