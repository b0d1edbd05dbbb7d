"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-25

Tables for the therapy library, its references and comparison rows, the clinic profile and
content revisions; plus the FTS5 full-text index over therapy text, comparison cells and
references (porter stemming, unicode61 with diacritics removed, prefix indexes for type-ahead).
"""

import sqlalchemy as sa
from alembic import op
from clinic_app.migrations import dialects

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('app_meta',
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_app_meta'))
    )
    op.create_table('attribute',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('clinician_label', sa.String(length=200), nullable=False),
    sa.Column('patient_question', sa.String(length=200), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attribute')),
    sa.UniqueConstraint('key', name=op.f('uq_attribute_key'))
    )
    op.create_table('clinic_profile',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('address', sa.Text(), nullable=False),
    sa.Column('phone', sa.String(length=60), nullable=False),
    sa.Column('website', sa.String(length=200), nullable=False),
    sa.Column('logo_png', sa.LargeBinary(), nullable=True),
    sa.Column('clinicians', sa.JSON(), nullable=False),
    sa.Column('disclaimer', sa.Text(), nullable=False),
    sa.Column('paper_size', sa.String(length=10), nullable=False),
    sa.Column('large_print', sa.Boolean(), nullable=False),
    sa.Column('keep_patient_names', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clinic_profile'))
    )
    op.create_table('condition',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_condition')),
    sa.UniqueConstraint('slug', name=op.f('uq_condition_slug'))
    )
    op.create_table('reference',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=10), nullable=False),
    sa.Column('authors', sa.Text(), nullable=True),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('journal', sa.String(length=300), nullable=True),
    sa.Column('citation', sa.String(length=200), nullable=True),
    sa.Column('pmid', sa.String(length=12), nullable=True),
    sa.Column('doi', sa.String(length=200), nullable=True),
    sa.Column('pmcid', sa.String(length=16), nullable=True),
    sa.Column('other_id', sa.String(length=300), nullable=True),
    sa.Column('design', sa.String(length=300), nullable=False),
    sa.Column('n', sa.Integer(), nullable=True),
    sa.Column('level', sa.Integer(), nullable=True),
    sa.Column('certainty', sa.String(length=20), nullable=True),
    sa.Column('finding', sa.Text(), nullable=False),
    sa.Column('verification', sa.String(length=20), nullable=False),
    sa.Column('source_seen', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reference')),
    sa.UniqueConstraint('key', name=op.f('uq_reference_key'))
    )
    op.create_table('therapy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('patient_name', sa.String(length=200), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('evidence_grade', sa.String(length=20), nullable=False),
    sa.Column('clinician_summary', sa.Text(), nullable=False),
    sa.Column('mechanism', sa.Text(), nullable=False),
    sa.Column('procedure', sa.Text(), nullable=False),
    sa.Column('candidates', sa.Text(), nullable=False),
    sa.Column('contraindications', sa.Text(), nullable=False),
    sa.Column('risks', sa.Text(), nullable=False),
    sa.Column('recovery', sa.Text(), nullable=False),
    sa.Column('regulatory_note', sa.Text(), nullable=False),
    sa.Column('evidence_summary', sa.Text(), nullable=False),
    sa.Column('patient_text', sa.JSON(), nullable=False),
    sa.Column('content_version', sa.Integer(), nullable=False),
    sa.Column('production_date', sa.Date(), nullable=False),
    sa.Column('last_reviewed', sa.Date(), nullable=False),
    sa.Column('reviewer', sa.String(length=200), nullable=False),
    sa.Column('update_policy', sa.Text(), nullable=False),
    sa.Column('funding', sa.Text(), nullable=False),
    sa.Column('origin', sa.String(length=20), nullable=False),
    sa.Column('shipped_hash', sa.String(length=64), nullable=False),
    sa.Column('pending_shipped_version', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_therapy')),
    sa.UniqueConstraint('slug', name=op.f('uq_therapy_slug'))
    )
    op.create_table('attribute_value',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('therapy_id', sa.Integer(), nullable=False),
    sa.Column('attribute_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('scale', sa.Integer(), nullable=True),
    sa.Column('reference_keys', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['attribute_id'], ['attribute.id'], name=op.f('fk_attribute_value_attribute_id_attribute'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['therapy_id'], ['therapy.id'], name=op.f('fk_attribute_value_therapy_id_therapy'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attribute_value')),
    sa.UniqueConstraint('therapy_id', 'attribute_id', name=op.f('uq_attribute_value_therapy_id'))
    )
    op.create_table('content_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('therapy_id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('author', sa.String(length=200), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('origin', sa.String(length=20), nullable=False),
    sa.Column('content_version', sa.Integer(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('snapshot', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['therapy_id'], ['therapy.id'], name=op.f('fk_content_revision_therapy_id_therapy'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_content_revision')),
    sa.UniqueConstraint('therapy_id', 'revision', name=op.f('uq_content_revision_therapy_id'))
    )
    op.create_table('therapy_condition',
    sa.Column('therapy_id', sa.Integer(), nullable=False),
    sa.Column('condition_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['condition_id'], ['condition.id'], name=op.f('fk_therapy_condition_condition_id_condition'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['therapy_id'], ['therapy.id'], name=op.f('fk_therapy_condition_therapy_id_therapy'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('therapy_id', 'condition_id', name=op.f('pk_therapy_condition'))
    )
    op.create_table('therapy_reference',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('therapy_id', sa.Integer(), nullable=False),
    sa.Column('reference_id', sa.Integer(), nullable=False),
    sa.Column('claim', sa.Text(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['reference_id'], ['reference.id'], name=op.f('fk_therapy_reference_reference_id_reference'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['therapy_id'], ['therapy.id'], name=op.f('fk_therapy_reference_therapy_id_therapy'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_therapy_reference')),
    sa.UniqueConstraint('therapy_id', 'reference_id', name=op.f('uq_therapy_reference_therapy_id'))
    )
    if dialects.is_postgresql():
        return  # a server starts at a newer schema: its search tables are made by 0005
    op.execute(
        "CREATE VIRTUAL TABLE search_index USING fts5("
        "slug UNINDEXED, name, summary, body, refs, "
        "tokenize = 'porter unicode61 remove_diacritics 2', prefix = '2 3')"
    )


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS search_index")
    op.drop_table('therapy_reference')
    op.drop_table('therapy_condition')
    op.drop_table('content_revision')
    op.drop_table('attribute_value')
    op.drop_table('therapy')
    op.drop_table('reference')
    op.drop_table('condition')
    op.drop_table('clinic_profile')
    op.drop_table('attribute')
    op.drop_table('app_meta')
