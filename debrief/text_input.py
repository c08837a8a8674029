"""The one rule for what people type: text without control characters, and numbers, times and
dates read strictly, before anything is converted or reaches the database.

PostgreSQL refuses a NUL in text (a 500 for a NUL in a username, a note or a filter), and
other control characters only hide text or break the spreadsheets. Every form field and
query value passes through `clean_text` as the request is parsed (extensions.py), so no
view, form or domain module has to remember to.
"""

from __future__ import annotations

import re
from datetime import date

# C0 controls but tab, line feed and carriage return; DEL and C1 controls; lone UTF-16
# surrogates (which cannot be stored as UTF-8); the two non-characters at the end of
# the Basic Multilingual Plane.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def clean_text(value: str) -> str:
    """Return the text without control characters (tabs and line breaks stay)."""
    return CONTROL_CHARACTERS.sub("", value)


def matches_reference(pattern: str, text: str) -> bool:
    """Tell whether a reference has the force's form for it, reading `\\d` as the ASCII
    digits 0-9 only (full-width and other scripts' digits are not a reference's)."""
    return re.fullmatch(pattern, text, flags=re.ASCII) is not None


# --- numbers ---------------------------------------------------------------------------------

# No count, id or version here has more digits: a longer one is refused before it is
# converted (int() of a 700,000-digit number held the write lock for 26 s).
MAX_DIGITS = 9
# The last page any list offers: past it a page number reads nothing (offsets of 10^18
# overflowed the database's integers).
MAX_PAGE = 100_000
_WHOLE = re.compile(r"(-?)([0-9]+)(?:\.0*)?", re.ASCII)
_DECIMAL = re.compile(r"-?[0-9]+\.[0-9]+", re.ASCII)


class NotANumber(ValueError):
    """The text is not a number written in ASCII digits (1_0, ５, 1e400 and ١٢ are not)."""


class NotWhole(ValueError):
    """The text is a number with a fraction."""


class TooLarge(ValueError):
    """The number has more digits than any this service counts."""


def parse_whole_number(text: str) -> int:
    """Read a whole number written in ASCII digits, with a minus sign if negative
    (thousands commas and spaces ignored; "3.0" is 3); raise NotANumber, NotWhole or
    TooLarge, each found before anything is converted."""
    raw = text.strip().replace(",", "").replace(" ", "")
    match = _WHOLE.fullmatch(raw)
    if match is None:
        raise NotWhole(text) if _DECIMAL.fullmatch(raw) else NotANumber(text)
    sign, digits = match.groups()
    if len(digits.lstrip("0")) > MAX_DIGITS:
        raise TooLarge(text)
    return int(sign + digits)


def whole_number_or_none(text: str | None) -> int | None:
    """Read an id, page or version from a URL or hidden field: None unless it is plain
    ASCII digits of a sensible length (`?id=²` passed str.isdigit() and then failed int())."""
    if not text or not _DIGITS.fullmatch(text) or len(text) > MAX_DIGITS:
        return None
    return int(text)


# --- dates -----------------------------------------------------------------------------------

# Years a date in this service can have: events, debriefs, actions and reporting periods.
MIN_YEAR, MAX_YEAR = 1900, 2100
DATE_PARTS = ("day", "month", "year")


class DateProblem(ValueError):
    """A typed date cannot be read; `parts` names the boxes to highlight."""

    def __init__(self, message: str, parts: tuple[str, ...]):
        super().__init__(message)
        self.parts = parts


def parse_day(day: str, month: str, year: str, *, what: str) -> date:
    """Read a date typed in GOV.UK's three boxes; raise DateProblem with the message for
    `what` ("The start date", …) and the boxes at fault. Only ASCII digits are read, and
    the year must be four of them between MIN_YEAR and MAX_YEAR."""
    typed = {"day": day.strip(), "month": month.strip(), "year": year.strip()}
    missing = tuple(p for p in DATE_PARTS if not typed[p])
    if missing:
        named = " and ".join(missing) if len(missing) < 3 else "day, month and year"
        raise DateProblem(f"{what} must include a {named}", missing)
    not_digits = tuple(p for p in DATE_PARTS if not _DIGITS.fullmatch(typed[p]))
    if not_digits or len(typed["day"]) > 2 or len(typed["month"]) > 2:
        raise DateProblem(f"{what} must be a real date", not_digits or DATE_PARTS)
    if len(typed["year"]) != 4:
        raise DateProblem("Year must include 4 numbers", ("year",))
    if not MIN_YEAR <= int(typed["year"]) <= MAX_YEAR:
        raise DateProblem(f"{what} must be between {MIN_YEAR} and {MAX_YEAR}", ("year",))
    try:
        return date(int(typed["year"]), int(typed["month"]), int(typed["day"]))
    except ValueError:
        raise DateProblem(f"{what} must be a real date", DATE_PARTS) from None


# --- times of day ----------------------------------------------------------------------------

TIME_EXAMPLE = "for example 04:30 or 16:45"
_TIME = re.compile(r"([0-9]{1,2})(?:[:.]?([0-9]{2}))?(am|pm)?", re.ASCII)


class TimeProblem(ValueError):
    """A typed time of day cannot be read; the message says what is wrong with it."""


def parse_time(text: str, *, what: str) -> tuple[int, int]:
    """Read a time of day typed as 04:30, 4.30, 0430, 16:45, 4pm or 4:30pm into (hour, minute);
    raise TimeProblem with the message for `what`, saying which part is wrong ("25:00": the
    hour). Only ASCII digits are read; a bare "4" is too ambiguous to guess."""
    typed = text.strip().lower().replace(" ", "")
    match = _TIME.fullmatch(typed)
    if match is None:
        raise TimeProblem(f"{what} must be a real time, {TIME_EXAMPLE}")
    hour, minutes, suffix = int(match.group(1)), match.group(2), match.group(3)
    if suffix:
        if not 1 <= hour <= 12:
            raise TimeProblem(f"{what} must be a real time: before am or pm, the hour is 1 to 12")
        hour = hour % 12 + (12 if suffix == "pm" else 0)
    elif minutes is None:
        raise TimeProblem(f"{what} must include the minutes, {TIME_EXAMPLE}")
    if hour > 23:
        raise TimeProblem(f"{what} must be a real time: the hour must be from 0 to 23")
    if minutes is not None and int(minutes) > 59:
        raise TimeProblem(f"{what} must be a real time: the minutes must be from 0 to 59")
    return hour, int(minutes or 0)


def parse_iso_day(text: str) -> date:
    """Read a date written 2025-06-14 (a URL's filter), within MIN_YEAR and MAX_YEAR;
    raise ValueError otherwise (`to=9999-12-31` overflowed the day after it: a 500)."""
    if not _ISO_DAY.fullmatch(text.strip()):
        raise ValueError(text)
    day = date.fromisoformat(text.strip())
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise ValueError(text)
    return day


_DIGITS = re.compile(r"[0-9]+", re.ASCII)
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
