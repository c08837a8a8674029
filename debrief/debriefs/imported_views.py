"""Finding an imported command-and-control event to debrief, instead of typing it again."""

from __future__ import annotations

from flask import render_template, request

from ..extensions import db_session
from ..roles import Permission
from ..security import requires
from ..vocabulary import EVENT_TYPES
from . import imported_events
from .common import bp, current_sergeant


@bp.get("/imported")
@requires(Permission.DEBRIEF_HOST)
def imported():
    """Search imported events without a debrief by incident reference, or list the latest."""
    session = db_session()
    typed = request.args.get("ref", "")[:80]
    found = (
        imported_events.search_waiting(session, current_sergeant(), typed)
        if typed.strip()
        else None
    )
    recent = [] if found else imported_events.recent_waiting(session)
    return render_template(
        "debriefs/imported.html", typed=typed, found=found, recent=recent, event_types=EVENT_TYPES
    )
