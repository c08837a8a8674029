"""Backups taken while the app runs (Flask-free).

SQLite: the online backup API copies a consistent snapshot page by page while
other connections go on writing (never copy the file: with WAL, a file copy
can miss committed data or be torn). PostgreSQL: pg_dump takes a consistent
snapshot itself; `pg_dump_command` says how to run it.
"""

from __future__ import annotations

import os
import shlex
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import URL, make_url


class BackupError(Exception):
    """The backup could not be taken; the message says why and what to do."""


@dataclass(frozen=True)
class BackupResult:
    """Where the copy went and what it holds."""

    path: Path
    size_bytes: int
    tables: int


def backup_sqlite(engine: Engine, target: Path) -> BackupResult:
    """Copy the live SQLite database to `target` (a new file, owner-only), then check it."""
    target = Path(target)
    if target.exists():
        raise BackupError(f"{target} exists already. Choose a new file name.")
    if not target.parent.is_dir():
        raise BackupError(f"The folder {target.parent} does not exist.")
    partial = target.with_name(target.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.close(fd)
    try:
        source = engine.raw_connection()
        try:
            destination = sqlite3.connect(partial)
            try:
                # One step (pages=-1): the whole snapshot under one read lock, so writers
                # carry on (WAL) and the copy is consistent.
                driver = source.driver_connection
                assert isinstance(driver, sqlite3.Connection), "backup_sqlite is for SQLite"
                driver.backup(destination, pages=-1)
                checked = destination.execute("PRAGMA integrity_check").fetchone()[0]
                tables = destination.execute(
                    "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
                ).fetchone()[0]
                destination.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            finally:
                destination.close()
        finally:
            source.close()
        if checked != "ok":
            raise BackupError(f"The copy failed its integrity check: {checked}")
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return BackupResult(target, target.stat().st_size, tables)


def pg_dump_command(database_url: str, target: Path) -> str:
    """Return the pg_dump line for a PostgreSQL database (password never printed)."""
    given = make_url(database_url)
    url = URL.create(
        "postgresql",
        username=given.username,
        host=given.host,
        port=given.port,
        database=given.database,
        query=given.query,
    )
    return shlex.join(
        [
            "pg_dump",
            "--format=custom",
            "--no-owner",
            f"--file={target}",
            url.render_as_string(hide_password=False),
        ]
    )
