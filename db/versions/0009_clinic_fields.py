"""the clinic's own fields beside the shipped text, and their revisions

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-17

``clinic_field`` holds what a clinic writes itself for a therapy, one row per therapy and field:
``cost`` (cost and coverage, for patients), ``offered`` ('yes' or 'no': offered here),
``protocol`` (local protocol notes, for clinicians only) and ``contact`` (the clinic's own contact
for that service, for patients). A field the clinic clears has no row.

``clinic_field_revision`` keeps every change: the field's value before and after, when, who (the
clinician) and why (a short note), and, for a revert, the revision it undid. The name
``content_revision`` is already the table of whole-therapy snapshots (0001), so the field
revisions have their own. Triggers refuse any change to a revision and any delete.

A downgrade drops both tables, and with them the clinic's fields and their history; everything
else stays as it was.
"""

import sqlalchemy as sa
from alembic import op
from clinic_app.migrations import dialects

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_TRIGGERS = (  # name, event, message
    ("clinic_field_revision_unchanged", "UPDATE", "a revision of the clinic's fields cannot be changed"),
    ("clinic_field_revision_kept", "DELETE", "revisions of the clinic's fields cannot be deleted"),
)


def upgrade() -> None:
    op.create_table(
        "clinic_field",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("therapy_slug", sa.String(length=80), nullable=False),
        sa.Column("field_key", sa.String(length=20), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clinic_field")),
        sa.UniqueConstraint("therapy_slug", "field_key", name=op.f("uq_clinic_field_therapy_slug")),
    )
    op.create_table(
        "clinic_field_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("therapy_slug", sa.String(length=80), nullable=False),
        sa.Column("field_key", sa.String(length=20), nullable=False),
        sa.Column("before", sa.Text(), nullable=False),
        sa.Column("after", sa.Text(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("changed_by", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("reverts", sa.Integer(), nullable=True),
        sa.CheckConstraint("trim(changed_by) <> ''", name=op.f("ck_clinic_field_revision_changed_by_given")),
        sa.CheckConstraint("trim(reason) <> ''", name=op.f("ck_clinic_field_revision_reason_given")),
        sa.ForeignKeyConstraint(["reverts"], ["clinic_field_revision.id"],
                                name=op.f("fk_clinic_field_revision_reverts_clinic_field_revision"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clinic_field_revision")),
    )
    with op.batch_alter_table("clinic_field_revision", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_clinic_field_revision_therapy_slug"), ["therapy_slug"], unique=False)
    for name, event, message in _TRIGGERS:
        dialects.refuse(name, "clinic_field_revision", event, message)


def downgrade() -> None:
    dialects.drop_refusal("clinic_field_revision_kept", "clinic_field_revision")
    dialects.drop_refusal("clinic_field_revision_unchanged", "clinic_field_revision")
    with op.batch_alter_table("clinic_field_revision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_clinic_field_revision_therapy_slug"))
    op.drop_table("clinic_field_revision")
    op.drop_table("clinic_field")
