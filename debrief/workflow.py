"""The debrief workflow: the ONE table of transitions and the function that applies them.

(state, action) -> (new state, permission). Anything not in the table is
refused. Every transition is written to the debrief's history with who, when
and the reason where one is given. `State` is defined beside the model
(models.py), whose column type needs it; the rest of the package takes it from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.orm import Session

from .models import Debrief, HistoryEntry, State, User
from .roles import Permission, can
from .timeutil import utcnow

STATE_LABELS = {
    State.DRAFT: "Draft",
    State.SUBMITTED: "Submitted",
    State.IN_REVIEW: "In review",
    State.RETURNED: "Returned to sergeant",
    State.CLOSED: "Closed",
}


class Action(StrEnum):
    """What a person can do to move a debrief on."""

    SUBMIT = "submit"
    START_REVIEW = "start_review"
    RETURN = "return"
    RESUBMIT = "resubmit"
    CLOSE = "close"
    REOPEN = "reopen"


@dataclass(frozen=True)
class Rule:
    """One allowed transition."""

    to: State
    permission: Permission
    reason_required: bool = False
    host_only: bool = False  # only the sergeant who hosted the debrief
    not_host: bool = False  # anyone but the sergeant who hosted it (no self-review)


TRANSITIONS: dict[tuple[State, Action], Rule] = {
    (State.DRAFT, Action.SUBMIT): Rule(State.SUBMITTED, Permission.DEBRIEF_HOST, host_only=True),
    (State.SUBMITTED, Action.START_REVIEW): Rule(State.IN_REVIEW, Permission.REVIEW, not_host=True),
    (State.SUBMITTED, Action.RETURN): Rule(
        State.RETURNED, Permission.REVIEW, reason_required=True, not_host=True
    ),
    (State.SUBMITTED, Action.CLOSE): Rule(State.CLOSED, Permission.REVIEW, not_host=True),
    (State.IN_REVIEW, Action.RETURN): Rule(
        State.RETURNED, Permission.REVIEW, reason_required=True, not_host=True
    ),
    (State.IN_REVIEW, Action.CLOSE): Rule(State.CLOSED, Permission.REVIEW, not_host=True),
    (State.RETURNED, Action.RESUBMIT): Rule(
        State.SUBMITTED, Permission.DEBRIEF_HOST, host_only=True
    ),
    (State.CLOSED, Action.REOPEN): Rule(
        State.IN_REVIEW, Permission.REVIEW, reason_required=True, not_host=True
    ),
}

# States in which the sergeant may still change the answers.
EDITABLE_BY_HOST = frozenset({State.DRAFT, State.RETURNED})
# States the review queue shows.
QUEUE_STATES = (State.SUBMITTED, State.IN_REVIEW, State.RETURNED)
# Waiting for the hub to act (a returned debrief waits for its sergeant).
AWAITING_HUB = frozenset({State.SUBMITTED, State.IN_REVIEW})


class TransitionRefused(Exception):
    """The action is not allowed from this state (answer 409)."""


class NotPermitted(Exception):
    """This person may not take this action on this debrief (answer 403)."""


class ReasonRequired(ValueError):
    """The action needs a reason and none was given (a form error)."""


def allowed_actions(debrief: Debrief, user: User) -> list[Action]:
    """Return the actions this person could take on this debrief now."""
    return [
        action
        for (state, action), rule in TRANSITIONS.items()
        if state == debrief.state and _permitted(rule, debrief, user)
    ]


def _permitted(rule: Rule, debrief: Debrief, user: User) -> bool:
    if not can(user, rule.permission):
        return False
    if rule.host_only and debrief.host_id != user.id:
        return False
    if rule.not_host and debrief.host_id == user.id:
        return False
    return True


def apply(
    session: Session, debrief: Debrief, action: Action | str, user: User, reason: str = ""
) -> HistoryEntry:
    """Move the debrief on by one action, or raise; records the transition in history."""
    action = Action(action)
    rule = TRANSITIONS.get((debrief.state, action))
    if rule is None:
        raise TransitionRefused(
            f"A debrief that is {STATE_LABELS[debrief.state].lower()} cannot be {_past(action)}."
        )
    if rule.not_host and debrief.host_id == user.id:
        raise NotPermitted("You cannot review a debrief you hosted yourself.")
    if not _permitted(rule, debrief, user):
        raise NotPermitted("You do not have permission to do that.")
    reason = (reason or "").strip()
    if rule.reason_required and not reason:
        raise ReasonRequired("Enter the reason")
    entry = add_history(
        session,
        debrief,
        user,
        "transition",
        f"{STATE_LABELS[debrief.state]} → {STATE_LABELS[rule.to]}",
        reason=reason or None,
        from_state=debrief.state,
        to_state=rule.to,
    )
    now = entry.at
    debrief.state = rule.to
    debrief.version += 1
    if rule.to == State.SUBMITTED:
        debrief.submitted_at = now
        debrief.first_submitted_at = debrief.first_submitted_at or now
    if rule.to == State.CLOSED:
        debrief.closed_at = now
    if action == Action.REOPEN:
        debrief.closed_at = None
    return entry


def add_history(
    session: Session,
    debrief: Debrief,
    user: User | None,
    kind: str,
    summary: str,
    *,
    reason: str | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
) -> HistoryEntry:
    """Add one entry to the debrief's history: who did what to it, now (no one: the
    service itself, for example on importing a list from the command line)."""
    entry = HistoryEntry(
        debrief_id=debrief.id,
        at=utcnow(),
        actor_id=user.id if user is not None else None,
        kind=kind,
        from_state=from_state,
        to_state=to_state,
        summary=summary,
        reason=reason,
    )
    session.add(entry)
    return entry


def _past(action: Action) -> str:
    return {
        Action.SUBMIT: "submitted",
        Action.START_REVIEW: "taken into review",
        Action.RETURN: "returned",
        Action.RESUBMIT: "resubmitted",
        Action.CLOSE: "closed",
        Action.REOPEN: "reopened",
    }[action]
