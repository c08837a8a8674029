"""What the hub's view modules share: the blueprint, the signed-in reviewer, loading a
debrief the hub may see, and the answer to each refusal of a change (self-review 403,
someone else's change first 409, not from this state 409), so views just call the domain."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from .. import audit
from ..errors import refusal
from ..extensions import db_session
from ..models import Debrief, FollowUpAction
from ..questions.store import question_set_of
from ..text_input import whole_number_or_none
from ..web import current_actor, refuse_as_not_found, view_arg
from ..workflow import STATE_LABELS, NotPermitted, State, TransitionRefused
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
        refuse_as_not_found("debrief", debrief_id)
    return debrief


def posted_version() -> int | None:
    """Return the debrief version the posted form was drawn from (None if it sent none)."""
    return whole_number_or_none(request.form.get("version"))


def _debrief_acted_on() -> Debrief:
    """Return the debrief a refused request was about: its own, or its follow-up action's."""
    args = request.view_args or {}
    action = db_session().get(FollowUpAction, args["action_id"]) if "action_id" in args else None
    if action is not None:
        return action.debrief
    return load_debrief(args["debrief_id"])


@bp.errorhandler(NotPermitted)
def refused(error: NotPermitted):
    """Answer 403 for a reviewer acting on a debrief they hosted; audited as a refusal."""
    session = db_session()
    session.rollback()
    debrief = _debrief_acted_on()
    audit.record(
        session,
        current_actor(),
        audit.Category.SECURITY,
        "review.refused",
        object_type="debrief",
        object_id=debrief.id,
        details={"reason": str(error)},
    )
    session.commit()
    return render_template("review/refused.html", title=str(error), debrief=debrief), 403


bp.register_error_handler(TransitionRefused, refusal(409))

# What a form that came too late tried to do, for the conflict page: by endpoint, and by
# the `op` or `action` it sent where one endpoint does several things.
ATTEMPTED = {
    ("review.assign", ""): "assign it to yourself",
    ("review.assign", "release"): "release it",
    ("review.theme", "confirm"): "confirm the theme",
    ("review.theme", "add"): "add the theme",
    ("review.theme", "remove"): "remove the theme",
    ("review.note", ""): "add a note",
    ("review.decide", "start_review"): "start the review",
    ("review.decide", "close"): "close it",
    ("review.return_debrief", ""): "return it to the sergeant",
    ("review.reopen", ""): "reopen it",
}


@bp.errorhandler(reviewing.StaleVersion)
def changed_meanwhile(_stale: reviewing.StaleVersion):
    """Answer 409: show what changed since the page was drawn and offer the change again."""
    session = db_session()
    session.rollback()
    debrief = load_debrief(view_arg("debrief_id"))
    seen_history = whole_number_or_none(request.form.get("seen")) or 0
    changes = reviewing.history_since(session, debrief.id, seen_history)
    latest = max([seen_history] + [c.id for c in changes])
    kept = [
        (k, v)
        for k, v in request.form.items(multi=True)
        if k not in {"csrf_token", "version", "seen"}
    ]
    return (
        render_template(
            "review/conflict.html",
            title="Someone else changed this debrief",
            debrief=debrief,
            state_label=STATE_LABELS[State(debrief.state)],
            changes=changes,
            attempted_text=_attempted_text(debrief),
            kept=kept,
            latest=latest,
            action_url=request.path,
        ),
        409,
    )


def _attempted_text(debrief: Debrief) -> str:
    choice = request.form.get("op") or request.form.get("action") or ""
    text = ATTEMPTED.get((request.endpoint or "", choice), "make a change")
    if request.endpoint == "review.theme":
        theme = question_set_of(debrief.question_set).theme(request.form.get("theme_id", ""))
        text += f" ‘{theme.label}’" if theme else ""
    return text
