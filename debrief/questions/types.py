"""Question types: how each type of question is answered, checked, read back and exported.

One class per type, registered in TYPES under the name questions.toml uses; the
loader accepts exactly these names. Flask-free: the form field a type is drawn
with is web work, in debriefs/forms.py (FIELDS, keyed by the same names). Adding
a type is a class here, an entry in FIELDS, and tests.

A question reads its answer from raw form strings, `{input name: [values]}`: the
question id, or for dates `<id>-day`, `<id>-month`, `<id>-year` and for date-times
also `<id>-time`. Messages follow the GOV.UK pattern and use the question's `short`
and `example` ("Enter the number of minutes waiting, for example 10").
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from ..text_input import (
    DATE_PARTS,
    DateProblem,
    NotANumber,
    NotWhole,
    TimeProblem,
    TooLarge,
    parse_day,
    parse_time,
    parse_whole_number,
)
from ..timeutil import LOCAL_ZONE, format_local, from_local, to_local, utcnow

if TYPE_CHECKING:
    from .loader import Question, Suggestion

Typed = dict[str, list[str]]

TEXT_MAX = 200
LONG_TEXT_MAX = 5000
# Choice ids that mean "none of these": they cannot be chosen with other answers.
EXCLUSIVE_CHOICES = frozenset({"none", "nothing"})
# A date-time answer describes something that happened; allow a little clock drift.
FUTURE_TOLERANCE = timedelta(minutes=10)


@dataclass(frozen=True)
class Timeline:
    """What a date or time answer is checked against (issue 18): when the event was reported
    and the time of the answer, both naive UTC as stored.

    `answering` is False when stored answers are checked again (on the task list and at
    submission): a planned date was held to "not in the past" when it was answered, and
    the time it was answered is not stored, so only the rules that cannot go stale apply.
    """

    now: datetime
    reported_at: datetime | None = None
    answering: bool = True

    @classmethod
    def today(cls, reported_at: datetime | None = None, *, answering: bool = True) -> Timeline:
        """Return the timeline for an answer given (or checked) now."""
        return cls(utcnow(), reported_at, answering)


@dataclass(frozen=True)
class FieldError:
    """One question's problem: the message, the input to link to, the inputs to highlight."""

    question_id: str
    message: str
    href: str
    parts: frozenset[str] = frozenset()


_NO_CHOICES: list = []  # compared with, never changed: no new list on every call


def is_answered(value: Any) -> bool:
    """Tell whether a stored value counts as an answer (the one rule, for every page and sheet)."""
    return value is not None and value != "" and value != _NO_CHOICES


# --- the registry -----------------------------------------------------------------------------

TYPES: dict[str, QuestionType] = {}
_T = TypeVar("_T", bound="type[QuestionType]")


def register(cls: _T) -> _T:
    """Add a question type to TYPES under its name (a class decorator)."""
    TYPES[cls.name] = cls()
    return cls


def able_to_suggest(rule: str) -> str:
    """Name the types whose questions may suggest a theme by this kind of rule, for messages."""
    return " or ".join(name for name, kind in TYPES.items() if rule in kind.suggests_by)


# --- words for messages -----------------------------------------------------------------------


def subject(question: Question) -> str:
    """Return the words naming what the question asks for, as in "Enter <subject>"."""
    return question.short or "an answer"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _example(question: Question) -> str:
    return f", for example {question.example}" if question.example else ""


def field_error(question: Question, message: str, parts: Iterable[str] = ()) -> FieldError:
    """Return a question's error, linked to the first of `parts` (or its first input)."""
    parts = frozenset(parts)
    names = question.kind.input_names(question)
    href = next((n for n in names if n in parts), names[0])
    return FieldError(question.id, message, href, parts)


Read = tuple[Any, FieldError | None]


