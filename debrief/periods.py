"""Reporting periods: calendar month, quarter, financial year (April to March), custom range.

A period is a span of UK local dates, both ends included. `utc_bounds` turns it
into the half-open naive-UTC range the database stores, so an event reported at
00:30 on 1 July British Summer Time counts in July.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from govuk_bank_holidays.bank_holidays import BankHolidays
from sqlalchemy import ColumnElement, and_, case, func
from sqlalchemy.orm import Session

from .timeutil import from_local, local_today, to_local
from .workflow import AWAITING_HUB, State

MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
# Longest custom range accepted: long enough for several financial years side by side.
MAX_DAYS = 366 * 5


class PeriodError(ValueError):
    """The period asked for does not make sense; the message says why, for people."""


@dataclass(frozen=True)
class Period:
    """A span of local dates with a file-name label (2025-Q3) and words for people."""

    start: date
    end: date  # included
    label: str
    description: str
    # "month", "quarter" or "financial_year" for the standard periods partners are given;
    # "custom" for any other range (the hub's own copies only, issue 19).
    kind: str = "custom"

    @property
    def standard(self) -> bool:
        """Tell whether this is a calendar month, a quarter or a financial year."""
        return self.kind != "custom"

    def utc_bounds(self) -> tuple[datetime, datetime]:
        """Return [start, end) in naive UTC: local midnight to the midnight after `end`."""
        start = from_local(datetime.combine(self.start, datetime.min.time()))
        stop = from_local(datetime.combine(self.end + timedelta(days=1), datetime.min.time()))
        return start, stop

    def months(self) -> list[date]:
        """Return the first day of every calendar month the period touches, in order."""
        found = []
        current = self.start.replace(day=1)
        while current <= self.end:
            found.append(current)
            current = _add_months(current, 1)
        return found


def _add_months(day: date, count: int) -> date:
    index = day.year * 12 + day.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def _month_end(first: date) -> date:
    return _add_months(first, 1) - timedelta(days=1)


def month(year: int, number: int) -> Period:
    """Return one calendar month."""
    if not 1 <= number <= 12:
        raise PeriodError("Enter a month from 1 to 12.")
    first = _first_day(year, number)
    return Period(
        first,
        _month_end(first),
        f"{year}-{number:02d}",
        f"{MONTH_NAMES[number - 1]} {year}",
        "month",
    )


def quarter(year: int, number: int) -> Period:
    """Return a calendar quarter: Q1 January to March ... Q4 October to December."""
    if not 1 <= number <= 4:
        raise PeriodError("Choose a quarter from 1 to 4.")
    first = _first_day(year, 3 * number - 2)
    last = _month_end(_add_months(first, 2))
    words = f"{MONTH_NAMES[first.month - 1]} to {MONTH_NAMES[last.month - 1]} {year}"
    return Period(first, last, f"{year}-Q{number}", f"{words} (quarter {number})", "quarter")


def financial_year(start_year: int) -> Period:
    """Return the financial year from 1 April `start_year` to 31 March the year after."""
    first = _first_day(start_year, 4)
    end_short = f"{(start_year + 1) % 100:02d}"
    return Period(
        first,
        date(start_year + 1, 3, 31),
        f"FY{start_year}-{end_short}",
        f"Financial year {start_year} to {start_year + 1} (April to March)",
        "financial_year",
    )


def custom(start: date, end: date) -> Period:
    """Return any range of whole days; a range that is exactly a month, quarter or year says so."""
    if end < start:
        raise PeriodError("The end date must be the same as or after the start date.")
    if (end - start).days > MAX_DAYS:
        raise PeriodError("Choose a period of 5 years or less.")
    named = _named(start, end)
    if named is not None:
        return named
    return Period(
        start,
        end,
        f"{start.isoformat()}-to-{end.isoformat()}",
        f"{_words(start)} to {_words(end)}",
    )


def standard(label: str) -> Period:
    """Return the standard period a label names: 2025-07, 2025-Q3 or FY2025-26."""
    text = label.strip()
    try:
        if text.upper().startswith("FY"):
            first, _, last = text[2:].partition("-")
            found = financial_year(int(first))
            if last and found.label != f"FY{text[2:]}":
                raise PeriodError("")
            return found
        year, _, rest = text.partition("-")
        if rest.upper().startswith("Q"):
            return quarter(int(year), int(rest[1:]))
        return month(int(year), int(rest))
    except (PeriodError, ValueError):
        raise PeriodError(
            f"{label!r} is not a month, quarter or financial year: use a label like "
            "2025-07, 2025-Q3 or FY2025-26."
        ) from None


def _named(start: date, end: date) -> Period | None:
    if start.day != 1 or end != _month_end(end.replace(day=1)):
        return None
    span = (end.year - start.year) * 12 + end.month - start.month + 1
    if span == 1:
        return month(start.year, start.month)
    if span == 3 and start.month in (1, 4, 7, 10):
        return quarter(start.year, (start.month - 1) // 3 + 1)
    if span == 12 and start.month == 4:
        return financial_year(start.year)
    return None


def last_quarter(today: date | None = None) -> Period:
    """Return the most recent calendar quarter that has ended."""
    today = today or local_today()
    this_quarter_start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    previous = _add_months(this_quarter_start, -3)
    return quarter(previous.year, (previous.month - 1) // 3 + 1)


def current_financial_year_start(today: date | None = None) -> int:
    """Return the year in which the current financial year began."""
    today = today or local_today()
    return today.year if today.month >= 4 else today.year - 1


def _words(day: date) -> str:
    return f"{day.day} {MONTH_NAMES[day.month - 1]} {day.year}"


def _first_day(year: int, month_number: int) -> date:
    if not 2000 <= year <= 2100:
        raise PeriodError("Enter a year from 2000 to 2100.")
    return date(year, month_number, 1)


# --- working days ----------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _holidays(division: str) -> tuple[date, ...]:
    """Return the division's bank holidays that fall on weekdays, sorted (shipped offline)."""
    data = BankHolidays(use_cached_holidays=True).get_holidays(division=division)
    return tuple(sorted(h["date"] for h in data if h["date"].weekday() < 5))


