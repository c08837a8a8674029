"""The compliance dashboard's figures for a chosen period (Flask-free).

Aggregates only: counts and rates, never a debrief, a person or a reference,
so partnership leads may see every figure. Each figure costs one query whatever
the number of rows; grouping by UK local month is done here, not in SQL, so
SQLite and PostgreSQL agree and an event at 00:30 BST on 1 July counts in July.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import recommendation2
from ..models import Debrief, DebriefTheme, Event, FollowUpAction
from ..periods import Period, ReviewTarget, custom
from ..recommendation2 import Rate, Tally
from ..timeutil import local_month
from ..workflow import AWAITING_HUB, QUEUE_STATES, State
from .chasing import ReceiptDays, ReceiptFigures, receipt_days

TOP_THEMES_CHARTED = 4


@dataclass(frozen=True)
class MonthRow:
    """One month's figures."""

    month: date
    coverage: Rate  # events with a submitted debrief
    rec2: Tally  # Recommendation 2, counted by recommendation2.py
    # Median days from referral to the NCCU's confirmed receipt (chasing.receipt_days).
    receipt: ReceiptDays | None = None

    @property
    def intel_debriefs(self) -> Rate:
        """Return the debriefs' Recommendation 2 rate."""
        return self.rec2.rate

    @property
    def intel_nccu(self) -> Rate:
        """Return the NCCU-confirmed rate."""
        return self.rec2.nccu_rate

    @property
    def label(self) -> str:
        """Return the month as shown: Jun 2025."""
        return f"{self.month:%b %Y}"


@dataclass(frozen=True)
class ThemeTrend:
    """How often one theme was confirmed on debriefs of events in each month."""

    theme_id: str
    label: str
    by_month: list[int]

    @property
    def total(self) -> int:
        """Return the count over the whole period."""
        return sum(self.by_month)


@dataclass(frozen=True)
class QueueHealth:
    """The hub's queue now, and how quickly debriefs closed in the period."""

    open: int
    awaiting_hub: int
    overdue: int
    closed_in_period: int
    median_days_to_close: float | None


@dataclass
class Dashboard:
    """Every figure on the dashboard for one period."""

    period: Period
    months: list[MonthRow]
    coverage: Rate
    rec2: recommendation2.Figures
    queue: QueueHealth
    themes: list[ThemeTrend]
    actions_open: int
    actions_overdue: int
    actions_by_owner: list[tuple[str, int, int]] = field(default_factory=list)
    receipt: ReceiptFigures | None = None

    @property
    def intel_debriefs(self) -> Rate:
        """Return the period's Recommendation 2 rate from the debriefs."""
        return self.rec2.total.rate

    @property
    def intel_nccu(self) -> Rate:
        """Return the period's NCCU-confirmed rate."""
        return self.rec2.total.nccu_rate

    @property
    def outstanding_nccu(self) -> int:
        """Return the referrals on the NCCU's list not marked received."""
        return self.rec2.total.nccu_outstanding

    @property
    def not_submitted_debriefs(self) -> int:
        """Return the debriefs of referrals saying the document was not submitted."""
        return self.rec2.total.not_done

    @property
    def charted_themes(self) -> list[ThemeTrend]:
        """Return the most frequent themes, few enough to tell apart on one chart."""
        return [t for t in self.themes if t.total][:TOP_THEMES_CHARTED]




def build(
    session: Session,
    period: Period,
    *,
    theme_labels: dict[str, str],
    target: ReviewTarget,
    today: date,
) -> Dashboard:
    """Work out every figure for the period from the database."""
    start, stop = period.utc_bounds()
    months = period.months()
    events = _events(session, start, stop)
    rec2 = recommendation2.figures(session, start, stop, months)
    receipt = receipt_days(session, start, stop, months)
    rows = []
    for (month, tally), days in zip(rec2.months, receipt.months, strict=True):
        month_events = events.get(month, [])
        rows.append(MonthRow(month, Rate(sum(month_events), len(month_events)), tally, days))
    everything = [e for month in months for e in events.get(month, [])]
    actions_open, actions_overdue, by_owner = _actions(session, today)
    return Dashboard(
        period=period,
        months=rows,
        coverage=Rate(sum(everything), len(everything)),
        rec2=rec2,
        queue=_queue(session, start, stop, target, today),
        themes=_themes(session, start, stop, months, theme_labels),
        actions_open=actions_open,
        actions_overdue=actions_overdue,
        actions_by_owner=by_owner,
        receipt=receipt,
    )


