"""Times: stored as naive UTC everywhere; shown and typed as UK local time."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import overload
from zoneinfo import ZoneInfo

LOCAL_ZONE = ZoneInfo("Europe/London")


def utcnow() -> datetime:
    """Return the current time as naive UTC, the form every column stores."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


@overload
def to_local(value: datetime) -> datetime: ...
@overload
def to_local(value: None) -> None: ...
@overload
def to_local(value: datetime | None) -> datetime | None: ...


def to_local(value: datetime | None) -> datetime | None:
    """Turn a stored naive-UTC time into UK local time for display."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC).astimezone(LOCAL_ZONE)


def from_local(value: datetime) -> datetime:
    """Turn a UK local time typed by a person into naive UTC for storage."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=LOCAL_ZONE)
    return value.astimezone(UTC).replace(tzinfo=None)


def local_month(value: datetime) -> date:
    """Return the first day of the UK local month of a stored (naive UTC) time, so an event
    at 00:30 BST on 1 July counts in July on every page and sheet."""
    return to_local(value).date().replace(day=1)


def local_today() -> date:
    """Return today's date in the UK."""
    return datetime.now(LOCAL_ZONE).date()


def format_local(value: datetime | None, with_time: bool = True) -> str:
    """Format a stored time the way UK police paperwork reads: 14 June 2025 at 3:05am."""
    local = to_local(value)
    if local is None:
        return ""
    day = f"{local.day} {local:%B %Y}"
    if not with_time:
        return day
    hour = local.hour % 12 or 12
    return f"{day} at {hour}:{local:%M}{'am' if local.hour < 12 else 'pm'}"


SHORT_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun",
                "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")  # fmt: skip


def format_local_short(value: datetime | None) -> str:
    """Format a stored time as its UK date, short enough for a table: 5 Feb 2026.

    Months by table, not strftime: the queue writes a hundred of these a page.
    """
    local = to_local(value)
    return f"{local.day} {SHORT_MONTHS[local.month - 1]} {local.year}" if local else ""
