"""The organisation catalogue, and one counter per case-number series and year.

``organisations``: the codes users, cases and tasks hold, each with a Vietnamese name, a parent and the
days it exists. Every code already in use (users.organisation, instances.organisation, tasks.organisation:
``ubnd_tinh`` from the complaint's DMN, department names typed in petitions, plan units' codes) becomes an
entry named after itself (``ubnd_tinh``: «UBND tỉnh»), so nothing that works stops working; the admin
renames them. ``ubnd_tinh`` is always added: the deployed complaint diagram gives it to provincial cases.

``case_counters``: the last number given per series (KN2, TCD, …) and year. Existing cases keep their
numbers; each counter starts after the highest number of its series and year.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 12:00:00
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

NUMBER = re.compile(r"([A-Z][A-Z0-9]{0,19})-(\d{4})-(\d{1,9})")
KNOWN_NAMES = {"ubnd_tinh": "UBND tỉnh"}


def upgrade() -> None:
    organisations = op.create_table('organisations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=100), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['parent_id'], ['organisations.id']),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code'),
    )
    op.create_index('ix_organisations_parent_id', 'organisations', ['parent_id'], unique=False)
    counters = op.create_table('case_counters',
    sa.Column('series', sa.String(length=20), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('series', 'year'),
    )
    bind = op.get_bind()
    used = {"ubnd_tinh"}
    for table in ("users", "instances", "tasks"):
        used |= {row[0] for row in bind.execute(sa.text(
            f"SELECT DISTINCT organisation FROM {table} WHERE organisation IS NOT NULL"))}  # noqa: S608 - fixed names
    op.bulk_insert(organisations, [{"code": code, "name": KNOWN_NAMES.get(code, code)[:300]} for code in sorted(used)])
    highest: dict[tuple[str, int], int] = {}
    for (number,) in bind.execute(sa.text("SELECT case_number FROM instances WHERE case_number IS NOT NULL")):
        match = NUMBER.fullmatch(number)
        if match:
            key = (match[1], int(match[2]))
            highest[key] = max(highest.get(key, 0), int(match[3]))
    if highest:
        op.bulk_insert(counters, [{"series": s, "year": y, "last": n} for (s, y), n in sorted(highest.items())])


def downgrade() -> None:
    op.drop_table('case_counters')
    op.drop_index('ix_organisations_parent_id', table_name='organisations')
    op.drop_table('organisations')
