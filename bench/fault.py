"""Kill the worker (SIGKILL) in the middle of a submit: no half-written debrief.

    python -m bench.fault --db sqlite
    python -m bench.fault --db postgresql

The server runs one worker so the one handling the submit is known. Kills
land at delays spread across the time a submit takes; at each, the worker is
first frozen (SIGSTOP) and the database asked whether a write transaction is
open, so the report says how many kills landed mid-transaction. Afterwards
every debrief must be wholly a draft or wholly submitted (state, submission
time, history, audit and themes agree), and SQLite must pass PRAGMA
integrity_check and foreign_key_check. Exits 1 on any failure, or if no kill
landed inside a write transaction.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import OperationalError

from debrief.models import AuditEntry, Debrief, DebriefTheme, HistoryEntry
from debrief.workflow import State

from . import scenarios
from .client import Client, RequestFailed, forms_on
from .generate import generate
from .server import Server

RESULTS = Path(__file__).resolve().parent / "results"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_load"


def submit_request(client: Client, debrief_id: int) -> tuple[str, list[tuple[str, str]]]:
    """Return the submit form's action and data, declaration ticked, from the check page."""
    page = client.get(f"/debriefs/{debrief_id}/check")
    for form in forms_on(page.body):
        if form.action.endswith("/submit"):
            return form.action, [*form.fields, ("declaration", "yes")]
    raise RequestFailed(f"no submit form for debrief {debrief_id} ({page.status})")


def wait_for_worker(server: Server, old: set[int], timeout: float = 60) -> None:
    """Wait until gunicorn has replaced the killed worker and it answers."""
    deadline = time.monotonic() + timeout
    probe = Client(server.port)
    while time.monotonic() < deadline:
        if set(server.worker_pids()) - old:
            try:
                if probe.get("/health").status == 200:
                    probe.close()
                    return
            except OSError:
                pass
        time.sleep(0.1)
    raise RuntimeError("gunicorn did not start a new worker")


def in_transaction(url: str) -> bool:
    """Tell whether another connection is inside a write transaction right now.

    SQLite: our BEGIN IMMEDIATE is refused at once while the app's (IMMEDIATE)
    transaction holds the write lock. PostgreSQL: another backend has a
    transaction id, which it gets at its first write.
    """
    engine = create_engine(url, connect_args={"timeout": 0} if url.startswith("sqlite") else {})
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                try:
                    conn.exec_driver_sql("BEGIN IMMEDIATE")
                except OperationalError:
                    return True
                conn.exec_driver_sql("ROLLBACK")
                return False
            query = text(
                "SELECT count(*) FROM pg_stat_activity WHERE backend_xid IS NOT NULL "
                "AND pid <> pg_backend_pid() AND datname = current_database()"
            )
            return bool(conn.execute(query).scalar())
    finally:
        engine.dispose()


def kill_during(server: Server, client: Client, url: str, debrief_id: int, delay: float) -> str:
    """Send a submit, freeze the worker `delay` s later, note where it was, SIGKILL it."""
    action, data = submit_request(client, debrief_id)
    client.retry = False
    seen: list[str] = []

    def send() -> None:
        try:
            seen.append(f"status {client.post(action, data).status}")
        except OSError as exc:
            seen.append(f"no response ({type(exc).__name__})")

    workers = set(server.worker_pids())
    thread = threading.Thread(target=send)
    thread.start()
    time.sleep(delay)
    for pid in workers:
        os.kill(pid, signal.SIGSTOP)  # frozen where it stands, so the probe sees that moment
    caught = in_transaction(url)
    for pid in workers:
        os.kill(pid, signal.SIGKILL)
    thread.join(30)
    client.close()
    client.retry = True
    wait_for_worker(server, workers)
    where = "inside its write transaction" if caught else "outside a write transaction"
    return f"killed {where}; client saw {seen[0] if seen else 'no response'}"


