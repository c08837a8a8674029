"""The sergeant's debriefs: record the event, answer each section, check and submit.

Views are thin: they read the request, call the Flask-free modules beside them
(drafting, submitting, ...), and render or redirect. Every page showing a
debrief is recorded in the audit trail.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from .. import navigation, pending_forms
from ..compliance import chasing
from ..extensions import db_session, locks_before_writing
from ..keeping import restore_typed_form
from ..review import returns
from ..roles import Permission
from ..security import requires
from ..vocabulary import EVENT_TYPES
from ..web import current_actor, url_pattern, view_arg
from ..workflow import State
from . import drafting, event_record, imported_events, submitting
from .common import (
    bp,
    conflict_rows,
    current_sergeant,
    load_debrief,
    posted_form,
    posted_version,
    record_view,
    state_label,
)
from .forms import ErrorList, build_fields, decode_base, encode_base, stored_form
from .my_debriefs import list_mine, returned_count
from .presenting import format_answer, present


def _returned_label(session, user) -> str | None:
    count = returned_count(session, user)
    return f"{count} returned" if count else None


navigation.register_count("debriefs.index", _returned_label)


@bp.get("/")
@requires(Permission.DEBRIEF_HOST)
def index():
    """List the sergeant's debriefs: returned, drafts, submitted and closed."""
    session = db_session()
    mine = list_mine(session, current_sergeant(), all_closed=request.args.get("closed") == "all")
    chased = chasing.put_to(
        session, current_sergeant(), current_app.config["NCCU_MATCH_WINDOW_HOURS"]
    )
    return render_template(
        "debriefs/index.html",
        kept=_kept_pages(session),
        mine=mine,
        chased=chased,
        chased_to_do=[item for item in chased if item.chase.needs_action],
        waiting=imported_events.recent_waiting(session, limit=5),
        state_label=state_label,
        event_types=EVENT_TYPES,
        overview_url=url_pattern("debriefs.overview", "debrief_id"),
    )


def _kept_pages(session) -> list[dict]:
    """Name and link each page this sergeant typed on and could not save (kept for them)."""
    kept = pending_forms.kept_pages(
        session, current_sergeant().id, days=current_app.config["KEPT_FORM_DAYS"]
    )
    if not kept:
        return []
    adapter = current_app.url_map.bind("localhost")
    pages = []
    for row in kept:
        try:
            endpoint, args = adapter.match(row.path, method="GET")
        except HTTPException:
            continue
        debrief = row.debrief
        if endpoint == "debriefs.new":
            name = "Record the event, for a new debrief"
        elif debrief is None or debrief.host_id != row.user_id:
            continue
        elif endpoint == "debriefs.section":
            section = drafting.question_set_for(debrief).section(args["section_id"])
            name = f"{debrief.event.incident_ref}: {section.title if section else 'a section'}"
        else:
            name = f"{debrief.event.incident_ref}: the event record"
        pages.append({"name": name, "href": row.path, "kept_at": row.kept_at})
    return pages


# --- overview (task list), sections --------------------------------------------------------


@bp.get("/<int:debrief_id>")
@requires(Permission.DEBRIEF_HOST)
def overview(debrief_id: int):
    """Show the task list of a draft, or the read-only debrief once submitted."""
    debrief = load_debrief(debrief_id)
    question_set = drafting.question_set_for(debrief)
    returned = (
        drafting.latest_return(db_session(), debrief) if debrief.state == State.RETURNED else None
    )
    record_view(debrief, "overview")
    if not drafting.is_editable(debrief):
        view = present(debrief, question_set, drafting.answers_of(debrief))  # as submitted
        return render_template(
            "debriefs/view.html", debrief=debrief, view=view, state_label=state_label(debrief)
        )
    tasks = drafting.overview(question_set, debrief)
    problems = submitting.submission_problems(question_set, debrief)
    comments = _hub_comments(debrief, question_set)
    return render_template(
        "debriefs/overview.html",
        debrief=debrief,
        tasks=tasks,
        ready=not problems,
        returned=returned,
        state_label=state_label(debrief),
        comments=comments,
        to_fix={c.section_id for c in comments},
    )


def _hub_comments(debrief, question_set) -> list:
    """Return the hub's comments on this returned debrief's answers, in question order."""
    if debrief.state != State.RETURNED:
        return []
    row = returns.open_return(db_session(), debrief)
    return returns.comments_for_sergeant(question_set, row) if row else []


def _section_or_404(question_set, section_id: str):
    section = question_set.section(section_id)
    if section is None:
        abort(404)
    return section


def _section_page(
    debrief, question_set, section, form, errors, *, version, base, status=200, **extra
):
    answers = drafting.current_answers(question_set, debrief)
    derived = event_record.derived_ids(question_set, debrief.event)
    outside = {k: v for k, v in answers.items() if k not in {q.id for q in section.questions}}
    outside.update({k: answers[k] for k in derived if k in answers})
    fields = build_fields(question_set, section, form, errors, outside, skip=derived)
    derived_rows = [
        {
            "question": q,
            "value": ", ".join(format_answer(q, answers[q.id]))
            if q.id in answers
            else "Not recorded",
            "source": event_record.derived_source(question_set, q.id),
        }
        for q in section.questions
        if q.id in derived and question_set.is_shown(q, answers)
    ]
    sections = [s.id for s in question_set.sections]
    index = sections.index(section.id)
    return (
        render_template(
            "debriefs/section.html",
            debrief=debrief,
            section=section,
            number=index + 1,
            total=len(sections),
            fields=fields,
            derived_rows=derived_rows,
            prefilled=extra.pop("prefilled", []),
            form=ErrorList(errors.values()),
            version=version,
            base=encode_base(base or {}),
            hub_comments={
                c.question_id: c
                for c in _hub_comments(debrief, question_set)
                if c.section_id == section.id
            },
            **extra,
        ),
        status,
    )


