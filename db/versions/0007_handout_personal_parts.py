"""the handout's notes and next steps kept beside its stored document, so a purge can remove them

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-09

A handout's notes and next steps (what the doctor typed for the patient) are no longer written into
the stored document: like the patient's name, they are kept in columns of their own
(``personal_notes``, ``personal_next_steps``) and filled in when the handout is printed, and the
SHA-256 covers the document without them. The rule that keeps print records unchanged now also lets
a privacy purge blank these two columns and take the file name out of a PDF's ``destination``
(leaving its folder and "(file name removed by a purge)"); every other change, and any delete, is
still refused.

Records made before this revision keep their text inside their stored document, and no purge can
take it out of there without breaking the document's hash: they are left as they are.

A downgrade drops the two columns, and with them the notes and next steps of handouts recorded
since this revision (their stored documents print without those parts).
"""

import sqlalchemy as sa
from alembic import op
from clinic_app.migrations import dialects

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

FILE_NAME_REMOVED = "(file name removed by a purge)"  # as clinic_app.services.handout_log writes it

_FIXED_BEFORE = ("id", "printed_at", "kind", "destination", "therapies", "content_versions", "library_version", "paper",
                 "options", "clinician", "snapshot", "sha256", "reprint_of")
_FIXED = tuple(column for column in _FIXED_BEFORE if column != "destination")
_BLANKED_BEFORE = ("patient_name",)
_BLANKED = ("patient_name", "personal_notes", "personal_next_steps")
# A purge may change a PDF's destination only to a beginning of it followed by FILE_NAME_REMOVED:
# it can take text out, never put any in.
_DESTINATION = (
    "(NEW.destination IS NOT OLD.destination AND NOT (OLD.kind = 'pdf' AND NEW.destination = "
    f"substr(OLD.destination, 1, length(NEW.destination) - {len(FILE_NAME_REMOVED)}) || '{FILE_NAME_REMOVED}'))"
)


def _unchanged(fixed: tuple[str, ...], blanked: tuple[str, ...], extra: tuple[str, ...] = ()) -> None:
    """The trigger refusing any change to ``fixed`` columns, any change of a ``blanked`` column but
    to NULL, and whatever ``extra`` conditions say."""
    changed = [f"NEW.{column} IS NOT OLD.{column}" for column in fixed]
    changed += [f"(NEW.{column} IS NOT OLD.{column} AND NEW.{column} IS NOT NULL)" for column in blanked]
    dialects.refuse("handout_print_unchanged", "handout_print", "UPDATE", "handout print records cannot be changed",
                    " OR ".join([*changed, *extra]))


def upgrade() -> None:
    dialects.drop_refusal("handout_print_unchanged", "handout_print")
    with op.batch_alter_table("handout_print") as batch:
        batch.add_column(sa.Column("personal_notes", sa.Text(), nullable=True))
        batch.add_column(sa.Column("personal_next_steps", sa.Text(), nullable=True))
    _unchanged(_FIXED, _BLANKED, (_DESTINATION,))
    _keep_rows()


def downgrade() -> None:
    dialects.drop_refusal("handout_print_unchanged", "handout_print")
    # SQLite drops a column by copying the table, which takes its triggers with it: both are made again.
    with op.batch_alter_table("handout_print") as batch:
        batch.drop_column("personal_next_steps")
        batch.drop_column("personal_notes")
    _unchanged(_FIXED_BEFORE, _BLANKED_BEFORE)
    _keep_rows()


def _keep_rows() -> None:
    """The trigger refusing deletes, as 0002 made it (a table copied by SQLite loses it)."""
    dialects.drop_refusal("handout_print_kept", "handout_print")
    dialects.refuse("handout_print_kept", "handout_print", "DELETE", "handout print records cannot be deleted")
