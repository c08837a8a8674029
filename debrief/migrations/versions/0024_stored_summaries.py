"""Stored figures for the compliance pages, and the marks that say when they are stale.

At 100,000 debriefs and referrals the dashboard counted every event, debrief, theme and
referral of its period on every request (8 s a year, 21 s three years under 20 clients),
and each reconciliation list counted every referral's match for its tabs (issue 22).
`stored_summaries` keeps a month's figures and the lists' counts once worked out
(`debrief/summaries.py`); `summary_marks` records that a change may have put one out of
date. The marks are written by triggers here, so every writer marks what it changes: the
app, the NCCU import's bulk insert, retention disposal's deletes, the benchmark's
generator, a fix made by hand. A mark is the hour of a time that decides a month (an
event reported, a debrief closed, a referral made), or the name of other stored counts
('reconcile': the reconciliation lists'; 'actions': open follow-up actions by owner).

A trigger runs a row, only when a column a figure reads has changed. SQLite marks each
hour once (its writers take turns, so "no such mark yet" cannot be overtaken by a reader
deleting it); PostgreSQL once a transaction (`tx`), as its writers run side by side.

A later migration that rebuilds one of these tables on SQLite (batch mode) drops its
triggers with it: create them again with `create_triggers`. tests/test_stored_summaries.py
fails if they are gone.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-05 07:00:00
"""

from __future__ import annotations

from typing import NamedTuple

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


class Watch(NamedTuple):
    """What of one table's rows the stored figures read (a NamedTuple: Alembic loads
    this file outside sys.modules, where a dataclass cannot be made)."""

    key: tuple[str, ...]  # the primary key, to pair a row before and after an update
    months: tuple[str, ...] = ()  # times deciding a month, over a row alias {r}
    month_columns: tuple[str, ...] = ()  # columns the monthly figures read
    # Other stored figures ("reconcile": the lists' counts; "actions": open actions by
    # owner): the columns each reads, and where only some rows count, a condition on {r}.
    counts: tuple[tuple[str, tuple[str, ...], str], ...] = ()


_EVENT_OF_DEBRIEF = "(SELECT reported_at FROM events WHERE events.id = {r}.event_id)"
_EVENT_OF = (
    "(SELECT e.reported_at FROM debriefs d JOIN events e ON e.id = d.event_id"
    " WHERE d.id = {r}.debrief_id)"
)
WATCHED = {
    "events": Watch(
        key=("id",),
        months=("{r}.reported_at",),
        month_columns=("reported_at", "nccu_referral_made"),
        counts=(("reconcile", ("reported_at", "nccu_reference", "incident_ref", "district"), ""),),
    ),
    "debriefs": Watch(
        key=("id",),
        months=(_EVENT_OF_DEBRIEF, "{r}.closed_at"),
        month_columns=(
            "state",
            "event_id",
            "intel_doc_route",
            "intel_doc_submitted_at",
            "closed_at",
            "first_submitted_at",
        ),
        counts=(
            ("reconcile", ("state", "event_id", "intel_doc_route", "host_id"), ""),
            ("actions", ("state",), ""),
        ),
    ),
    "debrief_themes": Watch(
        key=("debrief_id", "theme_id"), months=(_EVENT_OF,), month_columns=("confirmed",)
    ),
    "nccu_referrals": Watch(
        key=("id",),
        months=("{r}.referred_at",),
        month_columns=(
            "referred_at",
            "intel_doc_received",
            "intel_doc_received_at",
            "receipt_listed_at",
        ),
        counts=(
            (
                "reconcile",
                (
                    "nccu_reference",
                    "force_reference",
                    "intel_doc_received",
                    "event_id",
                    "match_status",
                    "district",
                ),
                "",
            ),
        ),
    ),
    # A reference a sergeant typed counts only where the event record has none.
    "answers": Watch(
        key=("debrief_id", "question_id"),
        counts=(
            (
                "reconcile",
                ("value",),
                "(SELECT e.nccu_reference FROM debriefs d JOIN events e ON e.id = d.event_id"
                " WHERE d.id = {r}.debrief_id) IS NULL",
            ),
        ),
    ),
    # The outstanding list's filter names the sergeants (reconcile:choices); and a new
    # question set may bind the NCCU reference to another question.
    "users": Watch(key=("id",), counts=(("reconcile", ("full_name", "username"), ""),)),
    "question_set_versions": Watch(
        key=("id",), counts=(("reconcile", ("version_hash", "source_text"), ""),)
    ),
    "follow_up_actions": Watch(
        key=("id",), counts=(("actions", ("debrief_id", "owner", "status", "due_date"), ""),)
    ),
}


