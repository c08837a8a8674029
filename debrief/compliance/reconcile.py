"""Reconciling the NCCU referral list with events and debriefs (Flask-free).

A referral matches an event by NCCU reference (the event's or its debrief's
answer), then by force reference, or because a reviewer confirmed a suggested
match. Matches by reference are worked out on every read, so an event typed
after the list was imported is matched at once. Unmatched referrals get
suggestions (same district, close in time) for a reviewer to confirm or reject.

The rule is written twice, side by side: in Python (`match_all`, over events loaded) and in
SQL (`match_sql`, over migration 0022's indexes), which the list pages use to count every
list and read only the rows shown; tests/test_reconcile_sql.py holds them equal.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable, Collection, Container
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Select,
    String,
    bindparam,
    case,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from .. import audit, summaries
from ..audit import Actor
from ..db import holds_uncommitted_writes, once_per_transaction
from ..models import Answer, Debrief, Event, NccuReferral
from ..questions.store import bound_ids
from ..recommendation2 import ROUTE_ANSWERS, SUBMITTED_ROUTES
from ..references import match_key, match_key_in_sql
from ..timeutil import utcnow
from ..workflow import State

MAX_SUGGESTIONS = 3


@dataclass
class DebriefInfo:
    """What reconciliation needs of a debrief: its state and its record of the document."""

    id: int
    state: State
    export_ref: str
    submitted_at: datetime | None
    intel_doc_route: str | None  # as recorded at submission (recommendation2.py)
    intel_doc_submitted_at: datetime | None = None
    nccu_reference: str | None = None
    host_id: int | None = None

    @property
    def is_draft(self) -> bool:
        """Tell whether the sergeant has not yet submitted it."""
        return self.state == State.DRAFT

    @property
    def intel_doc_submitted(self) -> bool | None:
        """Tell whether the submitted debrief says the document went in (None: not said)."""
        if self.is_draft or self.intel_doc_route is None:
            return None
        return self.intel_doc_route in SUBMITTED_ROUTES

    @property
    def answer_text(self) -> str:
        """Return what the debrief says about the intelligence document."""
        if self.is_draft:
            return "Not yet submitted (draft)"
        return ROUTE_ANSWERS.get(self.intel_doc_route or "", "Not answered")


@dataclass
class EventInfo:
    """An event and the debrief that speaks for it (the latest submitted one, else a draft)."""

    id: int
    incident_ref: str
    nccu_reference: str | None
    reported_at: datetime
    district: str
    debrief: DebriefInfo | None = None
    references: set[str] = field(default_factory=set)

    @property
    def has_submitted_debrief(self) -> bool:
        """Tell whether a sergeant has submitted a debrief of this event."""
        return self.debrief is not None and not self.debrief.is_draft


@dataclass(frozen=True)
class Referral:
    """What reconciliation reads of an NCCU referral (plain values: a page reads thousands)."""

    id: int
    nccu_reference: str
    referred_at: datetime
    force_reference: str | None
    district: str | None
    intel_doc_received: bool
    event_id: int | None
    match_status: str | None
    rejected_event_ids: tuple[int, ...] = ()


# What reconciliation reads of an event and of a debrief: EventInfo's and DebriefInfo's
# fields, named once for every statement that reads them (`load_events`, the suggestions'
# `_candidate_events`, the list pages' `matches_of`).
EVENT_FIELDS = ("id", "incident_ref", "nccu_reference", "reported_at", "district")
DEBRIEF_FIELDS = (
    "id",
    "state",
    "export_ref",
    "submitted_at",
    "intel_doc_route",
    "intel_doc_submitted_at",
    "host_id",
)


def _columns(entity: Any, fields: tuple[str, ...], prefix: str = "") -> list[Any]:
    """Return the columns of `entity` (a model or an alias) for these fields, labelled
    prefix + field where a prefix tells them apart from others in the same row."""
    if not prefix:
        return [getattr(entity, name) for name in fields]
    return [getattr(entity, name).label(prefix + name) for name in fields]


def _event_info(row: Any, prefix: str = "") -> EventInfo:
    """Return the EventInfo of a row read with `_columns(…, EVENT_FIELDS, prefix)`."""
    return EventInfo(**{name: getattr(row, prefix + name) for name in EVENT_FIELDS})


def _debrief_info(row: Any, prefix: str = "") -> DebriefInfo:
    """Return the DebriefInfo of a row read with `_columns(…, DEBRIEF_FIELDS, prefix)`."""
    return DebriefInfo(**{name: getattr(row, prefix + name) for name in DEBRIEF_FIELDS})


REFERRAL_COLUMNS = [
    getattr(NccuReferral, name)
    for name in Referral.__dataclass_fields__
    if name != "rejected_event_ids"  # read only where a reviewer rejected a suggestion
]


@dataclass
class Match:
    """One referral and the event it belongs to, if any, with how that was decided."""

    referral: Referral
    event: EventInfo | None = None
    how: str | None = None  # nccu_reference, force_reference, confirmed
    suggestions: list[EventInfo] = field(default_factory=list)
    # Who it is chased from and where it stands (chasing.annotate fills these in).
    sergeant: str = ""
    supervisor: str = ""
    chase: Any = None  # chasing.ChaseView

    @property
    def district(self) -> str:
        """Return the event's district, else the one the NCCU's list gives."""
        return self.event.district if self.event else (self.referral.district or "")

    @property
    def debrief(self) -> DebriefInfo | None:
        """Return the matched event's debrief, if there is one."""
        return self.event.debrief if self.event else None

    @property
    def debrief_answer(self) -> str:
        """Return the debrief's own answer, or what is missing."""
        if self.event is None:
            return "No matching event"
        if self.event.debrief is None:
            return "No debrief"
        return self.event.debrief.answer_text


