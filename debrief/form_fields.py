"""Form fields shared by every area's forms."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from govuk_frontend_wtf import wtforms_widgets as gov
from govuk_frontend_wtf.gov_form_base import GovFormBase
from govuk_frontend_wtf.wtforms_widgets import GovDateInput
from markupsafe import Markup, escape
from wtforms import DateField, IntegerField

from .text_input import DateProblem, parse_day, whole_number_or_none


class SafeDateInput(GovDateInput):
    """GovDateInput that survives a POST without the day, month and year parts.

    The packaged widget raises ValueError (a 500) when the parts are missing.
    """

    def map_gov_params(self, field, **kwargs):
        if field.raw_data is not None and len(field.raw_data) != 3:
            field.raw_data = None
        return super().map_gov_params(field, **kwargs)


class RememberedRendering:
    """A GOV.UK widget whose markup is worked out once for each set of parameters.

    A component's markup depends on its parameters alone (the label, the choices, which
    is chosen, the error), yet the component's Jinja macros took 0.5-2 ms a field, every
    field of every page: a list page's filters and download choice cost 5 ms, half the
    whole trivial page. Only for widgets whose parameters the service writes (choices,
    buttons, which is chosen), never typed text nor fields revealed inside another:
    nothing a user typed is kept. Choices can name officers (an action's owner), so a
    rendering unused for KEEP_SECONDS is forgotten at the next rendering: a name deleted
    from the database is not kept in memory much longer than that."""

    _remembered: OrderedDict[Any, tuple[float, Markup]] = OrderedDict()  # least used first
    _lock = threading.Lock()
    KEEP = 512  # sets of parameters; the service has a few hundred fields and states
    KEEP_SECONDS = 600.0

    def render(self, params):
        if any("conditional" in item for item in params.get("items") or ()):
            # other fields' markup inside (an export's typed dates): not kept
            return super().render(params)
        component = super().render
        return self.remembered((self.template, _frozen(params)), lambda: component(params))

    @classmethod
    def remembered(cls, key: Any, make: Callable[[], Markup]) -> Markup:
        """Return the markup kept under the key, making and keeping it where there is none."""
        now = time.monotonic()
        with cls._lock:
            _forget_unused(cls._remembered, now - cls.KEEP_SECONDS, cls.KEEP)
            found = cls._remembered.get(key)
            if found is not None:
                cls._remembered[key] = (now, found[1])
                cls._remembered.move_to_end(key)
                return found[1]
        markup = make()
        with cls._lock:
            cls._remembered[key] = (now, markup)
            cls._remembered.move_to_end(key)
        return markup


def _forget_unused(remembered: OrderedDict[Any, tuple[float, Markup]], before: float, keep: int):
    while remembered and (len(remembered) >= keep or next(iter(remembered.values()))[0] < before):
        remembered.popitem(last=False)


def _choices_key(choices: Any) -> Any:
    """Return choices as a key: as they are where they are pairs of plain strings (420
    sergeants: walked by `_frozen` that took as long as writing their options)."""
    if isinstance(choices, list) and all(
        type(c) is tuple and len(c) == 2 and type(c[0]) is str and type(c[1]) is str
        for c in choices
    ):
        return ("pairs", *choices)
    return _frozen(choices)


def _frozen(value: Any) -> Any:
    """Return the parameters as a key: equal only where the markup would be equal (Markup
    is written as it is, a string escaped; True is not 1)."""
    if isinstance(value, dict):
        return tuple((k, _frozen(v)) for k, v in value.items())
    if isinstance(value, list | tuple):
        return ("[", *(_frozen(v) for v in value))
    if isinstance(value, Markup):
        return ("html", str(value))
    if isinstance(value, str):
        return value
    try:
        hash(value)
    except TypeError:  # a choice object (SelectChoice): equal where its fields are
        return (type(value).__name__, repr(value))
    return (type(value).__name__, value)


class GovSelect(RememberedRendering, gov.GovSelect):
    """GOV.UK select, its markup remembered."""


class GovRadioInput(RememberedRendering, gov.GovRadioInput):
    """GOV.UK radios, their markup remembered."""


class GovCheckboxInput(RememberedRendering, gov.GovCheckboxInput):
    """GOV.UK single checkbox, its markup remembered."""


class GovCheckboxesInput(RememberedRendering, gov.GovCheckboxesInput):
    """GOV.UK checkboxes, their markup remembered."""


class GovSubmitInput(RememberedRendering, gov.GovSubmitInput):
    """GOV.UK button, its markup remembered."""


class LongGovSelect(GovSelect):
    """A GOV.UK select with many options: the label, hint, error and the select itself are
    the component's, the options are written here.

    The component writes each option through its Jinja template: the outstanding list's
    420 sergeants took 12 ms a page that way (the whole trivial page takes 7).
    The markup is the component's (tests/test_long_select.py compares them); the options
    are remembered like the component's markup (RememberedRendering), for the choices and
    the choice made."""

    def __call__(self, field, **kwargs):
        options = self.remembered(
            ("options", _choices_key(field.choices), _frozen(field.data)),
            lambda: Markup(
                "".join(
                    f'<option value="{escape(value)}"{" selected" if selected else ""}>'
                    f"{escape(label)}</option>"
                    for value, label, selected, _render_kw in field.iter_choices()
                )
            ),
        )
        # GovSelect's own __call__ without its options (the component then writes none).
        kwargs.setdefault("id", field.id)
        if "required" not in kwargs and "required" in getattr(field, "flags", []):
            kwargs["required"] = True
        kwargs["items"] = []
        rendered = str(GovFormBase.__call__(self, field, **kwargs))
        head, tail = rendered.rsplit("</select>", 1)
        return Markup(f"{head}{options}</select>{tail}")


class WholeNumberField(IntegerField):
    """A hidden version or id: plain ASCII digits of a sensible length, or nothing (WTForms'
    IntegerField took "1_0", "５" and 25-digit numbers, which PostgreSQL then refused)."""

    def process_formdata(self, valuelist):
        self.data = whole_number_or_none(valuelist[0]) if valuelist else None
        if valuelist and self.data is None and valuelist[0]:
            raise ValueError("Not a valid number")


class DayField(DateField):
    """A day, month and year typed in three boxes; blank is allowed (None).

    `what` names the date in messages, e.g. "the start date" gives
    "The start date must include a month".
    """

    def __init__(self, label: str, what: str, **kwargs):
        super().__init__(label, format="%d %m %Y", widget=SafeDateInput(), **kwargs)
        self.what = what

    def process_formdata(self, valuelist):
        """Read the three parts, with messages that say which part is wrong."""
        self.data = None
        if not valuelist or len(valuelist) != 3 or not any(p.strip() for p in valuelist):
            return
        day, month, year = valuelist
        try:
            self.data = parse_day(day, month, year, what=self.what[:1].upper() + self.what[1:])
        except DateProblem as problem:
            raise ValueError(str(problem)) from None
