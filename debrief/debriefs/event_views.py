"""The event record page: the first page of a new debrief, and corrections later."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for

from ..extensions import db_session
from ..keeping import restore_typed_form
from ..questions.active import active_question_set
from ..roles import Permission
from ..security import requires
from ..text_input import whole_number_or_none
from ..web import current_actor, view_arg
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
    return whole_number_or_none(str(raw))


def _imported_event(event_id: int):
    """Return the imported event to debrief (404 if there is none); one that already has
    a debrief raises EventTaken."""
    event = event_saving.claim_imported(db_session(), current_sergeant(), event_id)
    if event is None:
        abort(404)
    return event


@bp.route("/new", methods=["GET", "POST"])
@requires(Permission.DEBRIEF_HOST)
def new():
    """Record the OIC event (or check an imported one): the first page of a new debrief."""
    if request.method == "GET":
        restored = restore_typed_form()
        imported_id = _imported_id(restored or request.args)
        imported = None
        if imported_id is not None:
            imported = _imported_event(imported_id)
            db_session().rollback()  # release the lock: nothing is written until saved
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
    debrief, errors = event_saving.start(
        session,
        current_actor(),
        active_question_set(current_app),
        event_settings(),
        posted_form(),
        imported_event_id=imported_id,
    )
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
    errors = event_saving.update_event(
        session,
        debrief,
        current_actor(),
        drafting.question_set_for(debrief),
        event_settings(),
        posted_form(),
        form_version=posted_version(),
        base=decode_base(request.form.get("base")),
    )
    if errors:
        session.rollback()
        return _event_page(
            posted_form(), errors, debrief=debrief, version=posted_version(), base=current
        )
    session.commit()
    flash("The event record has been saved.", "success")
    wrong = drafting.wrong_dates(drafting.question_set_for(debrief), debrief)
    if wrong:  # the report time moved after answers given: they are checked at submission
        flash(_dates_to_correct(len(wrong)), "info")
    return_to = request.form.get("return_to", "")
    if return_to == "check":
        return redirect(url_for(".check", debrief_id=debrief.id))
    if drafting.question_set_for(debrief).section(return_to):
        return redirect(url_for(".section", debrief_id=debrief.id, section_id=return_to))
    return redirect(url_for(".overview", debrief_id=debrief.id))


def _dates_to_correct(count: int) -> str:
    if count == 1:
        return (
            "1 date in your answers no longer fits the event record (for example, it is before "
            "the event was reported). Correct it before you submit: the task list shows where."
        )
    return (
        f"{count} dates in your answers no longer fit the event record (for example, they are "
        "before the event was reported). Correct them before you submit: the task list shows "
        "where."
    )


@bp.errorhandler(event_saving.EventRecordChanged)
def event_changed_meanwhile(stale: event_saving.EventRecordChanged):
    """Answer 409 with the event record as typed and what changed since it was drawn."""
    db_session().rollback()
    debrief = load_debrief(view_arg("debrief_id"))
    return _event_page(
        posted_form(),
        {},
        debrief=debrief,
        version=debrief.version,
        base=event_record.values_of(debrief.event),
        status=409,
        conflict=conflict_rows(event_record.event_form(event_settings()), stale),
    )
