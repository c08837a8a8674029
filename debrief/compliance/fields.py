"""What each imported list holds: its fields, how a cell is read, and the settings used.

Column headings come from settings (NCCU_IMPORT_COLUMNS, EVENTS_IMPORT_COLUMNS);
districts and reference formats too, so a force changes them in one place.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .. import vocabulary
from ..models import Base, Event, NccuReferral
from ..timeutil import utcnow
from .files import parse_choice, parse_count, parse_datetime, parse_reference, parse_yes_no

NCCU = "nccu"
EVENTS = "events"
KIND_LABELS = {NCCU: "NCCU referral list", EVENTS: "events list"}


@dataclass(frozen=True)
class Field:
    """One field of a list: its key, whether the column must be there, how to read a cell."""

    key: str
    parse: Callable[[Any, Context], Any]
    column_required: bool = True
    value_required: bool = True
    default: Any = None


@dataclass(frozen=True)
class Context:
    """The settings a file is checked against, taken from the app's configuration."""

    columns: Mapping[str, str]
    districts: list[str]
    nccu_pattern: str
    nccu_example: str
    incident_pattern: str
    incident_example: str
    now: datetime

    @classmethod
    def from_config(cls, config: Mapping[str, Any], kind: str, now: datetime | None = None):
        """Build the context for one kind of list from app settings."""
        return cls(
            columns=config["NCCU_IMPORT_COLUMNS" if kind == NCCU else "EVENTS_IMPORT_COLUMNS"],
            districts=list(config["DISTRICTS"]),
            nccu_pattern=config["NCCU_REF_PATTERN"],
            nccu_example=config["NCCU_REF_EXAMPLE"],
            incident_pattern=config["INCIDENT_REF_PATTERN"],
            incident_example=config["INCIDENT_REF_EXAMPLE"],
            now=now or utcnow(),
        )


def _nccu_ref(value: Any, ctx: Context) -> str:
    return parse_reference(value, ctx.nccu_pattern, ctx.nccu_example, "an NCCU reference")


def _incident_ref(value: Any, ctx: Context) -> str:
    return parse_reference(value, ctx.incident_pattern, ctx.incident_example, "a force reference")


def _district(value: Any, ctx: Context) -> str:
    return parse_choice(value, {d: d for d in ctx.districts}, "district")


NCCU_FIELDS = [
    Field("nccu_reference", _nccu_ref),
    Field("referred_at", lambda v, c: parse_datetime(v, date_only_ok=False, now=c.now)),
    Field("force_reference", _incident_ref, column_required=False, value_required=False),
    Field("district", _district, column_required=False, value_required=False),
    Field("intel_doc_received", lambda v, c: parse_yes_no(v)),
    Field(
        "intel_doc_received_at",
        lambda v, c: parse_datetime(v, date_only_ok=True, now=c.now),
        column_required=False,
        value_required=False,
    ),
]
EVENT_FIELDS = [
    Field("incident_ref", _incident_ref),
    Field("reported_at", lambda v, c: parse_datetime(v, date_only_ok=False, now=c.now)),
    Field("district", _district),
    Field(
        "location_type", lambda v, c: parse_choice(v, vocabulary.LOCATION_TYPES, "location type")
    ),
    Field("event_type", lambda v, c: parse_choice(v, vocabulary.EVENT_TYPES, "event type")),
    *[
        Field(
            name,
            lambda v, c: parse_count(v),
            column_required=False,
            value_required=False,
            default=0,
        )
        for name in vocabulary.PEOPLE_COUNTS
    ],
    Field("nccu_reference", _nccu_ref, column_required=False, value_required=False),
]


@dataclass(frozen=True)
class Kind:
    """What differs between the two lists: fields, the key, the table and what to compare."""

    name: str
    fields: list[Field]
    key: str
    model: type[Base]
    model_key: Any


KINDS = {
    NCCU: Kind(NCCU, NCCU_FIELDS, "nccu_reference", NccuReferral, NccuReferral.nccu_reference),
    EVENTS: Kind(EVENTS, EVENT_FIELDS, "incident_ref", Event, Event.incident_ref),
}
