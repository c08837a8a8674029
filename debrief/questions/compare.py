"""Compare a draft question set with the active one, before it is published (issue 23).

Questions are matched by their stable id: a question whose id is new is added, one whose
id is gone is removed, and one kept is compared for wording, type, choices, required and
show-if. Themes are compared with their rules (a theme's event rules and the questions'
`suggests` naming it). Removing a question or a choice that stored answers use is a
warning with the number of debriefs that hold such an answer. New free-text questions
are flagged for the data protection officer: a box to type in may collect personal data.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Text, cast, func, select
from sqlalchemy.orm import Session

from ..exports.workbook import register_question_ids
from ..models import Answer
from .bindings import BINDINGS
from .loader import Question, QuestionSet, ShowIf, Theme


@dataclass(frozen=True)
class Change:
    """One way a kept question differs: what, before, after."""

    what: str  # wording, type, choices, required, show-if, hint
    before: str
    after: str


@dataclass
class ChangedQuestion:
    """A question kept by id whose definition changed."""

    question: Question
    changes: list[Change]
    removed_choices: list[tuple[str, str, int]] = field(default_factory=list)  # id, label, n


@dataclass
class RemovedQuestion:
    """A question gone from the draft, and how many debriefs hold an answer to it."""

    question: Question
    debriefs: int


@dataclass(frozen=True)
class ThemeChange:
    """A theme added, removed or changed (label, description or rules)."""

    theme_id: str
    label: str
    kind: str  # added, removed, changed
    details: tuple[str, ...] = ()


@dataclass(frozen=True)
class BindingRow:
    """One binding the code relies on, in the active set and in the draft."""

    name: str
    purpose: str
    required: bool
    before: str | None
    after: str | None


@dataclass(frozen=True)
class ColumnChange:
    """A column or row of the partnership spreadsheet that appears or goes."""

    sheet: str
    what: str
    kind: str  # added, removed


@dataclass
class Comparison:
    """Everything that changes between the active set and a draft."""

    added: list[Question]
    removed: list[RemovedQuestion]
    changed: list[ChangedQuestion]
    themes: list[ThemeChange]
    bindings: list[BindingRow]
    columns: list[ColumnChange]
    free_text: list[Question]
    warnings: list[str]

    @property
    def same(self) -> bool:
        """Tell whether nothing a person would notice changes."""
        return not (self.added or self.removed or self.changed or self.themes or self.columns)


def compare(session: Session, active: QuestionSet, draft: QuestionSet) -> Comparison:
    """Compare a draft with the active set; count the debriefs that answers removed use."""
    old_ids = {q.id for q in active.questions}
    new_ids = {q.id for q in draft.questions}
    added = [q for q in draft.questions if q.id not in old_ids]
    gone = [q for q in active.questions if q.id not in new_ids]
    # Only answers that the draft drops are counted: reading every answer of every
    # debrief would make the page as slow as an export.
    losing = [
        q
        for q in active.questions
        if q.id not in new_ids
        or not set(q.choice_ids) <= set(draft.known_question(q.id).choice_ids)
    ]
    usage = _usage(session, losing)
    removed = [RemovedQuestion(q, usage.debriefs(q.id)) for q in gone]
    changed = []
    for question in draft.questions:
        before = active.question(question.id)
        if before is None:
            continue
        item = _changed(before, question, usage)
        if item is not None:
            changed.append(item)
    warnings = [
        f"Question “{r.question.text}” ({r.question.id}) is removed: "
        f"{_debriefs(r.debriefs)} hold an answer to it."
        for r in removed
        if r.debriefs
    ]
    for item in changed:
        for choice_id, choice_label, count in item.removed_choices:
            if count:
                warnings.append(
                    f"Answer “{choice_label}” ({choice_id}) of “{item.question.text}” "
                    f"({item.question.id}) is removed: {_debriefs(count)} gave it."
                )
    free_text = [
        q
        for q in draft.questions
        if q.kind.free_text
        and (q.id not in old_ids or not active.known_question(q.id).kind.free_text)
    ]
    return Comparison(
        added=added,
        removed=removed,
        changed=changed,
        themes=_themes(active, draft),
        bindings=[
            BindingRow(
                b.name, b.purpose, b.required, active.bound_id(b.name), draft.bound_id(b.name)
            )
            for b in BINDINGS
        ],
        columns=_columns(active, draft),
        free_text=free_text,
        warnings=warnings,
    )


def _debriefs(count: int) -> str:
    return f"{count} debrief{'s' if count != 1 else ''}"


class _Usage:
    """The stored answers of the active set's questions: debriefs per question and choice."""

    def __init__(self) -> None:
        self.by_question: Counter[str] = Counter()
        self.by_choice: Counter[tuple[str, str]] = Counter()

    def add(self, question_id: str, value: Any, debriefs: int) -> None:
        """Count `debriefs` answers holding `value` (an empty answer counts for nothing)."""
        if value is None or value == [] or value == "":
            return
        self.by_question[question_id] += debriefs
        for chosen in value if isinstance(value, list) else [value]:
            if isinstance(chosen, str):
                self.by_choice[(question_id, chosen)] += debriefs

    def debriefs(self, question_id: str) -> int:
        return self.by_question[question_id]

    def choice(self, question_id: str, choice_id: str) -> int:
        return self.by_choice[(question_id, choice_id)]


