"""The sergeant's debriefs: record the event, answer each section, check and submit.

Views are thin: they read the request, call debrief.drafting, and render or
redirect. Every page showing a debrief is recorded in the audit trail.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from .. import audit, drafting, event_record, navigation
from ..active_questions import active_question_set
from ..answers import Status
from ..extensions import db_session
from ..models import Debrief
from ..my_debriefs import list_mine, returned_count
from ..presenting import format_answer, present
from ..roles import Permission
from ..security import requires, restore_typed_form
from ..vocabulary import EVENT_TYPES
from ..workflow import STATE_LABELS, State
from .forms import ErrorList, build_fields, decode_base, encode_base, stored_form

bp = Blueprint("debriefs", __name__, url_prefix="/debriefs")

KEPT_MESSAGE = (
    "We kept what you typed before you were signed out. Check it, then save the page: "
    "it has not been saved yet."
)


def _returned_label(session, user) -> str | None:
    count = returned_count(session, user)
    return f"{count} returned" if count else None


navigation.register_count("debriefs.index", _returned_label)


def _user():
    return current_user._get_current_object()


def _settings() -> event_record.EventSettings:
    return event_record.EventSettings.from_config(current_app.config)


def _load(debrief_id: int) -> Debrief:
    """Return the signed-in sergeant's debrief, or 404 (another's is 'not found' too)."""
    debrief = drafting.get_debrief_for(db_session(), _user(), debrief_id)
    if debrief is None:
        abort(404)
    return debrief


def _audit(debrief: Debrief, category: audit.Category, action: str, **details) -> None:
    audit.record(
        db_session(),
        category=category,
        action=action,
        user=_user(),
        object_type="debrief",
        object_id=debrief.id,
        details=details,
        remote_addr=request.remote_addr or "",
    )


def _viewed(debrief: Debrief, page: str) -> None:
    _audit(debrief, audit.Category.CONSULTATION, "debrief.view", page=page)
    db_session().commit()


def _form() -> dict[str, list[str]]:
    return request.form.to_dict(flat=False)


def _version() -> int:
    try:
        return int(request.form.get("version", ""))
    except ValueError:
        return 0


def _state_label(debrief: Debrief) -> str:
    return STATE_LABELS[State(debrief.state)]


@bp.get("/")
@requires(Permission.DEBRIEF_HOST)
def index():
    """List the sergeant's debriefs: returned, drafts, submitted and closed."""
    mine = list_mine(db_session(), _user(), all_closed=request.args.get("closed") == "all")
    return render_template(
        "debriefs/index.html", mine=mine, state_label=_state_label, event_types=EVENT_TYPES
    )


# --- the event record -------------------------------------------------------------------------


def _event_page(form, errors, *, debrief=None, version=None, base=None, status=200, **extra):
    settings = _settings()
    fields_set = event_record.event_form(settings)
    fields = build_fields(fields_set, fields_set.sections[0], form, errors, {}, legend_size="m")
    for view in fields:
        if view.question.id in event_record.COUNT_FIELDS:
            view.params["classes"] = "govuk-input--width-3"
            view.params["label"] = {"text": view.question.text, "classes": "govuk-label--s"}
    return (
        render_template(
            "debriefs/event.html",
            debrief=debrief,
            fields={f.question.id: f for f in fields},
            form=ErrorList(errors.values()),
            version=version,
            base=encode_base(base or {}),
            return_to=request.values.get("return_to", ""),
            **extra,
        ),
        status,
    )


@bp.route("/new", methods=["GET", "POST"])
@requires(Permission.DEBRIEF_HOST)
def new():
    """Record the OIC event: the first page of a new debrief."""
    if request.method == "GET":
        restored = restore_typed_form()
        form = restored.to_dict(flat=False) if restored else {}
        return _event_page(form, {}, kept=bool(restored))
    session = db_session()
    debrief, errors = drafting.start(
        session,
        _user(),
        active_question_set(current_app),
        _settings(),
        _form(),
        remote_addr=request.remote_addr or "",
    )
    if errors:
        session.rollback()
        return _event_page(_form(), errors)
    session.commit()
    flash("Event recorded. Now answer each section of the debrief.", "success")
    return redirect(url_for(".overview", debrief_id=debrief.id))


