"""The queue's search by reference at scale (issue 21): p95 against the trivial page, and
the statements a page costs at 10 and 50 rows.

    python -m bench.generate --n 100000 --url sqlite:////tmp/review-bench.db
    python -m bench.queue_search --url sqlite:////tmp/review-bench.db

In process, through the app's test client (one worker, no network): each page is asked
for `--requests` times after two warm-up requests. The generator writes its rows through
the driver, not the models, so the events' search keys are filled here first, by the same
function migration 0018 fills existing rows with (timed: what the migration costs).
"""

from __future__ import annotations

import argparse
import importlib
import statistics
import tempfile
import time

from sqlalchemy import create_engine, event, func, select, text

from bench.page_timing import p95, time_gets
from bench.scenarios import BENCH_PASSWORD

SECRET = "bench-queue-search-secret-key-not-for-production"


def _fill_keys(url: str) -> tuple[int, float]:
    migration = importlib.import_module(
        "debrief.migrations.versions.0018_review_references_returns"
    )
    engine = create_engine(url)
    started = time.perf_counter()
    with engine.begin() as connection:
        filled = migration.fill_search_keys(connection)
    seconds = time.perf_counter() - started
    engine.dispose()
    return filled, seconds


def _sample_references(url: str) -> dict[str, str]:
    """A whole incident reference, its last four digits, and an NCCU reference's last six."""
    engine = create_engine(url)
    with engine.connect() as connection:
        incident = connection.execute(
            text(
                "SELECT e.incident_ref FROM events e JOIN debriefs d ON d.event_id = e.id "
                "WHERE d.state = 'closed' ORDER BY e.id DESC LIMIT 1"
            )
        ).scalar_one()
        nccu = connection.execute(
            text(
                "SELECT e.nccu_reference FROM events e JOIN debriefs d ON d.event_id = e.id "
                "WHERE e.nccu_reference IS NOT NULL ORDER BY e.id LIMIT 1"
            )
        ).scalar_one()
        debriefs = connection.execute(select(func.count()).select_from(text("debriefs"))).scalar()
    engine.dispose()
    return {
        "debriefs": str(debriefs),
        "whole incident reference": incident,
        "last 4 digits (many matches)": incident.rsplit("-", 1)[1],
        "NCCU reference, last 6 digits": nccu[-6:],
    }


def _app(url: str, instance: str, page_size: int = 50):
    from debrief.app import create_app

    return create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": SECRET,
            "QUEUE_PAGE_SIZE": page_size,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "INSTANCE_PATH": instance,
        }
    )


def _signed_in(app):
    client = app.test_client()
    response = client.post(
        "/sign-in", data={"username": "bench-hub-01", "password": BENCH_PASSWORD}
    )
    assert response.status_code == 302, "the benchmark's reviewer could not sign in"
    return client


def _timed(client, path: str, requests: int) -> dict[str, float]:
    times, response = time_gets(client, path, requests)
    return {
        "p50": statistics.median(times),
        "p95": p95(times),
        "rows": response.get_data(as_text=True).split("<tbody", 1)[-1].count("<tr"),
    }


def _statements(url: str, path: str) -> dict[int, tuple[int, int]]:
    counts = {}
    with tempfile.TemporaryDirectory() as instance:
        for size in (10, 50):
            app = _app(url, instance, size)
            engine = app.extensions["debrief.engine"]
            client = _signed_in(app)
            client.get(path)
            seen: list[str] = []

            def note(_conn, _cursor, statement, *_args, seen=seen):
                seen.append(statement)

            event.listen(engine, "before_cursor_execute", note)
            body = client.get(path).get_data(as_text=True)
            event.remove(engine, "before_cursor_execute", note)
            counts[size] = (len(seen), body.split("<tbody", 1)[-1].count("<tr"))
            engine.dispose()
    return counts


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="sqlite:////tmp/review-bench.db")
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args(argv)

    filled, seconds = _fill_keys(args.url)
    print(f"search keys filled for {filled} events in {seconds:.1f} s (what migration 0018 does)")
    samples = _sample_references(args.url)
    print(f"{samples.pop('debriefs')} debriefs")
    pages = {"trivial page (/account)": "/account", "queue, default view": "/review/"}
    pages.update({f"queue search: {k} ({v})": f"/review/?q={v}" for k, v in samples.items()})
    with tempfile.TemporaryDirectory() as instance:
        app = _app(args.url, instance)
        client = _signed_in(app)
        results = {name: _timed(client, path, args.requests) for name, path in pages.items()}
        app.extensions["debrief.engine"].dispose()
    floor = results["trivial page (/account)"]["p95"]
    print(f"{'page':<62} {'p50 ms':>8} {'p95 ms':>8} {'x floor':>8} {'rows':>5}")
    for name, figures in results.items():
        print(
            f"{name:<62} {figures['p50']:8.1f} {figures['p95']:8.1f} "
            f"{figures['p95'] / floor:8.2f} {figures['rows']:5d}"
        )
    many = f"/review/?q={samples['last 4 digits (many matches)']}"
    for size, (statements, rows) in _statements(args.url, many).items():
        print(f"statements for a searched queue page of {size} rows: {statements} ({rows} rows)")


if __name__ == "__main__":
    main()
