"""The OIC event record as a form: its fields, their checks, and the answers it settles.

Flask-free. The event record is asked once, on the first page of a debrief.
Some questions of the question set state facts the event record already
holds, so they are never asked: they are derived from the record (see
DERIVED, and a question's `from_event` count in the question file) and stored
as answers only by `derived_answers`, which keeps the event record the one
source of each fact. The hub, the themes and the exports
read them as ordinary answers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..models import Event
from ..questions.loader import Choice, Question, QuestionSet, Section, ShowIf
from ..text_input import matches_reference
from ..timeutil import from_local, to_local
from ..vocabulary import (
    EVENT_TYPES,
    LOCATION_TYPES,
    MAX_PEOPLE,
    PARTNER_AGENCIES,
    PEOPLE_COUNT_HINTS,
    PEOPLE_COUNTS,
    in_a_sentence,
    label,
)
from ..vocabulary import event_counts as vocabulary_counts
from .answers import FieldError, Form, first_input_id, missing_message, parse_answer

NONE_CHOICE = "none"

_COUNT_SHORT = {
    "adults": "the number of adults",
    "accompanied_children": "the number of accompanied children",
    "unaccompanied_children": "the number of unaccompanied or separated children",
    "age_disputed": "the number of age-disputed people",
    "arrested": "the number of people arrested",
    "injured": "the number of people injured",
    "died": "the number of people who died",
    "missing": "the number of people missing",
}


@dataclass(frozen=True)
class EventSettings:
    """The force's settings the event record is checked against."""

    districts: tuple[str, ...]
    incident_ref_pattern: str
    incident_ref_example: str
    nccu_ref_pattern: str
    nccu_ref_example: str

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> EventSettings:
        """Take the event settings from the app's settings."""
        return cls(
            districts=tuple(config["DISTRICTS"]),
            incident_ref_pattern=config["INCIDENT_REF_PATTERN"],
            incident_ref_example=config["INCIDENT_REF_EXAMPLE"],
            nccu_ref_pattern=config["NCCU_REF_PATTERN"],
            nccu_ref_example=config["NCCU_REF_EXAMPLE"],
        )


def _choices(vocabulary: Mapping[str, str]) -> tuple[Choice, ...]:
    return tuple(Choice(k, v) for k, v in vocabulary.items())


def event_form(settings: EventSettings) -> QuestionSet:
    """Return the event record's fields as a one-section question set, for one renderer."""
    yes_no = (Choice("yes", "Yes"), Choice("no", "No"))
    questions = [
        Question(
            id="incident_ref",
            type="text",
            text="Force incident reference",
            section_id="event",
            hint=f"For example, {settings.incident_ref_example}",
            required=True,
            short="the force incident reference",
            example=settings.incident_ref_example,
        ),
        Question(
            id="reported_at",
            type="datetime",
            text="When was the event reported?",
            section_id="event",
            hint="For example, 14 6 2025 and 02:30",
            required=True,
            short="the date and time the event was reported",
        ),
        Question(
            id="district",
            type="single_choice",
            text="Policing district",
            section_id="event",
            required=True,
            short="the policing district",
            choices=tuple(Choice(d, d) for d in settings.districts),
        ),
        Question(
            id="location_type",
            type="single_choice",
            text="Where did it happen?",
            section_id="event",
            required=True,
            short="the type of location",
            choices=_choices(LOCATION_TYPES),
        ),
        Question(
            id="event_type",
            type="single_choice",
            text="What kind of event was it?",
            section_id="event",
            required=True,
            short="the kind of event",
            choices=_choices(EVENT_TYPES),
        ),
        *(
            Question(
                id=name,
                type="number",
                text=label,
                section_id="event",
                hint=PEOPLE_COUNT_HINTS.get(name, ""),
                required=True,
                min=0,
                max=MAX_PEOPLE,
                short=_COUNT_SHORT[name],
                example="0",
            )
            for name, label in PEOPLE_COUNTS.items()
        ),
        Question(
            id="nccu_referral_made",
            type="yes_no",
            text="Was a referral made to the NCCU?",
            section_id="event",
            hint="Immigration Enforcement's National Command and Control Unit.",
            required=True,
            short="whether a referral was made to the NCCU",
            choices=yes_no,
        ),
        Question(
            id="nccu_reference",
            type="text",
            text="NCCU reference",
            section_id="event",
            hint=f"For example, {settings.nccu_ref_example}",
            required=True,
            short="the NCCU reference",
            example=settings.nccu_ref_example,
            show_if=ShowIf("nccu_referral_made", ("yes",)),
        ),
        Question(
            id="partner_agencies",
            type="multi_choice",
            text="Which partner agencies were present?",
            section_id="event",
            hint="Select all that apply.",
            required=True,
            short="which partner agencies were present",
            choices=(*_choices(PARTNER_AGENCIES), Choice(NONE_CHOICE, "None")),
        ),
    ]
    section = Section("event", "The event", "", tuple(questions))
    return QuestionSet(
        version="event-record",
        source_text="",
        sections=(section,),
        themes=(),
        _by_id={q.id: q for q in questions},
    )


