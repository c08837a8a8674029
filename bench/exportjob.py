"""Run in a child process: time the thematic export (the hub's copy), or its raw-openpyxl floor.

Each measurement is one process of its own, which reports its own peak
resident memory (VmHWM). Prints one JSON line.

    python -m bench.exportjob export --url URL --from 2023-01-01 --to 2025-12-31 --out F
    python -m bench.exportjob floor --workbook F --out G
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
from pathlib import Path


def run_export(url: str, start: str, end: str, out: str) -> float:
    """Time the thematic export of the period, in this process (app import excluded).

    The hub's copy, with small numbers in full: the one with the row-by-row register,
    which is what grows with the debriefs (a partner copy has no register since issue 19,
    and takes standard periods only, so `debrief export themes` cannot make this one).
    Made as a hub reviewer would from the export page, through the same function.
    """
    os.environ["DEBRIEF_DATABASE_URL"] = url
    from datetime import date

    from sqlalchemy import select

    from debrief import periods
    from debrief.app import create_app
    from debrief.audit import Actor
    from debrief.exports import workbook as export
    from debrief.exports.selection import ExportOptions
    from debrief.extensions import db_session
    from debrief.models import User

    app = create_app()  # made before the clock starts, as a server's would be
    with app.app_context():
        session = db_session()
        hub = session.scalars(select(User).where(User.username == HUB_ACCOUNT)).one()
        options = ExportOptions(
            period=periods.custom(date.fromisoformat(start), date.fromisoformat(end)),
            shared_with="Benchmark run (not shared)",
            unsuppressed=True,
        )
        began = time.perf_counter()
        export.export_themes(
            session,
            Actor(hub),
            options,
            export.ExportSettings.from_config(app.config),
            Path(out),
            via="bench",
        )
        session.commit()
        return time.perf_counter() - began


HUB_ACCOUNT = "bench-hub-01"  # made by bench/generate.py


def run_floor(workbook: str, out: str) -> tuple[float, int]:
    """Time openpyxl write-only writing the same cells as the export produced."""
    from openpyxl import Workbook, load_workbook

    source = load_workbook(workbook, read_only=True)
    sheets = [(ws.title, list(ws.iter_rows(values_only=True))) for ws in source.worksheets]
    source.close()
    cells = sum(len(row) for _, rows in sheets for row in rows)
    began = time.perf_counter()
    target = Workbook(write_only=True)
    for title, rows in sheets:
        ws = target.create_sheet(title)
        for row in rows:
            ws.append(row)
    target.save(out)
    return time.perf_counter() - began, cells


def peak_rss_mb() -> float:
    """Return the peak resident memory of this process plus its workbook writer, in MB.

    This process's own peak is its VmHWM: on Linux a child's ru_maxrss starts
    from its parent's peak at fork, so getrusage would count a big parent twice.
    The export's writer child (debrief/exports/writer.py) is added from RUSAGE_CHILDREN,
    which for the same reason is at least, and may be more than, its own peak:
    the sum is an upper bound on the two processes' memory at any moment.
    """
    own = float("nan")
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            own = int(line.split()[1]) / 1024
    return own + resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def main() -> None:
    """Command line for the two kinds of job."""
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=["export", "floor"])
    parser.add_argument("--url")
    parser.add_argument("--from", dest="start")
    parser.add_argument("--to", dest="end")
    parser.add_argument("--workbook")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    if args.kind == "export":
        seconds = run_export(args.url, args.start, args.end, args.out)
        print(json.dumps({"seconds": seconds, "peak_mb": peak_rss_mb()}))
    else:
        seconds, cells = run_floor(args.workbook, args.out)
        print(json.dumps({"seconds": seconds, "cells": cells}))


if __name__ == "__main__":
    main()
