"""what two rooms can both edit carries a version, and a server tells the other rooms what changed

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-21

The clinic profile and the comparison presets get ``version`` (1 for what is there, counted up by
every save) and ``updated_in`` (the room, or computer, that saved it last) with ``updated_at``: a
save that started from an older version than the stored one is refused and both versions are shown,
so a second room never silently overwrites the first (therapy and condition texts already have
numbered revisions for this).

On PostgreSQL, every table whose change another room shows gets a statement trigger sending
``NOTIFY clinic_changes`` with the table's name and the writer's application name (so a room can
tell its own writes from others'); the notice is sent when the transaction commits, never for a
write that was rolled back. SQLite has one room: nothing to tell.
"""

import sqlalchemy as sa
from alembic import op
from clinic_app.migrations import dialects

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

VERSIONED = ("clinic_profile", "comparison_preset")
ANNOUNCED = ("therapy", "content_revision", "condition", "condition_revision", "clinic_profile", "clinic_field",
             "clinic_field_revision", "comparison_preset", "consultation", "consultation_handout", "handout_print",
             "withdrawn_therapy")

_NOTIFY = """
CREATE OR REPLACE FUNCTION clinic_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('clinic_changes', TG_TABLE_NAME || ' ' || current_setting('application_name'));
    RETURN NULL;
END
$$"""


def upgrade() -> None:
    for table in VERSIONED:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
            batch.add_column(sa.Column("updated_in", sa.String(length=200), nullable=False, server_default=""))
            batch.add_column(sa.Column("updated_at", sa.DateTime(), nullable=True))
    if dialects.is_postgresql():
        op.execute(_NOTIFY)
        for table in ANNOUNCED:
            op.execute(f"CREATE TRIGGER {table}_announced AFTER INSERT OR UPDATE OR DELETE ON {table} "
                       "FOR EACH STATEMENT EXECUTE FUNCTION clinic_notify()")


def downgrade() -> None:
    if dialects.is_postgresql():
        for table in ANNOUNCED:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_announced ON {table}")
        op.execute("DROP FUNCTION IF EXISTS clinic_notify()")
    for table in VERSIONED:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("updated_at")
            batch.drop_column("updated_in")
            batch.drop_column("version")
