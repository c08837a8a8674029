"""Question pages drawn from the question set: GOV.UK macro parameters for each question.

Each question type is drawn by its entry in FIELDS (a type's reading and checking
is in questions/types.py). Follow-ups sit inside their parent's answer (GOV.UK
conditional reveal) when one answer reveals them, or after the parent when
several do (revealed by static/debriefs.js). Follow-ups whose condition does not
hold yet are marked `later`: hidden when JavaScript is off, and shown after the
page is saved.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..questions.loader import Question, QuestionSet, Section
from ..questions.types import EXCLUSIVE_CHOICES, TextType
from .answers import FieldError, Form, form_values, parse_answer

# More choices than this: a drop-down instead of radios. Never for checkboxes: a drop-down
# takes one answer, and "select all that apply" needs them all (the event record's partner
# agencies are thirteen).
SELECT_ABOVE = 10


@dataclass
class AfterBlock:
    """Follow-ups shown after a parent when any of several answers reveals them."""

    parent: str
    answers: tuple[str, ...]
    later: bool
    fields: list[FieldView] = field(default_factory=list)


@dataclass
class FieldView:
    """One question ready for its GOV.UK macro."""

    question: Question
    kind: str  # radios, checkboxes, select, input, textarea, date
    params: dict[str, Any]
    later: bool = False
    children: dict[str, list[FieldView]] = field(default_factory=dict)
    after: list[AfterBlock] = field(default_factory=list)


class ErrorList:
    """Feeds base.html's error summary (govuk_frontend_wtf's wtforms_errors) without WTForms."""

    _fields: dict = {}

    def __init__(self, errors: Iterable[FieldError]):
        self.errors = {e.href: [e.message] for e in errors}

    def __bool__(self) -> bool:
        return bool(self.errors)


def stored_form(
    question_set: QuestionSet, answers: Mapping[str, Any], unsaved: Mapping
) -> dict[str, list[str]]:
    """Return the inputs that show stored answers, and kept invalid input, again."""
    form: dict[str, list[str]] = {}
    for question in question_set.questions:
        if question.id in unsaved:
            form.update(unsaved[question.id])
        elif question.id in answers:
            form.update(form_values(question, answers[question.id]))
    return form


def encode_base(base: Mapping[str, Any]) -> str:
    """Return a page's starting answers as text for a hidden field."""
    return json.dumps(base, sort_keys=True, separators=(",", ":"))


# A page's starting answers: a few questions' short values; far more is tampering.
BASE_MAX_CHARS = 200_000


def decode_base(text: str | None) -> dict[str, Any] | None:
    """Read back a hidden `base` field; None when missing or tampered with (a 100,000-deep
    nesting of lists made json.loads raise RecursionError: a 500)."""
    if not text or len(text) > BASE_MAX_CHARS:
        return None
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(value, dict):
        return None
    return value if all(_is_answer_value(v) for v in value.values()) else None


def _is_answer_value(value: Any) -> bool:
    if isinstance(value, list):
        return all(isinstance(item, str) for item in value)
    return value is None or isinstance(value, str | int | float)


def build_fields(
    question_set: QuestionSet,
    section: Section,
    form: Form,
    errors: Mapping[str, FieldError],
    other_answers: Mapping[str, Any],
    skip: Iterable[str] = (),
    *,
    legend_size: str = "m",
) -> list[FieldView]:
    """Return the section's questions as a tree of fields (follow-ups inside parents)."""
    skip = set(skip)
    effective = dict(other_answers)
    for question in section.questions:
        if question.id in skip:
            continue
        value = parse_answer(question, form).value
        if value is None:
            effective.pop(question.id, None)
        else:
            effective[question.id] = value
    views: dict[str, FieldView] = {}
    top: list[FieldView] = []
    for question in section.questions:
        if question.id in skip:
            continue
        shown = question_set.is_shown(question, effective)
        condition = question.show_if
        parent = views.get(condition.question) if condition else None
        nested = parent is not None and parent.question.kind.has_choices
        if not nested and not shown:
            continue  # revealed by an answer on another page: nothing to reveal here
        size = "s" if nested else legend_size
        view = _field(question, form, errors.get(question.id), size, later=not shown)
        views[question.id] = view
        if parent is None or condition is None or not nested:
            top.append(view)
        elif len(condition.answers) == 1 and parent.kind in {"radios", "checkboxes"}:
            parent.children.setdefault(condition.answers[0], []).append(view)
        else:
            block = next((b for b in parent.after if b.answers == condition.answers), None)
            if block is None:
                block = AfterBlock(parent.question.id, condition.answers, later=not shown)
                parent.after.append(block)
            block.fields.append(view)
    return top


def _field(
    question: Question, form: Form, error: FieldError | None, size: str, later: bool
) -> FieldView:
    return FIELDS[question.type](_Drawing(question, form, error, size, later))