_norm = match_key  # the one rule, beside its SQL form (references.py)


def load_events(
    session: Session,
    host_ids: Collection[int] | None = None,
    event_ids: Select | None = None,
    where: Any = None,
    params: dict[str, Any] | None = None,
) -> dict[int, EventInfo]:
    """Load every event with the debrief that speaks for it, in three queries (only the
    events these sergeants hold a debrief of, where `host_ids` is given; only those of
    the `event_ids` select, where given: the chase reads the few a referral could match;
    only those meeting the condition `where` on Event, where given, with the values of
    its bound `params`: read by its indexes, where a select of ids made PostgreSQL read
    every event to join them)."""
    # Ties in time are broken by id, the same way on every database.
    event_query = select(*_columns(Event, EVENT_FIELDS)).order_by(Event.id)
    debrief_query = select(*_columns(Debrief, DEBRIEF_FIELDS), Debrief.event_id).order_by(
        Debrief.id
    )
    if host_ids is not None:
        theirs = select(Debrief.event_id).where(Debrief.host_id.in_(list(host_ids)))
        event_query = event_query.where(Event.id.in_(theirs))
        debrief_query = debrief_query.where(Debrief.event_id.in_(theirs))
    if event_ids is not None:
        event_query = event_query.where(Event.id.in_(event_ids))
    if where is not None:
        # In the order of id here, not in SQL: so ordered, SQLite read every event in
        # that order rather than the few the condition's indexes find.
        event_query = event_query.where(where).order_by(None)
    rows = sorted(session.execute(event_query, params), key=lambda row: row.id)
    events = {row.id: _event_info(row) for row in rows}
    handful = event_ids is not None or where is not None
    if handful:  # by the ids read, not again, with the reference each debrief typed
        debrief_query = debrief_query.where(Debrief.event_id.in_(list(events)))
        # Typed references count only where the record has none: those events' alone.
        unrecorded = [i for i, e in events.items() if e.nccu_reference is None]
        typed = (
            select(Answer.value)
            .where(
                Answer.debrief_id == Debrief.id,
                _gives_reference(session),
            )
            .limit(1)
            .scalar_subquery()
        )
        debrief_query = debrief_query.add_columns(
            case((Debrief.event_id.in_(unrecorded), typed), else_=None).label("typed")
        )
    debriefs: dict[int, DebriefInfo] = {}
    event_of: dict[int, int] = {}
    for row in session.execute(debrief_query):
        debriefs[row.id] = info = _debrief_info(row)
        event_of[row.id] = row.event_id
        if handful and row.typed:
            info.nccu_reference = str(row.typed)
    if not handful:
        for row in session.execute(_references_answered(session, host_ids)):
            answered = debriefs.get(row.debrief_id)
            if answered is not None and row.value:
                answered.nccu_reference = str(row.value)
    for debrief_id, info in debriefs.items():
        event = events.get(event_of[debrief_id])
        if event is None:
            continue
        if info.nccu_reference:
            event.references.add(_norm(info.nccu_reference))
        current = event.debrief
        # A submitted debrief speaks for the event over a draft; the latest over earlier ones.
        if current is None or current.is_draft or not info.is_draft:
            event.debrief = info
    for event in events.values():
        if event.nccu_reference:
            event.references.add(_norm(event.nccu_reference))
    return events


def _gives_reference(session: Session) -> Any:
    """Return, in SQL, whether an answer is to the question that asks for the NCCU
    reference (in any stored version of the question set)."""
    return Answer.question_id.in_(bound_ids(session, "nccu_reference"))


def _references_answered(session: Session, host_ids: Collection[int] | None = None):
    """Select NCCU references sergeants typed for events whose record has none (of the
    events these sergeants hold a debrief of, where `host_ids` is given: a start page or
    the header's notifications count reads theirs, not the force's).

    The event record holds the reference; a debrief's answer matters only where the
    record did not say (an imported event), read by primary-key lookups.
    """
    debriefs = (
        select(Debrief.id)
        .join(Event, Event.id == Debrief.event_id)
        .where(Event.nccu_reference.is_(None))
    )
    if host_ids is not None:
        theirs = select(Debrief.event_id).where(Debrief.host_id.in_(list(host_ids)))
        debriefs = debriefs.where(Debrief.event_id.in_(theirs))
    return select(Answer.debrief_id, Answer.value).where(
        _gives_reference(session),
        Answer.debrief_id.in_(debriefs),
    )


