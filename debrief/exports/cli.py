"""`debrief export themes`: the thematic spreadsheet from the command line.

Makes the partner copy only (pseudonymised, small numbers suppressed, no free
text), for a standard period (month, quarter or financial year) and the whole
force or one district, as the export page does for partner copies; records it
as a disclosure under the operating-system account that ran it, and writes the
file atomically so a half-written workbook is never left.
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
from . import workbook as export
from .selection import ExportOptions, count_debriefs, partner_copy_problems

DAY = click.DateTime(formats=["%Y-%m-%d"])


@click.group("export")
def export_group() -> None:
    """Export spreadsheets."""


@export_group.command("themes")
@click.option(
    "--period", "label", help="A month, quarter or financial year: 2025-07, 2025-Q3, FY2025-26."
)
@click.option("--from", "start", type=DAY, help="First day, like 2025-07-01 (with --to).")
@click.option("--to", "end", type=DAY, help="Last day (included), like 2025-09-30.")
@click.option("--district", help="Only this policing district.")
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
    label,
    start,
    end,
    district,
    include_in_review,
    output: Path,
    shared_with: str,
    recipient_group: str,
) -> None:
    """Write the thematic spreadsheet for a month, quarter or financial year (partner copy)."""
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
    period = _period(label, start, end)
    options = ExportOptions(
        period=period,
        shared_with=detail,
        recipient_group_id=group.id if group is not None else None,
        district=district,
        include_in_review=include_in_review,
    )
    problems = partner_copy_problems(options)
    if problems:  # only the period can be wrong here: there is no event type filter
        raise click.UsageError(
            next(iter(problems.values()))
            + ". Give --period, or --from and --to that span exactly one of them."
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


def _period(label: str | None, start, end) -> periods.Period:
    """Return the period asked for: by its label, or by its first and last days."""
    try:
        if label:
            if start or end:
                raise click.UsageError("Give --period, or --from and --to, not both.")
            return periods.standard(label)
        if start is None or end is None:
            raise click.UsageError("Give --period (like 2025-Q3), or both --from and --to.")
        return periods.custom(start.date(), end.date())
    except periods.PeriodError as exc:
        raise click.ClickException(str(exc)) from None
