"""Forms of the compliance area: uploads, match decisions, list downloads, the period."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovTextInput
from wtforms import (
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, Optional

from .. import periods
from ..form_fields import (
    DayField,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    LongGovSelect,
    WholeNumberField,
)
from ..questions.bindings import INTEL_DOC_FIRST_REPORT, INTEL_DOC_LATER
from ..text_input import whole_number_or_none
from ..timeutil import from_local
from . import chasing

DOWNLOAD_PURPOSES = {
    "hub": "Hub use only, not shared",
    "nccu": "To send to the NCCU to reconcile their list",
    "supervisors": "To chase sergeants and supervisors",
}


class UploadForm(FlaskForm):
    """Choose the list to import."""

    file = FileField(
        "Upload a file",
        description="A CSV (.csv) or Excel workbook (.xlsx). The first row must hold the "
        "column headings.",
        widget=GovFileInput(),
        validators=[FileRequired("Select the CSV or Excel file to import")],
    )
    submit = SubmitField("Upload and preview", widget=GovSubmitInput())


class ConfirmForm(FlaskForm):
    """Confirm or cancel a previewed import (the token is all it carries)."""


class MatchForm(FlaskForm):
    """A reviewer's decision on one suggested match."""

    event_id = WholeNumberField(validators=[InputRequired()])
    decision = HiddenField(validators=[AnyOf(["confirm", "reject"])])


class DownloadForm(FlaskForm):
    """Why a list is being downloaded: recorded as a disclosure."""

    purpose = RadioField(
        "What is the download for?",
        choices=[SelectChoice(k, v) for k, v in DOWNLOAD_PURPOSES.items()],
        widget=GovRadioInput(),
        validators=[InputRequired("Select what the download is for")],
    )
    submit = SubmitField("Download spreadsheet", widget=GovSubmitInput())


def month_choices(today: date, years: int = 6) -> list[SelectChoice]:
    """Return the months a period may start or end on, newest first."""
    index = today.year * 12 + today.month - 1
    months = []
    for back in range(years * 12):
        year, month = divmod(index - back, 12)
        months.append(SelectChoice(f"{year}-{month + 1:02d}", f"{date(year, month + 1, 1):%B %Y}"))
    return months


class PeriodForm(FlaskForm):
    """The period the dashboard covers: whole months, from and to (in the URL)."""

    class Meta:
        csrf = False  # a GET form: it changes nothing

    start = SelectField("From", widget=LongGovSelect(), validators=[InputRequired()])
    end = SelectField("To", widget=LongGovSelect(), validators=[InputRequired()])
    submit = SubmitField("Show", widget=GovSubmitInput())

    period: periods.Period | None = None

    def validate(self, extra_validators=None) -> bool:
        """Check the months chosen, then turn them into the Period from the first day of
        the start month to the last day of the end month."""
        if not super().validate(extra_validators):
            return False
        start = date.fromisoformat(f"{self.start.data}-01")
        end_first = date.fromisoformat(f"{self.end.data}-01")
        if end_first < start:
            self.end.errors = ["The end month must be the same as or after the start month"]
            return False
        following = (end_first + timedelta(days=32)).replace(day=1)
        try:
            self.period = periods.custom(start, following - timedelta(days=1))
        except periods.PeriodError as exc:
            self.end.errors = [str(exc)]
            return False
        return True


_TIME = re.compile(r"([0-9]{1,2})[:.]([0-9]{2})", re.ASCII)


class SubmissionForm(FlaskForm):
    """When, how and by whom an outstanding intelligence document was submitted.

    `check_times` (given the event's report time) sets `submitted_at` (naive UTC)."""

    submitted_on = DayField(
        "Date it was submitted",
        "the date it was submitted",
        description="For example 27 3 2026",
    )
    submitted_time = StringField(
        "Time it was submitted",
        description="Use the 24-hour clock, for example 14:30",
        widget=GovTextInput(),
        validators=[InputRequired("Enter the time it was submitted"), Length(max=5)],
    )
    route = RadioField(
        "How was it submitted?",
        choices=[
            SelectChoice(INTEL_DOC_FIRST_REPORT, "By the call taker, on first report to the NCCU"),
            SelectChoice(INTEL_DOC_LATER, "By the reporting officer, later"),
        ],
        widget=GovRadioInput(),
        validators=[InputRequired("Select how it was submitted")],
    )
    submitted_by = StringField(
        "Who submitted it?",
        description="The name or collar number of the call taker or officer",
        widget=GovTextInput(),
        filters=[lambda value: value.strip() if value else value],
        validators=[
            DataRequired("Enter who submitted it"),
            Length(max=120, message="Who submitted it must be 120 characters or fewer"),
        ],
    )
    submit = SubmitField("Record submission", widget=GovSubmitInput())

    submitted_at: datetime | None = None

    def check_times(self, reported_at: datetime, now: datetime) -> bool:
        """Validate the form, then the date and time against the event and the clock
        (every field's problem at once, whichever others are wrong)."""
        valid = self.validate()
        if self.submitted_on.data is None and not self.submitted_on.errors:
            self.submitted_on.errors = ["Enter the date it was submitted"]
            valid = False
        at: time | None = None
        if self.submitted_time.data and not self.submitted_time.errors:
            found = _TIME.fullmatch(self.submitted_time.data.strip())
            if found and int(found[1]) <= 23 and int(found[2]) <= 59:
                at = time(int(found[1]), int(found[2]))
            else:
                self.submitted_time.errors = [
                    "Time it was submitted must be a real time, for example 14:30"
                ]
                valid = False
        if at is None or self.submitted_on.data is None or self.submitted_on.errors:
            return False
        submitted_at = from_local(datetime.combine(self.submitted_on.data, at))
        problem = chasing.time_problem(submitted_at, reported_at, now)
        if problem:
            self.submitted_on.errors = [problem]
            return False
        self.submitted_at = submitted_at
        return valid


class OutstandingFilterForm(FlaskForm):
    """Narrow the outstanding list (a GET form: it changes nothing). Choices are set by
    the view from what the list holds."""

    class Meta:
        csrf = False

    sergeant = SelectField("Sergeant", widget=LongGovSelect(), validators=[Optional()])
    district = SelectField("District", widget=LongGovSelect(), validators=[Optional()])
    min_days = SelectField(
        "Days outstanding",
        choices=[
            SelectChoice("", "Any"),
            SelectChoice("7", "7 days or more"),
            SelectChoice("28", "28 days or more"),
            SelectChoice("90", "90 days or more"),
        ],
        widget=GovSelect(),
        validators=[Optional()],
    )
    state = SelectField(
        "State",
        description="Flagged: the force says submitted, a later NCCU list still says not received",
        choices=[
            SelectChoice("", "Any"),
            SelectChoice(chasing.OUTSTANDING, "Outstanding"),
            SelectChoice(chasing.AWAITING, "Awaiting NCCU"),
            SelectChoice(chasing.FLAGGED, "Flagged"),
        ],
        widget=GovSelect(),
        validators=[Optional()],
    )
    submit = SubmitField("Apply filters", widget=GovSubmitInput())

    def filters(self) -> chasing.Filters:
        """Return the filters chosen (nothing, where the form is not valid)."""
        if not self.validate():
            return chasing.Filters()
        return chasing.Filters(
            sergeant=self.sergeant.data or None,
            district=self.district.data or None,
            min_days=whole_number_or_none(self.min_days.data),
            state=self.state.data or None,
        )
