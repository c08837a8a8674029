"""Follow-up actions the hub raises on debriefs: what, who owns it, when due, open or done.

Flask-free. Actions stay updatable after their debrief is closed; each carries
its own version so two people updating one action cannot overwrite each other.
Raising and updating one are written to the debrief's history and the audit trail.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import case, select
from sqlalchemy.orm import Session, contains_eager

from .. import audit, summaries
from ..audit import Actor
from ..config import DEFAULTS
from ..models import Debrief, FollowUpAction, Team, User
from ..text_input import whole_number_or_none
from ..timeutil import local_today, utcnow
from ..vocabulary import PARTNER_AGENCIES
from ..workflow import State, add_history
from .partner_summary import Rules, problem
from .reviewing import InvalidInput, StaleVersion, ensure_may_act

ACTION_STATUSES = {"open": "Open", "done": "Done"}
# Who may own an action (issue 19); "written" is the owner typed before there were
# lists, kept on an action until someone chooses another.
OWNER_KINDS = {"person": "A person", "team": "A team", "agency": "A partner agency"}
WRITTEN = "written"
MAX_OWNER = 120
MAX_SUMMARY = 1000
OWNER_MISSING = "Select who owns the action"


class StaleAction(StaleVersion):
    """The form was drawn from an older version of the action than the one saved now."""


@dataclass(frozen=True)
class Owner:
    """An owner as chosen on the form: a kind and which one (an account or team id, an
    agency key); for WRITTEN, the words as written."""

    kind: str
    ref: str = ""


@dataclass(frozen=True)
class ActionInput:
    """A follow-up action as entered on the form."""

    description: str
    owner: Owner
    due_date: date | None
    status: str = "open"
    outcome: str = ""
    partner_summary: str = ""
    shareable: bool = False
    theme_id: str = ""  # a theme id of the question set (the form offers only those)

    def checked(self, rules: Rules, today: date) -> ActionInput:
        """Return the input tidied, or raise InvalidInput naming each problem (the owner
        is checked against the lists by `resolve_owner`)."""
        errors = {}
        description = self.description.strip()
        summary = " ".join(self.partner_summary.split())
        if not description:
            errors["description"] = "Enter what needs to be done"
        if self.owner.kind not in OWNER_KINDS and self.owner.kind != WRITTEN:
            errors["owner_kind"] = OWNER_MISSING
        if self.status not in ACTION_STATUSES:
            errors["status"] = "Select whether the action is open or done"
        if len(summary) > MAX_SUMMARY:
            errors["partner_summary"] = (
                f"The partner summary must be {MAX_SUMMARY} characters or fewer"
            )
        elif (message := problem(summary, rules, today)) is not None:
            errors["partner_summary"] = message
        elif self.shareable and not summary:
            errors["partner_summary"] = "Write the partner summary, or do not confirm it"
        if errors:
            raise InvalidInput(errors)
        return ActionInput(
            description,
            self.owner,
            self.due_date,
            self.status,
            self.outcome.strip(),
            summary,
            self.shareable and bool(summary),
            self.theme_id.strip()[:64],
        )


def default_rules() -> Rules:
    """The reference formats of the default settings (the command line and tests)."""
    return Rules.from_config(DEFAULTS)


def resolve_owner(
    session: Session, owner: Owner, current: FollowUpAction | None = None
) -> dict[str, Any]:
    """Return the action's owner columns for a choice, or raise InvalidInput on "owner_kind".

    A person must be an active account and a team one in use, unless the action already
    has them (a retired team stays on old actions). Words as written are kept only on
    an action that has them: a new owner is chosen from the lists.
    """
    fields: dict[str, Any] = {
        "owner_kind": owner.kind,
        "owner_user_id": None,
        "owner_team_id": None,
        "owner_agency": None,
    }
    ref = owner.ref.strip()
    if owner.kind == WRITTEN:
        if current is None or current.owner_kind is not None or not current.owner:
            raise InvalidInput({"owner_kind": OWNER_MISSING})
        return {**fields, "owner_kind": None, "owner": current.owner}
    if owner.kind == "agency":
        if ref not in PARTNER_AGENCIES:
            raise InvalidInput({"owner_agency": "Select the partner agency"})
        return {**fields, "owner_agency": ref, "owner": PARTNER_AGENCIES[ref]}
    if owner.kind == "team":
        team_id = whole_number_or_none(ref)
        team = session.get(Team, team_id) if team_id is not None else None
        keeps = current is not None and team is not None and current.owner_team_id == team.id
        if team is None or (team.retired and not keeps):
            raise InvalidInput({"owner_team": "Select the team"})
        return {**fields, "owner_team_id": team.id, "owner": team.name[:MAX_OWNER]}
    if owner.kind == "person":
        user_id = whole_number_or_none(ref)
        user = session.get(User, user_id) if user_id is not None else None
        keeps = current is not None and user is not None and current.owner_user_id == user.id
        if user is None or (not user.active and not keeps):
            raise InvalidInput({"owner_person": "Select the person"})
        return {**fields, "owner_user_id": user.id, "owner": user.display_name[:MAX_OWNER]}
    raise InvalidInput({"owner_kind": OWNER_MISSING})


def _checked(
    session: Session,
    data: ActionInput,
    rules: Rules | None,
    current: FollowUpAction | None = None,
) -> tuple[ActionInput, dict[str, Any]]:
    """Check the input and the owner together, so that every problem is named at once."""
    errors: dict[str, str] = {}
    try:
        data = data.checked(rules or default_rules(), local_today())
    except InvalidInput as bad:
        errors.update(bad.errors)
    owner: dict[str, Any] = {}
    if "owner_kind" not in errors:
        try:
            owner = resolve_owner(session, data.owner, current)
        except InvalidInput as bad:
            errors.update(bad.errors)
    if errors:
        raise InvalidInput(errors)
    return data, owner


def create_action(
    session: Session,
    debrief: Debrief,
    actor: Actor,
    data: ActionInput,
    rules: Rules | None = None,
) -> FollowUpAction:
    """Raise a follow-up action on a debrief (allowed in any state the hub sees)."""
    user = actor.account
    ensure_may_act(debrief, user)
    data, owner = _checked(session, data, rules)
    action = FollowUpAction(
        debrief_id=debrief.id,
        description=data.description,
        due_date=data.due_date,
        status=data.status,
        outcome=data.outcome,
        partner_summary=data.partner_summary,
        partner_summary_shareable=data.shareable,
        theme_id=data.theme_id or None,
        created_by_id=user.id,
        **owner,
    )
    session.add(action)
    add_history(
        session,
        debrief,
        user,
        "action",
        f"Raised a follow-up action for {action.owner}: {data.description}",
    )
    session.flush()  # the action's id, for the record
    audit.record(
        session,
        actor,
        audit.Category.ALTERATION,
        "action.create",
        object_type="follow_up_action",
        object_id=action.id,
        details={"debrief_id": debrief.id, "owner_kind": action.owner_kind},
    )
    return action


def update_action(
    session: Session,
    action: FollowUpAction,
    actor: Actor,
    data: ActionInput,
    seen: int | None,
    rules: Rules | None = None,
) -> list[str]:
    """Update a follow-up action, even after the debrief closed; return what changed."""
    ensure_may_act(action.debrief, actor.account)
    if seen != action.version:
        raise StaleAction(seen, action.version)
    data, owner = _checked(session, data, rules, action)
    changed = []
    new_values: list[tuple[str, list[tuple[str, Any]]]] = [
        ("what", [("description", data.description)]),
        ("owner", list(owner.items())),
        ("theme", [("theme_id", data.theme_id or None)]),
        ("due date", [("due_date", data.due_date)]),
        ("status", [("status", data.status)]),
        ("outcome", [("outcome", data.outcome)]),
        (
            "partner summary",
            [
                ("partner_summary", data.partner_summary),
                ("partner_summary_shareable", data.shareable),
            ],
        ),
    ]
    for words, values in new_values:
        if any(getattr(action, name) != value for name, value in values):
            for name, value in values:
                setattr(action, name, value)
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


def owner_choice(action: FollowUpAction) -> Owner:
    """Return an action's owner as the form shows it."""
    kind = action.owner_kind
    if kind == "person":
        return Owner(kind, str(action.owner_user_id))
    if kind == "team":
        return Owner(kind, str(action.owner_team_id))
    if kind == "agency":
        return Owner(kind, action.owner_agency or "")
    return Owner(WRITTEN, action.owner)


