"""Start a debrief by recording its event, and correct the event record later. Flask-free.

The event record is the one source of the facts it holds (people counts, NCCU
referral and reference); the answers it settles are rewritten from it on
every change (drafting.settle).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from . import audit, event_record
from .answers import FieldError, Form
from .drafting import Change, StaleDraft, lock, require_editable, settle, write_answers
from .models import Debrief, Event, User
from .question_store import stored_version
from .questions import QuestionSet
from .workflow import State


def start(
    session: Session,
    user: User,
    question_set: QuestionSet,
    settings: event_record.EventSettings,
    form: Form,
    remote_addr: str = "",
) -> tuple[Debrief | None, dict[str, FieldError]]:
    """Record the event and start a draft on the current question set, or return errors."""
    values, errors = event_record.parse(settings, form)
    _check_incident_ref_free(session, values, errors, user)
    if errors:
        return None, errors
    event = Event(source="debrief", created_by_id=user.id, incident_ref="", partner_agencies=[])
    event_record.apply(event, values)
    debrief = Debrief(
        event=event,
        host_id=user.id,
        question_set_id=stored_version(session, question_set).id,
        state=State.DRAFT.value,
        version=1,
        unsaved_input={},
    )
    session.add(debrief)
    try:
        session.flush()
    except IntegrityError:  # the same reference recorded at the same moment elsewhere
        session.rollback()
        return None, {"incident_ref": _taken_error(values["incident_ref"], mine=False)}
    answers, _ = settle(question_set, event, {}, {})
    write_answers(session, debrief, {}, answers)
    audit.record(
        session,
        category=audit.Category.COLLECTION,
        action="debrief.create",
        user=user,
        object_type="debrief",
        object_id=debrief.id,
        details={"event_id": event.id, "question_set": question_set.short_version},
        remote_addr=remote_addr,
    )
    return debrief, {}


def _taken_error(ref: str, mine: bool) -> FieldError:
    if mine:
        message = f"You have already started a debrief for {ref}: find it in My debriefs"
    else:
        message = (
            f"A debrief for {ref} has already been started. Check the reference, or ask "
            "the safeguarding hub who holds it"
        )
    return FieldError("incident_ref", message, "incident_ref")


def _check_incident_ref_free(
    session: Session, values: dict, errors: dict, user: User, own_event_id: int | None = None
) -> None:
    ref = values.get("incident_ref")
    if not ref:
        return
    other = session.scalar(
        select(Event).where(Event.incident_ref == ref).options(selectinload(Event.debriefs))
    )
    if other is not None and other.id != own_event_id:
        mine = any(d.host_id == user.id for d in other.debriefs)
        errors["incident_ref"] = _taken_error(ref, mine)


def update_event(
    session: Session,
    debrief: Debrief,
    user: User,
    question_set: QuestionSet,
    settings: event_record.EventSettings,
    form: Form,
    *,
    form_version: int,
    base: Mapping[str, Any] | None,
    remote_addr: str = "",
) -> dict[str, FieldError]:
    """Correct the event record; return errors, or raise StaleDraft / NotEditable."""
    rows = lock(session, debrief)
    require_editable(debrief, user)
    event = debrief.event
    session.refresh(event)
    if form_version != debrief.version:
        now = event_record.values_of(event)
        labels = {q.id: q.text for q in event_record.event_form(settings).questions}
        changes = [
            Change(k, labels[k], (base or {}).get(k), now.get(k))
            for k in labels
            if (base or {}).get(k) != now.get(k)
        ]
        if changes:
            raise StaleDraft(changes, debrief.version)
    values, errors = event_record.parse(settings, form)
    _check_incident_ref_free(session, values, errors, user, own_event_id=event.id)
    if errors:
        return errors
    changed = event_record.apply(event, values)
    if not changed:
        return {}
    answers, unsaved = settle(
        question_set,
        event,
        {k: r.value for k, r in rows.items()},
        dict(debrief.unsaved_input or {}),
    )
    write_answers(session, debrief, rows, answers)
    debrief.unsaved_input = unsaved
    debrief.version += 1
    audit.record(
        session,
        category=audit.Category.ALTERATION,
        action="debrief.event.save",
        user=user,
        object_type="debrief",
        object_id=debrief.id,
        details={"fields": changed},
        remote_addr=remote_addr,
    )
    return {}
