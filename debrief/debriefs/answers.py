"""A debrief's answers read from a form, section by section. Flask-free.

A form is `{input name: [values]}` (what MultiDict.to_dict(flat=False) gives).
Each question reads its own inputs as its type says (questions/types.py); this
module holds what is true of whole sections and debriefs: which required
questions are missing, which follow-ups no longer apply, a section's status.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ..questions.loader import Question, QuestionSet, Section
from ..questions.types import FieldError, Timeline, is_answered

Form = Mapping[str, list[str]]


class Status(StrEnum):
    """A section's place on the task list."""

    NOT_STARTED = "Not yet started"
    IN_PROGRESS = "In progress"
    COMPLETED = "Completed"
    HAS_ERRORS = "There is a problem"


@dataclass
class Parsed:
    """The outcome of reading one question's inputs."""

    value: Any = None
    error: FieldError | None = None
    typed: dict[str, list[str]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        """Tell whether nothing at all was typed or chosen."""
        return not any(v.strip() for values in self.typed.values() for v in values)


def first_input_id(question: Question) -> str:
    """Return the id of the element an error summary link should focus."""
    return question.kind.input_names(question)[0]


def missing_message(question: Question) -> str:
    """Return the message for a required question left unanswered."""
    return question.kind.missing_message(question)


def parse_answer(question: Question, form: Form, timeline: Timeline | None = None) -> Parsed:
    """Read one question's inputs into a typed value, or an error for what was typed.

    A question left blank gives value None and no error: whether it was needed
    is decided by `missing_required`, so a draft can be saved half done. Dates and
    times are checked against `timeline` (the event's report time and the time of the
    answer); without one, against now only, as a stored answer is (nothing in the future).
    """
    kind = question.kind
    typed = {name: [str(v) for v in form.get(name, [])] for name in kind.input_names(question)}
    parsed = Parsed(typed=typed)
    parsed.value, parsed.error = kind.read(question, typed)
    if parsed.error is None and parsed.value is not None:
        timeline = timeline or Timeline.today(answering=False)
        parsed.error = kind.check(question, parsed.value, timeline)
        if parsed.error is not None:
            parsed.value = None
    return parsed


def form_values(question: Question, value: Any) -> dict[str, list[str]]:
    """Return the inputs that show a stored answer again (the reverse of parse_answer)."""
    if value is None:
        return {}
    return question.kind.form_values(question, value)


# --- whole sections and debriefs --------------------------------------------------------------


def prune(question_set: QuestionSet, answers: dict[str, Any]) -> dict[str, Any]:
    """Drop answers of follow-ups whose condition no longer holds, and of unknown questions."""
    kept = {}
    for question in question_set.questions:
        if question.id in answers and question_set.is_shown(question, answers):
            kept[question.id] = answers[question.id]
    return kept


def missing_required(
    question_set: QuestionSet, section: Section, answers: dict[str, Any]
) -> list[Question]:
    """Return the required questions of a section that are shown but not answered."""
    return [
        q
        for q in section.questions
        if q.required and question_set.is_shown(q, answers) and not is_answered(answers.get(q.id))
    ]


def section_status(
    question_set: QuestionSet,
    section: Section,
    answers: dict[str, Any],
    unsaved: Mapping[str, Any],
    derived: Iterable[str] = (),
    wrong: Iterable[str] = (),
) -> Status:
    """Return a section's task-list status from the stored answers and unsaved input;
    `wrong` names stored answers that break a rule now (date_problems)."""
    ids = {q.id for q in section.questions}
    if ids & (set(unsaved) | set(wrong)):
        return Status.HAS_ERRORS
    own = ids - set(derived)
    if not any(is_answered(answers.get(i)) for i in own):
        return Status.NOT_STARTED
    if missing_required(question_set, section, answers):
        return Status.IN_PROGRESS
    return Status.COMPLETED


def unsaved_errors(
    question_set: QuestionSet, unsaved: Mapping[str, Any], timeline: Timeline | None = None
) -> dict[str, FieldError]:
    """Return the error each kept-but-invalid input gives when read again."""
    errors = {}
    for question_id, typed in unsaved.items():
        question = question_set.question(question_id)
        if question is None:
            continue
        error = parse_answer(question, typed, timeline).error
        if error is not None:
            errors[question_id] = error
    return errors


def date_problems(
    question_set: QuestionSet, answers: Mapping[str, Any], timeline: Timeline
) -> dict[str, FieldError]:
    """Return the stored answers that break a date rule now, by question id.

    An answer checked when it was saved can break one later: the event's report time
    was corrected to after it, or it was saved before the rule (an old draft). Give a
    timeline with `answering=False`: a planned date is not held to "not in the past"
    again. `answers` are the shown ones (drafting.current_answers).
    """
    problems = {}
    for question in question_set.questions:
        if question.id in answers:
            error = question.kind.check(question, answers[question.id], timeline)
            if error is not None:
                problems[question.id] = error
    return problems
