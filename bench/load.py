"""Twenty sergeants saving at once for a minute: nothing locked, nothing lost.

    python -m bench.load --db sqlite --seconds 60
    python -m bench.load --db postgresql --seconds 60

Each writer saves its own drafts (GET the section, POST it changed) in a loop.
Afterwards every debrief must hold the last save the server accepted, the
server log must show no 500 and no "database is locked", and on SQLite the
database must pass PRAGMA integrity_check. Exits 1 if any check fails.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, func, select, text

from debrief.models import Answer, AuditEntry

from . import scenarios
from .client import Outcome, drive
from .generate import generate
from .server import Server, server_errors

RESULTS = Path(__file__).resolve().parent / "results"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_load"


@dataclass
class Ledger:
    """What the server said it accepted: the last text per debrief, and how many saves."""

    last: dict[int, str] = field(default_factory=dict)
    accepted: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def writer_step(ledger: Ledger, serial: itertools.count):
    """Return a step that saves a new text and notes it once the server accepts it."""

    def step(client: scenarios.BenchClient, i: int) -> float:
        debrief_id = client.drafts[i % len(client.drafts)]
        words = f"Load test {client.username} save {i} #{next(serial)}."
        seconds = scenarios.save(client, debrief_id, words)
        with ledger.lock:  # only after the 302: a save in flight when time ran out is not counted
            ledger.last[debrief_id] = words
            ledger.accepted += 1
        return seconds

    return step


def check_database(url: str, ledger: Ledger, audit_before: int) -> list[str]:
    """Return every way the database disagrees with what was accepted."""
    problems = []
    engine = create_engine(url)
    with engine.connect() as conn:
        stored = dict(
            conn.execute(
                select(Answer.debrief_id, Answer.value).where(
                    Answer.debrief_id.in_(list(ledger.last)),
                    Answer.question_id == scenarios.SAVE_FIELD,
                )
            ).all()
        )
        for debrief_id, words in ledger.last.items():
            if stored.get(debrief_id) != words:
                problems.append(f"debrief {debrief_id}: expected {words!r}, found "
                                f"{stored.get(debrief_id)!r}")  # fmt: skip
        saves = (
            conn.scalar(select(func.count()).where(AuditEntry.action == "debrief.save"))
            - audit_before
        )
        if saves < ledger.accepted:
            problems.append(f"{ledger.accepted} saves accepted but {saves} audited")
        if engine.dialect.name == "sqlite":
            result = conn.execute(text("PRAGMA integrity_check")).scalar()
            if result != "ok":
                problems.append(f"integrity_check: {result}")
    engine.dispose()
    return problems


def run(url: str, label: str, n: int, seconds: float, workers: int, threads: int) -> int:
    """Generate, load, check; print the result and return the exit status."""
    print(f"Generating {n:,} debriefs for {label}")
    generate(url, n, echo=lambda line: None)
    engine = create_engine(url)
    with engine.connect() as conn:
        audit_before = conn.scalar(select(func.count()).where(AuditEntry.action == "debrief.save"))
    engine.dispose()
    RESULTS.mkdir(exist_ok=True)
    log = RESULTS / f"load-{label}-{time.strftime('%Y%m%d-%H%M%S')}.log"
    ledger = Ledger()
    with Server(url, workers, threads, log) as server:
        clients = scenarios.sign_in_all(server.port, "sgt")
        scenarios.attach_drafts(url, clients)
        print(f"{len(clients)} writers for {seconds:.0f} s ...")
        outcome: Outcome = drive(
            "section save", clients, writer_step(ledger, itertools.count()), 10**6, seconds
        )
    server_log = server.log_text()
    problems = check_database(url, ledger, audit_before)
    status_500 = server_errors(server_log)
    locked = server_log.count("database is locked")
    summary = (
        f"{label}: {len(clients)} writers, {outcome.wall:.0f} s, {ledger.accepted} saves accepted "
        f"({outcome.per_second:.1f}/s), p50 {outcome.percentile(50):.0f} ms, "
        f"p95 {outcome.percentile(95):.0f} ms, client errors {len(outcome.errors)}, "
        f"server 5xx {status_500}, 'database is locked' {locked}, "
        f"accepted saves missing {len(problems)}"
    )
    print(summary)
    for problem in problems[:10] + sorted(set(outcome.errors))[:5]:
        print("  ", problem)
    with (RESULTS / "results.txt").open("a") as fh:
        fh.write(f"load: {summary}\n")
    failed = problems or outcome.errors or status_500 or locked or not ledger.accepted
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> None:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], action="append")
    parser.add_argument("--n", type=int, default=10_000, help="debriefs in the database")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--pg-url", default=PG_URL)
    args = parser.parse_args(argv)
    status = 0
    for label in args.db or ["sqlite", "postgresql"]:
        url = f"sqlite:///{RESULTS}/load.db" if label == "sqlite" else args.pg_url
        RESULTS.mkdir(exist_ok=True)
        status |= run(url, label, args.n, args.seconds, args.workers, args.threads)
    sys.exit(status)


if __name__ == "__main__":
    main()
