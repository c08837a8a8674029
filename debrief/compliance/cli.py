"""`debrief import nccu FILE` and `debrief import events FILE`: the imports from the command line.

The same preview as the web page is printed first; nothing is written unless
the person answers yes (or passes --yes). The import is audited under the
operating-system account that ran it.
"""

from __future__ import annotations

import getpass
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ..audit import Actor
from ..extensions import db_session, require_current_schema
from . import imports
from .files import ImportRefused


@click.group("import")
def import_group() -> None:
    """Import the NCCU referral list or an events list (CSV or XLSX)."""


def _run(kind: str, path: Path, yes: bool) -> None:
    require_current_schema()
    config = current_app.config
    if path.stat().st_size > config["IMPORT_MAX_BYTES"]:
        raise click.ClickException(
            f"{path.name} is larger than the import limit (IMPORT_MAX_BYTES). "
            "Split the list into smaller files."
        )
    data = path.read_bytes()
    session = db_session()
    try:
        preview = imports.preview_file(session, kind, path.name, data, config)
    except ImportRefused as exc:
        raise click.ClickException(str(exc)) from None
    for line in preview.summary_lines():
        click.echo(line)
    if preview.previously_applied is not None:
        click.echo("This file has been imported before.")
    summary = preview.summary()
    if not summary["add"] and not summary["update"]:
        click.echo("Nothing to change.")
    if not yes and not click.confirm("Apply these changes?", default=False):
        session.rollback()
        click.echo("Nothing was imported.")
        return
    operator = Actor(username=f"cli:{getpass.getuser()}")
    batch = imports.stage(session, preview, data, operator)
    try:
        imports.confirm(session, batch, config, operator)
    except (imports.PreviewChanged, ImportRefused) as exc:
        session.rollback()
        raise click.ClickException(f"{exc} Nothing was imported; run the import again.") from None
    session.commit()
    click.echo(f"Imported: {summary['add']} added, {summary['update']} updated.")


_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
_YES = click.option("--yes", is_flag=True, help="Apply without asking.")


@import_group.command("nccu")
@click.argument("file", type=_FILE)
@_YES
@with_appcontext
def import_nccu(file: Path, yes: bool) -> None:
    """Import the NCCU referral list from FILE."""
    _run(imports.NCCU, file, yes)


@import_group.command("events")
@click.argument("file", type=_FILE)
@_YES
@with_appcontext
def import_events(file: Path, yes: bool) -> None:
    """Import OIC events from a command-and-control extract in FILE."""
    _run(imports.EVENTS, file, yes)
