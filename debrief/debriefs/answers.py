"""Typed answers from raw form values, per question type, with messages written for people.

Flask-free. A form is `{input name: [values]}` (what MultiDict.to_dict(flat=False)
gives). Each question reads its own inputs: the question id, or for dates
`<id>-day`, `<id>-month`, `<id>-year` and for date-times also `<id>-time`.
Messages follow the GOV.UK pattern and use the question's `short` and
`example` ("Enter the number of minutes waiting, for example 10").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from ..questions.loader import Question, QuestionSet, Section
from ..timeutil import from_local, utcnow

Form = Mapping[str, list[str]]

TEXT_MAX = 200
LONG_TEXT_MAX = 5000
# Choice ids that mean "none of these": they cannot be chosen with other answers.
EXCLUSIVE_CHOICES = frozenset({"none", "nothing"})
DATE_PARTS = ("day", "month", "year")
# A date-time answer describes something that happened; allow a little clock drift.
FUTURE_TOLERANCE = timedelta(minutes=10)


class Status(StrEnum):
    """A section's place on the task list."""

    NOT_STARTED = "Not yet started"
    IN_PROGRESS = "In progress"
    COMPLETED = "Completed"
    HAS_ERRORS = "There is a problem"


@dataclass(frozen=True)
class FieldError:
    """One question's problem: the message, the input to link to, the inputs to highlight."""

    question_id: str
    message: str
    href: str
    parts: frozenset[str] = frozenset()


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


def input_names(question: Question) -> tuple[str, ...]:
    """Return the names of the inputs a question is answered with."""
    if question.type == "date":
        return tuple(f"{question.id}-{p}" for p in DATE_PARTS)
    if question.type == "datetime":
        return tuple(f"{question.id}-{p}" for p in (*DATE_PARTS, "time"))
    return (question.id,)


def first_input_id(question: Question) -> str:
    """Return the id of the element an error summary link should focus."""
    return input_names(question)[0]


# --- messages -------------------------------------------------------------------------------


def _subject(question: Question) -> str:
    return question.short or "an answer"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _example(question: Question) -> str:
    return f", for example {question.example}" if question.example else ""


def missing_message(question: Question) -> str:
    """Return the message for a required question left unanswered."""
    if question.type in {"yes_no", "single_choice", "multi_choice"}:
        return f"Select {_subject(question)}"
    return f"Enter {_subject(question)}{_example(question)}"


def _error(question: Question, message: str, parts: Iterable[str] = ()) -> FieldError:
    parts = frozenset(parts)
    names = input_names(question)
    href = next((n for n in names if n in parts), names[0])
    return FieldError(question.id, message, href, parts)


# --- reading one question --------------------------------------------------------------------


def parse_answer(question: Question, form: Form) -> Parsed:
    """Read one question's inputs into a typed value, or an error for what was typed.

    A question left blank gives value None and no error: whether it was needed
    is decided by `missing_required`, so a draft can be saved half done.
    """
    typed = {name: [str(v) for v in form.get(name, [])] for name in input_names(question)}
    parsed = Parsed(typed=typed)
    reader = _READERS[question.type]
    parsed.value, parsed.error = reader(question, typed)
    return parsed


def _read_choice(question: Question, typed: dict[str, list[str]]):
    values = typed[question.id]
    chosen = values[0].strip() if values else ""
    if chosen and chosen in question.choice_ids:
        return chosen, None
    return None, None  # nothing, or an answer the question does not offer


def _read_multi(question: Question, typed: dict[str, list[str]]):
    picked = {v.strip() for v in typed[question.id]}
    chosen = [c for c in question.choice_ids if c in picked]
    if not chosen:
        return None, None
    exclusive = [c for c in chosen if c in EXCLUSIVE_CHOICES]
    if exclusive and len(chosen) > 1:
        label = question.choice_label(exclusive[0])
        return None, _error(question, f'Select {_subject(question)}, or select "{label}"')
    return chosen, None


def _read_text(question: Question, typed: dict[str, list[str]]):
    values = typed[question.id]
    text = (values[0] if values else "").replace("\r\n", "\n").strip()
    if not text:
        return None, None
    limit = LONG_TEXT_MAX if question.type == "long_text" else TEXT_MAX
    if len(text) > limit:
        return None, _error(
            question, f"{_capital(_subject(question))} must be {limit:,} characters or fewer"
        )
    if question.type == "text":
        text = " ".join(text.split())
    return text, None


def _read_number(question: Question, typed: dict[str, list[str]]):
    values = typed[question.id]
    raw = (values[0] if values else "").strip().replace(",", "").replace(" ", "")
    if not raw:
        return None, None
    subject = _capital(_subject(question))
    try:
        number = Decimal(raw)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        return None, _error(question, f"{subject} must be a number{_example(question)}")
    if number != number.to_integral_value():
        return None, _error(question, f"{subject} must be a whole number{_example(question)}")
    value = int(number)
    low, high = question.min, question.max
    if (low is not None and value < low) or (high is not None and value > high):
        return None, _error(question, f"{subject} must be {_range(low, high)}")
    return value, None


