"""The event record page: the first page of a new debrief, and corrections later."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for

from ..extensions import db_session
from ..keeping import restore_typed_form
from ..questions.active import active_question_set
from ..roles import Permission
from ..security import requires
from . import drafting, event_record, event_saving
from .common import (
    bp,
    conflict_rows,
    current_sergeant,
    event_settings,
    load_debrief,
    posted_form,
    posted_version,
    record_view,
)
from .forms import ErrorList, build_fields, decode_base, encode_base, stored_form


def _event_page(form, errors, *, debrief=None, version=None, base=None, status=200, **extra):
    settings = event_settings()
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


def _imported_id(values) -> int | None:
    """Return the imported event a new-debrief page is about (from ?event= or the form)."""
    raw = values.get("imported_event") or values.get("event") or ""
    return int(raw) if str(raw).isdigit() else None


def _imported_or_redirect(event_id: int):
    """Return the imported event, or a redirect saying it already has a debrief (404: none)."""
    try:
        event = event_saving.claim_imported(db_session(), current_sergeant(), event_id)
    except event_saving.EventTaken as taken:
        db_session().rollback()
        flash(str(taken), "error")
        return None, redirect(url_for(".imported"))
    if event is None:
        abort(404)
    return event, None


@bp.route("/new", methods=["GET", "POST"])
@requires(Permission.DEBRIEF_HOST)
def new():
    """Record the OIC event (or check an imported one): the first page of a new debrief."""
    if request.method == "GET":
        restored = restore_typed_form()
        imported_id = _imported_id(restored or request.args)
        imported = None
        if imported_id is not None:
            imported, refused = _imported_or_redirect(imported_id)
            db_session().rollback()  # release the lock: nothing is written until saved
            if refused:
                return refused
        if restored:
            form = restored.to_dict(flat=False)
        elif imported:
            form = stored_form(
                event_record.event_form(event_settings()),
                event_saving.imported_values(imported),
                {},
            )
        else:
            form = {}
        return _event_page(form, {}, kept=bool(restored), imported=imported)
    session = db_session()
    imported_id = _imported_id(request.form)
    try:
        debrief, errors = event_saving.start(
            session,
            current_sergeant(),
            active_question_set(current_app),
            event_settings(),
            posted_form(),
            remote_addr=request.remote_addr or "",
            imported_event_id=imported_id,
        )
    except event_saving.EventTaken as taken:
        session.rollback()
        flash(str(taken), "error")
        return redirect(url_for(".imported"))
    except LookupError:
        session.rollback()
        abort(404)
    if errors:
        session.rollback()
        imported = (
            event_saving.claim_imported(session, current_sergeant(), imported_id)
            if imported_id
            else None
        )
        offer = next(
            (e for e in errors.values() if isinstance(e, event_saving.ImportedWaiting)), None
        )
        session.rollback()
        return _event_page(posted_form(), errors, imported=imported, offer=offer)
    session.commit()
    flash("Event recorded. Now answer each section of the debrief.", "success")
    return redirect(url_for(".overview", debrief_id=debrief.id))


@bp.route("/<int:debrief_id>/event", methods=["GET", "POST"])
@requires(Permission.DEBRIEF_HOST)
def event(debrief_id: int):
    """Correct the event record of a draft or returned debrief."""
    debrief = load_debrief(debrief_id)
    if not drafting.is_editable(debrief):
        return redirect(url_for(".overview", debrief_id=debrief.id))
    current = event_record.values_of(debrief.event)
    if request.method == "GET":
        restored = restore_typed_form()
        record_view(debrief, "event")
        if restored:
            form = restored.to_dict(flat=False)
            version, base = restored.get("version"), decode_base(restored.get("base"))
        else:
            form = stored_form(event_record.event_form(event_settings()), current, {})
            version, base = debrief.version, current
        return _event_page(
            form, {}, debrief=debrief, version=version, base=base, kept=bool(restored)
        )
    session = db_session()
    try:
        errors = event_saving.update_event(
            session,
            debrief,
            current_sergeant(),
            drafting.question_set_for(debrief),
            event_settings(),
            posted_form(),
            form_version=posted_version(),
            base=decode_base(request.form.get("base")),
            remote_addr=request.remote_addr or "",
        )
    except drafting.StaleDraft as stale:
        session.rollback()
        debrief = load_debrief(debrief_id)
        return _event_page(
            posted_form(),
            {},
            debrief=debrief,
            version=debrief.version,
            base=event_record.values_of(debrief.event),
            status=409,
            conflict=conflict_rows(event_record.event_form(event_settings()), stale),
        )
    except drafting.NotEditable as exc:
        session.rollback()
        abort(409, description=str(exc))
    if errors:
        session.rollback()
        return _event_page(
            posted_form(), errors, debrief=debrief, version=posted_version(), base=current
        )
    session.commit()
    flash("The event record has been saved.", "success")
    return_to = request.form.get("return_to", "")
    if return_to == "check":
        return redirect(url_for(".check", debrief_id=debrief.id))
    if drafting.question_set_for(debrief).section(return_to):
        return redirect(url_for(".section", debrief_id=debrief.id, section_id=return_to))
    return redirect(url_for(".overview", debrief_id=debrief.id))
