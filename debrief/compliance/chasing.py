"""Chasing outstanding intelligence documents (issue 20), Flask-free.

An NCCU referral the list marks "not received", matched to a debrief, is put to
that debrief's sergeant and their supervisor. Either (or the hub) records when,
how and by whom the document was submitted: the referral is then "submitted,
awaiting NCCU", and the debrief's one record of the document (recommendation2.py)
says so, without reopening a closed debrief. The next NCCU list that marks it
received closes the chase; a later list that still says not received puts it back
to the sergeant, flagged. Each step is in the debrief's history and the audit trail.

The chase lives in `intel_doc_chases`, one row per chased referral, apart from
`nccu_referrals`: those hold the NCCU's list as the NCCU reported it and each
import rewrites them, while the chase is the force's claim, which must never be
mistaken for the NCCU's confirmation (the list is the authority for "received").

Confirmed receipt: the date the list gives (`intel_doc_received_at`), else the
time the first list marking it received was imported (`receipt_listed_at`), an
upper bound where the NCCU gives no date.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, and_, bindparam, func, literal, select, true, union, update
from sqlalchemy.orm import Session, aliased

from .. import audit, summaries
from ..audit import Actor
from ..db import holds_uncommitted_writes, once_per_transaction
from ..models import Answer, Debrief, Event, ImportBatch, IntelDocChase, NccuReferral, User
from ..questions.bindings import INTEL_DOC_FIRST_REPORT, INTEL_DOC_LATER
from ..recommendation2 import ROUTE_LABELS
from ..roles import Permission, can
from ..timeutil import format_local, local_month, utcnow
from ..workflow import add_history
from . import reconcile
from .reconcile import Match, Referral

OUTSTANDING = "outstanding"
AWAITING = "awaiting_nccu"
FLAGGED = "flagged"
CLOSED = "closed"
STATE_LABELS = {
    OUTSTANDING: "Outstanding",
    AWAITING: "Submitted, awaiting NCCU",
    FLAGGED: "Force says submitted, NCCU still not received",
    CLOSED: "Received by the NCCU",
}
# The states a sergeant has something to do about.
NEEDS_ACTION = (OUTSTANDING, FLAGGED)
ROUTES = (INTEL_DOC_FIRST_REPORT, INTEL_DOC_LATER)
# A submission time a little ahead of the server's clock is not "in the future".
FUTURE_TOLERANCE = timedelta(minutes=10)


@dataclass(frozen=True)
class ChaseView:
    """Where one referral's chase stands, as a list or a page shows it."""

    state: str
    submitted_at: datetime | None = None
    route: str | None = None
    submitted_by: str = ""

    @property
    def label(self) -> str:
        """Say the state in words; a flagged one names the date the force gave."""
        if self.state == FLAGGED and self.submitted_at is not None:
            return (
                f"Force says submitted on {format_local(self.submitted_at, with_time=False)}, "
                "NCCU still not received"
            )
        return STATE_LABELS[self.state]

    @property
    def needs_action(self) -> bool:
        """Tell whether the sergeant still has something to do."""
        return self.state in NEEDS_ACTION


def view_of(received: bool, chase: IntelDocChase | None) -> ChaseView:
    """Return the state of a referral from the NCCU's answer and the force's chase."""
    if received:
        return ChaseView(CLOSED, *(_said(chase) if chase else ()))
    if chase is None or chase.state == CLOSED:  # a later list took "received" back
        return ChaseView(OUTSTANDING)
    return ChaseView(chase.state, *_said(chase))


def _said(chase: IntelDocChase) -> tuple[datetime, str, str]:
    return chase.submitted_at, chase.route, chase.submitted_by


def chases_of(session: Session, referral_ids: Iterable[int]) -> dict[int, IntelDocChase]:
    """Return the chase rows of these referrals, by referral id."""
    ids = list(referral_ids)
    found: dict[int, IntelDocChase] = {}
    for start in range(0, len(ids), 500):
        for chase in session.scalars(
            select(IntelDocChase).where(IntelDocChase.referral_id.in_(ids[start : start + 500]))
        ):
            found[chase.referral_id] = chase
    return found