# SQLite: a trigger a row and a change.


def _sqlite_month(expression: str) -> str:
    hour = f"strftime('%Y-%m-%d %H:00:00', {expression})"
    return (
        f"INSERT INTO summary_marks (kind, at) SELECT 'month', h FROM (SELECT {hour} AS h) "
        "WHERE h IS NOT NULL AND NOT EXISTS "
        "(SELECT 1 FROM summary_marks WHERE kind = 'month' AND at = h);"
    )


def _sqlite_count(kind: str, condition: str = "") -> str:
    where = f"({condition}) AND " if condition else ""
    return (
        f"INSERT INTO summary_marks (kind) SELECT '{kind}' WHERE "
        f"{where}NOT EXISTS (SELECT 1 FROM summary_marks WHERE kind = '{kind}');"
    )


def _changed_sqlite(columns: tuple[str, ...]) -> str:
    return " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in columns)


def _sqlite_triggers() -> list[str]:
    made = []
    for table, watch in WATCHED.items():
        for when, rows in (("INSERT", ("NEW",)), ("DELETE", ("OLD",))):
            body = [_sqlite_month(m.format(r=r)) for r in rows for m in watch.months]
            body += [_sqlite_count(k, c.format(r=rows[0])) for k, _, c in watch.counts]
            made.append(
                f"CREATE TRIGGER summary_{table}_{when.lower()} AFTER {when} ON {table} "
                f"BEGIN {' '.join(body)} END"
            )
        if watch.month_columns:
            body = [_sqlite_month(m.format(r=r)) for r in ("OLD", "NEW") for m in watch.months]
            made.append(
                f"CREATE TRIGGER summary_{table}_update_month AFTER UPDATE OF "
                f"{', '.join(watch.month_columns)} ON {table} "
                f"WHEN {_changed_sqlite(watch.month_columns)} BEGIN {' '.join(body)} END"
            )
        for kind, columns, condition in watch.counts:
            made.append(
                f"CREATE TRIGGER summary_{table}_update_{kind} AFTER UPDATE OF "
                f"{', '.join(columns)} ON {table} "
                f"WHEN {_changed_sqlite(columns)} "
                f"BEGIN {_sqlite_count(kind, condition.format(r='NEW'))} END"
            )
    return made


# PostgreSQL: a trigger a row too (a trigger a statement, over transition tables, ran once
# for each row of an executemany: 3 ms a row, a 50,000-row import 4.7 s -> 172 s). Writers
# run side by side, so a mark is left out only where this same transaction wrote it already
# (`tx`): one another transaction wrote may be deleted by a reader before this one commits.

_PG_MARK = """CREATE FUNCTION summary_mark(k text, t timestamp) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE h timestamp := date_trunc('hour', t);
BEGIN
    IF k = 'month' THEN  -- "at = h", not IS NOT DISTINCT FROM: read by the index
        IF h IS NOT NULL AND NOT EXISTS (SELECT 1 FROM summary_marks
                WHERE kind = k AND at = h AND tx = txid_current()) THEN
            INSERT INTO summary_marks (kind, at, tx) VALUES (k, h, txid_current());
        END IF;
    ELSIF NOT EXISTS (SELECT 1 FROM summary_marks
            WHERE kind = k AND at IS NULL AND tx = txid_current()) THEN
        INSERT INTO summary_marks (kind, at, tx) VALUES (k, NULL, txid_current());
    END IF;
END $$"""