normalised_in_sql = match_key_in_sql  # `_norm` in SQL: what migration 0022's indexes hold


def answer_text(session: Session) -> Any:
    """Return an answer's JSON value as text, in SQL (as `str(value)` reads a string)."""
    if session.get_bind().dialect.name == "postgresql":
        return type_coerce(Answer.value.op("#>>")(literal_column("'{}'")), String)
    return type_coerce(func.json_extract(Answer.value, "$"), String)


def match_all(
    referrals: list[Referral], events: dict[int, EventInfo], window_hours: int
) -> list[Match]:
    """Match each referral to an event and suggest events for those still unmatched."""
    by_nccu: dict[str, EventInfo] = {}
    by_incident: dict[str, EventInfo] = {}
    for event in sorted(events.values(), key=lambda e: (e.reported_at, e.id)):
        for reference in event.references:
            by_nccu.setdefault(reference, event)
        by_incident.setdefault(_norm(event.incident_ref), event)
    matches = []
    for referral in referrals:
        match = Match(referral)
        if referral.match_status == "confirmed" and referral.event_id in events:
            match.event, match.how = events[referral.event_id], "confirmed"
        elif _norm(referral.nccu_reference) in by_nccu:
            match.event, match.how = by_nccu[_norm(referral.nccu_reference)], "nccu_reference"
        elif referral.force_reference and _norm(referral.force_reference) in by_incident:
            match.event, match.how = by_incident[_norm(referral.force_reference)], "force_reference"
        matches.append(match)
    taken = {m.event.id for m in matches if m.event is not None}
    _suggest(matches, events, taken, timedelta(hours=window_hours))
    return matches


def _suggest(matches: list[Match], events, taken: Container[int], window: timedelta) -> None:
    """Offer events in the same district and close in time that no referral has yet.

    Only the free events within the window are looked at (found by bisection in time
    order), so the cost grows with the unmatched referrals, not with their product with
    the events."""
    free = sorted((e for e in events.values() if e.id not in taken), key=lambda e: e.reported_at)
    times = [e.reported_at for e in free]
    for match in matches:
        if match.event is not None:
            continue
        referral = match.referral
        rejected = set(referral.rejected_event_ids or [])
        low = bisect_left(times, referral.referred_at - window)
        high = bisect_right(times, referral.referred_at + window)
        candidates = [
            e
            for e in free[low:high]
            if (not referral.district or e.district == referral.district) and e.id not in rejected
        ]
        candidates.sort(key=lambda e: abs(e.reported_at - referral.referred_at))
        match.suggestions = candidates[:MAX_SUGGESTIONS]


def all_matches(session: Session, config) -> tuple[list[Match], dict[int, EventInfo]]:
    """Return a match for every referral, oldest referral first, and the events read."""
    events = load_events(session)
    rejected: dict[int, list[Any]] = dict(
        session.execute(
            select(NccuReferral.id, NccuReferral.rejected_event_ids).where(
                NccuReferral.match_status == "rejected"
            )
        ).all()
    )
    query = select(*REFERRAL_COLUMNS).order_by(NccuReferral.referred_at, NccuReferral.id)
    referrals = [
        Referral(**row._asdict(), rejected_event_ids=tuple(rejected.get(row.id) or ()))
        for row in session.execute(query)
    ]
    return match_all(referrals, events, config["NCCU_MATCH_WINDOW_HOURS"]), events


# Matching in the database (issue 22): the rule of `match_all`, as SQL over the indexes
# of migration 0022, so that a list page counts every list and reads only the rows it
# shows, rather than loading every event and referral (55 s a page at 100,000 of each).


_EPOCH = datetime(1970, 1, 1)


def _micros(value: datetime) -> int:
    """Return a naive-UTC time as whole microseconds, to keep and compare exactly."""
    return (value - _EPOCH) // timedelta(microseconds=1)


# The references sergeants typed are written into a page's statements when there are at most
# this many (a compound SELECT of literals: SQLite allows 500 terms); more are read again by
# each statement from the answers.
TYPED_INLINE_MAX = 200


def _typed_query(session: Session) -> Select:
    """Select the NCCU references sergeants typed (event_id, key, reported_at):
    `_references_answered`'s rule (only where the event record has none), keyed as
    matching compares them."""
    typed = answer_text(session)
    return (
        select(
            Debrief.event_id.label("event_id"),
            normalised_in_sql(typed).label("key"),
            Event.reported_at.label("reported_at"),
        )
        .select_from(Event)
        .join(Debrief, Debrief.event_id == Event.id)
        .join(Answer, Answer.debrief_id == Debrief.id)
        .where(
            Event.nccu_reference.is_(None),
            _gives_reference(session),
            typed.is_not(None),
            typed != "",
        )
    )