def _range(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"between {low:g} and {high:g}"
    if low is not None:
        return f"{low:g} or more"
    return f"{high:g} or fewer"


def _read_date_parts(question: Question, typed: dict[str, list[str]]):
    """Return (date or None, error or None, anything typed?)."""
    parts = {p: (typed[f"{question.id}-{p}"] or [""])[0].strip() for p in DATE_PARTS}
    subject = _capital(_subject(question))
    if not any(parts.values()):
        return None, None, False
    missing = [p for p in DATE_PARTS if not parts[p]]
    if missing:
        words = " and ".join(missing) if len(missing) < 3 else "day, month and year"
        names = [f"{question.id}-{p}" for p in missing]
        return None, _error(question, f"{subject} must include a {words}", names), True
    if not all(parts[p].isdigit() for p in DATE_PARTS):
        bad = [f"{question.id}-{p}" for p in DATE_PARTS if not parts[p].isdigit()]
        return None, _error(question, f"{subject} must be a real date", bad), True
    if len(parts["year"]) != 4:
        return (
            None,
            _error(question, "Year must include 4 numbers", [f"{question.id}-year"]),
            True,
        )
    try:
        day = date(int(parts["year"]), int(parts["month"]), int(parts["day"]))
    except ValueError:
        names = [f"{question.id}-{p}" for p in DATE_PARTS]
        return None, _error(question, f"{subject} must be a real date", names), True
    return day, None, True


def _read_date(question: Question, typed: dict[str, list[str]]):
    day, error, _ = _read_date_parts(question, typed)
    return (day.isoformat() if day else None), error


_TIME = re.compile(r"^(\d{1,2})(?:[:.]?(\d{2}))?\s*(am|pm)?$")


def parse_time(text: str) -> tuple[int, int] | None:
    """Read a time typed as 04:30, 4.30, 0430, 16:45 or 4:30pm; None if it is not one."""
    match = _TIME.match(text.strip().lower().replace(" ", ""))
    if not match:
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    suffix = match.group(3)
    if suffix:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if suffix == "pm" else 0)
    elif match.group(2) is None:
        return None  # a bare "4" is too ambiguous to guess
    if hour > 23 or minute > 59:
        return None
    return hour, minute


def _read_datetime(question: Question, typed: dict[str, list[str]]):
    day, error, typed_date = _read_date_parts(question, typed)
    time_name = f"{question.id}-time"
    time_text = (typed[time_name] or [""])[0].strip()
    subject = _capital(_subject(question))
    if error:
        return None, error
    if not typed_date and not time_text:
        return None, None
    if not typed_date:
        names = [f"{question.id}-{p}" for p in DATE_PARTS]
        return None, _error(question, f"{subject} must include a date", names)
    if not time_text:
        return None, _error(
            question, f"{subject} must include a time, for example 04:30 or 16:45", [time_name]
        )
    time = parse_time(time_text)
    if time is None:
        return None, _error(
            question, f"{subject} must be a real time, for example 04:30 or 16:45", [time_name]
        )
    when = datetime(day.year, day.month, day.day, *time)
    if from_local(when) > utcnow() + FUTURE_TOLERANCE:
        names = [*(f"{question.id}-{p}" for p in DATE_PARTS), time_name]
        return None, _error(question, f"{subject} must be in the past", names)
    return when.isoformat(timespec="minutes"), None


_READERS = {
    "yes_no": _read_choice,
    "single_choice": _read_choice,
    "multi_choice": _read_multi,
    "text": _read_text,
    "long_text": _read_text,
    "number": _read_number,
    "date": _read_date,
    "datetime": _read_datetime,
}


# --- back from stored values to inputs --------------------------------------------------------


def form_values(question: Question, value: Any) -> dict[str, list[str]]:
    """Return the inputs that show a stored answer again (the reverse of parse_answer)."""
    if value is None:
        return {}
    if question.type == "multi_choice":
        return {question.id: [str(v) for v in (value if isinstance(value, list) else [value])]}
    if question.type in {"date", "datetime"}:
        try:
            when = datetime.fromisoformat(str(value))
        except ValueError:
            return {}
        values = {
            f"{question.id}-day": [str(when.day)],
            f"{question.id}-month": [str(when.month)],
            f"{question.id}-year": [str(when.year)],
        }
        if question.type == "datetime":
            values[f"{question.id}-time"] = [f"{when:%H:%M}"]
        return values
    return {question.id: [str(value)]}


# --- whole sections and debriefs --------------------------------------------------------------


def answered(value: Any) -> bool:
    """Tell whether a stored value counts as an answer."""
    return value is not None and value != "" and value != []


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
        if q.required and question_set.is_shown(q, answers) and not answered(answers.get(q.id))
    ]


def section_status(
    question_set: QuestionSet,
    section: Section,
    answers: dict[str, Any],
    unsaved: Mapping[str, Any],
    derived: Iterable[str] = (),
) -> Status:
    """Return a section's task-list status from the stored answers and unsaved input."""
    ids = {q.id for q in section.questions}
    if ids & set(unsaved):
        return Status.HAS_ERRORS
    own = ids - set(derived)
    if not any(answered(answers.get(i)) for i in own):
        return Status.NOT_STARTED
    if missing_required(question_set, section, answers):
        return Status.IN_PROGRESS
    return Status.COMPLETED


def unsaved_errors(question_set: QuestionSet, unsaved: Mapping[str, Any]) -> dict[str, FieldError]:
    """Return the error each kept-but-invalid input gives when read again."""
    errors = {}
    for question_id, typed in unsaved.items():
        question = question_set.question(question_id)
        if question is None:
            continue
        error = parse_answer(question, typed).error
        if error is not None:
            errors[question_id] = error
    return errors
