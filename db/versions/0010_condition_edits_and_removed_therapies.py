"""the clinic's edits of a condition's text, with revisions, and therapies the clinic removed

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-20

``condition_revision`` keeps every saved version of a condition's text, as ``content_revision`` does
for therapies: who, when, why, where it came from (``shipped``, ``clinic``, or ``shipped-pending`` for a
newer shipped text kept beside the clinic's own until the clinic reviews it), the hash of the text,
the hash of the shipped text it is based on, and the whole text. The loader writes a condition's text
only while its latest revision is shipped, so a clinic's edit is never overwritten.

``withdrawn_therapy`` holds a therapy the clinic added and then removed, whole (its last state and
every revision of its text), so it can be restored exactly; while it is there it is in no therapy
table, so no list, search, comparison or new handout shows it.

Plain tables only (no triggers, no dialect-specific SQL): the same migration runs on PostgreSQL. A
downgrade drops both tables, and with them the condition revisions and the removed therapies.
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "condition_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("condition_slug", sa.String(length=80), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("origin", sa.String(length=20), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("base_hash", sa.String(length=64), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_condition_revision")),
        sa.UniqueConstraint("condition_slug", "revision", name=op.f("uq_condition_revision_condition_slug")),
    )
    op.create_index(op.f("ix_condition_revision_condition_slug"), "condition_revision", ["condition_slug"],
                    unique=False)
    op.create_table(
        "withdrawn_therapy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(), nullable=False),
        sa.Column("withdrawn_by", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("revisions", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_withdrawn_therapy")),
        sa.UniqueConstraint("slug", name=op.f("uq_withdrawn_therapy_slug")),
    )


def downgrade() -> None:
    op.drop_table("withdrawn_therapy")
    op.drop_index(op.f("ix_condition_revision_condition_slug"), table_name="condition_revision")
    op.drop_table("condition_revision")
