"""The intelligence document's record on each debrief: route and time, beside the queue's copy.

Recommendation 2 is counted from these columns (debrief/recommendation2.py), never from
answers by question id. Debriefs already submitted are filled from their answers: every
question set before this one asked the yes/no question `intel_doc_submitted` and
`intel_doc_submitted_at` (UK local time as ISO text), so "yes" becomes the route
"submitted" (route not asked) and "no" becomes "not_done". The queue's copy
`intel_doc_submitted` now means "the document was submitted, for an event with an NCCU
referral": it is emptied where the event had no referral.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 21:00:00
"""

from datetime import datetime

import sqlalchemy as sa
from alembic import op

from debrief.timeutil import from_local

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

BATCH = 2000


def upgrade() -> None:
    op.add_column("debriefs", sa.Column("intel_doc_route", sa.String(length=16), nullable=True))
    op.add_column("debriefs", sa.Column("intel_doc_submitted_at", sa.DateTime(), nullable=True))
    bind = op.get_bind()
    debriefs = sa.table(
        "debriefs",
        sa.column("id", sa.Integer),
        sa.column("event_id", sa.Integer),
        sa.column("state", sa.String),
        sa.column("intel_doc_submitted", sa.Boolean),
        sa.column("intel_doc_route", sa.String),
        sa.column("intel_doc_submitted_at", sa.DateTime),
    )
    events = sa.table(
        "events", sa.column("id", sa.Integer), sa.column("nccu_referral_made", sa.Boolean)
    )
    answers = sa.table(
        "answers",
        sa.column("debrief_id", sa.Integer),
        sa.column("question_id", sa.String),
        sa.column("value", sa.JSON),
    )
    rows = bind.execute(
        sa.select(debriefs.c.id, debriefs.c.intel_doc_submitted, events.c.nccu_referral_made)
        .join(events, events.c.id == debriefs.c.event_id)
        .where(debriefs.c.state != "draft")
        .order_by(debriefs.c.id)
    ).all()
    for first in range(0, len(rows), BATCH):
        batch = rows[first : first + BATCH]
        ids = [row.id for row in batch]
        found: dict[int, dict] = {i: {} for i in ids}
        for debrief_id, question_id, value in bind.execute(
            sa.select(answers.c.debrief_id, answers.c.question_id, answers.c.value).where(
                answers.c.debrief_id.in_(ids),
                answers.c.question_id.in_(("intel_doc_submitted", "intel_doc_submitted_at")),
            )
        ):
            found[debrief_id][question_id] = value
        updates = []
        for row in batch:
            said = found[row.id].get("intel_doc_submitted")
            if said is None and row.intel_doc_submitted is not None:
                said = "yes" if row.intel_doc_submitted else "no"  # answers erased (retention)
            route = {"yes": "submitted", "no": "not_done"}.get(str(said))
            submitted_at = None
            when = found[row.id].get("intel_doc_submitted_at")
            if route == "submitted" and isinstance(when, str):
                try:
                    submitted_at = from_local(datetime.fromisoformat(when))
                except ValueError:
                    submitted_at = None
            copy = (route == "submitted") if route and row.nccu_referral_made else None
            updates.append(
                {"b_id": row.id, "route": route, "at": submitted_at, "copy": copy}
            )
        if updates:
            bind.execute(
                debriefs.update()
                .where(debriefs.c.id == sa.bindparam("b_id"))
                .values(
                    intel_doc_route=sa.bindparam("route"),
                    intel_doc_submitted_at=sa.bindparam("at"),
                    intel_doc_submitted=sa.bindparam("copy"),
                ),
                updates,
            )


def downgrade() -> None:
    op.drop_column("debriefs", "intel_doc_submitted_at")
    op.drop_column("debriefs", "intel_doc_route")
