"""A sergeant's own debriefs, grouped the way "My debriefs" shows them. Flask-free.

Two queries whatever the number of debriefs: the debriefs with their events (of the
closed ones, only those shown, and how many there are), then the latest return reason
of those that came back from the hub.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, contains_eager

from ..models import Debrief, Event, HistoryEntry, User
from ..workflow import State

CLOSED_SHOWN = 25


@dataclass(frozen=True)
class Item:
    """One debrief in the list."""

    debrief: Debrief
    event: Event
    returned_at: datetime | None = None
    return_reason: str = ""


@dataclass
class MyDebriefs:
    """The groups, each newest first."""

    returned: list[Item] = field(default_factory=list)
    drafts: list[Item] = field(default_factory=list)
    submitted: list[Item] = field(default_factory=list)
    closed: list[Item] = field(default_factory=list)
    closed_total: int = 0

    @property
    def empty(self) -> bool:
        """Tell whether the sergeant has no debriefs at all."""
        return not (self.returned or self.drafts or self.submitted or self.closed_total)


def list_mine(session: Session, user: User, *, all_closed: bool = False) -> MyDebriefs:
    """Return this sergeant's debriefs by group (the most recent closed ones unless asked)."""
    mine = (Debrief.host_id == user.id, Debrief.disposed_at.is_(None))
    newest = (Debrief.updated_at.desc(), Debrief.id.desc())
    closed = Debrief.state == State.CLOSED
    query = (
        select(Debrief)
        .join(Debrief.event)
        .where(*mine)
        .options(contains_eager(Debrief.event))
        .order_by(*newest)
    )
    if not all_closed:
        # Only the closed ones shown are loaded, and the rest counted: most of a sergeant's
        # debriefs are closed (300 loaded whole with their events to show 25: 12 ms).
        shown = select(Debrief.id).where(*mine, closed).order_by(*newest).limit(CLOSED_SHOWN)
        query = query.where(~closed | Debrief.id.in_(shown))
    total = select(func.count()).select_from(Debrief).where(*mine, closed).scalar_subquery()
    found = session.execute(query.add_columns(total)).all()
    rows = [debrief for debrief, _ in found]
    returned_ids = [d.id for d in rows if d.state == State.RETURNED]
    reasons = _latest_returns(session, returned_ids)
    result = MyDebriefs()
    for debrief in rows:
        if debrief.state == State.RETURNED:
            at, reason = reasons.get(debrief.id, (None, ""))
            result.returned.append(Item(debrief, debrief.event, at, reason))
        elif debrief.state == State.DRAFT:
            result.drafts.append(Item(debrief, debrief.event))
        elif debrief.state == State.CLOSED:
            result.closed.append(Item(debrief, debrief.event))
        else:
            result.submitted.append(Item(debrief, debrief.event))
    result.closed_total = found[0][1] if found else 0
    result.closed.sort(key=lambda i: i.debrief.closed_at or i.debrief.updated_at, reverse=True)
    result.submitted.sort(
        key=lambda i: i.debrief.submitted_at or i.debrief.updated_at, reverse=True
    )
    return result


def _latest_returns(session: Session, debrief_ids: list[int]) -> dict[int, tuple[datetime, str]]:
    if not debrief_ids:
        return {}
    entries = session.scalars(
        select(HistoryEntry)
        .where(
            HistoryEntry.debrief_id.in_(debrief_ids),
            HistoryEntry.to_state == State.RETURNED,
        )
        .order_by(HistoryEntry.at, HistoryEntry.id)
    ).all()
    return {e.debrief_id: (e.at, e.reason or "") for e in entries}  # the last one wins


def returned_count(session: Session, user: User) -> int:
    """Return how many of this sergeant's debriefs the hub has returned to them."""
    count = session.scalar(
        select(func.count())
        .select_from(Debrief)
        .where(Debrief.host_id == user.id, Debrief.state == State.RETURNED)
    )
    return count or 0