def check(url: str, debrief_ids: list[int]) -> tuple[list[str], dict[str, int]]:
    """Return inconsistencies among the attacked debriefs, and how many ended in each state."""
    problems: list[str] = []
    states: dict[str, int] = {}
    engine = create_engine(url)
    with engine.connect() as conn:
        for debrief_id in debrief_ids:
            debrief = conn.execute(select(Debrief).where(Debrief.id == debrief_id)).one()
            history = conn.scalar(
                select(func.count()).where(
                    HistoryEntry.debrief_id == debrief_id, HistoryEntry.to_state == State.SUBMITTED
                )
            )
            audited = conn.scalar(
                select(func.count()).where(
                    AuditEntry.object_type == "debrief",
                    AuditEntry.object_id == str(debrief_id),
                    AuditEntry.action == "debrief.submit",
                )
            )
            themes = conn.scalar(
                select(func.count()).where(
                    DebriefTheme.debrief_id == debrief_id, DebriefTheme.suggested.is_(True)
                )
            )
            states[debrief.state.value] = states.get(debrief.state.value, 0) + 1
            submitted = debrief.state == State.SUBMITTED
            facts = {
                "submitted_at": debrief.submitted_at is not None,
                "history entry": history == 1,
                "audit entry": audited == 1,
                "intel_doc_submitted": debrief.intel_doc_submitted is not None,
            }
            if debrief.state not in (State.DRAFT, State.SUBMITTED):
                problems.append(f"debrief {debrief_id} is {debrief.state}")
            for name, present in facts.items():
                if present != submitted:
                    problems.append(f"debrief {debrief_id} is {debrief.state} but {name} "
                                    f"{'present' if present else 'missing'}")  # fmt: skip
            if not submitted and themes:
                problems.append(f"debrief {debrief_id} is a draft with suggested themes")
        if engine.dialect.name == "sqlite":
            integrity = conn.execute(text("PRAGMA integrity_check")).scalar()
            if integrity != "ok":
                problems.append(f"integrity_check: {integrity}")
            orphans = conn.execute(text("PRAGMA foreign_key_check")).all()
            if orphans:
                problems.append(f"foreign_key_check: {len(orphans)} rows")
    engine.dispose()
    return problems, states


def run(url: str, label: str, attempts: int) -> int:
    """Generate, attack, check; print the result and return the exit status."""
    generate(url, 1000, echo=lambda line: None)
    RESULTS.mkdir(exist_ok=True)
    log = RESULTS / f"fault-{label}-{time.strftime('%Y%m%d-%H%M%S')}.log"
    seen: list[str] = []
    attacked: list[int] = []
    with Server(url, workers=1, threads=1, log_path=log) as server:
        clients = [scenarios.BenchClient(server.port, f"bench-sgt-{i:02d}").start()
                   for i in range(1, 2 + attempts // 7)]  # fmt: skip
        scenarios.attach_drafts(url, clients)
        jobs = [(c, d) for c in clients for d in c.drafts]
        # How long a submit takes here, so the kills can be spread across it.
        client, first = jobs.pop(0)
        action, data = submit_request(client, first)
        began = time.perf_counter()
        if client.post(action, data).status != 302:
            raise RuntimeError("a plain submit failed; see " + str(log))
        took = time.perf_counter() - began
        for index, (client, debrief_id) in enumerate(jobs[:attempts]):
            delay = took * 1.3 * index / max(1, attempts - 1)
            result = kill_during(server, client, url, debrief_id, delay)
            seen.append(f"{delay * 1000:5.0f} ms: {result}")
            attacked.append(debrief_id)
    problems, states = check(url, [first, *attacked])
    inside = sum("inside" in line for line in seen)
    summary = (
        f"{label}: plain submit {took * 1000:.0f} ms; {len(seen)} submits killed, {inside} of "
        f"them inside the write transaction; afterwards {states}; "
        f"half-written debriefs {len(problems)}"
        + ("; integrity_check and foreign_key_check ok" if label == "sqlite" and not problems
           else "")
    )  # fmt: skip
    print(summary)
    for line in seen + problems:
        print("  ", line)
    with (RESULTS / "results.txt").open("a") as fh:
        fh.write(f"fault: {summary}\n")
    return 1 if problems or not inside else 0


def main(argv: list[str] | None = None) -> None:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], action="append")
    parser.add_argument("--attempts", type=int, default=16, help="kills at spread delays")
    parser.add_argument("--pg-url", default=PG_URL)
    args = parser.parse_args(argv)
    status = 0
    for label in args.db or ["sqlite", "postgresql"]:
        url = f"sqlite:///{RESULTS}/fault.db" if label == "sqlite" else args.pg_url
        status |= run(url, label, args.attempts)
    sys.exit(status)


if __name__ == "__main__":
    main()
