"""Engine and session handling, Flask-free.

SQLite (the embedded default) gets WAL, foreign keys, a busy timeout and
BEGIN IMMEDIATE: a plain BEGIN that reads then writes fails at once with
"database is locked" when another writer got in between, whatever the timeout.

Work that mostly reads (a GET, an export) may begin DEFERRED instead, so that it
does not hold the one write lock while it reads: then its first write ends the
read and begins again IMMEDIATE (`_promote_before_write`). What it writes after
that must not depend on what it read (audit rows, a kept form taken once),
because another request may have written in between.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import os
import random
import sqlite3
import time
from collections.abc import Callable, Hashable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

log = logging.getLogger(__name__)

# None: the engine's own mode (IMMEDIATE unless told otherwise); "DEFERRED" for reads.
_sqlite_begin_mode: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "sqlite_begin_mode", default=None
)
# True in a request whose first transaction writes (a POST): once that transaction has
# committed or rolled back, later ones begin DEFERRED (see `writes_first`).
_then_read: contextvars.ContextVar[bool] = contextvars.ContextVar("then_read", default=False)
_WRITE_KEYWORDS = frozenset({"INSERT", "UPDATE", "DELETE", "REPLACE"})


class DatabaseError(Exception):
    """The database cannot be used; the message names the problem and the fix."""


def make_engine(
    url: str, *, busy_timeout_ms: int = 15000, sqlite_begin: str = "IMMEDIATE"
) -> Engine:
    """Create an engine with the per-backend settings this app relies on."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _make_sqlite_engine(url, busy_timeout_ms, sqlite_begin)
    # No JIT compilation: it took 1.5 s of the reconciliation counts' 2.4 s at 100,000
    # referrals (issue 22), and this app's statements are short: JIT is on by default and
    # pays off only for long analytical queries.
    # Options given in the URL (?options=-c statement_timeout=5000) are kept beside it.
    given = parsed.query.get("options", ())
    options = [given] if isinstance(given, str) else list(given)
    return create_engine(
        parsed.difference_update_query(["options"]),
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=5,
        connect_args={"options": " ".join([*options, "-c jit=off"])},
    )


