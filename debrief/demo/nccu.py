"""Demo step: write an NCCU referral list and an events extract matching the demo data.

Runs after the demo events and debriefs exist (keep it last in DEMO_DATA_STEPS).
The files go into the instance folder, never into the database: a newcomer
imports them through the page or `debrief import`, and sees the preview, the
rejected rows, and then the reconciliation lists. The same database gives the
same files, so running the demo twice writes them the same way.
"""

from __future__ import annotations

import csv
import hashlib
import os
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from ..compliance.reconcile import load_events
from ..timeutil import to_local, utcnow
from .site import DemoSite

NCCU_FILE = "demo-nccu-referrals.csv"
EVENTS_FILE = "demo-command-and-control-events.csv"


def _score(text: str) -> int:
    """Return a number from 0 to 99 fixed by the text, so choices repeat run to run."""
    return int(hashlib.sha256(text.encode()).hexdigest(), 16) % 100


def _local_text(value: datetime) -> str:
    return f"{to_local(value):%d/%m/%Y %H:%M}"


def nccu_rows(events, districts: list[str], now: datetime) -> list[list[str]]:
    """Return the demo NCCU list: mostly agreeing, some outstanding, some disagreeing."""
    rows = []
    unreferenced = []
    seen: set[str] = set()
    for event in sorted(events.values(), key=lambda e: (e.reported_at, e.id)):
        reference = event.nccu_reference or next(iter(sorted(event.references)), None)
        if not reference:
            unreferenced.append(event)
            continue
        if reference in seen:
            continue  # the NCCU lists each referral once
        seen.add(reference)
        said = event.debrief.intel_doc_submitted if event.debrief else None
        score = _score(reference)
        # The NCCU mostly agrees with the debrief; sometimes it has lost a document.
        received = score >= 12 if said else (score >= 70 if said is False else score >= 50)
        referred = event.reported_at + timedelta(minutes=10 + score % 40)
        rows.append(
            [
                reference,
                _local_text(referred),
                event.incident_ref if score % 3 == 0 else "",
                event.district,
                "Yes" if received else "No",
                _local_text(referred + timedelta(hours=2 + score % 20)) if received else "",
            ]
        )
    # Referrals for events typed without an NCCU reference: a reviewer is offered the match.
    for event in unreferenced[:3]:
        code = (
            9_000_000_000
            + int(hashlib.sha256(event.incident_ref.encode()).hexdigest(), 16) % 999_999_999
        )
        rows.append(
            [
                f"NCCU-{code}",
                _local_text(event.reported_at + timedelta(minutes=25)),
                "",
                event.district,
                "No",
                "",
            ]
        )
    # Referrals the force has no record of at all.
    for days, district in ((40, districts[0]), (75, districts[-1]), (120, districts[0])):
        when = (now - timedelta(days=days)).replace(hour=3, minute=20, second=0)
        rows.append([f"NCCU-{when:%Y%m%d}77", _local_text(when), "", district, "No", ""])
    # Rows the import rejects, so the preview has something to explain.
    rows.append([f"NCCU-{now:%Y%m%d}91", "31/02/2025 10:00", "", districts[0], "No", ""])
    rows.append(
        [f"NCCU-{now:%Y%m%d}92", _local_text(now - timedelta(days=3)), "", "Atlantis", "No", ""]
    )
    rows.append(["NCCU-12", _local_text(now - timedelta(days=4)), "", districts[0], "No", ""])
    return rows


def event_rows(districts: list[str], now: datetime) -> list[list[str]]:
    """Return a demo command-and-control extract: recent events no sergeant has debriefed."""
    kinds = [("lorry_park", "HGV or lorry concealment"), ("coast", "Small boat or coastal landing")]
    rows = []
    for number in range(1, 7):
        when = (now - timedelta(days=3 * number + 6)).replace(minute=5 * number, second=0)
        location, event_type = kinds[number % 2]
        local = to_local(when)
        rows.append(
            [
                f"INC-{local:%Y%m%d}-{9000 + number}",
                _local_text(when),
                districts[number % len(districts)],
                location,
                event_type,
                str(2 + number),
                "0",
                str(number % 2),
                "0",
                "0",
                "",
            ]
        )
    rows.append(
        [
            f"INC-{now:%Y%m%d}-9999",
            "yesterday",
            districts[0],
            "road",
            "Other",
            "1",
            "0",
            "0",
            "0",
            "0",
            "",
        ]
    )
    return rows


def write_demo_lists(site: DemoSite, echo: Callable[[str], None]) -> tuple[Path, Path]:
    """Write both demo lists into the instance folder and say where they are."""
    config = site.config
    folder = site.instance_folder
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    now = utcnow()
    events = load_events(site.session)
    site.session.rollback()
    nccu_path = folder / NCCU_FILE
    nccu_headings = list(config["NCCU_IMPORT_COLUMNS"].values())
    _write(nccu_path, nccu_headings, nccu_rows(events, config["DISTRICTS"], now))
    events_path = folder / EVENTS_FILE
    event_headings = list(config["EVENTS_IMPORT_COLUMNS"].values())
    _write(events_path, event_headings, event_rows(config["DISTRICTS"], now))
    echo(f"Demo NCCU referral list: {nccu_path}")
    echo(f"Demo command-and-control events: {events_path}")
    echo(
        "  Import them as the hub reviewer under Compliance > Import lists, or with "
        f"`debrief import nccu {nccu_path}`."
    )
    return nccu_path, events_path


def _write(path: Path, headings: list[str], rows: list[list[str]]) -> None:
    """Write a list owner-only: it holds (made-up) references, kept like real ones."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # a file written by an earlier version may be readable by all
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(headings)
        writer.writerows(rows)
