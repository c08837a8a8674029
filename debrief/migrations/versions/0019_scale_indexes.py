"""Indexes for the compliance pages at national scale (issue 22): an event's debriefs by
state (dashboard coverage, Recommendation 2's latest counted debrief) and the audit
trail by user, newest first.

Revision ID: 0019
Revises: 0016
Create Date: 2026-12-04 23:55:00
"""

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_debriefs_event_state", "debriefs", ["event_id", "state"])
    op.create_index("ix_audit_entries_username_at", "audit_entries", ["username", "at"])


def downgrade() -> None:
    op.drop_index("ix_audit_entries_username_at", table_name="audit_entries")
    op.drop_index("ix_debriefs_event_state", table_name="debriefs")
