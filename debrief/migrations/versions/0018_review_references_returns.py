"""The hub reviewer's day (issue 21): search keys of the references, returns with
comments on answers and what changed, and theme suggestions the hub dismissed.

Revision ID: 0018
Revises: 0016
Create Date: 2026-12-04 23:45:00
"""

import sqlalchemy as sa
from alembic import op

from debrief.references import search_key

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

_events = sa.table(
    "events",
    sa.column("id", sa.Integer),
    sa.column("incident_ref", sa.String),
    sa.column("nccu_reference", sa.String),
    sa.column("incident_key", sa.String),
    sa.column("nccu_key", sa.String),
)


def fill_search_keys(connection, chunk: int = 5000) -> int:
    """Give every event without them its search keys; returns how many were filled.

    Run here for the events there are, and by bench/queue_search.py after the
    benchmark's generator, which writes rows through the driver and not the models.
    """
    filled = 0
    last = 0
    while True:
        rows = connection.execute(
            sa.select(_events.c.id, _events.c.incident_ref, _events.c.nccu_reference)
            .where(_events.c.id > last, _events.c.incident_key.is_(None))
            .order_by(_events.c.id)
            .limit(chunk)
        ).all()
        if not rows:
            return filled
        connection.execute(
            _events.update()
            .where(_events.c.id == sa.bindparam("event_id"))
            .values(incident_key=sa.bindparam("ik"), nccu_key=sa.bindparam("nk")),
            [
                {
                    "event_id": r.id,
                    "ik": search_key(r.incident_ref),
                    "nk": search_key(r.nccu_reference),
                }
                for r in rows
            ],
        )
        filled += len(rows)
        last = rows[-1].id


def upgrade() -> None:
    op.add_column("events", sa.Column("incident_key", sa.String(length=40), nullable=True))
    op.add_column("events", sa.Column("nccu_key", sa.String(length=40), nullable=True))
    fill_search_keys(op.get_bind())
    op.create_index("ix_events_incident_key", "events", ["incident_key"])
    op.create_index("ix_events_nccu_key", "events", ["nccu_key"])

    op.create_table(
        "review_returns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("debrief_id", sa.Integer(), nullable=False),
        sa.Column("history_id", sa.Integer(), nullable=False),
        sa.Column("returned_by_id", sa.Integer(), nullable=False),
        sa.Column("returned_at", sa.DateTime(), nullable=False),
        sa.Column("answers_before", sa.JSON(), nullable=False),
        sa.Column("resubmitted_at", sa.DateTime(), nullable=True),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["debrief_id"],
            ["debriefs.id"],
            name=op.f("fk_review_returns_debrief_id_debriefs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["history_id"],
            ["history_entries.id"],
            name=op.f("fk_review_returns_history_id_history_entries"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["returned_by_id"], ["users.id"], name=op.f("fk_review_returns_returned_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_returns")),
    )
    op.create_index("ix_review_returns_debrief_id", "review_returns", ["debrief_id"])

    op.create_table(
        "answer_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("return_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("reply", sa.Text(), nullable=False),
        sa.Column("replied_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["return_id"],
            ["review_returns.id"],
            name=op.f("fk_answer_comments_return_id_review_returns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answer_comments")),
    )
    op.create_index("ix_answer_comments_return_id", "answer_comments", ["return_id"])

    op.create_table(
        "dismissed_themes",
        sa.Column("debrief_id", sa.Integer(), nullable=False),
        sa.Column("theme_id", sa.String(length=64), nullable=False),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.Column("dismissed_by_id", sa.Integer(), nullable=False),
        sa.Column("dismissed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["debrief_id"],
            ["debriefs.id"],
            name=op.f("fk_dismissed_themes_debrief_id_debriefs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["dismissed_by_id"],
            ["users.id"],
            name=op.f("fk_dismissed_themes_dismissed_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("debrief_id", "theme_id", name=op.f("pk_dismissed_themes")),
    )


def downgrade() -> None:
    op.drop_table("dismissed_themes")
    op.drop_index("ix_answer_comments_return_id", table_name="answer_comments")
    op.drop_table("answer_comments")
    op.drop_index("ix_review_returns_debrief_id", table_name="review_returns")
    op.drop_table("review_returns")
    op.drop_index("ix_events_nccu_key", table_name="events")
    op.drop_index("ix_events_incident_key", table_name="events")
    # Not a batch (a copy of the table): other tables' foreign keys point at events.
    op.drop_column("events", "nccu_key")
    op.drop_column("events", "incident_key")
