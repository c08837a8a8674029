"""Servers started together never migrate at once (issue 25): `debrief serve` and
`debrief db upgrade` take the migration lock (a PostgreSQL advisory lock; on SQLite a
lock on a file beside the database) around the upgrade. Real processes, real database."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from debrief import schema
from tests.conftest import SECRET, TEST_DATABASE_URL, is_postgres

DEBRIEF = str(Path(sys.executable).with_name("debrief"))


@pytest.fixture
def empty_url(tmp_path):
    """An empty database of its own: a file, or a PostgreSQL database beside the test one."""
    if not is_postgres():
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    parsed = make_url(TEST_DATABASE_URL)
    name = f"{parsed.database}_migration_lock"
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = parsed.set(database=name)
    # Emptied, not dropped and made again: DROP DATABASE waits for a checkpoint of the
    # whole server (24 s under load), emptying the schema takes milliseconds.
    _empty(url)
    yield url.render_as_string(hide_password=False)
    _empty(url)


def _empty(url) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


def _upgrade(url: str) -> subprocess.Popen:
    env = {**os.environ, "DEBRIEF_DATABASE_URL": url, "DEBRIEF_SECRET_KEY": SECRET,
           "PYTHONUNBUFFERED": "1"}  # fmt: skip
    return subprocess.Popen(
        [DEBRIEF, "db", "upgrade"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


WAITING = "Another server is upgrading the database; waiting for it to finish."


def test_an_upgrade_waits_while_another_holds_the_lock(empty_url):
    engine = create_engine(empty_url)
    lines: list[str] = []
    try:
        with schema.migration_lock(engine):
            upgrade = _upgrade(empty_url)
            reader = threading.Thread(target=lambda: lines.extend(upgrade.stdout), daemon=True)
            reader.start()
            deadline = time.monotonic() + 90
            while WAITING + "\n" not in lines and time.monotonic() < deadline:
                assert upgrade.poll() is None, "".join(lines)
                time.sleep(0.1)
            assert WAITING + "\n" in lines, "".join(lines)
            time.sleep(1)  # still waiting a second later, having touched nothing
            assert upgrade.poll() is None
            assert "alembic_version" not in _tables(empty_url)
        upgrade.wait(timeout=120)
        reader.join(10)
        upgrade.stdout.close()
    finally:
        engine.dispose()
    assert upgrade.returncode == 0, "".join(lines)
    assert f"upgraded from empty to {schema.head_revision()}" in "".join(lines)


def test_two_upgrades_started_together_migrate_once(empty_url):
    first, second = _upgrade(empty_url), _upgrade(empty_url)
    outputs = [p.communicate(timeout=180)[0] for p in (first, second)]
    assert [first.returncode, second.returncode] == [0, 0], outputs
    upgraded = [o for o in outputs if "upgraded from empty" in o]
    assert len(upgraded) == 1, outputs  # the other found the work done
    assert any("already at the newest schema" in o for o in outputs), outputs
    engine = create_engine(empty_url)
    try:
        assert schema.current_revision(engine) == schema.head_revision()
        assert schema.differences(engine) == []
    finally:
        engine.dispose()
