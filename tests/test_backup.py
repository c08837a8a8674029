"""`debrief backup PATH`: a consistent copy while writes go on, restored into a fresh instance."""

from __future__ import annotations

import shutil
import sqlite3
import threading
from datetime import datetime

import pytest

from debrief import audit
from debrief.app import create_app
from debrief.cli import main
from debrief.db import make_engine, make_session_factory
from debrief.models import Event
from tests.conftest import SECRET, is_postgres
from tests.factories import DEFAULT_PASSWORD, make_user

pytestmark = pytest.mark.skipif(is_postgres(), reason="PostgreSQL is backed up with pg_dump")


class Writer(threading.Thread):
    """Commit an event and its audit record together, again and again, until told to stop."""

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.engine = make_engine(url)
        self.stop = threading.Event()
        self.warmed_up = threading.Event()
        self.commits = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        factory = make_session_factory(self.engine)
        try:
            while not self.stop.is_set() and self.commits < 5000:
                with factory() as session:
                    event = Event(
                        incident_ref=f"INC-20250101-W{self.commits:05d}",
                        reported_at=datetime(2025, 1, 1),
                        district="North",
                        location_type="road",
                        event_type="other",
                    )
                    session.add(event)
                    session.flush()
                    audit.record(
                        session,
                        audit.Actor(),
                        audit.Category.COLLECTION,
                        "writer.event",
                        object_type="event",
                        object_id=event.id,
                    )
                    session.commit()
                self.commits += 1
                if self.commits == 20:
                    self.warmed_up.set()
        except BaseException as exc:  # reported by the test
            self.error = exc
            self.warmed_up.set()
        finally:
            self.engine.dispose()


def test_backup_during_writes_restores_into_a_fresh_instance_that_signs_in(
    app, runner, db, tmp_path
):
    make_user(["admin"], username="keeper")
    writer = Writer(app.config["DATABASE_URL"])
    writer.start()
    assert writer.warmed_up.wait(timeout=60)
    before = writer.commits
    target = tmp_path / "backups" / "debrief-backup.db"
    target.parent.mkdir()
    result = runner.invoke(main, ["backup", str(target)])
    during = writer.commits
    while writer.is_alive() and writer.commits < during + 10:  # writes go on after it too
        writer.stop.wait(0.01)
    writer.stop.set()
    writer.join(timeout=60)
    assert writer.error is None
    assert result.exit_code == 0, result.output
    assert "integrity check passed" in result.output

    copy = sqlite3.connect(target)
    events = copy.execute("SELECT count(*) FROM events").fetchone()[0]
    records = copy.execute(
        "SELECT count(*) FROM audit_entries WHERE action = 'writer.event'"
    ).fetchone()[0]
    copy.close()
    assert events == records, "a torn copy: events without their audit records"
    assert before <= events <= during + 1
    assert oct(target.stat().st_mode & 0o777) == "0o600"

    # Restore: a fresh instance whose database file is the backup.
    restored_path = tmp_path / "restored" / "debrief.db"
    restored_path.parent.mkdir()
    shutil.copyfile(target, restored_path)
    restored = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": restored_path.parent,
            "DATABASE_URL": f"sqlite:///{restored_path}",
            "SECRET_KEY": SECRET,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
        }
    )
    try:
        client = restored.test_client()
        signed_in = client.post(
            "/sign-in", data={"username": "keeper", "password": DEFAULT_PASSWORD}
        )
        assert signed_in.status_code == 302
        assert client.get("/admin/").status_code == 200
    finally:
        restored.extensions["debrief.engine"].dispose()


def test_backup_refuses_to_overwrite(runner, db, tmp_path):
    target = tmp_path / "existing.db"
    target.write_text("keep me")
    result = runner.invoke(main, ["backup", str(target)])
    assert result.exit_code != 0
    assert "exists already" in result.output
    assert target.read_text() == "keep me"


def test_postgresql_gets_the_pg_dump_line_without_the_password():
    from pathlib import Path

    from debrief.admin.backup import pg_dump_command

    line = pg_dump_command(
        "postgresql+psycopg://debrief:s3cret@db.internal:5432/debrief", Path("/backups/x.dump")
    )
    assert line.startswith("pg_dump --format=custom")
    assert "--file=/backups/x.dump" in line
    assert "postgresql://debrief@db.internal:5432/debrief" in line
    assert "s3cret" not in line and "+psycopg" not in line
