"""The tables of the clinic's condition edits and removed therapies (migration 0010), declared on the
store's models' metadata (:class:`clinic_app.storage.models.Base`) so Alembic and the schema test see
one set of models.

- ``condition_revision``: every saved version of a condition's text, shipped loads and clinic edits
  alike (as ``content_revision`` is for therapies). A condition has no column of its own saying whose
  text it holds: its latest revision that is not a newer shipped text waiting for review says it
  (origin "shipped" or "clinic"), and ``base_hash`` names the shipped text that revision is based on.
- ``withdrawn_therapy``: a therapy the clinic added and then removed, whole: its last state and every
  revision of its text, so it can be put back exactly (``clinic-app therapy restore``). While it is
  here, it is in none of the therapy tables, so no list, search, comparison or new handout holds it;
  handouts printed with it keep their own copy of the document and reprint exactly.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, DateTime, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from clinic_app.storage.models import Base


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


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
