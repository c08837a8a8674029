"""The thematic export form: period, filters, what to include, and who it is shared with."""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovTextInput
from wtforms import (
    BooleanField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import Length

from .. import periods
from ..form_fields import DayField, GovCheckboxInput, GovRadioInput, GovSelect, GovSubmitInput
from ..text_input import whole_number_or_none
from ..timeutil import local_today
from ..vocabulary import EVENT_TYPES
from .selection import ExportOptions, partner_copy_problems

OTHER_RECIPIENT = "other"


def _quarter_choices(today: date) -> list[SelectChoice]:
    choices, period = [], periods.last_quarter(today)
    for _ in range(8):
        choices.append(SelectChoice(period.label, period.description))
        period = periods.last_quarter(period.start)
    return choices


def _month_choices(today: date) -> list[SelectChoice]:
    choices = []
    year, month = today.year, today.month
    for _ in range(24):
        period = periods.month(year, month)
        choices.append(SelectChoice(period.label, period.description))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return choices


def _year_choices(today: date) -> list[SelectChoice]:
    first = periods.current_financial_year_start(today)
    return [
        SelectChoice(str(y), periods.financial_year(y).description)
        for y in range(first, first - 6, -1)
    ]


class ThemesExportForm(FlaskForm):
    """Choose the period, filters and contents of the thematic spreadsheet."""

    period_kind = RadioField("Period", widget=GovRadioInput(), default="last_quarter")
    quarter = SelectField("Quarter", widget=GovSelect(), validate_choice=False)
    month = SelectField("Month", widget=GovSelect(), validate_choice=False)
    financial_year = SelectField("Financial year", widget=GovSelect(), validate_choice=False)
    start = DayField("From", "the start date", description="For example, 1 7 2025")
    end = DayField("To (included)", "the end date", description="For example, 30 9 2025")
    district = SelectField("District", widget=GovSelect(), validate_choice=False, default="")
    event_type = SelectField("Event type", widget=GovSelect(), validate_choice=False, default="")
    include_in_review = BooleanField(
        "Include debriefs still in review (submitted but not yet closed)",
        widget=GovCheckboxInput(),
    )
    include_free_text = BooleanField(
        "Include free-text answers and follow-up action descriptions",
        widget=GovCheckboxInput(),
    )
    unsuppressed = BooleanField(
        "Show small numbers in full (do not suppress counts below the threshold)",
        widget=GovCheckboxInput(),
    )
    recipient_group = RadioField(
        "Who will this spreadsheet be shared with?", widget=GovRadioInput(), validate_choice=False
    )
    shared_with = StringField(
        "Who will this spreadsheet be shared with?",
        description="The meeting or the recipients, for example OIC partnership meeting, "
        "14 October 2025. It is recorded with the export.",
        widget=GovTextInput(),
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        validators=[
            Length(max=300, message="Who it is shared with must be 300 characters or fewer"),
        ],
    )
    submit = SubmitField("Download spreadsheet", widget=GovSubmitInput())

    def __init__(
        self,
        districts: list[str],
        groups: list[tuple[int, str]] | None = None,
        *args,
        may_see_sensitive: bool = False,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.may_see_sensitive = may_see_sensitive
        # The recipient groups the administrator keeps, then "someone else" (free text).
        self.groups = dict(groups or [])
        self.recipient_group.choices = [
            SelectChoice(str(gid), name) for gid, name in self.groups.items()
        ] + [SelectChoice(OTHER_RECIPIENT, "Someone else")]
        today = local_today()
        self.last_quarter = periods.last_quarter(today)
        self.period_kind.choices = [
            SelectChoice("last_quarter", f"Last quarter: {self.last_quarter.description}"),
            SelectChoice("quarter", "Another quarter"),
            SelectChoice("month", "A month"),
            SelectChoice("financial_year", "A financial year (April to March)"),
            SelectChoice("custom", "Dates I choose"),
        ]
        self.quarter.choices = _quarter_choices(today)
        self.month.choices = _month_choices(today)
        self.financial_year.choices = _year_choices(today)
        self.district.choices = [SelectChoice("", "All districts")] + [
            SelectChoice(d, d) for d in districts
        ]
        self.event_type.choices = [SelectChoice("", "All event types")] + [
            SelectChoice(key, words) for key, words in EVENT_TYPES.items()
        ]
        self.period: periods.Period | None = None

    def validate(self, extra_validators=None) -> bool:
        """Check the fields, then turn the period choice into a Period."""
        valid = super().validate(extra_validators)
        valid = self._check_recipients() and valid
        for field, message in (
            (self.district, "Choose a district from the list"),
            (self.event_type, "Choose an event type from the list"),
        ):
            if field.data not in {choice.value for choice in field.choices}:
                field.errors = [*field.errors, message]
                valid = False
        try:
            self.period = self._period()
        except (periods.PeriodError, ValueError) as exc:
            if not isinstance(exc, periods.PeriodError):
                exc = periods.PeriodError("Choose a period from the list")
            target = self.end if self.period_kind.data == "custom" else self.period_kind
            target.errors = [*target.errors, str(exc)]
            return False
        if not (valid and self.period is not None):
            return False
        problems = partner_copy_problems(self.options(self.may_see_sensitive))
        for name, field in (("period", self.period_kind), ("event_type", self.event_type)):
            if name in problems:
                field.errors = [*field.errors, problems[name]]
        return not problems

    def _check_recipients(self) -> bool:
        """A group from the list (free text adds detail), or someone else, described."""
        if not self.groups:
            self.recipient_group.data = OTHER_RECIPIENT  # no list yet: the words say who
        chosen = self.recipient_group.data or ""
        if chosen != OTHER_RECIPIENT and self.group_id() is None:
            self.recipient_group.errors = [
                *self.recipient_group.errors,
                "Select who the spreadsheet will be shared with",
            ]
            return False
        if chosen == OTHER_RECIPIENT and not self.shared_with.data:
            self.shared_with.errors = [
                *self.shared_with.errors,
                "Enter who the spreadsheet will be shared with",
            ]
            return False
        return True

    def group_id(self) -> int | None:
        """Return the recipient group chosen, if one of the list was."""
        chosen = self.recipient_group.data or ""
        gid = whole_number_or_none(chosen)
        return gid if gid in self.groups else None

    def recipients(self) -> str:
        """Return who it is shared with, in words: the group, then any detail."""
        gid, detail = self.group_id(), (self.shared_with.data or "").strip()
        if gid is None:
            return detail
        return f"{self.groups[gid]}: {detail}" if detail else self.groups[gid]

    def _period(self) -> periods.Period | None:
        kind = self.period_kind.data
        if kind == "last_quarter":
            return self.last_quarter
        if kind == "quarter":
            year, number = (self.quarter.data or "").split("-Q")
            return periods.quarter(int(year), int(number))
        if kind == "month":
            year, number = (self.month.data or "").split("-")
            return periods.month(int(year), int(number))
        if kind == "financial_year":
            return periods.financial_year(int(self.financial_year.data or ""))
        for field in (self.start, self.end):
            if field.data is None and not field.errors:
                field.errors = [*field.errors, f"Enter {field.what}"]
        if self.start.data is None or self.end.data is None:
            return None
        return periods.custom(self.start.data, self.end.data)

    def options(self, may_see_sensitive: bool) -> ExportOptions:
        """Return the export options chosen (sensitive ones only for those who may)."""
        assert self.period is not None
        return ExportOptions(
            period=self.period,
            shared_with=self.recipients(),
            recipient_group_id=self.group_id(),
            district=self.district.data or None,
            event_type=self.event_type.data or None,
            include_in_review=bool(self.include_in_review.data),
            include_free_text=may_see_sensitive and bool(self.include_free_text.data),
            unsuppressed=may_see_sensitive and bool(self.unsuppressed.data),
        )