def _pg_marks(watch: Watch, rows: tuple[str, ...], counts) -> str:
    months = [
        f"PERFORM summary_mark('month', {m.format(r=r)});" for r in rows for m in watch.months
    ]
    others = []
    for kind, _, condition in counts:
        mark = f"PERFORM summary_mark('{kind}', NULL);"
        others.append(
            f"IF {condition.format(r=rows[-1])} THEN {mark} END IF;" if condition else mark
        )
    return " ".join(months + others)


def _changed_pg(columns: tuple[str, ...]) -> str:
    # As text: JSON (an answer's value) has no equality of its own.
    return " OR ".join(f"OLD.{c}::text IS DISTINCT FROM NEW.{c}::text" for c in columns)


def _pg_statements() -> list[str]:
    made = [_PG_MARK]
    for table, watch in WATCHED.items():
        bodies = {
            "insert": _pg_marks(watch, ("NEW",), watch.counts),
            "delete": _pg_marks(watch, ("OLD",), watch.counts),
        }
        if watch.month_columns:
            bodies["update_month"] = _pg_marks(watch, ("OLD", "NEW"), ())
        for kind, columns, condition in watch.counts:
            bodies[f"update_{kind}"] = _pg_marks(
                watch._replace(months=()), ("NEW",), ((kind, columns, condition),)
            )
        for name, body in bodies.items():
            made.append(
                f"CREATE FUNCTION summary_{table}_{name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                f"BEGIN {body} RETURN NULL; END $$"
            )
            if name == "update_month":
                event, when = (
                    f"UPDATE OF {', '.join(watch.month_columns)}",
                    _changed_pg(watch.month_columns),
                )
            elif name.startswith("update_"):
                columns = dict((k, c) for k, c, _ in watch.counts)[name[len("update_") :]]
                event, when = f"UPDATE OF {', '.join(columns)}", _changed_pg(columns)
            else:
                event, when = name.upper(), ""
            made.append(
                f"CREATE TRIGGER summary_{table}_{name} AFTER {event} ON {table} FOR EACH ROW "
                + (f"WHEN ({when}) " if when else "")
                + f"EXECUTE FUNCTION summary_{table}_{name}()"
            )
    return made


def _pg_drops() -> list[str]:
    drops = []
    for table, name in _trigger_names():
        drops.append(f"DROP TRIGGER IF EXISTS summary_{table}_{name} ON {table}")
        drops.append(f"DROP FUNCTION IF EXISTS summary_{table}_{name}()")
    return [*drops, "DROP FUNCTION IF EXISTS summary_mark(text, timestamp)"]


def _trigger_names() -> list[tuple[str, str]]:
    names = []
    for table, watch in WATCHED.items():
        names += [(table, "insert"), (table, "delete")]
        if watch.month_columns:
            names.append((table, "update_month"))
        names += [(table, f"update_{kind}") for kind, _, _ in watch.counts]
    return names


def create_triggers() -> None:
    """Create the triggers that mark stored figures stale."""
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in _pg_statements() if postgres else _sqlite_triggers():
        op.execute(statement)


def drop_triggers() -> None:
    """Drop those triggers."""
    if op.get_bind().dialect.name == "postgresql":
        statements = _pg_drops()
    else:
        statements = [f"DROP TRIGGER IF EXISTS summary_{t}_{n}" for t, n in _trigger_names()]
    for statement in statements:
        op.execute(statement)


def upgrade() -> None:
    op.create_table(
        "summary_marks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=True),
        sa.Column("tx", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_summary_marks_kind_at", "summary_marks", ["kind", "at"])
    op.create_table(
        "stored_summaries",
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    create_triggers()


def downgrade() -> None:
    drop_triggers()
    op.drop_table("stored_summaries")
    op.drop_index("ix_summary_marks_kind_at", table_name="summary_marks")
    op.drop_table("summary_marks")