@bp.route("/<int:debrief_id>/event", methods=["GET", "POST"])
@requires(Permission.DEBRIEF_HOST)
def event(debrief_id: int):
    """Correct the event record of a draft or returned debrief."""
    debrief = _load(debrief_id)
    if not drafting.is_editable(debrief):
        return redirect(url_for(".overview", debrief_id=debrief.id))
    current = event_record.values_of(debrief.event)
    if request.method == "GET":
        restored = restore_typed_form()
        _viewed(debrief, "event")
        if restored:
            form = restored.to_dict(flat=False)
            version, base = restored.get("version"), decode_base(restored.get("base"))
        else:
            form = stored_form(event_record.event_form(_settings()), current, {})
            version, base = debrief.version, current
        return _event_page(
            form, {}, debrief=debrief, version=version, base=base, kept=bool(restored)
        )
    session = db_session()
    try:
        errors = drafting.update_event(
            session,
            debrief,
            _user(),
            drafting.question_set_for(debrief),
            _settings(),
            _form(),
            form_version=_version(),
            base=decode_base(request.form.get("base")),
            remote_addr=request.remote_addr or "",
        )
    except drafting.StaleDraft as stale:
        session.rollback()
        debrief = _load(debrief_id)
        return _event_page(
            _form(),
            {},
            debrief=debrief,
            version=debrief.version,
            base=event_record.values_of(debrief.event),
            status=409,
            conflict=_conflict_rows(event_record.event_form(_settings()), stale),
        )
    except drafting.NotEditable as exc:
        session.rollback()
        abort(409, description=str(exc))
    if errors:
        session.rollback()
        return _event_page(_form(), errors, debrief=debrief, version=_version(), base=current)
    session.commit()
    flash("The event record has been saved.", "success")
    return_to = request.form.get("return_to", "")
    if return_to == "check":
        return redirect(url_for(".check", debrief_id=debrief.id))
    if drafting.question_set_for(debrief).section(return_to):
        return redirect(url_for(".section", debrief_id=debrief.id, section_id=return_to))
    return redirect(url_for(".overview", debrief_id=debrief.id))


def _conflict_rows(question_set, stale: drafting.StaleDraft) -> list[dict]:
    """Describe each changed answer in words: what the page showed, what is saved now."""

    def words(question_id, value) -> str:
        question = question_set.question(question_id)
        if value is None or value == "" or value == []:
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


# --- overview (task list), sections --------------------------------------------------------


@bp.get("/<int:debrief_id>")
@requires(Permission.DEBRIEF_HOST)
def overview(debrief_id: int):
    """Show the task list of a draft, or the read-only debrief once submitted."""
    debrief = _load(debrief_id)
    question_set = drafting.question_set_for(debrief)
    returned = (
        drafting.latest_return(db_session(), debrief) if debrief.state == "returned" else None
    )
    _viewed(debrief, "overview")
    if not drafting.is_editable(debrief):
        view = present(debrief, question_set, drafting.answers_of(debrief))  # as submitted
        return render_template(
            "debriefs/view.html", debrief=debrief, view=view, state_label=_state_label(debrief)
        )
    tasks = drafting.overview(question_set, debrief)
    problems = drafting.submission_problems(question_set, debrief)
    return render_template(
        "debriefs/overview.html",
        debrief=debrief,
        tasks=tasks,
        ready=not problems,
        returned=returned,
        state_label=_state_label(debrief),
    )


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
            "source": event_record.DERIVED[q.id].source,
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
            **extra,
        ),
        status,
    )


