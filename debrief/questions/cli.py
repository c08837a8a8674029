"""`debrief questions check [PATH]`: check a question file before the app uses it.

Runs without the app (and so without a database), because a broken file is
exactly when the app refuses to start.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .loader import QuestionSetError, load_file, summary


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
