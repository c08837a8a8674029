"""Check your answers, submit with the declaration, and the confirmation page."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for

from ..extensions import db_session
from ..roles import Permission
from ..security import requires
from ..web import current_actor, view_arg
from ..workflow import State
from . import drafting, event_record, submitting
from .answers import Status, missing_required
from .common import bp, load_debrief, posted_version, record_view
from .presenting import present


def _check_page(debrief, *, declaration_error=False, stale=False, status=200):
    question_set = drafting.question_set_for(debrief)
    answers = drafting.current_answers(question_set, debrief)
    derived = event_record.derived_ids(question_set, debrief.event)
    event_url = url_for(".event", debrief_id=debrief.id, return_to="check")

    def change_url(section_id: str, question_id: str) -> str:
        if question_id in derived:
            return event_url
        return url_for(".section", debrief_id=debrief.id, section_id=section_id) + f"#{question_id}"

    view = present(
        debrief, question_set, answers, change_url=change_url, event_change_url=event_url
    )
    problems = submitting.submission_problems(question_set, debrief)
    wrong = drafting.wrong_dates(question_set, debrief)
    unsaved = debrief.unsaved_input or {}
    errors = []
    for section, section_status in problems:
        page = url_for(".section", debrief_id=debrief.id, section_id=section.id, check=1)
        # A date that breaks a rule (the event's report time corrected since it was
        # answered, or an old draft) is named itself, linked to its field.
        dated = [wrong[q.id] for q in section.questions if q.id in wrong]
        errors.extend({"text": e.message, "href": f"{page}#{e.href}"} for e in dated)
        kept = any(q.id in unsaved for q in section.questions)
        if dated and not kept and not missing_required(question_set, section, answers):
            continue
        marked = section_status == Status.HAS_ERRORS and (kept or not dated)
        words = "correct the answers marked" if marked else "answer every question"
        errors.append({"text": f"{section.title}: {words}", "href": page})
    if declaration_error:
        errors.append(
            {
                "text": "Confirm that you hosted this debrief and the answers are accurate",
                "href": "#declaration",
            }
        )
    return (
        render_template(
            "debriefs/check.html",
            debrief=debrief,
            view=view,
            problems=errors,
            blocked=bool(problems),
            declaration_error=declaration_error,
            stale=stale,
            resubmit=debrief.state == State.RETURNED,
        ),
        status,
    )


@bp.get("/<int:debrief_id>/check")
@requires(Permission.DEBRIEF_HOST)
def check(debrief_id: int):
    """Check your answers, with a change link for each, then submit."""
    debrief = load_debrief(debrief_id)
    if not drafting.is_editable(debrief):
        return redirect(url_for(".overview", debrief_id=debrief.id))
    record_view(debrief, "check")
    return _check_page(debrief)


@bp.post("/<int:debrief_id>/submit")
@requires(Permission.DEBRIEF_HOST)
def submit(debrief_id: int):
    """Submit the debrief to the hub; a second click of the button changes nothing."""
    debrief = load_debrief(debrief_id)
    session = db_session()
    if drafting.is_editable(debrief) and request.form.get("declaration") != "yes":
        return _check_page(debrief, declaration_error=True)
    try:
        done = submitting.submit(
            session,
            debrief,
            current_actor(),
            drafting.question_set_for(debrief),
            form_version=posted_version(),
        )
    except submitting.Incomplete:  # the check page again, with the sections to finish
        session.rollback()
        return _check_page(load_debrief(debrief_id))
    session.commit()
    return redirect(url_for(".submitted", debrief_id=debrief.id, new=1 if done else None))


@bp.errorhandler(submitting.ChangedSinceChecked)
def changed_since_checked(_stale: submitting.ChangedSinceChecked):
    """Answer 409 with the check page as the debrief is now, saying that it changed."""
    db_session().rollback()
    return _check_page(load_debrief(view_arg("debrief_id")), stale=True, status=409)


@bp.get("/<int:debrief_id>/submitted")
@requires(Permission.DEBRIEF_HOST)
def submitted(debrief_id: int):
    """Confirm the submission and say what happens next."""
    debrief = load_debrief(debrief_id)
    if drafting.is_editable(debrief):
        return redirect(url_for(".overview", debrief_id=debrief.id))
    record_view(debrief, "submitted")
    return render_template("debriefs/submitted.html", debrief=debrief)
