"""SQLAlchemy 2 typed models. Alembic migrations in ``db/versions`` own the schema's truth;
``tests/unit/test_migrations.py`` checks these models and the migrated schema agree."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Therapy(Base):
    __tablename__ = "therapy"
    # the list and the search hits read these columns only: a covering index keeps them off the
    # therapy rows, whose long texts would otherwise be read for every line of the list
    __table_args__ = (Index("ix_therapy_listing", "id", "slug", "name", "category", "status", "evidence_grade",
                            "patient_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    patient_name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    evidence_grade: Mapped[str] = mapped_column(String(20))
    # clinician text
    clinician_summary: Mapped[str] = mapped_column(Text)
    mechanism: Mapped[str] = mapped_column(Text)
    procedure: Mapped[str] = mapped_column(Text)
    candidates: Mapped[str] = mapped_column(Text)
    contraindications: Mapped[str] = mapped_column(Text)
    risks: Mapped[str] = mapped_column(Text)
    recovery: Mapped[str] = mapped_column(Text)
    regulatory_note: Mapped[str] = mapped_column(Text)
    evidence_summary: Mapped[str] = mapped_column(Text)
    # patient text (plain language), one JSON object of the PatientText fields
    patient_text: Mapped[dict] = mapped_column(JSON)
    # what people type to find it (abbreviations, drug and brand names, lay words)
    aliases: Mapped[list] = mapped_column(JSON, default=list)
    # where the position differs by condition: [{"condition", "clinician", "patient"}]
    by_condition: Mapped[list] = mapped_column(JSON, default=list)
    # governance
    content_version: Mapped[int] = mapped_column(Integer)
    production_date: Mapped[dt.date] = mapped_column(Date)
    last_reviewed: Mapped[dt.date] = mapped_column(Date)
    reviewer: Mapped[str] = mapped_column(String(200))
    update_policy: Mapped[str] = mapped_column(Text)
    funding: Mapped[str] = mapped_column(Text)
    # where the current text came from: "shipped" or "clinic" (edited here; never overwritten)
    origin: Mapped[str] = mapped_column(String(20), default="shipped")
    shipped_hash: Mapped[str] = mapped_column(String(64))
    pending_shipped_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_utcnow)

    references: Mapped[list[TherapyReference]] = relationship(
        back_populates="therapy", cascade="all, delete-orphan", order_by="TherapyReference.position"
    )
    values: Mapped[list[AttributeValue]] = relationship(back_populates="therapy", cascade="all, delete-orphan")
    conditions: Mapped[list[Condition]] = relationship(secondary="therapy_condition", back_populates="therapies")
    revisions: Mapped[list[ContentRevision]] = relationship(back_populates="therapy", cascade="all, delete-orphan")


class Reference(Base):
    __tablename__ = "reference"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(10), unique=True)
    authors: Mapped[str | None] = mapped_column(Text, nullable=True)
    year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    title: Mapped[str] = mapped_column(Text)
    title_is_label: Mapped[bool] = mapped_column(Boolean, default=False)
    journal: Mapped[str | None] = mapped_column(String(300), nullable=True)
    citation: Mapped[str | None] = mapped_column(String(200), nullable=True)
    pmid: Mapped[str | None] = mapped_column(String(12), nullable=True)
    doi: Mapped[str | None] = mapped_column(String(200), nullable=True)
    pmcid: Mapped[str | None] = mapped_column(String(16), nullable=True)
    other_id: Mapped[str | None] = mapped_column(String(300), nullable=True)
    design: Mapped[str] = mapped_column(String(300))
    n: Mapped[int | None] = mapped_column(Integer, nullable=True)
    level: Mapped[int | None] = mapped_column(Integer, nullable=True)
    certainty: Mapped[str | None] = mapped_column(String(20), nullable=True)
    finding: Mapped[str] = mapped_column(Text)
    verification: Mapped[str] = mapped_column(String(20))
    source_seen: Mapped[str] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)


class TherapyReference(Base):
    __tablename__ = "therapy_reference"
    __table_args__ = (UniqueConstraint("therapy_id", "reference_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    therapy_id: Mapped[int] = mapped_column(ForeignKey("therapy.id", ondelete="CASCADE"))
    reference_id: Mapped[int] = mapped_column(ForeignKey("reference.id", ondelete="RESTRICT"))
    claim: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)

    therapy: Mapped[Therapy] = relationship(back_populates="references")
    reference: Mapped[Reference] = relationship()


class Attribute(Base):
    __tablename__ = "attribute"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60), unique=True)
    clinician_label: Mapped[str] = mapped_column(String(200))
    patient_question: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))


class AttributeValue(Base):
    __tablename__ = "attribute_value"
    __table_args__ = (UniqueConstraint("therapy_id", "attribute_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    therapy_id: Mapped[int] = mapped_column(ForeignKey("therapy.id", ondelete="CASCADE"))
    attribute_id: Mapped[int] = mapped_column(ForeignKey("attribute.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    scale: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reference_keys: Mapped[list] = mapped_column(JSON, default=list)

    therapy: Mapped[Therapy] = relationship(back_populates="values")
    attribute: Mapped[Attribute] = relationship()


class Condition(Base):
    __tablename__ = "condition"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    patient_name: Mapped[str] = mapped_column(String(200), default="")
    aliases: Mapped[list] = mapped_column(JSON, default=list)
    position: Mapped[int] = mapped_column(Integer, default=0)
    clinician_text: Mapped[dict] = mapped_column(JSON, default=dict)
    patient_text: Mapped[dict] = mapped_column(JSON, default=dict)

    therapies: Mapped[list[Therapy]] = relationship(secondary="therapy_condition", back_populates="conditions")
    references: Mapped[list[ConditionReference]] = relationship(
        back_populates="condition", cascade="all, delete-orphan", order_by="ConditionReference.position"
    )


class ConditionReference(Base):
    __tablename__ = "condition_reference"
    __table_args__ = (UniqueConstraint("condition_id", "reference_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    condition_id: Mapped[int] = mapped_column(ForeignKey("condition.id", ondelete="CASCADE"))
    reference_id: Mapped[int] = mapped_column(ForeignKey("reference.id", ondelete="RESTRICT"))
    claim: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)

    condition: Mapped[Condition] = relationship(back_populates="references")
    reference: Mapped[Reference] = relationship()


class TherapyCondition(Base):
    __tablename__ = "therapy_condition"

    therapy_id: Mapped[int] = mapped_column(ForeignKey("therapy.id", ondelete="CASCADE"), primary_key=True)
    condition_id: Mapped[int] = mapped_column(ForeignKey("condition.id", ondelete="CASCADE"), primary_key=True)


class ClinicProfile(Base):
    __tablename__ = "clinic_profile"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str] = mapped_column(String(60), default="")
    hours: Mapped[str] = mapped_column(String(200), default="")
    website: Mapped[str] = mapped_column(String(200), default="")
    logo_png: Mapped[bytes | None] = mapped_column(nullable=True)
    clinicians: Mapped[list] = mapped_column(JSON, default=list)
    disclaimer: Mapped[str] = mapped_column(Text, default="")
    paper_size: Mapped[str] = mapped_column(String(10), default="a4")
    large_print: Mapped[bool] = mapped_column(Boolean, default=False)
    keep_patient_names: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")  # counted up by every save
    updated_in: Mapped[str] = mapped_column(String(200), default="", server_default="")  # the room that saved it
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class ContentRevision(Base):
    """Every saved version of a therapy's content: shipped loads and clinic edits alike."""

    __tablename__ = "content_revision"
    __table_args__ = (UniqueConstraint("therapy_id", "revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    therapy_id: Mapped[int] = mapped_column(ForeignKey("therapy.id", ondelete="CASCADE"))
    revision: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_utcnow)
    author: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    origin: Mapped[str] = mapped_column(String(20))
    content_version: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    snapshot: Mapped[dict] = mapped_column(JSON)

    therapy: Mapped[Therapy] = relationship(back_populates="revisions")


class AppMeta(Base):
    """Key/value facts about the store: shipped content version and fingerprint."""

    __tablename__ = "app_meta"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class HandoutPrint(Base):
    """One print or export of a handout: what was handed out, exactly. Rows are never changed
    afterwards (database triggers refuse it), except that a privacy purge may blank ``patient_name``,
    ``personal_notes`` and ``personal_next_steps`` (the patient's parts, kept beside the snapshot,
    never in it) and take the file name out of a PDF's ``destination``."""

    __tablename__ = "handout_print"

    id: Mapped[int] = mapped_column(primary_key=True)
    printed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_utcnow)
    kind: Mapped[str] = mapped_column(String(20))  # pdf | printer
    destination: Mapped[str] = mapped_column(Text)
    therapies: Mapped[list] = mapped_column(JSON)
    content_versions: Mapped[dict] = mapped_column(JSON)
    library_version: Mapped[str] = mapped_column(String(40))
    paper: Mapped[str] = mapped_column(String(10))
    options: Mapped[dict] = mapped_column(JSON)
    patient_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    clinician: Mapped[str] = mapped_column(String(200), default="")
    snapshot: Mapped[bytes] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))
    reprint_of: Mapped[int | None] = mapped_column(ForeignKey("handout_print.id", ondelete="RESTRICT"), nullable=True)
    personal_notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    personal_next_steps: Mapped[str | None] = mapped_column(Text, nullable=True)
    # made with the record, in the room (a UUID): a record held in a room's outbox is delivered once
    record_key: Mapped[str | None] = mapped_column(String(36), nullable=True, unique=True, index=True)


