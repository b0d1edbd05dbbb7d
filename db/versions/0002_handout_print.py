"""handout print log

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25

Every print or export of a handout, with a compressed snapshot of the exact document and its
SHA-256. Triggers keep rows unchanged afterwards: the only change allowed is blanking the
patient name (privacy purge), and rows cannot be deleted.
"""

import sqlalchemy as sa
from alembic import op
from clinic_app.migrations import dialects

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "handout_print",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("printed_at", sa.DateTime(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("destination", sa.Text(), nullable=False),
        sa.Column("therapies", sa.JSON(), nullable=False),
        sa.Column("content_versions", sa.JSON(), nullable=False),
        sa.Column("library_version", sa.String(length=40), nullable=False),
        sa.Column("paper", sa.String(length=10), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("patient_name", sa.String(length=200), nullable=True),
        sa.Column("clinician", sa.String(length=200), nullable=False),
        sa.Column("snapshot", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("reprint_of", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["reprint_of"], ["handout_print.id"],
                                name=op.f("fk_handout_print_reprint_of_handout_print"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handout_print")),
    )
    dialects.refuse(
        "handout_print_unchanged", "handout_print", "UPDATE", "handout print records cannot be changed",
        "NEW.id IS NOT OLD.id OR NEW.printed_at IS NOT OLD.printed_at OR NEW.kind IS NOT OLD.kind "
        "OR NEW.destination IS NOT OLD.destination OR NEW.therapies IS NOT OLD.therapies "
        "OR NEW.content_versions IS NOT OLD.content_versions OR NEW.library_version IS NOT OLD.library_version "
        "OR NEW.paper IS NOT OLD.paper OR NEW.options IS NOT OLD.options OR NEW.clinician IS NOT OLD.clinician "
        "OR NEW.snapshot IS NOT OLD.snapshot OR NEW.sha256 IS NOT OLD.sha256 OR NEW.reprint_of IS NOT OLD.reprint_of "
        "OR (NEW.patient_name IS NOT OLD.patient_name AND NEW.patient_name IS NOT NULL)"
    )
    dialects.refuse("handout_print_kept", "handout_print", "DELETE", "handout print records cannot be deleted")


def downgrade() -> None:
    dialects.drop_refusal("handout_print_kept", "handout_print")
    dialects.drop_refusal("handout_print_unchanged", "handout_print")
    op.drop_table("handout_print")
