"""The sergeant's draft: read it, save a section, keep the event record's facts. Flask-free.

Every save compares the version the form was drawn from with the row's
(optimistic locking, STACK.md): a stale save that would overwrite answers
saved meanwhile raises StaleDraft carrying what changed, and nothing is
written. A save never loses what was typed: answers that are not yet valid
are kept in Debrief.unsaved_input until corrected. Starting a debrief and
correcting its event record are in event_saving.py; submitting in submitting.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from .. import audit, workflow
from ..audit import Actor
from ..db import hold_write_lock
from ..models import Answer, Debrief, Event, HistoryEntry, User
from ..questions.loader import QuestionSet, Section
from ..questions.store import question_set_of
from ..questions.types import Timeline, is_answered
from ..workflow import EDITABLE_BY_HOST, State
from . import event_record
from .answers import (
    FieldError,
    Form,
    Status,
    date_problems,
    first_input_id,
    missing_message,
    missing_required,
    parse_answer,
    prune,
    section_status,
    unsaved_errors,
)
from .presenting import answers_of


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


class SectionChanged(StaleDraft):
    """A section's answers changed after its page was drawn (the page is shown again)."""


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


def current_answers(question_set: QuestionSet, debrief: Debrief) -> dict[str, Any]:
    """Return the answers with the event record's facts as it stands now (one source)."""
    answers, _ = settle(question_set, debrief.event, answers_of(debrief), {})
    return answers


def timeline_of(debrief: Debrief, *, answering: bool = True) -> Timeline:
    """Return what this debrief's dates are checked against: its event's report time, now."""
    return Timeline.today(debrief.event.reported_at, answering=answering)


def wrong_dates(question_set: QuestionSet, debrief: Debrief) -> dict[str, FieldError]:
    """Return the stored answers whose dates break a rule now (answers.date_problems)."""
    answers = current_answers(question_set, debrief)
    return date_problems(question_set, answers, timeline_of(debrief, answering=False))


def is_editable(debrief: Debrief) -> bool:
    """Tell whether the sergeant may still change this debrief."""
    return debrief.state in EDITABLE_BY_HOST


def overview(question_set: QuestionSet, debrief: Debrief) -> list[tuple[Section, Status]]:
    """Return each section with its task-list status."""
    answers = current_answers(question_set, debrief)
    derived = event_record.derived_ids(question_set, debrief.event)
    unsaved = debrief.unsaved_input or {}
    wrong = date_problems(question_set, answers, timeline_of(debrief, answering=False))
    return [
        (s, section_status(question_set, s, answers, unsaved, derived, wrong))
        for s in question_set.sections
    ]


def section_errors(
    question_set: QuestionSet, debrief: Debrief, section: Section, *, with_missing: bool
) -> dict[str, FieldError]:
    """Return the section's problems: input kept but not valid, stored dates that break a
    rule now (the event's report time corrected since), and (if asked) gaps."""
    ids = {q.id for q in section.questions}
    kept = {k: v for k, v in (debrief.unsaved_input or {}).items() if k in ids}
    errors = unsaved_errors(question_set, kept, timeline_of(debrief))
    for qid, error in wrong_dates(question_set, debrief).items():
        if qid in ids:
            errors.setdefault(qid, error)
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


_DEBRIEF_COLUMNS = [column.key for column in inspect(Debrief).column_attrs]


def lock(session: Session, debrief: Debrief) -> dict[str, Answer]:
    """Re-read the row under a write lock and return its answer rows, fresh.

    The lock makes a double click or a second tab wait for the first save, so the
    version compared is the one that save left: SELECT ... FOR UPDATE on PostgreSQL,
    SQLite's one write lock (`hold_write_lock`) there. Everything the caller writes
    must be decided from what is read from here on.
    """
    if hold_write_lock(session):  # began as a read: the event may have changed since
        session.refresh(debrief.event)
    # Columns only: refreshing the relationships too reloaded the event and the whole
    # question set on every save (issue 9).
    session.refresh(debrief, attribute_names=_DEBRIEF_COLUMNS, with_for_update=True)
    rows = session.scalars(
        select(Answer)
        .where(Answer.debrief_id == debrief.id)
        .execution_options(populate_existing=True)
    ).all()
    set_committed_value(debrief, "answers", list(rows))
    return {row.question_id: row for row in rows}


