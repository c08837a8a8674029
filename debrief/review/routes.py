"""The safeguarding hub's pages: the queue, one debrief under review, bulk actions, actions.

Thin views: parse the request, call queue / reviewing / follow_up, render or
redirect. The domain's refusals are answered by the blueprint's error handlers
(common.py): 403 for self-review, 409 for not from this state or someone else's
change first.
"""

from __future__ import annotations

from datetime import date

from flask import (
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select

from .. import navigation
from ..debriefs.presenting import present
from ..extensions import db_session
from ..models import Debrief
from ..periods import ReviewTarget
from ..questions.active import active_question_set
from ..questions.loader import QuestionSet
from ..questions.store import question_set_of
from ..roles import Permission
from ..security import requires
from ..text_input import whole_number_or_none
from ..vocabulary import EVENT_TYPES
from ..web import current_actor, record_consultation
from ..workflow import (
    STATE_LABELS,
    Action,
    State,
    allowed_actions,
)
from . import queue, returns, reviewing
from .common import bp, load_debrief, posted_version, signed_in_user
from .forms import NoteForm, ReasonForm
from .pages import debrief_page_context, latest_history_id, queue_labels
from .queue_rows import queue_rows_html

navigation.register_count("review.queue", lambda session, user: queue.queue_count(session, user.id))


@bp.app_template_filter("long_date")
def long_date(value: date | None) -> str:
    """Write a calendar date the way people read it: 27 June 2025."""
    return f"{value.day} {value:%B %Y}" if value else ""


def current_question_set() -> QuestionSet:
    """Return the force's question set as it stands now (for the theme list and filters)."""
    return active_question_set(current_app)


def _filter(source=None) -> queue.QueueFilter:
    qs = current_question_set()
    return queue.parse_filter(
        request.args if source is None else source,
        current_app.config["DISTRICTS"],
        EVENT_TYPES,
        [t.id for t in qs.themes],
    )


# --- the queue --------------------------------------------------------------------------------


@bp.get("/", endpoint="queue")
@requires(Permission.REVIEW)
def queue_page():
    """List the debriefs waiting for the hub, filtered and sorted as the URL says."""
    qf = _filter()
    session = db_session()
    review_target = ReviewTarget.from_config(current_app.config)
    target = review_target.working_days
    page = queue.load_page(
        session,
        qf,
        current_user.id,
        page_size=current_app.config["QUEUE_PAGE_SIZE"],
        target=review_target,
    )
    labels = queue_labels(current_question_set())
    html = render_template(
        "review/queue.html",
        qf=qf,
        page=page,
        rows_html=queue_rows_html(page.rows, labels, _review_path(), target),
        labels=labels,
        districts=current_app.config["DISTRICTS"],
        target=target,
        page_url=lambda number: _with_query(qf.page_query(number)) + "#results",
    )
    # Recorded after rendering, so that the header's count is read in the same
    # transaction as the page (not a fresh one after the write); nothing is sent
    # unless the record is committed.
    # A search by reference is recorded as such: who looked for which reference (issue 21).
    record_consultation(
        "queue.search" if qf.search else "queue.view",
        "queue",
        filter=qf.to_args(),
        debrief_ids=[row.id for row in page.rows],
    )
    return html


def _review_path() -> str:
    """Return a debrief's review address without its number: one url_for, not fifty."""
    sample = url_for("review.show", debrief_id=0)
    if not sample.endswith("/0"):
        raise RuntimeError(f"the review page's address no longer ends in its number: {sample}")
    return sample[:-1]


def queue_url(qf: queue.QueueFilter) -> str:
    """Return the queue's URL for a filter (to go back to it after a bulk action)."""
    return _with_query(qf.query_string())


def _with_query(query: str) -> str:
    path = g.get("queue_path")
    if path is None:  # a queue page links to itself a score of times: one url_for
        path = g.queue_path = url_for("review.queue")
    return path + ("?" + query if query else "")


@bp.app_template_global()
def queue_sort_url(qf: queue.QueueFilter, column: str) -> str:
    """Return the queue's URL sorted by a column (flipping the order if sorted by it)."""
    return _with_query(qf.sorted_by_query(column))


# --- bulk actions -----------------------------------------------------------------------------


def _bulk_selection(qf: queue.QueueFilter, source) -> tuple[str, object]:
    """Return the scope ("ticked" or "filter") and a select of the debrief ids it covers."""
    scope = source.get("scope", "ticked")
    if scope == "filter":
        return scope, queue.matching_ids(qf, current_user.id)
    ids = [i for i in map(whole_number_or_none, source.getlist("id")) if i is not None]
    return "ticked", select(Debrief.id).where(Debrief.id.in_(ids))


def _bulk_plan(source):
    qf = _filter(source)
    scope, ids = _bulk_selection(qf, source)
    if scope == "ticked" and not source.getlist("id"):
        flash("Select at least one debrief, or choose to apply the action to every match.", "info")
        return qf, scope, None
    try:
        plan = reviewing.plan_bulk(
            db_session(),
            signed_in_user(),
            source.get("bulk_action", ""),
            ids,
            current_question_set(),
            source.get("theme_id", ""),
        )
    except reviewing.InvalidInput as exc:
        flash(next(iter(exc.errors.values())), "info")
        return qf, scope, None
    return qf, scope, plan


@bp.get("/bulk")
@requires(Permission.REVIEW)
def bulk_confirm():
    """Say how many debriefs a bulk action will change, before changing anything."""
    qf, scope, plan = _bulk_plan(request.args)
    if plan is None:
        return redirect(queue_url(qf))
    return render_template(
        "review/bulk_confirm.html",
        qf=qf,
        scope=scope,
        plan=plan,
        ids=request.args.getlist("id"),
        back=queue_url(qf),
    )


@bp.post("/bulk")
@requires(Permission.REVIEW)
def bulk_apply():
    """Apply a confirmed bulk action to the debriefs it covers now."""
    qf, _scope, plan = _bulk_plan(request.form)
    if plan is None:
        return redirect(queue_url(qf))
    session = db_session()
    changed = reviewing.apply_bulk(session, current_actor(), plan)
    session.commit()
    what = {"assign": "assigned to you", "start": "assigned to you and in review"}.get(
        plan.action, f"tagged ‘{plan.theme_label}’"
    )
    flash(f"{changed} debrief{'' if changed == 1 else 's'} {what}.", "success")
    return redirect(queue_url(qf))


# --- one debrief ------------------------------------------------------------------------------


def render_debrief(debrief: Debrief, note_form: NoteForm | None = None, status: int = 200):
    """Render the review page of one debrief and audit that it was seen."""
    session = db_session()
    context = debrief_page_context(
        session, debrief, signed_in_user(), ReviewTarget.from_config(current_app.config)
    )
    record_consultation("debrief.view", "debrief", debrief.id, page="review")
    if note_form is None:
        note_form = NoteForm(formdata=None, version=debrief.version, seen=context["seen"])
    # `form` is what the page layout summarises errors of at the top.
    summarised = note_form if note_form.errors else None
    return (
        render_template("review/debrief.html", note_form=note_form, form=summarised, **context),
        status,
    )


@bp.get("/<int:debrief_id>")
@requires(Permission.REVIEW)
def show(debrief_id: int):
    """Show one debrief with its themes, actions, notes and history."""
    return render_debrief(load_debrief(debrief_id))


def _saved(debrief: Debrief, message: str | None, anchor: str = ""):
    """Commit a change to the debrief and go back to its page, saying what was done."""
    db_session().commit()
    if message:
        flash(message, "success")
    return redirect(url_for("review.show", debrief_id=debrief.id) + anchor)


@bp.post("/<int:debrief_id>/assign")
@requires(Permission.REVIEW)
def assign(debrief_id: int):
    """Assign the debrief to the signed-in reviewer, or release it."""
    debrief = load_debrief(debrief_id)
    session, actor = db_session(), current_actor()
    if request.form.get("op") == "release":
        reviewing.release(session, debrief, actor, posted_version())
        return _saved(debrief, "Released.")
    assigned = reviewing.assign_to_me(session, debrief, actor, posted_version())
    return _saved(debrief, "Assigned to you." if assigned else None)


@bp.post("/<int:debrief_id>/themes")
@requires(Permission.REVIEW)
def theme(debrief_id: int):
    """Confirm, add or remove one theme."""
    debrief = load_debrief(debrief_id)
    session, actor = db_session(), current_actor()
    qs = question_set_of(debrief.question_set)
    theme_id = request.form.get("theme_id", "")
    op = request.form.get("op", "confirm")
    if op == "remove":
        changed = reviewing.remove_theme(session, debrief, actor, qs, theme_id, posted_version())
    elif qs.theme(theme_id):
        changed = reviewing.confirm_theme(session, debrief, actor, qs, theme_id, posted_version())
    else:
        flash("Select a theme to add.", "info")
        return redirect(url_for("review.show", debrief_id=debrief.id) + "#themes")
    theme = qs.theme(theme_id)
    label = theme.label if theme else theme_id
    done = "Removed" if op == "remove" else ("Added" if op == "add" else "Confirmed")
    return _saved(debrief, f"{done} theme ‘{label}’." if changed else None, "#themes")


@bp.post("/<int:debrief_id>/notes")
@requires(Permission.REVIEW)
def note(debrief_id: int):
    """Add a reviewer note (hub only)."""
    debrief = load_debrief(debrief_id)
    form = NoteForm()
    if not form.validate():
        if form.version.data is not None:
            reviewing.check_version(debrief, form.version.data)
        return render_debrief(debrief, note_form=form, status=400)
    reviewing.add_note(db_session(), debrief, current_actor(), form.text.data, posted_version())
    return _saved(debrief, "Note added.", "#notes")


@bp.post("/<int:debrief_id>/decide")
@requires(Permission.REVIEW)
def decide(debrief_id: int):
    """Start the review of, or close, a debrief (no reason needed)."""
    debrief = load_debrief(debrief_id)
    action = request.form.get("action", "")
    if action not in {Action.START_REVIEW, Action.CLOSE}:
        abort(400)
    if action == Action.CLOSE and reviewing.unresolved_suggestions(debrief):
        reviewing.ensure_may_act(debrief, signed_in_user())
        reviewing.check_version(debrief, posted_version())
        return redirect(url_for("review.close", debrief_id=debrief.id))
    reviewing.decide(db_session(), debrief, current_actor(), action, "", posted_version())
    return _saved(debrief, "Debrief closed." if action == Action.CLOSE else "Review started.")


@bp.route("/<int:debrief_id>/close", methods=["GET", "POST"])
@requires(Permission.REVIEW)
def close(debrief_id: int):
    """Ask the reviewer to confirm or dismiss each suggested theme left, then close."""
    debrief = load_debrief(debrief_id)
    session, user = db_session(), signed_in_user()
    if Action.CLOSE not in allowed_actions(debrief, user):
        reviewing.ensure_may_act(debrief, user)
        state = STATE_LABELS[State(debrief.state)].lower()
        abort(409, description=f"A debrief that is {state} cannot be closed.")
    qs = question_set_of(debrief.question_set)
    pending = reviewing.unresolved_suggestions(debrief)
    decisions = {t.theme_id: request.form.get(f"theme-{t.theme_id}", "") for t in pending}
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            reviewing.close_resolving(
                session, debrief, current_actor(), qs, decisions, posted_version()
            )
        except reviewing.InvalidInput as exc:
            session.rollback()
            debrief = load_debrief(debrief_id)
            errors = exc.errors
        else:
            return _saved(debrief, "Debrief closed.")
    themes = [(t, qs.theme(t.theme_id)) for t in pending]
    return render_template(
        "review/close.html",
        debrief=debrief,
        themes=themes,
        decisions=decisions,
        errors=errors,
        error_list=[{"text": m, "href": f"#{k}"} for k, m in errors.items()],
        version=debrief.version,
    ), (400 if errors else 200)


REFUSED_WORDS = {Action.RETURN: "returned", Action.REOPEN: "reopened"}
REASON_PAGES = {
    Action.RETURN: (
        "Return {n} to the sergeant",
        "Why are you returning it?",
        "The sergeant sees this reason. Say what needs to be added or corrected.",
        "Return to sergeant",
        "Debrief returned to the sergeant.",
    ),
    Action.REOPEN: (
        "Reopen {n}",
        "Why are you reopening it?",
        "The reason is kept in the debrief's history.",
        "Reopen debrief",
        "Debrief reopened.",
    ),
}


def _reason_page(debrief_id: int, action: Action):
    debrief = load_debrief(debrief_id)
    title, label, hint, button, success = REASON_PAGES[action]
    user, session = signed_in_user(), db_session()
    if request.method == "GET" and action not in allowed_actions(debrief, user):
        reviewing.ensure_may_act(debrief, user)
        state = STATE_LABELS[State(debrief.state)].lower()
        abort(409, description=f"A debrief that is {state} cannot be {REFUSED_WORDS[action]}.")
    form = ReasonForm(
        data={"version": debrief.version, "seen": latest_history_id(session, debrief.id)}
        if request.method == "GET"
        else None
    )
    form.reason.label.text = label
    form.reason.description = hint
    form.submit.label.text = button
    qs = question_set_of(debrief.question_set)
    typed = {k[len("comment-") :]: v for k, v in request.form.items() if k.startswith("comment-")}
    comments, comment_errors = returns.clean_comments(qs, debrief, typed)
    valid = request.method == "POST" and form.validate()
    if valid and not comment_errors:
        if action == Action.RETURN:
            reviewing.return_with_comments(
                session, debrief, current_actor(), form.reason.data, comments, posted_version()
            )
        else:
            reviewing.decide(
                session, debrief, current_actor(), action, form.reason.data, posted_version()
            )
        return _saved(debrief, success)
    if request.method == "POST":
        reviewing.check_version(debrief, form.version.data)
    if action != Action.RETURN:
        comment_errors = {}
    errors = [
        {"text": message, "href": f"#{field.id}"} for field in form for message in field.errors
    ] + [{"text": message, "href": f"#comment-{qid}"} for qid, message in comment_errors.items()]
    return render_template(
        "review/reason.html",
        title=title.format(n=debrief.event.incident_ref),
        form=form,
        debrief=debrief,
        view=present(debrief, qs) if action == Action.RETURN else None,
        comments=typed,
        comment_errors=comment_errors,
        error_list=errors,
    ), (400 if errors else 200)


@bp.route("/<int:debrief_id>/return", methods=["GET", "POST"])
@requires(Permission.REVIEW)
def return_debrief(debrief_id: int):
    """Ask why, then return the debrief to its sergeant."""
    return _reason_page(debrief_id, Action.RETURN)


@bp.route("/<int:debrief_id>/reopen", methods=["GET", "POST"])
@requires(Permission.REVIEW)
def reopen(debrief_id: int):
    """Ask why, then reopen a closed debrief."""
    return _reason_page(debrief_id, Action.REOPEN)
