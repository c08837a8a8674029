"""Settings are checked at start-up and a wrong one is named with its fix."""

from __future__ import annotations

import os
import stat

import pytest

from debrief.app import create_app
from debrief.config import SettingsError
from debrief.db import DatabaseError


def test_secret_is_generated_owner_only_when_none_is_configured(build_app, tmp_path):
    app = build_app(SECRET_KEY=None)
    secret_file = tmp_path / "secret_key"
    assert secret_file.exists()
    assert stat.S_IMODE(os.stat(secret_file).st_mode) == 0o600
    assert app.config["SECRET_KEY"] == secret_file.read_text().strip()
    again = build_app(SECRET_KEY=None)
    assert again.config["SECRET_KEY"] == app.config["SECRET_KEY"]


def test_short_secret_is_refused(make_test_config):
    with pytest.raises(SettingsError, match="SECRET_KEY"):
        create_app(make_test_config(SECRET_KEY="short"))


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("not a url", "not a database URL"),
        ("mysql://root@localhost/test", "unsupported database 'mysql'"),
        ("postgresql+asyncpg://x@localhost/test", "psycopg driver"),
    ],
)
def test_wrong_database_url_names_the_setting(make_test_config, url, words):
    with pytest.raises(SettingsError) as caught:
        create_app(make_test_config(DATABASE_URL=url))
    assert "DEBRIEF_DATABASE_URL" in str(caught.value)
    assert words in str(caught.value)


def test_environment_overrides_instance_file(build_app, tmp_path, monkeypatch):
    (tmp_path / "config.toml").write_text('force_name = "From The File"\nservice_name = "Filed"\n')
    monkeypatch.setenv("DEBRIEF_FORCE_NAME", "From The Environment")
    app = build_app()
    assert app.config["FORCE_NAME"] == "From The Environment"
    assert app.config["SERVICE_NAME"] == "Filed"


def test_malformed_instance_file_is_named(make_test_config, tmp_path):
    (tmp_path / "config.toml").write_text("force_name = \n")
    with pytest.raises(SettingsError, match="config.toml is not valid TOML"):
        create_app(make_test_config())


def test_bad_number_in_environment_is_named(make_test_config, monkeypatch):
    monkeypatch.setenv("DEBRIEF_SESSION_IDLE_MINUTES", "half an hour")
    with pytest.raises(SettingsError, match="DEBRIEF_SESSION_IDLE_MINUTES must be a whole number"):
        create_app(make_test_config())


def test_district_list_must_be_names(make_test_config):
    with pytest.raises(SettingsError, match="DISTRICTS"):
        create_app(make_test_config(DISTRICTS=[]))


def test_unreadable_instance_folder_gives_a_message(make_test_config, tmp_path, monkeypatch):
    # Tests run as root in CI, where chmod cannot lock a folder: refuse the write instead.
    def refuse(*_args, **_kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("debrief.config.os.open", refuse)
    with pytest.raises(SettingsError) as caught:
        create_app(make_test_config(SECRET_KEY=None))
    assert "instance folder" in str(caught.value)
    assert "read and write access" in str(caught.value)


def test_instance_path_that_is_a_file_gives_a_message(make_test_config, tmp_path):
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("x")
    with pytest.raises(SettingsError, match="instance folder"):
        create_app(make_test_config(SECRET_KEY=None, INSTANCE_PATH=not_a_folder))


def test_empty_database_asks_for_upgrade(make_test_config, tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    with pytest.raises(DatabaseError, match="debrief db upgrade"):
        create_app(make_test_config(DATABASE_URL=url))


def test_database_at_older_schema_asks_for_upgrade(make_test_config, tmp_path):
    from sqlalchemy import create_engine, text

    path = tmp_path / "old.db"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)"))
        conn.execute(text("INSERT INTO alembic_version VALUES ('0000old')"))
    engine.dispose()
    with pytest.raises(DatabaseError) as caught:
        create_app(make_test_config(DATABASE_URL=f"sqlite:///{path}"))
    assert "0000old" in str(caught.value) and "debrief db upgrade" in str(caught.value)


def test_missing_database_folder_is_named(make_test_config, tmp_path):
    with pytest.raises(DatabaseError, match="does not exist"):
        create_app(make_test_config(DATABASE_URL=f"sqlite:///{tmp_path}/nowhere/x.db"))


def test_unreachable_postgres_is_one_paragraph(make_test_config):
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2"
    with pytest.raises(DatabaseError) as caught:
        create_app(make_test_config(DATABASE_URL=url))
    message = str(caught.value)
    assert "Cannot open the database" in message and "DEBRIEF_DATABASE_URL" in message
    assert "Traceback" not in message


def test_session_limit_in_minutes_from_the_environment(build_app, make_test_config, monkeypatch):
    monkeypatch.setenv("DEBRIEF_SESSION_MAX_MINUTES", "90")
    assert build_app().config["SESSION_MAX_MINUTES"] == 90
    monkeypatch.setenv("DEBRIEF_SESSION_MAX_MINUTES", "0")
    with pytest.raises(SettingsError, match="SESSION_MAX_MINUTES must be a whole number from 1"):
        create_app(make_test_config())
    monkeypatch.delenv("DEBRIEF_SESSION_MAX_MINUTES")
    with pytest.raises(SettingsError, match="KEPT_FORM_DAYS must be a whole number from 1 to 30"):
        create_app(make_test_config(KEPT_FORM_DAYS=0))