def _make_sqlite_engine(url: str, busy_timeout_ms: int, sqlite_begin: str) -> Engine:
    parsed = make_url(url)
    if parsed.database and parsed.database != ":memory:":
        folder = Path(parsed.database).parent
        if not folder.exists():
            raise DatabaseError(
                f"The folder for the SQLite database, {folder}, does not exist. Create it or "
                "set DEBRIEF_DATABASE_URL to a file in a folder that exists."
            )
        owner_only_database(Path(parsed.database))
    engine = create_engine(url, connect_args={"timeout": busy_timeout_ms / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, record):
        record.info["busy_timeout_ms"] = busy_timeout_ms  # for _end_read_and_lock
        # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's own is deferred).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # No memory map (mmap_size stays 0): whenever another connection has committed,
        # SQLite unmaps the whole file at the next read and faults every page in again.
        # Every queue view writes its audit row, so with 4 workers that is nearly every
        # request: the map cost the queue 5.8 ms of CPU a page, 19.5 against 13.7 ms
        # (bench/, issue 9), and gained nothing when no one else writes.
        cursor.close()

    @event.listens_for(engine, "checkin")
    def _optimize_now_and_then(dbapi_connection, record):
        # SQLite's advice for long-lived connections: PRAGMA optimize every few hours.
        # It re-analyzes only the tables this connection's queries used that have no
        # statistics yet or have grown a lot since, so it is nearly always a no-op.
        if dbapi_connection is None:
            return
        now = time.monotonic()
        if now - record.info.setdefault("optimized_at", now) < OPTIMIZE_EVERY_SECONDS:
            return
        record.info["optimized_at"] = now
        try:
            dbapi_connection.execute(f"PRAGMA analysis_limit={OPTIMIZE_ANALYSIS_LIMIT}")
            dbapi_connection.execute("PRAGMA optimize")
            dbapi_connection.execute("PRAGMA analysis_limit=0")
        except sqlite3.Error as error:  # busy: the next check-in an hour on tries again
            log.warning("PRAGMA optimize failed: %s", error)

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        begin = _sqlite_begin_mode.get() or sqlite_begin
        conn.info["reading"] = begin == "DEFERRED"
        if begin == "IMMEDIATE":
            take_write_lock(conn.connection.dbapi_connection, busy_timeout_ms)
            _lock_taken(conn.info)
        else:
            conn.exec_driver_sql(f"BEGIN {begin}")

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _on_end(conn):
        _lock_released(conn.info)
        if _then_read.get():
            _sqlite_begin_mode.set("DEFERRED")

    @event.listens_for(engine, "before_cursor_execute")
    def _promote_before_write(conn, cursor, statement, _params, _context, _many):
        if conn.info.get("reading") and _first_keyword(statement) in _WRITE_KEYWORDS:
            _end_read_and_lock(conn.info, cursor.connection)

    return engine


# SQLite chooses between indexes by the statistics ANALYZE keeps in sqlite_stat1; with
# none it guesses, so a plan then depends on how a query happens to be written (issue 22).
# A full ANALYZE takes 2.8 s at 100,000 debriefs (SQLite 3.40, this machine): run after
# an upgrade and a bulk load. The hourly PRAGMA optimize samples instead (a bounded hold
# of the write lock while people work); the sample's figures are rougher (1,001 distinct
# districts where there are 5), so it is not used for the full refresh.
OPTIMIZE_EVERY_SECONDS = 3600.0
OPTIMIZE_ANALYSIS_LIMIT = 1000


def refresh_statistics(engine: Engine) -> None:
    """Bring SQLite's planner statistics up to date: after the schema changed (an
    upgrade) or many rows were written at once (the benchmark's generator). PostgreSQL's
    autovacuum does this by itself."""
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA analysis_limit=0")  # every row, not a sample
        conn.exec_driver_sql("ANALYZE")
        conn.commit()


def refresh_table_statistics(session: Session, table: str) -> None:
    """ANALYZE one table in the session's transaction (SQLite): after a bulk import into
    it, whose rows may be many times what the statistics say."""
    if session.connection().dialect.name == "sqlite":
        session.execute(text(f'ANALYZE "{table}"'))


def owner_only_database(path: Path) -> None:
    """Create the SQLite file readable by its owner only, or make an existing one so.

    SQLite gives the -wal and -shm files it creates the database file's permissions,
    so they follow; whatever the umask, no other local user can read the debriefs.
    """
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            if file.exists() and file.stat().st_mode & 0o077:
                file.chmod(0o600)
        except PermissionError:
            log.warning("%s is readable by other users and is not ours to change", file)


def _end_read_and_lock(info: dict, dbapi_connection) -> None:
    """End a deferred read (nothing was written in it) and begin IMMEDIATE.

    Upgrading a deferred read to a write in place fails at once, without waiting,
    if anyone committed since the read began; a fresh IMMEDIATE transaction waits.
    """
    info["reading"] = False
    dbapi_connection.execute("COMMIT")
    take_write_lock(dbapi_connection, info["busy_timeout_ms"])
    _lock_taken(info)


# How long SQLite's one write lock is held, from taking it to the commit or rollback: every
# other writer waits that long. A request from a person's page should hold it for
# milliseconds whatever it was sent (a 700,000-digit count held it for 26 s), so a long
# hold is logged, and tests watch every hold (`watch_write_locks`).
LOCK_WARNING_SECONDS = 0.5
_lock_watchers: list[tuple[list[float], bool]] = []


def _lock_taken(info: dict) -> None:
    info["locked_at"] = time.monotonic()
    info["locked_cpu"] = time.thread_time()


def _lock_released(info: dict) -> None:
    started = info.pop("locked_at", None)
    started_cpu = info.pop("locked_cpu", 0.0)
    if started is None:
        return
    held = time.monotonic() - started
    worked = time.thread_time() - started_cpu
    for watcher, cpu in _lock_watchers:
        watcher.append(worked if cpu else held)
    if held > LOCK_WARNING_SECONDS:
        log.warning("SQLite's write lock was held for %.0f ms", held * 1000)


@contextlib.contextmanager
def watch_write_locks(cpu: bool = False) -> Iterator[list[float]]:
    """Collect, in seconds, how long each write lock taken inside the block was held; or,
    with `cpu`, the processor time this thread spent while holding it: the work done
    under the lock, which a busy machine's waits for a core do not inflate."""
    held: list[float] = []
    watcher = (held, cpu)
    _lock_watchers.append(watcher)
    try:
        yield held
    finally:
        _lock_watchers.remove(watcher)


def hold_write_lock(session: Session) -> bool:
    """Make sure this session's transaction holds SQLite's write lock from now on;
    return True if it took it now, after reading without it.

    A request that began as a read (`reads_first`) takes the lock here, so what it
    reads after this call is current and stays so until it commits: the read-modify-
    write of a save. What it read before may be stale and must be read again. On
    PostgreSQL there is nothing to do: the caller's SELECT ... FOR UPDATE locks rows.
    """
    connection = session.connection()
    if connection.dialect.name != "sqlite" or not connection.info.get("reading"):
        return False
    _end_read_and_lock(connection.info, connection.connection.dbapi_connection)
    return True


def take_write_lock(dbapi_connection, busy_timeout_ms: int) -> None:
    """BEGIN IMMEDIATE, waiting for another writer in steps of a fraction of a millisecond.

    SQLite's own wait sleeps 1, 2, 5, 10, 15, 20, 25 ms and on, while a writer here
    holds the lock for well under a millisecond: with every queue view writing its
    audit row, those sleeps cost the queue 40% of its throughput (issue 9).
    """
    dbapi_connection.execute("PRAGMA busy_timeout=0")
    try:
        deadline = time.monotonic() + busy_timeout_ms / 1000
        pause = 0.0001
        while True:
            try:
                dbapi_connection.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or time.monotonic() > deadline:
                    raise
            time.sleep(pause * random.uniform(0.5, 1.5))  # jitter: waiters do not align
            pause = min(pause * 2, 0.004)
    finally:
        dbapi_connection.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")


def _first_keyword(statement: str) -> str:
    words = statement[:32].split(maxsplit=1)
    return words[0].upper() if words else ""


@contextlib.contextmanager
def reads_first() -> Iterator[None]:
    """Begin SQLite transactions DEFERRED inside this block: for work that mostly reads
    (a GET, an export), so that it holds no write lock while it reads."""
    token = _sqlite_begin_mode.set("DEFERRED")
    try:
        yield
    finally:
        _sqlite_begin_mode.reset(token)


@contextlib.contextmanager
def writes_first() -> Iterator[None]:
    """Begin the block's first SQLite transaction IMMEDIATE (a POST's check-then-write),
    and those after it DEFERRED: once a POST has committed or rolled back, what it reads
    to draw its page takes no lock. (Drawing a form's errors read the header's counts in
    a new IMMEDIATE transaction, and so held the lock for as long as the page took to
    draw: 110 ms for an event record sent 70,000 characters.) A write after that still
    takes the lock first (`_promote_before_write`), so it must not depend on what was
    read since the first transaction ended: audit rows and the like."""
    mode, then = _sqlite_begin_mode.set(None), _then_read.set(True)
    try:
        yield
    finally:
        _then_read.reset(then)
        _sqlite_begin_mode.reset(mode)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit (views render after it)."""
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    for moment in ("after_flush", "after_commit", "after_rollback", "after_soft_rollback"):
        event.listen(factory, moment, _forget_answers)
    event.listen(factory, "after_flush", _note_written)
    for moment in ("after_commit", "after_rollback"):
        event.listen(factory, moment, _forget_written)
    event.listen(factory, "do_orm_execute", _forget_before_writing)
    return factory


_WRITTEN = "debrief.written"


def holds_uncommitted_writes(session: Session) -> bool:
    """Tell whether the session holds changes not yet committed, flushed or not: code
    that commits on its own (stored figures) must not commit a request's work early."""
    return bool(session.new or session.dirty or session.deleted or session.info.get(_WRITTEN))


def _note_written(session: Session, *_args) -> None:
    session.info[_WRITTEN] = True


def _forget_written(session: Session, *_args) -> None:
    session.info.pop(_WRITTEN, None)


_ANSWERS = "debrief.once_per_transaction"
T = TypeVar("T")


def once_per_transaction(session: Session, key: Hashable, compute: Callable[[], T]) -> T:
    """Return compute(), worked out once while nothing is written: two parts of one page
    asking the same question (a sergeant's start page and the header's count both ask
    which outstanding documents are put to them) read the database once.

    Forgotten at every flush, commit, rollback and bulk write, and never used while the
    session holds unwritten changes, so nothing written is ever answered from before it."""
    if session.new or session.dirty or session.deleted:
        return compute()
    answers = session.info.setdefault(_ANSWERS, {})
    if key not in answers:
        answers[key] = compute()
    return answers[key]


def answered(session: Session, key: Hashable) -> tuple[bool, Any]:
    """Return (True, the answer) where `once_per_transaction` has already worked out `key`
    in this transaction, else (False, None): for a cheaper question that the answer, if
    there is one, settles without being worked out."""
    answers = session.info.get(_ANSWERS, {})
    return (True, answers[key]) if key in answers else (False, None)


def _forget_answers(session: Session, *_args) -> None:
    session.info.pop(_ANSWERS, None)


def _forget_before_writing(state: ORMExecuteState) -> None:
    """Forget the answers before a bulk write (an import's UPDATE through Core): no flush
    follows it, and what it writes must not be answered from before it."""
    if state.is_insert or state.is_update or state.is_delete:
        _forget_answers(state.session)
        _note_written(state.session)


def is_sqlite(engine: Engine) -> bool:
    """Tell whether the engine is the embedded SQLite database."""
    return engine.dialect.name == "sqlite"
