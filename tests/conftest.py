"""Shared fixtures: a fresh database per test, the app, a client, and `login_as(role)`.

The database comes from DEBRIEF_TEST_DATABASE_URL (PostgreSQL in CI's second
pass); without it each test gets its own SQLite file copied from one migrated
template, which keeps a fresh database per test cheap.
"""

from __future__ import annotations

import os
import shutil

import pytest
from sqlalchemy import create_engine, text

from debrief import schema
from debrief.app import create_app
from debrief.models import Base
from tests.factories import DEFAULT_PASSWORD, make_user

TEST_DATABASE_URL = os.environ.get("DEBRIEF_TEST_DATABASE_URL", "")
SECRET = "test-secret-key-that-is-long-enough-0123456789"


def pytest_report_header(config):
    return f"database: {TEST_DATABASE_URL or 'SQLite (one file per test)'}"


def is_postgres() -> bool:
    """Tell whether this run uses PostgreSQL."""
    return TEST_DATABASE_URL.startswith("postgresql")


@pytest.fixture(scope="session")
def template_database(tmp_path_factory):
    """Migrate one database per run; tests copy (SQLite) or reset (PostgreSQL) it."""
    if is_postgres():
        engine = create_engine(TEST_DATABASE_URL)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        schema.upgrade(engine)
        engine.dispose()
        return TEST_DATABASE_URL
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = create_engine(f"sqlite:///{path}")
    schema.upgrade(engine)
    engine.dispose()
    return path


# The tables holding rows, and the sequences that have handed out a number since they were
# last set back: only those differ from a freshly migrated database.
_TABLES_WITH_ROWS = text(
    " UNION ALL ".join(
        f"SELECT '{t.name}' WHERE EXISTS (SELECT 1 FROM \"{t.name}\")"
        for t in Base.metadata.sorted_tables
    )
)
_USED_SEQUENCES = text(
    "SELECT format('%I.%I', schemaname, sequencename), start_value FROM pg_sequences"
    " WHERE schemaname = current_schema() AND last_value IS NOT NULL"
)


@pytest.fixture(scope="session")
def _postgres_reset_engine(template_database):
    """One engine for emptying the PostgreSQL database between tests; disposed at the end."""
    engine = create_engine(TEST_DATABASE_URL)
    yield engine
    engine.dispose()


def reset_postgres(engine) -> None:
    """Empty every table and set every sequence back, as a fresh migration leaves them.

    Only what a test used is touched: rows are deleted children first, sequences set back
    to their start. A TRUNCATE of all 30 tables, as before, took 0.6-1 s a test here
    (new files for every table and index, whether it held rows or not); this takes a few
    milliseconds for the few tables a test writes to.
    """
    with engine.begin() as conn:
        used = {row[0] for row in conn.execute(_TABLES_WITH_ROWS)}
        for table in reversed(Base.metadata.sorted_tables):
            if table.name in used:
                conn.execute(table.delete())
        # Deleting rows marks stored figures stale (migration 0024's triggers): forget those.
        conn.execute(text("DELETE FROM summary_marks"))
        for sequence, start in conn.execute(_USED_SEQUENCES).all():
            restart = text("SELECT setval(:sequence, :start, false)")
            conn.execute(restart, {"sequence": sequence, "start": start})


@pytest.fixture
def database_url(template_database, tmp_path, request):
    """Return the URL of a fresh, migrated, empty database for this test."""
    if is_postgres():
        reset_postgres(request.getfixturevalue("_postgres_reset_engine"))
        return TEST_DATABASE_URL
    target = tmp_path / "test.db"
    shutil.copyfile(template_database, target)
    return f"sqlite:///{target}"


@pytest.fixture
def make_test_config(database_url, tmp_path):
    """Return a function building test settings; tests override what they need."""

    def build(**overrides):
        config = {
            "TESTING": True,
            "INSTANCE_PATH": tmp_path,
            "DATABASE_URL": database_url,
            "SECRET_KEY": SECRET,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            # Cheap hashing for tests; production uses the defaults in config.py.
            "ARGON2_TIME_COST": 1,
            "ARGON2_MEMORY_KIB": 8,
        }
        config.update(overrides)
        return config

    return build


@pytest.fixture
def build_app(make_test_config):
    """Return a function making an app with overridden settings; disposed after the test."""
    built = []

    def build(**overrides):
        application = create_app(make_test_config(**overrides))
        built.append(application)
        return application

    yield build
    for application in built:
        application.extensions["debrief.engine"].dispose()


@pytest.fixture
def app(build_app):
    """The application on a fresh database."""
    return build_app()


@pytest.fixture
def db(app):
    """A session for arranging and checking data, on its own connection.

    Its transactions begin DEFERRED so that reading in a test never holds the
    SQLite write lock; the client ends its transaction before every request, so
    what a test reads afterwards is what the request left.
    """
    from debrief.db import make_engine, make_session_factory

    engine = make_engine(app.config["DATABASE_URL"], sqlite_begin="DEFERRED")
    session = make_session_factory(engine)()
    with app.app_context():
        yield session
    session.close()
    engine.dispose()


@pytest.fixture
def client(app, request):
    """A test client; it commits the `db` fixture's session (if used) before each request."""
    test_client = app.test_client()
    if "db" in request.fixturenames:
        session = request.getfixturevalue("db")
        original_open = test_client.open

        def open_after_commit(*args, **kwargs):
            session.commit()
            return original_open(*args, **kwargs)

        test_client.open = open_after_commit
    return test_client


@pytest.fixture
def runner(app):
    """A CLI runner bound to the app."""
    return app.test_cli_runner()


@pytest.fixture
def login_as(app, client):
    """Create a person with the given roles and sign them in through the real form."""

    def sign_in(*roles: str, username: str | None = None, **fields):
        with app.app_context():
            user_id = make_user(roles=list(roles), username=username, **fields).id
        name = username or f"{'-'.join(roles)}-user".replace("_", "")
        response = client.post("/sign-in", data={"username": name, "password": DEFAULT_PASSWORD})
        assert response.status_code == 302, "sign-in through the form failed"
        with app.app_context():
            from debrief.extensions import db_session
            from debrief.models import User

            return db_session().get(User, user_id)

    return sign_in
