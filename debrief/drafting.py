"""The sergeant's debrief: start it with its event record, save sections, submit. Flask-free.

Every save compares the version the form was drawn from with the row's
(optimistic locking, STACK.md): a stale save that would overwrite answers
saved meanwhile raises StaleDraft carrying what changed, and nothing is
written. A save never loses what was typed: answers that are not yet valid
are kept in Debrief.unsaved_input until corrected.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, selectinload

from . import audit, event_record, workflow
from .answers import (
    FieldError,
    Form,
    Status,
    answered,
    first_input_id,
    missing_message,
    missing_required,
    parse_answer,
    prune,
    section_status,
    unsaved_errors,
)
from .models import Answer, Debrief, DebriefTheme, Event, HistoryEntry, User
from .question_store import question_set_of, stored_version
from .questions import QuestionSet, Section
from .themes import suggest
from .vocabulary import event_counts
from .workflow import EDITABLE_BY_HOST, Action, State

SUBMITTED_STATES = frozenset({State.SUBMITTED, State.IN_REVIEW, State.CLOSED})


class DraftError(Exception):
    """A debrief change that cannot be made; the message says why, for the sergeant."""


class NotEditable(DraftError):
    """The debrief is no longer the sergeant's to change (submitted, in review, closed)."""


@dataclass(frozen=True)
class Change:
    """One answer that differs from what the stale page was drawn from."""

    question_id: str
    label: str
    before: Any
    now: Any


class StaleDraft(DraftError):
    """The page was drawn from an older version and the answers it shows have changed."""

    def __init__(self, changes: list[Change], current_version: int):
        self.changes = changes
        self.current_version = current_version
        super().__init__(
            "This debrief was changed in another tab or window after you opened this page. "
            "Nothing you typed here has been saved yet."
        )


class Incomplete(DraftError):
    """Submission refused: sections still need answers or corrections."""

    def __init__(self, problems: list[tuple[Section, Status]]):
        self.problems = problems
        super().__init__("Complete every section before you submit the debrief.")


# --- reading --------------------------------------------------------------------------------


def get_debrief_for(session: Session, user: User, debrief_id: int) -> Debrief | None:
    """Return the debrief if this person hosts it; None (a 404) for anyone else's or none."""
    return session.scalar(
        select(Debrief)
        .where(Debrief.id == debrief_id, Debrief.host_id == user.id)
        .options(
            joinedload(Debrief.event),
            joinedload(Debrief.question_set),
            selectinload(Debrief.answers),
        )
    )


def question_set_for(debrief: Debrief) -> QuestionSet:
    """Return the question set version this debrief was started on."""
    return question_set_of(debrief.question_set)


def answers_of(debrief: Debrief) -> dict[str, Any]:
    """Return the stored answers as {question id: value}."""
    return {a.question_id: a.value for a in debrief.answers}


def current_answers(question_set: QuestionSet, debrief: Debrief) -> dict[str, Any]:
    """Return the answers with the event record's facts as it stands now (one source)."""
    answers, _ = _settle(question_set, debrief.event, answers_of(debrief), {})
    return answers


def is_editable(debrief: Debrief) -> bool:
    """Tell whether the sergeant may still change this debrief."""
    return debrief.state in EDITABLE_BY_HOST


def overview(question_set: QuestionSet, debrief: Debrief) -> list[tuple[Section, Status]]:
    """Return each section with its task-list status."""
    answers = current_answers(question_set, debrief)
    derived = event_record.derived_ids(question_set, debrief.event)
    unsaved = debrief.unsaved_input or {}
    return [
        (s, section_status(question_set, s, answers, unsaved, derived))
        for s in question_set.sections
    ]


def section_errors(
    question_set: QuestionSet, debrief: Debrief, section: Section, *, with_missing: bool
) -> dict[str, FieldError]:
    """Return the section's problems: input kept but not valid, and (if asked) gaps."""
    ids = {q.id for q in section.questions}
    kept = {k: v for k, v in (debrief.unsaved_input or {}).items() if k in ids}
    errors = unsaved_errors(question_set, kept)
    if with_missing:
        answers = current_answers(question_set, debrief)
        for question in missing_required(question_set, section, answers):
            errors.setdefault(
                question.id,
                FieldError(question.id, missing_message(question), first_input_id(question)),
            )
    order = [q.id for q in section.questions]
    return dict(sorted(errors.items(), key=lambda item: order.index(item[0])))