COUNT_FIELDS = tuple(PEOPLE_COUNTS)


def parse(settings: EventSettings, form: Form) -> tuple[dict[str, Any], dict[str, FieldError]]:
    """Read and check the event record form; return (values, errors by field)."""
    fields = event_form(settings)
    values: dict[str, Any] = {}
    errors: dict[str, FieldError] = {}
    for question in fields.questions:
        parsed = parse_answer(question, form)
        if parsed.error:
            errors[question.id] = parsed.error
        elif parsed.value is not None:
            values[question.id] = parsed.value
    for field in ("incident_ref", "nccu_reference"):
        if field in values:
            values[field] = values[field].upper().replace(" ", "")
    _check_pattern(fields, values, errors, "incident_ref", settings.incident_ref_pattern)
    _check_pattern(fields, values, errors, "nccu_reference", settings.nccu_ref_pattern)
    for question in fields.questions:
        shown = fields.is_shown(question, values)
        if not shown:
            values.pop(question.id, None)
            errors.pop(question.id, None)
        elif question.required and question.id not in values and question.id not in errors:
            errors[question.id] = FieldError(
                question.id, missing_message(question), first_input_id(question)
            )
    return values, errors


def _check_pattern(fields: QuestionSet, values, errors, name: str, pattern: str) -> None:
    if name in values and not matches_reference(pattern, values[name]):
        question = fields.known_question(name)
        errors[name] = FieldError(
            name,
            f"Enter {question.short} in the right format, for example {question.example}",
            name,
        )
        del values[name]


def values_of(event: Event) -> dict[str, Any]:
    """Return an event's record as form values (the reverse of `apply`)."""
    values: dict[str, Any] = {
        "incident_ref": event.incident_ref,
        "reported_at": to_local(event.reported_at)
        .replace(tzinfo=None)
        .isoformat(timespec="minutes"),
        "district": event.district,
        "location_type": event.location_type,
        "event_type": event.event_type,
        "partner_agencies": list(event.partner_agencies or []) or [NONE_CHOICE],
    }
    for name in COUNT_FIELDS:
        values[name] = getattr(event, name)
    if event.nccu_referral_made is not None:
        values["nccu_referral_made"] = "yes" if event.nccu_referral_made else "no"
    if event.nccu_reference:
        values["nccu_reference"] = event.nccu_reference
    return values


def apply(event: Event, values: Mapping[str, Any]) -> list[str]:
    """Write checked form values onto an event; return the names of the fields changed."""
    new = {
        "incident_ref": values["incident_ref"],
        "reported_at": from_local(datetime.fromisoformat(values["reported_at"])),
        "district": values["district"],
        "location_type": values["location_type"],
        "event_type": values["event_type"],
        "nccu_referral_made": values["nccu_referral_made"] == "yes",
        "nccu_reference": values.get("nccu_reference"),
        "partner_agencies": [a for a in values["partner_agencies"] if a != NONE_CHOICE],
    }
    for name in COUNT_FIELDS:
        new[name] = values[name]
    changed = [name for name, value in new.items() if getattr(event, name) != value]
    for name in changed:
        setattr(event, name, new[name])
    return changed


