"""The `debrief` command: serve, db upgrade, users create, demo, and each area's commands."""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from . import schema
from .auth import accounts
from .auth.passwords import PasswordRejected
from .config import SettingsError
from .db import DatabaseError
from .extensions import app_engine, db_session, require_current_schema
from .questions.loader import QuestionSetError


def _create_app_for_cli() -> Flask:
    from .app import create_app

    try:
        return create_app(check_schema=False)
    except (SettingsError, DatabaseError, QuestionSetError) as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)


@click.group(
    cls=FlaskGroup,
    create_app=_create_app_for_cli,
    add_default_commands=False,
    add_version_option=False,
    load_dotenv=False,
)
def main() -> None:
    """OIC Debrief: structured debriefs after organised immigration crime events."""


@main.group("db")
def db_group() -> None:
    """Database schema commands."""


@db_group.command("upgrade")
@with_appcontext
def db_upgrade() -> None:
    """Apply every database migration not yet applied."""
    try:
        # Read and upgraded under the migration lock, so that of several servers started
        # together exactly one reports the upgrade.
        with schema.migration_lock(app_engine(), _say_waiting):
            before = schema.current_revision(app_engine())
            schema.upgrade(app_engine())
            after = schema.current_revision(app_engine())
    except DatabaseError as exc:
        raise click.ClickException(str(exc)) from None
    if before == after:
        click.echo(f"The database is already at the newest schema ({after}).")
    else:
        click.echo(f"Database upgraded from {before or 'empty'} to {after}.")


def _say_waiting() -> None:
    click.echo("Another server is upgrading the database; waiting for it to finish.")


@main.group("users")
def users_group() -> None:
    """Account commands."""


@users_group.command("create")
@click.argument("username")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    help="sergeant, hub_reviewer, partnership_lead, admin or question_set_editor; repeat "
    "for several.",
)
@click.option("--name", "full_name", default="", help="The person's full name.")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from standard input instead of generating one.",
)
@with_appcontext
def users_create(
    username: str, roles: tuple[str, ...], full_name: str, password_stdin: bool
) -> None:
    """Create an account and print its one-time password."""
    require_current_schema()
    password = None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    session = db_session()
    try:
        user, password = accounts.create_user(
            session,
            current_app.extensions["debrief.hasher"],
            username=username,
            roles=list(roles),
            full_name=full_name,
            password=password,
        )
    except (accounts.AccountError, PasswordRejected, ValueError) as exc:
        session.rollback()
        raise click.ClickException(str(exc)) from None
    session.commit()
    click.echo(f"Created {user.username} with roles {', '.join(sorted(user.roles))}.")
    if not password_stdin:
        click.echo(f"One-time password: {password}")
    click.echo("They must choose their own password when they first sign in.")


@main.command("demo")
@with_appcontext
def demo_command() -> None:
    """Create the demo accounts and a year of sample data (safe to run twice)."""
    require_current_schema()
    _run_demo()


def _run_demo() -> None:
    from .demo.seed import run
    from .demo.site import DemoSite

    run(DemoSite.of(current_app, db_session()), click.echo)


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int)
@click.option("--threads", default=4, show_default=True, type=int)
@click.option("--demo", "with_demo", is_flag=True, help="Also create the demo accounts and data.")
@with_appcontext
def serve(host: str, port: int, workers: int, threads: int, with_demo: bool) -> None:
    """Upgrade the database, then serve the app with gunicorn (never Flask's dev server)."""
    import logging.config

    from . import server
    from .request_log import logging_config

    logging.config.dictConfig(logging_config())  # the upgrade's messages are JSON lines too
    try:
        # Under the migration lock: servers started together never migrate at once.
        schema.upgrade_locked(app_engine(), _say_waiting)
    except DatabaseError as exc:
        raise click.ClickException(str(exc)) from None
    if with_demo:
        _run_demo()
    app_engine().dispose()  # workers open their own connections after the fork
    click.echo(f"OIC Debrief is starting on http://{host}:{port}/ (Ctrl+C stops it).")
    server.run(host=host, port=port, workers=workers, threads=threads)


def _register_area_commands() -> None:
    """Add the commands each area of the product defines in its own module."""
    for command in _area_commands():
        main.add_command(command)


def _area_commands() -> list:
    from .admin.cli import backup_command, retention_group
    from .compliance.cli import compliance_group, import_group
    from .exports.cli import export_group
    from .notifications.cli import notify_command
    from .questions.cli import questions_group

    return [
        questions_group,
        import_group,
        compliance_group,
        export_group,
        retention_group,
        backup_command,
        notify_command,
    ]


_register_area_commands()
