"""An action's partner summary is refused when it holds an identifier; near misses pass."""

from __future__ import annotations

from datetime import date

import pytest

from debrief.config import DEFAULTS
from debrief.review import partner_summary

RULES = partner_summary.Rules.from_config(DEFAULTS)
TODAY = date(2026, 12, 4)


def kinds(text: str) -> list[str]:
    return partner_summary.identifiers(text, RULES, TODAY)


REFUSED = {
    "incident_ref": [
        "Follow up INC-20250614-0123 with the port",
        "(inc-20250614-0123)",
    ],
    "nccu_ref": ["Chase NCCU-2025061401 document", "ref NCCU-123456."],
    "crime_ref": [
        "Crime CR/012345/25 to be reviewed",
        "CRN 1234567/25 needs a file",
        "see 43/123456/25",
        "CRIS 1234567/2025",
        "CR-0123456",
    ],
    "vehicle": [
        "Lorry AB12 CDE to be checked",
        "trailer AB12CDE",
        "van A123 BCD",
        "car ABC 123D",
    ],
    "phone": [
        "Call 07700 900123 for the duty team",
        "ring 01632 960 001",
        "+44 7700 900123",
        "+44 (0)20 7946 0000",
        "(020) 7946-0000",
        "French contact +33 1 23 45 67 89",
    ],
    "birth_date": [
        "Child born 3/4/2019 to be referred",
        "DOB 12.05.2021",
        "date of birth: 1 June 2024",
        "Adult 14/02/1990 to be traced",
        "Person 1990-02-14 to be traced",
        "Person 14th February 1990 to be traced",
        "Person February 14, 1990 to be traced",
        "Person 14/02/90 to be traced",
    ],
}

ACCEPTED = [
    # near misses of each kind
    "Review how incidents are referred (INC numbers stay in the force)",
    "INC-2025 policy to be agreed",
    "Ask the NCCU for a shorter wait; NCCU-12 is not a reference",
    "Crime recording to be checked at every event",
    "CR 123 is not a reference",
    "Agree the 2025/26 plan",
    "Patrols on the A12 and the M25 at night",
    "HGV drivers to get leaflets",
    "Ab12 cde written in lower case is not a registration",
    "Call 999 or 101, or the NHS on 111",
    "1,752 referrals in 2024 and 939 in the first five months of 2025",
    "Referral count 2025061401 to be checked",
    "Agree a date by 31 March 2026",
    "Review the guidance of 1 June 2026",
    "Report in March 2026 and again in June",
    "Born in 1990 is a year, not a date",
    "31/02/2026 is not a date at all",
    "Training for 3 teams by 30/6/2027",
]


@pytest.mark.parametrize(
    "kind,text", [(kind, text) for kind, texts in REFUSED.items() for text in texts]
)
def test_each_kind_of_identifier_is_refused(kind, text):
    assert kind in kinds(text)
    message = partner_summary.problem(text, RULES, TODAY)
    assert message is not None and partner_summary.KINDS[kind] in message


@pytest.mark.parametrize("text", ACCEPTED)
def test_near_misses_are_accepted(text):
    assert kinds(text) == []
    assert partner_summary.problem(text, RULES, TODAY) is None


def test_the_message_names_every_kind_found():
    message = partner_summary.problem("AB12 CDE, 07700 900123", RULES, TODAY)
    assert message is not None
    assert message.startswith(
        "The partner summary must not contain a vehicle registration and a phone number"
    )


def test_the_force_patterns_come_from_settings():
    rules = partner_summary.Rules.from_config(
        {**DEFAULTS, "INCIDENT_REF_PATTERN": r"^EX/\d{6}$", "CRIME_REF_PATTERN": r"^C\d{9}$"}
    )
    assert partner_summary.identifiers("log EX/123456 today", rules, TODAY) == ["incident_ref"]
    assert partner_summary.identifiers("crime C123456789", rules, TODAY) == ["crime_ref"]
    assert partner_summary.identifiers("INC-20250614-0123", rules, TODAY) == []
