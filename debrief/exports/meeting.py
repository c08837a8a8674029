"""The meeting pack's comparisons: this period against the last disclosure or the period before.

Flask-free. The front page compares this period's figures with those shared with
the same recipients last time, exactly as they were shared (stored with each
partner export), and says which of those have changed since (late debriefs). With
no earlier disclosure it compares with the previous period of the same length.

Suppression holds across the two columns: a figure is compared only as shown, a
change is printed only where both sides are numbers, and a figure of the earlier
period that changed since by a small number is hidden, so no column can be
subtracted from another to recover a suppressed count.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import recommendation2
from ..models import Debrief, DebriefTheme, Disclosure, Event, FollowUpAction
from ..periods import Period, custom
from ..timeutil import to_local
from ..workflow import State
from .selection import (
    ExportOptions,
    debrief_progress,
    event_clauses,
    event_totals,
    recommendation2_of,
)
from .suppression import HIDDEN, is_small, show

Shown = int | float | str | None  # a number, a rate (0 to 1), "<3", "[c]", or nothing
TOP_CHANGES = 5
IN_REVIEW = (State.SUBMITTED, State.IN_REVIEW, State.RETURNED)

# The figures compared, in the order printed: key, words, kind ("count" or "rate").
MEASURES: tuple[tuple[str, str, str], ...] = (
    ("events", "OIC events", "count"),
    ("debriefed_events", "Events with a debrief submitted", "count"),
    ("coverage", "Debrief coverage", "rate"),
    ("debriefs_closed", "Debriefs closed by the safeguarding hub", "count"),
    ("rec2_whole", "Events with an NCCU referral and a submitted debrief", "count"),
    ("rec2_rate", "Recommendation 2 (debriefs)", "rate"),
    ("nccu_whole", "Referrals on the NCCU's list", "count"),
    ("nccu_rate", "NCCU-confirmed", "rate"),
    ("actions_opened", "Follow-up actions opened", "count"),
    ("actions_closed", "Follow-up actions closed", "count"),
)
LABELS = {key: words for key, words, _ in MEASURES}
RATES = {key for key, _, kind in MEASURES if kind == "rate"}


@dataclass
class PeriodFigures:
    """One period's figures for the front page, raw (before suppression)."""

    events: int = 0
    debriefed_events: int = 0
    debriefs_closed: int = 0
    rec2: recommendation2.Tally = field(default_factory=recommendation2.Tally)
    nccu_imported: bool = False
    actions_opened: int = 0
    actions_closed: int = 0
    themes: dict[str, int] = field(default_factory=dict)

    def shown(self, threshold: int) -> dict[str, Shown]:
        """Return every figure as the partner copy shows it: small numbers suppressed."""
        t = threshold
        figures: dict[str, Shown] = {
            "events": show(self.events, t),
            "debriefed_events": show(self.debriefed_events, t),
            "coverage": rate(self.debriefed_events, self.events, t),
            "debriefs_closed": show(self.debriefs_closed, t),
            "rec2_whole": show(self.rec2.referrals_debriefed, t),
            "rec2_rate": rate(self.rec2.submitted, self.rec2.referrals_debriefed, t),
            "actions_opened": show(self.actions_opened, t),
            "actions_closed": show(self.actions_closed, t),
        }
        if self.nccu_imported:
            figures["nccu_whole"] = show(self.rec2.nccu_referrals, t)
            figures["nccu_rate"] = rate(self.rec2.nccu_received, self.rec2.nccu_referrals, t)
        for theme_id, count in self.themes.items():
            figures[f"theme:{theme_id}"] = show(count, t)
        return figures


def rate(part: int, whole: int, threshold: int) -> Shown:
    """Return a share (0 to 1) only where neither part nor remainder is a small number."""
    if not whole:
        return None
    if is_small(part, threshold) or is_small(whole - part, threshold):
        return HIDDEN
    return part / whole


def period_figures(
    session: Session, options: ExportOptions, rec2: recommendation2.Figures | None = None
) -> PeriodFigures:
    """Count one period's front-page figures for the export's filters (Recommendation 2
    passed in where the caller has already counted it)."""
    clauses = event_clauses(options)
    figures = PeriodFigures()
    figures.events = event_totals(session, options)["events"]
    progress = debrief_progress(session, options)
    figures.debriefed_events = progress["events_with_debrief"]
    figures.debriefs_closed = progress["closed"]
    start, stop = options.period.utc_bounds()
    rec2 = rec2 or recommendation2_of(session, options)
    figures.rec2, figures.nccu_imported = rec2.total, rec2.nccu_list_imported
    figures.actions_opened, figures.actions_closed = _actions(session, options, start, stop)
    figures.themes = dict(
        session.execute(
            select(DebriefTheme.theme_id, func.count(DebriefTheme.debrief_id))
            .join(Debrief, Debrief.id == DebriefTheme.debrief_id)
            .join(Event, Event.id == Debrief.event_id)
            .where(*clauses, Debrief.state.in_(options.states), DebriefTheme.confirmed.is_(True))
            .group_by(DebriefTheme.theme_id)
        ).all()
    )
    return figures


