"""On PostgreSQL, the queue's indexes carry the debrief and event ids.

A PostgreSQL index holds its columns and a pointer to the row, not the primary
key, so counting the queue or joining it to its events visited the table's pages
one by one: 2,600 of them for the header's queue count alone at 100,000 debriefs
(2.2 ms against 0.3 ms from the index only; issue 9). SQLite keeps the row id in
every index already: nothing to do there.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 10:10:00
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

QUEUE_COLUMNS = ["state", "event_id", "submitted_at", "intel_doc_submitted", "assignee_id"]


def _recreate(include: list[str]) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_debriefs_queue", table_name="debriefs")
    op.create_index("ix_debriefs_queue", "debriefs", QUEUE_COLUMNS, postgresql_include=include)
    op.drop_index("ix_events_district_reported", table_name="events")
    op.create_index(
        "ix_events_district_reported",
        "events",
        ["district", "reported_at"],
        postgresql_include=include,
    )


def upgrade() -> None:
    _recreate(["id"])


def downgrade() -> None:
    _recreate([])