def annotate(session: Session, matches: list[Match]) -> list[Match]:
    """Fill in each match's sergeant, their supervisor and the chase state."""
    chases = chases_of(session, [m.referral.id for m in matches])
    host_ids = {m.debrief.host_id for m in matches if m.debrief and m.debrief.host_id}
    names: dict[int, tuple[str, str]] = {}
    if host_ids:
        for user_id, name, supervisor_name in session.execute(
            _names_with_supervisors(), {"ids": sorted(host_ids)}
        ):
            names[user_id] = (name, supervisor_name or "")
    for match in matches:
        match.chase = view_of(match.referral.intel_doc_received, chases.get(match.referral.id))
        if match.debrief and match.debrief.host_id in names:
            match.sergeant, match.supervisor = names[match.debrief.host_id]
    return matches


@lru_cache(maxsize=1)
def _names_with_supervisors() -> Select:
    """Select the names of some people (parameter: their ids) and of their supervisors:
    built once, as building it took as long as running it (about 0.6 ms a page)."""
    supervisor = aliased(User)
    return (
        select(User.id, User.display_name_in_sql(User), User.display_name_in_sql(supervisor))
        .outerjoin(supervisor, supervisor.id == User.supervisor_id)
        .where(User.id.in_(bindparam("ids", expanding=True)))
    )


@dataclass(frozen=True)
class Filters:
    """What the outstanding list is narrowed to (all None: everything)."""

    sergeant: str | None = None
    district: str | None = None
    min_days: int | None = None
    state: str | None = None

    @property
    def text(self) -> str:
        """Say the filters in words, for a spreadsheet's heading."""
        parts = [
            f"sergeant {self.sergeant}" if self.sergeant else "",
            f"district {self.district}" if self.district else "",
            f"{self.min_days} days or more" if self.min_days is not None else "",
            STATE_LABELS[self.state].lower() if self.state in STATE_LABELS else "",
        ]
        return ", ".join(p for p in parts if p)

    @property
    def any(self) -> bool:
        """Tell whether any filter is set."""
        return any(
            v not in (None, "") for v in (self.sergeant, self.district, self.min_days, self.state)
        )


def days_outstanding(referral: Referral, now: datetime) -> int:
    """Return the whole days since the referral was made."""
    return max(0, (now - referral.referred_at).days)


def filtered(matches: list[Match], filters: Filters, now: datetime) -> list[Match]:
    """Return the annotated matches that pass the filters."""
    return [
        m
        for m in matches
        if (not filters.sergeant or m.sergeant == filters.sergeant)
        and (not filters.district or m.district == filters.district)
        and (filters.min_days is None or days_outstanding(m.referral, now) >= filters.min_days)
        and (not filters.state or (m.chase is not None and m.chase.state == filters.state))
    ]


def narrowing(session: Session, filters: Filters, now: datetime) -> reconcile.Narrowing | None:
    """Return `filtered`'s rule as a condition on a row of reconcile.matched_referrals (the
    outstanding list, read by the database), or None where no filter is set."""
    if not filters.any:
        return None

    def condition(matched):
        parts = []
        if filters.min_days is not None and filters.min_days > 0:
            parts.append(matched.c.referred_at <= now - timedelta(days=filters.min_days))
        if filters.district:
            parts.append(reconcile.match_district(matched) == filters.district)
        if filters.sergeant:
            named = select(User.id).where(User.display_name_in_sql(User) == filters.sergeant)
            parts.append(reconcile.match_host(matched).in_(named))
        if filters.state:
            chased = (
                select(IntelDocChase.state)
                .where(IntelDocChase.referral_id == matched.c.id)
                .scalar_subquery()
            )
            if filters.state == OUTSTANDING:  # view_of: no chase, or a closed one
                parts.append(func.coalesce(chased, CLOSED) == CLOSED)
            elif filters.state == CLOSED:  # never, for a referral not received
                parts.append(literal(False))
            else:
                parts.append(chased == filters.state)
        return and_(true(), *parts)

    return condition


