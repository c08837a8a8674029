"""Forms of the compliance area: uploads, match decisions, list downloads, the period."""

from __future__ import annotations

from datetime import date, timedelta

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import (
    GovFileInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
)
from wtforms import (
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    SubmitField,
)
from wtforms.validators import AnyOf, InputRequired

from .. import periods
from ..form_fields import WholeNumberField

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

    start = SelectField("From", widget=GovSelect(), validators=[InputRequired()])
    end = SelectField("To", widget=GovSelect(), validators=[InputRequired()])
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
