"""Submit a debrief to the hub (or resubmit a returned one) and suggest its themes. Flask-free.

Submitting goes through workflow.apply, the one transition table. A second
click of the button finds the debrief already submitted and changes nothing.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from .. import audit, recommendation2, workflow
from ..audit import Actor
from ..compliance import chasing
from ..models import Debrief, DebriefTheme, DismissedTheme
from ..questions.loader import QuestionSet, Section
from ..questions.themes import suggest
from ..review import returns
from ..vocabulary import event_counts
from ..workflow import Action, State
from .answers import Status, missing_required
from .drafting import (
    DraftError,
    StaleDraft,
    answers_of,
    current_answers,
    lock,
    overview,
    require_editable,
    settle,
    write_answers,
)

SUBMITTED_STATES = frozenset({State.SUBMITTED, State.IN_REVIEW, State.CLOSED})


class ChangedSinceChecked(StaleDraft):
    """The debrief changed after the check page was drawn: check it again."""

    def __init__(self, current_version: int):
        super().__init__([], current_version)


class Incomplete(DraftError):
    """Submission refused: sections still need answers or corrections."""

    def __init__(self, problems: list[tuple[Section, Status]]):
        self.problems = problems
        super().__init__("Complete every section before you submit the debrief.")


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
    actor: Actor,
    question_set: QuestionSet,
    *,
    form_version: int,
) -> bool:
    """Submit (or resubmit) the debrief; False when it was already submitted (a double click).

    Raises Incomplete, ChangedSinceChecked or NotEditable.
    """
    user = actor.account
    rows = lock(session, debrief)
    if debrief.host_id == user.id and debrief.state in SUBMITTED_STATES:
        return False
    require_editable(debrief, user)
    if form_version != debrief.version:
        raise ChangedSinceChecked(debrief.version)
    # Store the event record's facts as they stand, so the hub reads what was checked.
    answers, _ = settle(question_set, debrief.event, {k: r.value for k, r in rows.items()}, {})
    write_answers(session, debrief, rows, answers)
    problems = submission_problems(question_set, debrief)
    if problems:
        raise Incomplete(problems)
    action = Action.SUBMIT if debrief.state == State.DRAFT else Action.RESUBMIT
    workflow.apply(session, debrief, action, user)
    answers = answers_of(debrief)
    details: dict = {"question_set": question_set.short_version}
    if action == Action.RESUBMIT:
        # Which answers changed since the return: ids for the audit, values in the history.
        details["changed_answers"] = returns.record_changes(session, debrief, user, question_set)
    record_intel_doc(debrief, question_set, answers)
    _suggest_themes(session, debrief, question_set, answers)
    audit.record(
        session,
        actor,
        audit.Category.ALTERATION,
        f"debrief.{action.value}",
        object_type="debrief",
        object_id=debrief.id,
        details=details,
    )
    return True


def _suggest_themes(
    session: Session, debrief: Debrief, question_set: QuestionSet, answers: dict
) -> None:
    """Store the themes the answers suggest; keep the hub's confirmations, and leave out a
    suggestion the hub removed unless the reason for it (the answers behind it) changed."""
    event = debrief.event
    found = {
        s.theme_id: s
        for s in suggest(question_set, answers, event_counts(event), event.reported_at)
    }
    dismissed = {
        d.theme_id: d
        for d in session.scalars(
            select(DismissedTheme).where(DismissedTheme.debrief_id == debrief.id)
        )
    }
    for theme_id, dismissal in dismissed.items():
        suggestion = found.get(theme_id)
        if suggestion is None:
            continue
        if suggestion.reason_text == dismissal.basis:
            del found[theme_id]  # the same answers: the hub's decision stands
        else:
            session.delete(dismissal)  # the answers changed: the hub looks again
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
        kept = existing.get(theme_id)
        if kept is None:
            kept = DebriefTheme(debrief_id=debrief.id, theme_id=theme_id, confirmed=False)
            session.add(kept)
        kept.suggested = True
        kept.suggestion_reason = suggestion.reason_text
    session.flush()


def record_intel_doc(debrief: Debrief, question_set: QuestionSet, answers: dict) -> None:
    """Set the debrief's record of the intelligence document from its bound answers (the
    one record Recommendation 2 is counted from). A submission recorded late, after the
    NCCU's list said outstanding (compliance/chasing.py), stands unless the answers now
    say the document was submitted."""
    record = recommendation2.record_from_answers(
        question_set, answers, debrief.event.nccu_referral_made
    )
    for name, value in record.columns().items():
        setattr(debrief, name, value)
    session = object_session(debrief)
    if record.route in recommendation2.SUBMITTED_ROUTES or session is None or debrief.id is None:
        return
    late = chasing.latest_for_debrief(session, debrief.id)
    if late is not None:
        chasing.apply_to_record(debrief, late)
