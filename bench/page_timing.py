"""Each page of issue 22 timed in process, one request at a time: p95 against /account.

    python -m bench.page_timing --url sqlite:////work/benchdata/b.db
    python -m bench.page_timing --url postgresql+psycopg://postgres@127.0.0.1:5432/b --only export

For finding and fixing a slow page: no server, no network, no other client, so the time
is the page's own work (SQL and rendering) and the ratio to the trivial page (/account,
timed in the same run) says how far it is from the target. `bench.run` is the measure
under 20 clients. The question-set comparison page needs a draft version: one that drops
a choice from two answered questions is stored once (the comparison then counts the
debriefs that gave them). The dashboard's receipt figures (chasing.receipt_days) are
timed on their own too, so their share of the dashboard is known.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import date
from typing import Any

from sqlalchemy import select

from . import pages as bench_pages
from . import scenarios
from .generate import BENCH_PASSWORD

SECRET = "bench-page-timing-secret-key-not-for-production"
DRAFT_NOTE = "bench: choices dropped"


def _draft_text() -> str:
    """The real question file with one choice removed from two questions with answers."""
    from debrief.config import PROJECT_ROOT

    text = (PROJECT_ROOT / "questions.toml").read_text("utf-8")
    for line in (
        '    { id = "custody", label = "Custody" },\n',
        '    { id = "call_101", label = "101 call" },\n',
    ):
        assert line in text, line
        text = text.replace(line, "", 1)
    return text


def _draft_version(app) -> int:
    """Return the id of the benchmark's draft question set, storing it the first time."""
    from debrief.audit import Actor
    from debrief.models import QuestionSetVersion
    from debrief.questions import publishing

    session = app.extensions["debrief.session_factory"]()
    try:
        question_set = publishing.check_upload(_draft_text().encode("utf-8"), DRAFT_NOTE)
        found = session.scalar(
            select(QuestionSetVersion.id).where(
                QuestionSetVersion.version_hash == question_set.version
            )
        )
        if found is None:
            row = publishing.store_draft(session, Actor(username="bench"), question_set, DRAFT_NOTE)
            session.commit()
            found = row.id
        return int(found)
    finally:
        session.close()


def page_list(app, today: date) -> list[tuple[str, str, str]]:
    """(name, who, path) for every page timed."""
    listed = [("trivial page (/account)", "hub", "/account")]
    for page in bench_pages.pages(today):
        if page.name.startswith("reconciliation"):
            continue  # issue 22's reconciliation lists are measured by their own work
        for i, path in enumerate(page.paths[:2]):
            listed.append((page.name + (f" #{i + 1}" if i else ""), page.who, path))
    for i, path in enumerate(scenarios.queue_filters(today)):
        listed.append((f"queue view #{i + 1}", "hub", path))
    listed.append(("queue search, last 4 digits", "hub", f"/review/?q={_last_four(app)}"))
    listed.append(
        ("question set compare", "adm", f"/admin/questions/versions/{_draft_version(app)}")
    )
    return listed


def _last_four(app) -> str:
    from debrief.models import Debrief, Event

    session = app.extensions["debrief.session_factory"]()
    try:
        reference = session.scalar(
            select(Event.incident_ref)
            .join(Debrief, Debrief.event_id == Event.id)
            .where(Debrief.state == "closed")
            .order_by(Event.id.desc())
            .limit(1)
        )
        return str(reference).rsplit("-", 1)[1]
    finally:
        session.close()


def time_gets(client, path: str, requests: int) -> tuple[list[float], Any]:
    """GET a page twice to warm caches, then `requests` times; return the times in ms,
    sorted, and the last response (every one must be a 200)."""
    for _ in range(2):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return sorted(times), response


def p95(times: list[float]) -> float:
    """The 95th percentile of sorted times (nearest rank)."""
    return times[max(0, int(round(0.95 * len(times))) - 1)]


def _timed(client, path: str, requests: int) -> tuple[float, float]:
    times, _ = time_gets(client, path, requests)
    return statistics.median(times), p95(times)


def _receipt_days(app, today: date, requests: int) -> dict[str, tuple[float, float]]:
    """Time chasing.receipt_days alone for the dashboard's one- and three-year periods."""
    from debrief.compliance.chasing import receipt_days
    from debrief.db import reads_first
    from debrief.periods import custom

    found = {}
    for name, back in (("receipt_days, 1 year", 11), ("receipt_days, 3 years", 35)):
        index = today.year * 12 + today.month - 1
        first = date((index - back) // 12, (index - back) % 12 + 1, 1)
        period = custom(first, today)
        start, stop = period.utc_bounds()
        months = period.months()
        times = []
        for i in range(requests + 2):
            session = app.extensions["debrief.session_factory"]()
            with reads_first():  # as the dashboard's GET: without the write lock
                started = time.perf_counter()
                receipt_days(session, start, stop, months)
                if i >= 2:
                    times.append((time.perf_counter() - started) * 1000)
                session.close()
        times.sort()
        found[name] = (statistics.median(times), times[max(0, int(round(0.95 * len(times))) - 1)])
    return found


def main(argv: list[str] | None = None) -> None:
    """Command line."""
    from debrief.app import create_app

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--only", action="append", help="time only pages whose name has this")
    args = parser.parse_args(argv)
    today = date.today()
    with tempfile.TemporaryDirectory() as instance:
        app = create_app(
            {
                "DATABASE_URL": args.url,
                "SECRET_KEY": SECRET,
                "WTF_CSRF_ENABLED": False,
                "RATELIMIT_ENABLED": False,
                "INSTANCE_PATH": instance,
            }
        )
        clients = {}
        for who in ("hub", "sgt", "adm"):
            client = app.test_client()
            response = client.post(
                "/sign-in", data={"username": f"bench-{who}-01", "password": BENCH_PASSWORD}
            )
            assert response.status_code == 302, f"bench-{who}-01 could not sign in"
            clients[who] = client
        results = {}
        for name, who, path in page_list(app, today):
            if args.only and name != "trivial page (/account)":
                if not any(part in name for part in args.only):
                    continue
            results[name] = _timed(clients[who], path, args.requests)
            print(f"  {name}: p95 {results[name][1]:.0f} ms", flush=True)
        if not args.only or any("receipt" in part for part in args.only):
            results.update(_receipt_days(app, today, args.requests))
        app.extensions["debrief.engine"].dispose()
    floor = results["trivial page (/account)"][1]
    print(f"\n{args.url}: {args.requests} requests a page, one at a time, in process")
    print(f"{'page':<36} {'p50 ms':>8} {'p95 ms':>8} {'x /account':>10}")
    for name, (p50, p95) in results.items():
        print(f"{name:<36} {p50:8.1f} {p95:8.1f} {p95 / floor:10.2f}")


if __name__ == "__main__":
    main()