def require_editable(debrief: Debrief, user: User) -> None:
    if debrief.host_id != user.id:
        raise NotEditable("Only the sergeant who hosted this debrief can change it.")
    if not is_editable(debrief):
        label = workflow.STATE_LABELS[debrief.state].lower()
        raise NotEditable(f"This debrief is {label}, so it can no longer be changed.")


def write_answers(
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
    kept = [row for qid, row in rows.items() if qid in new]
    for qid, value in new.items():
        if qid not in rows:
            added = Answer(debrief_id=debrief.id, question_id=qid, value=value)
            session.add(added)
            kept.append(added)
            changed.append(qid)
    session.flush()
    # The debrief's answers are now exactly these rows: no need to read them back.
    set_committed_value(debrief, "answers", kept)
    return changed


def settle(
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
        elif is_answered(answers.get(question.id)):
            base[question.id] = answers[question.id]
    return base


def _as_drawn(parsed) -> Any:
    """Return a parsed answer as `section_base` records one: the value, or what was typed."""
    return {"typed": parsed.typed} if parsed.error else parsed.value


def save_section(
    session: Session,
    debrief: Debrief,
    actor: Actor,
    question_set: QuestionSet,
    section: Section,
    form: Form,
    *,
    form_version: int,
    base: Mapping[str, Any] | None,
    revealed_in_place: bool,
) -> SaveOutcome:
    """Save what was typed on one section page (valid answers, and invalid input kept)."""
    rows = lock(session, debrief)
    require_editable(debrief, actor.account)
    current = {k: r.value for k, r in rows.items()}
    if form_version != debrief.version:
        now = section_base(question_set, debrief, section)
        base = dict(base or {})
        timeline = timeline_of(debrief)
        # A conflict is an answer changed meanwhile that this form would now change again.
        # Where the form says what is stored (a resent save, or the same answer typed in
        # two tabs) there is nothing to lose, so it saves as usual.
        changes = [
            Change(q.id, q.text, base.get(q.id), now.get(q.id))
            for q in section.questions
            if base.get(q.id) != now.get(q.id)
            and _as_drawn(parse_answer(q, form, timeline)) != now.get(q.id)
        ]
        if changes:
            raise SectionChanged(changes, debrief.version)
    derived = event_record.derived_ids(question_set, debrief.event)
    answers = dict(current)
    unsaved = dict(debrief.unsaved_input or {})
    outcome = SaveOutcome()
    empty: set[str] = set()
    timeline = timeline_of(debrief)
    for question in section.questions:
        if question.id in derived:
            continue
        parsed = parse_answer(question, form, timeline)
        if parsed.error and question.id in current:
            # Saved again unchanged: it was checked when answered ("not in the past" for a
            # planned date); only the rules that cannot go stale are held to it now.
            again = parse_answer(question, form, timeline_of(debrief, answering=False))
            if again.error is None and again.value == current[question.id]:
                parsed = again
        answers.pop(question.id, None)
        unsaved.pop(question.id, None)
        if parsed.error:
            unsaved[question.id] = parsed.typed
        elif parsed.value is not None:
            answers[question.id] = parsed.value
        else:
            empty.add(question.id)
    answers, unsaved = settle(question_set, debrief.event, answers, unsaved)
    if not revealed_in_place:
        outcome.newly_shown = [
            q.id
            for q in section.questions
            if q.id in empty
            and question_set.is_shown(q, answers)
            and not question_set.is_shown(q, current)
        ]
    outcome.changed = write_answers(session, debrief, rows, answers)
    unsaved_changed = unsaved != (debrief.unsaved_input or {})
    if unsaved_changed:
        debrief.unsaved_input = unsaved
    outcome.has_errors = any(q.id in unsaved for q in section.questions)
    if outcome.changed or unsaved_changed:
        debrief.version += 1
        audit.record(
            session,
            actor,
            audit.Category.ALTERATION,
            "debrief.save",
            object_type="debrief",
            object_id=debrief.id,
            details={"section": section.id, "questions": outcome.changed},
        )
    return outcome
