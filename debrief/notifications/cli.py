"""`debrief notify`: send today's email digests (run daily from cron or a systemd timer)."""

from __future__ import annotations

import getpass
import sys
from datetime import date, datetime

import click
from flask import current_app
from flask.cli import with_appcontext

from ..audit import Actor
from ..extensions import db_session, require_current_schema
from ..timeutil import from_local, to_local, utcnow
from . import digest
from .items import Rules


@click.command("notify")
@click.option(
    "--today",
    "today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Run as if it were this day (YYYY-MM-DD); for checking a schedule.",
)
@with_appcontext
def notify_command(today) -> None:
    """Email each person a digest of what newly waits for them (once per item)."""
    require_current_schema()
    config = current_app.config
    mail = digest.MailSettings.from_config(config)
    day: date | None = today.date() if today is not None else None
    # As if it were that day, at this time of day.
    now = from_local(datetime.combine(day, to_local(utcnow()).time())) if day else None
    session = db_session()
    try:
        outcome = digest.run(
            session,
            Rules.from_config(config),
            mail,
            Actor(username=f"cli:{getpass.getuser()}"),
            today=day,
            now=now,
            echo=click.echo,
        )
    except digest.NotifyError as exc:
        session.rollback()
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
    if outcome.skipped:
        click.echo(outcome.skipped)
        return
    click.echo(
        f"Sent {outcome.emails} email(s) telling of {outcome.items} item(s); "
        f"{outcome.people} account(s) have an email address."
    )