@bp.route("/<int:debrief_id>/sections/<section_id>", methods=["GET", "POST"])
@requires(Permission.DEBRIEF_HOST)
def section(debrief_id: int, section_id: str):
    """One section of questions: show it, or save it and go on."""
    debrief = _load(debrief_id)
    question_set = drafting.question_set_for(debrief)
    section = _section_or_404(question_set, section_id)
    if not drafting.is_editable(debrief):
        flash(f"This debrief is {_state_label(debrief).lower()}, so it cannot be changed.", "info")
        return redirect(url_for(".overview", debrief_id=debrief.id))
    if request.method == "POST":
        return _save_section(debrief, question_set, section)
    restored = restore_typed_form()
    _viewed(debrief, f"section:{section.id}")
    if restored:
        form = restored.to_dict(flat=False)
        errors = {}
        return _section_page(
            debrief,
            question_set,
            section,
            form,
            errors,
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
    session = db_session()
    try:
        outcome = drafting.save_section(
            session,
            debrief,
            _user(),
            question_set,
            section,
            _form(),
            form_version=_version(),
            base=decode_base(request.form.get("base")),
            revealed_in_place=request.form.get("reveal") == "js",
            remote_addr=request.remote_addr or "",
        )
    except drafting.StaleDraft as stale:
        session.rollback()
        debrief = _load(debrief.id)
        return _section_page(
            debrief,
            question_set,
            section,
            _form(),
            {},
            version=debrief.version,
            base=drafting.section_base(question_set, debrief, section),
            status=409,
            conflict=_conflict_rows(question_set, stale),
        )
    except drafting.NotEditable as exc:
        session.rollback()
        abort(409, description=str(exc))
    session.commit()
    here = url_for(".section", debrief_id=debrief.id, section_id=section.id)
    if request.form.get("action") == "later":
        message = (
            "Your answers have been saved. You can come back to this debrief from My debriefs."
        )
        if outcome.has_errors:
            message += " Some answers need correcting before you can submit."
        flash(message, "success")
        return redirect(url_for(".overview", debrief_id=debrief.id))
    if outcome.has_errors:
        return redirect(f"{here}?check=1")
    if outcome.newly_shown:
        added = (
            "A question has been added because of your answers: answer it"
            if len(outcome.newly_shown) == 1
            else f"{len(outcome.newly_shown)} questions have been added because of your "
            "answers: answer them"
        )
        flash(f"Your answers were saved. {added}, then save and continue.", "info")
        return redirect(f"{here}#{outcome.newly_shown[0]}")
    if drafting.section_errors(question_set, debrief, section, with_missing=True):
        return redirect(f"{here}?check=1")
    return redirect(_next_page(question_set, debrief, section))


def _next_page(question_set, debrief, section) -> str:
    ids = [s.id for s in question_set.sections]
    position = ids.index(section.id)
    if position + 1 < len(ids):
        return url_for(".section", debrief_id=debrief.id, section_id=ids[position + 1])
    if drafting.submission_problems(question_set, debrief):
        return url_for(".overview", debrief_id=debrief.id)
    return url_for(".check", debrief_id=debrief.id)


# --- check, submit, confirmation ----------------------------------------------------------------


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
    problems = drafting.submission_problems(question_set, debrief)
    errors = [
        {
            "text": f"{section.title}: "
            + (
                "correct the answers marked"
                if status == Status.HAS_ERRORS
                else "answer every question"
            ),
            "href": url_for(".section", debrief_id=debrief.id, section_id=section.id, check=1),
        }
        for section, status in problems
    ]
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
    debrief = _load(debrief_id)
    if not drafting.is_editable(debrief):
        return redirect(url_for(".overview", debrief_id=debrief.id))
    _viewed(debrief, "check")
    return _check_page(debrief)


@bp.post("/<int:debrief_id>/submit")
@requires(Permission.DEBRIEF_HOST)
def submit(debrief_id: int):
    """Submit the debrief to the hub; a second click of the button changes nothing."""
    debrief = _load(debrief_id)
    session = db_session()
    if drafting.is_editable(debrief) and request.form.get("declaration") != "yes":
        return _check_page(debrief, declaration_error=True)
    try:
        done = drafting.submit(
            session,
            debrief,
            _user(),
            drafting.question_set_for(debrief),
            form_version=_version(),
            remote_addr=request.remote_addr or "",
        )
    except drafting.StaleDraft:
        session.rollback()
        return _check_page(_load(debrief_id), stale=True, status=409)
    except drafting.Incomplete:
        session.rollback()
        return _check_page(_load(debrief_id))
    except drafting.NotEditable as exc:
        session.rollback()
        abort(409, description=str(exc))
    session.commit()
    return redirect(url_for(".submitted", debrief_id=debrief.id, new=1 if done else None))


@bp.get("/<int:debrief_id>/submitted")
@requires(Permission.DEBRIEF_HOST)
def submitted(debrief_id: int):
    """Confirm the submission and say what happens next."""
    debrief = _load(debrief_id)
    if drafting.is_editable(debrief):
        return redirect(url_for(".overview", debrief_id=debrief.id))
    _viewed(debrief, "submitted")
    return render_template("debriefs/submitted.html", debrief=debrief)
