"""The NCCU reconciliation pages in-process on a benchmark database (issue 22).

    python -m bench.reconcile --url sqlite:////work/benchdata/copy.db [--repeat 3]

Signs in as bench-hub-01 (made by bench/generate.py) and GETs each reconciliation list,
page 1 and a later page, the outstanding list filtered, and the trivial page, one request
at a time: the time of each (median of --repeat) and the SQL statements it ran. Then the
pieces the lists' pages and the chase share, called directly: the Recommendation 2 panel
(12 months), the dashboard's receipt figures (12 and 36 months), a sergeant's chase
(`chasing.put_to`) and the digest's `people_who_may_be_put_to`. Changes nothing but the
audit trail (each page's view is recorded, as on a server).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable

from sqlalchemy import event, select

from .generate import BENCH_PASSWORD

PATHS = [
    ("trivial page", "/account"),
    ("outstanding", "/compliance/reconciliation/outstanding"),
    ("outstanding, page 5", "/compliance/reconciliation/outstanding?page=5"),
    (
        "outstanding, 28 days, outstanding",
        "/compliance/reconciliation/outstanding?min_days=28&state=outstanding",
    ),
    ("outstanding, a district", "/compliance/reconciliation/outstanding?district=North"),
    ("disagreements", "/compliance/reconciliation/disagreements"),
    ("unmatched", "/compliance/reconciliation/unmatched"),
    ("unmatched, page 10", "/compliance/reconciliation/unmatched?page=10"),
    ("undebriefed", "/compliance/reconciliation/undebriefed"),
]


def _measure(engine, repeat: int, call: Callable[[], object]) -> tuple[float, int]:
    """Return the median seconds of `repeat` calls and the statements of the last."""
    times = []
    seen: list[str] = []
    for _ in range(repeat):
        seen.clear()

        def note(_conn, _cursor, statement, *_args):
            seen.append(statement)

        event.listen(engine, "before_cursor_execute", note)
        start = time.perf_counter()
        try:
            call()
        finally:
            times.append(time.perf_counter() - start)
            event.remove(engine, "before_cursor_execute", note)
    return statistics.median(times), len(seen)


def main(argv: list[str] | None = None) -> None:
    """Time each reconciliation page and the chase's reads on one database."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pages-only", action="store_true")
    args = parser.parse_args(argv)

    from debrief.app import create_app
    from debrief.questions import active

    with tempfile.TemporaryDirectory() as instance:
        app = create_app(
            {
                "DATABASE_URL": args.url,
                "SECRET_KEY": "bench-reconcile-" + "x" * 32,
                "WTF_CSRF_ENABLED": False,
                "RATELIMIT_ENABLED": False,
                "INSTANCE_PATH": instance,
            }
        )
        engine = app.extensions["debrief.engine"]
        active.CHECK_SECONDS = float("inf")  # the page's own statements only
        client = app.test_client()
        client.post("/sign-in", data={"username": "bench-hub-01", "password": BENCH_PASSWORD})
        print(f"{'page':40} {'seconds':>8} {'statements':>10}")
        for name, path in PATHS:
            client.get(path)  # caches warm, as on a running server

            def get(path=path):
                response = client.get(path)
                assert response.status_code == 200, (path, response.status_code)

            seconds, statements = _measure(engine, args.repeat, get)
            print(f"{name:40} {seconds:8.3f} {statements:10d}", flush=True)
        if not args.pages_only:
            _pieces(app, engine, args.repeat)
        engine.dispose()


def _pieces(app, engine, repeat: int) -> None:
    from debrief import recommendation2
    from debrief.compliance import chasing
    from debrief.compliance.dashboard import default_period
    from debrief.db import reads_first
    from debrief.models import User
    from debrief.periods import Period
    from debrief.timeutil import local_today

    window = app.config["NCCU_MATCH_WINDOW_HOURS"]
    with app.app_context(), reads_first():  # as a GET reads: no SQLite write lock
        from debrief.extensions import db_session

        session = db_session()
        period = default_period(local_today())
        start, stop = period.utc_bounds()
        three = Period(
            period.start.replace(year=period.start.year - 2), period.end, "3y", "3 years"
        )
        start3, stop3 = three.utc_bounds()
        sergeant = session.scalar(select(User).where(User.username == "bench-sgt-01"))
        pieces = [
            (
                "rec2 panel, 12 months",
                lambda: recommendation2.figures(session, start, stop, period.months()),
            ),
            (
                "receipt_days, 12 months",
                lambda: chasing.receipt_days(session, start, stop, period.months()),
            ),
            (
                "receipt_days, 36 months",
                lambda: chasing.receipt_days(session, start3, stop3, three.months()),
            ),
            ("put_to, bench-sgt-01", lambda: chasing.put_to(session, sergeant, window)),
            ("people_who_may_be_put_to", lambda: chasing.people_who_may_be_put_to(session)),
        ]
        for name, call in pieces:
            seconds, statements = _measure(engine, repeat, call)
            print(f"{name:40} {seconds:8.3f} {statements:10d}", flush=True)
        session.rollback()


if __name__ == "__main__":
    main()