def outstanding_choices(session: Session) -> tuple[list[str], list[str]]:
    """Return the sergeants and districts on the outstanding list, for its filters: one
    statement, read by the database."""
    # Each outstanding referral's match worked out once, then its district and sergeant.
    matched = reconcile.matched_referrals(session, materialised=True, not_received=True)
    pairs = (
        select(
            reconcile.match_district(matched).label("district"),
            reconcile.match_host(matched).label("host"),
        )
        .distinct()
        .subquery()
    )
    name = select(User.display_name_in_sql(User)).where(User.id == pairs.c.host)
    rows = session.execute(select(pairs.c.district, name.scalar_subquery())).all()
    districts = sorted({district for district, _ in rows if district})
    return sorted({name for _, name in rows if name}), districts


CHOICES_KEY = f"{summaries.RECONCILE}:choices"


def stored_outstanding_choices(session: Session) -> tuple[list[str], list[str]]:
    """Return `outstanding_choices`, kept with the lists' counts (summaries.py): working
    out every outstanding referral's match took 90-160 ms of each outstanding page.
    Commits the session."""

    def count(_missing: list[str]) -> dict[str, dict[str, list[str]]]:
        sergeants, districts = outstanding_choices(session)
        return {CHOICES_KEY: {"sergeants": sergeants, "districts": districts}}

    body = summaries.stored(session, [CHOICES_KEY], count)[CHOICES_KEY]
    return body["sergeants"], body["districts"]


# The sergeant's side: what is put to them.


@dataclass(frozen=True)
class Item:
    """One outstanding referral put to a person: theirs, or of someone they supervise."""

    referral_id: int
    nccu_reference: str
    referred_at: datetime
    incident_ref: str
    debrief_id: int
    sergeant: str
    yours: bool
    chase: ChaseView


PUT_TO_KEY = f"{summaries.RECONCILE}:put_to:"  # and a digest of the team and the window


def put_to(session: Session, user: User, window_hours: int, *, keep: bool = True) -> list[Item]:
    """Return the outstanding referrals put to this person, oldest first: those matched to
    their debriefs and to the debriefs of the people they supervise. Read once a page: the
    start page and the header's count both ask (`db.once_per_transaction`).

    `keep`: keep what is worked out (`_kept_put_to`), which commits the session: not where
    the request goes on to write what it decides from what it read before (a POST)."""
    return once_per_transaction(
        session,
        (put_to, user.id, window_hours),
        lambda: _kept_put_to(session, user, window_hours, keep),
    )


def _kept_put_to(session: Session, user: User, window_hours: int, keep: bool) -> list[Item]:
    """`_put_to`'s answer, which referrals are put to the team and through which event and
    debrief, kept with the lists' counts (summaries.py) while no change marks them stale;
    the referrals' references, times and chases, and the team's names, are read afresh.

    Working it out took 14 ms of every page a sergeant opens (the header counts what is
    put to them), more than the rest of the trivial page. Where the request has written
    something (a form sent back with errors), or is not to keep it, what is kept is only
    read (`peek`)."""
    team = _team(session, user)
    digest = hashlib.sha256(f"{window_hours}:{sorted(team)}".encode()).hexdigest()[:20]
    key = PUT_TO_KEY + digest

    def work_out(_missing: list[str] | None = None) -> dict[str, dict[str, Any]]:
        matched = _put_to(session, window_hours, team)
        return {key: {"items": [list(row) for row in matched]}}

    if not keep or holds_uncommitted_writes(session):
        body = summaries.peek(session, key) or work_out()[key]
    else:
        body = summaries.stored(session, [key], work_out)[key]
    return _items(session, [tuple(row) for row in body["items"]], team, user)


def _team(session: Session, user: User) -> dict[int, str]:
    """Return the person and those they supervise, by id, with their names."""
    team = {
        u.id: u.display_name
        for u in session.scalars(select(User).where(User.supervisor_id == user.id))
    }
    team[user.id] = user.display_name
    return team


