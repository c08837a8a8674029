"""The benchmark: N debriefs, the real server, 20 clients; figures against their floors.

    python -m bench.run                       # 1k, 10k and 100k on SQLite and PostgreSQL
    python -m bench.run --n 10000 --db sqlite # one size, one database

Prints a table per database and size and writes it to bench/results/. It is a
measurement, not a test: nothing fails, the table says which target was missed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import create_engine, event, func, select
from sqlalchemy.engine import make_url

from debrief import schema
from debrief.db import make_engine, refresh_statistics
from debrief.models import Debrief, Event

from . import pages, scenarios
from .client import Outcome, drive
from .generate import generate
from .report import Measurement, format_table
from .server import SECRET, Server, server_errors

RESULTS = Path(__file__).resolve().parent / "results"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench"


def prepare(url: str, n: int, reuse: bool) -> float | None:
    """Generate the database unless it already holds n debriefs; return seconds taken.

    A database kept from an older version is upgraded (minutes at most), not built again
    (10 to 18 minutes at 100,000), and given SQLite's planner statistics if it has none.
    """
    if reuse:
        try:
            engine = make_engine(url)
            with engine.connect() as conn:
                have = conn.scalar(select(func.count(Debrief.id)))
            if have is not None and n <= have < n * 1.1:
                print(f"Reusing {url} ({have:,} debriefs)")
                if schema.current_revision(engine) != schema.head_revision():
                    print("  upgrading it to the current schema")
                    schema.upgrade(engine)
                if not _has_statistics(engine):
                    print("  giving it planner statistics (ANALYZE)")
                    _analyze(engine)
                engine.dispose()
                return None
            engine.dispose()
        except Exception as error:  # nothing there yet, or unreadable: build it
            print(f"Not reusing {url}: {error}")
    print(f"Generating {n:,} debriefs at {url}")
    return generate(url, n, echo=lambda line: None).seconds


def _has_statistics(engine) -> bool:
    """Tell whether the planner has statistics: a database restored from a dump has none
    until analysed, and a PostgreSQL without autovacuum (this machine's) never gets them;
    its plans are then guesses (a 17-minute count seen here)."""
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            return bool(
                conn.exec_driver_sql(
                    "SELECT coalesce(last_analyze, last_autoanalyze) IS NOT NULL"
                    " FROM pg_stat_user_tables WHERE relname = 'debriefs'"
                ).scalar()
            )
        found = conn.exec_driver_sql(
            "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'"
        ).scalar()
        return bool(found) and bool(
            conn.exec_driver_sql("SELECT count(*) FROM sqlite_stat1").scalar()
        )


def _analyze(engine) -> None:
    if engine.dialect.name != "postgresql":
        refresh_statistics(engine)
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("ANALYZE")


def load_http(url: str, workers: int, threads: int, each: int, limit: float, log: Path,
              page_each: int = 25, page_limit: float = 40):  # fmt: skip
    """Run the HTTP scenarios one after another; return outcomes and server problems."""
    with Server(url, workers, threads, log) as server:
        hubs = scenarios.sign_in_all(server.port, "hub")
        sergeants = scenarios.sign_in_all(server.port, "sgt")
        admins = scenarios.sign_in_all(server.port, "adm")
        scenarios.attach_drafts(url, sergeants)
        queue_step = scenarios.make_queue_step(scenarios.queue_filters())
        plan = [
            ("trivial page", hubs, scenarios.step_trivial_get),
            ("queue page", hubs, queue_step),
            ("trivial POST", sergeants, scenarios.step_trivial_post),
        ]
        outcomes: dict[str, Outcome] = {}
        for name, clients, step in plan:
            drive(f"warm-up {name}", clients, step, 2, limit)  # caches, connections, pools
            outcomes[name] = drive(name, clients, step, each, limit)
            print(f"  {name:<14} {outcomes[name].count:>5} requests")
        outcomes["trivial write POST"] = in_rounds(
            "trivial write POST", sergeants, scenarios.step_prepare_sign_in,
            scenarios.step_trivial_write_post, 1, each, limit,
        )  # fmt: skip
        print(f"  write POST     {outcomes['trivial write POST'].count:>5} requests")
        drafts = min(len(c.drafts) for c in sergeants)
        outcomes["section save"] = in_rounds(
            "section save", sergeants, scenarios.step_prepare_save, scenarios.step_save,
            drafts, each, limit,
        )  # fmt: skip
        print(f"  section save   {outcomes['section save'].count:>5} requests")
        who = {"hub": hubs, "sgt": sergeants, "adm": admins}
        for page in pages.pages():
            step = pages.make_step(page)
            # The trivial page again, just before: this machine's speed drifts by up to
            # 1.8x over minutes, and a page is set against the floor measured beside it.
            paired = pages.paired_name(page.name)
            outcomes[paired] = drive(paired, hubs, scenarios.step_trivial_get, page_each, limit)
            if page.who != "hub":  # and as the page's own users see it (their header's cost)
                own = pages.own_role_name(page.name)
                outcomes[own] = drive(
                    own, who[page.who], scenarios.step_trivial_get, page_each, limit
                )
            drive(f"warm-up {page.name}", who[page.who][:2], step, 1, page_limit)
            outcomes[page.name] = drive(page.name, who[page.who], step, page_each, page_limit)
            print(f"  {page.name:<28} {outcomes[page.name].count:>5} requests")
        for client in hubs + sergeants + admins:
            client.close()
    text = server.log_text()
    problems = {
        "server 500s": server_errors(text),
        "database is locked": text.count("database is locked"),
        "tracebacks": text.count("Traceback"),
    }
    return outcomes, problems


def in_rounds(name: str, clients: list, prepare, step, per_round: int, each: int, limit):
    """Measure a step that needs unmeasured preparation, in rounds: every client prepares,
    then all run the measured step at once.

    So only the measured requests run during the measured part, as only trivial
    POSTs run during their floor's (a save form is posted once, with the version it
    was drawn with; a sign-in needs a signed-out session).
    """
    outcome = Outcome(name)
    for round_number in range(-1, max(1, -(-each // per_round))):  # round -1 warms up
        drive(f"prepare {name}", clients, prepare, per_round, limit)
        done = drive(name, clients, step, per_round, limit)
        if round_number >= 0:
            outcome.merge(done)
    return outcome


def statements_per_queue_page(url: str) -> dict[int, tuple[int, int]]:
    """Count SQL statements for one queue page at 10 and 50 rows: {rows: (statements, rows)}."""
    from debrief.app import create_app

    path = scenarios.queue_filters()[0]
    counts = {}
    with tempfile.TemporaryDirectory() as instance:
        for size in (10, 50):
            app = create_app(
                {
                    "DATABASE_URL": url,
                    "SECRET_KEY": SECRET,
                    "QUEUE_PAGE_SIZE": size,
                    "WTF_CSRF_ENABLED": False,
                    "RATELIMIT_ENABLED": False,
                    "INSTANCE_PATH": instance,
                }
            )
            engine = app.extensions["debrief.engine"]
            client = app.test_client()
            client.post(
                "/sign-in", data={"username": "bench-hub-01", "password": scenarios.BENCH_PASSWORD}
            )
            client.get(path)
            seen: list[str] = []

            def note(_conn, _cursor, statement, *_args, seen=seen):
                seen.append(statement)

            event.listen(engine, "before_cursor_execute", note)
            body = client.get(path).get_data(as_text=True)
            event.remove(engine, "before_cursor_execute", note)
            tbody = body.split("<tbody", 1)[-1].split("</tbody>", 1)[0]
            counts[size] = (len(seen), tbody.count("<tr"))
            engine.dispose()
    return counts


def _child(command: list[str]) -> dict:
    """Run a measuring child; return the JSON line it printed."""
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors)
        output = process.stdout.read().decode()
        process.wait()
        if process.returncode != 0:
            errors.seek(0)
            tail = errors.read().decode(errors="replace")[-2000:]
            raise RuntimeError(f"{' '.join(command[3:5])} failed ({process.returncode}):\n{tail}")
    line = [x for x in output.splitlines() if x.startswith("{")][-1]
    return json.loads(line)


def measure_export(url: str, folder: Path) -> dict:
    """Export the whole period in a child process, then write the same cells raw."""
    workbook, floor = folder / "export.xlsx", folder / "floor.xlsx"
    engine = create_engine(url)
    with engine.connect() as conn:  # the whole period: from the first event to today
        first = conn.scalar(select(func.min(Event.reported_at))).date()
    engine.dispose()
    job = [sys.executable, "-m", "bench.exportjob"]
    exported = _child(
        job
        + [
            "export",
            "--url",
            url,
            "--from",
            first.isoformat(),
            "--to",
            date.today().isoformat(),
            "--out",
            str(workbook),
        ]
    )
    raw = _child(job + ["floor", "--workbook", str(workbook), "--out", str(floor)])
    return {
        "seconds": exported["seconds"],
        "peak_mb": exported["peak_mb"],
        "floor_seconds": raw["seconds"],
        "cells": raw["cells"],
        "bytes": workbook.stat().st_size,
    }


def import_url(url: str, label: str) -> str:
    """A database of its own for the import (bench.importjob drops what it is given)."""
    if label == "sqlite":
        return url.replace(".db", "-import.db")
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_import").render_as_string(hide_password=False)


def measure_import(url: str, rows: int) -> dict:
    """Preview and apply an NCCU list of `rows` in a child process, against the floor."""
    return _child([sys.executable, "-m", "bench.importjob", "--rows", str(rows), "--url", url])


def run_one(url: str, label: str, n: int, args) -> str:
    """Benchmark one database at one size; return the table."""
    generated = prepare(url, n, args.reuse)
    load_before = os.getloadavg()
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    log = RESULTS / f"server-{label}-{n}-{stamp}.log"
    outcomes, problems = load_http(
        url, args.workers, args.threads, args.requests, args.seconds, log,
        args.page_requests, args.page_seconds,
    )  # fmt: skip
    statements = statements_per_queue_page(url)
    page_statements = pages.statements(url, SECRET, pages.pages())
    export = measure_export(url, RESULTS) if not args.no_export else None
    imported = None if args.no_import else measure_import(import_url(url, label), args.import_rows)
    measurement = Measurement(
        database=label,
        n=n,
        workers=args.workers,
        threads=args.threads,
        clients=scenarios.BENCH_CLIENTS,
        generation_seconds=generated,
        outcomes=outcomes,
        problems=problems,
        statements=statements,
        export=export,
        pages=[(p.name, p.target) for p in pages.pages()],
        page_statements=page_statements,
        imported=imported,
        load_before=load_before,
        load_after=os.getloadavg(),
    )
    table = format_table(measurement)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{label}-{n}-{stamp}.txt").write_text(table + "\n")
    with (RESULTS / "results.txt").open("a") as fh:
        fh.write(table + "\n\n")
    return table


def main(argv: list[str] | None = None) -> None:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, action="append", help="debriefs (repeatable)")
    parser.add_argument("--db", choices=["sqlite", "postgresql"], action="append")
    parser.add_argument("--sqlite-dir", default=str(RESULTS), help="where SQLite files go")
    parser.add_argument("--pg-url", default=PG_URL, help="a PostgreSQL database of your own")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--requests", type=int, default=100, help="per client per scenario")
    parser.add_argument("--seconds", type=float, default=60, help="time limit per scenario")
    parser.add_argument("--reuse", action="store_true", help="keep a database of the right size")
    parser.add_argument("--no-export", action="store_true")
    parser.add_argument("--no-import", action="store_true")
    parser.add_argument("--import-rows", type=int, default=50_000)
    parser.add_argument("--page-requests", type=int, default=25,
                        help="per client per compliance page")  # fmt: skip
    parser.add_argument("--page-seconds", type=float, default=40,
                        help="time limit per compliance page")  # fmt: skip
    args = parser.parse_args(argv)
    if make_url(args.pg_url).database in {"test", "postgres"}:
        parser.error("use a PostgreSQL database of your own, not the shared one")
    RESULTS.mkdir(exist_ok=True)
    for n in args.n or [1000, 10_000, 100_000]:
        for label in args.db or ["sqlite", "postgresql"]:
            url = (
                f"sqlite:///{Path(args.sqlite_dir).resolve()}/bench-{n}.db"
                if label == "sqlite"
                else args.pg_url
            )
            began = time.perf_counter()
            print(run_one(url, label, n, args))
            print(f"({time.perf_counter() - began:.0f} s)\n")


if __name__ == "__main__":
    main()