def owner_options(session: Session, action: FollowUpAction | None = None) -> dict[str, list]:
    """Return the choices for each kind of owner, as (value, label): active accounts, teams
    in use and the agencies, plus whoever the action has now (a retired team stays)."""
    people = list(
        session.scalars(select(User).where(User.active.is_(True)).order_by(User.full_name))
    )
    teams = list(session.scalars(select(Team).where(Team.retired.is_(False)).order_by(Team.name)))
    if action is not None and action.owner_user is not None and action.owner_user not in people:
        people.append(action.owner_user)
    if action is not None and action.owner_team is not None and action.owner_team not in teams:
        teams.append(action.owner_team)
    return {
        "person": [(str(u.id), u.display_name) for u in people],
        "team": [(str(t.id), f"{t.name} (retired)" if t.retired else t.name) for t in teams],
        "agency": list(PARTNER_AGENCIES.items()),
    }


def _open_actions(owner: str = ""):
    query = (
        select(FollowUpAction)
        .join(FollowUpAction.debrief)
        .where(FollowUpAction.status == "open", Debrief.state != State.DRAFT)
    )
    if owner:
        query = query.where(FollowUpAction.owner == owner)
    return query


def open_actions(
    session: Session, owner: str = "", limit: int = 50, offset: int = 0
) -> tuple[list[FollowUpAction], int]:
    """Return a page of open actions, overdue first then by due date, and how many there are.

    By due date, earliest first, is overdue first: an overdue action is due before today.
    Ordered by the column alone (no expression of today's date), PostgreSQL reads the
    open actions in the order of ix_follow_up_actions_status_due and stops at the page.
    """
    query = (
        _open_actions(owner)
        .join(Debrief.event)
        .options(contains_eager(FollowUpAction.debrief).contains_eager(Debrief.event))
        .order_by(FollowUpAction.due_date.asc().nulls_last(), FollowUpAction.id)
        .limit(limit)
        .offset(offset)
    )
    counts = open_action_counts(session)  # stored: the count is not made again
    if owner:
        total = counts[owner][0] if owner in counts else 0
    else:
        total = sum(number for number, _ in counts.values())
    return list(session.scalars(query)), total


