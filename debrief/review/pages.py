"""What the review templates need, gathered from the domain modules in a fixed few queries."""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from ..debriefs.presenting import present
from ..models import Debrief, HistoryEntry, ReviewNote, User
from ..periods import ReviewTarget
from ..questions.loader import QuestionSet
from ..questions.store import question_set_of
from ..timeutil import local_today
from ..vocabulary import EVENT_TYPES
from ..workflow import STATE_LABELS, Action, State, allowed_actions
from . import follow_up, queue, returns
from .reviewing import may_act

# GOV.UK tag colours for each state.
STATE_TAG_CLASSES = {
    State.DRAFT: "govuk-tag--grey",
    State.SUBMITTED: "govuk-tag--blue",
    State.IN_REVIEW: "govuk-tag--yellow",
    State.RETURNED: "govuk-tag--orange",
    State.CLOSED: "govuk-tag--green",
}
# Column headings of the queue, in order, with the sort key each uses.
QUEUE_COLUMNS = [
    ("number", "Reference"),
    ("event_date", "Event date"),
    ("district", "District"),
    ("event_type", "Event type"),
    ("sergeant", "Sergeant"),
    ("submitted", "Submitted"),
    ("age", "Age"),
    ("themes", "Themes"),
    ("assignee", "Assigned to"),
    ("state", "State"),
]


class Labels(dict):
    """Words for stored ids; an id with no words (a theme since retired) shows as itself.

    So templates write `labels.themes[t]`: a plain lookup, where `.get(t, t)` is a
    call that Jinja checks on every use, hundreds of times a queue page (issue 9).
    """

    def __missing__(self, key: str) -> str:
        return key


def queue_labels(question_set: QuestionSet) -> SimpleNamespace:
    """Return the labels the queue's filters and rows show.

    A namespace, not a dict: Jinja looks `labels.themes` up as an attribute first,
    and on a dict that raises and catches an error hundreds of times a page.
    """
    return SimpleNamespace(
        states={s.value: STATE_LABELS[s] for s in State},
        state_tags={s.value: STATE_TAG_CLASSES[s] for s in State},
        filter_states=[(s.value, STATE_LABELS[s]) for s in queue.FILTER_STATES],
        event_types=Labels(EVENT_TYPES),
        themes=Labels({t.id: t.label for t in question_set.themes}),
        assigned=queue.ASSIGNED_CHOICES,
        columns=QUEUE_COLUMNS,
    )


def latest_history_id(session: Session, debrief_id: int) -> int:
    """Return the id of the newest history entry of a debrief (0 if none)."""
    query = (
        select(HistoryEntry.id)
        .where(HistoryEntry.debrief_id == debrief_id)
        .order_by(HistoryEntry.id.desc())
        .limit(1)
    )
    return session.scalar(query) or 0


@dataclass(frozen=True)
class ThemeLine:
    """One theme on the review page."""

    id: str
    label: str
    description: str
    suggested: bool
    confirmed: bool
    reasons: tuple[str, ...]


def debrief_page_context(
    session: Session, debrief: Debrief, user: User, target: ReviewTarget
) -> dict[str, Any]:
    """Return everything the review page of one debrief shows."""
    qs = question_set_of(debrief.question_set)
    history = list(
        session.scalars(
            select(HistoryEntry)
            .where(HistoryEntry.debrief_id == debrief.id)
            .options(joinedload(HistoryEntry.actor))
            .order_by(HistoryEntry.at.desc(), HistoryEntry.id.desc())
        )
    )
    notes = list(
        session.scalars(
            select(ReviewNote)
            .where(ReviewNote.debrief_id == debrief.id)
            .options(joinedload(ReviewNote.author))
            .order_by(ReviewNote.at.desc(), ReviewNote.id.desc())
        )
    )
    lines = []
    for row in debrief.themes:
        theme = qs.theme(row.theme_id)
        lines.append(
            ThemeLine(
                id=row.theme_id,
                label=theme.label if theme else row.theme_id,
                description=theme.description if theme else "",
                suggested=row.suggested,
                confirmed=row.confirmed,
                reasons=tuple(r for r in (row.suggestion_reason or "").splitlines() if r),
            )
        )
    order = {t.id: i for i, t in enumerate(qs.themes)}
    lines.sort(key=lambda line: order.get(line.id, len(order)))
    present_ids = {line.id for line in lines}
    age = target.age(debrief.submitted_at, local_today())
    return_entry = next((h for h in history if h.to_state == State.RETURNED and h.reason), None)
    last_return = returns.latest(session, debrief.id)
    waiting = debrief.state in (State.SUBMITTED, State.IN_REVIEW)
    open_comments = [
        SimpleNamespace(
            question=returns.question_text(qs, c.question_id),
            text=c.text,
            reply=c.reply,
        )
        for c in (last_return.comments if last_return else [])
    ]
    return {
        "debrief": debrief,
        "view": present(debrief, qs),
        "question_set": qs,
        "state_label": STATE_LABELS[debrief.state],
        "state_tag": STATE_TAG_CLASSES[debrief.state],
        "suggested": [t for t in lines if not t.confirmed],
        "confirmed": [t for t in lines if t.confirmed],
        "addable": [t for t in qs.themes if t.id not in present_ids],
        "history": history,
        "history_labels": {s.value: STATE_LABELS[s] for s in State},
        "notes": notes,
        "actions": follow_up.actions_for(session, debrief.id),
        "action_statuses": follow_up.ACTION_STATUSES,
        "today": local_today(),
        "may_act": may_act(debrief, user),
        "allowed": [a.value for a in allowed_actions(debrief, user)],
        "Action": Action,
        "seen": max((h.id for h in history), default=0),
        "age": age,
        "overdue": target.is_overdue(debrief.state, age),
        "target": target.working_days,
        "return_entry": return_entry if debrief.state == State.RETURNED else None,
        "open_comments": open_comments if debrief.state == State.RETURNED else [],
        "last_return": last_return,
        "changes": returns.changes_to_show(qs, last_return) if waiting else [],
        "event_type_label": EVENT_TYPES.get(debrief.event.event_type, debrief.event.event_type),
    }
