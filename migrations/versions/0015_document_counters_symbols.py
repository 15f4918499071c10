"""Official document numbers (số, ký hiệu văn bản): one counter per issuing body, year and kind, and their symbols.

``document_counters``: the last number an organisation (a catalogue code) gave for a kind of document in a
year; moved by one upsert in the issuing transaction, like ``case_counters``. ``document_symbols``: the
issuing body's abbreviation (kind ``''``: UBND, TTr, SNNMT) and any kind symbol it overrides; the default
symbol of each kind lives in ``app.services.document_numbers``. Both start empty.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-08 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('document_counters',
    sa.Column('organisation', sa.String(length=100), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('organisation', 'year', 'kind'),
    )
    op.create_table('document_symbols',
    sa.Column('organisation', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('symbol', sa.String(length=20), nullable=False),
    sa.PrimaryKeyConstraint('organisation', 'kind'),
    )


def downgrade() -> None:
    op.drop_table('document_symbols')
    op.drop_table('document_counters')
