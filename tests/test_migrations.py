"""The Alembic migrations and the models describe the same schema."""

from __future__ import annotations

from debrief import schema


def test_migrations_and_models_agree(app):
    engine = app.extensions["debrief.engine"]
    assert schema.current_revision(engine) == schema.head_revision()
    assert schema.differences(engine) == []


def test_sqlite_connection_settings(app):
    from sqlalchemy import text

    engine = app.extensions["debrief.engine"]
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() > 0
