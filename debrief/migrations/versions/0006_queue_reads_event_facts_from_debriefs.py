"""The queue reads each debrief's event facts (date, district, type) from the debrief.

Every queue view writes its audit record, and on SQLite each commit empties every
other connection's page cache, so a queue page read its pages again from the
file: a district's page looked up the event of each of the 3,289 debriefs in the
queue, 2,136 page reads a view at 100,000 debriefs; a theme sorted by event date,
3,016 (issue 9). With the facts copied onto the debriefs and into the queue's
index, the filters and orders read one range of one index and never the events.

The copies are kept by triggers, so that every writer keeps them right: the app,
the demo loader's bulk insert, the benchmark's generator, a fix made by hand.
SQLite cannot change a row in a BEFORE trigger, so there an AFTER trigger fills
the new row in; PostgreSQL sets it before it is written.

A later migration that rebuilds `debriefs` or `events` on SQLite (batch mode:
copy, drop, rename) drops their triggers with the old table: it must create them
again, with the statements here. tests/test_queue_event_facts.py fails if they are gone.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

OLD_QUEUE_COLUMNS = ["state", "event_id", "submitted_at", "intel_doc_submitted", "assignee_id"]
QUEUE_COLUMNS = [
    "state",
    "event_district",
    "event_reported_at",
    "event_type",
    "submitted_at",
    "intel_doc_submitted",
    "assignee_id",
]

# An event gives its facts to its debriefs, when they change (both databases).
_GIVE_FACTS = """UPDATE debriefs
    SET event_reported_at = NEW.reported_at, event_district = NEW.district,
        event_type = NEW.event_type
    WHERE event_id = NEW.id;"""
# A debrief takes its event's facts: the body of the insert and move triggers (SQLite).
_TAKE_FACTS = """UPDATE debriefs SET (event_reported_at, event_district, event_type) =
        (SELECT reported_at, district, event_type FROM events WHERE events.id = NEW.event_id)
    WHERE id = NEW.id;"""
_SQLITE_TRIGGERS = {
    "debriefs_take_event_facts": f"AFTER INSERT ON debriefs BEGIN {_TAKE_FACTS} END",
    "debriefs_retake_event_facts": f"AFTER UPDATE OF event_id ON debriefs BEGIN {_TAKE_FACTS} END",
    "events_give_facts_to_debriefs": "AFTER UPDATE OF reported_at, district, event_type "
    f"ON events BEGIN {_GIVE_FACTS} END",
}

_POSTGRESQL_TRIGGERS = [
    """CREATE FUNCTION debriefs_take_event_facts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT reported_at, district, event_type
    INTO NEW.event_reported_at, NEW.event_district, NEW.event_type
    FROM events WHERE events.id = NEW.event_id;
    RETURN NEW;
END $$""",
    """CREATE TRIGGER debriefs_take_event_facts BEFORE INSERT OR UPDATE OF event_id ON debriefs
FOR EACH ROW EXECUTE FUNCTION debriefs_take_event_facts()""",
    f"""CREATE FUNCTION events_give_facts_to_debriefs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {_GIVE_FACTS}
    RETURN NULL;
END $$""",
    """CREATE TRIGGER events_give_facts_to_debriefs
AFTER UPDATE OF reported_at, district, event_type ON events
FOR EACH ROW EXECUTE FUNCTION events_give_facts_to_debriefs()""",
]
_POSTGRESQL_DROPS = [
    "DROP TRIGGER IF EXISTS events_give_facts_to_debriefs ON events",
    "DROP FUNCTION IF EXISTS events_give_facts_to_debriefs()",
    "DROP TRIGGER IF EXISTS debriefs_take_event_facts ON debriefs",
    "DROP FUNCTION IF EXISTS debriefs_take_event_facts()",
]


def create_triggers() -> None:
    """Create the triggers that keep the copies equal to their event's facts."""
    if op.get_bind().dialect.name == "postgresql":
        statements = _POSTGRESQL_TRIGGERS
    else:
        statements = [f"CREATE TRIGGER {name} {body}" for name, body in _SQLITE_TRIGGERS.items()]
    for statement in statements:
        op.execute(statement)


def drop_triggers() -> None:
    """Drop those triggers."""
    if op.get_bind().dialect.name == "postgresql":
        statements = _POSTGRESQL_DROPS
    else:
        statements = [f"DROP TRIGGER IF EXISTS {name}" for name in _SQLITE_TRIGGERS]
    for statement in statements:
        op.execute(statement)


def _include() -> list[str]:
    return ["id"] if op.get_bind().dialect.name == "postgresql" else []


def upgrade() -> None:
    # Plain ADD COLUMN (nullable, no default): no table rebuild, so no lost triggers.
    op.add_column("debriefs", sa.Column("event_reported_at", sa.DateTime(), nullable=True))
    op.add_column("debriefs", sa.Column("event_district", sa.String(length=80), nullable=True))
    op.add_column("debriefs", sa.Column("event_type", sa.String(length=40), nullable=True))
    op.execute(
        "UPDATE debriefs SET (event_reported_at, event_district, event_type) = "
        "(SELECT reported_at, district, event_type FROM events WHERE events.id = debriefs.event_id)"
    )
    create_triggers()
    op.drop_index("ix_debriefs_queue", table_name="debriefs")
    op.create_index("ix_debriefs_queue", "debriefs", QUEUE_COLUMNS, postgresql_include=_include())


def downgrade() -> None:
    op.drop_index("ix_debriefs_queue", table_name="debriefs")
    op.create_index(
        "ix_debriefs_queue", "debriefs", OLD_QUEUE_COLUMNS, postgresql_include=_include()
    )
    drop_triggers()
    # Dropping a column rebuilds the table on SQLite (batch mode); nothing else hangs on
    # these columns any more.
    with op.batch_alter_table("debriefs") as batch_op:
        batch_op.drop_column("event_type")
        batch_op.drop_column("event_district")
        batch_op.drop_column("event_reported_at")
