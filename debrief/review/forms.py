"""Forms of the hub's review pages: reasons, notes and follow-up actions."""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovDateInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from markupsafe import Markup, escape
from wtforms import (
    DateField,
    IntegerField,
    RadioField,
    SelectChoice,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, ValidationError

from ..follow_up import ACTION_STATUSES


class SafeDateInput(GovDateInput):
    """GovDateInput that survives a POST without the day, month and year parts."""

    def map_gov_params(self, field, **kwargs):
        if field.raw_data is not None and len(field.raw_data) != 3:
            field.raw_data = None
        return super().map_gov_params(field, **kwargs)


class OptionalDateField(DateField):
    """A day-month-year date that may be left blank, with GOV.UK error messages."""

    def __init__(self, label: str, what: str, **kwargs):
        super().__init__(label, format="%d %m %Y", widget=SafeDateInput(), **kwargs)
        self.what = what

    def process_formdata(self, valuelist):
        """Read the three parts; blank means no date."""
        self.data = None
        if not valuelist or len(valuelist) != 3 or not any(p.strip() for p in valuelist):
            return
        day, month, year = (p.strip() for p in valuelist)
        missing = [n for n, p in (("day", day), ("month", month), ("year", year)) if not p]
        if missing:
            raise ValueError(f"{self.what.capitalize()} must include a {' and '.join(missing)}")
        try:
            self.data = date(int(year), int(month), int(day))
        except ValueError:
            raise ValueError(f"{self.what.capitalize()} must be a real date") from None
        if not 2000 <= self.data.year <= 2100:
            self.data = None
            raise ValueError(f"{self.what.capitalize()} must have a 4-digit year, like 2025")


def _hidden(field, **kwargs) -> Markup:
    """Render a field as a hidden input (IntegerField keeps the int parsing)."""
    value = "" if field.data is None else field.data
    return Markup(f'<input type="hidden" name="{field.name}" value="{escape(value)}">')


class VersionedForm(FlaskForm):
    """Carries the version the page was drawn from, and the last history entry it showed."""

    version = IntegerField(widget=_hidden, validators=[InputRequired()])
    seen = IntegerField(widget=_hidden, default=0)


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _max_length(limit: int, what: str):
    def check(form, field):
        if field.data and len(field.data) > limit:
            raise ValidationError(f"{what} must be {limit} characters or fewer")

    return check


class ReasonForm(VersionedForm):
    """Why a debrief is being returned or reopened; the sergeant sees a return reason."""

    reason = TextAreaField(
        "Reason",
        widget=GovTextArea(),
        filters=[_strip],
        validators=[DataRequired("Enter the reason"), _max_length(4000, "The reason")],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class NoteForm(VersionedForm):
    """A reviewer note, seen by the hub only."""

    text = TextAreaField(
        "Add a note for the hub",
        description="Only safeguarding hub reviewers see notes. Do not record names.",
        widget=GovTextArea(),
        filters=[_strip],
        validators=[DataRequired("Enter the note"), _max_length(4000, "The note")],
    )
    submit = SubmitField("Add note", widget=GovSubmitInput())


class ActionForm(FlaskForm):
    """A follow-up action: what, who owns it, when it is due, open or done, outcome."""

    description = TextAreaField(
        "What needs to be done",
        widget=GovTextArea(),
        filters=[_strip],
        validators=[
            DataRequired("Enter what needs to be done"),
            _max_length(2000, "What needs to be done"),
        ],
    )
    owner = StringField(
        "Owner",
        description=(
            "The agency or team responsible, for example Border Force or the force "
            "intelligence bureau."
        ),
        widget=GovTextInput(),
        filters=[_strip],
        validators=[
            DataRequired("Enter the agency or team that owns the action"),
            _max_length(120, "The owner"),
        ],
    )
    due_date = OptionalDateField(
        "Due date (optional)", what="the due date", description="For example, 27 6 2025"
    )
    status = RadioField(
        "Status",
        widget=GovRadioInput(),
        choices=[SelectChoice(k, v) for k, v in ACTION_STATUSES.items()],
        default="open",
        validators=[InputRequired("Select whether the action is open or done")],
    )
    outcome = TextAreaField(
        "Outcome (optional)",
        description="What was done, once it is done.",
        widget=GovTextArea(),
        validators=[_max_length(4000, "The outcome")],
    )
    version = IntegerField(widget=_hidden, default=0)
    submit = SubmitField("Save action", widget=GovSubmitInput())