def owners_with_open_actions(session: Session) -> list[str]:
    """Return the owners that have open actions, for the filter."""
    return sorted(open_action_counts(session))


def open_action_counts(session: Session) -> dict[str, tuple[int, str]]:
    """Return the open actions of submitted debriefs by owner: how many, and their due
    dates packed for `late_count`.

    Stored once counted (summaries.py; the database marks them stale when an action or a
    debrief's state changes): counting 50,000 open actions against their debriefs took
    15-20 ms of every Actions page and dashboard. Commits the session."""
    body = summaries.stored(
        session, [summaries.ACTIONS], lambda _: {summaries.ACTIONS: count_open_actions(session)}
    )[summaries.ACTIONS]
    return {owner: (number, due) for owner, (number, due) in body.items()}


def count_open_actions(session: Session) -> dict[str, list[Any]]:
    """Count the open actions of submitted debriefs by owner, directly: {owner: [how
    many, their due dates as day numbers, packed]} (an action with no due date is never
    late)."""
    owners: dict[str, list[Any]] = defaultdict(lambda: [0, []])
    for owner, due in session.execute(
        _open_actions().with_only_columns(FollowUpAction.owner, FollowUpAction.due_date)
    ):
        owners[owner][0] += 1
        if due is not None:
            owners[owner][1].append(due.toordinal())
    return {owner: [n, summaries.pack(due, "q")] for owner, (n, due) in owners.items()}


def late_count(due: str, today: date) -> int:
    """Return how many of an owner's open actions (`open_action_counts`) were due before
    today."""
    return bisect_left(summaries.unpack(due, "q"), today.toordinal())


def actions_for(session: Session, debrief_id: int) -> list[FollowUpAction]:
    """Return a debrief's follow-up actions, open ones first, with who raised them."""
    query = (
        select(FollowUpAction)
        .where(FollowUpAction.debrief_id == debrief_id)
        .order_by(case((FollowUpAction.status == "open", 0), else_=1), FollowUpAction.id)
    )
    return list(session.scalars(query))
