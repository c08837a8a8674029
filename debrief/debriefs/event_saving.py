"""Start a debrief by recording its event, and correct the event record later. Flask-free.

The event record is the one source of the facts it holds (people counts, NCCU
referral and reference); the answers it settles are rewritten from it on
every change (drafting.settle). An event imported from command and control is
debriefed rather than typed again: starting on it completes that same row
(its incident reference kept), and an event gets one debrief only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from .. import audit
from ..audit import Actor
from ..models import Debrief, Event, User
from ..questions.loader import QuestionSet
from ..questions.store import stored_version
from ..workflow import State
from . import event_record
from .answers import FieldError, Form
from .drafting import Change, DraftError, StaleDraft, lock, require_editable, settle, write_answers


class EventTaken(DraftError):
    """The event already has a debrief, so it cannot be given a second one."""


class NoSuchImportedEvent(LookupError):
    """There is no imported event with that id to debrief."""


class EventRecordChanged(StaleDraft):
    """The event record changed after its page was drawn (the page is shown again)."""


@dataclass(frozen=True)
class ImportedWaiting(FieldError):
    """The typed reference is an imported event with no debrief: offer to debrief that one."""

    event_id: int = 0


def imported_values(event: Event) -> dict[str, Any]:
    """Return an imported event as event record values; what the import lacks is left blank."""
    values = event_record.values_of(event)
    if not event.partner_agencies:
        values.pop("partner_agencies")  # the extract does not say: the sergeant answers
    return values


def claim_imported(session: Session, user: User, event_id: int) -> Event | None:
    """Return the imported event to debrief, locked; None if there is none; EventTaken if used."""
    event = session.scalar(
        select(Event)
        .where(Event.id == event_id, Event.source == "import")
        .with_for_update()
        .options(selectinload(Event.debriefs))
    )
    if event is not None and event.debriefs:
        raise EventTaken(_taken_error(event.incident_ref, _is_mine(event, user)).message)
    return event


def start(
    session: Session,
    actor: Actor,
    question_set: QuestionSet,
    settings: event_record.EventSettings,
    form: Form,
    *,
    imported_event_id: int | None = None,
) -> tuple[Debrief | None, dict[str, FieldError]]:
    """Record the event (or complete an imported one) and start a draft, or return errors.

    Raises EventTaken when the imported event already has a debrief; NoSuchImportedEvent
    when there is none.
    """
    user = actor.account
    event = None
    if imported_event_id is not None:
        event = claim_imported(session, user, imported_event_id)
        if event is None:
            raise NoSuchImportedEvent(imported_event_id)
        form = {**form, "incident_ref": [event.incident_ref]}  # the reference is kept
    values, errors = event_record.parse(settings, form)
    _check_incident_ref_free(
        session, values, errors, user, own_event_id=event.id if event else None
    )
    if errors:
        return None, errors
    if event is None:
        event = Event(source="debrief", created_by_id=user.id, incident_ref="", partner_agencies=[])
    changed = event_record.apply(event, values)
    debrief = Debrief(
        event=event,
        host_id=user.id,
        question_set_id=stored_version(session, question_set).id,
        state=State.DRAFT,
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
    details: dict[str, Any] = {"event_id": event.id, "question_set": question_set.short_version}
    if imported_event_id is not None:
        details.update(source="import", fields=changed)
    audit.record(
        session,
        actor,
        audit.Category.COLLECTION,
        "debrief.create",
        object_type="debrief",
        object_id=debrief.id,
        details=details,
    )
    return debrief, {}


def _is_mine(event: Event, user: User) -> bool:
    return any(d.host_id == user.id for d in event.debriefs)


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
    if other is None or other.id == own_event_id:
        return
    if other.source == "import" and not other.debriefs:
        errors["incident_ref"] = ImportedWaiting(
            "incident_ref",
            f"{ref} was imported from command and control and has no debrief yet: "
            "debrief the imported event instead of typing it again",
            "incident_ref",
            event_id=other.id,
        )
    else:
        errors["incident_ref"] = _taken_error(ref, _is_mine(other, user))


def update_event(
    session: Session,
    debrief: Debrief,
    actor: Actor,
    question_set: QuestionSet,
    settings: event_record.EventSettings,
    form: Form,
    *,
    form_version: int,
    base: Mapping[str, Any] | None,
) -> dict[str, FieldError]:
    """Correct the event record; return errors, or raise EventRecordChanged / NotEditable."""
    user = actor.account
    rows = lock(session, debrief)
    require_editable(debrief, user)
    event = debrief.event
    session.refresh(event)
    values, errors = event_record.parse(settings, form)
    if form_version != debrief.version:
        now = event_record.values_of(event)
        labels = {q.id: q.text for q in event_record.event_form(settings).questions}
        # As for a section (drafting.save_section): only a field changed meanwhile that
        # this form would change again is a conflict; a resent save is not.
        changes = [
            Change(k, labels[k], (base or {}).get(k), now.get(k))
            for k in labels
            if (base or {}).get(k) != now.get(k) and values.get(k) != now.get(k)
        ]
        if changes:
            raise EventRecordChanged(changes, debrief.version)
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
        actor,
        audit.Category.ALTERATION,
        "debrief.event.save",
        object_type="debrief",
        object_id=debrief.id,
        details={"fields": changed},
    )
    return {}