def working_days_between(start: date, end: date, division: str) -> int:
    """Return the working days after `start` up to and including `end` (0 if end <= start)."""
    if end <= start:
        return 0
    days = (end - start).days
    weeks, extra = divmod(days, 7)
    weekdays = weeks * 5
    for offset in range(1, extra + 1):
        if (start + timedelta(days=offset)).weekday() < 5:
            weekdays += 1
    holidays = _holidays(division)
    in_range = bisect.bisect_right(holidays, end) - bisect.bisect_right(holidays, start)
    return weekdays - in_range


def is_working_day(day: date, division: str) -> bool:
    """Tell whether a day is a working day: a weekday that is not a bank holiday."""
    return day.weekday() < 5 and day not in _holidays(division)


def working_days_after(start: date, days: int, division: str) -> date:
    """Return the day `days` working days after `start` (working_days_between gives back
    `days` from `start` to it)."""
    day = start
    while days > 0:
        day += timedelta(days=1)
        if is_working_day(day, division):
            days -= 1
    return day


@dataclass(frozen=True)
class ReviewTarget:
    """The hub's review target: the one rule for a debrief's age in working days since it
    was submitted (weekends and the division's bank holidays not counted) and whether it is
    overdue (still waiting for the hub past the target). Queue, review page and dashboard
    all ask this."""

    working_days: int
    division: str

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ReviewTarget:
        return cls(config["REVIEW_TARGET_WORKING_DAYS"], config["BANK_HOLIDAY_DIVISION"])

    def age(self, submitted_at: datetime | None, today: date) -> int | None:
        """Working days from submission to `today`; None if never submitted."""
        if submitted_at is None:
            return None
        return working_days_between(to_local(submitted_at).date(), today, self.division)

    def is_overdue(self, state: State, age: int | None) -> bool:
        return age is not None and age > self.working_days and state in AWAITING_HUB

    def overdue_before(self, today: date) -> datetime:
        """Return the naive-UTC time before which a submission still waiting for the hub is
        overdue on `today` (what `is_overdue` says, as one bound a query can use)."""
        day = today
        while working_days_between(day, today, self.division) <= self.working_days:
            day -= timedelta(days=1)
        return from_local(datetime.combine(day + timedelta(days=1), datetime.min.time()))


# Counting stored times by UK local month inside the database, alike on SQLite and
# PostgreSQL: each month's bounds are worked out here in Python (from_local, as
# timeutil.local_month does), and one CASE gives each row the index of its month, so the
# database counts and returns one row a month; an event at 00:30 BST on 1 July still counts
# in July.


def month_bounds(months: Iterable[date]) -> list[tuple[datetime, datetime]]:
    """Return each month's [start, stop) in naive UTC: local midnight on the 1st to the next."""
    return [
        (
            from_local(datetime.combine(month, datetime.min.time())),
            from_local(datetime.combine(_add_months(month, 1), datetime.min.time())),
        )
        for month in months
    ]


def month_index(column, months: Sequence[date]) -> ColumnElement:
    """Return an expression giving the position in `months` of the UK local month of a
    stored time (NULL outside them): group by it to count by month in SQL.

    For consecutive months it halves the range at each step (CASE within CASE), so a
    row costs about log2(months) comparisons, not up to two a month: over three years
    6 rather than up to 72, for each of the 100,000 events a dashboard groups.
    """
    bounds = month_bounds(months)
    if all(bounds[i][1] == bounds[i + 1][0] for i in range(len(bounds) - 1)) and bounds:
        return _halving(column, bounds, 0, len(bounds))
    return case(
        *[
            (and_(column >= start, column < stop), index)
            for index, (start, stop) in enumerate(bounds)
        ],
        else_=None,
    )


def _halving(column, bounds: list[tuple[datetime, datetime]], low: int, high: int) -> ColumnElement:
    if high - low == 1:
        start, stop = bounds[low]
        return case((and_(column >= start, column < stop), low), else_=None)
    middle = (low + high) // 2
    return case(
        (column < bounds[middle][0], _halving(column, bounds, low, middle)),
        else_=_halving(column, bounds, middle, high),
    )


def days_between(session: Session, earlier, later) -> ColumnElement:
    """Return the days from one stored time to another, for ordering in SQL."""
    if session.get_bind().dialect.name == "sqlite":
        return func.julianday(later) - func.julianday(earlier)
    return func.extract("epoch", later - earlier) / 86400