class QuestionType:
    """One type of question; a subclass overrides what its type does differently.

    A question left blank reads as (None, None): whether it was needed is decided
    elsewhere, so a draft can be saved half done.
    """

    name: ClassVar[str]
    # Answered by choosing among the question's choices: it can reveal follow-ups,
    # suggest themes by answer, and each choice is counted on the export's Answers sheet.
    has_choices: ClassVar[bool] = False
    fixed_choices: ClassVar[tuple[tuple[str, str], ...]] = ()  # (id, label) every question has
    bounded: ClassVar[bool] = False  # takes `min` and `max` from the question file
    # The kinds of `suggests` rule its questions may declare: answers, above, hours_after_event.
    suggests_by: ClassVar[frozenset[str]] = frozenset()
    several: ClassVar[bool] = False  # more than one answer at once: shares add up past 100%
    free_text: ClassVar[bool] = False  # words a person typed: exported only with free text
    multiline: ClassVar[bool] = False  # read back keeping the line breaks typed
    plannable: ClassVar[bool] = False  # may be declared `planned = true` (a day to come)

    # --- from the form to the stored value, and back

    def input_names(self, question: Question) -> tuple[str, ...]:
        """Return the names of the inputs a question is answered with."""
        return (question.id,)

    def read(self, question: Question, typed: Typed) -> Read:
        """Read the question's inputs into (stored value or None, error or None)."""
        raise NotImplementedError

    def check(self, question: Question, value: Any, timeline: Timeline) -> FieldError | None:
        """Return the problem with a read (or stored) value against the event and the time
        of the answer, or None; only dates and times have one."""
        return None

    def missing_message(self, question: Question) -> str:
        """Return the message for a required question left unanswered."""
        return f"Enter {subject(question)}{_example(question)}"

    def form_values(self, question: Question, value: Any) -> Typed:
        """Return the inputs that show a stored answer again (the reverse of `read`)."""
        return {question.id: [str(value)]}

    # --- read back, on check-your-answers and review pages

    def read_back(self, question: Question, value: Any) -> tuple[str, ...]:
        """Return an answer as the lines a person reads."""
        return (str(value),)

    # --- the spreadsheet

    def cell(self, question: Question, value: Any, labels: Mapping[str, str] | None) -> Any:
        """Return an answer's cell in the export's register; `labels` name choices there."""
        return value if isinstance(value, int | float | str) else str(value)

    # --- themes and generated data

    def suggestion(
        self, question: Question, rule: Suggestion, value: Any, reported_at: datetime | None
    ) -> str | None:
        """Return why this answer suggests the rule's theme, or None when it does not."""
        return None

    def sample(self, question: Question, sampler: Sampler) -> Any:
        """Return a plausible answer for generated debriefs, drawn by `sampler`."""
        raise NotImplementedError


# --- choices ----------------------------------------------------------------------------------


class ChoiceType(QuestionType):
    """One answer from the question's choices."""

    has_choices = True
    suggests_by = frozenset({"answers"})

    def missing_message(self, question: Question) -> str:
        """Return "Select ..." for a choice left unmade."""
        return f"Select {subject(question)}"

    def read(self, question: Question, typed: Typed) -> Read:
        """Read the choice; anything the question does not offer reads as no answer."""
        values = typed[question.id]
        chosen = values[0].strip() if values else ""
        if chosen and chosen in question.choice_ids:
            return chosen, None
        return None, None  # nothing, or an answer the question does not offer

    def read_back(self, question: Question, value: Any) -> tuple[str, ...]:
        """Return the choice's label."""
        return (question.choice_label(str(value)),)

    def cell(self, question: Question, value: Any, labels: Mapping[str, str] | None) -> Any:
        """Return the labels of what was chosen, joined by semicolons."""
        chosen = value if isinstance(value, list) else [value]
        names = labels or {}
        return "; ".join(names.get(str(c), str(c)) for c in chosen)

    def suggestion(
        self, question: Question, rule: Suggestion, value: Any, reported_at: datetime | None
    ) -> str | None:
        """Suggest the theme when one of the rule's answers was chosen."""
        if not rule.answers:
            return None
        chosen = value if isinstance(value, list) else [value]
        hits = [question.choice_label(c) for c in chosen if c in rule.answers]
        if hits:
            return f"{question.text} {', '.join(hits)}"
        return None


@register
class YesNoType(ChoiceType):
    """Yes or no."""

    name = "yes_no"
    fixed_choices = (("yes", "Yes"), ("no", "No"))

    def sample(self, question: Question, sampler: Sampler) -> Any:
        """Draw yes or no."""
        return sampler.yes_no(question)


@register
class SingleChoiceType(ChoiceType):
    """One of the question's own choices."""

    name = "single_choice"

    def sample(self, question: Question, sampler: Sampler) -> Any:
        """Draw one choice."""
        return sampler.one_of(question)


