"""Stored month figures kept in two parts: the counts, and the days behind the medians.

Each reconciliation list shows the Recommendation 2 panel, which needs only a year of
months' counts; with the days to receipt and to closing in the same body it read and
decoded about 770 kB a request at 100,000 debriefs (issue 22). The months stored before
this revision hold both in one body: they are deleted here, and worked out again, in
parts, by the next page that needs them (`summaries.stored`).

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-05 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

stored_summaries = sa.table("stored_summaries", sa.column("key", sa.String))


def upgrade() -> None:
    op.execute(stored_summaries.delete().where(stored_summaries.c.key.like("month:%")))


def downgrade() -> None:
    # The older code reads a month's body whole: delete the parts, to be counted again.
    op.execute(stored_summaries.delete().where(stored_summaries.c.key.like("month:%")))
