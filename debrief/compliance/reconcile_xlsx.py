"""The four reconciliation lists as spreadsheets (Flask-free), written with debrief/xlsx.py.

These copies name force and NCCU references: they are for the hub and the
NCCU, never for partners. Each sheet is marked and says when it was made.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

from .. import xlsx
from ..models import ImportBatch
from ..timeutil import format_local, to_local, utcnow
from ..workflow import STATE_LABELS
from .chasing import Filters
from .reconcile import EventInfo, Match

MATCHED_BY = {
    "nccu_reference": "NCCU reference",
    "force_reference": "Force reference",
    "confirmed": "Confirmed by a reviewer",
}


def _local(value: datetime | None) -> datetime | None:
    local = to_local(value)
    return local.replace(tzinfo=None) if local else None


def _days_since(value: datetime, now: datetime) -> int:
    return max(0, (now - value).days)


def _state(match_or_event, now: datetime | None = None) -> str:
    debrief = match_or_event.debrief
    return STATE_LABELS[debrief.state] if debrief else "No debrief"


def missing_text(match: Match) -> str:
    """Say what is missing for a referral: the event, the debrief, or its submission."""
    if match.event is None:
        return "No event found"
    if match.debrief is None:
        return "Event recorded, no debrief"
    return "Debrief not yet submitted"


@dataclass(frozen=True)
class ListSpec:
    """One reconciliation list: its title, what it means, and its spreadsheet columns."""

    slug: str
    title: str
    description: str
    columns: list[tuple[xlsx.Column, Callable[[Any, datetime], Any]]]


W = xlsx.Column
LISTS: dict[str, ListSpec] = {
    "outstanding": ListSpec(
        "outstanding",
        "Outstanding intelligence documents",
        "NCCU referrals for which the NCCU has no intelligence document, oldest first, "
        "with the debrief's own answer, its sergeant and their supervisor, and where the "
        "chase stands.",
        [
            (W("NCCU reference", 18), lambda m, now: m.referral.nccu_reference),
            (
                W("Referred", 17, xlsx.DATETIME_FORMAT),
                lambda m, now: _local(m.referral.referred_at),
            ),
            (
                W("Days outstanding", 10, xlsx.INTEGER_FORMAT),
                lambda m, now: _days_since(m.referral.referred_at, now),
            ),
            (W("District", 12), lambda m, now: m.district),
            (
                W("Force reference", 20),
                lambda m, now: (
                    m.event.incident_ref if m.event else (m.referral.force_reference or "")
                ),
            ),
            (W("Matched by", 18), lambda m, now: MATCHED_BY.get(m.how or "", "Not matched")),
            (W("Sergeant", 20), lambda m, now: m.sergeant),
            (W("Supervisor", 20), lambda m, now: m.supervisor),
            (W("Chase", 30, wrap=True), lambda m, now: m.chase.label if m.chase else ""),
            (
                W("Force says submitted at", 17, xlsx.DATETIME_FORMAT),
                lambda m, now: _local(m.chase.submitted_at) if m.chase else None,
            ),
            (W("Debrief", 18), _state),
            (W("Debrief says document submitted", 20), lambda m, now: m.debrief_answer),
        ],
    ),
    "disagreements": ListSpec(
        "disagreements",
        "Debriefs and the NCCU disagree",
        "Debriefs that say the intelligence document was submitted, where the NCCU list "
        "says it was not received.",
        [
            (W("NCCU reference", 18), lambda m, now: m.referral.nccu_reference),
            (
                W("Referred", 17, xlsx.DATETIME_FORMAT),
                lambda m, now: _local(m.referral.referred_at),
            ),
            (W("Force reference", 20), lambda m, now: m.event.incident_ref),
            (W("Debrief number", 10, xlsx.INTEGER_FORMAT), lambda m, now: m.debrief.id),
            (W("Debrief", 18), _state),
            (
                W("Debrief says submitted at", 20, xlsx.DATETIME_FORMAT),
                lambda m, now: _local(m.debrief.intel_doc_submitted_at),
            ),
            (W("NCCU says", 14), lambda m, now: "Not received"),
        ],
    ),
    "unmatched": ListSpec(
        "unmatched",
        "NCCU referrals with no event or debrief",
        "Referrals on the NCCU list with no matching event, or whose event has no submitted "
        "debrief.",
        [
            (W("NCCU reference", 18), lambda m, now: m.referral.nccu_reference),
            (
                W("Referred", 17, xlsx.DATETIME_FORMAT),
                lambda m, now: _local(m.referral.referred_at),
            ),
            (W("Force reference on the list", 20), lambda m, now: m.referral.force_reference or ""),
            (W("District", 12), lambda m, now: m.referral.district or ""),
            (W("Document received", 10), lambda m, now: m.referral.intel_doc_received),
            (W("What is missing", 24), lambda m, now: missing_text(m)),
            (W("Event", 20), lambda m, now: m.event.incident_ref if m.event else ""),
            (
                W("Suggested events", 30, wrap=True),
                lambda m, now: "; ".join(e.incident_ref for e in m.suggestions),
            ),
        ],
    ),
    "undebriefed": ListSpec(
        "undebriefed",
        "Events with no debrief",
        "Events reported more than the set number of days ago with no submitted debrief, "
        "oldest first.",
        [
            (W("Force reference", 20), lambda e, now: e.incident_ref),
            (W("Reported", 17, xlsx.DATETIME_FORMAT), lambda e, now: _local(e.reported_at)),
            (
                W("Days since", 10, xlsx.INTEGER_FORMAT),
                lambda e, now: _days_since(e.reported_at, now),
            ),
            (W("District", 12), lambda e, now: e.district),
            (W("NCCU reference", 18), lambda e, now: e.nccu_reference or ""),
            (W("Debrief", 18), lambda e, now: "Draft started" if e.debrief else "Not started"),
        ],
    ),
}


def as_of_text(batch: ImportBatch) -> str:
    """Say which NCCU list the figures are as of."""
    return f"As of the NCCU list imported {format_local(batch.applied_at)} ({batch.filename})."


def answer_time(value: datetime | None) -> str:
    """Show the time a debrief says the document was submitted (naive UTC) in UK words."""
    return format_local(value) if value else ""


def write(
    slug: str,
    rows: list[Match] | list[EventInfo],
    target: IO[bytes],
    *,
    marking: str,
    force_name: str,
    as_of: ImportBatch | None = None,
    filters: Filters | None = None,
) -> int:
    """Write one list to an xlsx file object; return the number of rows written."""
    spec = LISTS[slug]
    now = utcnow()
    made = f"Made {format_local(now)}."
    if as_of is not None and slug != "undebriefed":
        made += f" {as_of_text(as_of)}"
    if filters is not None and filters.any:
        made += f" Filtered: {filters.text}."
    made += f" {marking}: for the hub and the NCCU, not for partners."
    heading_rows = [[f"{force_name}: {spec.title}"], [spec.description], [made]]
    workbook = xlsx.new_workbook(write_only=True)
    sheet = xlsx.TableSheet(
        workbook,
        spec.title,
        [column for column, _ in spec.columns],
        marking=marking,
        table=slug,
        heading_rows=heading_rows,
    )
    for row in rows:
        sheet.append([value(row, now) for _, value in spec.columns])
    sheet.finish()
    xlsx.save(workbook, target)
    return sheet.rows_written