@bp.route("/<int:debrief_id>/sections/<section_id>", methods=["GET", "POST"])
@locks_before_writing
@requires(Permission.DEBRIEF_HOST)
def section(debrief_id: int, section_id: str):
    """One section of questions: show it, or save it and go on."""
    debrief = load_debrief(debrief_id)
    question_set = drafting.question_set_for(debrief)
    section = _section_or_404(question_set, section_id)
    if not drafting.is_editable(debrief):
        flash(f"This debrief is {state_label(debrief).lower()}, so it cannot be changed.", "info")
        return redirect(url_for(".overview", debrief_id=debrief.id))
    if request.method == "POST":
        return _save_section(debrief, question_set, section)
    restored = restore_typed_form()
    record_view(debrief, f"section:{section.id}")
    if restored:
        return _section_page(
            debrief,
            question_set,
            section,
            restored.to_dict(flat=False),
            {},
            version=restored.get("version"),
            base=decode_base(restored.get("base")),
            kept=True,
        )
    answers = drafting.current_answers(question_set, debrief)
    form = stored_form(question_set, answers, debrief.unsaved_input or {})
    suggested = event_record.prefill(question_set, debrief.event, answers)
    prefilled = [q for q in section.questions if q.id in suggested and q.id not in form]
    for question in prefilled:
        form[question.id] = suggested[question.id]
    errors = drafting.section_errors(
        question_set, debrief, section, with_missing=request.args.get("check") == "1"
    )
    return _section_page(
        debrief,
        question_set,
        section,
        form,
        errors,
        version=debrief.version,
        base=drafting.section_base(question_set, debrief, section),
        prefilled=prefilled,
    )


def _save_section(debrief, question_set, section):
    outcome = drafting.save_section(
        db_session(),
        debrief,
        current_actor(),
        question_set,
        section,
        posted_form(),
        form_version=posted_version(),
        base=decode_base(request.form.get("base")),
        revealed_in_place=request.form.get("reveal") == "js",
    )
    db_session().commit()
    here = url_for(".section", debrief_id=debrief.id, section_id=section.id)
    if request.form.get("action") == "later":
        message = (
            "Your answers have been saved. You can come back to this debrief from My debriefs."
        )
        if outcome.has_errors:
            message += " Some answers need correcting before you can submit."
        flash(message, "success")
        return redirect(url_for(".overview", debrief_id=debrief.id))
    if outcome.newly_shown:  # without JavaScript: show the new questions, not errors about them
        added = (
            "A question has been added because of your answers: answer it"
            if len(outcome.newly_shown) == 1
            else f"{len(outcome.newly_shown)} questions have been added because of your "
            "answers: answer them"
        )
        flash(f"Your answers were saved. {added}, then save and continue.", "info")
        return redirect(f"{here}#{outcome.newly_shown[0]}")
    if outcome.has_errors or drafting.section_errors(
        question_set, debrief, section, with_missing=True
    ):
        return redirect(f"{here}?check=1")
    return redirect(_next_page(question_set, debrief, section))


@bp.post("/<int:debrief_id>/comments/<int:comment_id>/reply")
@requires(Permission.DEBRIEF_HOST)
def reply(debrief_id: int, comment_id: int):
    """Keep the sergeant's short reply to one of the hub's comments."""
    debrief = load_debrief(debrief_id)
    if debrief.state != State.RETURNED:
        flash(f"This debrief is {state_label(debrief).lower()}, so it cannot be changed.", "info")
        return redirect(url_for(".overview", debrief_id=debrief.id))
    session = db_session()
    row = returns.open_return(session, debrief)
    comment = next((c for c in (row.comments if row else []) if c.id == comment_id), None)
    if comment is None:
        abort(404)
    try:
        returns.reply(session, debrief, comment, current_sergeant(), request.form.get("reply", ""))
    except returns.CommentTooLong as exc:
        session.rollback()
        flash(str(exc), "info")
        return redirect(url_for(".overview", debrief_id=debrief.id) + f"#reply-{comment_id}")
    session.commit()
    flash("Your reply has been saved.", "success")
    return redirect(url_for(".overview", debrief_id=debrief.id) + "#hub-comments")


@bp.errorhandler(drafting.SectionChanged)
def section_changed_meanwhile(stale: drafting.SectionChanged):
    """Answer 409 with the section as typed and what changed since it was drawn."""
    db_session().rollback()
    debrief = load_debrief(view_arg("debrief_id"))
    question_set = drafting.question_set_for(debrief)
    section = _section_or_404(question_set, view_arg("section_id"))
    return _section_page(
        debrief,
        question_set,
        section,
        posted_form(),
        {},
        version=debrief.version,
        base=drafting.section_base(question_set, debrief, section),
        status=409,
        conflict=conflict_rows(question_set, stale),
    )


def _next_page(question_set, debrief, section) -> str:
    ids = [s.id for s in question_set.sections]
    position = ids.index(section.id)
    if position + 1 < len(ids):
        return url_for(".section", debrief_id=debrief.id, section_id=ids[position + 1])
    if submitting.submission_problems(question_set, debrief):
        return url_for(".overview", debrief_id=debrief.id)
    return url_for(".check", debrief_id=debrief.id)