@register
class MultiChoiceType(ChoiceType):
    """Any of the question's choices, stored as a list in the question's order."""

    name = "multi_choice"
    several = True

    def read(self, question: Question, typed: Typed) -> Read:
        """Read the choices ticked; "none of these" cannot be ticked with others."""
        picked = {v.strip() for v in typed[question.id]}
        chosen = [c for c in question.choice_ids if c in picked]
        if not chosen:
            return None, None
        exclusive = [c for c in chosen if c in EXCLUSIVE_CHOICES]
        if exclusive and len(chosen) > 1:
            label = question.choice_label(exclusive[0])
            return None, field_error(question, f'Select {subject(question)}, or select "{label}"')
        return chosen, None

    def form_values(self, question: Question, value: Any) -> Typed:
        """Return one input value per choice ticked."""
        return {question.id: [str(v) for v in (value if isinstance(value, list) else [value])]}

    def read_back(self, question: Question, value: Any) -> tuple[str, ...]:
        """Return the label of each choice ticked, a line each."""
        chosen = value if isinstance(value, list) else [value]
        return tuple(question.choice_label(str(c)) for c in chosen)

    def sample(self, question: Question, sampler: Sampler) -> Any:
        """Draw some choices."""
        return sampler.some_of(question)


# --- typed words ------------------------------------------------------------------------------


@register
class TextType(QuestionType):
    """A short text on one line; runs of spaces and line breaks become one space."""

    name = "text"
    free_text = True
    max_length: ClassVar[int] = TEXT_MAX

    def read(self, question: Question, typed: Typed) -> Read:
        """Read the text, trimmed, within the type's length."""
        values = typed[question.id]
        text = (values[0] if values else "").replace("\r\n", "\n").strip()
        if not text:
            return None, None
        if len(text) > self.max_length:
            return None, field_error(
                question,
                f"{_capital(subject(question))} must be {self.max_length:,} characters or fewer",
            )
        return self.tidy(text), None

    def tidy(self, text: str) -> str:
        """Return the text as stored, once it is known to be within the length."""
        return " ".join(text.split())

    def sample(self, question: Question, sampler: Sampler) -> Any:
        """Draw a short text."""
        return sampler.text(question)


@register
class LongTextType(TextType):
    """Paragraphs, kept as typed (trimmed, with Unix line breaks)."""

    name = "long_text"
    multiline = True
    max_length = LONG_TEXT_MAX

    def tidy(self, text: str) -> str:
        """Keep the sergeant's line breaks and spacing."""
        return text

    def sample(self, question: Question, sampler: Sampler) -> Any:
        """Draw a longer text."""
        return sampler.long_text(question)


# --- numbers ----------------------------------------------------------------------------------


@register
class NumberType(QuestionType):
    """A whole number, within the question's `min` and `max`."""

    name = "number"
    bounded = True
    suggests_by = frozenset({"above"})

    def read(self, question: Question, typed: Typed) -> Read:
        """Read a whole number; thousands separators and spaces are ignored."""
        values = typed[question.id]
        raw = values[0] if values else ""
        if not raw.strip():
            return None, None
        words, example = _capital(subject(question)), _example(question)
        low, high = question.min, question.max
        try:
            value = parse_whole_number(raw)
        except NotWhole:
            return None, field_error(question, f"{words} must be a whole number{example}")
        except TooLarge:
            value = None
        except NotANumber:
            return None, field_error(question, f"{words} must be a number{example}")
        too_low = value is not None and low is not None and value < low
        if value is None or too_low or (high is not None and value > high):
            if low is None and high is None:
                return None, field_error(question, f"{words} must be a number{example}")
            return None, field_error(question, f"{words} must be {_range(low, high)}")
        return value, None

    def read_back(self, question: Question, value: Any) -> tuple[str, ...]:
        """Return the number as written, without a needless ".0"."""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return (str(value),)

    def suggestion(
        self, question: Question, rule: Suggestion, value: Any, reported_at: datetime | None
    ) -> str | None:
        """Suggest the theme when the number is above the rule's."""
        if rule.above is None:
            return None
        if isinstance(value, int | float) and not isinstance(value, bool) and value > rule.above:
            return f"{question.text} {value} (more than {rule.above:g})"
        return None

    def sample(self, question: Question, sampler: Sampler) -> Any:
        """Draw a number."""
        return sampler.number(question)


