"""Plausible answers to the real question set, for generated debriefs.

Every question shown (by its show_if chain) gets an answer of its type; a few
questions get domain-shaped values so that theme rates look like a force's.
Unknown question ids fall back to a value of their type, so an edited
questions.toml still generates.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from debrief.questions.loader import Question, QuestionSet
from debrief.questions.types import Sampler
from debrief.timeutil import to_local, utcnow

SENTENCES = (
    "Officers arrived quickly and the scene was secured within ten minutes.",
    "The lorry driver was cooperative and the trailer was opened safely.",
    "Communication with the control room was clear throughout.",
    "The NCCU line was busy and the call was answered after a long wait.",
    "An interpreter was arranged by telephone, which helped the welfare checks.",
    "Ambulance attended for two people with mild hypothermia.",
    "Border Force were informed but could not attend until the next morning.",
    "Children's services collected the unaccompanied child within two hours.",
    "The vehicle was not preserved because of the traffic on the carriageway.",
    "Roles between agencies were unclear at the handover.",
    "Custody capacity was stretched on the night.",
    "The intelligence document was completed over the telephone on first report.",
    "Officers were not aware that the intelligence document was required.",
    "Phones were seized from the driver and booked in as exhibits.",
    "Next time a second patrol should be sent to manage the roadside safely.",
    "A local authority duty worker gave useful advice on age assessment.",
    "Welfare checks found signs of exhaustion and dehydration.",
    "The hub should be told sooner when children are involved.",
)

SPECIFIC_CHOICE_WEIGHTS: dict[str, dict[str, float]] = {
    "nccu_contacted": {"yes": 0.86, "no": 0.14},
    "intel_doc_submitted": {"yes": 0.74, "no": 0.26},
    "risk_to_life": {"yes": 0.12, "no": 0.88},
    "medical_help": {"yes": 0.22, "no": 0.78},
    "trafficking_indicators": {"yes": 0.2, "no": 0.8},
    "other_vulnerabilities": {"yes": 0.15, "no": 0.85},
    "partner_delay": {"yes": 0.18, "no": 0.82},
    "welfare_follow_up": {"yes": 0.1, "no": 0.9},
    "notable_practice": {"yes": 0.08, "no": 0.92},
    "facilitator_arrested": {"yes": 0.15, "no": 0.85},
}


@dataclass(frozen=True)
class _After:
    """A date or time answer, kept relative to the event so a template can be reused."""

    hours: float
    date_only: bool = False
    planned: bool = False  # a day to come: may be after now

    def at(self, reported_at: datetime, now: datetime) -> str:
        """Return the answer for an event reported then: never in the future unless planned
        (the app refuses one, issue 18), so a recent event's times stop at now."""
        when = reported_at + timedelta(hours=self.hours)
        if not self.planned:
            when = min(when, max(now, reported_at))
        if self.date_only:
            return to_local(when).date().isoformat()
        return to_local(when).replace(tzinfo=None).isoformat(timespec="minutes")


def _text(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.sample(SENTENCES, rng.randint(low, high)))


def _choice(rng: random.Random, question: Question) -> str:
    weights = SPECIFIC_CHOICE_WEIGHTS.get(question.id)
    if weights:
        ids = [c for c in question.choice_ids if c in weights]
        if ids:
            return rng.choices(ids, [weights[c] for c in ids])[0]
    return rng.choice(question.choice_ids)


class _BenchSampler(Sampler):
    """Answers with a force's shape: weighted yes/no, references, event-relative times."""

    def one_of(self, question: Question) -> Any:
        """Return a choice, weighted where SPECIFIC_CHOICE_WEIGHTS says (yes/no too)."""
        return _choice(self.rng, question)

    def some_of(self, question: Question) -> Any:
        """Return up to three choices, or now and then "none" alone."""
        rng = self.rng
        ids = list(question.choice_ids)
        exclusive = [c for c in ids if c in ("none", "nothing")]
        if exclusive and rng.random() < 0.12:
            return [exclusive[0]]
        ids = [c for c in ids if c not in exclusive]
        return sorted(rng.sample(ids, rng.randint(1, min(3, len(ids)))), key=ids.index)

    def number(self, question: Question) -> Any:
        """Return a small count, or minutes waiting for the NCCU."""
        rng = self.rng
        low = int(question.min or 0)
        high = int(question.max if question.max is not None else 100)
        if question.id == "nccu_wait_minutes":
            return min(high, int(rng.expovariate(1 / 18)))
        return rng.randint(low, min(high, low + 6))

    def moment(self, question: Question) -> Any:
        """Return a time some hours after the event, re-anchored on each debrief."""
        rng = self.rng
        return _After(
            rng.expovariate(1 / 8) if question.id != "debrief_held_at" else rng.uniform(2, 30)
        )

    def day(self, question: Question) -> Any:
        """Return a day some days after the event, re-anchored on each debrief."""
        return _After(24.0 * self.rng.randint(1, 10), date_only=True, planned=question.planned)

    def text(self, question: Question) -> Any:
        """Return a reference shaped like the one asked for, or a sentence."""
        rng = self.rng
        if "nccu_reference" in question.id:
            return f"NCCU-{rng.randint(10**9, 10**10 - 1)}"
        if "reference" in question.id:
            return f"CR/{rng.randint(10000, 99999)}/25"
        return _text(rng, 1, 1)[:120]

    def long_text(self, question: Question) -> Any:
        """Return a few sentences."""
        return _text(self.rng, 1, 4)


def _value(sampler: _BenchSampler, question: Question, children: bool) -> Any:
    if question.id == "children_involved":
        return "yes" if children else "no"
    return question.kind.sample(question, sampler)


def _template(
    rng: random.Random, question_set: QuestionSet, children: bool, sections: int | None
) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    sampler = _BenchSampler(rng)
    for section in question_set.sections[:sections]:
        for question in section.questions:
            if not question_set.is_shown(question, answers):
                continue
            if not question.required and rng.random() < 0.3:
                continue
            answers[question.id] = _value(sampler, question, children)
    return answers


class AnswerPool:
    """Answer sets built once and reused: building each of 100,000 afresh is the slow part.

    A pool of a few thousand distinct sets per shape keeps the spread of answers (and so
    of themes) realistic; dates and times are re-anchored on each debrief's event.
    """

    def __init__(self, rng: random.Random, question_set: QuestionSet, size: int):
        self.rng = rng
        self.question_set = question_set
        self.size = size
        self.pool: dict[tuple, dict[str, Any]] = {}
        self.now = utcnow()

    def answers(
        self, reported_at: datetime, counts: dict[str, int], sections: int | None = None
    ) -> dict[str, Any]:
        """Return answers to every shown question of the first `sections` sections."""
        children = bool(counts.get("accompanied_children") or counts.get("unaccompanied_children"))
        key = (self.rng.randrange(self.size), children, sections)
        template = self.pool.get(key)
        if template is None:
            template = _template(self.rng, self.question_set, children, sections)
            self.pool[key] = template
        return {
            q: v.at(reported_at, self.now) if isinstance(v, _After) else v
            for q, v in template.items()
        }
