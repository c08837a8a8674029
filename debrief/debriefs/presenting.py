"""A debrief read back as people read it: the event record, then every answer.

Shared by the hub's review page and the sergeant's check-your-answers page
(templates/partials/_answers.html renders what `present` returns). Answers are
shown in the order and wording of the question set version the debrief was
answered on, choice labels rather than ids, dates written out. Flask-free: the
caller passes change-link URLs in, if it wants them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..models import Debrief, Event
from ..questions.loader import Question, QuestionSet
from ..questions.types import is_answered
from ..timeutil import format_local
from ..vocabulary import (
    EVENT_TYPES,
    LOCATION_TYPES,
    PARTNER_AGENCIES,
    PEOPLE_COUNTS,
    in_a_sentence,
    label,
)


@dataclass(frozen=True)
class Row:
    """One line of a summary list: a question (or event field) and its answer."""

    key: str
    # One string per line; several lines for multi-choice answers and lists.
    values: tuple[str, ...]
    id: str = ""
    multiline: bool = False  # long text: keep the sergeant's line breaks
    change_href: str | None = None
    change_label: str = ""

    @property
    def as_list(self) -> bool:
        """Tell whether to show the values as a bulleted list."""
        return len(self.values) > 1


@dataclass(frozen=True)
class SectionView:
    """One section of the question set with the answers given in it."""

    id: str
    title: str
    rows: tuple[Row, ...]
    change_href: str | None = None

    @property
    def change_label(self) -> str:
        """Return the section's title as the hidden end of its "Change" link."""
        return in_a_sentence(self.title)


@dataclass(frozen=True)
class DebriefView:
    """Everything the read-only partial needs."""

    event_rows: tuple[Row, ...]
    sections: tuple[SectionView, ...]
    question_set_label: str = ""
    question_set_version: str = ""


ChangeUrl = Callable[[str, str], str | None]  # (section id, question id) -> URL or None


def answers_of(debrief: Debrief) -> dict[str, Any]:
    """Return a debrief's answers as {question id: value}."""
    return {answer.question_id: answer.value for answer in debrief.answers}


def present(
    debrief: Debrief,
    question_set: QuestionSet,
    answers: dict[str, Any] | None = None,
    *,
    change_url: ChangeUrl | None = None,
    section_change_url: Callable[[str], str | None] | None = None,
    event_change_url: str | None = None,
) -> DebriefView:
    """Build the read-only view of one debrief from its own question set version.

    `change_url(section_id, question_id)` adds a "Change" link to each answer;
    `section_change_url(section_id)` adds one per section; `event_change_url`
    adds one to each event row. Leave them out for a read-only page.
    """
    answers = answers_of(debrief) if answers is None else answers
    sections = []
    for section in question_set.sections:
        rows = []
        for question in section.questions:
            if not is_answered(answers.get(question.id)):
                continue
            if not question_set.is_shown(question, answers):
                continue
            href = change_url(section.id, question.id) if change_url else None
            rows.append(
                Row(
                    key=question.text,
                    values=format_answer(question, answers[question.id]),
                    id=question.id,
                    multiline=question.kind.multiline,
                    change_href=href,
                    change_label=question.short or question.text,
                )
            )
        if rows:
            sections.append(
                SectionView(
                    id=section.id,
                    title=section.title,
                    rows=tuple(rows),
                    change_href=section_change_url(section.id) if section_change_url else None,
                )
            )
    return DebriefView(
        event_rows=event_rows(debrief.event, change_href=event_change_url),
        sections=tuple(sections),
        question_set_label=question_set.label,
        question_set_version=question_set.short_version,
    )


def event_rows(event: Event, change_href: str | None = None) -> tuple[Row, ...]:
    """Return the event record as summary-list rows (counts of people, never names)."""
    agencies = tuple(label(PARTNER_AGENCIES, a) for a in (event.partner_agencies or ()))
    rows: list[tuple[str, str, tuple[str, ...]]] = [
        ("incident_ref", "Force incident reference", (event.incident_ref,)),
        ("reported_at", "Date and time reported", (format_local(event.reported_at),)),
        ("district", "Policing district", (event.district,)),
        ("location_type", "Location type", (label(LOCATION_TYPES, event.location_type),)),
        ("event_type", "Event type", (label(EVENT_TYPES, event.event_type),)),
    ]
    rows += [
        (name, text, (str(getattr(event, name) or 0),)) for name, text in PEOPLE_COUNTS.items()
    ]
    rows.append(("nccu_referral_made", "NCCU referral made", (_yes_no(event.nccu_referral_made),)))
    if event.nccu_reference:
        rows.append(("nccu_reference", "NCCU reference", (event.nccu_reference,)))
    rows.append(("partner_agencies", "Partner agencies present", agencies or ("None",)))
    return tuple(
        Row(
            key=key,
            values=values,
            id=ident,
            change_href=change_href,
            change_label=in_a_sentence(key),
        )
        for ident, key, values in rows
    )


def format_answer(question: Question, value: Any) -> tuple[str, ...]:
    """Return an answer as the lines a person reads: labels, not ids; dates written out."""
    return question.kind.read_back(question, value)


def _yes_no(value: bool | None) -> str:
    return "Not recorded" if value is None else ("Yes" if value else "No")
