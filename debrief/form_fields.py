"""Form fields shared by every area's forms."""

from __future__ import annotations

from datetime import date

from govuk_frontend_wtf.wtforms_widgets import GovDateInput
from wtforms import DateField


class SafeDateInput(GovDateInput):
    """GovDateInput that survives a POST without the day, month and year parts.

    The packaged widget raises ValueError (a 500) when the parts are missing.
    """

    def map_gov_params(self, field, **kwargs):
        if field.raw_data is not None and len(field.raw_data) != 3:
            field.raw_data = None
        return super().map_gov_params(field, **kwargs)


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
        day, month, year = (p.strip() for p in valuelist)
        what = self.what[:1].upper() + self.what[1:]
        missing = [n for n, p in (("day", day), ("month", month), ("year", year)) if not p]
        if missing:
            raise ValueError(f"{what} must include a {' and '.join(missing)}")
        try:
            self.data = date(int(year), int(month), int(day))
        except ValueError:
            raise ValueError(f"{what} must be a real date") from None
        if not 2000 <= self.data.year <= 2100:
            self.data = None
            raise ValueError(f"{what} must have a 4-digit year, like 2025")
