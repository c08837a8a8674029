"""The fixed lists of the OIC event record: ids stored in the database, labels shown.

Every area (the sergeant's form, the queue filters, exports, imports) takes its
lists and labels from here. Districts come from settings (DISTRICTS).
"""

from __future__ import annotations

LOCATION_TYPES: dict[str, str] = {
    "port": "Port",
    "lorry_park": "Lorry park",
    "services": "Motorway services",
    "coast": "Coast or beach",
    "road": "Road",
    "premises": "Premises",
    "rail": "Rail",
}

EVENT_TYPES: dict[str, str] = {
    "hgv_concealment": "HGV or lorry concealment",
    "lorry_drop": "People found after a lorry drop",
    "small_boat": "Small boat or coastal landing",
    "port_ferry": "Port or ferry",
    "rail_vehicle": "Rail or other vehicle",
    "premises": "Premises",
    "other": "Other",
}

PARTNER_AGENCIES: dict[str, str] = {
    "immigration_enforcement": "Immigration Enforcement",
    "border_force": "Border Force",
    "nca": "National Crime Agency",
    "coastguard": "HM Coastguard",
    "rnli": "RNLI",
    "btp": "British Transport Police",
    "glaa": "Gangmasters and Labour Abuse Authority (GLAA)",
    "ambulance": "Ambulance service",
    "fire": "Fire and rescue",
    "local_authority": "Local authority or children's services",
    "ngo": "Charity or NGO",
    "other": "Another agency",
}

# The counts of people on the event record (never names), in the order they are asked.
# The most people one event's count can hold: the events import and the sergeant's event
# record share it (the form allowed 999, so an imported event of 5,000 could not be debriefed).
MAX_PEOPLE = 10_000

PEOPLE_COUNTS: dict[str, str] = {
    "adults": "Adults",
    "accompanied_children": "Accompanied children",
    "unaccompanied_children": "Unaccompanied or separated children",
    "age_disputed": "Age-disputed",
    "arrested": "Arrested",
    "injured": "People injured",
    "died": "People who died",
    "missing": "People missing",
}
# A line of help under a count on the event record, where its label alone may not say enough.
PEOPLE_COUNT_HINTS: dict[str, str] = {
    "injured": "Include anyone who needed medical help for an injury.",
    "missing": "People feared lost who have not been found, for example from a small boat. "
    "People who ran off are asked about in the debrief.",
}


def in_a_sentence(words: str) -> str:
    """Return a label as it reads inside a sentence ("Change NCCU referral made", "Change
    force incident reference"): the first word lower-cased unless it is an abbreviation."""
    first, _, rest = words.partition(" ")
    if len(first) > 1 and any(c.isupper() for c in first[1:]):
        return words  # NCCU, HM, RNLI: as written
    return first[:1].lower() + first[1:] + (" " + rest if rest else "")


def label(vocabulary: dict[str, str], value: str | None) -> str:
    """Return the label for a stored id, or the id itself if the list no longer has it."""
    if value is None:
        return ""
    return vocabulary.get(value, value)


def event_counts(event) -> dict[str, int]:
    """Return the people counts of an event as a dict, for theme rules and exports."""
    return {name: getattr(event, name) or 0 for name in PEOPLE_COUNTS}
