"""consultation records

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25

What was discussed in each consultation: when, by whom, the therapies and comparison rows, the
visit notes, the handouts given (with the SHA-256 of each) and the content versions shown.
Records are append-only: a correction is a new record that ``corrects`` the old one, and each
record can be corrected once. Triggers refuse deletes and every change except the privacy purge,
which blanks the patient label and notes and stamps ``purged_at``.
"""

import sqlalchemy as sa
from alembic import op
from clinic_app.migrations import dialects

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_FIXED = ("id", "recorded_at", "started_at", "clinician", "therapies", "rows", "content_versions", "library_version",
          "corrects")


def upgrade() -> None:
    op.create_table(
        "consultation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("clinician", sa.String(length=200), nullable=False),
        sa.Column("patient_label", sa.String(length=100), nullable=True),
        sa.Column("therapies", sa.JSON(), nullable=False),
        sa.Column("rows", sa.JSON(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("content_versions", sa.JSON(), nullable=False),
        sa.Column("library_version", sa.String(length=40), nullable=False),
        sa.Column("corrects", sa.Integer(), nullable=True),
        sa.Column("purged_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["corrects"], ["consultation.id"],
                                name=op.f("fk_consultation_corrects_consultation"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultation")),
        sa.UniqueConstraint("corrects", name=op.f("uq_consultation_corrects")),
    )
    op.create_index(op.f("ix_consultation_recorded_at"), "consultation", ["recorded_at"])
    op.create_index(op.f("ix_consultation_clinician"), "consultation", ["clinician"])
    op.create_table(
        "consultation_handout",
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("handout_print_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["consultation_id"], ["consultation.id"],
                                name=op.f("fk_consultation_handout_consultation_id_consultation"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["handout_print_id"], ["handout_print.id"],
                                name=op.f("fk_consultation_handout_handout_print_id_handout_print"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("consultation_id", "handout_print_id", name=op.f("pk_consultation_handout")),
    )
    changed = " OR ".join(f"NEW.{column} IS NOT OLD.{column}" for column in _FIXED)
    dialects.refuse(
        "consultation_unchanged", "consultation", "UPDATE", "consultation records cannot be changed",
        f"{changed} "
        "OR (NEW.patient_label IS NOT OLD.patient_label AND NEW.patient_label IS NOT NULL) "
        "OR (NEW.notes IS NOT OLD.notes AND NEW.notes IS NOT NULL) "
        "OR (NEW.purged_at IS NOT OLD.purged_at AND (NEW.purged_at IS NULL OR OLD.purged_at IS NOT NULL))"
    )
    dialects.refuse("consultation_kept", "consultation", "DELETE", "consultation records cannot be deleted")
    dialects.refuse("consultation_handout_unchanged", "consultation_handout", "UPDATE",
                    "consultation records cannot be changed")
    dialects.refuse("consultation_handout_kept", "consultation_handout", "DELETE",
                    "consultation records cannot be deleted")


def downgrade() -> None:
    for trigger, table in (("consultation_handout_kept", "consultation_handout"),
                           ("consultation_handout_unchanged", "consultation_handout"),
                           ("consultation_kept", "consultation"), ("consultation_unchanged", "consultation")):
        dialects.drop_refusal(trigger, table)
    op.drop_table("consultation_handout")
    op.drop_index(op.f("ix_consultation_clinician"), table_name="consultation")
    op.drop_index(op.f("ix_consultation_recorded_at"), table_name="consultation")
    op.drop_table("consultation")
