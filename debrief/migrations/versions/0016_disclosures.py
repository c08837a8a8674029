"""What each partner copy of the meeting pack disclosed, for the next one to compare with.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 21:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "disclosures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recipient_key", sa.String(length=200), nullable=False),
        sa.Column("shared_with", sa.String(length=200), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("district", sa.String(length=80), nullable=False),
        sa.Column("event_type", sa.String(length=40), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("made_by_id", sa.Integer(), nullable=True),
        sa.Column("made_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["made_by_id"], ["users.id"], name=op.f("fk_disclosures_made_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disclosures")),
    )
    op.create_index("ix_disclosures_recipient_key", "disclosures", ["recipient_key"])
    op.create_index("ix_disclosures_made_at", "disclosures", ["made_at"])


def downgrade() -> None:
    op.drop_index("ix_disclosures_made_at", table_name="disclosures")
    op.drop_index("ix_disclosures_recipient_key", table_name="disclosures")
    op.drop_table("disclosures")