def _items(
    session: Session, matched: list[tuple[int, str, int, int]], team: dict[int, str], user: User
) -> list[Item]:
    """Return the Items of referrals put to the team (referral, incident reference, debrief,
    its sergeant), with each referral's reference, time and chase as they are now."""
    if not matched:
        return []
    referrals = {
        row.id: row
        for row in session.execute(
            select(NccuReferral.id, NccuReferral.nccu_reference, NccuReferral.referred_at)
            .add_columns(IntelDocChase)
            .outerjoin(IntelDocChase, IntelDocChase.referral_id == NccuReferral.id)
            .where(NccuReferral.id.in_([m[0] for m in matched]))
        )
    }
    result = [
        Item(
            referral_id,
            referrals[referral_id].nccu_reference,
            referrals[referral_id].referred_at,
            incident_ref,
            debrief_id,
            team[host_id],
            host_id == user.id,
            view_of(False, referrals[referral_id].IntelDocChase),
        )
        for referral_id, incident_ref, debrief_id, host_id in matched
        if referral_id in referrals and host_id in team
    ]
    return sorted(result, key=lambda i: (i.referred_at, i.referral_id))


def _put_to(
    session: Session, window_hours: int, team: dict[int, str]
) -> list[tuple[int, str, int, int]]:
    """Work out which referrals not received are put to the team: (referral, incident
    reference, debrief, its sergeant) for each.

    Reads first the referrals not received that could match one of their events (by the
    event's NCCU reference or one typed in a debrief, its incident reference, or a
    reviewer's match: subqueries, not lists), then only the events those could match,
    so a start page or the header's count reads a handful of events, not every event
    the team ever debriefed. A fixed number of statements, whatever the team holds."""
    # The team's events, read once per statement (a CTE: each statement names them often).
    team_events = select(Debrief.event_id).where(Debrief.host_id.in_(list(team))).cte("team_events")
    theirs = select(team_events.c.event_id)
    norm = reconcile.normalised_in_sql
    answered = reconcile._references_answered(session, team)  # typed where the record has none
    typed = answered.with_only_columns(norm(reconcile.answer_text(session)))
    # Each way a referral could match looked up by its own index (a UNION): as one OR,
    # SQLite read every referral not received (9,000 at 100,000) to test each.
    could = union(
        select(NccuReferral.id).where(
            NccuReferral.nccu_reference.in_(
                select(norm(Event.nccu_reference)).where(
                    Event.id.in_(theirs), Event.nccu_reference.is_not(None)
                )
            )
        ),
        select(NccuReferral.id).where(NccuReferral.nccu_reference.in_(typed)),
        select(NccuReferral.id).where(
            NccuReferral.force_reference.in_(
                select(norm(Event.incident_ref)).where(Event.id.in_(theirs))
            )
        ),
        select(NccuReferral.id).where(NccuReferral.event_id.in_(theirs)),
    )
    rows = session.execute(
        select(*reconcile.REFERRAL_COLUMNS).where(
            NccuReferral.intel_doc_received.is_(False), NccuReferral.id.in_(could)
        )
    ).all()
    if not rows:
        return []
    fields = [c.key for c in reconcile.REFERRAL_COLUMNS]
    candidates = [Referral(**{name: row._mapping[name] for name in fields}) for row in rows]
    # The NCCU reference belongs to an event of someone outside the team: asked of the
    # few candidates' references only (asked of every referral, PostgreSQL read all
    # 100,000 events to answer it: half the sergeant's header count).
    others = set(
        session.scalars(
            select(Event.nccu_reference).where(
                Event.nccu_reference.in_({row.nccu_reference for row in rows}),
                Event.id.not_in(theirs),
            )
        )
    )
    # Only the team's events a candidate could match: each loaded whole, so the match
    # (the earliest event holding a reference) is the one a full read would make.
    references = {reconcile._norm(r.nccu_reference) for r in candidates}
    incidents = {reconcile._norm(r.force_reference) for r in candidates if r.force_reference}
    typed_events = select(Debrief.event_id).where(
        Debrief.id.in_(
            answered.with_only_columns(Answer.debrief_id).where(
                norm(reconcile.answer_text(session)).in_(references)
            )
        )
    )
    # From the team's few hundred events, each looked up by its key (their ids as a list:
    # asked through the subquery, the OR below made PostgreSQL read every event).
    could_match = select(Event.id).where(
        Event.id.in_(session.scalars(theirs).all()),
        Event.id.in_([r.event_id for r in candidates if r.event_id is not None])
        | norm(Event.nccu_reference).in_(references)
        | norm(Event.incident_ref).in_(incidents)
        | Event.id.in_(typed_events),
    )
    events = reconcile.load_events(session, event_ids=could_match)
    # A reviewer's confirmed match to someone else's event wins over a reference.
    candidates = [
        r for r in candidates if not (r.match_status == "confirmed" and r.event_id not in events)
    ]
    found = []
    for match in reconcile.match_all(candidates, events, window_hours):
        debrief = match.debrief
        if match.event is None or debrief is None or debrief.host_id not in team:
            continue
        if match.how == "force_reference" and match.referral.nccu_reference in others:
            continue  # the NCCU reference belongs to another event
        found.append((match.referral.id, match.event.incident_ref, debrief.id, debrief.host_id))
    return found