def typed_rows(session: Session) -> list[tuple[int, str, datetime]]:
    """Return the NCCU references sergeants typed (`_typed_query`; at most
    TYPED_INLINE_MAX + 1 of them), once a transaction (`db.once_per_transaction`).

    Finding them means looking at the answers of every event without a reference on its
    record (13,000 of 100,000 in the benchmark: 25 ms on SQLite, 35-100 ms on
    PostgreSQL), so they are kept with the lists' counts (`list_counts`) and read from
    there while no change has marked those stale (`summaries.peek`)."""

    def read() -> list[tuple[int, str, datetime]]:
        kept = summaries.peek(session, summaries.RECONCILE)
        if kept is not None:
            return [(e, key, _EPOCH + timedelta(microseconds=t)) for e, key, t in kept["typed"]]
        found = session.execute(_typed_query(session).limit(TYPED_INLINE_MAX + 1)).all()
        return [tuple(row) for row in found]

    return once_per_transaction(session, (typed_rows,), read)


def typed_references(session: Session) -> Any:
    """Return a CTE of the NCCU references sergeants typed (`_typed_query`), or None where
    there are none.

    Being few, they are written into each statement that matches (`typed_rows`) rather
    than found again by each; where there are more than TYPED_INLINE_MAX, each statement
    reads them itself."""
    rows = typed_rows(session)
    if len(rows) > TYPED_INLINE_MAX:  # one CTE a transaction: a statement may hold two uses
        return once_per_transaction(
            session, (typed_references,), lambda: _typed_query(session).cte("typed_references")
        )
    return _typed_inline(tuple(rows))


def _typed_inline(rows: tuple[tuple[int, str, datetime], ...]) -> Any:
    if not rows:
        return None
    return union_all(
        *[
            select(
                literal(event_id, Event.id.type).label("event_id"),
                literal(key, String()).label("key"),
                literal(reported_at, Event.reported_at.type).label("reported_at"),
            )
            for event_id, key, reported_at in rows
        ]
    ).cte("typed_references")


@dataclass(frozen=True)
class MatchSql:
    """The three ways a referral matches an event, as SQL over one referral row
    (None where that way finds nothing), and the event it matches: `match_all`'s rule."""

    confirmed: Any
    nccu: Any
    force: Any

    @property
    def event_id(self) -> Any:
        """Return the matched event's id: a reviewer's match, else by NCCU reference,
        else by force reference."""
        return func.coalesce(self.confirmed, self.nccu, self.force)


def match_sql(session: Session) -> MatchSql:
    """Return how a referral row matches, in SQL.

    Each way is one index lookup (migration 0022); a reference a sergeant typed is
    looked at only for referrals whose reference was typed somewhere (rare), and only
    where anything was typed (`typed_references`)."""
    return _built_for_typed(
        session,
        _built_match_sql,
        lambda: _match_sql(typed_references(session)),
    )


def _built_for_typed(
    session: Session,
    kept: Callable[[tuple[tuple[int, str, datetime], ...]], Any],
    anew: Callable[[], Any],
) -> Any:
    """Return SQL that names the typed references: `kept(rows)`, built once for them
    (lru_cache), where they are few enough to be written into it (`typed_references`),
    else `anew()`, built for this request around a statement that reads them."""
    rows = typed_rows(session)
    return anew() if len(rows) > TYPED_INLINE_MAX else kept(tuple(rows))


@lru_cache(maxsize=32)
def _built_match_sql(rows: tuple[tuple[int, str, datetime], ...]) -> MatchSql:
    """`_match_sql` built once for the references typed: building it in Python took
    longer than the database took to run it (2-3 ms a call, twice a list page)."""
    return _match_sql(_typed_inline(rows))


def _match_sql(typed: Any) -> MatchSql:
    referral = NccuReferral
    key = normalised_in_sql(referral.nccu_reference)
    e = aliased(Event)

    def earliest(condition: Any) -> Any:
        return (
            select(e.id)
            .where(condition)
            .order_by(e.reported_at, e.id)
            .limit(1)
            .correlate(referral)
            .scalar_subquery()
        )

    on_record = earliest(normalised_in_sql(e.nccu_reference) == key)
    nccu = on_record  # nothing typed: the record's reference is the only one
    if typed is not None:
        first_typed = (
            select(typed.c.event_id)
            .where(typed.c.key == key)
            .order_by(typed.c.reported_at, typed.c.event_id)
            .limit(1)
            .correlate(referral)
            .scalar_subquery()
        )
        nccu = case(
            (key.in_(select(typed.c.key)), earliest(e.id.in_([on_record, first_typed]))),
            else_=on_record,
        )
    confirmed = case(
        (
            referral.match_status == "confirmed",
            select(e.id).where(e.id == referral.event_id).correlate(referral).scalar_subquery(),
        ),
        else_=None,
    )
    force = case(
        (
            referral.force_reference.is_not(None),
            earliest(
                normalised_in_sql(e.incident_ref) == normalised_in_sql(referral.force_reference)
            ),
        ),
        else_=None,
    )
    return MatchSql(confirmed, nccu, force)


