"""Known debriefs for the review tests: each column of the queue differs between them."""

from __future__ import annotations

from datetime import datetime

from debrief.extensions import db_session
from debrief.models import Debrief, DebriefTheme
from tests.factories import make_debrief, make_event, make_user


def tag(debrief: Debrief, *theme_ids: str, confirmed: bool = False) -> None:
    """Put themes on a debrief, as suggestions or as confirmed by the hub."""
    session = db_session()
    for theme_id in theme_ids:
        session.add(
            DebriefTheme(
                debrief_id=debrief.id,
                theme_id=theme_id,
                suggested=not confirmed,
                suggestion_reason="" if confirmed else f"Because of {theme_id}",
                confirmed=confirmed,
            )
        )
    session.commit()


def queued(
    host,
    *,
    state: str = "submitted",
    district: str = "North",
    event_type: str = "hgv_concealment",
    reported: datetime = datetime(2025, 6, 2, 9, 0),
    submitted: datetime | None = None,
    intel_doc: bool | None = True,
    assignee=None,
    answers: dict | None = None,
    **event_fields,
) -> Debrief:
    """Create a debrief in the hub's view with the queue's columns set as given."""
    event = make_event(
        created_by=host,
        district=district,
        event_type=event_type,
        reported_at=reported,
        **event_fields,
    )
    fields = {"intel_doc_submitted": intel_doc}
    if submitted is not None:
        fields["submitted_at"] = submitted
    if assignee is not None:
        fields["assignee_id"] = assignee.id
    return make_debrief(
        host,
        state=state,
        event=event,
        answers=answers or {},
        suggest_themes=bool(answers),
        **fields,
    )


def sergeants():
    """Two sergeants with names that sort the other way round from their usernames."""
    return (
        make_user(["sergeant"], username="sgt-a", full_name="Cara Cole"),
        make_user(["sergeant"], username="sgt-b", full_name="Alan Ash"),
    )


def other_reviewer():
    """A second hub reviewer."""
    return make_user(["hub_reviewer"], username="hub-other", full_name="Zed Other")
