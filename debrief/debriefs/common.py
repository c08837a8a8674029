"""Helpers the sergeant's debrief views share: loading with the owner check, recording a
page view, form input, and the answer to each refusal the domain raises (a debrief no
longer the sergeant's to change 409, an event already debriefed, no such imported event
404). A page drawn before a change elsewhere is answered next to its view, redrawn."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask_login import current_user

from ..errors import refusal
from ..extensions import db_session
from ..models import Debrief
from ..questions.types import is_answered
from ..text_input import whole_number_or_none
from ..web import record_consultation, refuse_as_not_found
from ..workflow import STATE_LABELS, State
from . import drafting, event_record, event_saving
from .presenting import format_answer

bp = Blueprint("debriefs", __name__, url_prefix="/debriefs")
bp.register_error_handler(drafting.NotEditable, refusal(409))
bp.register_error_handler(event_saving.NoSuchImportedEvent, refusal(404))


@bp.errorhandler(event_saving.EventTaken)
def event_taken(taken: event_saving.EventTaken):
    """Send the sergeant back to the imported events, saying who has the debrief."""
    db_session().rollback()
    flash(str(taken), "error")
    return redirect(url_for("debriefs.imported"))


def current_sergeant():
    """Return the signed-in person (the debrief host)."""
    return current_user._get_current_object()


def event_settings() -> event_record.EventSettings:
    """Return the force settings the event record is checked against."""
    return event_record.EventSettings.from_config(current_app.config)


def load_debrief(debrief_id: int) -> Debrief:
    """Return the signed-in sergeant's debrief, or 404 (another's is 'not found' too)."""
    debrief = drafting.get_debrief_for(db_session(), current_sergeant(), debrief_id)
    if debrief is None:
        refuse_as_not_found("debrief", debrief_id)
    return debrief


def record_view(debrief: Debrief, page: str) -> None:
    """Record that the sergeant looked at this debrief (DPA s.62 consultation)."""
    record_consultation("debrief.view", "debrief", debrief.id, page=page)


def posted_form() -> dict[str, list[str]]:
    """Return the POSTed inputs as {name: [values]}."""
    return request.form.to_dict(flat=False)


def posted_version() -> int:
    """Return the debrief version the posted page was drawn from (0 if missing)."""
    return whole_number_or_none(request.form.get("version")) or 0


def state_label(debrief: Debrief) -> str:
    """Return the debrief's state in words."""
    return STATE_LABELS[State(debrief.state)]


def conflict_rows(question_set, stale: drafting.StaleDraft) -> list[dict]:
    """Describe each changed answer in words: what the page showed, what is saved now."""

    def words(question_id, value) -> str:
        question = question_set.question(question_id)
        if not is_answered(value):
            return "Not answered"
        if isinstance(value, dict) and "typed" in value:
            typed = [v for values in value["typed"].values() for v in values if v.strip()]
            return "Typed but not yet valid: " + " ".join(typed)
        if question is None:
            return str(value)
        return ", ".join(format_answer(question, value))

    return [
        {
            "label": c.label,
            "before": words(c.question_id, c.before),
            "now": words(c.question_id, c.now),
        }
        for c in stale.changes
    ]