def _area(options: ExportOptions) -> list:
    """Return the WHERE clauses of the export's area filters (district, event type)."""
    clauses = []
    if options.district:
        clauses.append(Event.district == options.district)
    if options.event_type:
        clauses.append(Event.event_type == options.event_type)
    return clauses


def _count_actions(session: Session, options: ExportOptions, *conditions) -> int:
    """Count follow-up actions of submitted debriefs in the export's area, on conditions."""
    return (
        session.scalar(
            select(func.count(FollowUpAction.id))
            .join(Debrief, Debrief.id == FollowUpAction.debrief_id)
            .join(Event, Event.id == Debrief.event_id)
            .where(*_area(options), Debrief.state != State.DRAFT, *conditions)
        )
        or 0
    )


def _actions(session: Session, options: ExportOptions, start, stop) -> tuple[int, int]:
    """Return actions opened and closed in the period's dates, on the filters' events."""
    opened = _count_actions(
        session, options, FollowUpAction.created_at >= start, FollowUpAction.created_at < stop
    )
    closed = _count_actions(
        session,
        options,
        FollowUpAction.status == "done",
        FollowUpAction.updated_at >= start,
        FollowUpAction.updated_at < stop,
    )
    return opened, closed


def in_review_now(session: Session, options: ExportOptions) -> int:
    """Return the period's debriefs still with the hub or the sergeant (not yet closed)."""
    return (
        session.scalar(
            select(func.count(Debrief.id))
            .join(Event, Event.id == Debrief.event_id)
            .where(*event_clauses(options), Debrief.state.in_(IN_REVIEW))
        )
        or 0
    )


def actions_overdue_now(session: Session, options: ExportOptions, today: date) -> int:
    """Return open actions past their due date today, on the filters' events (any period)."""
    return _count_actions(
        session, options, FollowUpAction.status == "open", FollowUpAction.due_date < today
    )