class ComparisonPreset(Base):
    """A comparison the clinic saved by name: its therapies in column order and its rows."""

    __tablename__ = "comparison_preset"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    therapy_slugs: Mapped[list] = mapped_column(JSON)
    row_keys: Mapped[list] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")  # counted up by every save
    updated_in: Mapped[str] = mapped_column(String(200), default="", server_default="")  # the room that saved it
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class Consultation(Base):
    """One consultation as it was recorded when it ended. Rows are never changed afterwards (database
    triggers refuse it), except that a privacy purge may blank ``patient_label`` and ``notes`` and set
    ``purged_at``; a correction is a new row whose ``corrects`` names the old one."""

    __tablename__ = "consultation"

    id: Mapped[int] = mapped_column(primary_key=True)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_utcnow, index=True)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime)
    clinician: Mapped[str] = mapped_column(String(200), default="", index=True)
    patient_label: Mapped[str | None] = mapped_column(String(100), nullable=True)
    therapies: Mapped[list] = mapped_column(JSON)  # slugs in the order discussed
    rows: Mapped[list] = mapped_column(JSON)  # comparison row keys chosen with the patient
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    content_versions: Mapped[dict] = mapped_column(JSON)
    library_version: Mapped[str] = mapped_column(String(40))
    corrects: Mapped[int | None] = mapped_column(ForeignKey("consultation.id", ondelete="RESTRICT"), nullable=True,
                                                 unique=True)
    purged_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    # made with the record, in the room (a UUID): a record held in a room's outbox is delivered once
    record_key: Mapped[str | None] = mapped_column(String(36), nullable=True, unique=True, index=True)


