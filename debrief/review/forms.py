"""Forms of the hub's review pages: reasons, notes and follow-up actions."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovTextArea
from markupsafe import Markup, escape
from wtforms import (
    BooleanField,
    RadioField,
    SelectChoice,
    SelectField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, ValidationError

from ..form_fields import (
    DayField,
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    WholeNumberField,
)
from .follow_up import ACTION_STATUSES, MAX_SUMMARY, OWNER_KINDS, OWNER_MISSING, WRITTEN, Owner


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
    """A follow-up action: what, who owns it (a person, a team or a partner agency), when it
    is due, open or done, outcome, and what partners may read of it."""

    description = TextAreaField(
        "What needs to be done",
        widget=GovTextArea(),
        filters=[_strip],
        validators=[
            DataRequired("Enter what needs to be done"),
            _max_length(2000, "What needs to be done"),
        ],
    )
    owner_kind = RadioField(
        "Who owns the action?",
        widget=GovRadioInput(),
        choices=[SelectChoice(k, v) for k, v in OWNER_KINDS.items()],
        validate_choice=False,  # the domain checks the owner against the lists
        validators=[InputRequired(OWNER_MISSING)],
    )
    owner_person = SelectField("Person", widget=GovSelect(), validate_choice=False, default="")
    owner_team = SelectField("Team", widget=GovSelect(), validate_choice=False, default="")
    owner_agency = SelectField(
        "Partner agency", widget=GovSelect(), validate_choice=False, default=""
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
    theme_id = SelectField(
        "Theme (optional)",
        description="The theme this action answers. Without one, partners see the "
        "debrief's confirmed themes.",
        widget=GovSelect(),
        default="",
    )
    partner_summary = TextAreaField(
        "Summary for partners (optional)",
        description=(
            "What partners at the OIC partnership meeting may read about this action. "
            "No names, and no incident, crime or NCCU references, vehicle registrations, "
            "phone numbers or dates of birth."
        ),
        widget=GovTextArea(),
        validators=[_max_length(MAX_SUMMARY, "The partner summary")],
    )
    shareable = BooleanField("This summary is shareable with partners", widget=GovCheckboxInput())
    version = WholeNumberField(widget=_hidden, default=0)
    submit = SubmitField("Save action", widget=GovSubmitInput())

    def set_theme_choices(self, themes: list[tuple[str, str]], current: str | None) -> None:
        """Offer the question set's themes (and the action's own, if the set no longer has
        it); a theme not offered is refused by the field."""
        choices = [SelectChoice("", "The debrief's confirmed themes")]
        choices += [SelectChoice(tid, words) for tid, words in themes]
        if current and current not in {tid for tid, _ in themes}:
            choices.append(SelectChoice(current, current))
        self.theme_id.choices = choices

    def set_owner_choices(self, options: dict[str, list], written: str = "") -> None:
        """Fill the owner lists; offer the owner as written where the action has one."""
        kinds = [SelectChoice(k, v) for k, v in OWNER_KINDS.items()]
        if written:
            kinds.append(SelectChoice(WRITTEN, f"Keep the owner as written: {written}"))
        self.owner_kind.choices = kinds
        for name, field in (
            ("person", self.owner_person),
            ("team", self.owner_team),
            ("agency", self.owner_agency),
        ):
            field.choices = [SelectChoice("", "Select")] + [
                SelectChoice(value, words) for value, words in options[name]
            ]

    def show_owner(self, owner: Owner) -> None:
        """Draw the form with an action's owner chosen."""
        self.owner_kind.data = owner.kind
        field = self._owner_field(owner.kind)
        if field is not None:
            field.data = owner.ref

    def _owner_field(self, kind: str) -> SelectField | None:
        return {
            "person": self.owner_person,
            "team": self.owner_team,
            "agency": self.owner_agency,
        }.get(kind)

    def owner(self) -> Owner:
        """Return the owner chosen."""
        kind = self.owner_kind.data or ""
        field = self._owner_field(kind)
        return Owner(kind, (field.data or "") if field is not None else "")

    def owner_words(self, written: str) -> str:
        """Return the name of the owner chosen, as the conflict table shows it."""
        owner = self.owner()
        if owner.kind == WRITTEN:
            return written
        field = self._owner_field(owner.kind)
        names = {c.value: c.label for c in field.choices} if field is not None else {}
        return names.get(owner.ref, "")
