"""Stored reconciliation figures kept with how many referrals there are.

The lists' kept counts now say how many NCCU referrals are on record (a list page's
Recommendation 2 panel asks whether a list was imported), and the events some referral
matches (`reconcile:taken`) and each list's referrals (`reconcile:ids:…`) are kept beside
them. The figures stored before this
revision lack the first: they are deleted here, and worked out again by the next page
that needs them (`summaries.stored`).

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-05 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

stored_summaries = sa.table("stored_summaries", sa.column("key", sa.String))


def _delete_reconcile_figures() -> None:
    key = stored_summaries.c.key
    op.execute(stored_summaries.delete().where((key == "reconcile") | key.like("reconcile:%")))


def upgrade() -> None:
    _delete_reconcile_figures()


def downgrade() -> None:
    # The older code ignores what it does not read; deleted all the same, to be counted again.
    _delete_reconcile_figures()
