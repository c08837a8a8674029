"""Forms of the hub's review pages: reasons, notes and follow-up actions."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from markupsafe import Markup, escape
from wtforms import (
    RadioField,
    SelectChoice,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, ValidationError

from ..form_fields import DayField, WholeNumberField
from .follow_up import ACTION_STATUSES


def _hidden(field, **kwargs) -> Markup:
    """Render a field as a hidden input (WholeNumberField keeps the strict parsing)."""
    value = "" if field.data is None else field.data
    return Markup(f'<input type="hidden" name="{field.name}" value="{escape(value)}">')


class VersionedForm(FlaskForm):
    """Carries the version the page was drawn from, and the last history entry it showed."""

    version = WholeNumberField(widget=_hidden, validators=[InputRequired()])
    seen = WholeNumberField(widget=_hidden, default=0)


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
    due_date = DayField("Due date (optional)", "the due date", description="For example, 27 6 2025")
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
    version = WholeNumberField(widget=_hidden, default=0)
    submit = SubmitField("Save action", widget=GovSubmitInput())
