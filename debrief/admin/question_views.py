"""Administration: the question set (issue 23). Upload a draft, preview it as a sergeant
sees it, compare it with the active version, publish it or roll back, download any version.

The domain is in questions/publishing.py and questions/compare.py; the preview draws the
real question fields (debriefs/forms.py and debriefs/_fields.html) and saves nothing.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for

from ..debriefs import event_record
from ..debriefs.answers import parse_answer, section_status
from ..debriefs.forms import ErrorList, build_fields
from ..debriefs.presenting import format_answer
from ..extensions import db_session, locks_before_writing
from ..models import Event, QuestionSetVersion
from ..questions import compare as comparing
from ..questions import publishing
from ..questions.active import EXTENSION_KEY
from ..questions.loader import QuestionSet, QuestionSetError, summary
from ..questions.store import question_set_of
from ..questions.types import Timeline
from ..roles import Permission
from ..security import requires
from ..timeutil import utcnow
from ..web import current_actor
from .common import bp
from .forms import PublishForm, QuestionFileForm

UPLOAD_MAX_BYTES = 1_000_000


@bp.errorhandler(publishing.NoSuchVersion)
def _no_such_version(_exc):
    abort(404)


def _active() -> QuestionSet:
    return current_app.extensions[EXTENSION_KEY].get()


def _version_or_404(version_id: int) -> tuple[QuestionSetVersion, QuestionSet]:
    row = db_session().get(QuestionSetVersion, version_id)
    if row is None:
        abort(404)
    try:
        return row, question_set_of(row)
    except QuestionSetError:
        abort(404)


@bp.get("/questions")
@requires(Permission.QUESTION_SET)
def question_set():
    """The active version, every stored version, the changes made, and the upload form."""
    return _question_set_page(QuestionFileForm())


def _question_set_page(form: QuestionFileForm, problems: list[str] | None = None, status=200):
    session = db_session()
    session.rollback()  # draw the page holding no lock
    return (
        render_template(
            "admin/questions.html",
            active=_active(),
            versions=publishing.versions(session),
            history=publishing.history(session),
            labels=publishing.ACTION_LABELS,
            claim=publishing.claim_holder(session),
            form=form,
            problems=problems or [],
            path=current_app.config["QUESTIONS_PATH"],
        ),
        status,
    )


@bp.post("/questions/upload")
@locks_before_writing  # the file is read and checked holding no lock
@requires(Permission.QUESTION_SET)
def upload_question_set():
    """Check an uploaded file; keep it as a draft only when it has no mistakes."""
    form = QuestionFileForm()
    if not form.validate_on_submit():
        return _question_set_page(form, status=400)
    upload = form.file.data
    data = upload.read(UPLOAD_MAX_BYTES + 1)
    if len(data) > UPLOAD_MAX_BYTES:
        form.file.errors = ["The file must be smaller than 1 MB"]
        return _question_set_page(form, status=400)
    try:
        question_set = publishing.check_upload(data, upload.filename or "")
    except QuestionSetError as exc:
        form.file.errors = [
            f"The file has {len(exc.problems)} mistake{'s' if len(exc.problems) != 1 else ''}: "
            "correct them and upload it again"
        ]
        return _question_set_page(form, exc.problems, status=400)
    session = db_session()
    row = publishing.store_draft(session, current_actor(), question_set, upload.filename or "")
    session.commit()
    flash(f"Draft version {question_set.short_version} uploaded: no mistakes found.", "success")
    return redirect(url_for(".question_version", version_id=row.id))


@bp.get("/questions/versions/<int:version_id>")
@requires(Permission.QUESTION_SET)
def question_version(version_id: int):
    """One version: what it changes against the active one, and publish or roll back."""
    return _version_page(version_id, PublishForm())


def _version_page(version_id: int, form: PublishForm, status: int = 200):
    session = db_session()
    session.rollback()  # draw the page (the comparison reads answers) holding no lock
    row, question_set = _version_or_404(version_id)
    active = _active()
    problems = publishing.problems_of(row)
    return (
        render_template(
            "admin/question_version.html",
            row=row,
            question_set=question_set,
            is_active=row.version_hash == active.version,
            active=active,
            was_published=publishing.was_published(session, row.id),
            comparison=comparing.compare(session, active, question_set),
            problems=problems,
            summary=summary(question_set),
            form=form,
            claim=publishing.claim_holder(session),
        ),
        status,
    )


@bp.post("/questions/versions/<int:version_id>/publish")
@locks_before_writing  # the checks read; the claim and the switch take the lock
@requires(Permission.QUESTION_SET)
def publish_question_set(version_id: int):
    """Make this version the one new debriefs start on (publish, or roll back to it)."""
    _version_or_404(version_id)
    form = PublishForm()
    if not form.validate_on_submit():
        return _version_page(version_id, form, 400)
    session = db_session()
    try:
        publication = publishing.make_active(
            session, current_actor(), version_id, form.reason.data or ""
        )
    except publishing.PublishRefused as exc:  # in progress elsewhere, already active...
        session.rollback()
        form.reason.errors = [str(exc)]
        return _version_page(version_id, form, 409)
    current_app.extensions[EXTENSION_KEY].forget()  # other processes follow within a second
    words = "published" if publication.action == publishing.PUBLISH else "made active again"
    flash(
        f"Version {publication.version.version_hash[:12]} {words}: new debriefs start on it. "
        "Debriefs already started keep their version.",
        "success",
    )
    return redirect(url_for(".question_set"))


@bp.get("/questions/versions/<int:version_id>/download")
@requires(Permission.QUESTION_SET)
def download_question_set(version_id: int):
    """Download a version's question file exactly as it was stored."""
    row, _ = _version_or_404(version_id)
    response = Response(row.source_text.encode("utf-8"), mimetype="application/toml")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="questions-{row.version_hash[:12]}.toml"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response


