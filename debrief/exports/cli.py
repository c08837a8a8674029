"""`debrief export themes`: the thematic spreadsheet from the command line.

Makes the partner copy only (pseudonymised, small numbers suppressed, no free
text), records it as a disclosure under the operating-system account that ran
it, and writes the file atomically so a half-written workbook is never left.
"""

from __future__ import annotations

import getpass
import os
import sys
import tempfile
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from .. import periods
from ..admin import lists
from ..audit import Actor
from ..extensions import db_session, require_current_schema
from ..vocabulary import EVENT_TYPES
from . import workbook as export
from .selection import ExportOptions, count_debriefs

DAY = click.DateTime(formats=["%Y-%m-%d"])


@click.group("export")
def export_group() -> None:
    """Export spreadsheets."""


@export_group.command("themes")
@click.option("--from", "start", required=True, type=DAY, help="First day, like 2025-07-01.")
@click.option("--to", "end", required=True, type=DAY, help="Last day (included), like 2025-09-30.")
@click.option("--district", help="Only this policing district.")
@click.option("--event-type", type=click.Choice(list(EVENT_TYPES)), help="Only this event type.")
@click.option("--include-in-review", is_flag=True, help="Also debriefs not yet closed.")
@click.option(
    "--output",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="The .xlsx file to write.",
)
@click.option("--shared-with", default="", help="The meeting or recipients, or detail (recorded).")
@click.option(
    "--recipient-group", default="", help="A recipient group the administrator keeps (recorded)."
)
@with_appcontext
def export_themes_command(
    start,
    end,
    district,
    event_type,
    include_in_review,
    output: Path,
    shared_with: str,
    recipient_group: str,
) -> None:
    """Write the thematic spreadsheet for a period (partner copy)."""
    require_current_schema()
    config = current_app.config
    if district and district not in config["DISTRICTS"]:
        raise click.BadParameter(
            f"{district!r} is not a district; choose from {', '.join(config['DISTRICTS'])}.",
            param_hint="--district",
        )
    group = _recipient_group(recipient_group) if recipient_group.strip() else None
    detail = shared_with.strip()
    if group is None and not detail:
        raise click.BadParameter("say who it will be shared with.", param_hint="--shared-with")
    if group is not None:
        detail = f"{group.name}: {detail}" if detail else group.name
    try:
        period = periods.custom(start.date(), end.date())
    except periods.PeriodError as exc:
        raise click.ClickException(str(exc)) from None
    options = ExportOptions(
        period=period,
        shared_with=detail,
        recipient_group_id=group.id if group is not None else None,
        district=district,
        event_type=event_type,
        include_in_review=include_in_review,
    )
    session = db_session()
    total = count_debriefs(session, options)
    handle, name = tempfile.mkstemp(prefix=".oic-export-", suffix=".xlsx", dir=output.parent)
    os.close(handle)
    try:
        with click.progressbar(
            length=2 * total, label=f"Exporting {total} debriefs", file=sys.stderr
        ) as bar:
            result = export.export_themes(
                session,
                Actor(username=f"command line ({getpass.getuser()})"),
                options,
                export.ExportSettings.from_config(config),
                Path(name),
                progress=bar.update,
                via="cli",
            )
        session.commit()
        os.replace(name, output)
    finally:
        if os.path.exists(name):
            os.unlink(name)
    click.echo(
        f"Wrote {output} ({period.description}): {result.debriefs} debriefs from "
        f"{result.events} events. Recorded as a disclosure to {options.shared_with}."
    )


def _recipient_group(name: str):
    """Return the recipient group in use with this name (any letter case), or stop."""
    groups = lists.entries(db_session(), lists.KINDS["groups"], include_retired=False)
    for group in groups:
        if group.name.casefold() == " ".join(name.split()).casefold():
            return group
    known = ", ".join(g.name for g in groups) or "none yet: an administrator adds them"
    raise click.BadParameter(
        f"{name!r} is not a recipient group; the groups are {known}.",
        param_hint="--recipient-group",
    )
