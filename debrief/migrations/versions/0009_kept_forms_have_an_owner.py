"""Kept forms belong to a person and a page (issue 16).

A form kept when a save could not be made was filed under a random key that only
the browser's session cookie held, so a lost cookie lost it, and nothing said whose
it was. Now it is filed under its owner (from the page's signed form key) and the
page: one per person and page, given back only to that person, pruned after
KEPT_FORM_DAYS. The old rows are at most a day old and have no owner: they go.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 18:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_pending_forms_created_at", table_name="pending_forms")
    op.drop_table("pending_forms")
    op.create_table(
        "pending_forms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=300), nullable=False),
        sa.Column("debrief_id", sa.Integer(), nullable=True),
        sa.Column("kept_at", sa.DateTime(), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("form_data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_pending_forms_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["debrief_id"],
            ["debriefs.id"],
            name=op.f("fk_pending_forms_debrief_id_debriefs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_forms")),
        sa.UniqueConstraint("user_id", "path", name="uq_pending_forms_user_path"),
    )
    op.create_index("ix_pending_forms_kept_at", "pending_forms", ["kept_at"])
    op.create_index("ix_pending_forms_debrief_id", "pending_forms", ["debrief_id"])


def downgrade() -> None:
    op.drop_index("ix_pending_forms_debrief_id", table_name="pending_forms")
    op.drop_index("ix_pending_forms_kept_at", table_name="pending_forms")
    op.drop_table("pending_forms")
    op.create_table(
        "pending_forms",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("form_data", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_pending_forms")),
    )
    op.create_index("ix_pending_forms_created_at", "pending_forms", ["created_at"])
