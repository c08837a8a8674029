"""HMICFRS Recommendation 2, counted one way: the only place its rate is computed.

The dashboard, the partnership spreadsheet, the reconciliation page and
`debrief compliance rec2` all call `figures` and print `DEFINITION` beside the
figure, so no two places can disagree on what "submitted" means.

The debrief side counts events with an NCCU referral (the event record's fact)
whose debrief has been submitted; the NCCU side counts the referrals on the
NCCU's own list. The list is the authority for "confirmed": both are shown, never
merged. A debrief that says "submitted" for an event with no referral, or with a
date before the event was reported, is left out and counted as a data-quality item.

Flask-free. Months are UK local months of the event (of the referral on the NCCU
side): their bounds are worked out in Python (periods.month_index), so SQLite and PostgreSQL
agree, and the database counts by them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from .models import Debrief, Event, NccuReferral, State
from .periods import month_index
from .questions.bindings import INTEL_DOC_FIRST_REPORT, INTEL_DOC_LATER, INTEL_DOC_NOT_DONE
from .questions.loader import QuestionSet
from .timeutil import from_local

DEFINITION = (
    "Recommendation 2 (debriefs): of events with an NCCU referral whose debrief has been "
    "submitted (submitted, in review, returned or closed), the share whose debrief says the "
    "intelligence document was submitted, by any route, on or after the time the event was "
    "reported. Counted by the month the event was reported."
)
NCCU_DEFINITION = (
    "NCCU-confirmed: of the referrals on the NCCU's list, the share the list marks as "
    "received, by the month of referral. The NCCU's list is the authority for 'confirmed'."
)
DATA_QUALITY_DEFINITION = (
    "Data-quality items, left out of both rates: debriefs saying the document was submitted "
    "for an event with no NCCU referral, or with no date or a date before the event was "
    "reported."
)

# How a debrief records the document (debriefs.intel_doc_route).
ROUTE_UNRECORDED = "submitted"  # a yes/no question set: submitted, by a route not asked
SUBMITTED_ROUTES = (INTEL_DOC_FIRST_REPORT, INTEL_DOC_LATER, ROUTE_UNRECORDED)
ROUTE_LABELS = {
    INTEL_DOC_FIRST_REPORT: "By the call taker on first report",
    INTEL_DOC_LATER: "By the reporting officer later",
    ROUTE_UNRECORDED: "Route not recorded (earlier question set)",
}
# What a debrief says, in a list beside the NCCU's answer.
ROUTE_ANSWERS = {
    INTEL_DOC_FIRST_REPORT: "Yes, by the call taker on first report",
    INTEL_DOC_LATER: "Yes, by the reporting officer later",
    ROUTE_UNRECORDED: "Yes",
    INTEL_DOC_NOT_DONE: "No",
}
COUNTED_STATES = (State.SUBMITTED, State.IN_REVIEW, State.RETURNED, State.CLOSED)


@dataclass(frozen=True)
class Rate:
    """A part of a whole, with the percentage where the whole is not zero."""

    part: int
    whole: int

    @property
    def percent(self) -> float | None:
        """Return the rate as a percentage to one decimal place, or None if nothing to count."""
        return round(100 * self.part / self.whole, 1) if self.whole else None

    @property
    def text(self) -> str:
        """Return the rate as people read it: 42.0% (21 of 50), or "no data"."""
        if not self.whole:
            return "No data"
        return f"{self.percent:g}% ({self.part:,} of {self.whole:,})"


@dataclass
class Tally:
    """The counts behind the rate for one month (or a whole period)."""

    referrals_debriefed: int = 0  # the denominator
    submitted: int = 0  # the numerator
    by_route: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SUBMITTED_ROUTES, 0))
    not_done: int = 0
    not_recorded: int = 0  # referral made, the debrief does not say
    no_referral_but_submitted: int = 0
    date_before_event: int = 0
    no_date: int = 0
    nccu_referrals: int = 0
    nccu_received: int = 0

    @property
    def rate(self) -> Rate:
        """Return the debriefs' Recommendation 2 rate."""
        return Rate(self.submitted, self.referrals_debriefed)

    @property
    def nccu_rate(self) -> Rate:
        """Return the NCCU-confirmed rate (the list's referrals marked received)."""
        return Rate(self.nccu_received, self.nccu_referrals)

    @property
    def nccu_outstanding(self) -> int:
        """Return the referrals on the list not yet marked received."""
        return self.nccu_referrals - self.nccu_received

    @property
    def data_quality(self) -> int:
        """Return the debriefs left out of the rate because what they say cannot be right."""
        return self.no_referral_but_submitted + self.date_before_event + self.no_date

    def add(self, other: Tally) -> None:
        """Add another tally's counts to this one."""
        for name in (
            "referrals_debriefed",
            "submitted",
            "not_done",
            "not_recorded",
            "no_referral_but_submitted",
            "date_before_event",
            "no_date",
            "nccu_referrals",
            "nccu_received",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for route, count in other.by_route.items():
            self.by_route[route] += count


@dataclass
class Figures:
    """Recommendation 2 for a period: each month and the whole."""

    months: list[tuple[date, Tally]]
    total: Tally
    nccu_list_imported: bool

    def month(self, month: date) -> Tally:
        """Return one month's tally (empty when the month is outside the period)."""
        return dict(self.months).get(month, Tally())


def count_debrief(
    tally: Tally,
    referral_made: bool | None,
    route: str | None,
    submitted_at: datetime | None,
    reported_at: datetime,
) -> None:
    """Count one event's submitted debrief by the definition."""
    before = submitted_at is not None and submitted_at < reported_at
    count_debriefs(tally, referral_made, route, submitted_at is None, before)


def count_debriefs(
    tally: Tally,
    referral_made: bool | None,
    route: str | None,
    no_date: bool,
    date_before_event: bool,
    number: int = 1,
) -> None:
    """Count `number` submitted debriefs alike in what the definition reads: the referral,
    the route, whether the document's date is missing or before the event was reported."""
    says_submitted = route in SUBMITTED_ROUTES
    if not referral_made:
        if says_submitted:
            tally.no_referral_but_submitted += number
        return
    if says_submitted and no_date:
        tally.no_date += number
        return
    if says_submitted and date_before_event:
        tally.date_before_event += number
        return
    tally.referrals_debriefed += number
    if says_submitted:
        tally.submitted += number
        tally.by_route[route] += number  # type: ignore[index]
    elif route == INTEL_DOC_NOT_DONE:
        tally.not_done += number
    else:
        tally.not_recorded += number


def figures(
    session: Session,
    start: datetime,
    stop: datetime,
    months: Iterable[date],
    *,
    district: str | None = None,
    event_type: str | None = None,
) -> Figures:
    """Count Recommendation 2 for events reported in [start, stop) (naive UTC).

    The database groups the debriefs by month and by what count_debriefs reads, and
    returns one row a group (not a row a debrief); count_debriefs then counts each group.
    """
    months = list(months)
    tallies: dict[int, Tally] = defaultdict(Tally)
    latest = (  # the event's latest counted debrief, looked up per event in the period
        select(func.max(Debrief.id))
        .where(Debrief.event_id == Event.id, Debrief.state.in_(COUNTED_STATES))
        .correlate(Event)
        .scalar_subquery()
    )
    clauses = [Event.reported_at >= start, Event.reported_at < stop]
    if district:
        clauses.append(Event.district == district)
    if event_type:
        clauses.append(Event.event_type == event_type)
    each = (
        select(
            month_index(Event.reported_at, months).label("month"),
            Event.nccu_referral_made.label("referral_made"),
            Debrief.intel_doc_route.label("route"),
            case((Debrief.intel_doc_submitted_at.is_(None), 1), else_=0).label("no_date"),
            case((Debrief.intel_doc_submitted_at < Event.reported_at, 1), else_=0).label("before"),
        )
        .join(Debrief, Debrief.id == latest)
        .where(*clauses)
        .subquery()
    )
    kinds = (each.c.month, each.c.referral_made, each.c.route, each.c.no_date, each.c.before)
    grouped = select(*kinds, func.count()).group_by(*kinds).where(each.c.month.is_not(None))
    for month, referral_made, route, no_date, before, number in session.execute(grouped):
        count_debriefs(tallies[month], referral_made, route, bool(no_date), bool(before), number)
    imported = session.scalar(select(NccuReferral.id).limit(1)) is not None
    if imported and not event_type:
        listed = select(
            month_index(NccuReferral.referred_at, months).label("month"),
            case((NccuReferral.intel_doc_received.is_(True), 1), else_=0).label("received"),
        ).where(NccuReferral.referred_at >= start, NccuReferral.referred_at < stop)
        if district:
            listed = listed.where(NccuReferral.district == district)
        by_month = listed.subquery()
        nccu = (
            select(by_month.c.month, func.count(), func.sum(by_month.c.received))
            .where(by_month.c.month.is_not(None))
            .group_by(by_month.c.month)
        )
        for month, referrals, received in session.execute(nccu):
            tallies[month].nccu_referrals += referrals
            tallies[month].nccu_received += int(received or 0)
    ordered = [(month, tallies.get(index, Tally())) for index, month in enumerate(months)]
    total = Tally()
    for _, tally in ordered:
        total.add(tally)
    return Figures(ordered, total, nccu_list_imported=imported and not event_type)


@dataclass(frozen=True)
class DocumentRecord:
    """A debrief's record of the intelligence document, as its columns hold it."""

    route: str | None
    submitted_at: datetime | None  # naive UTC
    queue_copy: bool | None  # debriefs.intel_doc_submitted

    def columns(self) -> dict[str, object]:
        """Return the record as the debrief's column values."""
        return {
            "intel_doc_route": self.route,
            "intel_doc_submitted_at": self.submitted_at,
            "intel_doc_submitted": self.queue_copy,
        }


def record_from_answers(
    question_set: QuestionSet, answers: Mapping[str, Any], referral_made: bool | None
) -> DocumentRecord:
    """Read the document's record from a debrief's answers through the set's bindings."""
    question = question_set.bound("intel_doc")
    route = route_of_answer(question.type, answers.get(question.id)) if question else None
    when_question = question_set.bound("intel_doc_submitted_at")
    when = answers.get(when_question.id) if when_question is not None else None
    submitted = route in SUBMITTED_ROUTES
    submitted_at = None
    if submitted and isinstance(when, str):
        try:
            submitted_at = from_local(datetime.fromisoformat(when))
        except ValueError:
            submitted_at = None
    return DocumentRecord(
        route, submitted_at, submitted if route is not None and referral_made else None
    )


def route_of_answer(question_type: str, value: object) -> str | None:
    """Return the route a debrief's bound `intel_doc` answer records (None: no answer)."""
    if question_type == "yes_no":
        return {"yes": ROUTE_UNRECORDED, "no": INTEL_DOC_NOT_DONE}.get(str(value))
    return str(value) if value in (*SUBMITTED_ROUTES, INTEL_DOC_NOT_DONE) else None
