"""The hub's follow-up action pages: raise, update (even after close), and the Actions list.

A self-review is refused by the blueprint's handler (common.py); an update drawn from
an older version of the action is answered here, with the form as it was typed."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from sqlalchemy.orm import joinedload

from ..extensions import db_session
from ..models import Debrief, FollowUpAction
from ..roles import Permission
from ..security import requires
from ..text_input import MAX_PAGE, whole_number_or_none
from ..timeutil import local_today
from ..web import current_actor, record_consultation, refuse_as_not_found, view_arg
from . import follow_up, reviewing
from .common import bp, load_debrief, signed_in_user
from .forms import ActionForm

EDIT_TITLE = "Update the follow-up action"


def _input(form: ActionForm) -> follow_up.ActionInput:
    return follow_up.ActionInput(
        description=form.description.data or "",
        owner=form.owner.data or "",
        due_date=form.due_date.data,
        status=form.status.data or "open",
        outcome=form.outcome.data or "",
    )


def _form_page(form: ActionForm, debrief: Debrief, title: str, status: int = 200, **extra):
    return (
        render_template(
            "review/action_form.html", form=form, debrief=debrief, title=title, **extra
        ),
        status,
    )


@bp.route("/<int:debrief_id>/actions/new", methods=["GET", "POST"])
@requires(Permission.REVIEW)
def new_action(debrief_id: int):
    """Raise a follow-up action on a debrief."""
    debrief = load_debrief(debrief_id)
    reviewing.ensure_may_act(debrief, signed_in_user())
    form = ActionForm()
    if request.method == "POST" and form.validate():
        session = db_session()
        action = follow_up.create_action(session, debrief, current_actor(), _input(form))
        session.commit()
        flash(f"Follow-up action raised for {action.owner}.", "success")
        return redirect(url_for("review.show", debrief_id=debrief.id) + "#actions")
    status = 400 if form.errors else 200
    return _form_page(form, debrief, "Raise a follow-up action", status)


def _load_action(action_id: int) -> FollowUpAction:
    action = db_session().get(
        FollowUpAction,
        action_id,
        options=[joinedload(FollowUpAction.debrief).joinedload(Debrief.event)],
    )
    if action is None or not reviewing.visible_to_hub(action.debrief):
        refuse_as_not_found("action", action_id)
    return action


@bp.route("/actions/<int:action_id>", methods=["GET", "POST"])
@requires(Permission.REVIEW)
def edit_action(action_id: int):
    """Update a follow-up action: status, outcome and the rest, even after the debrief closed."""
    action = _load_action(action_id)
    debrief, session = action.debrief, db_session()
    reviewing.ensure_may_act(debrief, signed_in_user())
    if request.method == "GET":
        form = ActionForm(obj=action)
        record_consultation("action.view", "follow_up_action", action.id, debrief_id=debrief.id)
        return _form_page(form, debrief, EDIT_TITLE, action=action)
    form = ActionForm()
    if not form.validate():
        return _form_page(form, debrief, EDIT_TITLE, 400, action=action)
    changed = follow_up.update_action(
        session, action, current_actor(), _input(form), form.version.data
    )
    if changed:
        session.commit()
        flash(f"Follow-up action for {action.owner} updated.", "success")
    return redirect(url_for("review.show", debrief_id=debrief.id) + "#actions")


@bp.errorhandler(follow_up.StaleAction)
def action_changed_meanwhile(_stale: follow_up.StaleAction):
    """Answer 409 with the update as typed over the action as it is now, so that saving
    again overwrites on purpose."""
    db_session().rollback()
    action = _load_action(view_arg("action_id"))
    form = ActionForm()
    form.version.data = action.version
    return _form_page(form, action.debrief, EDIT_TITLE, 409, action=action, conflict=True)


@bp.get("/actions")
@requires(Permission.REVIEW)
def actions():
    """List open follow-up actions across all debriefs, overdue first, by owner if asked."""
    session = db_session()
    owners = follow_up.owners_with_open_actions(session)
    owner = request.args.get("owner", "")
    owner = owner if owner in owners else ""
    size = current_app.config["QUEUE_PAGE_SIZE"]
    page = min(whole_number_or_none(request.args.get("page")) or 1, MAX_PAGE)
    today = local_today()
    items, total = follow_up.open_actions(session, today, owner, size, (page - 1) * size)
    record_consultation(
        "actions.view", "follow_up_action", owner=owner, action_ids=[a.id for a in items]
    )
    pages = max(1, -(-total // size))
    return render_template(
        "review/actions.html",
        title="Open follow-up actions",
        items=items,
        total=total,
        owners=owners,
        owner=owner,
        today=today,
        page=page,
        pages=pages,
        page_url=lambda n: url_for("review.actions", owner=owner or None, page=n),
    )
