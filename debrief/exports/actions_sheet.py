"""The Actions sheet of the thematic workbook: what was agreed, in words partners can read
(issue 19), Flask-free.

The partner copy never shows what the hub typed about an action: it shows the partner
summary the hub wrote and confirmed shareable (else "No partner summary"), the theme the
hub gave the action (else the debrief's confirmed themes), and the owner as a team or a
partner agency, never a person: a person shows as their team, or as the force. An owner
only written (before owners were chosen from lists) could be anyone's name, so it shows
as "Not recorded". The free-text copy, for the hub, adds the description, the outcome and
the owner as written.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from .. import xlsx
from ..models import Debrief, Event, FollowUpAction, Team, TeamMembership
from ..timeutil import local_month, local_today
from ..vocabulary import PARTNER_AGENCIES
from .selection import BATCH, ExportOptions, confirmed_themes, debrief_clauses
from .sheets import Context

FORCE_OWNER = "Police (force)"
UNKNOWN_OWNER = "Not recorded"
NO_SUMMARY = "No partner summary"
OVERDUE = "Overdue"


@dataclass(frozen=True)
class ActionRow:
    """One follow-up action on a selected debrief, with what the sheet shows of its owner."""

    export_ref: str
    description: str
    owner: str  # as the hub sees it (written, or the chosen owner's name)
    owner_kind: str | None
    owner_agency: str | None
    owner_team: str | None  # the owning team's name
    person_team: str | None  # the owning person's team's name
    due_date: date | None
    status: str
    outcome: str
    partner_summary: str
    shareable: bool
    raised_at: datetime
    theme_id: str | None  # the action's own theme
    themes: list[str]  # its debrief's confirmed themes

    def partner_owner(self) -> str:
        """Return the owner as partners may read it: a team or an agency, never a person."""
        if self.owner_kind == "team" and self.owner_team:
            return self.owner_team
        if self.owner_kind == "agency" and self.owner_agency:
            return PARTNER_AGENCIES.get(self.owner_agency, UNKNOWN_OWNER)
        if self.owner_kind == "person":
            return self.person_team or FORCE_OWNER
        return UNKNOWN_OWNER

    def partner_words(self) -> str:
        """Return the partner summary where the hub confirmed it shareable."""
        return self.partner_summary if self.shareable and self.partner_summary else NO_SUMMARY

    def theme_ids(self) -> list[str]:
        """Return the action's own theme, or else its debrief's confirmed themes."""
        return [self.theme_id] if self.theme_id else self.themes

    def overdue(self, today: date) -> bool:
        """Tell whether the action is open past its due date."""
        return self.status == "open" and self.due_date is not None and self.due_date < today


def stream_actions(session: Session, options: ExportOptions) -> Iterator[ActionRow]:
    """Yield the follow-up actions on the selected debriefs, by debrief export id, each
    with its debrief's confirmed theme ids (fetched a batch at a time)."""
    owning_team = aliased(Team)
    person_team = aliased(Team)
    rows = session.execute(
        select(
            Debrief.export_ref,
            FollowUpAction.description,
            FollowUpAction.owner,
            FollowUpAction.owner_kind,
            FollowUpAction.owner_agency,
            owning_team.name,
            person_team.name,
            FollowUpAction.due_date,
            FollowUpAction.status,
            FollowUpAction.outcome,
            FollowUpAction.partner_summary,
            FollowUpAction.partner_summary_shareable,
            FollowUpAction.created_at,
            FollowUpAction.theme_id,
            Debrief.id,
        )
        .join(Debrief, FollowUpAction.debrief_id == Debrief.id)
        .join(Event, Debrief.event_id == Event.id)
        .outerjoin(owning_team, FollowUpAction.owner_team_id == owning_team.id)
        .outerjoin(TeamMembership, FollowUpAction.owner_user_id == TeamMembership.user_id)
        .outerjoin(person_team, TeamMembership.team_id == person_team.id)
        .where(*debrief_clauses(options))
        .order_by(Debrief.export_ref, FollowUpAction.id)
        .execution_options(yield_per=BATCH)
    )
    for batch in rows.partitions():
        ids = {row[14] for row in batch}
        themes = confirmed_themes(session, ids)
        for row in batch:
            yield ActionRow(
                export_ref=row[0],
                description=row[1],
                owner=row[2],
                owner_kind=row[3],
                owner_agency=row[4],
                owner_team=row[5],
                person_team=row[6],
                due_date=row[7],
                status=row[8],
                outcome=row[9],
                partner_summary=row[10],
                shareable=bool(row[11]),
                raised_at=row[12],
                theme_id=row[13],
                themes=themes.get(row[14], []),
            )


def write_actions(book, session: Session, ctx: Context) -> None:
    """Write the Actions sheet: the partner copy's readable columns, and in a free-text
    copy the description, outcome and owner as written besides."""
    free_text = ctx.options.include_free_text
    today = local_today()
    columns = [
        xlsx.Column("Export id", 13),
        xlsx.Column("Raised", 10, xlsx.MONTH_FORMAT, centre=True),
        xlsx.Column("Theme", 34, wrap=True),
        xlsx.Column("Owner (team or agency)", 28, wrap=True),
        xlsx.Column("Due", 12, xlsx.DATE_FORMAT, centre=True),
        xlsx.Column("Status", 10),
        xlsx.Column("Overdue", 10),
        xlsx.Column("Partner summary", 50, wrap=True),
    ]
    if free_text:
        columns += [
            xlsx.Column("Owner as written", 28, wrap=True),
            xlsx.Column("Action", 50, wrap=True),
            xlsx.Column("Outcome", 50, wrap=True),
        ]
    labels = ctx.stats.theme_labels
    sheet = book.table_sheet("Actions", columns, marking=ctx.marking, table="Actions")
    for action in stream_actions(session, ctx.options):
        row: list[Any] = [
            action.export_ref,
            local_month(action.raised_at),
            "; ".join(labels.get(t, t) for t in action.theme_ids()) or None,
            action.partner_owner(),
            action.due_date,
            action.status.replace("_", " ").capitalize(),
            OVERDUE if action.overdue(today) else None,
            action.partner_words(),
        ]
        if free_text:
            row += [action.owner, action.description, action.outcome]
        sheet.append(row)
    sheet.finish()