def _speaking(event_id: Any, column: Any, submitted_only: bool = False) -> Any:
    """Return a column of the debrief that speaks for the event (`load_events`' rule: the
    latest submitted one, else the latest draft), in SQL."""
    d = aliased(Debrief)
    query = select(column(d)).where(d.event_id == event_id)
    if submitted_only:
        query = query.where(d.state != State.DRAFT)
    else:
        query = query.order_by(case((d.state == State.DRAFT, 1), else_=0))
    return query.order_by(d.id.desc()).limit(1).scalar_subquery()


def has_submitted_debrief(event_id: Any) -> Any:
    """Return, in SQL, whether a sergeant has submitted a debrief of the event."""
    d = aliased(Debrief)
    return select(d.id).where(d.event_id == event_id, d.state != State.DRAFT).exists()


LIST_SLUGS = ("outstanding", "disagreements", "unmatched")


@lru_cache(maxsize=64)
def list_condition(slug: str, matched: Any) -> Any:
    """Return, in SQL over a row of `matched_referrals`, whether it is on a list: the rule
    of `outstanding`, `disagreements` and `without_debrief`. Built once for each list and
    built `matched_referrals`."""
    received = matched.c.intel_doc_received
    if slug == "outstanding":
        return received.is_(False)
    if slug == "disagreements":
        route = _speaking(matched.c.event_id, lambda d: d.intel_doc_route, submitted_only=True)
        return received.is_(False) & route.in_(sorted(SUBMITTED_ROUTES))
    if slug == "unmatched":
        return matched.c.event_id.is_(None) | ~has_submitted_debrief(matched.c.event_id)
    raise ValueError(slug)


def matched_referrals(
    session: Session, materialised: bool = False, not_received: bool = False
) -> Any:
    """Return a subquery of referrals (id, referred_at, intel_doc_received, district) with
    the event each matches (event_id; NULL: none); `materialised`: worked out once for
    every referral (a count), rather than as each row is read (a page); `not_received`:
    only those the NCCU's list marks not received."""
    return _built_for_typed(
        session,
        lambda rows: _built_matched_referrals(rows, materialised, not_received),
        lambda: _matched_referrals(match_sql(session), materialised, not_received),
    )


@lru_cache(maxsize=64)
def _built_matched_referrals(
    rows: tuple[tuple[int, str, datetime], ...], materialised: bool, not_received: bool
) -> Any:
    """`_matched_referrals` built once for the references typed (as `_built_match_sql`)."""
    return _matched_referrals(_built_match_sql(rows), materialised, not_received)


def _matched_referrals(m: MatchSql, materialised: bool, not_received: bool) -> Any:
    query = select(
        NccuReferral.id,
        NccuReferral.referred_at,
        NccuReferral.intel_doc_received,
        NccuReferral.district,
        m.event_id.label("event_id"),
    )
    if not_received:
        query = query.where(NccuReferral.intel_doc_received.is_(False))
    if materialised:
        return query.cte("matched").prefix_with("MATERIALIZED")
    return query.subquery("matched")


def match_district(matched: Any) -> Any:
    """Return `Match.district` in SQL: the event's district, else the one the list gives."""
    e = aliased(Event)
    return case(
        (
            matched.c.event_id.is_not(None),
            select(e.district).where(e.id == matched.c.event_id).scalar_subquery(),
        ),
        else_=func.coalesce(matched.c.district, ""),
    )


def match_host(matched: Any) -> Any:
    """Return, in SQL, the sergeant of the debrief that speaks for the matched event."""
    return _speaking(matched.c.event_id, lambda d: d.host_id)


Narrowing = Callable[[Any], Any]  # a condition on a row of `matched_referrals`


TAKEN = f"{summaries.RECONCILE}:taken"  # the events some referral matches (`taken_events`)


def list_counts(session: Session, config, now: datetime | None = None) -> dict[str, int]:
    """Return how many rows each of the four lists has, from the stored counts.

    `count_lists` counts them (every referral's match: 0.6-0.8 s at 100,000); its result
    is kept until a change marks it stale (summaries.py). The undebriefed list depends
    on the time, so what is kept is when each event without a submitted debrief was
    reported, and those older than the due days are counted now."""
    body = _kept(session, summaries.RECONCILE)
    cutoff = (now or utcnow()) - timedelta(days=config["DEBRIEF_DUE_DAYS"])
    waiting = summaries.unpack(body["undebriefed_at"], "q")
    return {**body["counts"], "undebriefed": bisect_right(waiting, _micros(cutoff))}


def referrals_listed(session: Session) -> bool:
    """Tell whether any NCCU referral is on record (an NCCU list was imported), from the
    kept counts: a list page reads them already, so the question costs no statement."""
    return _kept(session, summaries.RECONCILE)["referrals"] > 0


def kept_for_page(slug: str) -> list[str]:
    """Return the keys of what a page of this list reads of the kept figures (for the
    page to `summaries.prefetch` with its others): the counts, the list's referrals,
    and for the unmatched list the events referrals take (its suggestions skip them)."""
    keys = [summaries.RECONCILE]
    if slug in LIST_SLUGS:
        keys.append(ids_key(slug))
    if slug == "unmatched":
        keys.append(TAKEN)
    return keys


