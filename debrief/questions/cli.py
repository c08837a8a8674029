"""`debrief questions check [PATH]`: check a question file before it is uploaded or
published (without a PATH, the seed file of a new installation);
`debrief questions estimate [PATH]`: how long a typical debrief on it takes;
`debrief questions publish FILE --reason "..."`: publish it, as the Question set page does.

`check` and `estimate` run without the app (and so without a database).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from .estimate import describe, typical_estimate
from .loader import QuestionSet, QuestionSetError, load_file, parse, summary


def _configured_path() -> Path:
    """Return the question file the app would load, from its settings."""
    from ..config import PROJECT_ROOT, SettingsError, load_settings

    try:
        settings = load_settings(PROJECT_ROOT / "instance")
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    return Path(settings["QUESTIONS_PATH"])


@click.group("questions")
def questions_group() -> None:
    """The force's question set (questions.toml)."""


@questions_group.command("check")
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
def check(path: Path | None) -> None:
    """Check a question file; print every mistake and exit 1, or a summary and exit 0."""
    path = path or _configured_path()
    try:
        question_set = load_file(path)
    except QuestionSetError as exc:
        click.echo(str(exc), err=True)
        click.echo(
            f"{len(exc.problems)} problem{'s' if len(exc.problems) != 1 else ''} found. "
            "The app will not start with this file.",
            err=True,
        )
        sys.exit(1)
    click.echo(f"{path}: no problems found.")
    click.echo(summary(question_set))


def typical_settled(question_set: QuestionSet) -> dict:
    """Return what a typical event record answers (`event_record.typical_event`)."""
    from ..debriefs import event_record

    return event_record.derived_answers(question_set, event_record.typical_event())


@questions_group.command("estimate")
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
def estimate(path: Path | None) -> None:
    """Print the number of questions and how long a typical debrief takes to fill in.

    Any set can be estimated, one kept from before bindings too (an earlier version's
    figure is the one to compare with), so bindings are not required here.
    """
    path = path or _configured_path()
    try:
        question_set = parse(path.read_bytes(), str(path))
    except OSError as exc:
        click.echo(f"{path}: cannot be read ({exc.strerror})", err=True)
        sys.exit(1)
    except QuestionSetError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    label = f" ({question_set.label})" if question_set.label else ""
    click.echo(f"{path}: version {question_set.short_version}{label}")
    click.echo(describe(typical_estimate(question_set, typical_settled(question_set))))


@questions_group.command("publish")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--reason", required=True, help="Why the questions change (kept and audited).")
@with_appcontext
def publish(path: Path, reason: str) -> None:
    """Check a question file, keep it as a version and make it the one new debriefs start
    on, as the Question set page does; print what changes against the active version."""
    import getpass

    from flask import current_app

    from ..audit import Actor
    from ..extensions import db_session, require_current_schema
    from . import publishing
    from .active import EXTENSION_KEY
    from .compare import compare

    require_current_schema()
    try:
        question_set = publishing.check_upload(path.read_bytes(), path.name)
    except QuestionSetError as exc:
        click.echo(str(exc), err=True)
        click.echo(f"{len(exc.problems)} problem(s) found. Nothing was published.", err=True)
        sys.exit(1)
    active = current_app.extensions[EXTENSION_KEY].get()
    operator = Actor(username=f"cli:{getpass.getuser()}")
    session = db_session()
    row = publishing.store_draft(session, operator, question_set, path.name)
    session.commit()
    found = compare(session, active, question_set)
    click.echo(
        f"Version {question_set.short_version} against the active {active.short_version}: "
        f"{len(found.added)} questions added, {len(found.removed)} removed, "
        f"{len(found.changed)} changed, {len(found.themes)} themes changed, "
        f"{len(found.columns)} spreadsheet columns or rows added or removed."
    )
    for warning in found.warnings:
        click.echo(f"Warning: {warning}")
    for question in found.free_text:
        click.echo(
            f"For the data protection officer: new free-text question {question.id} "
            f"({question.text})"
        )
    try:
        publication = publishing.make_active(session, operator, row.id, reason)
    except publishing.VersionHasProblems as exc:
        raise click.ClickException("\n".join([str(exc), *exc.problems])) from None
    except publishing.PublishRefused as exc:
        raise click.ClickException(str(exc)) from None
    current_app.extensions[EXTENSION_KEY].forget()
    done = "Published" if publication.action == publishing.PUBLISH else "Rolled back to"
    click.echo(f"{done} version {question_set.short_version}: new debriefs start on it.")
