"""Form fields shared by every area's forms."""

from __future__ import annotations

from govuk_frontend_wtf.gov_form_base import GovFormBase
from govuk_frontend_wtf.wtforms_widgets import GovDateInput, GovSelect
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


class LongGovSelect(GovSelect):
    """A GOV.UK select with many options: the label, hint, error and the select itself are
    the component's, the options are written here.

    The component writes each option through its Jinja template: the outstanding list's
    420 sergeants took 12 ms a page that way (the whole trivial page takes 7).
    The markup is the component's (tests/test_form_fields.py compares them)."""

    def __call__(self, field, **kwargs):
        options = "".join(
            f'<option value="{escape(value)}"{" selected" if selected else ""}>'
            f"{escape(label)}</option>"
            for value, label, selected, _render_kw in field.iter_choices()
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
