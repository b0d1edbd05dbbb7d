"""a hash chain over the consultation and handout records

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-10

Every consultation, handout and purge gets an entry in ``record_chain``, in the order it was
recorded: the SHA-256 of the record's lasting fields (a canonical JSON, leaving out the personal
parts a purge may blank, so a purge never breaks the chain), the chain hash of the entry before it
(64 zeros for the first) and its own chain hash, SHA-256(previous hash + content hash). A purge's
content is kept in its entry (``detail``). Triggers refuse any change to an entry and any delete.

The upgrade builds the chain for the records already there, consultations and handouts together
by the time they were recorded (on a tie, consultations first, then by id), so an upgraded clinic
has a valid chain. The canonical JSON is written out here as it is at this revision, not imported:
the app's copy is ``clinic_app.storage.chain``, and a test keeps the two equal.

A downgrade drops the chain, purge entries included; the records themselves stay, and upgrading
again builds the chain anew from them.
"""

import hashlib
import json

import sqlalchemy as sa
from alembic import op
from clinic_app.migrations import dialects

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

GENESIS = "0" * 64
CONSULTATION_FIELDS = ("id", "recorded_at", "started_at", "clinician", "therapies", "rows", "content_versions",
                       "library_version", "corrects")
HANDOUT_FIELDS = ("id", "printed_at", "kind", "clinician", "therapies", "content_versions", "library_version", "paper",
                  "options", "sha256", "reprint_of")
_JSON_FIELDS = frozenset({"therapies", "rows", "content_versions", "options"})

_TRIGGERS = (  # name, event, message
    ("record_chain_unchanged", "UPDATE", "the record chain cannot be changed"),
    ("record_chain_kept", "DELETE", "entries of the record chain cannot be deleted"),
)


def _value(name, value):
    if isinstance(value, bytes):
        return value.hex()
    if name in _JSON_FIELDS and isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def consultation_content(row, links):
    content = {"record": "consultation", **{name: _value(name, value) for name, value in zip(CONSULTATION_FIELDS, row)}}
    content["handouts"] = sorted([_value("", print_id), _value("", digest)] for print_id, digest in links)
    return content


def handout_content(row):
    return {"record": "handout", **{name: _value(name, value) for name, value in zip(HANDOUT_FIELDS, row)}}


def content_hash(content):
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def link_hash(previous, digest):
    return hashlib.sha256(f"{previous}{digest}".encode()).hexdigest()


def records(run):
    """(time, kind, id, content) of every consultation and handout."""
    links = {}
    for owner, print_id, digest in run("SELECT consultation_id, handout_print_id, sha256 FROM consultation_handout"):
        links.setdefault(owner, []).append((print_id, digest))
    for row in run(f"SELECT {', '.join(CONSULTATION_FIELDS)} FROM consultation"):
        yield row[1], "consultation", row[0], consultation_content(row, links.get(row[0], ()))
    for row in run(f"SELECT {', '.join(HANDOUT_FIELDS)} FROM handout_print"):
        yield row[1], "handout", row[0], handout_content(row)


def upgrade() -> None:
    op.create_table(
        "record_chain",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("previous_hash", sa.String(length=64), nullable=False),
        sa.Column("chain_hash", sa.String(length=64), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_chain")),
    )
    bind = op.get_bind()
    found = sorted(((str(when), kind, record_id, when, content_hash(content)) for when, kind, record_id, content
                    in records(lambda sql: bind.exec_driver_sql(sql).fetchall())), key=lambda found: found[:3])
    entries, previous = [], GENESIS
    for _, kind, record_id, when, digest in found:  # by time; on a tie, consultations first, then by id
        chained = link_hash(previous, digest)
        entries.append((kind, record_id, when, digest, previous, chained))
        previous = chained
    if entries:
        columns = ("kind", "record_id", "recorded_at", "content_hash", "previous_hash", "chain_hash")
        bind.execute(sa.text(f"INSERT INTO record_chain ({', '.join(columns)}) "
                             f"VALUES ({', '.join(':' + column for column in columns)})"),
                     [dict(zip(columns, entry)) for entry in entries])
    for name, event, message in _TRIGGERS:
        dialects.refuse(name, "record_chain", event, message)


def downgrade() -> None:
    dialects.drop_refusal("record_chain_kept", "record_chain")
    dialects.drop_refusal("record_chain_unchanged", "record_chain")
    op.drop_table("record_chain")
