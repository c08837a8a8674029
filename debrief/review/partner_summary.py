"""What may not be in an action's partner summary: the check behind "no references" (Flask-free).

A partner summary leaves the force in the partner copy of the thematic spreadsheet, so
it is refused when it holds something that points at a case or a person:
- a force incident reference, an NCCU reference (the force's patterns, in settings) or a
  crime reference (CRIME_REF_PATTERN: "CR/012345/25", "CRN 1234567/25", "43/123456/25");
- a UK vehicle registration in capitals, in the current ("AB12 CDE"), prefix ("A123 BCD")
  or suffix ("ABC 123D") format; dateless plates ("A1", "M25") are too like road
  names to refuse;
- a phone number: 0 or +44 and ten more digits (spaces, hyphens and brackets allowed),
  or any other "+" international number of 8 digits or more; 999, 101 and 111 pass;
- a date of birth. Chosen rule: a full date (day, month and year, in figures or words)
  next to "born", "DOB", "D.O.B." or "date of birth", or any full date more than a year
  before today, since a partner summary speaks of what will be done, not of the past.
  Months with a year ("March 2026") and recent or future dates ("by 31 March 2026") pass.

Names cannot be found this way: the form asks for none, and the hub confirms it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

_WORD_EDGE_BEFORE = r"(?<![A-Za-z0-9])"
_WORD_EDGE_AFTER = r"(?![A-Za-z0-9])"

_VEHICLE = re.compile(
    _WORD_EDGE_BEFORE
    + r"(?:[A-Z]{2}[0-9]{2} ?[A-Z]{3}|[A-Z][0-9]{1,3} ?[A-Z]{3}|[A-Z]{3} ?[0-9]{1,3}[A-Z])"
    + _WORD_EDGE_AFTER
)
_PHONE = re.compile(
    r"(?<![\w+])(?:(?:\+44[\s-]?(?:\(0\)[\s-]?)?|\(?0)(?:\d[\s\-()]{0,2}){9}\d"
    r"|\+(?!44)\d(?:[\s-]?\d){7,13})(?!\d)"
)
_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        1,
    )
    for name in names
}
_MONTH_WORD = "(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?:[0-2]?\d|3[01])(?:st|nd|rd|th)?"
_DATES = [
    # 3/4/2010, 03-04-10, 3.4.2010
    re.compile(r"(?<![\d/.-])(?P<d>\d{1,2})[/.-](?P<m>\d{1,2})[/.-](?P<y>\d{4}|\d{2})(?![\d/.-])"),
    # 2010-04-03
    re.compile(r"(?<![\d/.-])(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?![\d/.-])"),
    # 3 April 2010, 3rd of Apr 2010
    re.compile(
        rf"(?<![\w])(?P<d>{_DAY})\s+(?:of\s+)?(?P<mw>{_MONTH_WORD})\s+(?P<y>\d{{4}})(?!\d)",
        re.IGNORECASE,
    ),
    # April 3, 2010
    re.compile(
        rf"(?<![\w])(?P<mw>{_MONTH_WORD})\s+(?P<d>{_DAY}),?\s+(?P<y>\d{{4}})(?!\d)",
        re.IGNORECASE,
    ),
]
_BIRTH_WORDS = re.compile(r"\b(?:born|d\.?o\.?b\.?|date of birth|birthday)", re.IGNORECASE)
_BIRTH_WORD_REACH = 30  # characters between the word and the date


@dataclass(frozen=True)
class Rules:
    """The force's reference formats, from settings."""

    incident_ref: re.Pattern[str]
    nccu_ref: re.Pattern[str]
    crime_ref: re.Pattern[str]

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Rules:
        """Build the rules from the app's settings (the patterns are anchored there)."""
        return cls(
            incident_ref=_anywhere(config["INCIDENT_REF_PATTERN"]),
            nccu_ref=_anywhere(config["NCCU_REF_PATTERN"]),
            crime_ref=_anywhere(config["CRIME_REF_PATTERN"]),
        )


def _anywhere(pattern: str) -> re.Pattern[str]:
    """Turn a whole-value pattern (^...$) into one found anywhere in a text, as a word."""
    body = pattern.removeprefix("^").removesuffix("$")
    return re.compile(f"{_WORD_EDGE_BEFORE}(?:{body}){_WORD_EDGE_AFTER}", re.IGNORECASE)


# What each kind is called in the error message.
KINDS = {
    "incident_ref": "an incident reference",
    "crime_ref": "a crime reference",
    "nccu_ref": "an NCCU reference",
    "vehicle": "a vehicle registration",
    "phone": "a phone number",
    "birth_date": "a date of birth",
}


def identifiers(text: str, rules: Rules, today: date) -> list[str]:
    """Return the kinds of identifier found in the text (keys of KINDS), in KINDS order."""
    found = set()
    for kind, pattern in (
        ("incident_ref", rules.incident_ref),
        ("nccu_ref", rules.nccu_ref),
        ("crime_ref", rules.crime_ref),
        ("vehicle", _VEHICLE),
        ("phone", _PHONE),
    ):
        if pattern.search(text):
            found.add(kind)
    if _has_birth_date(text, today):
        found.add("birth_date")
    return [kind for kind in KINDS if kind in found]


def problem(text: str, rules: Rules, today: date) -> str | None:
    """Return the error message for a partner summary, or None when it may be shared."""
    kinds = identifiers(text, rules, today)
    if not kinds:
        return None
    words = [KINDS[k] for k in kinds]
    listed = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
    return (
        f"The partner summary must not contain {listed}: partners read it. "
        "Describe the action without references, numbers or dates that identify anyone"
    )


def _has_birth_date(text: str, today: date) -> bool:
    long_ago = today - timedelta(days=365)
    for pattern in _DATES:
        for match in pattern.finditer(text):
            when = _as_date(match, today)
            if when is None:
                continue
            before = text[max(0, match.start() - _BIRTH_WORD_REACH) : match.start()]
            if when < long_ago or _BIRTH_WORDS.search(before):
                return True
    return False


def _as_date(match: re.Match[str], today: date) -> date | None:
    parts = match.groupdict()
    year = int(parts["y"])
    if len(parts["y"]) == 2:
        year += 2000 if year <= today.year % 100 else 1900
    if parts.get("mw"):
        month = _MONTHS.get(parts["mw"].rstrip(".").lower())
    else:
        month = int(parts["m"])
    day = int(re.sub(r"\D", "", parts["d"]))
    try:
        return date(year, month or 0, day)
    except ValueError:
        return None
