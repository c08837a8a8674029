"""Refusals of people not signed in are counted per address, kind and minute.

Each refusal is in the audit trail (DPA 2018 s.62), but one record per request would let
anyone without an account flood the append-only trail. They are tallied here and each
minute's count becomes one audit record once the minute is over.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 19:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "refusal_tallies",
        sa.Column("remote_addr", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("minute", sa.DateTime(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("remote_addr", "kind", "minute", name=op.f("pk_refusal_tallies")),
    )
    op.create_index("ix_refusal_tallies_minute", "refusal_tallies", ["minute"])


def downgrade() -> None:
    op.drop_index("ix_refusal_tallies_minute", table_name="refusal_tallies")
    op.drop_table("refusal_tallies")
