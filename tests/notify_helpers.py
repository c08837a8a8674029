"""A small force for the notification tests: one of each thing that waits for someone,
and one of each that does not, around a given day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from debrief.models import FollowUpAction, Team, TeamMembership, User
from debrief.timeutil import from_local
from tests.factories import make_debrief, make_event, make_user

# References and words that must never leave in an email.
SECRET_WORDS = ("INC-", "NCCU-", "Sgt Ash", "Hub Dee", "Team Tam", "Insp Bell", "Check the CCTV")


@dataclass
class World:
    sergeant: User
    supervisor: User
    hub: User
    member: User
    lead: User
    returned: int
    undebriefed: int
    overdue: int
    action_person: int
    action_team: int
    action_agency: int


def at(today: date, hour: int = 9) -> datetime:
    """Return naive UTC for this UK local hour of the day."""
    return from_local(datetime(today.year, today.month, today.day, hour))


def build(db, today: date) -> World:
    """Make the people and one item of each kind (and some that must not show)."""
    now = at(today)
    supervisor = make_user(["sergeant"], username="insp-bell", full_name="Insp Bell")
    sergeant = make_user(["sergeant"], username="sgt-ash", full_name="Sgt Ash")
    hub = make_user(["hub_reviewer"], username="hub-dee", full_name="Hub Dee")
    member = make_user(["sergeant"], username="tm-tam", full_name="Team Tam")
    lead = make_user(["partnership_lead"], username="lead-eve", full_name="Lead Eve")
    db.get(User, sergeant.id).supervisor_id = supervisor.id
    for person, address in (
        (sergeant, "ash@police.example.invalid"),
        (supervisor, "bell@police.example.invalid"),
        (hub, "dee@police.example.invalid"),
        (member, "tam@police.example.invalid"),
        (lead, "eve@police.example.invalid"),
    ):
        db.get(User, person.id).email = address
    team = Team(name="Safeguarding team")
    db.add(team)
    db.flush()
    db.add(TeamMembership(user_id=member.id, team_id=team.id))
    db.commit()

    returned = make_debrief(
        sergeant, state="returned", event=make_event(reported_at=now - timedelta(days=3))
    )
    old_draft = make_debrief(sergeant, event=make_event(reported_at=now - timedelta(days=20)))
    make_debrief(sergeant, event=make_event(reported_at=now - timedelta(days=2)))  # not yet due
    overdue = make_debrief(
        member, state="submitted", submitted_at=now - timedelta(days=30),
        event=make_event(reported_at=now - timedelta(days=31)),
    )  # fmt: skip
    make_debrief(member, state="submitted", submitted_at=now - timedelta(hours=2))  # in time
    closed = make_debrief(member, state="closed")

    def action(owner_kind, due, status="open", **owner):
        row = FollowUpAction(
            debrief_id=closed.id,
            description="Check the CCTV",
            owner=owner.pop("owner", "x"),
            owner_kind=owner_kind,
            due_date=due,
            status=status,
            created_by_id=hub.id,
            **owner,
        )
        db.add(row)
        db.flush()
        return row.id

    person = action("person", today + timedelta(days=1), owner="Sgt Ash", owner_user_id=sergeant.id)
    action("person", today + timedelta(days=40), owner="Sgt Ash", owner_user_id=sergeant.id)
    action("person", today - timedelta(days=4), "done", owner="Sgt Ash", owner_user_id=sergeant.id)
    team_action = action(
        "team", today - timedelta(days=2), owner="Safeguarding team", owner_team_id=team.id
    )
    agency = action("agency", today, owner="Border Force", owner_agency="border_force")
    db.commit()
    return World(
        sergeant, supervisor, hub, member, lead,
        returned.id, old_draft.id, overdue.id, person, team_action, agency,
    )  # fmt: skip
