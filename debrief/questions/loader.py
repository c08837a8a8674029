"""The force's question set: questions.toml loaded into immutable objects.

Mistakes are refused with a message naming the file, the line and the
section or question id, so whoever edits the file can find and fix it. The
version is a hash of the file's bytes: a debrief stores the text it was
answered on and is always read back with that text.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from .bindings import BINDINGS, BY_NAME, LEGACY_BINDINGS, binding_problem
from .types import TYPES, QuestionType, able_to_suggest

EVENT_FIELDS = frozenset(
    {"adults", "accompanied_children", "unaccompanied_children", "age_disputed", "arrested"}
)
_ID = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


class QuestionSetError(Exception):
    """The question file is wrong. `problems` lists every mistake found, each on its own."""

    def __init__(self, path: str, problems: list[str]):
        self.path = path
        self.problems = problems
        super().__init__("\n".join(f"{path}: {p}" for p in problems))


@dataclass(frozen=True)
class Choice:
    """One possible answer to a choice question."""

    id: str
    label: str


@dataclass(frozen=True)
class ShowIf:
    """Show a follow-up only when an earlier question has one of these answers."""

    question: str
    answers: tuple[str, ...]


@dataclass(frozen=True)
class Suggestion:
    """An answer that suggests a theme: one of `answers`, a number above `above`,
    or a date and time more than `hours_after_event` after the event was reported."""

    theme: str
    answers: tuple[str, ...] = ()
    above: float | None = None
    hours_after_event: float | None = None


@dataclass(frozen=True)
class Question:
    """One question, answered under its stable id."""

    id: str
    type: str
    text: str
    section_id: str
    hint: str = ""
    required: bool = False
    choices: tuple[Choice, ...] = ()
    min: float | None = None
    max: float | None = None
    show_if: ShowIf | None = None
    suggests: tuple[Suggestion, ...] = ()
    # Words used in error messages, e.g. "the number of unaccompanied children".
    short: str = ""
    example: str = ""
    # A date of something to come ("will be submitted by"): today or later when answered,
    # where any other date must be today or earlier (issue 18).
    planned: bool = False

    @property
    def kind(self) -> QuestionType:
        """Return the question's type: how it is answered, read back and exported."""
        return TYPES[self.type]

    def choice_label(self, choice_id: str) -> str:
        """Return the label of a choice, or the id itself when it no longer exists."""
        for choice in self.choices:
            if choice.id == choice_id:
                return choice.label
        return choice_id

    @property
    def choice_ids(self) -> tuple[str, ...]:
        """Return the ids of this question's choices, in order."""
        return tuple(c.id for c in self.choices)


@dataclass(frozen=True)
class EventRule:
    """A count on the event record that suggests a theme when above a threshold."""

    field: str
    above: float


@dataclass(frozen=True)
class Theme:
    """A theme the hub tags, declared in the question file."""

    id: str
    label: str
    description: str = ""
    event_rules: tuple[EventRule, ...] = ()