def latest_return(session: Session, debrief: Debrief) -> HistoryEntry | None:
    """Return the hub's latest 'returned' transition, with its reason."""
    return session.scalar(
        select(HistoryEntry)
        .where(HistoryEntry.debrief_id == debrief.id, HistoryEntry.to_state == State.RETURNED)
        .order_by(HistoryEntry.at.desc(), HistoryEntry.id.desc())
        .limit(1)
    )


# --- writing --------------------------------------------------------------------------------


def _lock(session: Session, debrief: Debrief) -> dict[str, Answer]:
    """Re-read the row under a write lock and return its answer rows, fresh."""
    session.refresh(debrief, with_for_update=True)
    rows = session.scalars(
        select(Answer)
        .where(Answer.debrief_id == debrief.id)
        .execution_options(populate_existing=True)
    ).all()
    return {row.question_id: row for row in rows}


def _require_editable(debrief: Debrief, user: User) -> None:
    if debrief.host_id != user.id:
        raise NotEditable("Only the sergeant who hosted this debrief can change it.")
    if not is_editable(debrief):
        label = workflow.STATE_LABELS[State(debrief.state)].lower()
        raise NotEditable(f"This debrief is {label}, so it can no longer be changed.")


def _write_answers(
    session: Session, debrief: Debrief, rows: dict[str, Answer], new: dict[str, Any]
) -> list[str]:
    """Make the stored answers equal `new`; return the ids changed."""
    changed = []
    for qid, row in rows.items():
        if qid not in new:
            session.delete(row)
            changed.append(qid)
        elif row.value != new[qid]:
            row.value = new[qid]
            changed.append(qid)
    for qid, value in new.items():
        if qid not in rows:
            session.add(Answer(debrief_id=debrief.id, question_id=qid, value=value))
            changed.append(qid)
    session.flush()
    session.expire(debrief, ["answers"])
    return changed


def _settle(
    question_set: QuestionSet, event: Event, answers: dict[str, Any], unsaved: dict
) -> tuple[dict[str, Any], dict]:
    """Apply the event record's answers, then drop what no longer applies."""
    derived = event_record.derived_answers(question_set, event)
    for qid in event_record.derived_ids(question_set, event):
        answers.pop(qid, None)
        unsaved.pop(qid, None)
    answers.update({k: v for k, v in derived.items() if v is not None})
    answers = prune(question_set, answers)
    shown = {q.id for q in question_set.questions if question_set.is_shown(q, answers)}
    unsaved = {k: v for k, v in unsaved.items() if k in shown}
    return answers, unsaved


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
    answers, _ = _settle(question_set, event, {}, {})
    _write_answers(session, debrief, {}, answers)
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
    rows = _lock(session, debrief)
    _require_editable(debrief, user)
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
    answers, unsaved = _settle(
        question_set,
        event,
        {k: r.value for k, r in rows.items()},
        dict(debrief.unsaved_input or {}),
    )
    _write_answers(session, debrief, rows, answers)
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


@dataclass
class SaveOutcome:
    """What a section save did: the answers changed and follow-ups it newly asks."""

    changed: list[str] = field(default_factory=list)
    newly_shown: list[str] = field(default_factory=list)
    has_errors: bool = False


def section_base(question_set: QuestionSet, debrief: Debrief, section: Section) -> dict:
    """Return what a section page is drawn from, to tell later whether it changed."""
    derived = event_record.derived_ids(question_set, debrief.event)
    answers = answers_of(debrief)
    unsaved = debrief.unsaved_input or {}
    base = {}
    for question in section.questions:
        if question.id in derived:
            continue
        if question.id in unsaved:
            base[question.id] = {"typed": unsaved[question.id]}
        elif answered(answers.get(question.id)):
            base[question.id] = answers[question.id]
    return base


