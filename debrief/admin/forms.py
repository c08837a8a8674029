"""Forms of the administration area: accounts and the audit trail's filters."""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovDateInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import (
    DateField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.validators import InputRequired, Length, Optional, Regexp

from ..audit import Category
from ..roles import ROLE_LABELS, Role


class _DateParts(GovDateInput):
    """GovDateInput that survives a request without the day, month and year parts."""

    def map_gov_params(self, field, **kwargs):
        if field.raw_data is not None and len(field.raw_data) != 3:
            field.raw_data = None
        return super().map_gov_params(field, **kwargs)


class DayField(DateField):
    """A day, month and year in three boxes; blank means no limit."""

    def __init__(self, label: str, **kwargs):
        super().__init__(label, format="%d %m %Y", widget=_DateParts(), **kwargs)

    def process_formdata(self, valuelist):
        """Read the three parts, with messages that say which part is wrong."""
        self.data = None
        if not valuelist or len(valuelist) != 3 or not any(p.strip() for p in valuelist):
            return
        day, month, year = (p.strip() for p in valuelist)
        missing = [n for n, p in (("day", day), ("month", month), ("year", year)) if not p]
        if missing:
            raise ValueError(
                f"The {self.label.text.lower()} date must include a {' and '.join(missing)}"
            )
        try:
            self.data = date(int(year), int(month), int(day))
        except ValueError:
            raise ValueError(f"The {self.label.text.lower()} date must be a real date") from None


def _role_choices() -> list[SelectChoice]:
    return [SelectChoice(role.value, ROLE_LABELS[role]) for role in Role]


class RolesField(SelectMultipleField):
    """The roles a person holds, as checkboxes; at least one."""

    widget = GovCheckboxesInput()

    def __init__(self, label: str = "Roles", **kwargs):
        super().__init__(
            label,
            choices=_role_choices(),
            description="Select every role the person needs. A person may hold several.",
            validators=[InputRequired("Select at least one role")],
            **kwargs,
        )


class CreateUserForm(FlaskForm):
    """A new account: the person's name, their username and roles."""

    full_name = StringField(
        "Full name",
        widget=GovTextInput(),
        validators=[InputRequired("Enter the person's full name"), Length(max=200)],
    )
    username = StringField(
        "Username",
        description="For example their collar or staff number. Letters, digits, . - and _ only.",
        widget=GovTextInput(),
        validators=[
            InputRequired("Enter a username"),
            Length(max=64, message="Username must be 64 characters or fewer"),
            Regexp(
                r"^\s*[A-Za-z0-9._-]+\s*$",
                message="Username must contain only letters, digits, . - and _",
            ),
        ],
    )
    roles = RolesField()
    submit = SubmitField("Create account", widget=GovSubmitInput())


class RolesForm(FlaskForm):
    """Change the roles of an existing account."""

    roles = RolesField()
    submit = SubmitField("Save roles", widget=GovSubmitInput())


class ConfirmForm(FlaskForm):
    """A button that changes something: it carries only the form token."""


class AuditFilterForm(FlaskForm):
    """Filters for the audit trail, read from the query string."""

    class Meta:
        csrf = False  # a GET search changes nothing

    username = StringField(
        "User",
        description="Username, exactly",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=64)],
    )
    category = SelectField(
        "Kind of record",
        choices=[SelectChoice("", "Any")]
        + [SelectChoice(c.value, c.value.capitalize()) for c in Category],
        widget=GovSelect(),
        validators=[Optional()],
    )
    action = StringField(
        "Action",
        description="For example sign_in.failed or debrief.view",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=64)],
    )
    object_type = StringField(
        "Object type",
        description="For example debrief or user",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=32)],
    )
    object_id = StringField(
        "Object id", widget=GovTextInput(), validators=[Optional(), Length(max=64)]
    )
    date_from = DayField("From", description="For example 1 6 2025", validators=[Optional()])
    date_to = DayField("To", description="For example 30 6 2025", validators=[Optional()])
    submit = SubmitField("Apply filters", widget=GovSubmitInput())

    def validate(self, extra_validators=None) -> bool:
        """Check the fields, then that the dates are in order."""
        if not super().validate(extra_validators):
            return False
        if self.date_from.data and self.date_to.data and self.date_to.data < self.date_from.data:
            self.date_to.errors.append("The to date must be the same as or after the from date")
            return False
        return True