# How an empty answer is stored: JSON null, an empty list, an empty string.
_EMPTY_TEXTS = ("null", "[]", '""')


def _usage(session: Session, questions: list[Question]) -> _Usage:
    """Count the answers to these questions in the database, at most two statements.

    A choice question's answers take few values: they are counted per distinct value
    and the value read in Python (a list of choices counts for each choice). Other
    answers (free text, numbers) are only counted, never read: at 100,000 debriefs a
    question holds 100,000 of them (found by index ix_answers_question, migration 0023).
    """
    usage = _Usage()
    as_text = cast(Answer.value, Text)
    with_choices = [q.id for q in questions if q.choice_ids]
    without = [q.id for q in questions if not q.choice_ids]
    if with_choices:
        rows = session.execute(
            select(Answer.question_id, as_text, func.count())
            .where(Answer.question_id.in_(with_choices), Answer.value.is_not(None))
            .group_by(Answer.question_id, as_text)
        )
        for question_id, text, number in rows:
            usage.add(question_id, json.loads(text) if text is not None else None, number)
    if without:
        counted = session.execute(
            select(Answer.question_id, func.count())
            .where(
                Answer.question_id.in_(without),
                Answer.value.is_not(None),
                as_text.not_in(_EMPTY_TEXTS),
            )
            .group_by(Answer.question_id)
        )
        for question_id, number in counted:
            usage.by_question[question_id] += number
    return usage


def _changed(before: Question, after: Question, usage: _Usage) -> ChangedQuestion | None:
    changes: list[Change] = []
    if before.text != after.text:
        changes.append(Change("wording", before.text, after.text))
    if before.type != after.type:
        changes.append(Change("type", before.type, after.type))
    if before.required != after.required:
        changes.append(Change("required", _yes(before.required), _yes(after.required)))
    if before.show_if != after.show_if:
        changes.append(
            Change(
                "show-if",
                _condition(before.show_if),
                _condition(after.show_if),
            )
        )
    if before.hint != after.hint:
        changes.append(Change("hint", before.hint or "none", after.hint or "none"))
    removed_choices = []
    if before.choices != after.choices:
        old = {c.id: c.label for c in before.choices}
        new = {c.id: c.label for c in after.choices}
        for choice_id, label in new.items():
            if choice_id not in old:
                changes.append(Change("choice added", "", f"{label} ({choice_id})"))
            elif old[choice_id] != label:
                changes.append(Change("choice wording", old[choice_id], label))
        for choice_id, label in old.items():
            if choice_id not in new:
                count = usage.choice(before.id, choice_id)
                removed_choices.append((choice_id, label, count))
                changes.append(
                    Change(
                        "choice removed", f"{label} ({choice_id})", f"{_debriefs(count)} gave it"
                    )
                )
        if not any(c.what.startswith("choice") for c in changes):
            changes.append(Change("choice order", _choice_ids(before), _choice_ids(after)))
    if not changes:
        return None
    return ChangedQuestion(after, changes, removed_choices)


