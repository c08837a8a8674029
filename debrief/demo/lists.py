"""Demo step: the lists the administrator keeps (teams, the OIC partnership meeting), and a
few follow-up actions on closed demo debriefs owned by a team, an agency and a person,
with partner summaries, so that the Actions sheet shows what partners read. Made once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import func, select

from ..auth import accounts
from ..models import (
    Debrief,
    Event,
    FollowUpAction,
    RecipientGroup,
    State,
    Team,
    TeamMembership,
)
from ..timeutil import local_today
from ..vocabulary import PARTNER_AGENCIES
from .debriefs import DEMO_REF_LIKE
from .site import DemoSite

TEAMS = ["Force intelligence bureau", "Force training team", "Safeguarding hub"]
RECIPIENT_GROUPS = ["OIC partnership meeting"]
HUB_TEAM = "Safeguarding hub"

# (what, owner kind, owner, days from today to due, done?, partner summary, shareable?,
#  theme)
ACTIONS = [
    (
        "Chase the intelligence document with the reporting officer and the control room",
        "team",
        "Force intelligence bureau",
        -14,
        False,
        "Make sure the intelligence document is completed on the first call to the NCCU.",
        True,
        "intel_doc_missing",
    ),
    (
        "Ask Immigration Enforcement why attendance took four hours",
        "agency",
        "immigration_enforcement",
        10,
        False,
        "Agree an attendance time for out-of-hours events at ports.",
        True,
        "partner_response",
    ),
    (
        "Brief the night shift on the OIC e-learning",
        "team",
        "Force training team",
        30,
        False,
        "Every response officer to finish the four-module OIC e-learning.",
        False,
        "training",
    ),
    (
        "Check children's services were told the same night",
        "person",
        "hub",
        -3,
        False,
        "Check children's services are told on the night for every child found.",
        True,
        "children",
    ),
    (
        "Share the interpreter line's number with the coastal team",
        "agency",
        "border_force",
        -30,
        True,
        "",
        False,
        "",
    ),
]


def create_demo_lists(site: DemoSite, echo: Callable[[str], None]) -> None:
    """Add the demo teams and recipient groups, the hub reviewer's team, and a few actions."""
    session = site.session
    added = 0
    for model, names in ((Team, TEAMS), (RecipientGroup, RECIPIENT_GROUPS)):
        for name in names:
            if session.scalar(select(model.id).where(model.name == name)) is None:
                session.add(model(name=name, retired=False))
                added += 1
    session.flush()
    hub = accounts.find_user(session, "hub")
    teams = {t.name: t for t in session.scalars(select(Team))}
    if hub is not None and session.get(TeamMembership, hub.id) is None:
        session.add(TeamMembership(user_id=hub.id, team_id=teams[HUB_TEAM].id))
    echo(f"Lists: {added} teams and recipient groups added.")
    _add_actions(site, teams, echo)
    session.commit()


def _add_actions(site: DemoSite, teams: dict[str, Team], echo: Callable[[str], None]) -> None:
    session = site.session
    hub = accounts.find_user(session, "hub")
    closed = list(
        session.scalars(
            select(Debrief)
            .join(Event, Debrief.event_id == Event.id)
            .where(Debrief.state == State.CLOSED, Event.incident_ref.like(DEMO_REF_LIKE))
            .order_by(Event.reported_at.desc())
            .limit(len(ACTIONS) * 3)
        )
    )
    if hub is None or not closed:
        echo("Demo actions: no closed demo debriefs, none added.")
        return
    ids = [d.id for d in closed]
    existing = session.scalar(
        select(func.count(FollowUpAction.id)).where(FollowUpAction.debrief_id.in_(ids))
    )
    if existing:
        echo("Demo actions: already present, none added.")
        return
    today = local_today()
    for n, (what, kind, owner, due, done, summary, shareable, theme) in enumerate(ACTIONS):
        fields: dict[str, object] = {"owner_kind": kind}
        if kind == "team":
            fields.update(owner_team_id=teams[owner].id, owner=owner)
        elif kind == "agency":
            fields.update(owner_agency=owner, owner=PARTNER_AGENCIES[owner])
        else:
            fields.update(owner_user_id=hub.id, owner=hub.display_name)
        debrief = closed[n * 3]
        session.add(
            FollowUpAction(
                debrief_id=debrief.id,
                description=what,
                due_date=today + timedelta(days=due),
                status="done" if done else "open",
                outcome="Done as agreed." if done else "",
                partner_summary=summary,
                partner_summary_shareable=shareable,
                theme_id=theme or None,
                created_by_id=hub.id,
                created_at=debrief.closed_at or debrief.submitted_at,
                **fields,
            )
        )
    echo(f"Demo actions: {len(ACTIONS)} follow-up actions added.")
