"""The lists the administrator keeps: teams that own actions, and the recipient groups
exports are shared with (Flask-free).

An entry is added, renamed, retired or brought back, never deleted: old actions keep a
retired team, old exports' audit records keep a group's id. Names are unique whatever
their letter case. Every change is an audit record. Adding a team links the follow-up
actions whose owner was written with exactly its name (the free-text owners of before
issue 19), and renaming one carries the new name to the actions it owns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session

from .. import audit
from ..audit import Actor
from ..models import FollowUpAction, RecipientGroup, Team, TeamMembership, User

MAX_NAME = 120


class ListError(Exception):
    """A change to a list that cannot be made; the message says why, for the name field."""


@dataclass(frozen=True)
class Kind:
    """One kept list: its model, its words and its audit object type."""

    key: str
    model: type[Team] | type[RecipientGroup]
    one: str
    many: str
    hint: str


KINDS: dict[str, Kind] = {
    "teams": Kind(
        "teams",
        Team,
        "team",
        "Teams",
        "Teams that can own follow-up actions, for example the force intelligence bureau.",
    ),
    "groups": Kind(
        "groups",
        RecipientGroup,
        "recipient group",
        "Recipient groups",
        "Who thematic spreadsheets are shared with, for example the OIC partnership meeting.",
    ),
}


def entries(session: Session, kind: Kind, *, include_retired: bool = True) -> list:
    """Return a list's entries: in use first, then retired, each by name."""
    query = select(kind.model).order_by(kind.model.retired, func.lower(kind.model.name))
    if not include_retired:
        query = query.where(kind.model.retired.is_(False))
    return list(session.scalars(query))


def _checked_name(session: Session, kind: Kind, name: str, entry_id: int | None = None) -> str:
    name = " ".join(name.split())
    if not name:
        raise ListError(f"Enter the name of the {kind.one}")
    if len(name) > MAX_NAME:
        raise ListError(f"The name must be {MAX_NAME} characters or fewer")
    same = session.scalar(
        select(kind.model.id).where(
            func.lower(kind.model.name) == name.lower(), kind.model.id != (entry_id or 0)
        )
    )
    if same is not None:
        raise ListError(f"There is already a {kind.one} called {name}")
    return name


def add(session: Session, actor: Actor, kind: Kind, name: str):
    """Add an entry; for a team, link the actions written with its name."""
    name = _checked_name(session, kind, name)
    entry = kind.model(name=name, retired=False)
    session.add(entry)
    session.flush()
    details: dict = {"name": name}
    if isinstance(entry, Team):
        details["actions_linked"] = _link_written(session, entry)
    audit.record(
        session,
        actor,
        audit.Category.ALTERATION,
        f"{_object(kind)}.add",
        object_type=_object(kind),
        object_id=entry.id,
        details=details,
    )
    return entry


def rename(session: Session, actor: Actor, kind: Kind, entry, name: str) -> bool:
    """Rename an entry; return whether anything changed."""
    name = _checked_name(session, kind, name, entry.id)
    if name == entry.name:
        return False
    old, entry.name = entry.name, name
    if kind.model is Team:
        session.execute(
            update(FollowUpAction)
            .where(FollowUpAction.owner_team_id == entry.id)
            .values(owner=name[:MAX_NAME])
        )
    audit.record(
        session,
        actor,
        audit.Category.ALTERATION,
        f"{_object(kind)}.rename",
        object_type=_object(kind),
        object_id=entry.id,
        details={"from": old, "to": name},
    )
    return True


def set_retired(session: Session, actor: Actor, kind: Kind, entry, retired: bool) -> bool:
    """Retire an entry (offered no more, kept where used) or bring it back."""
    if entry.retired == retired:
        return False
    entry.retired = retired
    audit.record(
        session,
        actor,
        audit.Category.ALTERATION,
        f"{_object(kind)}.{'retire' if retired else 'restore'}",
        object_type=_object(kind),
        object_id=entry.id,
        details={"name": entry.name},
    )
    return True


def _object(kind: Kind) -> str:
    return "team" if kind.model is Team else "recipient_group"


def _link_written(session: Session, team: Team) -> int:
    """Link the actions whose owner, only written, is this team's name; return how many."""
    written = " ".join(team.name.split()).lower()
    result = session.execute(
        update(FollowUpAction)
        .where(FollowUpAction.owner_kind.is_(None), func.lower(FollowUpAction.owner) == written)
        .values(owner_kind="team", owner_team_id=team.id)
        .execution_options(synchronize_session=False)
    )
    return cast(CursorResult, result).rowcount or 0


def team_of(session: Session, user_id: int) -> Team | None:
    """Return the team a person belongs to, if any."""
    membership = session.get(TeamMembership, user_id)
    return None if membership is None else membership.team


def set_team(session: Session, actor: Actor, user: User, team_id: int | None) -> bool:
    """Put a person in a team (or in none); return whether it changed. Audited."""
    membership = session.get(TeamMembership, user.id)
    current = None if membership is None else membership.team_id
    if current == team_id:
        return False
    if team_id is not None:
        team = session.get(Team, team_id)
        if team is None or team.retired:
            raise ListError("Choose a team from the list")
    if membership is None:
        session.add(TeamMembership(user_id=user.id, team_id=team_id))
    elif team_id is None:
        session.delete(membership)
    else:
        membership.team_id = team_id
    audit.record(
        session,
        actor,
        audit.Category.ALTERATION,
        "user.team",
        object_type="user",
        object_id=user.id,
        details={"from": current, "to": team_id},
    )
    return True
