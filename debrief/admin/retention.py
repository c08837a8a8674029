"""Retention (Management of Police Information): dispose of debriefs past their period.

The period runs from closure (RETENTION_YEARS, set by the force's records
manager). Disposal erases everything a person typed or answered: the answers,
review notes, follow-up actions, unsaved input, the words of the history, who
submitted a chased intelligence document, and
the force and NCCU references of an event whose debriefs are all disposed. What
remains is a tombstone that keeps the figures right: the debrief row (state,
dates, disposed_at), its themes and its event's counts. Each disposal is audited
(category erasure) with counts only, never the erased content. Flask-free.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, joinedload

from .. import audit
from ..models import (
    Answer,
    AnswerComment,
    Debrief,
    DebriefTheme,
    DismissedTheme,
    Event,
    FollowUpAction,
    HistoryEntry,
    IntelDocChase,
    ReviewNote,
    ReviewReturn,
)
from ..timeutil import utcnow
from ..workflow import State


def cutoff(years: int, now: datetime | None = None) -> datetime:
    """Return the closure time before which a debrief is past its retention period."""
    now = now or utcnow()
    try:
        return now.replace(year=now.year - years)
    except ValueError:  # 29 February in a year that has none
        return now.replace(year=now.year - years, day=28)


def due(session: Session, years: int) -> list[Debrief]:
    """Return the closed, not yet disposed debriefs whose period has ended, oldest first."""
    return list(
        session.scalars(
            select(Debrief)
            .options(joinedload(Debrief.event))
            .where(
                Debrief.state == State.CLOSED,
                Debrief.disposed_at.is_(None),
                Debrief.closed_at.is_not(None),
                Debrief.closed_at <= cutoff(years),
            )
            .order_by(Debrief.closed_at, Debrief.id)
        )
    )


@dataclass(frozen=True)
class Disposal:
    """What one disposal erased, in counts."""

    debrief_id: int
    export_ref: str
    closed_at: datetime
    answers: int
    notes: int
    actions: int
    history_texts: int
    event_references_erased: bool

    def details(self, years: int) -> dict:
        """Return the audit details: metadata and counts, never content."""
        return {
            "closed_at": self.closed_at.isoformat(),
            "retention_years": years,
            "answers_erased": self.answers,
            "notes_erased": self.notes,
            "actions_erased": self.actions,
            "history_texts_erased": self.history_texts,
            "event_references_erased": self.event_references_erased,
        }


def _count(session: Session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def dispose(session: Session, debrief: Debrief, years: int) -> Disposal:
    """Erase one debrief's content, keep its tombstone, and audit the erasure."""
    now = utcnow()
    if debrief.disposed_at is not None:
        raise ValueError(f"Debrief {debrief.id} was disposed of already")
    did = debrief.id
    answers = _count(session, Answer, Answer.debrief_id == did)
    notes = _count(session, ReviewNote, ReviewNote.debrief_id == did)
    actions = _count(session, FollowUpAction, FollowUpAction.debrief_id == did)
    texts = _count(
        session,
        HistoryEntry,
        HistoryEntry.debrief_id == did,
        (HistoryEntry.summary != "") | HistoryEntry.reason.is_not(None),
    )
    session.execute(delete(Answer).where(Answer.debrief_id == did))
    session.execute(delete(ReviewNote).where(ReviewNote.debrief_id == did))
    # Returns keep the answers as returned, the hub's comments on them and the replies;
    # a dismissed theme keeps the reason it was suggested (words from the answers).
    session.execute(
        delete(AnswerComment).where(
            AnswerComment.return_id.in_(
                select(ReviewReturn.id).where(ReviewReturn.debrief_id == did)
            )
        )
    )
    session.execute(delete(ReviewReturn).where(ReviewReturn.debrief_id == did))
    session.execute(delete(DismissedTheme).where(DismissedTheme.debrief_id == did))
    session.execute(delete(FollowUpAction).where(FollowUpAction.debrief_id == did))
    session.execute(
        update(HistoryEntry).where(HistoryEntry.debrief_id == did).values(summary="", reason=None)
    )
    session.execute(
        update(DebriefTheme).where(DebriefTheme.debrief_id == did).values(suggestion_reason="")
    )
    # Who submitted a chased intelligence document (a name as typed); the dates stay.
    session.execute(
        update(IntelDocChase).where(IntelDocChase.debrief_id == did).values(submitted_by="")
    )
    debrief.unsaved_input = {}
    debrief.disposed_at = now
    session.flush()
    erased_refs = _erase_event_references(session, debrief.event)
    disposal = Disposal(
        debrief_id=did,
        export_ref=debrief.export_ref,
        closed_at=debrief.closed_at or now,
        answers=answers,
        notes=notes,
        actions=actions,
        history_texts=texts,
        event_references_erased=erased_refs,
    )
    audit.record(
        session,
        audit.Actor(username="retention"),
        audit.Category.ERASURE,
        "debrief.dispose",
        object_type="debrief",
        object_id=did,
        details=disposal.details(years),
    )
    return disposal


def _erase_event_references(session: Session, event: Event) -> bool:
    """Drop the force and NCCU references once every debrief of the event is disposed."""
    remaining = _count(
        session, Debrief, Debrief.event_id == event.id, Debrief.disposed_at.is_(None)
    )
    if remaining:
        return False
    event.incident_ref = f"disposed-{event.id}"
    event.nccu_reference = None
    return True
