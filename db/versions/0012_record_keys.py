"""every consultation and handout record carries a key of its own, fixed once written

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-28

A room that loses the clinic's server holds its records in a local outbox and delivers them when
the server is back. Each record gets ``record_key`` (a random UUID, made when the record is made,
in the room) so a delivery cut short and run again never writes the same record twice: a key
already on the server is a record already delivered. The key is unique where it is set; records
made before this revision keep none (NULL). The rules that keep records unchanged now refuse a
change of the key too (the triggers are made again with it; SQLite's copy of a table drops them).
"""

import sqlalchemy as sa
from alembic import op
from clinic_app.migrations import dialects

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

FILE_NAME_REMOVED = "(file name removed by a purge)"  # as clinic_app.services.handout_log writes it

_CONSULTATION_FIXED = ("id", "recorded_at", "started_at", "clinician", "therapies", "rows", "content_versions",
                       "library_version", "corrects")
_HANDOUT_FIXED = ("id", "printed_at", "kind", "therapies", "content_versions", "library_version", "paper", "options",
                  "clinician", "snapshot", "sha256", "reprint_of")
_HANDOUT_BLANKED = ("patient_name", "personal_notes", "personal_next_steps")
_DESTINATION = (  # as 0007: a purge may only take a PDF's file name out of its destination
    "(NEW.destination IS NOT OLD.destination AND NOT (OLD.kind = 'pdf' AND NEW.destination = "
    f"substr(OLD.destination, 1, length(NEW.destination) - {len(FILE_NAME_REMOVED)}) || '{FILE_NAME_REMOVED}'))"
)
_TABLES = ("consultation", "handout_print")


def _rules(keyed: bool) -> None:
    """The triggers keeping consultation and handout records, with ``record_key`` fixed if ``keyed``."""
    key = ("record_key",) if keyed else ()
    for name, table in (("consultation_unchanged", "consultation"), ("consultation_kept", "consultation"),
                        ("handout_print_unchanged", "handout_print"), ("handout_print_kept", "handout_print")):
        dialects.drop_refusal(name, table)
    changed = " OR ".join(f"NEW.{column} IS NOT OLD.{column}" for column in (*_CONSULTATION_FIXED, *key))
    dialects.refuse(
        "consultation_unchanged", "consultation", "UPDATE", "consultation records cannot be changed",
        f"{changed} "
        "OR (NEW.patient_label IS NOT OLD.patient_label AND NEW.patient_label IS NOT NULL) "
        "OR (NEW.notes IS NOT OLD.notes AND NEW.notes IS NOT NULL) "
        "OR (NEW.purged_at IS NOT OLD.purged_at AND (NEW.purged_at IS NULL OR OLD.purged_at IS NOT NULL))"
    )
    dialects.refuse("consultation_kept", "consultation", "DELETE", "consultation records cannot be deleted")
    handout = [f"NEW.{column} IS NOT OLD.{column}" for column in (*_HANDOUT_FIXED, *key)]
    handout += [f"(NEW.{column} IS NOT OLD.{column} AND NEW.{column} IS NOT NULL)" for column in _HANDOUT_BLANKED]
    dialects.refuse("handout_print_unchanged", "handout_print", "UPDATE", "handout print records cannot be changed",
                    " OR ".join([*handout, _DESTINATION]))
    dialects.refuse("handout_print_kept", "handout_print", "DELETE", "handout print records cannot be deleted")


def upgrade() -> None:
    for table in _TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("record_key", sa.String(length=36), nullable=True))
        op.create_index(op.f(f"ix_{table}_record_key"), table, ["record_key"], unique=True)
    _rules(keyed=True)


def downgrade() -> None:
    for table in _TABLES:
        op.drop_index(op.f(f"ix_{table}_record_key"), table_name=table)
        with op.batch_alter_table(table) as batch:
            batch.drop_column("record_key")
    _rules(keyed=False)
