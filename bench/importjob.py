"""Time importing an NCCU referral list of N rows: preview, then apply, through the same
functions as the page and `debrief import nccu`; the floor is reading the same file and
inserting the same rows with one plain bulk insert. Reports the longest hold of SQLite's
write lock and the process's peak memory by the end of the import (the floor, run after
it in the same process, holds its own 50,000 rows). Prints one JSON line.

    python -m bench.importjob --rows 50000 --url sqlite:////tmp/import.db
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import resource
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path


def nccu_list(rows: int, districts: list[str]) -> bytes:
    """An NCCU list of `rows` referrals: some received, some dated, across the districts."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "NCCU reference",
            "Referral date and time",
            "Force reference",
            "District",
            "Intelligence document received",
            "Intelligence document received date",
        ]
    )
    start = datetime(2024, 1, 1, 8, 0)
    for n in range(rows):
        when = start + timedelta(minutes=17 * n)
        received = n % 5 != 0
        writer.writerow(
            [
                f"NCCU-{when:%Y%m%d}{n % 100:02d}",
                f"{when:%d/%m/%Y %H:%M}",
                f"INC-{when:%Y%m%d}-{n % 10000:04d}",
                districts[n % len(districts)],
                "Yes" if received else "No",
                f"{when + timedelta(days=1):%d/%m/%Y}" if received else "",
            ]
        )
    return out.getvalue().encode()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--url", required=True)
    args = parser.parse_args()

    from sqlalchemy import insert

    from bench.generate import fresh_database
    from debrief.app import create_app
    from debrief.audit import Actor
    from debrief.compliance import imports
    from debrief.compliance.files import read_table
    from debrief.db import reads_first, watch_write_locks
    from debrief.extensions import db_session
    from debrief.models import NccuReferral

    fresh_database(args.url).dispose()
    folder = Path(tempfile.mkdtemp(prefix="bench-import-"))
    app = create_app(
        {"DATABASE_URL": args.url, "INSTANCE_PATH": folder, "IMPORT_MAX_ROWS": args.rows},
        check_schema=False,
    )
    config = app.config
    data = nccu_list(args.rows, config["DISTRICTS"])
    result: dict = {"rows": args.rows, "bytes": len(data)}
    # As in a request to the import pages: reads begin without the write lock.
    with app.app_context(), reads_first(), watch_write_locks() as held:
        session = db_session()
        actor = Actor(username="bench")
        began = time.perf_counter()
        preview = imports.preview_file(session, imports.NCCU, "list.csv", data, config)
        batch = imports.stage(session, preview, data, actor)
        session.commit()
        result["preview_s"] = round(time.perf_counter() - began, 2)
        began = time.perf_counter()
        imports.confirm(session, batch, config, actor)
        session.commit()
        result["apply_s"] = round(time.perf_counter() - began, 2)
        result["added"] = batch.summary["add"]
        result["longest_write_lock_s"] = round(max(held), 3) if held else None
        # The import's peak, before the floor below adds its own rows to the process's.
        result["peak_mb"] = _peak_mb()
        # The floor: read the same file, insert the same rows with one bulk insert.
        session.execute(NccuReferral.__table__.delete())
        session.commit()
        began = time.perf_counter()
        table = read_table("list.csv", data, max_bytes=len(data), max_rows=args.rows)
        rows = [
            {
                "nccu_reference": cells[0],
                "referred_at": datetime.strptime(cells[1], "%d/%m/%Y %H:%M"),
                "force_reference": cells[2],
                "district": cells[3],
                "intel_doc_received": cells[4] == "Yes",
            }
            for _, cells in table.rows
        ]
        session.execute(insert(NccuReferral), rows)
        session.commit()
        result["floor_s"] = round(time.perf_counter() - began, 2)
    result["ratio"] = round((result["preview_s"] + result["apply_s"]) / result["floor_s"], 2)
    result["peak_mb_with_floor"] = _peak_mb()
    print(json.dumps(result))


def _peak_mb() -> int:
    """Return the process's peak resident memory so far, in MB."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


if __name__ == "__main__":
    main()
