"""Schema management through the Alembic migrations shipped in the package."""

from __future__ import annotations

import contextlib
import fcntl
import functools
import os
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from .db import DatabaseError, refresh_statistics
from .models import Base

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# The PostgreSQL advisory lock every server takes around its upgrade: any fixed number,
# the same in every release ("DEB" and 25, the issue that added it).
MIGRATION_LOCK_KEY = 0x444542_25


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


@functools.cache
def head_revision() -> str:
    """Return the newest migration's id: read once per process (reading the migration
    files took 45 ms, twice for every app made, most of a test's set-up)."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    if head is None:
        raise DatabaseError("The package ships no database migrations: reinstall it.")
    return head


def current_revision(engine: Engine) -> str | None:
    """Return the migration the database is at, or None for an empty database."""
    with _connect(engine) as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply every migration the database has not had yet; after a change, refresh
    SQLite's planner statistics (new indexes have none)."""
    cfg = _config()
    with _connect(engine) as conn:
        before = MigrationContext.configure(conn).get_current_revision()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
        conn.commit()
        after = MigrationContext.configure(conn).get_current_revision()
    if after != before:
        refresh_statistics(engine)


def upgrade_locked(engine: Engine, on_wait: Callable[[], None] = lambda: None) -> None:
    """Upgrade while holding the migration lock, so that servers started together
    migrate one at a time: the first upgrades, the others then find nothing to do.
    `on_wait` is called once if another server holds the lock."""
    with migration_lock(engine, on_wait):
        upgrade(engine)


@contextlib.contextmanager
def migration_lock(engine: Engine, on_wait: Callable[[], None] = lambda: None) -> Iterator[None]:
    """Hold the database-wide migration lock: a PostgreSQL advisory lock (released by the
    server if this process dies), or on SQLite an exclusive lock on a file beside the
    database (released by the kernel likewise). An in-memory database needs none."""
    if engine.dialect.name == "postgresql":
        with _connect(engine) as conn:
            key = {"key": MIGRATION_LOCK_KEY}
            if not conn.execute(text("SELECT pg_try_advisory_lock(:key)"), key).scalar():
                on_wait()
                conn.execute(text("SELECT pg_advisory_lock(:key)"), key)
            conn.commit()  # the lock is the session's, not the transaction's
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), key)
                conn.commit()
        return
    database = make_url(str(engine.url)).database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield
        return
    path = Path(database).with_name(Path(database).name + ".migrating")
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            on_wait()
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def downgrade(engine: Engine, revision: str) -> None:
    """Undo migrations down to `revision` (tests of a migration's data step)."""
    cfg = _config()
    with _connect(engine) as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)
        conn.commit()


def revision_before(revision: str) -> str:
    """Return the migration a given one follows."""
    script = ScriptDirectory.from_config(_config()).get_revision(revision)
    if script is None or not isinstance(script.down_revision, str):
        raise DatabaseError(f"No single migration before {revision}.")
    return script.down_revision


def differences(engine: Engine) -> list:
    """Return what autogenerate would change: empty when models and database agree."""
    with _connect(engine) as conn, warnings.catch_warnings():
        # Reflection does not read expression indexes (migration 0022's, on the references
        # as reconciliation compares them); autogenerate leaves them out on both sides.
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based")
        warnings.filterwarnings("ignore", "autogenerate skipping metadata-specified expression")
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        found = compare_metadata(ctx, Base.metadata)
    # PostgreSQL reflects them with its own spelling ("TRIM(BOTH FROM ...)"): never equal
    # as text. That they exist is checked by name (tests/test_reconcile_sql.py).
    return [
        d
        for d in found
        if not (
            isinstance(d, tuple)
            and d[0] in ("add_index", "remove_index")
            and d[1].name in expression_indexes()
        )
    ]


def expression_indexes() -> set[str]:
    """Return the names of the models' indexes on an expression, not only on columns."""
    return {
        index.name
        for table in Base.metadata.tables.values()
        for index in table.indexes
        if index.name and any(not isinstance(e, Column) for e in index.expressions)
    }


def check_current(engine: Engine) -> None:
    """Raise DatabaseError unless the database is at the newest migration."""
    current = current_revision(engine)
    head = head_revision()
    if current == head:
        return
    if current is None:
        raise DatabaseError(
            "The database has no tables yet. Run `debrief db upgrade` to create them "
            "(`debrief serve` does this on start)."
        )
    raise DatabaseError(
        f"The database is at schema version {current} but this version of OIC Debrief "
        f"needs {head}. Back it up (`debrief backup FILE`), then run `debrief db upgrade`."
    )


def _connect(engine: Engine):
    try:
        return engine.connect()
    except OperationalError as exc:
        raise DatabaseError(
            f"Cannot open the database at {engine.url.render_as_string(hide_password=True)}: "
            f"{_first_line(exc)}. Check DEBRIEF_DATABASE_URL, that the server is running, "
            "and that this user may reach it."
        ) from None
    except SQLAlchemyError as exc:
        raise DatabaseError(f"Cannot use the database: {_first_line(exc)}.") from None


def _first_line(exc: Exception) -> str:
    text = str(getattr(exc, "orig", None) or exc)
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__
