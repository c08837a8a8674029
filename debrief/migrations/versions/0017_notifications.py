"""Notifications: an email address on accounts, and what each digest has sent.

`users.email`: where `debrief notify` sends a person's daily digest (set by the
administrator); none: no email.
`notifications_sent`: one row per person, kind of item and item id that a digest has
told them of, so each is sent once (notifications/digest.py); kept only while the item
still waits for them.
`ix_follow_up_actions_created_by_id`: the hub member who raised a partner agency's action
is told of it, read from this index on every page (the header's count).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 23:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain nullable column: ALTER TABLE ADD COLUMN on SQLite, no rebuild of `users`.
    op.add_column("users", sa.Column("email", sa.String(length=254), nullable=True))
    op.create_table(
        "notifications_sent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notifications_sent_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications_sent")),
        sa.UniqueConstraint(
            "user_id", "kind", "item_id", name="uq_notifications_sent_user_id_kind_item_id"
        ),
    )
    op.create_index(
        op.f("ix_follow_up_actions_created_by_id"), "follow_up_actions", ["created_by_id"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_follow_up_actions_created_by_id"), table_name="follow_up_actions")
    op.drop_table("notifications_sent")
    # SQLite 3.35+ drops a plain column in place (no rebuild of `users`).
    op.drop_column("users", "email")
