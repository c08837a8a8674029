"""`debrief retention review|apply` and `debrief backup PATH`."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from .. import pending_forms, summaries
from ..db import is_sqlite
from ..extensions import db_session, require_current_schema
from ..timeutil import format_local
from . import retention
from .backup import BackupError, backup_sqlite, pg_dump_command


def _years() -> int:
    return current_app.config["RETENTION_YEARS"]


@click.group("retention")
def retention_group() -> None:
    """Dispose of debriefs kept longer than the retention period (RETENTION_YEARS)."""


def _list_due(debriefs) -> None:
    for debrief in debriefs:
        click.echo(
            f"  debrief {debrief.id} ({debrief.export_ref}): {debrief.event.district}, "
            f"closed {format_local(debrief.closed_at, with_time=False)}"
        )


@retention_group.command("review")
@with_appcontext
def retention_review() -> None:
    """List the closed debriefs past the retention period; changes nothing."""
    require_current_schema()
    years = _years()
    due = retention.due(db_session(), years)
    cutoff = format_local(retention.cutoff(years), with_time=False)
    if not due:
        click.echo(f"No debriefs closed before {cutoff} ({years} years) are waiting for disposal.")
        return
    click.echo(f"{len(due)} debrief(s) closed before {cutoff} ({years} years) are due:")
    _list_due(due)
    click.echo("Run `debrief retention apply --yes` to dispose of them.")


@retention_group.command("apply")
@click.option("--yes", is_flag=True, help="Dispose of them; without it nothing changes.")
@with_appcontext
def retention_apply(yes: bool) -> None:
    """Dispose of the debriefs past the period: a dry run unless --yes is given.

    With --yes it also deletes forms kept for people longer than KEPT_FORM_DAYS.
    """
    require_current_schema()
    years = _years()
    session = db_session()
    if yes:
        days = current_app.config["KEPT_FORM_DAYS"]
        pruned = pending_forms.prune(session, days=days)
        session.commit()
        if pruned:
            click.echo(f"Deleted {pruned} kept form(s) older than {days} days.")
    due = retention.due(session, years)
    if not due:
        click.echo("Nothing to dispose of.")
        return
    if not yes:
        click.echo(f"Dry run: {len(due)} debrief(s) would be disposed of:")
        _list_due(due)
        click.echo("Nothing was changed. Add --yes to dispose of them.")
        return
    for debrief in due:
        disposal = retention.dispose(session, debrief, years)
        session.commit()  # each disposal and its audit record stand on their own
        click.echo(
            f"Disposed of debrief {disposal.debrief_id} ({disposal.export_ref}): "
            f"{disposal.answers} answers, {disposal.notes} notes, {disposal.actions} actions "
            "erased."
        )
    # Stored figures made from what was erased (an action's owner) go now, not at the
    # next dashboard view.
    summaries.forget_stale(session)
    session.commit()
    click.echo(f"{len(due)} debrief(s) disposed of; each is recorded in the audit trail.")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(path: Path) -> None:
    """Take a consistent copy of the database to PATH while the app runs."""
    engine = current_app.extensions["debrief.engine"]
    if not is_sqlite(engine):
        click.echo("This database is PostgreSQL: take the backup with pg_dump, for example")
        click.echo("  " + pg_dump_command(current_app.config["DATABASE_URL"], path))
        click.echo("(give the password through ~/.pgpass or PGPASSWORD, never on the line).")
        click.echo("No backup was taken by this command.")
        sys.exit(3)
    try:
        result = backup_sqlite(engine, path)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"Backup written to {result.path} ({result.size_bytes:,} bytes, {result.tables} "
        "tables, integrity check passed). Keep it as OFFICIAL-SENSITIVE."
    )
