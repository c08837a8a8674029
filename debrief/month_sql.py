"""Counting stored times by UK local month inside the database, alike on SQLite and PostgreSQL.

Each month's bounds are worked out here in Python (timeutil.from_local, as local_month
does), and one CASE gives each row the index of its month: so the database counts and
returns one row a month, and an event at 00:30 BST on 1 July still counts in July.
Flask-free.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, case, func
from sqlalchemy.orm import Session

from .timeutil import from_local


def _next_month(day: date) -> date:
    index = day.year * 12 + day.month
    return date(index // 12, index % 12 + 1, 1)


def bounds(months: Iterable[date]) -> list[tuple[datetime, datetime]]:
    """Return each month's [start, stop) in naive UTC: local midnight on the 1st to the next."""
    return [
        (
            from_local(datetime.combine(month, datetime.min.time())),
            from_local(datetime.combine(_next_month(month), datetime.min.time())),
        )
        for month in months
    ]


def month_index(column, months: Sequence[date]) -> ColumnElement:
    """Return an expression giving the position in `months` of the UK local month of a
    stored time (NULL outside them): group by it to count by month in SQL."""
    return case(
        *[
            (and_(column >= start, column < stop), index)
            for index, (start, stop) in enumerate(bounds(months))
        ],
        else_=None,
    )


def days_between(session: Session, earlier, later) -> ColumnElement:
    """Return the days from one stored time to another, for ordering in SQL."""
    if session.get_bind().dialect.name == "sqlite":
        return func.julianday(later) - func.julianday(earlier)
    return func.extract("epoch", later - earlier) / 86400