@dataclass(frozen=True)
class Section:
    """One page of the debrief form."""

    id: str
    title: str
    description: str
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class QuestionSet:
    """A whole question set at one version."""

    version: str  # sha256 of the file's bytes
    source_text: str
    sections: tuple[Section, ...]
    themes: tuple[Theme, ...]
    label: str = ""
    _by_id: dict[str, Question] = field(default_factory=dict, compare=False, repr=False)
    # {binding name: question id}: the questions the code relies on (see bindings.py).
    bindings: dict[str, str] = field(default_factory=dict, compare=False)
    declares_bindings: bool = False

    @property
    def short_version(self) -> str:
        """Return the first 12 characters of the version, enough to tell versions apart."""
        return self.version[:12]

    @property
    def questions(self) -> tuple[Question, ...]:
        """Return every question in form order."""
        return tuple(q for s in self.sections for q in s.questions)

    def question(self, question_id: str) -> Question | None:
        """Return the question with this id, or None."""
        return self._by_id.get(question_id)

    def known_question(self, question_id: str) -> Question:
        """Return a question the caller has found in this set already (KeyError if not)."""
        return self._by_id[question_id]

    def bound(self, name: str) -> Question | None:
        """Return the question carrying a binding (see bindings.py), or None."""
        question_id = self.bindings.get(name)
        return self._by_id.get(question_id) if question_id else None

    def bound_id(self, name: str) -> str | None:
        """Return the id of the question carrying a binding, or None."""
        question = self.bound(name)
        return question.id if question else None

    def section(self, section_id: str) -> Section | None:
        """Return the section with this id, or None."""
        return next((s for s in self.sections if s.id == section_id), None)

    def theme(self, theme_id: str) -> Theme | None:
        """Return the theme with this id, or None."""
        return next((t for t in self.themes if t.id == theme_id), None)

    def is_shown(self, question: Question, answers: dict[str, Any]) -> bool:
        """Tell whether a question is asked, given the answers so far (follow-ups nest)."""
        condition = question.show_if
        while condition is not None:
            value = answers.get(condition.question)
            chosen = value if isinstance(value, list) else [value]
            if not any(v in condition.answers for v in chosen):
                return False
            parent = self._by_id.get(condition.question)
            condition = parent.show_if if parent else None
        return True


def load_file(path: str | Path) -> QuestionSet:
    """Load and check a question file for new debriefs; raise QuestionSetError naming every
    mistake, including a missing `[bindings]` table or binding."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise QuestionSetError(str(path), [f"cannot be read ({exc.strerror})"]) from None
    return parse(data, str(path), strict=True)


@lru_cache(maxsize=32)
def parse(data: bytes, name: str = "questions.toml", strict: bool = False) -> QuestionSet:
    """Parse question-file bytes (cached by content: versions never change).

    `strict` requires every required binding: a set for new debriefs must declare them,
    while a stored set from before bindings existed is read with the legacy ids.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise QuestionSetError(name, [f"is not UTF-8 text (byte {exc.start})"]) from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise QuestionSetError(name, [f"is not valid TOML: {exc}"]) from None
    return _Builder(name, text, strict).build(raw, hashlib.sha256(data).hexdigest())


def parse_snapshot(source_text: str) -> QuestionSet:
    """Rebuild the question set a debrief was answered on from its stored text."""
    return parse(source_text.encode("utf-8"), "stored question set")