@dataclass
class _Drawing:
    """What drawing one question's field needs, and the parameters every field shares."""

    question: Question
    form: Form
    error: FieldError | None
    size: str  # of the legend or label: "s" inside a parent's answer
    later: bool
    values: list[str] = field(init=False)  # what the question's own input holds
    common: dict[str, Any] = field(init=False)  # hint and error message
    legend: dict[str, str] = field(init=False)
    label: dict[str, str] = field(init=False)

    def __post_init__(self):
        question = self.question
        self.values = [str(v) for v in self.form.get(question.id, [])]
        self.common = {"hint": {"text": question.hint} if question.hint else None}
        if self.error:
            self.common["errorMessage"] = {"text": self.error.message}
        self.legend = {"text": question.text, "classes": f"govuk-fieldset__legend--{self.size}"}
        self.label = {"text": question.text, "classes": f"govuk-label--{self.size}"}

    def view(self, kind: str, params: dict[str, Any]) -> FieldView:
        """Return the field for its macro (`kind`) with these parameters."""
        return FieldView(self.question, kind, params, self.later)


def _select(d: _Drawing) -> FieldView:
    question = d.question
    items = [{"value": "", "text": "Select one"}] + [
        {"value": c.id, "text": c.label, "selected": c.id in d.values} for c in question.choices
    ]
    params = {"id": question.id, "name": question.id, "label": d.label, "items": items}
    return d.view("select", {**d.common, **params})


def _radios(d: _Drawing) -> FieldView:
    question = d.question
    if len(question.choices) > SELECT_ABOVE:
        return _select(d)
    items = [
        {"value": c.id, "text": c.label, "checked": c.id in d.values[:1]} for c in question.choices
    ]
    params = {"name": question.id, "idPrefix": question.id, "fieldset": {"legend": d.legend}}
    return d.view("radios", {**d.common, **params, "items": items})


def _checkboxes(d: _Drawing) -> FieldView:
    question = d.question
    items: list[dict[str, object]] = []
    for choice in question.choices:
        item: dict[str, object] = {
            "value": choice.id,
            "text": choice.label,
            "checked": choice.id in d.values,
        }
        if choice.id in EXCLUSIVE_CHOICES and len(question.choices) > 1:
            items.append({"divider": "or"})
            item["behaviour"] = "exclusive"
        items.append(item)
    params = {"name": question.id, "idPrefix": question.id, "fieldset": {"legend": d.legend}}
    return d.view("checkboxes", {**d.common, **params, "items": items})


def _input_params(d: _Drawing) -> dict[str, Any]:
    value = d.values[0] if d.values else ""
    return {"id": d.question.id, "name": d.question.id, "label": d.label, "value": value}


def _text_input(d: _Drawing) -> FieldView:
    params = _input_params(d)
    params.update({"classes": "govuk-!-width-two-thirds", "spellcheck": False})
    return d.view("input", {**d.common, **params})


def _textarea(d: _Drawing) -> FieldView:
    params = _input_params(d)
    kind = d.question.kind
    assert isinstance(kind, TextType), "only a text type is drawn as a text area"
    params.update({"rows": 5, "maxlength": kind.max_length, "threshold": 75})
    return d.view("textarea", {**d.common, **params})


def _number_input(d: _Drawing) -> FieldView:
    params = _input_params(d)
    params.update({"inputmode": "numeric", "classes": "govuk-input--width-5", "spellcheck": False})
    return d.view("input", {**d.common, **params})


def _date_input(d: _Drawing) -> FieldView:
    return d.view("date", _date_params(d, with_time=False))


def _datetime_input(d: _Drawing) -> FieldView:
    return d.view("date", _date_params(d, with_time=True))


def _date_params(d: _Drawing, *, with_time: bool) -> dict[str, Any]:
    question, form, error = d.question, d.form, d.error

    def value(part: str) -> str:
        found = form.get(f"{question.id}-{part}") or [""]
        return str(found[0])

    def classes(part: str, width: str) -> str:
        name = f"{question.id}-{part}"
        wrong = error is not None and (not error.parts or name in error.parts)
        return f"govuk-input--width-{width}" + (" govuk-input--error" if wrong else "")

    items = [
        {"name": "day", "label": "Day", "classes": classes("day", "2"), "value": value("day")},
        {
            "name": "month",
            "label": "Month",
            "classes": classes("month", "2"),
            "value": value("month"),
        },
        {"name": "year", "label": "Year", "classes": classes("year", "4"), "value": value("year")},
    ]
    hint = question.hint or "For example, 27 3 2025"
    if with_time:
        items.append(
            {
                "name": "time",
                "label": "Time (24-hour)",
                "classes": classes("time", "5") + " app-time-input",
                "value": value("time"),
                "inputmode": "text",
            }
        )
        hint = question.hint or "For example, 14 6 2025 and 16:45"
    return {
        **d.common,
        "id": question.id,
        "namePrefix": question.id,
        "fieldset": {"legend": d.legend},
        "hint": {"text": hint},
        "items": items,
    }


# How each question type is drawn, by the name the question file uses (questions/types.py
# registers the same names; a test checks that every type has its field here).
FIELDS: dict[str, Callable[[_Drawing], FieldView]] = {
    "yes_no": _radios,
    "single_choice": _radios,
    "multi_choice": _checkboxes,
    "text": _text_input,
    "long_text": _textarea,
    "number": _number_input,
    "date": _date_input,
    "datetime": _datetime_input,
}