class ConsultationHandout(Base):
    """A handout given in a consultation, with the SHA-256 its print record had at the time."""

    __tablename__ = "consultation_handout"

    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id", ondelete="RESTRICT"), primary_key=True)
    handout_print_id: Mapped[int] = mapped_column(ForeignKey("handout_print.id", ondelete="RESTRICT"), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))


class RecordChain(Base):
    """One link of the record chain (see :mod:`clinic_app.storage.chain`): a consultation, handout or
    purge, the SHA-256 of its lasting fields and the chain hash tying it to the entry before it.
    Entries are never changed or deleted (database triggers refuse it). A record with two entries is
    not refused here but reported by ``db check``: a refusal would stop the clinic recording at all."""

    __tablename__ = "record_chain"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # consultation | handout | purge
    record_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # None for a purge
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime)
    content_hash: Mapped[str] = mapped_column(String(64))
    previous_hash: Mapped[str] = mapped_column(String(64))
    chain_hash: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(Text, nullable=True)  # a purge's content (it has no row elsewhere)


class ClinicField(Base):
    """What the clinic writes itself beside a therapy's shipped text, one row per therapy and field
    (see :mod:`clinic_app.services.clinic_fields`); a cleared field has no row."""

    __tablename__ = "clinic_field"
    __table_args__ = (UniqueConstraint("therapy_slug", "field_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    therapy_slug: Mapped[str] = mapped_column(String(80))
    field_key: Mapped[str] = mapped_column(String(20))  # cost | offered | protocol | contact
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_utcnow)
    updated_by: Mapped[str] = mapped_column(String(200))


class ClinicFieldRevision(Base):
    """One change to a clinic field: before and after, when, who and why. Rows are never changed or
    deleted (database triggers refuse it); a revert is a new row whose ``reverts`` names the old one."""

    __tablename__ = "clinic_field_revision"
    __table_args__ = (CheckConstraint("trim(changed_by) <> ''", name="changed_by_given"),
                      CheckConstraint("trim(reason) <> ''", name="reason_given"))

    id: Mapped[int] = mapped_column(primary_key=True)
    therapy_slug: Mapped[str] = mapped_column(String(80), index=True)
    field_key: Mapped[str] = mapped_column(String(20))
    before: Mapped[str] = mapped_column(Text)
    after: Mapped[str] = mapped_column(Text)
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_utcnow)
    changed_by: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    reverts: Mapped[int | None] = mapped_column(ForeignKey("clinic_field_revision.id", ondelete="RESTRICT"),
                                                nullable=True)

# The clinic's condition edits and removed therapies (migration 0010).
# ``condition_revision``: every saved version of a condition's text, shipped loads and clinic edits
# alike (as ``content_revision`` is for therapies); a condition's latest revision that is not a newer
# shipped text waiting for review says whose text it holds, and ``base_hash`` the shipped text it is
# based on. ``withdrawn_therapy``: a therapy the clinic added and then removed, whole (its last state
# and every revision), so it can be put back exactly; while there it is in no therapy table.


class ConditionRevision(Base):
    """One saved version of a condition's text: who, when, why, where it came from, the whole text."""

    __tablename__ = "condition_revision"
    __table_args__ = (UniqueConstraint("condition_slug", "revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    condition_slug: Mapped[str] = mapped_column(String(80), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_utcnow)
    author: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    origin: Mapped[str] = mapped_column(String(20))  # shipped | clinic | shipped-pending
    content_hash: Mapped[str] = mapped_column(String(64))
    base_hash: Mapped[str] = mapped_column(String(64))  # the shipped text this version is based on
    snapshot: Mapped[dict] = mapped_column(JSON)


class WithdrawnTherapy(Base):
    """A therapy the clinic added and removed, kept whole until it is restored."""

    __tablename__ = "withdrawn_therapy"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    withdrawn_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_utcnow)
    withdrawn_by: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    state: Mapped[dict] = mapped_column(JSON)  # the therapy row's own columns: origin, shipped_hash, ...
    revisions: Mapped[list] = mapped_column(JSON)  # every content_revision row, oldest first