# --- preview: the sergeant's pages, drawn from a draft, saving nothing -------------------------


def _preview_event() -> Event:
    """A typical debrief's event (`event_record.typical_event`), never stored: the preview
    shows what the event record settles from it."""
    return event_record.typical_event(
        incident_ref="PREVIEW",
        reported_at=utcnow() - timedelta(hours=2),
        district=(current_app.config["DISTRICTS"] or ["Preview"])[0],
        location_type="road",
        event_type="hgv_concealment",
        partner_agencies=[],
    )


@bp.get("/questions/versions/<int:version_id>/preview")
@requires(Permission.QUESTION_SET)
def preview_tasks(version_id: int):
    """The draft's task list as a sergeant sees it on a new debrief."""
    row, question_set = _version_or_404(version_id)
    event = _preview_event()
    derived = event_record.derived_ids(question_set, event)
    answers = event_record.derived_answers(question_set, event)
    tasks = [
        (section, section_status(question_set, section, answers, {}, derived))
        for section in question_set.sections
    ]
    return render_template(
        "admin/preview_tasks.html", row=row, question_set=question_set, tasks=tasks, event=event
    )


@bp.route("/questions/versions/<int:version_id>/preview/<section_id>", methods=["GET", "POST"])
@locks_before_writing  # a preview writes nothing
@requires(Permission.QUESTION_SET)
def preview_section(version_id: int, section_id: str):
    """One section page of the draft as a sergeant sees it. "Check this page" reads what
    was typed and draws the page again (follow-ups it reveals, mistakes), saving nothing."""
    row, question_set = _version_or_404(version_id)
    section = question_set.section(section_id)
    if section is None:
        abort(404)
    event = _preview_event()
    derived = event_record.derived_ids(question_set, event)
    answers = event_record.derived_answers(question_set, event)
    errors = {}
    added: list[str] = []
    if request.method == "POST":  # the form token is checked before the view runs
        form = request.form.to_dict(flat=False)
        timeline = Timeline.today(event.reported_at)
        typed = dict(answers)
        for question in section.questions:
            if question.id in derived:
                continue
            parsed = parse_answer(question, form, timeline)
            if parsed.error:
                errors[question.id] = parsed.error
            elif parsed.value is not None:
                typed[question.id] = parsed.value
        if request.form.get("reveal") != "js":  # without JavaScript: say what was added
            added = [
                q.id
                for q in section.questions
                if q.id not in typed
                and q.id not in derived
                and question_set.is_shown(q, typed)
                and not question_set.is_shown(q, answers)
            ]
    else:
        suggested = event_record.prefill(question_set, event, answers)
        form = {q.id: suggested[q.id] for q in section.questions if q.id in suggested}
    fields = build_fields(question_set, section, form, errors, answers, skip=derived)
    derived_rows = [
        {
            "question": q,
            "value": ", ".join(format_answer(q, answers[q.id])) if q.id in answers else "",
            "source": event_record.derived_source(question_set, q.id),
        }
        for q in section.questions
        if q.id in derived and question_set.is_shown(q, answers)
    ]
    ids = [s.id for s in question_set.sections]
    return render_template(
        "admin/preview_section.html",
        row=row,
        question_set=question_set,
        section=section,
        number=ids.index(section.id) + 1,
        total=len(ids),
        fields=fields,
        derived_rows=derived_rows,
        form=ErrorList(errors.values()),
        checked=request.method == "POST",
        added=added,
        event=event,
        next_section=ids[ids.index(section.id) + 1] if section.id != ids[-1] else None,
    )
