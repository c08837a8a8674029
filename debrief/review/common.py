"""What the hub's view modules share: the blueprint, the signed-in reviewer, the refusal
page, and loading a debrief the hub may see."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from .. import audit
from ..extensions import db_session
from ..models import Debrief
from ..web import current_actor
from . import reviewing

bp = Blueprint("review", __name__, url_prefix="/review")


def signed_in_user():
    return current_user._get_current_object()


def load_debrief(debrief_id: int) -> Debrief:
    """Return a debrief the hub may see with what the page shows, or answer 404."""
    debrief = db_session().get(
        Debrief,
        debrief_id,
        options=[
            joinedload(Debrief.event),
            joinedload(Debrief.host),
            joinedload(Debrief.assignee),
            joinedload(Debrief.question_set),
            selectinload(Debrief.answers),
            selectinload(Debrief.themes),
        ],
    )
    if not reviewing.visible_to_hub(debrief):
        abort(404)
    return debrief


def refuse(debrief: Debrief, message: str):
    """Answer 403 for a reviewer acting on a debrief they hosted; audited as a refusal."""
    session = db_session()
    session.rollback()
    audit.record(
        session,
        current_actor(),
        audit.Category.SECURITY,
        "review.refused",
        object_type="debrief",
        object_id=debrief.id,
        details={"reason": message},
    )
    session.commit()
    return render_template("review/refused.html", title=message, debrief=debrief), 403
