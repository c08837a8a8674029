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

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import Debrief, DebriefTheme, Event, FollowUpAction, NccuReferral
from ..periods import Period, ReviewTarget, custom
from ..timeutil import to_local
from ..workflow import AWAITING_HUB, QUEUE_STATES, State

TOP_THEMES_CHARTED = 4


@dataclass(frozen=True)
class Rate:
    """A part of a whole, with the percentage where the whole is not zero."""

    part: int
    whole: int

    @property
    def percent(self) -> float | None:
        """Return the rate as a percentage to one decimal place, or None if nothing to count."""
        return round(100 * self.part / self.whole, 1) if self.whole else None

    @property
    def text(self) -> str:
        """Return the rate as people read it: 42.0% (21 of 50), or "no data"."""
        if not self.whole:
            return "No data"
        return f"{self.percent:g}% ({self.part:,} of {self.whole:,})"


@dataclass(frozen=True)
class MonthRow:
    """One month's figures."""

    month: date
    coverage: Rate  # events with a submitted debrief
    intel_debriefs: Rate  # debriefs saying the document was submitted, of those answering
    intel_nccu: Rate  # referrals the NCCU says it received the document for

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
    intel_debriefs: Rate
    intel_nccu: Rate
    outstanding_nccu: int
    not_submitted_debriefs: int
    queue: QueueHealth
    themes: list[ThemeTrend]
    actions_open: int
    actions_overdue: int
    actions_by_owner: list[tuple[str, int, int]] = field(default_factory=list)

    @property
    def charted_themes(self) -> list[ThemeTrend]:
        """Return the most frequent themes, few enough to tell apart on one chart."""
        return [t for t in self.themes if t.total][:TOP_THEMES_CHARTED]


def _month_of(value: datetime) -> date:
    return to_local(value).date().replace(day=1)


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
    referrals = _referrals(session, start, stop)
    rows = []
    for month in months:
        month_events = events.get(month, [])
        answered = [answer for _, answer in month_events if answer is not None]
        received = referrals.get(month, [])
        rows.append(
            MonthRow(
                month,
                Rate(sum(1 for has, _ in month_events if has), len(month_events)),
                Rate(sum(1 for a in answered if a), len(answered)),
                Rate(sum(1 for r in received if r), len(received)),
            )
        )
    everything = [e for month in months for e in events.get(month, [])]
    answers = [a for _, a in everything if a is not None]
    nccu = [r for month in months for r in referrals.get(month, [])]
    actions_open, actions_overdue, by_owner = _actions(session, today)
    return Dashboard(
        period=period,
        months=rows,
        coverage=Rate(sum(1 for has, _ in everything if has), len(everything)),
        intel_debriefs=Rate(sum(1 for a in answers if a), len(answers)),
        intel_nccu=Rate(sum(1 for r in nccu if r), len(nccu)),
        outstanding_nccu=sum(1 for r in nccu if not r),
        not_submitted_debriefs=sum(1 for a in answers if a is False),
        queue=_queue(session, start, stop, target, today),
        themes=_themes(session, start, stop, months, theme_labels),
        actions_open=actions_open,
        actions_overdue=actions_overdue,
        actions_by_owner=by_owner,
    )


def _events(session: Session, start: datetime, stop: datetime):
    """Return, per month, (has a submitted debrief, its intelligence answer) for each event."""
    latest = (
        select(Debrief.event_id, func.max(Debrief.id).label("debrief_id"))
        .where(Debrief.state != State.DRAFT)
        .group_by(Debrief.event_id)
        .subquery()
    )
    query = (
        select(Event.reported_at, latest.c.debrief_id, Debrief.intel_doc_submitted)
        .outerjoin(latest, latest.c.event_id == Event.id)
        .outerjoin(Debrief, Debrief.id == latest.c.debrief_id)
        .where(Event.reported_at >= start, Event.reported_at < stop)
    )
    found: dict[date, list[tuple[bool, bool | None]]] = defaultdict(list)
    for reported_at, debrief_id, answer in session.execute(query):
        found[_month_of(reported_at)].append((debrief_id is not None, answer))
    return found


def _referrals(session: Session, start: datetime, stop: datetime) -> dict[date, list[bool]]:
    query = select(NccuReferral.referred_at, NccuReferral.intel_doc_received).where(
        NccuReferral.referred_at >= start, NccuReferral.referred_at < stop
    )
    found: dict[date, list[bool]] = defaultdict(list)
    for referred_at, received in session.execute(query):
        found[_month_of(referred_at)].append(bool(received))
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
        counts[(theme_id, _month_of(reported_at))] += 1
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