def people_who_may_be_put_to(session: Session) -> set[int]:
    """Return the accounts `put_to` may find something for: the sergeants holding a
    debrief of an event that a referral not received could match (by `put_to`'s own
    conditions, force-wide), and their supervisors. One statement each; the digest then
    asks `put_to` only about them, rather than about every account."""
    norm = reconcile.normalised_in_sql
    waiting = select(NccuReferral.id).where(NccuReferral.intel_doc_received.is_(False))
    not_received = NccuReferral.intel_doc_received.is_(False)
    references = select(NccuReferral.nccu_reference).where(not_received)
    answered = reconcile._references_answered(session)
    events = select(Event.id).where(
        Event.id.in_(select(NccuReferral.event_id).where(not_received))
        | norm(Event.nccu_reference).in_(references)
        | norm(Event.incident_ref).in_(select(NccuReferral.force_reference).where(not_received))
        | Event.id.in_(
            select(Debrief.event_id).where(
                Debrief.id.in_(
                    answered.with_only_columns(Answer.debrief_id).where(
                        norm(reconcile.answer_text(session)).in_(references)
                    )
                )
            )
        )
    )
    if session.scalar(select(waiting.exists())) is not True:
        return set()
    hosts = set(
        session.scalars(select(Debrief.host_id).where(Debrief.event_id.in_(events)).distinct())
    )
    hosts.discard(None)
    supervisors = (
        set(session.scalars(select(User.supervisor_id).where(User.id.in_(list(hosts))).distinct()))
        if hosts
        else set()
    )
    return hosts | {s for s in supervisors if s is not None}


def may_record(user: User, debrief: Debrief) -> bool:
    """Tell whether this person may record the document's submission for this debrief:
    its sergeant, their supervisor, or the hub."""
    if not can(user, Permission.RECORD_INTEL_DOC):
        return False
    if debrief.host_id == user.id or can(user, Permission.REVIEW):
        return True
    return debrief.host is not None and debrief.host.supervisor_id == user.id


def matched_item(
    session: Session, referral: NccuReferral, debrief: Debrief, window_hours: int
) -> Item | None:
    """Return the referral as put to this debrief's sergeant, or None when the referral is
    not (or no longer) an outstanding one matched to this debrief."""
    # (read on the POST that records the submission, before it writes: nothing kept)
    for item in put_to(session, debrief.host, window_hours, keep=False):
        if item.referral_id == referral.id and item.debrief_id == debrief.id:
            return item
    return None


def time_problem(submitted_at: datetime, reported_at: datetime, now: datetime) -> str | None:
    """Say what is wrong with a submission time (naive UTC), or None."""
    if submitted_at < reported_at.replace(second=0, microsecond=0):
        return (
            "The date and time it was submitted must be the same as or after the event was "
            f"reported ({format_local(reported_at)})"
        )
    if submitted_at > now + FUTURE_TOLERANCE:
        return "The date and time it was submitted must not be in the future"
    return None


