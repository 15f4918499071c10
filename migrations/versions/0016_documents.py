"""Official documents a case issues, their files, and how each issuing body heads and signs them.

``documents``: one row per document issued (kind, number in the body's register, date), unique per
body, year, series (the symbol: QĐ, TB) and number. ``document_counters`` (0015) counts per series. ``document_versions``: its files — each generated .docx (a correction
makes a new version, never an overwrite) and the signed scan — with their SHA-256, which the case's
audit trail also records. ``document_issuers``: the header lines, place, deciding head and default
signer of a catalogue organisation, set by the admin (the demo province's by ``flask setup``).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-09 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('document_issuers',
    sa.Column('organisation', sa.String(length=100), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('upper_line', sa.String(length=300), nullable=False),
    sa.Column('lower_line', sa.String(length=300), nullable=False),
    sa.Column('place', sa.String(length=100), nullable=False),
    sa.Column('head', sa.String(length=300), nullable=False),
    sa.Column('signer_name', sa.String(length=200), nullable=False),
    sa.Column('signer_title', sa.String(length=200), nullable=False),
    sa.Column('signer_authority', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('organisation'),
    )
    op.create_table('documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('organisation', sa.String(length=100), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('series', sa.String(length=40), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('number_text', sa.String(length=80), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('step', sa.String(length=100), nullable=False),
    sa.Column('task_id', sa.String(length=36), nullable=True),
    sa.Column('issued_by', sa.String(length=64), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['instance_id'], ['instances.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('organisation', 'year', 'series', 'number', name='uq_documents_number'),
    )
    op.create_index('ix_documents_instance_id', 'documents', ['instance_id'])
    op.create_table('document_versions',
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('deployment_version', sa.Integer(), nullable=True),
    sa.Column('template_sha256', sa.String(length=64), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('audit_seq', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], ),
    sa.PrimaryKeyConstraint('document_id', 'version'),
    )


def downgrade() -> None:
    op.drop_table('document_versions')
    op.drop_index('ix_documents_instance_id', table_name='documents')
    op.drop_table('documents')
    op.drop_table('document_issuers')
