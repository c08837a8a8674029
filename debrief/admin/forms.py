"""Forms of the administration area: accounts, the audit trail's filters, the question set."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovTextArea, GovTextInput
from wtforms import (
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp

from ..audit import Category
from ..form_fields import DayField, GovCheckboxesInput, GovSelect, GovSubmitInput
from ..roles import ROLE_LABELS, Role


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


class SupervisorForm(FlaskForm):
    """Choose the person's supervisor (choices: the active accounts, set by the view)."""

    supervisor = SelectField(
        "Supervisor",
        description="Told, besides the person, of intelligence documents outstanding on "
        "their debriefs.",
        widget=GovSelect(),
        validate_choice=True,
    )
    submit = SubmitField("Save supervisor", widget=GovSubmitInput())


class EmailForm(FlaskForm):
    """The address the person's daily digest goes to (checked by accounts.set_email)."""

    email = StringField(
        "Email address",
        description="Where the daily email saying how many things wait for them goes. It "
        "never says what they are. Leave it empty for no email.",
        widget=GovTextInput(),
        validators=[Length(max=254, message="Email address must be 254 characters or fewer")],
    )
    submit = SubmitField("Save email address", widget=GovSubmitInput())


class ConfirmForm(FlaskForm):
    """A button that changes something: it carries only the form token."""


class ListNameForm(FlaskForm):
    """The name of a team or recipient group, to add or rename one."""

    name = StringField(
        "Name",
        widget=GovTextInput(),
        filters=[lambda value: " ".join(value.split()) if isinstance(value, str) else value],
        validators=[
            InputRequired("Enter the name"),
            Length(max=120, message="The name must be 120 characters or fewer"),
        ],
    )
    submit = SubmitField("Save", widget=GovSubmitInput())


class TeamForm(FlaskForm):
    """The team a person belongs to: their follow-up actions show as it to partners."""

    team = SelectField("Team", widget=GovSelect(), validate_choice=False, default="")
    submit = SubmitField("Save team", widget=GovSubmitInput())


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
    date_from = DayField(
        "From", "the from date", description="For example 1 6 2025", validators=[Optional()]
    )
    date_to = DayField(
        "To", "the to date", description="For example 30 6 2025", validators=[Optional()]
    )
    submit = SubmitField("Apply filters", widget=GovSubmitInput())

    def validate(self, extra_validators=None) -> bool:
        """Check the fields, then that the dates are in order."""
        if not super().validate(extra_validators):
            return False
        if self.date_from.data and self.date_to.data and self.date_to.data < self.date_from.data:
            self.date_to.errors.append("The to date must be the same as or after the from date")
            return False
        return True


class QuestionFileForm(FlaskForm):
    """A question file (questions.toml) uploaded as a draft."""

    file = FileField(
        "Upload a question file",
        description="A questions.toml file. Every mistake is listed; a file with mistakes "
        "is not kept.",
        widget=GovFileInput(),
        validators=[FileRequired("Select the questions.toml file to upload")],
    )
    submit = SubmitField("Upload and check", widget=GovSubmitInput())


class PublishForm(FlaskForm):
    """Why the question set is changed: recorded with the change."""

    reason = TextAreaField(
        "Reason for the change",
        description="For example the inspection, guidance or lesson it answers. It is kept "
        "with the change and in the audit trail.",
        widget=GovTextArea(),
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        validators=[
            DataRequired("Enter the reason for the change"),
            Length(max=1000, message="The reason must be 1000 characters or fewer"),
        ],
    )