def record_submission(
    session: Session,
    actor: Actor,
    referral: NccuReferral,
    debrief: Debrief,
    *,
    submitted_at: datetime,
    route: str,
    submitted_by: str,
) -> IntelDocChase:
    """Record that the force submitted the document: the referral awaits the NCCU's next
    list, and the debrief's record of the document says when and how, whatever state the
    debrief is in (a closed one stays closed)."""
    if route not in ROUTES:
        raise ValueError(f"unknown route {route!r}")
    user = actor.account
    chase = session.scalar(select(IntelDocChase).where(IntelDocChase.referral_id == referral.id))
    if chase is None:
        chase = IntelDocChase(referral_id=referral.id)
        session.add(chase)
    now = utcnow()
    chase.debrief_id = debrief.id
    chase.state = AWAITING
    chase.route = route
    chase.submitted_at = submitted_at
    chase.submitted_by = submitted_by
    chase.recorded_by_id = user.id
    chase.recorded_at = now
    chase.flagged_at = chase.closed_at = chase.batch_id = None
    apply_to_record(debrief, chase)
    add_history(
        session,
        debrief,
        user,
        "intel_doc",
        f"Intelligence document for {referral.nccu_reference} recorded as submitted "
        f"{format_local(submitted_at)}, {ROUTE_LABELS[route].lower()}, by {submitted_by}. "
        "Awaiting the NCCU's list.",
    )
    audit.record(
        session,
        actor,
        audit.Category.ALTERATION,
        "intel_doc.submission_recorded",
        object_type="debrief",
        object_id=debrief.id,
        details={
            "nccu_reference": referral.nccu_reference,
            "route": route,
            "submitted_at": submitted_at.isoformat(timespec="minutes"),
            "debrief_state": str(debrief.state),
        },
    )
    session.flush()
    return chase


def apply_to_record(debrief: Debrief, chase: IntelDocChase) -> None:
    """Set the debrief's one record of the document (recommendation2.py) from a chase."""
    debrief.intel_doc_route = chase.route
    debrief.intel_doc_submitted_at = chase.submitted_at
    debrief.intel_doc_submitted = True if debrief.event.nccu_referral_made else None


def latest_for_debrief(session: Session, debrief_id: int) -> IntelDocChase | None:
    """Return the latest recorded submission for a debrief's referral, if any."""
    return session.scalar(
        select(IntelDocChase)
        .where(IntelDocChase.debrief_id == debrief_id)
        .order_by(IntelDocChase.recorded_at.desc(), IntelDocChase.id.desc())
        .limit(1)
    )


# The NCCU's side: what each imported list says.


def after_import(
    session: Session, batch: ImportBatch, listed: Mapping[str, bool], actor: Actor
) -> dict[str, int]:
    """Move chases on by what a just-applied NCCU list says; return how many moved.

    `listed` is every valid row of the list (reference: received), unchanged rows too:
    a list that still says "not received" says something. A referral not on the list,
    or on a rejected row, is left as it was."""
    now = batch.applied_at or utcnow()
    session.execute(
        update(NccuReferral)
        .where(NccuReferral.intel_doc_received.is_(True), NccuReferral.receipt_listed_at.is_(None))
        .values(receipt_listed_at=now)
        .execution_options(synchronize_session=False)
    )
    moved = {CLOSED: 0, FLAGGED: 0}
    rows = session.execute(
        select(IntelDocChase, NccuReferral.nccu_reference)
        .join(NccuReferral, NccuReferral.id == IntelDocChase.referral_id)
        .where(IntelDocChase.state.in_((AWAITING, FLAGGED)))
    ).all()
    when = format_local(now, with_time=False)
    for chase, reference in rows:
        if reference not in listed:
            continue
        debrief = session.get(Debrief, chase.debrief_id)
        if debrief is None:
            continue
        if listed[reference]:
            chase.state, chase.closed_at, chase.batch_id = CLOSED, now, batch.id
            summary = (
                f"The NCCU list imported {when} says the intelligence document for "
                f"{reference} was received. Chase closed."
            )
        elif chase.state == AWAITING and chase.recorded_at <= now:
            chase.state, chase.flagged_at, chase.batch_id = FLAGGED, now, batch.id
            summary = (
                f"The NCCU list imported {when} still says the intelligence document for "
                f"{reference} was not received; the force says it was submitted on "
                f"{format_local(chase.submitted_at, with_time=False)}. Put back to the sergeant."
            )
        else:
            continue
        moved[chase.state] += 1
        add_history(session, debrief, actor.user, "intel_doc", summary)
        audit.record(
            session,
            actor,
            audit.Category.COMBINATION,
            f"intel_doc.chase.{chase.state}",
            object_type="debrief",
            object_id=debrief.id,
            details={"nccu_reference": reference, "import_batch": batch.id},
        )
    return moved


