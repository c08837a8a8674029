"""The queue's covering index replaces the (state, event) index.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 07:40:00
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

QUEUE_COLUMNS = ["state", "event_id", "submitted_at", "intel_doc_submitted", "assignee_id"]


def upgrade() -> None:
    with op.batch_alter_table("debriefs", schema=None) as batch_op:
        batch_op.create_index("ix_debriefs_queue", QUEUE_COLUMNS, unique=False)
        batch_op.drop_index("ix_debriefs_state_event")


def downgrade() -> None:
    with op.batch_alter_table("debriefs", schema=None) as batch_op:
        batch_op.create_index("ix_debriefs_state_event", ["state", "event_id"], unique=False)
        batch_op.drop_index("ix_debriefs_queue")