def _events(session: Session, start: datetime, stop: datetime) -> dict[date, list[bool]]:
    """Return, per month, whether each event has a submitted debrief."""
    debriefed = (
        select(Debrief.id)
        .where(Debrief.event_id == Event.id, Debrief.state != State.DRAFT)
        .exists()
    )
    query = select(Event.reported_at, debriefed).where(
        Event.reported_at >= start, Event.reported_at < stop
    )
    found: dict[date, list[bool]] = defaultdict(list)
    for reported_at, has_debrief in session.execute(query):
        found[local_month(reported_at)].append(bool(has_debrief))
    return found


def _queue(session, start, stop, target: ReviewTarget, today: date) -> QueueHealth:
    open_rows = session.execute(
        select(Debrief.state, Debrief.submitted_at).where(Debrief.state.in_(QUEUE_STATES))
    ).all()
    overdue = sum(
        1
        for state, submitted_at in open_rows
        if target.is_overdue(state, target.age(submitted_at, today))
    )
    closed = session.execute(
        select(Debrief.first_submitted_at, Debrief.closed_at).where(
            Debrief.state == State.CLOSED, Debrief.closed_at >= start, Debrief.closed_at < stop
        )
    ).all()
    days = [
        (closed_at - submitted).total_seconds() / 86400
        for submitted, closed_at in closed
        if submitted is not None
    ]
    return QueueHealth(
        open=len(open_rows),
        awaiting_hub=sum(1 for state, _ in open_rows if state in AWAITING_HUB),
        overdue=overdue,
        closed_in_period=len(closed),
        median_days_to_close=round(statistics.median(days), 1) if days else None,
    )


def _themes(session, start, stop, months: list[date], labels: dict[str, str]) -> list[ThemeTrend]:
    """Count themes the hub confirmed, by the month of the event debriefed."""
    query = (
        select(DebriefTheme.theme_id, Event.reported_at)
        .join(Debrief, Debrief.id == DebriefTheme.debrief_id)
        .join(Event, Event.id == Debrief.event_id)
        .where(
            DebriefTheme.confirmed.is_(True),
            Debrief.state != State.DRAFT,
            Event.reported_at >= start,
            Event.reported_at < stop,
        )
    )
    counts: Counter[tuple[str, date]] = Counter()
    for theme_id, reported_at in session.execute(query):
        counts[(theme_id, local_month(reported_at))] += 1
    theme_ids = list(labels) + sorted({t for t, _ in counts} - set(labels))
    trends = [ThemeTrend(t, labels.get(t, t), [counts[(t, m)] for m in months]) for t in theme_ids]
    return sorted(trends, key=lambda t: -t.total)


def _actions(session: Session, today: date) -> tuple[int, int, list[tuple[str, int, int]]]:
    """Return open follow-up actions now: how many, how many overdue, and by owner."""
    query = (
        select(FollowUpAction.owner, FollowUpAction.due_date)
        .join(Debrief, Debrief.id == FollowUpAction.debrief_id)
        .where(FollowUpAction.status == "open", Debrief.state != State.DRAFT)
    )
    by_owner: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for owner, due in session.execute(query):
        by_owner[owner][0] += 1
        if due is not None and due < today:
            by_owner[owner][1] += 1
    rows = sorted(((o, n, late) for o, (n, late) in by_owner.items()), key=lambda r: (-r[1], r[0]))
    return sum(r[1] for r in rows), sum(r[2] for r in rows), rows


def default_period(today: date) -> Period:
    """Return the twelve calendar months up to and including the current one."""
    index = today.year * 12 + today.month - 1
    first = date((index - 11) // 12, (index - 11) % 12 + 1, 1)
    following = date((index + 1) // 12, (index + 1) % 12 + 1, 1)
    return custom(first, following - timedelta(days=1))
