"""SQLite's one write lock: reading requests must not hold it, and writes must not fail.

A request holding BEGIN IMMEDIATE from its first query to its end makes every
other request wait behind it (issue 9: the queue's p95 was ten times its p50).
GET and HEAD now begin DEFERRED and take the lock only for their first write.
"""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import event, func, select, text

from debrief.db import make_engine, make_session_factory, reads_first
from debrief.models import AuditEntry

from .conftest import is_postgres

pytestmark = pytest.mark.skipif(is_postgres(), reason="SQLite's locking only")


@pytest.fixture
def sqlite_file(tmp_path):
    url = f"sqlite:///{tmp_path / 'locks.db'}"
    engine = make_engine(url, busy_timeout_ms=200)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    yield tmp_path / "locks.db", engine
    engine.dispose()


def _write_elsewhere(path, body: str) -> None:
    """Commit a row from another connection, as another worker would."""
    other = sqlite3.connect(path, timeout=0.2, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("INSERT INTO notes (body) VALUES (?)", (body,))
        other.execute("COMMIT")
    finally:
        other.close()


def test_a_reads_first_transaction_lets_another_writer_in_and_then_writes(sqlite_file):
    path, engine = sqlite_file
    session = make_session_factory(engine)()
    with reads_first():
        assert session.scalar(text("SELECT count(*) FROM notes")) == 0
        _write_elsewhere(path, "written while the request was reading")
        # A plain deferred upgrade would now fail at once: the read is out of date.
        session.execute(text("INSERT INTO notes (body) VALUES ('the request audit')"))
        session.commit()
    session.close()
    with engine.connect() as conn:
        bodies = conn.execute(text("SELECT body FROM notes ORDER BY id")).scalars().all()
    assert bodies == ["written while the request was reading", "the request audit"]


def test_outside_reads_first_a_transaction_holds_the_write_lock_from_its_first_read(sqlite_file):
    path, engine = sqlite_file
    session = make_session_factory(engine)()
    session.scalar(text("SELECT count(*) FROM notes"))
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        _write_elsewhere(path, "must wait for the POST")
    session.rollback()
    session.close()


def test_a_get_reads_while_another_worker_holds_the_write_lock(app, client, login_as):
    """The queue page renders and audits, although a writer held the lock as it read."""
    login_as("hub_reviewer")
    url = app.config["DATABASE_URL"]
    holder = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    engine = app.extensions["debrief.engine"]
    seen = []

    @event.listens_for(engine, "after_cursor_execute")
    def _release_after_first_read(conn, cursor, statement, *_args):
        # Reading went ahead with the lock held elsewhere; let the audit write in now.
        if statement.startswith("SELECT") and holder.in_transaction:
            seen.append(statement)
            holder.execute("COMMIT")

    response = client.get("/review/")
    event.remove(engine, "after_cursor_execute", _release_after_first_read)
    holder.close()
    assert response.status_code == 200
    assert seen, "the request read while the lock was held"
    check = make_engine(url)
    with check.connect() as conn:
        views = conn.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "queue.view")
        )
    check.dispose()
    assert views == 1


def test_the_write_lock_is_taken_as_soon_as_another_writer_lets_go(sqlite_file):
    """Waiting in fine steps: a writer that holds the lock 30 ms costs a waiter about that."""
    import threading
    import time

    from debrief.db import take_write_lock

    path, _engine = sqlite_file
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    release = threading.Timer(0.03, lambda: holder.execute("COMMIT"))
    waiter = sqlite3.connect(path, isolation_level=None)
    began = time.monotonic()
    release.start()
    take_write_lock(waiter, busy_timeout_ms=2000)
    waited = time.monotonic() - began
    release.join()
    assert waiter.in_transaction and 0.02 < waited < 0.5
    waiter.execute("ROLLBACK")
    assert waiter.execute("PRAGMA busy_timeout").fetchone()[0] == 2000
    holder.close()
    waiter.close()


def test_the_write_lock_wait_gives_up_at_the_busy_timeout(sqlite_file):
    from debrief.db import take_write_lock

    path, _engine = sqlite_file
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    waiter = sqlite3.connect(path, isolation_level=None)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        take_write_lock(waiter, busy_timeout_ms=100)
    assert not waiter.in_transaction
    assert waiter.execute("PRAGMA busy_timeout").fetchone()[0] == 100
    holder.execute("ROLLBACK")
    holder.close()
    waiter.close()
