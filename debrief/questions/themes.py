"""Theme suggestions: which themes a debrief's answers and event counts point to, and why.

The rules are declared in questions.toml (a question's `suggests`, a theme's
`event_rules`); this module only evaluates them (each question type says how its
answers match a rule, in types.py), so the force changes rules by editing its
question file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..vocabulary import PEOPLE_COUNTS, label
from .loader import EventRule, QuestionSet


@dataclass(frozen=True)
class SuggestedTheme:
    """A theme suggested for a debrief, with the reasons a reviewer can check."""

    theme_id: str
    label: str
    reasons: tuple[str, ...]

    @property
    def reason_text(self) -> str:
        """Return the reasons as one sentence-per-line text."""
        return "\n".join(self.reasons)


def suggest(
    question_set: QuestionSet,
    answers: dict[str, Any],
    event_counts: dict[str, int],
    event_reported_at: datetime | None = None,
) -> list[SuggestedTheme]:
    """Return the themes suggested by the answers (only questions shown) and event counts."""
    reasons: dict[str, list[str]] = {}
    for question in question_set.questions:
        if question.id not in answers or not question_set.is_shown(question, answers):
            continue
        for rule in question.suggests:
            why = question.kind.suggestion(question, rule, answers[question.id], event_reported_at)
            if why:
                reasons.setdefault(rule.theme, []).append(why)
    for theme in question_set.themes:
        for event_rule in theme.event_rules:
            why = _event_rule_reason(question_set, event_rule, answers, event_counts)
            if why:
                reasons.setdefault(theme.id, []).append(why)
    suggested = []
    for theme in question_set.themes:  # in the order the file declares them
        if theme.id in reasons:
            suggested.append(SuggestedTheme(theme.id, theme.label, tuple(reasons[theme.id])))
    return suggested


def _event_rule_reason(
    question_set: QuestionSet,
    rule: EventRule,
    answers: dict[str, Any],
    event_counts: dict[str, int],
) -> str:
    """Return why an event rule holds, in the vocabulary's words, or "" when it does not."""
    count = event_counts.get(rule.field) or 0
    if count <= rule.above:
        return ""
    why = f"Event record: {label(PEOPLE_COUNTS, rule.field)} = {count}"
    if not rule.question:
        return why
    question = question_set.question(rule.question)
    if question is None or not question_set.is_shown(question, answers):
        return ""
    value = answers.get(rule.question)
    given = value if isinstance(value, list) else [value]
    matched = [a for a in given if a in rule.answers]
    if not matched:
        return ""
    said = ", ".join(question.choice_label(a) for a in matched)
    return f"{why}, and {question.text} {said}"
