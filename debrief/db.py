"""Engine and session handling, Flask-free.

SQLite (the embedded default) gets WAL, foreign keys, a busy timeout and
BEGIN IMMEDIATE: a plain BEGIN that reads then writes fails at once with
"database is locked" when another writer got in between, whatever the timeout.
Long read-only work (exports) may opt into a deferred transaction so that it
does not hold the write lock.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

_sqlite_begin_mode: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "sqlite_begin_mode", default=None
)


SQLITE_MMAP_BYTES = 1024**3  # address space only; pages are shared with the OS cache


class DatabaseError(Exception):
    """The database cannot be used; the message names the problem and the fix."""


def make_engine(
    url: str, *, busy_timeout_ms: int = 15000, sqlite_begin: str = "IMMEDIATE"
) -> Engine:
    """Create an engine with the per-backend settings this app relies on."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _make_sqlite_engine(url, busy_timeout_ms, sqlite_begin)
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)


def _make_sqlite_engine(url: str, busy_timeout_ms: int, sqlite_begin: str) -> Engine:
    parsed = make_url(url)
    if parsed.database and parsed.database != ":memory:":
        folder = Path(parsed.database).parent
        if not folder.exists():
            raise DatabaseError(
                f"The folder for the SQLite database, {folder}, does not exist. Create it or "
                "set DEBRIEF_DATABASE_URL to a file in a folder that exists."
            )
    engine = create_engine(url, connect_args={"timeout": busy_timeout_ms / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's own is deferred).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Read pages through the OS cache that every connection and worker shares: the
        # per-connection cache is dropped whenever another connection writes, which here
        # is every request. Halves the queue's joins at 100,000 debriefs (bench/, issue 9).
        cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
        cursor.close()
        _record.info["mmap_size"] = SQLITE_MMAP_BYTES

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # A long read (an export) streams the whole file once; through the map every page
        # it touched would stay counted as its own memory, so it reads without one.
        mmap_bytes = 0 if _sqlite_begin_mode.get() == "DEFERRED" else SQLITE_MMAP_BYTES
        if conn.info.get("mmap_size") != mmap_bytes:
            conn.exec_driver_sql(f"PRAGMA mmap_size={mmap_bytes}")
            conn.info["mmap_size"] = mmap_bytes
        conn.exec_driver_sql(f"BEGIN {_sqlite_begin_mode.get() or sqlite_begin}")

    return engine


@contextlib.contextmanager
def read_only_transactions() -> Iterator[None]:
    """Begin SQLite transactions DEFERRED inside this block (long reads only)."""
    token = _sqlite_begin_mode.set("DEFERRED")
    try:
        yield
    finally:
        _sqlite_begin_mode.reset(token)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit (views render after it)."""
    return sessionmaker(bind=engine, expire_on_commit=False)


def is_sqlite(engine: Engine) -> bool:
    """Tell whether the engine is the embedded SQLite database."""
    return engine.dialect.name == "sqlite"


def table_names(engine: Engine) -> set[str]:
    """Return the tables present in the database."""
    return set(inspect(engine).get_table_names())
