"""SQLite's planner statistics (issue 22): kept after an upgrade and a big import, so that
a query's plan does not depend on how it happens to be written."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import text

from debrief import schema
from debrief.audit import Actor
from debrief.compliance import imports
from tests.factories import make_debrief, make_user


def _sqlite_engine(app):
    engine = app.extensions["debrief.engine"]
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's autovacuum keeps its statistics")
    return engine


def _analyzed(engine, table: str) -> set[str]:
    with engine.connect() as conn:
        kept = text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if not conn.execute(kept).first():
            return set()
        rows = conn.execute(text("SELECT idx FROM sqlite_stat1 WHERE tbl = :t"), {"t": table})
        return {idx for (idx,) in rows}


def test_an_upgrade_gives_the_new_indexes_statistics_and_the_comparison_uses_its_index(
    app, db
):
    engine = _sqlite_engine(app)
    host = make_user(["sergeant"], username="sam")
    for _ in range(3):
        make_debrief(host, answers={"how_reported": "call_999", "went_well": "Good"})
    db.close()
    schema.downgrade(engine, "0021")
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS sqlite_stat1"))

    schema.upgrade(engine)

    assert "ix_answers_question" in _analyzed(engine, "answers")
    with engine.connect() as conn:
        plan = " ".join(
            row[-1]
            for row in conn.execute(
                text(
                    "EXPLAIN QUERY PLAN SELECT question_id, count(*) FROM answers "
                    "WHERE question_id IN ('how_reported', 'went_well') GROUP BY question_id"
                )
            )
        )
    assert "ix_answers_question" in plan


def test_an_upgrade_with_nothing_to_do_leaves_the_statistics_alone(app, db):
    engine = _sqlite_engine(app)
    make_debrief(make_user(["sergeant"], username="sam"), answers={"went_well": "Good"})
    db.close()
    schema.upgrade(engine)  # already at the newest migration

    assert _analyzed(engine, "answers") == set()


def test_a_big_nccu_import_gives_its_table_statistics(app, db, monkeypatch):
    engine = _sqlite_engine(app)
    monkeypatch.setattr(imports, "BULK_ROWS", 2)  # the rule, at a size a test can write
    first = datetime(2025, 6, 1, 10, 0)
    rows = [
        f"NCCU-20250601{i:02d},{first + timedelta(minutes=i):%d/%m/%Y %H:%M},,North,No,"
        for i in range(1, 4)
    ]
    data = (
        "NCCU reference,Referral date and time,Force reference,District,"
        "Intelligence document received,Intelligence document received date\n"
        + "".join(row + "\n" for row in rows)
    ).encode()
    preview = imports.preview_file(db, "nccu", "list.csv", data, app.config)
    batch = imports.stage(db, preview, data, Actor())
    imports.confirm(db, batch, app.config, Actor())
    db.commit()

    assert _analyzed(engine, "nccu_referrals")
