"""Follow-up actions the hub raises on debriefs: what, who owns it, when due, open or done.

Flask-free. Actions stay updatable after their debrief is closed; each carries
its own version so two people updating one action cannot overwrite each other.
Raising and updating one are written to the debrief's history and the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, contains_eager

from .. import audit
from ..audit import Actor
from ..models import Debrief, FollowUpAction
from ..timeutil import utcnow
from ..workflow import State, add_history
from .reviewing import InvalidInput, StaleVersion, ensure_may_act

ACTION_STATUSES = {"open": "Open", "done": "Done"}


class StaleAction(StaleVersion):
    """The form was drawn from an older version of the action than the one saved now."""


@dataclass(frozen=True)
class ActionInput:
    """A follow-up action as entered on the form."""

    description: str
    owner: str
    due_date: date | None
    status: str = "open"
    outcome: str = ""

    def checked(self) -> ActionInput:
        """Return the input tidied, or raise InvalidInput naming each problem."""
        errors = {}
        description, owner = self.description.strip(), self.owner.strip()
        if not description:
            errors["description"] = "Enter what needs to be done"
        if not owner:
            errors["owner"] = "Enter the agency or team that owns the action"
        elif len(owner) > 120:
            errors["owner"] = "The owner must be 120 characters or fewer"
        if self.status not in ACTION_STATUSES:
            errors["status"] = "Select whether the action is open or done"
        if errors:
            raise InvalidInput(errors)
        return ActionInput(description, owner, self.due_date, self.status, self.outcome.strip())


def create_action(
    session: Session, debrief: Debrief, actor: Actor, data: ActionInput
) -> FollowUpAction:
    """Raise a follow-up action on a debrief (allowed in any state the hub sees)."""
    user = actor.account
    ensure_may_act(debrief, user)
    data = data.checked()
    action = FollowUpAction(
        debrief_id=debrief.id,
        description=data.description,
        owner=data.owner,
        due_date=data.due_date,
        status=data.status,
        outcome=data.outcome,
        created_by_id=user.id,
    )
    session.add(action)
    add_history(
        session,
        debrief,
        user,
        "action",
        f"Raised a follow-up action for {data.owner}: {data.description}",
    )
    session.flush()  # the action's id, for the record
    audit.record(
        session,
        actor,
        audit.Category.ALTERATION,
        "action.create",
        object_type="follow_up_action",
        object_id=action.id,
        details={"debrief_id": debrief.id},
    )
    return action


def update_action(
    session: Session, action: FollowUpAction, actor: Actor, data: ActionInput, seen: int | None
) -> list[str]:
    """Update a follow-up action, even after the debrief closed; return what changed."""
    ensure_may_act(action.debrief, actor.account)
    if seen != action.version:
        raise StaleAction(seen, action.version)
    data = data.checked()
    changed = []
    for name, words in (
        ("description", "what"),
        ("owner", "owner"),
        ("due_date", "due date"),
        ("status", "status"),
        ("outcome", "outcome"),
    ):
        if getattr(action, name) != getattr(data, name):
            setattr(action, name, getattr(data, name))
            changed.append(words)
    if changed:
        action.version += 1
        action.updated_at = utcnow()
        status = f" (now {ACTION_STATUSES[action.status].lower()})" if "status" in changed else ""
        add_history(
            session,
            action.debrief,
            actor.account,
            "action",
            f"Updated the follow-up action for {action.owner}: {', '.join(changed)}{status}",
        )
        audit.record(
            session,
            actor,
            audit.Category.ALTERATION,
            "action.update",
            object_type="follow_up_action",
            object_id=action.id,
            details={"debrief_id": action.debrief_id, "fields": changed},
        )
    return changed


def _open_actions(owner: str):
    query = (
        select(FollowUpAction)
        .join(FollowUpAction.debrief)
        .join(Debrief.event)
        .where(FollowUpAction.status == "open", Debrief.state != State.DRAFT)
    )
    if owner:
        query = query.where(FollowUpAction.owner == owner)
    return query


def open_actions(
    session: Session, today: date, owner: str = "", limit: int = 50, offset: int = 0
) -> tuple[list[FollowUpAction], int]:
    """Return a page of open actions, overdue first then by due date, and how many there are."""
    overdue_first = case((FollowUpAction.due_date < today, 0), else_=1)
    query = (
        _open_actions(owner)
        .options(contains_eager(FollowUpAction.debrief).contains_eager(Debrief.event))
        .order_by(
            overdue_first,
            FollowUpAction.due_date.asc().nulls_last(),
            FollowUpAction.id,
        )
        .limit(limit)
        .offset(offset)
    )
    total = session.scalar(
        select(func.count()).select_from(
            _open_actions(owner).with_only_columns(FollowUpAction.id).subquery()
        )
    )
    return list(session.scalars(query)), total or 0


def owners_with_open_actions(session: Session) -> list[str]:
    """Return the owners that have open actions, for the filter."""
    query = (
        select(FollowUpAction.owner)
        .where(FollowUpAction.status == "open")
        .distinct()
        .order_by(FollowUpAction.owner)
    )
    return list(session.scalars(query))


def actions_for(session: Session, debrief_id: int) -> list[FollowUpAction]:
    """Return a debrief's follow-up actions, open ones first, with who raised them."""
    query = (
        select(FollowUpAction)
        .where(FollowUpAction.debrief_id == debrief_id)
        .order_by(case((FollowUpAction.status == "open", 0), else_=1), FollowUpAction.id)
    )
    return list(session.scalars(query))
