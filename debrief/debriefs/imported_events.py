"""Imported command-and-control events waiting for a debrief, for the sergeant. Flask-free.

Any sergeant may debrief any event in the force, so these lists are not limited
to the sergeant's own; they only ever show the event record (never a debrief),
and an event that has a debrief, whoever holds it, is never offered again.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from ..models import Debrief, Event, User

RECENT_SHOWN = 10
SEARCH_SHOWN = 20


def _waiting():
    """Return a select of imported events that no debrief is about yet."""
    return select(Event).where(
        Event.source == "import", ~exists().where(Debrief.event_id == Event.id)
    )


def recent_waiting(session: Session, limit: int = RECENT_SHOWN) -> list[Event]:
    """Return the most recently reported imported events without a debrief, newest first."""
    return list(
        session.scalars(_waiting().order_by(Event.reported_at.desc(), Event.id.desc()).limit(limit))
    )


def normalise_ref(text: str) -> str:
    """Return a typed reference the way references are stored (capitals, no spaces)."""
    return "".join(text.split()).upper()


@dataclass(frozen=True)
class SearchResult:
    """What a search by incident reference found."""

    query: str
    events: list[Event]
    taken_ref: str = ""  # the exact reference already has a debrief
    taken_by_me: bool = False  # ...which this sergeant holds


def search_waiting(
    session: Session, user: User, text: str, limit: int = SEARCH_SHOWN
) -> SearchResult:
    """Find imported events without a debrief whose reference contains what was typed."""
    query = normalise_ref(text)
    if not query:
        return SearchResult(query, [])
    pattern = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    events = list(
        session.scalars(
            _waiting()
            .where(Event.incident_ref.like(pattern, escape="\\"))
            .order_by(Event.reported_at.desc(), Event.id.desc())
            .limit(limit)
        )
    )
    hosts = session.scalars(
        select(Debrief.host_id).join(Debrief.event).where(Event.incident_ref == query)
    ).all()
    return SearchResult(
        query, events, taken_ref=query if hosts else "", taken_by_me=user.id in hosts
    )
