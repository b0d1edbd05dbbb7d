"""comparison presets

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25

Comparisons a clinic saves by name: the therapies in column order and the rows chosen.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "comparison_preset",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("therapy_slugs", sa.JSON(), nullable=False),
        sa.Column("row_keys", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comparison_preset")),
        sa.UniqueConstraint("name", name=op.f("uq_comparison_preset_name")),
    )


def downgrade() -> None:
    op.drop_table("comparison_preset")