def _yes(value: bool) -> str:
    return "required" if value else "optional"


def _condition(condition: ShowIf | None) -> str:
    if condition is None:
        return "always asked"
    return f"when {condition.question} is {' or '.join(condition.answers)}"


def _choice_ids(question: Question) -> str:
    return ", ".join(c.id for c in question.choices)


def _rules(question_set: QuestionSet, theme: Theme) -> set[str]:
    """Describe every rule that suggests this theme, one line each, to compare as sets."""
    lines = set()
    for rule in theme.event_rules:
        line = f"event record: {rule.field} above {rule.above:g}"
        if rule.question:
            line += f" and {rule.question} is {' or '.join(rule.answers)}"
        lines.add(line)
    for question in question_set.questions:
        for suggestion in question.suggests:
            if suggestion.theme != theme.id:
                continue
            if suggestion.answers:
                lines.add(f"{question.id} is {' or '.join(suggestion.answers)}")
            elif suggestion.above is not None:
                lines.add(f"{question.id} above {suggestion.above:g}")
            elif suggestion.hours_after_event is not None:
                lines.add(
                    f"{question.id} more than {suggestion.hours_after_event:g} h after the event"
                )
    return lines


def _themes(active: QuestionSet, draft: QuestionSet) -> list[ThemeChange]:
    found = []
    old = {t.id: t for t in active.themes}
    new = {t.id: t for t in draft.themes}
    for theme in draft.themes:
        if theme.id not in old:
            found.append(
                ThemeChange(theme.id, theme.label, "added", tuple(sorted(_rules(draft, theme))))
            )
            continue
        before = old[theme.id]
        details = []
        if before.label != theme.label:
            details.append(f"label: {before.label} → {theme.label}")
        if before.description != theme.description:
            details.append("description changed")
        old_rules, new_rules = _rules(active, before), _rules(draft, theme)
        details += [f"rule added: {r}" for r in sorted(new_rules - old_rules)]
        details += [f"rule removed: {r}" for r in sorted(old_rules - new_rules)]
        if details:
            found.append(ThemeChange(theme.id, theme.label, "changed", tuple(details)))
    for theme in active.themes:
        if theme.id not in new:
            found.append(
                ThemeChange(theme.id, theme.label, "removed", tuple(sorted(_rules(active, theme))))
            )
    return found


def _columns(active: QuestionSet, draft: QuestionSet) -> list[ColumnChange]:
    """What changes in the partnership spreadsheet for debriefs started on the draft: the
    Debriefs sheet's answer columns, the Answers sheet's rows, the theme columns."""
    found: list[ColumnChange] = []

    def diff(sheet: str, before: list[tuple[str, str]], after: list[tuple[str, str]]) -> None:
        old, new = dict(before), dict(after)
        found.extend(ColumnChange(sheet, text, "added") for key, text in after if key not in old)
        found.extend(ColumnChange(sheet, text, "removed") for key, text in before if key not in new)

    def register(question_set: QuestionSet) -> list[tuple[str, str]]:
        return [
            (qid, f"{question_set.known_question(qid).text} ({qid})")
            for qid in register_question_ids(question_set)
        ]

    def answer_rows(question_set: QuestionSet) -> list[tuple[Any, str]]:
        return [
            ((q.id, c.id), f"{q.text} ({q.id}): {c.label}")
            for q in question_set.questions
            if q.kind.has_choices
            for c in q.choices
        ]

    def theme_columns(question_set: QuestionSet) -> list[tuple[str, str]]:
        return [(t.id, t.label) for t in question_set.themes]

    diff("Debriefs (answer columns)", register(active), register(draft))
    diff("Answers (rows)", answer_rows(active), answer_rows(draft))
    diff("Themes by month (columns)", theme_columns(active), theme_columns(draft))
    return found