# --- answers the event record settles ---------------------------------------------------------


def _nccu_contacted(event: Event) -> str | None:
    if event.nccu_referral_made is None:
        return None
    return "yes" if event.nccu_referral_made else "no"


def _nccu_reference(event: Event) -> str | None:
    return event.nccu_reference if event.nccu_referral_made else None


def _children_involved(event: Event) -> str:
    children = (event.accompanied_children or 0) + (event.unaccompanied_children or 0)
    return "yes" if children > 0 else "no"


@dataclass(frozen=True)
class Derived:
    """A question whose answer the event record states; `known` says when it does."""

    value: Callable[[Event], Any]
    known: Callable[[Event], bool]
    source: str  # where the sergeant changes it, in words


# By binding name (see questions/bindings.py): the question set names the question.
DERIVED: dict[str, Derived] = {
    "nccu_referral": Derived(
        _nccu_contacted, lambda e: e.nccu_referral_made is not None, "NCCU referral made"
    ),
    "nccu_reference": Derived(
        _nccu_reference, lambda e: e.nccu_referral_made is not None, "NCCU reference"
    ),
    "children_present": Derived(_children_involved, lambda e: True, "the counts of children"),
}

# Bound questions the event record suggests an answer for, which the sergeant may change.
PREFILLED = {"agencies": "partner_agencies"}


def derived_ids(question_set: QuestionSet, event: Event) -> frozenset[str]:
    """Return the ids of the questions this event settles in this question set: the bound
    ones above, and the yes/no questions the file answers `from_event` (a count)."""
    bound = {
        question.id
        for name, rule in DERIVED.items()
        if (question := question_set.bound(name)) is not None and rule.known(event)
    }
    declared = {q.id for q in question_set.questions if q.from_event is not None}
    return frozenset(bound | declared)


def derived_source(question_set: QuestionSet, question_id: str) -> str:
    """Say, in words, where on the event record a settled answer is changed."""
    question = question_set.question(question_id)
    if question is not None and question.from_event is not None:
        return f"the count of {in_a_sentence(label(PEOPLE_COUNTS, question.from_event.field))}"
    for name, rule in DERIVED.items():
        if question_set.bound_id(name) == question_id:
            return rule.source
    return "the event record"


def derived_answers(question_set: QuestionSet, event: Event) -> dict[str, Any]:
    """Return {question id: answer} for the questions the event settles (None: no answer)."""
    found: dict[str, Any] = {}
    for name, rule in DERIVED.items():
        question = question_set.bound(name)
        if question is None or not rule.known(event):
            continue
        value = rule.value(event)
        if value is not None and question.choices and value not in question.choice_ids:
            continue  # a version whose choices differ: leave it to the sergeant
        found[question.id] = value
    counts = vocabulary_counts(event)
    for question in question_set.questions:
        if question.from_event is not None:
            found[question.id] = "yes" if question.from_event.holds(counts) else "no"
    return found


def prefill(question_set: QuestionSet, event: Event, answers: Mapping[str, Any]) -> dict:
    """Return suggested answers for unanswered questions the event record informs."""
    suggested = {}
    for name, field in PREFILLED.items():
        question = question_set.bound(name)
        if question is None or question.id in answers:
            continue
        chosen = [v for v in (getattr(event, field) or []) if v in question.choice_ids]
        if chosen:
            suggested[question.id] = chosen
    return suggested


def typical_event(**fields: Any) -> Event:
    """An event as a typical debrief has one, never stored: an NCCU referral made, six
    adults, one arrest, no children, nobody age-disputed, injured, dead or missing. What
    the question-set preview draws and the time estimate (`debrief questions estimate`)
    settles from; `fields` adds what else a page needs (a reference, a time, a district)."""
    return Event(
        adults=6,
        accompanied_children=0,
        unaccompanied_children=0,
        age_disputed=0,
        arrested=1,
        injured=0,
        died=0,
        missing=0,
        nccu_referral_made=True,
        nccu_reference="NCCU-0000000000",
        **fields,
    )
