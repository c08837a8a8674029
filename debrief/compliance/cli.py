"""`debrief import nccu|events FILE` and `debrief compliance rec2`: compliance from the shell.

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

from .. import audit, periods, recommendation2
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


@click.group("compliance")
def compliance_group() -> None:
    """Compliance figures (counts only)."""


_DAY = click.DateTime(formats=["%Y-%m-%d"])


@compliance_group.command("rec2")
@click.option("--from", "start", required=True, type=_DAY, help="First day, like 2025-07-01.")
@click.option("--to", "end", required=True, type=_DAY, help="Last day (included).")
@click.option("--district", help="Only this policing district.")
@with_appcontext
def rec2_command(start, end, district: str | None) -> None:
    """Print Recommendation 2 by month, as the dashboard and spreadsheet count it."""
    require_current_schema()
    config = current_app.config
    if district and district not in config["DISTRICTS"]:
        raise click.BadParameter(
            f"{district!r} is not a district; choose from {', '.join(config['DISTRICTS'])}.",
            param_hint="--district",
        )
    try:
        period = periods.custom(start.date(), end.date())
    except periods.PeriodError as exc:
        raise click.ClickException(str(exc)) from None
    session = db_session()
    bounds = period.utc_bounds()
    found = recommendation2.figures(session, *bounds, period.months(), district=district)
    for line in rec2_lines(found, period.description + (f", {district}" if district else "")):
        click.echo(line)
    audit.record(
        session,
        Actor(username=f"cli:{getpass.getuser()}"),
        audit.Category.CONSULTATION,
        "rec2.view",
        details={"period": period.label, "district": district or ""},
    )
    session.commit()


def rec2_lines(found: recommendation2.Figures, heading: str) -> list[str]:
    """Lay Recommendation 2 out as a plain table, the definitions under it."""
    head = (
        f"{'Month':<10}{'Referrals':>10}{'Submitted':>10}{'First':>7}{'Later':>7}{'Route?':>7}"
        f"{'Not':>5}{'Rate':>8}{'NCCU list':>10}{'Received':>9}{'NCCU rate':>10}{'DQ':>4}"
    )
    lines = [f"Recommendation 2: {heading}", head]

    def row(label: str, t: recommendation2.Tally) -> str:
        rate = t.rate.percent
        nccu = t.nccu_rate.percent
        return (
            f"{label:<10}{t.referrals_debriefed:>10}{t.submitted:>10}"
            f"{t.by_route[recommendation2.INTEL_DOC_FIRST_REPORT]:>7}"
            f"{t.by_route[recommendation2.INTEL_DOC_LATER]:>7}"
            f"{t.by_route[recommendation2.ROUTE_UNRECORDED]:>7}{t.not_done:>5}"
            f"{'-' if rate is None else f'{rate:g}%':>8}"
            f"{t.nccu_referrals if found.nccu_list_imported else '-':>10}"
            f"{t.nccu_received if found.nccu_list_imported else '-':>9}"
            f"{'-' if nccu is None else f'{nccu:g}%':>10}{t.data_quality:>4}"
        )

    lines += [row(f"{month:%b %Y}", tally) for month, tally in found.months]
    lines.append(row("Total", found.total))
    lines.append(f"Debriefs: {found.total.rate.text}")
    lines.append(
        f"NCCU-confirmed: {found.total.nccu_rate.text}"
        if found.nccu_list_imported
        else "NCCU-confirmed: no NCCU list imported"
    )
    lines.append(f"Data-quality items: {found.total.data_quality}")
    lines += [
        "",
        recommendation2.DEFINITION,
        recommendation2.NCCU_DEFINITION,
        recommendation2.DATA_QUALITY_DEFINITION,
        "Columns: First = by the call taker on first report; Later = by the reporting "
        "officer later; Route? = route not recorded (earlier question set); Not = not "
        "submitted; DQ = data-quality items.",
    ]
    return lines
