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

SQLite runs a trigger a row, and marks each hour once (its writers take turns, so "no
such mark yet" cannot be overtaken by a reader deleting it). PostgreSQL runs one a
statement over its transition tables: a 50,000-row import adds a handful of marks, not
50,000, and never waits on another transaction's mark.

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
        counts=(
            ("reconcile", ("reported_at", "nccu_reference", "incident_ref", "district"), ""),
        ),
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


def _sqlite_trigger_names() -> list[str]:
    names = []
    for table, watch in WATCHED.items():
        names += [f"summary_{table}_insert", f"summary_{table}_delete"]
        if watch.month_columns:
            names.append(f"summary_{table}_update_month")
        names += [f"summary_{table}_update_{kind}" for kind, _, _ in watch.counts]
    return names


# PostgreSQL: a trigger a statement, over the rows it changed (transition tables, which
# cannot name columns, so an update compares the rows before and after).


def _pg_months(watch: Watch, source: str, aliases: tuple[str, ...], where: str) -> str:
    times = " UNION ".join(
        f"SELECT date_trunc('hour', {m.format(r=a)}) AS at FROM {source} WHERE {where}"
        for a in aliases
        for m in watch.months
    )
    return (
        f"INSERT INTO summary_marks (kind, at) SELECT 'month', at FROM ({times}) AS t "
        "WHERE at IS NOT NULL;"
    )


def _pg_count(kind: str, source: str, where: str) -> str:
    return (
        f"INSERT INTO summary_marks (kind) SELECT '{kind}' "
        f"WHERE EXISTS (SELECT 1 FROM {source} WHERE {where});"
    )


def _changed_pg(columns: tuple[str, ...]) -> str:
    return " OR ".join(f"o.{c}::text IS DISTINCT FROM n.{c}::text" for c in columns)


def _pg_function(table: str, watch: Watch) -> str:
    pairs = "old_rows o JOIN new_rows n ON " + " AND ".join(f"n.{k} = o.{k}" for k in watch.key)
    branches = []
    for op_name, source, alias in (("INSERT", "new_rows r", "r"), ("DELETE", "old_rows r", "r")):
        body = []
        if watch.months:
            body.append(_pg_months(watch, source, (alias,), "TRUE"))
        body += [_pg_count(k, source, c.format(r=alias) or "TRUE") for k, _, c in watch.counts]
        branches.append((op_name, body))
    update = []
    if watch.month_columns:
        update.append(_pg_months(watch, pairs, ("o", "n"), _changed_pg(watch.month_columns)))
    for kind, columns, condition in watch.counts:
        changed = f"({_changed_pg(columns)})"
        if condition:
            changed += f" AND {condition.format(r='n')}"
        update.append(_pg_count(kind, pairs, changed))
    branches.append(("UPDATE", update))
    code = "\n    ".join(
        f"{'IF' if i == 0 else 'ELSIF'} TG_OP = '{name}' THEN {' '.join(body) or 'NULL;'}"
        for i, (name, body) in enumerate(branches)
    )
    return (
        f"CREATE FUNCTION summary_mark_{table}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        f"BEGIN\n    {code}\n    END IF;\n    RETURN NULL;\nEND $$"
    )


def _pg_statements() -> list[str]:
    made = []
    for table, watch in WATCHED.items():
        made.append(_pg_function(table, watch))
        for when, referencing in (
            ("INSERT", "NEW TABLE AS new_rows"),
            ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
            ("DELETE", "OLD TABLE AS old_rows"),
        ):
            made.append(
                f"CREATE TRIGGER summary_{table}_{when.lower()} AFTER {when} ON {table} "
                f"REFERENCING {referencing} FOR EACH STATEMENT "
                f"EXECUTE FUNCTION summary_mark_{table}()"
            )
    return made


def _pg_drops() -> list[str]:
    drops = []
    for table in WATCHED:
        for when in ("insert", "update", "delete"):
            drops.append(f"DROP TRIGGER IF EXISTS summary_{table}_{when} ON {table}")
        drops.append(f"DROP FUNCTION IF EXISTS summary_mark_{table}()")
    return drops


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
        statements = [f"DROP TRIGGER IF EXISTS {name}" for name in _sqlite_trigger_names()]
    for statement in statements:
        op.execute(statement)


def upgrade() -> None:
    op.create_table(
        "summary_marks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=True),
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
