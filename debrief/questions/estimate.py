"""How long a typical debrief takes to fill in, from the question set alone.

The rule (issue 18): every answer on a typical path costs 10 seconds for a choice (or a
number), 30 seconds for a date or a date and time, 90 seconds for a free-text box.
Questions the event record answers cost nothing. The typical path follows a typical
event (the caller's `settled` answers: a referral made, no children) and, at every
other question, the answer that asks the least after it: the debrief where nothing
went wrong, which most are. Flask-free, so `debrief questions estimate` and the tests
run it on any file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .loader import Question, QuestionSet

SECONDS = {
    "yes_no": 10,
    "single_choice": 10,
    "multi_choice": 10,
    "number": 10,
    "date": 30,
    "datetime": 30,
    "text": 90,
    "long_text": 90,
}
KINDS = {
    "yes_no": "choice",
    "single_choice": "choice",
    "multi_choice": "choice",
    "number": "choice",
    "date": "date",
    "datetime": "date",
    "text": "free text",
    "long_text": "free text",
}
_FILLER = {"number": 1, "date": "2026-01-01", "datetime": "2026-01-01T00:00", "text": "x"}


@dataclass(frozen=True)
class Estimate:
    """The answers a typical debrief gives and the time they take."""

    questions: int  # in the whole set
    settled: int  # answered by the event record on the typical path
    path: tuple[str, ...]  # the ids the sergeant answers, in order
    seconds: int
    by_kind: dict[str, int] = field(default_factory=dict)

    @property
    def minutes_text(self) -> str:
        """Return the time as "12 min 30 s"."""
        minutes, seconds = divmod(self.seconds, 60)
        return f"{minutes} min {seconds} s" if seconds else f"{minutes} min"


def seconds_for(question: Question) -> int:
    """Return the time one answer to this question takes."""
    return SECONDS.get(question.type, 10)


def typical_estimate(question_set: QuestionSet, settled: Mapping[str, Any]) -> Estimate:
    """Return the estimate for the typical path, with `settled` the event record's answers."""
    answers: dict[str, Any] = {}
    path: list[str] = []
    by_kind: dict[str, int] = {}
    total = 0
    for question in question_set.questions:
        if question.id in settled:
            if settled[question.id] is not None:
                answers[question.id] = settled[question.id]
            continue
        if not question_set.is_shown(question, answers):
            continue
        answers[question.id] = _least_asking_answer(question_set, question, answers)
        path.append(question.id)
        total += seconds_for(question)
        kind = KINDS.get(question.type, "choice")
        by_kind[kind] = by_kind.get(kind, 0) + 1
    shown_settled = sum(
        1 for q in question_set.questions if q.id in settled and question_set.is_shown(q, answers)
    )
    return Estimate(
        questions=len(question_set.questions),
        settled=shown_settled,
        path=tuple(path),
        seconds=total,
        by_kind=by_kind,
    )


def _least_asking_answer(question_set: QuestionSet, question: Question, answers: dict) -> Any:
    """Return the answer after which the fewest seconds of follow-ups are asked."""
    if not question.choices:
        return _FILLER.get(question.type, "x")
    best, best_cost = None, None
    for choice in question.choices:
        value = [choice.id] if question.type == "multi_choice" else choice.id
        trial = {**answers, question.id: value}
        cost = sum(
            seconds_for(q)
            for q in question_set.questions
            if q.show_if is not None
            and q.show_if.question == question.id
            and question_set.is_shown(q, trial)
        )
        if best_cost is None or cost < best_cost:
            best, best_cost = value, cost
    return best


def describe(estimate: Estimate) -> str:
    """Describe an estimate in a few lines, for `debrief questions estimate`."""
    kinds = ", ".join(
        f"{estimate.by_kind.get(kind, 0)} {words}"
        for kind, words in (
            ("choice", "choices or numbers"),
            ("date", "dates or times"),
            ("free text", "free-text boxes"),
        )
    )
    return "\n".join(
        [
            f"{estimate.questions} questions in the set.",
            f"A typical debrief: {len(estimate.path)} answers ({kinds}), "
            f"{estimate.settled} more from the event record.",
            f"Estimated time: {estimate.minutes_text} ({estimate.seconds} s: 10 s a choice, "
            "30 s a date and time, 90 s a free-text box).",
        ]
    )