def ids_key(slug: str) -> str:
    """Return the key a referral list's ids are kept under, in the list's order."""
    return f"{summaries.RECONCILE}:ids:{slug}"


def list_ids(session: Session, slug: str) -> array:
    """Return the ids of the referrals on a list (outstanding, disagreements, unmatched),
    oldest referral first, kept with the lists' counts (`count_lists`): a page is then
    the ids at its offset, where finding it meant working out the match of every
    referral before it (the last page of the unmatched list: 0.6 s at 100,000)."""
    return summaries.unpack(_kept(session, ids_key(slug))["ids"], "q")


def taken_events(session: Session) -> summaries.PackedIds:
    """Return the events some referral matches, which are never suggested for another:
    kept with the lists' counts (`count_lists`), as working them out for the few
    hundred events near a page's unmatched referrals took longer than the rest of the
    page's reading (the match of every referral that could take one: 4-5 ms on
    PostgreSQL at 100,000)."""
    return summaries.PackedIds(_kept(session, TAKEN)["events"])


def _kept(session: Session, key: str) -> dict[str, Any]:
    """Return what `count_lists` keeps under `key`. Where the request has written
    something, it is only read (`peek`), else worked out now without keeping it, as
    `summaries.stored` would commit the request's work."""
    if holds_uncommitted_writes(session):
        return summaries.peek(session, key) or count_lists(session)[key]
    return summaries.stored(session, [key], lambda _: count_lists(session))[key]


