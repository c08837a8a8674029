"""The hub's follow-up action pages: raise, update (even after close), and the Actions list.

A self-review is refused by the blueprint's handler (common.py); an update drawn from
an older version of the action is answered here, with the form as it was typed."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from sqlalchemy.orm import joinedload

from ..extensions import db_session
from ..models import Debrief, FollowUpAction
from ..questions.active import active_question_set
from ..roles import Permission
from ..security import requires
from ..text_input import MAX_PAGE, whole_number_or_none
from ..timeutil import local_today
from ..web import current_actor, record_consultation, refuse_as_not_found, view_arg
from . import follow_up, partner_summary, reviewing
from .common import bp, load_debrief, signed_in_user
from .forms import ActionForm

EDIT_TITLE = "Update the follow-up action"


def _input(form: ActionForm) -> follow_up.ActionInput:
    return follow_up.ActionInput(
        description=form.description.data or "",
        owner=form.owner(),
        due_date=form.due_date.data,
        status=form.status.data or "open",
        outcome=form.outcome.data or "",
        partner_summary=form.partner_summary.data or "",
        shareable=bool(form.shareable.data),
        theme_id=form.theme_id.data or "",
    )


def _rules() -> partner_summary.Rules:
    return partner_summary.Rules.from_config(current_app.config)


def _action_form(action: FollowUpAction | None = None, **kwargs) -> ActionForm:
    """The form with its owner lists (and, for an action owned as written, that choice)."""
    form = ActionForm(**kwargs)
    written = action.owner if action is not None and action.owner_kind is None else ""
    form.set_owner_choices(follow_up.owner_options(db_session(), action), written)
    themes = active_question_set(current_app).themes
    form.set_theme_choices(
        [(t.id, t.label) for t in themes], action.theme_id if action is not None else None
    )
    return form


def _show_refusal(form: ActionForm, refused: reviewing.InvalidInput) -> None:
    """Put the domain's messages on the fields they name."""
    for name, message in refused.errors.items():
        field = getattr(form, name, None) or form.owner_kind
        field.errors = [*field.errors, message]


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
    form = _action_form()
    if request.method == "POST" and form.validate():
        session = db_session()
        try:
            action = follow_up.create_action(
                session, debrief, current_actor(), _input(form), _rules()
            )
        except reviewing.InvalidInput as refused:
            session.rollback()
            _show_refusal(form, refused)
            return _form_page(form, debrief, "Raise a follow-up action", 400)
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
        form = _action_form(action, obj=action)
        form.show_owner(follow_up.owner_choice(action))
        form.shareable.data = action.partner_summary_shareable
        record_consultation("action.view", "follow_up_action", action.id, debrief_id=debrief.id)
        return _form_page(form, debrief, EDIT_TITLE, action=action)
    form = _action_form(action)
    if not form.validate():
        return _form_page(form, debrief, EDIT_TITLE, 400, action=action)
    try:
        changed = follow_up.update_action(
            session, action, current_actor(), _input(form), form.version.data, _rules()
        )
    except reviewing.InvalidInput as refused:
        session.rollback()
        _show_refusal(form, refused)
        return _form_page(form, debrief, EDIT_TITLE, 400, action=_load_action(action_id))
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
    form = _action_form(action)
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
    items, total = follow_up.open_actions(session, owner, size, (page - 1) * size)
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
