"""Question pages drawn from the question set: GOV.UK macro parameters for each question.

Follow-ups sit inside their parent's answer (GOV.UK conditional reveal) when one
answer reveals them, or after the parent when several do (revealed by
static/debriefs.js). Follow-ups whose condition does not hold yet are marked
`later`: hidden when JavaScript is off, and shown after the page is saved.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..questions.loader import CHOICE_TYPES, Question, QuestionSet, Section
from .answers import EXCLUSIVE_CHOICES, LONG_TEXT_MAX, FieldError, Form, form_values, parse_answer

SELECT_ABOVE = 10  # more choices than this: a drop-down instead of radios


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


def stored_form(question_set: QuestionSet, answers: Mapping[str, Any], unsaved: Mapping) -> Form:
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


def decode_base(text: str | None) -> dict[str, Any] | None:
    """Read back a hidden `base` field; None when missing or tampered with."""
    try:
        value = json.loads(text or "")
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


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
        nested = parent is not None and parent.question.type in CHOICE_TYPES
        if not nested and not shown:
            continue  # revealed by an answer on another page: nothing to reveal here
        size = "s" if nested else legend_size
        view = _field(question, form, errors.get(question.id), size, later=not shown)
        views[question.id] = view
        if not nested:
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
    values = [str(v) for v in form.get(question.id, [])]
    common: dict[str, Any] = {"hint": {"text": question.hint} if question.hint else None}
    if error:
        common["errorMessage"] = {"text": error.message}
    legend = {"text": question.text, "classes": f"govuk-fieldset__legend--{size}"}
    label = {"text": question.text, "classes": f"govuk-label--{size}"}
    if question.type in CHOICE_TYPES and len(question.choices) > SELECT_ABOVE:
        items = [{"value": "", "text": "Select one"}] + [
            {"value": c.id, "text": c.label, "selected": c.id in values} for c in question.choices
        ]
        params = {"id": question.id, "name": question.id, "label": label, "items": items}
        return FieldView(question, "select", {**common, **params}, later)
    if question.type in {"yes_no", "single_choice"}:
        items = [
            {"value": c.id, "text": c.label, "checked": c.id in values[:1]}
            for c in question.choices
        ]
        params = {"name": question.id, "idPrefix": question.id, "fieldset": {"legend": legend}}
        return FieldView(question, "radios", {**common, **params, "items": items}, later)
    if question.type == "multi_choice":
        items = []
        for choice in question.choices:
            item = {"value": choice.id, "text": choice.label, "checked": choice.id in values}
            if choice.id in EXCLUSIVE_CHOICES and len(question.choices) > 1:
                items.append({"divider": "or"})
                item["behaviour"] = "exclusive"
            items.append(item)
        params = {"name": question.id, "idPrefix": question.id, "fieldset": {"legend": legend}}
        return FieldView(question, "checkboxes", {**common, **params, "items": items}, later)
    if question.type in {"date", "datetime"}:
        params = _date_params(question, form, error, legend, common)
        return FieldView(question, "date", params, later)
    value = values[0] if values else ""
    params = {"id": question.id, "name": question.id, "label": label, "value": value}
    if question.type == "long_text":
        params.update({"rows": 5, "maxlength": LONG_TEXT_MAX, "threshold": 75})
        return FieldView(question, "textarea", {**common, **params}, later)
    if question.type == "number":
        params.update(
            {"inputmode": "numeric", "classes": "govuk-input--width-5", "spellcheck": False}
        )
    else:
        params.update({"classes": "govuk-!-width-two-thirds", "spellcheck": False})
    return FieldView(question, "input", {**common, **params}, later)


def _date_params(
    question: Question, form: Form, error: FieldError | None, legend: dict, common: dict
) -> dict[str, Any]:
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
    if question.type == "datetime":
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
        **common,
        "id": question.id,
        "namePrefix": question.id,
        "fieldset": {"legend": legend},
        "hint": {"text": hint},
        "items": items,
    }