def latest_list(session: Session) -> ImportBatch | None:
    """Return the NCCU list the figures are as of: the last one applied."""
    return session.scalar(
        select(ImportBatch)
        .where(ImportBatch.kind == "nccu", ImportBatch.status == "applied")
        .order_by(ImportBatch.applied_at.desc(), ImportBatch.id.desc())
        .limit(1)
    )


# The dashboard's figure.


def confirmed_at(received_at: datetime | None, listed_at: datetime | None) -> datetime | None:
    """Return when receipt was confirmed: the list's own date, else when it was first
    listed as received."""
    return received_at or listed_at


RECEIPT_DEFINITION = (
    "Days to confirmed receipt: for referrals the NCCU's list marks received, the days from "
    "the referral to the date the list gives for receipt, or, where it gives none, to the "
    "import of the first list that marked it received. The median, by the month of referral; "
    "referrals still outstanding are not counted."
)


@dataclass(frozen=True)
class ReceiptDays:
    """Days from referral to confirmed receipt, for referrals made in one month."""

    month: date
    received: int
    median_days: float | None


@dataclass(frozen=True)
class ReceiptFigures:
    """Median days from referral to confirmed receipt: by month of referral, and overall."""

    months: list[ReceiptDays]
    received: int
    median_days: float | None


def receipt_elapsed(session: Session, start: datetime, stop: datetime) -> dict[date, list[float]]:
    """Return, by UK month of referral, the days from referral to confirmed receipt of each
    referral made in [start, stop) that the NCCU's list marks received."""
    days: dict[date, list[float]] = defaultdict(list)
    for referred_at, received_at, listed_at in session.execute(
        select(
            NccuReferral.referred_at,
            NccuReferral.intel_doc_received_at,
            NccuReferral.receipt_listed_at,
        ).where(
            NccuReferral.intel_doc_received.is_(True),
            NccuReferral.referred_at >= start,
            NccuReferral.referred_at < stop,
        )
    ):
        confirmed = confirmed_at(received_at, listed_at)
        if confirmed is None:
            continue
        # The list's dates are days (local midnight): one on the day of referral is 0.
        elapsed = (confirmed - referred_at).total_seconds() / 86400
        days[local_month(referred_at)].append(max(0.0, elapsed))
    return days


def receipt_figures(days: Mapping[date, Sequence[float]], months: Iterable[date]) -> ReceiptFigures:
    """Return the medians of `receipt_elapsed`'s days, for each month and for them all."""
    runs = {month: days.get(month, ()) for month in months}
    rows = [
        ReceiptDays(month, len(run), summaries.median_days([run])) for month, run in runs.items()
    ]
    return ReceiptFigures(
        rows, sum(row.received for row in rows), summaries.median_days(runs.values())
    )


def receipt_days(
    session: Session, start: datetime, stop: datetime, months: Iterable[date]
) -> ReceiptFigures:
    """Return the median days from referral to confirmed receipt, by month of referral,
    for referrals made in [start, stop) that the NCCU's list marks received."""
    return receipt_figures(receipt_elapsed(session, start, stop), months)
