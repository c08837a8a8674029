"""The benchmark's pages run at a tiny size (bench/pages.py, bench/run.py): every page it
drives answers to the account it uses, its statement count does not grow with the rows
shown, the NCCU list it generates has matched, outstanding and unmatched referrals, and
the table has a row for each page and for the import.

Not a timed test: the benchmark itself is run by hand (bench/README.md).
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import func, select

from bench import pages
from bench.client import Outcome
from bench.generate import generate
from bench.report import Measurement, format_table
from debrief.extensions import db_session
from debrief.models import AuditEntry, Debrief, Event, NccuReferral


def test_every_page_answers_with_constant_statements(tmp_path, build_app):
    url = f"sqlite:///{tmp_path / 'bench.db'}"
    result = generate(url, 150, echo=lambda _line: None)
    assert result.rows["referrals"] == 150
    assert result.rows["audit"] >= 4 * 150
    app = build_app(DATABASE_URL=url)
    with app.app_context():
        session = db_session()
        referrals = session.scalars(select(NccuReferral)).all()
        references = set(session.scalars(select(Event.nccu_reference)))
        incidents = set(session.scalars(select(Event.incident_ref)))
        assert any(r.nccu_reference in references for r in referrals)
        assert any(r.force_reference in incidents and r.nccu_reference not in references
                   for r in referrals)  # fmt: skip
        assert any(r.force_reference is None for r in referrals)  # unmatched
        assert any(not r.intel_doc_received for r in referrals)
        named = session.scalar(select(func.count()).where(AuditEntry.username != ""))
        assert named
    counts = pages.statements(url, "s" * 40, pages.pages())
    assert set(counts) == {p.name for p in pages.pages()}
    for name, ((fewer, _), (more, _)) in counts.items():
        assert fewer == more, name


def test_the_table_has_every_page_and_the_import():
    def outcome(name: str, ms: float) -> Outcome:
        found = Outcome(name, latencies=[ms / 1000] * 10)
        found.wall = 1.0
        return found

    names = ["trivial page", "queue page", "trivial POST", "trivial write POST", "section save"]
    outcomes = {n: outcome(n, 10) for n in names}
    outcomes.update({p.name: outcome(p.name, 25) for p in pages.pages()})
    # The trivial page is measured again before each page; the floor is the median p95.
    floors = [5.0] + [12.5] * (len(pages.pages()) - 2) + [40.0]
    outcomes.update(
        {
            pages.paired_name(p.name): outcome("floor", ms)
            for p, ms in zip(pages.pages(), floors, strict=True)
        }
    )
    measurement = Measurement(
        database="sqlite",
        n=10,
        workers=1,
        threads=1,
        clients=20,
        generation_seconds=None,
        outcomes=outcomes,
        problems={},
        statements={10: (7, 10), 50: (7, 50)},
        export=None,
        load_before=(0.0, 0.0, 0.0),
        load_after=(0.0, 0.0, 0.0),
        pages=[(p.name, p.target) for p in pages.pages()],
        page_statements={p.name: ((5, 1), (5, 2)) for p in pages.pages()},
        imported={
            "rows": 50,
            "preview_s": 0.1,
            "apply_s": 0.1,
            "floor_s": 0.1,
            "peak_mb": 90,
            "ratio": 2.0,
            "longest_write_lock_s": 0.01,
        },  # fmt: skip
    )
    table = format_table(measurement)
    for page in pages.pages():
        row = next(line for line in table.splitlines() if line.startswith(f"| {page.name} "))
        assert "| 2.00x" in row, row  # against the median floor, 12.5 ms
    first, last = pages.pages()[0].name, pages.pages()[-1].name
    assert f"{first} 5.00x" in table and f"{last} 0.62x" in table  # each beside its own
    assert "ranged 5 to 40 ms" in table
    assert "against the trivial page as their own users see it" not in table
    outcomes[pages.own_role_name("My debriefs (300)")] = outcome("sergeant's floor", 20)
    table = format_table(replace(measurement, outcomes=outcomes))
    assert "My debriefs (300) 1.25x (20 ms)" in table
    assert "50 rows" in table


def test_a_kept_database_at_an_older_migration_is_upgraded_not_rebuilt(tmp_path):
    from sqlalchemy import text

    from bench.run import prepare
    from debrief import schema
    from debrief.db import make_engine

    url = f"sqlite:///{tmp_path / 'bench.db'}"
    generate(url, 150, echo=lambda _line: None)
    engine = make_engine(url)
    schema.downgrade(engine, "0021")
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE sqlite_stat1"))
        built = conn.scalar(select(func.min(AuditEntry.id)))
        debriefs = conn.scalar(select(func.count(Debrief.id)))  # with the bench's drafts

    assert prepare(url, debriefs, reuse=True) is None  # reused: nothing generated

    assert schema.current_revision(engine) == schema.head_revision()
    with engine.connect() as conn:
        assert conn.scalar(select(func.min(AuditEntry.id))) == built  # the same rows
        assert conn.scalar(text("SELECT count(*) FROM sqlite_stat1"))  # planner statistics
    engine.dispose()


def test_server_errors_are_counted_from_the_apps_request_lines():
    from bench.server import server_errors

    log = "\n".join(
        [
            '{"event": "request", "method": "GET", "status": 200, "ms": 4}',
            '{"event": "request", "method": "POST", "status": 500, "ms": 9}',
            '{"event": "request", "method": "GET", "status": 503, "ms": 1}',
            '127.0.0.1 - - "GET / HTTP/1.1" 500 12',  # not a request line of the app's
        ]
    )
    assert server_errors(log) == 2
