"""The event record holds the people who died, the people missing and the people injured.

Deaths and people missing (small boats) were recorded nowhere, and the injured count was
asked in the debrief, behind "Did anyone need medical help?", so it was in one place for
one debrief and absent from the event's counts. All three are event counts now (issue 18);
the injured count a debrief gave is copied onto its event, the largest where an event has
more than one debrief.

Plain ADD COLUMN (no table rebuild on SQLite), so migration 0006's triggers on `events`
stay as they are; nothing here touches them.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 21:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

NEW_COUNTS = ("died", "missing", "injured")


def upgrade() -> None:
    for name in NEW_COUNTS:
        op.add_column(
            "events", sa.Column(name, sa.Integer(), nullable=False, server_default=sa.text("0"))
        )
    bind = op.get_bind()
    answers = sa.table(
        "answers", sa.column("debrief_id"), sa.column("question_id"), sa.column("value", sa.JSON)
    )
    debriefs = sa.table("debriefs", sa.column("id"), sa.column("event_id"))
    rows = bind.execute(
        sa.select(debriefs.c.event_id, answers.c.value)
        .join(debriefs, debriefs.c.id == answers.c.debrief_id)
        .where(answers.c.question_id == "injured")
    ).all()
    injured: dict[int, int] = {}
    for event_id, value in rows:
        if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
            injured[event_id] = max(injured.get(event_id, 0), int(value))
    events = sa.table("events", sa.column("id"), sa.column("injured"))
    for event_id, count in injured.items():
        bind.execute(events.update().where(events.c.id == event_id).values(injured=count))


def downgrade() -> None:
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35 or later; PostgreSQL): no table rebuild, so
    # migration 0006's trigger on `events`, which names none of these columns, is kept.
    for name in reversed(NEW_COUNTS):
        op.execute(f"ALTER TABLE events DROP COLUMN {name}")