def save_section(
    session: Session,
    debrief: Debrief,
    user: User,
    question_set: QuestionSet,
    section: Section,
    form: Form,
    *,
    form_version: int,
    base: Mapping[str, Any] | None,
    revealed_in_place: bool,
    remote_addr: str = "",
) -> SaveOutcome:
    """Save what was typed on one section page (valid answers, and invalid input kept)."""
    rows = _lock(session, debrief)
    _require_editable(debrief, user)
    current = {k: r.value for k, r in rows.items()}
    if form_version != debrief.version:
        now = section_base(question_set, debrief, section)
        base = dict(base or {})
        changes = [
            Change(q.id, q.text, base.get(q.id), now.get(q.id))
            for q in section.questions
            if base.get(q.id) != now.get(q.id)
        ]
        if changes:
            raise StaleDraft(changes, debrief.version)
    derived = event_record.derived_ids(question_set, debrief.event)
    answers = dict(current)
    unsaved = dict(debrief.unsaved_input or {})
    outcome = SaveOutcome()
    empty: set[str] = set()
    for question in section.questions:
        if question.id in derived:
            continue
        parsed = parse_answer(question, form)
        answers.pop(question.id, None)
        unsaved.pop(question.id, None)
        if parsed.error:
            unsaved[question.id] = parsed.typed
        elif parsed.value is not None:
            answers[question.id] = parsed.value
        else:
            empty.add(question.id)
    answers, unsaved = _settle(question_set, debrief.event, answers, unsaved)
    if not revealed_in_place:
        outcome.newly_shown = [
            q.id
            for q in section.questions
            if q.id in empty
            and question_set.is_shown(q, answers)
            and not question_set.is_shown(q, current)
        ]
    outcome.changed = _write_answers(session, debrief, rows, answers)
    unsaved_changed = unsaved != (debrief.unsaved_input or {})
    if unsaved_changed:
        debrief.unsaved_input = unsaved
    outcome.has_errors = any(q.id in unsaved for q in section.questions)
    if outcome.changed or unsaved_changed:
        debrief.version += 1
        audit.record(
            session,
            category=audit.Category.ALTERATION,
            action="debrief.save",
            user=user,
            object_type="debrief",
            object_id=debrief.id,
            details={"section": section.id, "questions": outcome.changed},
            remote_addr=remote_addr,
        )
    return outcome


def submission_problems(
    question_set: QuestionSet, debrief: Debrief
) -> list[tuple[Section, Status]]:
    """Return the sections that stop the debrief being submitted, with their status."""
    problems = []
    answers = current_answers(question_set, debrief)
    for section, status in overview(question_set, debrief):
        if status == Status.HAS_ERRORS or missing_required(question_set, section, answers):
            problems.append((section, status))
    return problems


def submit(
    session: Session,
    debrief: Debrief,
    user: User,
    question_set: QuestionSet,
    *,
    form_version: int,
    remote_addr: str = "",
) -> bool:
    """Submit (or resubmit) the debrief; False when it was already submitted (a double click).

    Raises Incomplete, StaleDraft (answers changed since the check page) or NotEditable.
    """
    rows = _lock(session, debrief)
    if debrief.host_id == user.id and debrief.state in SUBMITTED_STATES:
        return False
    _require_editable(debrief, user)
    if form_version != debrief.version:
        raise StaleDraft([], debrief.version)
    # Store the event record's facts as they stand, so the hub reads what was checked.
    answers, _ = _settle(question_set, debrief.event, {k: r.value for k, r in rows.items()}, {})
    _write_answers(session, debrief, rows, answers)
    problems = submission_problems(question_set, debrief)
    if problems:
        raise Incomplete(problems)
    action = Action.SUBMIT if debrief.state == State.DRAFT else Action.RESUBMIT
    workflow.apply(session, debrief, action, user)
    answers = answers_of(debrief)
    intel = answers.get("intel_doc_submitted")
    debrief.intel_doc_submitted = {"yes": True, "no": False}.get(intel)
    _suggest_themes(session, debrief, question_set, answers)
    audit.record(
        session,
        category=audit.Category.ALTERATION,
        action=f"debrief.{action.value}",
        user=user,
        object_type="debrief",
        object_id=debrief.id,
        details={"question_set": question_set.short_version},
        remote_addr=remote_addr,
    )
    return True


def _suggest_themes(
    session: Session, debrief: Debrief, question_set: QuestionSet, answers: dict
) -> None:
    """Store the themes the answers suggest; keep the hub's confirmations."""
    event = debrief.event
    found = {
        s.theme_id: s
        for s in suggest(question_set, answers, event_counts(event), event.reported_at)
    }
    existing = {
        t.theme_id: t
        for t in session.scalars(select(DebriefTheme).where(DebriefTheme.debrief_id == debrief.id))
    }
    for theme_id, row in existing.items():
        if theme_id in found:
            continue
        if row.confirmed:
            row.suggested, row.suggestion_reason = False, ""
        else:
            session.delete(row)
    for theme_id, suggestion in found.items():
        row = existing.get(theme_id)
        if row is None:
            row = DebriefTheme(debrief_id=debrief.id, theme_id=theme_id, confirmed=False)
            session.add(row)
        row.suggested = True
        row.suggestion_reason = suggestion.reason_text
    session.flush()