class _Builder:
    """Turns the raw TOML into a QuestionSet, collecting every problem found."""

    def __init__(self, name: str, text: str, strict: bool = False):
        self.name = name
        self.text = text
        self.strict = strict
        self.lines = text.splitlines()
        self.problems: list[str] = []

    def line_of(self, ident: str) -> str:
        """Return 'line N: ' for the line declaring this id, to point the editor at it."""
        pattern = re.compile(rf"""^\s*id\s*=\s*["']{re.escape(ident)}["']""")
        for number, line in enumerate(self.lines, start=1):
            if pattern.search(line):
                return f"line {number}: "
        return ""

    def problem(self, ident: str, message: str) -> None:
        self.problems.append(f"{self.line_of(ident)}{message}")

    def build(self, raw: dict, version: str) -> QuestionSet:
        themes = self._themes(raw.get("themes"))
        theme_ids = {t.id for t in themes}
        sections = self._sections(raw.get("sections"), theme_ids)
        by_id = {q.id: q for s in sections for q in s.questions}
        declared = "bindings" in raw
        if declared:
            bindings = self._bindings(raw["bindings"], by_id)
        else:
            if self.strict:
                self.problems.append(
                    "declares no [bindings] table; add one naming the questions the service "
                    "relies on: " + ", ".join(b.name for b in BINDINGS if b.required)
                )
            bindings = _legacy_bindings(by_id)
        if self.problems:
            raise QuestionSetError(self.name, self.problems)
        return QuestionSet(
            version=version,
            source_text=self.text,
            sections=tuple(sections),
            themes=tuple(themes),
            label=str(raw.get("label", "")),
            _by_id=by_id,
            bindings=bindings,
            declares_bindings=declared,
        )

    def binding_line(self, name: str | None = None) -> str:
        """Return 'line N: ' for a binding (or the [bindings] header when name is None)."""
        start = next(
            (i for i, line in enumerate(self.lines) if re.match(r"^\s*\[bindings\]", line)),
            None,
        )
        if start is None:
            return ""
        if name is None:
            return f"line {start + 1}: "
        pattern = re.compile(rf"""^\s*["']?{re.escape(name)}["']?\s*=""")
        for number in range(start + 1, len(self.lines)):
            line = self.lines[number]
            if re.match(r"^\s*\[", line):
                break
            if pattern.match(line):
                return f"line {number + 1}: "
        return f"line {start + 1}: "

    def _bindings(self, raw, by_id: dict[str, Question]) -> dict[str, str]:
        if not isinstance(raw, dict):
            self.problems.append("bindings must be a table ([bindings]) of name = question id")
            return {}
        found: dict[str, str] = {}
        for name, question_id in raw.items():
            where = f"{self.binding_line(name)}binding {name!r}"
            binding = BY_NAME.get(name)
            if binding is None:
                self.problems.append(
                    f"{where} is not one the service knows; use one of "
                    + ", ".join(b.name for b in BINDINGS)
                )
                continue
            question = by_id.get(question_id) if isinstance(question_id, str) else None
            if question is None:
                self.problems.append(
                    f"{where} names question {question_id!r}, which is not in the file"
                )
                continue
            problem = binding_problem(binding, question.type, question.choice_ids)
            if problem:
                self.problems.append(f"{where}: question {question.id!r} {problem}")
                continue
            found[name] = question.id
        for binding in BINDINGS:
            if binding.required and binding.name not in raw:
                self.problems.append(
                    f"{self.binding_line()}[bindings] lacks {binding.name!r}: name the "
                    f"question that records {binding.purpose}"
                )
        return found

    def _themes(self, raw_themes) -> list[Theme]:
        if not isinstance(raw_themes, list) or not raw_themes:
            self.problems.append("declares no [[themes]]; add at least one theme")
            return []
        themes: list[Theme] = []
        seen: set[str] = set()
        for index, raw in enumerate(raw_themes, start=1):
            ident = str(raw.get("id", ""))
            where = f"theme {ident!r}" if ident else f"theme number {index}"
            if not _ID.match(ident):
                self.problem(ident, f"{where}: id must be lower-case letters, digits and _")
                continue
            if ident in seen:
                self.problem(ident, f"{where}: duplicate theme id")
                continue
            seen.add(ident)
            if not str(raw.get("label", "")).strip():
                self.problem(ident, f"{where}: needs a label")
            rules = []
            for rule in raw.get("event_rules", []):
                fld = rule.get("field")
                if fld not in EVENT_FIELDS:
                    self.problem(
                        ident,
                        f"{where}: event rule names unknown field {fld!r}; use one of "
                        + ", ".join(sorted(EVENT_FIELDS)),
                    )
                    continue
                rules.append(EventRule(field=fld, above=float(rule.get("above", 0))))
            themes.append(
                Theme(
                    id=ident,
                    label=str(raw.get("label", "")),
                    description=str(raw.get("description", "")),
                    event_rules=tuple(rules),
                )
            )
        return themes

    def _sections(self, raw_sections, theme_ids: set[str]) -> list[Section]:
        if not isinstance(raw_sections, list) or not raw_sections:
            self.problems.append("declares no [[sections]]; add at least one section")
            return []
        sections: list[Section] = []
        seen: dict[str, Question] = {}
        section_ids: set[str] = set()
        for index, raw in enumerate(raw_sections, start=1):
            ident = str(raw.get("id", ""))
            where = f"section {ident!r}" if ident else f"section number {index}"
            if not _ID.match(ident):
                self.problem(ident, f"{where}: id must be lower-case letters, digits and _")
                continue
            if ident in section_ids:
                self.problem(ident, f"{where}: duplicate section id")
                continue
            section_ids.add(ident)
            if not str(raw.get("title", "")).strip():
                self.problem(ident, f"{where}: needs a title")
            questions = []
            raw_questions = raw.get("questions")
            if not isinstance(raw_questions, list) or not raw_questions:
                self.problem(ident, f"{where}: has no questions")
                raw_questions = []
            for raw_q in raw_questions:
                question = self._question(raw_q, ident, seen, theme_ids)
                if question is not None:
                    seen[question.id] = question
                    questions.append(question)
            sections.append(
                Section(
                    id=ident,
                    title=str(raw.get("title", "")),
                    description=str(raw.get("description", "")),
                    questions=tuple(questions),
                )
            )
        return sections

    def _question(
        self, raw: dict, section_id: str, earlier: dict[str, Question], theme_ids: set[str]
    ) -> Question | None:
        ident = str(raw.get("id", ""))
        where = f"question {ident!r} in section {section_id!r}"
        if not _ID.match(ident):
            self.problem(
                ident,
                f"a question in section {section_id!r} has a missing or badly formed id "
                f"{ident!r} (lower-case letters, digits and _)",
            )
            return None
        if ident in earlier:
            self.problem(ident, f"{where}: duplicate question id (ids must be unique)")
            return None
        qtype = raw.get("type")
        kind = TYPES.get(qtype) if isinstance(qtype, str) else None
        if kind is None:
            self.problem(ident, f"{where}: unknown type {qtype!r}; use one of {', '.join(TYPES)}")
            return None
        if not str(raw.get("text", "")).strip():
            self.problem(ident, f"{where}: needs text (the question as asked)")
        choices = self._choices(raw, kind, ident, where)
        low, high = raw.get("min"), raw.get("max")
        if kind.bounded:
            for bound_name, bound in (("min", low), ("max", high)):
                if bound is not None and (
                    isinstance(bound, bool) or not isinstance(bound, int | float)
                ):
                    self.problem(ident, f"{where}: {bound_name} must be a number")
            if isinstance(low, int | float) and isinstance(high, int | float) and low > high:
                self.problem(ident, f"{where}: min is greater than max")
        show_if = self._show_if(raw, ident, where, earlier)
        required = bool(raw.get("required", False))
        suggests = self._suggests(raw, kind, choices, ident, where, theme_ids)
        planned = raw.get("planned", False)
        if not isinstance(planned, bool):
            self.problem(ident, f"{where}: planned must be true or false")
            planned = False
        elif planned and not kind.plannable:
            self.problem(
                ident,
                f"{where}: only a date question can be planned (a {kind.name} question "
                "cannot: remove planned = true, or make it a date question)",
            )
            planned = False
        return Question(
            id=ident,
            type=kind.name,
            text=str(raw.get("text", "")),
            section_id=section_id,
            hint=str(raw.get("hint", "")),
            required=required,
            choices=choices,
            min=low if kind.bounded else None,
            max=high if kind.bounded else None,
            show_if=show_if,
            suggests=suggests,
            short=str(raw.get("short", "")),
            example=str(raw.get("example", "")),
            planned=planned,
        )

    def _choices(self, raw: dict, kind: QuestionType, ident: str, where: str) -> tuple[Choice, ...]:
        if kind.fixed_choices:
            return tuple(Choice(i, label) for i, label in kind.fixed_choices)
        if not kind.has_choices:
            if "choices" in raw:
                self.problem(ident, f"{where}: a {kind.name} question cannot have choices")
            return ()
        raw_choices = raw.get("choices")
        if not isinstance(raw_choices, list) or not raw_choices:
            self.problem(ident, f"{where}: a {kind.name} question needs a non-empty choices list")
            return ()
        choices: list[Choice] = []
        for item in raw_choices:
            if not isinstance(item, dict) or not item.get("id") or not item.get("label"):
                self.problem(ident, f"{where}: every choice needs an id and a label")
                continue
            if any(c.id == item["id"] for c in choices):
                self.problem(ident, f"{where}: duplicate choice id {item['id']!r}")
                continue
            choices.append(Choice(str(item["id"]), str(item["label"])))
        return tuple(choices)

    def _show_if(
        self, raw: dict, ident: str, where: str, earlier: dict[str, Question]
    ) -> ShowIf | None:
        cond = raw.get("show_if")
        if cond is None:
            return None
        if not isinstance(cond, dict) or "question" not in cond:
            self.problem(ident, f"{where}: show_if needs a question and its answers")
            return None
        parent_id = str(cond["question"])
        answers = cond.get("answers", [])
        if isinstance(answers, str):
            answers = [answers]
        parent = earlier.get(parent_id)
        if parent is None:
            self.problem(
                ident,
                f"{where}: show_if names {parent_id!r}, which is not an earlier question "
                "(a follow-up must come after the question that reveals it)",
            )
            return None
        if not parent.kind.has_choices:
            self.problem(
                ident,
                f"{where}: show_if names {parent_id!r}, a {parent.type} question, which cannot "
                "reveal a follow-up (use a yes_no or choice question)",
            )
            return None
        if not answers:
            self.problem(ident, f"{where}: show_if lists no answers, so it could never be shown")
            return None
        unknown = [a for a in answers if a not in parent.choice_ids]
        if unknown:
            self.problem(
                ident,
                f"{where}: show_if answer {unknown[0]!r} does not exist for {parent_id!r} "
                f"(its answers are {', '.join(parent.choice_ids)})",
            )
            return None
        return ShowIf(parent_id, tuple(str(a) for a in answers))

    def _suggests(
        self,
        raw: dict,
        kind: QuestionType,
        choices: tuple[Choice, ...],
        ident: str,
        where: str,
        theme_ids: set[str],
    ) -> tuple[Suggestion, ...]:
        suggestions = []
        for rule in raw.get("suggests", []):
            theme = rule.get("theme") if isinstance(rule, dict) else None
            if theme not in theme_ids:
                self.problem(ident, f"{where}: suggests unknown theme {theme!r}")
                continue
            answers = tuple(str(a) for a in rule.get("answers", []))
            above = rule.get("above")
            hours = rule.get("hours_after_event")
            if answers:
                if "answers" not in kind.suggests_by:
                    self.problem(ident, f"{where}: only choice questions can suggest by answer")
                    continue
                unknown = [a for a in answers if a not in {c.id for c in choices}]
                if unknown:
                    self.problem(
                        ident,
                        f"{where}: suggests {theme!r} on answer {unknown[0]!r}, "
                        "which is not one of its choices",
                    )
                    continue
            elif above is not None:
                if "above" not in kind.suggests_by:
                    self.problem(
                        ident,
                        f"{where}: only {able_to_suggest('above')} questions can suggest 'above'",
                    )
                    continue
            elif hours is not None:
                if "hours_after_event" not in kind.suggests_by:
                    self.problem(
                        ident,
                        f"{where}: only {able_to_suggest('hours_after_event')} questions "
                        "can suggest 'hours_after_event'",
                    )
                    continue
            else:
                self.problem(
                    ident,
                    f"{where}: suggestion of {theme!r} needs answers, above or hours_after_event",
                )
                continue
            suggestions.append(
                Suggestion(theme=theme, answers=answers, above=above, hours_after_event=hours)
            )
        return tuple(suggestions)


def _legacy_bindings(by_id: dict[str, Question]) -> dict[str, str]:
    """Bind a set from before bindings were declared by the ids the code used then."""
    found = {}
    for name, question_id in LEGACY_BINDINGS.items():
        question = by_id.get(question_id)
        if question and not binding_problem(BY_NAME[name], question.type, question.choice_ids):
            found[name] = question_id
    return found


def summary(question_set: QuestionSet) -> str:
    """Describe a question set in a few lines, for `debrief questions check`."""
    lines = [
        f"Version {question_set.short_version}"
        + (f" ({question_set.label})" if question_set.label else ""),
        f"{len(question_set.sections)} sections, {len(question_set.questions)} questions, "
        f"{len(question_set.themes)} themes",
    ]
    for section in question_set.sections:
        lines.append(f"  {section.title}: {len(section.questions)} questions")
    return "\n".join(lines)