def previous_period(period: Period) -> Period:
    """Return the period of the same length just before this one: the month, quarter or
    financial year before a standard period, else the same number of days."""
    first = period.start
    day_before = date.fromordinal(first.toordinal() - 1)
    if first.day == 1 and (period.end + timedelta(days=1)).day == 1:
        length = (period.end.year - first.year) * 12 + period.end.month - first.month + 1
        index = first.year * 12 + first.month - 1 - length
        return custom(date(index // 12, index % 12 + 1, 1), day_before)
    days = (period.end - first).days + 1
    return custom(date.fromordinal(first.toordinal() - days), day_before)


@dataclass
class Comparison:
    """What this period is compared with, and how the earlier figures stand now."""

    period: Period
    figures: dict[str, Shown]
    disclosed_at: datetime | None = None  # when the earlier figures were shared (naive UTC)
    # Counted since the figures were shared: debriefs submitted, actions opened and closed.
    since: dict[str, Shown] = field(default_factory=dict)
    # (words, as shared, as now) for figures of the earlier period that have changed since.
    changed: list[tuple[str, Shown, Shown]] = field(default_factory=list)

    @property
    def heading(self) -> str:
        """Say what the second column is."""
        if self.disclosed_at is None:
            return f"{self.period.description} (the previous period; nothing shared before)"
        made = f"{to_local(self.disclosed_at):%-d %B %Y}"
        return f"{self.period.description}, as shared on {made}"


def recipient_key(options: ExportOptions) -> str:
    """Return who a partner copy is for, so the next copy to them compares with it: the
    recipient group the administrator keeps, else the words typed."""
    if options.recipient_group_id is not None:
        return f"group:{options.recipient_group_id}"
    return " ".join(options.shared_with.split()).casefold()


def last_disclosure(session: Session, options: ExportOptions) -> Disclosure | None:
    """Return the latest partner copy shared with the same recipients and filters."""
    return session.scalar(
        select(Disclosure)
        .where(
            Disclosure.recipient_key == recipient_key(options),
            Disclosure.district == (options.district or ""),
            Disclosure.event_type == (options.event_type or ""),
            Disclosure.period_start < options.period.start,
        )
        .order_by(Disclosure.made_at.desc(), Disclosure.id.desc())
        .limit(1)
    )


def compare(
    session: Session, options: ExportOptions, threshold: int, *, use_disclosures: bool
) -> Comparison:
    """Return the comparison column: the last disclosure to these recipients, or the period
    before, with any of the earlier figures that have changed since they were shared."""
    disclosure = last_disclosure(session, options) if use_disclosures else None
    if disclosure is None:
        earlier = previous_period(options.period)
        figures = period_figures(session, replace(options, period=earlier)).shown(threshold)
        return Comparison(earlier, figures)
    earlier = _period_of(disclosure)
    now = period_figures(session, replace(options, period=earlier)).shown(threshold)
    shared: dict[str, Shown] = dict(disclosure.figures or {})
    counted = since(session, options, disclosure.made_at)
    return Comparison(
        earlier,
        shared,
        disclosure.made_at,
        since={key: show(value, threshold) for key, value in counted.items()},
        changed=changed_since(shared, now, threshold),
    )


SINCE_LABELS = {
    "debriefs": "Debriefs submitted since it was shared",
    "actions_opened": "Follow-up actions opened since it was shared",
    "actions_closed": "Follow-up actions closed since it was shared",
}


def since(session: Session, options: ExportOptions, moment: datetime) -> dict[str, int]:
    """Count what happened after `moment` on events matching the filters (any period)."""
    debriefs = (
        select(func.count(Debrief.id))
        .join(Event, Event.id == Debrief.event_id)
        .where(*_area(options), Debrief.first_submitted_at > moment)
    )
    return {
        "debriefs": session.scalar(debriefs) or 0,
        "actions_opened": _count_actions(session, options, FollowUpAction.created_at > moment),
        "actions_closed": _count_actions(
            session, options, FollowUpAction.status == "done", FollowUpAction.updated_at > moment
        ),
    }


def _period_of(disclosure: Disclosure) -> Period:
    return custom(disclosure.period_start, disclosure.period_end)


def changed_since(
    shared: Mapping[str, Shown], now: Mapping[str, Shown], threshold: int
) -> list[tuple[str, Shown, Shown]]:
    """List the earlier period's figures that differ now, hiding a change by a small number
    (it would count the late debriefs themselves)."""
    found = []
    for key in [k for k, _, _ in MEASURES] + sorted(k for k in shared if k.startswith("theme:")):
        before, after = shared.get(key), now.get(key)
        if before == after or key not in shared:
            continue
        if (
            key not in RATES
            and isinstance(before, int)
            and isinstance(after, int)
            and is_small(abs(after - before), threshold)
        ):
            after = HIDDEN
        found.append((key, before, after))
    return found


def change(this: Shown, other: Shown) -> Shown:
    """Return this minus other where both are numbers, else nothing (never a suppressed one)."""
    if isinstance(this, int | float) and isinstance(other, int | float):
        if isinstance(this, bool) or isinstance(other, bool):
            return None
        return this - other
    return None


def theme_changes(
    this: Mapping[str, Shown], other: Mapping[str, Shown]
) -> tuple[list[tuple[str, int, int, int]], list[tuple[str, int, int, int]]]:
    """Return the themes that rose most and fell most, compared as shown (both numbers)."""
    moves = []
    for key in {k for k in (*this, *other) if k.startswith("theme:")}:
        a, b = this.get(key, 0), other.get(key, 0)
        if isinstance(a, int) and isinstance(b, int) and a != b:
            moves.append((key.removeprefix("theme:"), a, b, a - b))
    rose = sorted((m for m in moves if m[3] > 0), key=lambda m: (-m[3], m[0]))[:TOP_CHANGES]
    fell = sorted((m for m in moves if m[3] < 0), key=lambda m: (m[3], m[0]))[:TOP_CHANGES]
    return rose, fell


def disclosure_row(
    options: ExportOptions, figures: Mapping[str, Shown], made_by_id: int | None, made_at: datetime
) -> Disclosure:
    """Return the record of what a partner copy disclosed, for the next one to compare with."""
    return Disclosure(
        recipient_key=recipient_key(options),
        shared_with=options.shared_with,
        period_start=options.period.start,
        period_end=options.period.end,
        district=options.district or "",
        event_type=options.event_type or "",
        figures=dict(figures),
        made_by_id=made_by_id,
        made_at=made_at,
    )


def as_text(value: Any) -> str:
    """Show a compared figure in words, for notes."""
    if value is None:
        return "none"
    if isinstance(value, float):
        return f"{value:.1%}"
    return str(value)
