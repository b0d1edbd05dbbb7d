"""conditions with their own text, aliases, per-condition positions, and a search index that
knows conditions and aliases

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02

A reference may have no year (a regulation in force), a title that is only a description
(``title_is_label``) and a ``note`` for the content team that is never printed.
A condition (chronic low back pain, sciatica, spinal stenosis) now carries clinician and patient
text and its references; a therapy carries its aliases and, where its evidence or guideline
position differs by condition, a note per condition. The search index is rebuilt with an
``aliases`` column and without the references, which move to an index of their own
(``search_refs``) so a word found only in a reference never competes with a therapy's own text.
Words are no longer stemmed: the Porter stemmer cut short queries down ("SCS" to "sc", which
then matched "sciatica"); every typed word is a prefix already, and the search service folds
plurals itself. Both have their ``rank`` set to the column weights, so FTS5 sorts and stops at the top hits by
itself. The shipped content is reloaded afterwards (the fingerprint is cleared), which refills
the new columns and both indexes. A covering index holds the columns the list and the search
hits show, so neither reads the long texts of every therapy row.
"""

import sqlalchemy as sa
from alembic import op
from clinic_app.migrations import dialects

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# bm25 weights: slug (unindexed), name, aliases, summary, body
RANK = "bm25(0.0, 10.0, 8.0, 4.0, 1.0)"


def upgrade() -> None:
    with op.batch_alter_table("reference") as batch:
        batch.alter_column("year", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("title_is_label", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("note", sa.Text(), nullable=True))
    with op.batch_alter_table("therapy") as batch:
        batch.add_column(sa.Column("aliases", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("by_condition", sa.JSON(), nullable=False, server_default="[]"))
    with op.batch_alter_table("condition") as batch:
        batch.add_column(sa.Column("patient_name", sa.String(length=200), nullable=False, server_default=""))
        batch.add_column(sa.Column("aliases", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("position", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("clinician_text", sa.JSON(), nullable=False, server_default="{}"))
        batch.add_column(sa.Column("patient_text", sa.JSON(), nullable=False, server_default="{}"))
    op.create_table(
        "condition_reference",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("condition_id", sa.Integer(), nullable=False),
        sa.Column("reference_id", sa.Integer(), nullable=False),
        sa.Column("claim", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["condition_id"], ["condition.id"],
                                name=op.f("fk_condition_reference_condition_id_condition"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["reference_id"], ["reference.id"],
                                name=op.f("fk_condition_reference_reference_id_reference"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_condition_reference")),
        sa.UniqueConstraint("condition_id", "reference_id", name=op.f("uq_condition_reference_condition_id")),
    )
    op.create_index("ix_therapy_listing", "therapy",
                    ["id", "slug", "name", "category", "status", "evidence_grade", "patient_name"])
    op.execute("DROP TABLE IF EXISTS search_index")
    if dialects.is_postgresql():
        dialects.create_postgres_search_tables()
    else:
        op.execute(
            "CREATE VIRTUAL TABLE search_index USING fts5("
            "slug UNINDEXED, name, aliases, summary, body, "
            "tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3 4')"
        )
        op.execute(f"INSERT INTO search_index(search_index, rank) VALUES ('rank', '{RANK}')")
        op.execute(
            "CREATE VIRTUAL TABLE search_refs USING fts5("
            "slug UNINDEXED, refs, tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3 4')"
        )
    op.execute("DELETE FROM app_meta WHERE key = 'content_fingerprint'")


def downgrade() -> None:
    op.drop_index("ix_therapy_listing", "therapy")
    op.execute("DROP TABLE IF EXISTS search_refs")
    op.execute("DROP TABLE IF EXISTS search_index")
    if not dialects.is_postgresql():  # a server has no search tables below this revision
        op.execute(
            "CREATE VIRTUAL TABLE search_index USING fts5("
            "slug UNINDEXED, name, summary, body, refs, "
            "tokenize = 'porter unicode61 remove_diacritics 2', prefix = '2 3')"
        )
    op.execute("DELETE FROM app_meta WHERE key = 'content_fingerprint'")
    op.drop_table("condition_reference")
    with op.batch_alter_table("condition") as batch:
        for column in ("patient_text", "clinician_text", "position", "aliases", "patient_name"):
            batch.drop_column(column)
    with op.batch_alter_table("therapy") as batch:
        batch.drop_column("by_condition")
        batch.drop_column("aliases")
    # the older schema needs a year: 0 marks "none" until that version reloads its own content
    op.execute("UPDATE reference SET year = 0 WHERE year IS NULL")
    with op.batch_alter_table("reference") as batch:
        batch.drop_column("note")
        batch.drop_column("title_is_label")
        batch.alter_column("year", existing_type=sa.Integer(), nullable=False)