def _range(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"between {low:g} and {high:g}"
    if low is not None:
        return f"{low:g} or more"
    return f"{high:g} or fewer"


# --- dates and times --------------------------------------------------------------------------


@register
class DateType(QuestionType):
    """A day, typed as day, month and year; stored as ISO text (2025-06-14)."""

    name = "date"
    plannable = True  # `planned = true`: a day something will happen, not one that did

    def input_names(self, question: Question) -> tuple[str, ...]:
        """Return the day, month and year inputs."""
        return tuple(f"{question.id}-{p}" for p in DATE_PARTS)

    def read(self, question: Question, typed: Typed) -> Read:
        """Read a real date."""
        day, error, _ = self.read_day(question, typed)
        return (day.isoformat() if day else None), error

    def read_day(
        self, question: Question, typed: Typed
    ) -> tuple[date | None, FieldError | None, bool]:
        """Return (date or None, error or None, anything typed?) from the three parts."""
        parts = {p: (typed[f"{question.id}-{p}"] or [""])[0] for p in DATE_PARTS}
        if not any(part.strip() for part in parts.values()):
            return None, None, False
        try:
            day = parse_day(**parts, what=_capital(subject(question)))
        except DateProblem as problem:
            names = [f"{question.id}-{p}" for p in problem.parts]
            return None, field_error(question, str(problem), names), True
        return day, None, True

    def check(self, question: Question, value: Any, timeline: Timeline) -> FieldError | None:
        """A day that happened: not after today (UK) nor before the day the event was
        reported (its UK date: reported at 00:30 BST on 15 June is 15 June, though stored
        as 23:30 on the 14th). A planned day: not before today when it is answered."""
        try:
            day = date.fromisoformat(str(value))
        except ValueError:
            return None  # not a date this type stored: nothing to compare
        words = _capital(subject(question))
        names = self.input_names(question)[:3]
        today = to_local(timeline.now).date()
        if question.planned and timeline.answering and day < today:
            return field_error(question, f"{words} must be today or in the future", names)
        if not question.planned and day > today:
            return field_error(question, f"{words} must be today or in the past", names)
        if timeline.reported_at is not None:
            reported = to_local(timeline.reported_at)
            if day < reported.date():
                return field_error(
                    question,
                    f"{words} must be the same as or after the date the event was reported "
                    f"({format_local(timeline.reported_at, with_time=False)})",
                    names,
                )
        return None

    def form_values(self, question: Question, value: Any) -> Typed:
        """Return the parts of a stored date (nothing for one that cannot be read)."""
        try:
            when = datetime.fromisoformat(str(value))
        except ValueError:
            return {}
        return self.parts_of(question, when)

    def parts_of(self, question: Question, when: datetime) -> Typed:
        """Return the inputs that show this moment."""
        return {
            f"{question.id}-day": [str(when.day)],
            f"{question.id}-month": [str(when.month)],
            f"{question.id}-year": [str(when.year)],
        }

    def read_back(self, question: Question, value: Any) -> tuple[str, ...]:
        """Return the date written out: 14 June 2025."""
        try:
            day = value if isinstance(value, date) else date.fromisoformat(str(value))
        except ValueError:
            return (str(value),)
        return (f"{day.day} {day:%B %Y}",)

    def sample(self, question: Question, sampler: Sampler) -> Any:
        """Draw a date."""
        return sampler.day(question)


@register
class DateTimeType(DateType):
    """A moment in the past, typed as a date and a time; stored as UK local ISO text."""

    name = "datetime"
    plannable = False
    suggests_by = frozenset({"hours_after_event"})

    def input_names(self, question: Question) -> tuple[str, ...]:
        """Return the day, month, year and time inputs."""
        return tuple(f"{question.id}-{p}" for p in (*DATE_PARTS, "time"))

    def read(self, question: Question, typed: Typed) -> Read:
        """Read a real date and a real time of that day in the UK."""
        day, error, typed_date = self.read_day(question, typed)
        time_name = f"{question.id}-time"
        time_text = (typed[time_name] or [""])[0].strip()
        words = _capital(subject(question))
        if error:
            return None, error
        if not typed_date and not time_text:
            return None, None
        if not typed_date:
            names = [f"{question.id}-{p}" for p in DATE_PARTS]
            return None, field_error(question, f"{words} must include a date", names)
        if not time_text:
            return None, field_error(
                question, f"{words} must include a time, for example 04:30 or 16:45", [time_name]
            )
        try:
            time = parse_time(time_text, what=words)
        except TimeProblem as problem:
            return None, field_error(question, str(problem), [time_name])
        assert day is not None, "read_day gives a day whenever a date was typed without error"
        when = datetime(day.year, day.month, day.day, *time)
        if to_local(from_local(when)).replace(tzinfo=None) != when:
            return None, field_error(
                question,
                f"{words} must be a time that happened in the UK: the clocks went forward "
                f"from 1am to 2am on {day.day} {day:%B %Y}",
                [time_name],
            )
        return when.isoformat(timespec="minutes"), None

    def check(self, question: Question, value: Any, timeline: Timeline) -> FieldError | None:
        """A moment that happened: not in the future (beyond FUTURE_TOLERANCE of clock
        drift) nor before the minute the event was reported."""
        try:
            when = from_local(datetime.fromisoformat(str(value)))
        except ValueError:
            return None
        words = _capital(subject(question))
        names = self.input_names(question)
        if when > timeline.now + FUTURE_TOLERANCE:
            return field_error(question, f"{words} must be in the past", names)
        if timeline.reported_at is not None:
            reported = timeline.reported_at.replace(second=0, microsecond=0)
            if when < reported:
                return field_error(
                    question,
                    f"{words} must be the same as or after the time the event was reported "
                    f"({format_local(reported)})",
                    names,
                )
        return None

    def parts_of(self, question: Question, when: datetime) -> Typed:
        """Return the date's inputs and the time's."""
        return {**super().parts_of(question, when), f"{question.id}-time": [f"{when:%H:%M}"]}

    def read_back(self, question: Question, value: Any) -> tuple[str, ...]:
        """Return the moment written out: 14 June 2025 at 4:45pm (UK time)."""
        try:
            when = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        except ValueError:
            return (str(value),)
        if when.tzinfo is not None:  # an aware value: show it in UK time
            when = when.astimezone(LOCAL_ZONE)
        hour = when.hour % 12 or 12
        return (f"{when.day} {when:%B %Y} at {hour}:{when:%M}{'am' if when.hour < 12 else 'pm'}",)

    def suggestion(
        self, question: Question, rule: Suggestion, value: Any, reported_at: datetime | None
    ) -> str | None:
        """Suggest the theme when this moment came too long after the event was reported."""
        if rule.hours_after_event is None or reported_at is None:
            return None
        try:
            when = from_local(datetime.fromisoformat(str(value)))
        except ValueError:
            return None
        hours = (when - reported_at).total_seconds() / 3600
        if hours > rule.hours_after_event:
            return (
                f"{question.text} {hours:.0f} hours after the event was reported "
                f"(more than {rule.hours_after_event:g})"
            )
        return None

    def sample(self, question: Question, sampler: Sampler) -> Any:
        """Draw a moment."""
        return sampler.moment(question)


# --- generated answers ------------------------------------------------------------------------


class Sampler:
    """Draws plausible answers for generated debriefs (the demo site, benchmark data).

    Each type asks for the kind of value it stores (`QuestionType.sample`). These
    defaults give plain valid answers; a generator overrides them to shape answers
    like a force's (weights, wording, times after the event).
    """

    def __init__(self, rng: random.Random):
        self.rng = rng

    def yes_no(self, question: Question) -> Any:
        """Return yes or no."""
        return self.one_of(question)

    def one_of(self, question: Question) -> Any:
        """Return one of the question's choices."""
        return self.rng.choice(question.choice_ids)

    def some_of(self, question: Question) -> Any:
        """Return some of the question's choices, never "none" with others."""
        ids = [c for c in question.choice_ids if c not in EXCLUSIVE_CHOICES]
        if not ids:
            return list(question.choice_ids[:1])
        picked = set(self.rng.sample(ids, self.rng.randint(1, len(ids))))
        return [c for c in ids if c in picked]

    def number(self, question: Question) -> Any:
        """Return a whole number within the question's bounds."""
        low = 0 if question.min is None else math.ceil(question.min)
        high = low + 100 if question.max is None else math.floor(question.max)
        return self.rng.randint(low, high)

    def text(self, question: Question) -> Any:
        """Return a short text."""
        return f"Answer {self.rng.randint(1, 999)}"

    def long_text(self, question: Question) -> Any:
        """Return a text of two lines."""
        return f"{self.text(question)}\nA second line."

    def day(self, question: Question) -> Any:
        """Return a day in the past year."""
        today = to_local(utcnow()).date()
        return (today - timedelta(days=self.rng.randint(1, 365))).isoformat()

    def moment(self, question: Question) -> Any:
        """Return a moment in the past month, in UK local time."""
        now = to_local(utcnow()).replace(tzinfo=None, second=0, microsecond=0)
        when = now - timedelta(minutes=self.rng.randint(60, 30 * 24 * 60))
        return when.isoformat(timespec="minutes")
