"""Indexes for pages at national scale (issue 22): answers by question, closed debriefs.

The question-set comparison counts the answers to the questions a draft drops
(`question_id IN (...)`): the answers' key starts with the debrief, so without an index
by question it read all 4 million answers at 100,000 debriefs. The dashboard counts the
debriefs closed in a period (`state = 'closed' AND closed_at` in a range) and their
median days to close, from the index alone.

Revision ID: 0023
Revises: 0021
Create Date: 2026-12-05 03:20:00
"""

from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_answers_question", "answers", ["question_id"])
    op.create_index(
        "ix_debriefs_state_closed", "debriefs", ["state", "closed_at", "first_submitted_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_debriefs_state_closed", table_name="debriefs")
    op.drop_index("ix_answers_question", table_name="answers")
