"""Files the service creates are readable by their owner only, whatever the umask: the
database and its WAL and SHM files, the instance folder, the demo lists and sign-ins."""

from __future__ import annotations

import os
import stat

import pytest
from sqlalchemy import text

from debrief.db import make_engine


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def open_umask():
    """The most permissive umask a server could run with."""
    previous = os.umask(0)
    yield
    os.umask(previous)


def test_a_new_sqlite_database_and_its_wal_and_shm_are_owner_only(tmp_path, open_umask):
    path = tmp_path / "debrief.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x)"))
        connection.execute(text("INSERT INTO t VALUES (1)"))
    with engine.connect() as reading:  # the WAL and SHM exist while a connection is open
        reading.execute(text("SELECT * FROM t")).all()
        for name in ("debrief.db", "debrief.db-wal", "debrief.db-shm"):
            assert mode(tmp_path / name) == 0o600, name
    engine.dispose()


def test_an_existing_database_readable_by_all_is_made_owner_only(tmp_path):
    path = tmp_path / "debrief.db"
    path.touch()
    path.chmod(0o644)
    make_engine(f"sqlite:///{path}").dispose()
    assert mode(path) == 0o600


def test_an_instance_folder_readable_by_all_is_made_owner_only(tmp_path):
    from debrief.config import load_settings

    instance = tmp_path / "instance"
    instance.mkdir(mode=0o755)
    instance.chmod(0o755)  # as a clone of the repository leaves it
    load_settings(instance, {"DATABASE_URL": None, "SECRET_KEY": "x" * 40})
    assert mode(instance) == 0o700


def test_the_instance_folder_and_the_demo_files_are_owner_only(
    make_test_config, tmp_path, open_umask
):
    from debrief.app import create_app
    from debrief.cli import main

    instance = tmp_path / "instance"
    database = f"sqlite:///{tmp_path / 'demo.db'}"
    config = make_test_config(INSTANCE_PATH=instance, DATABASE_URL=database, SECRET_KEY=None)
    app = create_app(config, check_schema=False)
    result = app.test_cli_runner().invoke(main, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    result = app.test_cli_runner().invoke(main, ["demo"])
    assert result.exit_code == 0, result.output
    app.extensions["debrief.engine"].dispose()
    assert mode(instance) == 0o700
    created = sorted(p.name for p in instance.iterdir())
    assert {"demo-accounts.toml", "secret_key"} <= set(created)
    assert any(name.startswith("demo-nccu") for name in created)
    for path in instance.iterdir():
        assert mode(path) == 0o600, path.name
