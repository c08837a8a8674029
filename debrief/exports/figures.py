"""The figures of a thematic export, gathered in one pass over the selected debriefs.

Everything kept is sized by the question sets, themes and months, never by the
number of debriefs: medians come from histograms of tenths of a day.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from ..periods import Period
from ..questions.loader import Choice, Question, QuestionSet
from ..questions.types import is_answered
from ..timeutil import local_month
from .selection import DebriefRecord


@dataclass
class QuestionSummary:
    """A choice question merged across the question set versions in the export."""

    id: str
    several: bool  # more than one answer at once (a multi_choice question, say)
    text: str
    section: str
    choices: list[Choice] = field(default_factory=list)
    asked_of: int = 0  # debriefs on a version that has the question
    answered: int = 0
    # Follow-ups not shown: because an earlier answer ruled them out (by design, not
    # counted as a row), or because an earlier question was left unanswered (worth a row).
    ruled_out: int = 0
    earlier_unanswered: int = 0
    counts: Counter = field(default_factory=Counter)
    versions: set[str] = field(default_factory=set)


class Stats:
    """Accumulates the workbook's figures from a stream of debrief records."""

    def __init__(self, period: Period, question_sets: dict[int, QuestionSet]):
        self.months = period.months()
        self._month_index = {m: i for i, m in enumerate(self.months)}
        self.question_sets = question_sets
        self.total = 0
        self.by_month = [0] * len(self.months)
        self.themes: dict[str, list[int]] = {}
        self.event_to_debrief: Counter[int] = Counter()  # tenths of a day -> debriefs
        self.submission_to_closure: Counter[int] = Counter()
        self.version_debriefs: Counter[int] = Counter()
        self.questions = _merge_questions(question_sets)
        for summary in self.questions.values():
            for qs in question_sets.values():
                if qs.question(summary.id) is not None:
                    summary.versions.add(qs.short_version)
        self.theme_labels = _theme_labels(question_sets)
        # Per version, the choice questions it asks: looked up once, not per debrief.
        # With each, its show-if chain from the first question down (see hidden_because).
        self._asks = {
            qs_id: [
                (self.questions[q.id], q, show_if_chain(qs, q))
                for q in qs.questions
                if q.id in self.questions
            ]
            for qs_id, qs in question_sets.items()
        }

    @property
    def choice_question_ids(self) -> set[str]:
        """Return the ids of every choice question in any version."""
        return set(self.questions)

    def add(self, record: DebriefRecord) -> None:
        """Count one debrief."""
        self.total += 1
        index = self._month_index.get(local_month(record.reported_at))
        if index is not None:
            self.by_month[index] += 1
        for theme_id in record.themes:
            row = self.themes.setdefault(theme_id, [0] * len(self.months))
            if index is not None:
                row[index] += 1
        if record.first_submitted_at is not None:
            _add_days(self.event_to_debrief, record.reported_at, record.first_submitted_at)
            if record.closed_at is not None:
                _add_days(self.submission_to_closure, record.first_submitted_at, record.closed_at)
        self.version_debriefs[record.question_set_id] += 1
        qs = self.question_sets.get(record.question_set_id)
        if qs is not None:
            self._add_answers(qs, self._asks[record.question_set_id], record.answers)

    @staticmethod
    def _add_answers(qs: QuestionSet, asks: list, answers: dict) -> None:
        for summary, question, chain in asks:
            summary.asked_of += 1
            if chain:
                hidden = hidden_because(chain, answers)
                if hidden == EARLIER_UNANSWERED:
                    summary.earlier_unanswered += 1
                    continue
                if hidden == RULED_OUT:
                    summary.ruled_out += 1
                    continue
            value = answers.get(question.id)
            if not is_answered(value):
                continue
            summary.answered += 1
            if isinstance(value, list):  # several choices (multi_choice)
                for chosen in value:
                    summary.counts[str(chosen)] += 1
            else:
                summary.counts[str(value)] += 1

    def theme_order(self) -> list[str]:
        """Return theme ids: those the question sets declare, then any others found."""
        known = list(self.theme_labels)
        return known + sorted(t for t in self.themes if t not in self.theme_labels)


EARLIER_UNANSWERED, RULED_OUT = "earlier unanswered", "ruled out"


def show_if_chain(qs: QuestionSet, question: Question) -> tuple:
    """Return the show-if conditions a follow-up hangs on, from the first question down."""
    chain = []
    condition = question.show_if
    while condition is not None:
        chain.append(condition)
        parent = qs.question(condition.question)
        condition = parent.show_if if parent else None
    return tuple(reversed(chain))


def hidden_because(chain: tuple, answers: dict) -> str | None:
    """Tell why a follow-up is hidden, or None when it is shown: an earlier question left
    unanswered, or an earlier answer that rules it out. The chain is read from its first
    question down: the first condition that fails gives the reason (a follow-up of a
    follow-up ruled out is ruled out too). Agrees with QuestionSet.is_shown."""
    for condition in chain:
        value = answers.get(condition.question)
        if not is_answered(value):
            return EARLIER_UNANSWERED
        chosen = value if isinstance(value, list) else [value]
        if not any(v in condition.answers for v in chosen):
            return RULED_OUT
    return None


def _add_days(histogram: Counter, start: datetime, end: datetime) -> None:
    histogram[round((end - start).total_seconds() / 8640)] += 1


def median_days(histogram: Counter) -> float | None:
    """Return the median in days (to a tenth) of a histogram of tenths of a day."""
    count = sum(histogram.values())
    if count == 0:
        return None
    middle = ((count + 1) // 2, count // 2 + 1)  # 1-based ranks; equal when count is odd
    found: list[int] = []
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        while len(found) < 2 and seen >= middle[len(found)]:
            found.append(value)
    return round(sum(found) / 20, 1)


def _merge_questions(question_sets: dict[int, QuestionSet]) -> dict[str, QuestionSummary]:
    """Merge choice questions by stable id: newest wording and order, older extras after."""
    merged: dict[str, QuestionSummary] = {}
    for qs in sorted(question_sets.items(), reverse=True):  # newest first
        for question in qs[1].questions:
            if not question.kind.has_choices:
                continue
            summary = merged.get(question.id)
            if summary is None:
                merged[question.id] = _summary(qs[1], question)
            else:
                known = {c.id for c in summary.choices}
                summary.choices.extend(c for c in question.choices if c.id not in known)
    return merged


def _summary(qs: QuestionSet, question: Question) -> QuestionSummary:
    section = qs.section(question.section_id)
    return QuestionSummary(
        id=question.id,
        several=question.kind.several,
        text=question.text,
        section=section.title if section else "",
        choices=list(question.choices),
    )


def _theme_labels(question_sets: dict[int, QuestionSet]) -> dict[str, str]:
    labels: dict[str, str] = {}
    for _, qs in sorted(question_sets.items(), reverse=True):
        for theme in qs.themes:
            labels.setdefault(theme.id, theme.label)
    return labels