def count_lists(session: Session) -> dict[str, dict[str, Any]]:
    """Work out the three referral lists directly, in one statement whatever the size,
    and read when each event without a submitted debrief was reported (the fourth list)
    and the references sergeants typed (`typed_rows`), to be kept: the lists' counts,
    how many referrals there are and those (RECONCILE); each list's referrals in its
    order (`list_ids`); and the events some referral matches (TAKEN).

    Each referral's match is worked out once (a materialised CTE), then the debrief that
    speaks for its event read: `list_condition`'s rules, applied here to every referral."""
    matched = matched_referrals(session, materialised=True)
    d = aliased(Debrief)
    # The latest submitted debrief's route ("" where it gives none; NULL: no such debrief).
    route = (
        select(func.coalesce(d.intel_doc_route, ""))
        .where(d.event_id == matched.c.event_id, d.state != State.DRAFT)
        .order_by(d.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    lists: dict[str, list[int]] = {slug: [] for slug in LIST_SLUGS}
    listed = 0
    taken = set()
    for referral_id, event_id, received, spoken in session.execute(
        select(matched.c.id, matched.c.event_id, matched.c.intel_doc_received, route).order_by(
            matched.c.referred_at, matched.c.id
        )
    ):
        listed += 1
        if received is False:
            lists["outstanding"].append(referral_id)
            if spoken in SUBMITTED_ROUTES:
                lists["disagreements"].append(referral_id)
        if spoken is None:
            lists["unmatched"].append(referral_id)
        if event_id is not None:
            taken.add(event_id)
    waiting = session.scalars(select(Event.reported_at).where(~has_submitted_debrief(Event.id)))
    return {
        summaries.RECONCILE: {
            "counts": {slug: len(ids) for slug, ids in lists.items()},
            "referrals": listed,
            "undebriefed_at": summaries.pack((_micros(t) for t in waiting), "q"),
            "typed": [[e, key, _micros(t)] for e, key, t in typed_rows(session)],
        },
        TAKEN: {"events": summaries.pack_ids(taken)},
        **{
            ids_key(slug): {"ids": summaries.pack(ids, "q", in_order=True)}
            for slug, ids in lists.items()
        },
    }


def _undebriefed(due_days: int, now: datetime | None) -> Any:
    cutoff = (now or utcnow()) - timedelta(days=due_days)
    return (Event.reported_at <= cutoff) & ~has_submitted_debrief(Event.id)


def undebriefed_page(
    session: Session, due_days: int, offset: int, limit: int | None, now: datetime | None = None
) -> list[EventInfo]:
    """Return a page of `undebriefed_events`, read by the database."""
    ids = (
        select(Event.id)
        .where(_undebriefed(due_days, now))
        .order_by(Event.reported_at, Event.id)
        .offset(offset)
        .limit(limit)
    )
    found = load_events(session, event_ids=ids)
    return sorted(found.values(), key=lambda e: (e.reported_at, e.id))


def list_total(session: Session, slug: str, narrowing: Narrowing | None = None) -> int:
    """Return how many rows one referral list has, narrowed (the outstanding list's filters).

    Each referral's match is worked out once (a materialised CTE, of the referrals not
    received where the list has only those): as a subquery, the databases worked it out
    again for each condition naming it (a district filter: twice)."""
    matched = matched_referrals(
        session, materialised=True, not_received=slug in ("outstanding", "disagreements")
    )
    query = select(func.count()).select_from(matched).where(list_condition(slug, matched))
    if narrowing is not None:
        query = query.where(narrowing(matched))
    return session.scalar(query) or 0


PAGE_CHUNK = 500  # referrals read, and suggested for, by one statement (`list_page`)


def list_page(
    session: Session,
    config,
    slug: str,
    offset: int,
    limit: int | None,
    narrowing: Narrowing | None = None,
) -> list[Match]:
    """Return a page of one referral list (oldest referral first), matched by the database:
    only the rows shown are read, with their events (and suggestions, for the unmatched).
    The whole list's page is found among its kept ids (`list_ids`); a narrowed one's by
    the database."""
    suggest = slug == "unmatched"
    if narrowing is None:
        ids = list_ids(session, slug)
        shown = ids[offset : None if limit is None else offset + limit]
        # A few hundred ids to a statement (a whole list's download: thousands, more
        # bound parameters than SQLite takes); one statement where the page is empty.
        chunks = [list(shown[i : i + PAGE_CHUNK]) for i in range(0, max(len(shown), 1), PAGE_CHUNK)]
        return [match for chunk in chunks for match in matches_of(session, config, chunk, suggest)]
    matched = matched_referrals(session)
    query = select(matched.c.id).where(list_condition(slug, matched))
    if narrowing is not None:
        query = query.where(narrowing(matched))
    query = query.order_by(matched.c.referred_at, matched.c.id).offset(offset).limit(limit)
    return matches_of(session, config, query, suggest)


def matches_of(
    session: Session, config, page: Select | list[int], suggest: bool
) -> list[Match]:
    """Return the matches of the referrals `page` names (their ids, or a select of them),
    oldest referral first, with their events; the unmatched ones with suggestions where
    `suggest`.

    One statement reads the page's referrals, the match of each, the event matched and
    the debrief that speaks for it (`load_events`' rule, `_speaking`): as four, the
    events and debriefs took a statement each on top. The events carry what a list
    shows, not the references they are matched by (`EventInfo.references` is empty)."""
    m = match_sql(session)
    shown = (
        select(
            *REFERRAL_COLUMNS,
            NccuReferral.rejected_event_ids,
            m.confirmed.label("by_confirmed"),
            m.nccu.label("by_nccu"),
            m.force.label("by_force"),
        )
        .where(NccuReferral.id.in_(page))
        .cte("shown")
        .prefix_with("MATERIALIZED")  # each referral's match worked out once
    )
    e, speaking, speaks, shown_columns = _shown_parts()
    matched = func.coalesce(shown.c.by_confirmed, shown.c.by_nccu, shown.c.by_force)
    query = (
        select(shown, *shown_columns)
        .select_from(shown)
        .outerjoin(e, e.id == matched)
        .outerjoin(speaking, speaks)
    )
    # In the lists' order (`list_page`): oldest referral first.
    rows = sorted(session.execute(query), key=lambda row: (row.referred_at, row.id))
    matches = []
    events: dict[int, EventInfo] = {}
    fields = [c.key for c in REFERRAL_COLUMNS]
    for row in rows:
        referral = Referral(
            **{name: getattr(row, name) for name in fields},
            rejected_event_ids=tuple(row.rejected_event_ids or ()),
        )
        match = Match(referral)
        if row.ev_id is not None:
            if row.ev_id not in events:
                events[row.ev_id] = _shown_event(row)
            match.event = events[row.ev_id]
            match.how = (
                "confirmed"
                if row.by_confirmed is not None
                else "nccu_reference" if row.by_nccu is not None else "force_reference"
            )
        matches.append(match)
    if suggest:
        suggest_for(session, config, matches)
    return matches


@lru_cache(maxsize=1)
def _shown_parts() -> tuple[Any, Any, Any, list[Any]]:
    """The aliases `matches_of` reads the matched event and its speaking debrief by, the
    condition that the debrief speaks for the event (`_speaking`), and their columns
    labelled ev_… and db_…: built once, as building them took longer than the database
    took to read the rows (3 ms a page)."""
    e = aliased(Event, name="shown_event")
    d = aliased(Debrief, name="speaking")
    labelled = _columns(e, EVENT_FIELDS, "ev_") + _columns(d, DEBRIEF_FIELDS, "db_")
    return e, d, d.id == _speaking(e.id, lambda x: x.id), labelled


def _shown_event(row: Any) -> EventInfo:
    """The event and speaking debrief `matches_of` read with a referral (ev_…, db_…)."""
    event = _event_info(row, "ev_")
    if row.db_id is not None:
        event.debrief = _debrief_info(row, "db_")
    return event


def suggest_for(session: Session, config, matches: list[Match]) -> None:
    """Fill in the suggestions of these matches' unmatched referrals (`_suggest`'s rule):
    only the events close in time to them are read, and of those, which some referral
    has already taken (`taken_events`, kept). One statement, however many referrals."""
    window = timedelta(hours=config["NCCU_MATCH_WINDOW_HOURS"])
    unmatched = [m.referral for m in matches if m.event is None]
    in_district = [r for r in unmatched if r.district]
    anywhere = [r for r in unmatched if not r.district]
    params: dict[str, Any] = {}
    for name, referrals in (("d", in_district), ("a", anywhere)):
        for index, referral in enumerate(referrals):
            params[f"{name}_low_{index}"] = referral.referred_at - window
            params[f"{name}_high_{index}"] = referral.referred_at + window
            if name == "d":
                params[f"d_district_{index}"] = referral.district
    # The same statements with or without unmatched rows on the page (or events near them).
    events = _candidate_events(session, _near(len(in_district), len(anywhere)), params)
    _suggest(matches, events, taken_events(session), window)


@lru_cache(maxsize=256)
def _near(in_district: int, anywhere: int) -> Any:
    """Return, in SQL, whether an event is near one of `in_district` referrals (in their
    district; parameters d_low_N, d_high_N, d_district_N) or `anywhere` referrals (a_low_N,
    a_high_N): each is one range of an index. Built once for each shape of page, with
    the times as parameters: built anew with the times in it, the statement took longer
    to build and compile (5 ms for 50 referrals) than to run."""
    windows: list[Any] = [
        (Event.district == bindparam(f"d_district_{i}", type_=String))
        & Event.reported_at.between(
            bindparam(f"d_low_{i}", type_=Event.reported_at.type),
            bindparam(f"d_high_{i}", type_=Event.reported_at.type),
        )
        for i in range(in_district)
    ]
    windows += [
        Event.reported_at.between(
            bindparam(f"a_low_{i}", type_=Event.reported_at.type),
            bindparam(f"a_high_{i}", type_=Event.reported_at.type),
        )
        for i in range(anywhere)
    ]
    return or_(false(), *windows)


def _candidate_events(
    session: Session, where: Any, params: dict[str, Any] | None = None
) -> dict[int, EventInfo]:
    """Return the events meeting `where` with their references (the record's, else those
    typed in a debrief), without the debrief that speaks for each: what suggestions need.

    The typed references come from `typed_rows` (kept with the lists' counts) where it
    holds them all, so the few hundred events near a page's unmatched referrals are one
    read, not three (their debriefs and answers too: half the unmatched page's time)."""
    typed = typed_rows(session)
    if len(typed) > TYPED_INLINE_MAX:  # not all of them at hand: read as everywhere else
        return load_events(session, where=where, params=params)
    typed_keys: dict[int, set[str]] = defaultdict(set)
    for event_id, key, _ in typed:
        typed_keys[event_id].add(key)
    query = select(*_columns(Event, EVENT_FIELDS)).where(where)
    events = {}
    for row in sorted(session.execute(query, params), key=lambda row: row.id):
        info = _event_info(row)
        if row.nccu_reference:
            info.references.add(_norm(row.nccu_reference))
        else:
            info.references.update(typed_keys.get(row.id, ()))
        events[row.id] = info
    return events


# The four lists.


def outstanding(matches: list[Match]) -> list[Match]:
    """Referrals whose intelligence document the NCCU has not received, oldest first."""
    return [m for m in matches if not m.referral.intel_doc_received]


def disagreements(matches: list[Match]) -> list[Match]:
    """Submitted debriefs saying the document went in, where the NCCU says not received."""
    return [
        m
        for m in matches
        if not m.referral.intel_doc_received
        and m.debrief is not None
        and not m.debrief.is_draft
        and m.debrief.intel_doc_submitted is True
    ]


def without_debrief(matches: list[Match]) -> list[Match]:
    """Referrals with no matching event, or whose event has no submitted debrief."""
    return [m for m in matches if m.event is None or not m.event.has_submitted_debrief]


def undebriefed_events(
    events: dict[int, EventInfo], due_days: int, now: datetime | None = None
) -> list[EventInfo]:
    """Events reported more than `due_days` ago with no submitted debrief, oldest first."""
    cutoff = (now or utcnow()) - timedelta(days=due_days)
    late = [e for e in events.values() if e.reported_at <= cutoff and not e.has_submitted_debrief]
    return sorted(late, key=lambda e: (e.reported_at, e.id))


# A reviewer's decisions on suggested matches.


def confirm_match(session: Session, referral: NccuReferral, event: Event, actor: Actor) -> None:
    """Record that this referral is about this event."""
    referral.event_id = event.id
    referral.match_status = "confirmed"
    referral.rejected_event_ids = [i for i in referral.rejected_event_ids or [] if i != event.id]
    _decided(session, referral, event, actor, "confirmed")


def reject_match(session: Session, referral: NccuReferral, event: Event, actor: Actor) -> None:
    """Record that this referral is not about this event, so it is not suggested again."""
    if referral.event_id == event.id:
        referral.event_id = None
    referral.match_status = "rejected"
    referral.rejected_event_ids = sorted({*(referral.rejected_event_ids or []), event.id})
    _decided(session, referral, event, actor, "rejected")


def _decided(session, referral, event, actor: Actor, what: str) -> None:
    referral.match_decided_by_id = actor.account.id
    referral.match_decided_at = utcnow()
    audit.record(
        session,
        actor,
        audit.Category.COMBINATION,
        f"nccu.match.{what}",
        object_type="nccu_referral",
        object_id=referral.id,
        details={"event_id": event.id},
    )
