"""What waits for a person (issue 20), Flask-free: the one set of rules that the
Notifications page, the header's count and the daily email digest all read.

Nothing is stored: each item is worked out from the state of the debriefs, the chase
and the actions, so it goes as soon as it is dealt with. The kinds:

- `returned`: debriefs the hub returned to their sergeant;
- `intel_doc`: intelligence documents the NCCU's list says are outstanding on their
  debriefs, or on those of the people they supervise (compliance/chasing.put_to);
- `undebriefed`: their draft debriefs of events reported more than DEBRIEF_DUE_DAYS ago
  that nobody has submitted a debrief of (the reconciliation's due days);
- `review_overdue`: for the hub, debriefs waiting past the review target
  (periods.ReviewTarget, the queue's rule);
- `action_due`: open follow-up actions they own (as the person, a member of the owning
  team, or, for a partner agency's action, the hub member who raised it) that are
  overdue or due within ACTION_WORKING_DAYS working days.

The count costs two statements whatever the size of the database (one of counts, and
the chase's few when the person may record a document), so the header can show it on
every page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select, union_all
from sqlalchemy.orm import Session, aliased

from ..compliance import chasing
from ..models import Debrief, Event, FollowUpAction, TeamMembership, User
from ..periods import ReviewTarget, working_days_after
from ..roles import Permission, can
from ..timeutil import format_local, local_today, utcnow
from ..workflow import AWAITING_HUB, State

RETURNED = "returned"
INTEL_DOC = "intel_doc"
UNDEBRIEFED = "undebriefed"
REVIEW_OVERDUE = "review_overdue"
ACTION_DUE = "action_due"
KINDS = (RETURNED, INTEL_DOC, UNDEBRIEFED, REVIEW_OVERDUE, ACTION_DUE)
# What each kind is called, one and many: the page's headings and the email's lines
# (the email says only these and counts, never what the items are about).
KIND_NAMES: dict[str, tuple[str, str]] = {
    RETURNED: ("debrief returned to you", "debriefs returned to you"),
    INTEL_DOC: ("intelligence document outstanding", "intelligence documents outstanding"),
    UNDEBRIEFED: (
        "event with no debrief submitted after the due days",
        "events with no debrief submitted after the due days",
    ),
    REVIEW_OVERDUE: (
        "debrief waiting past the review target",
        "debriefs waiting past the review target",
    ),
    ACTION_DUE: (
        "follow-up action due soon or overdue",
        "follow-up actions due soon or overdue",
    ),
}
# The header counts no further than this ("99+").
HEADER_CAP = 99
# A follow-up action is brought up this many working days before it is due.
ACTION_WORKING_DAYS = 3


def kind_phrase(kind: str, count: int) -> str:
    """Say a count of one kind in words: "1 debrief returned to you"."""
    one, many = KIND_NAMES[kind]
    return f"{count:,} {one if count == 1 else many}"


@dataclass(frozen=True)
class Rules:
    """The settings the rules read, taken once from the configuration."""

    due_days: int
    target: ReviewTarget
    window_hours: int
    division: str

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Rules:
        return cls(
            due_days=config["DEBRIEF_DUE_DAYS"],
            target=ReviewTarget.from_config(config),
            window_hours=config["NCCU_MATCH_WINDOW_HOURS"],
            division=config["BANK_HOLIDAY_DIVISION"],
        )


@dataclass(frozen=True)
class Item:
    """One thing waiting for a person, and the page where it is dealt with.

    `endpoint` and `args` name that page (None: it is dealt with outside the service,
    for example an action owned by someone who does not review). `text` is for the
    page only: emails never carry it."""

    kind: str
    item_id: int
    text: str
    endpoint: str | None
    args: tuple[tuple[str, int], ...] = ()
    overdue: bool = False


@dataclass
class Waiting:
    """What waits for one person: how many of each kind, and the items (the first
    `limit` of each kind where a limit was asked for)."""

    counts: dict[str, int] = field(default_factory=dict)
    items: dict[str, list[Item]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def all_items(self) -> list[Item]:
        return [item for kind in KINDS for item in self.items.get(kind, [])]


@dataclass(frozen=True)
class _Clock:
    now: datetime
    today: date


def _clock(now: datetime | None, today: date | None) -> _Clock:
    return _Clock(now or utcnow(), today or local_today())


# --- the rules, one select each ------------------------------------------------------------


def _returned(user: User | None) -> Select:
    query = select(Debrief.id).where(
        Debrief.state == State.RETURNED,
        Debrief.disposed_at.is_(None),
    )
    return query if user is None else query.where(Debrief.host_id == user.id)


def _undebriefed(user: User | None, rules: Rules, clock: _Clock) -> Select:
    submitted = aliased(Debrief)
    cutoff = clock.now - timedelta(days=rules.due_days)
    query = select(Debrief.id).where(
        Debrief.state == State.DRAFT,
        Debrief.disposed_at.is_(None),
        Debrief.event_reported_at <= cutoff,  # the event's, copied (migration 0006)
        ~select(submitted.id)
        .where(submitted.event_id == Debrief.event_id, submitted.state != State.DRAFT)
        .exists(),
    )
    return query if user is None else query.where(Debrief.host_id == user.id)


def _review_overdue(rules: Rules, clock: _Clock) -> Select:
    return select(Debrief.id).where(
        Debrief.state.in_(AWAITING_HUB),
        Debrief.submitted_at < rules.target.overdue_before(clock.today),
        Debrief.disposed_at.is_(None),
    )


def _action_due_by(rules: Rules, clock: _Clock) -> date:
    return working_days_after(clock.today, ACTION_WORKING_DAYS, rules.division)


def _owners(user: User | None) -> list[Select]:
    """Select (person told, action) for each way an action is owned: the person; each
    member of the owning team; for a partner agency (no account), the hub member who
    raised it. Of one person where given."""
    action = FollowUpAction
    ways = [
        (action.owner_user_id, select(action.owner_user_id, action.id), "person"),
        (
            TeamMembership.user_id,
            select(TeamMembership.user_id, action.id).join(
                TeamMembership, TeamMembership.team_id == action.owner_team_id
            ),
            "team",
        ),
        (action.created_by_id, select(action.created_by_id, action.id), "agency"),
    ]
    return [
        query.where(action.owner_kind == kind)
        if user is None
        else query.where(action.owner_kind == kind, told == user.id)
        for told, query, kind in ways
    ]


def _action_is_due(rules: Rules, clock: _Clock) -> list[Any]:
    return [
        FollowUpAction.status == "open",
        FollowUpAction.due_date <= _action_due_by(rules, clock),
        Debrief.state != State.DRAFT,
    ]


def _actions_due(user: User, rules: Rules, clock: _Clock) -> Select:
    action = FollowUpAction
    # Three selects, each read from its own index, rather than one OR over three columns
    # (which reads every open action: 26 ms at 100,000 debriefs, against under 1 ms).
    owned = union_all(*(query.with_only_columns(action.id) for query in _owners(user)))
    return (
        select(action.id)
        .join(Debrief, Debrief.id == action.debrief_id)
        .where(action.id.in_(owned), *_action_is_due(rules, clock))
    )


def _selects(user: User, rules: Rules, clock: _Clock) -> dict[str, Select]:
    """Return the select of item ids of each kind this person may be told of."""
    selects: dict[str, Select] = {}
    if can(user, Permission.DEBRIEF_HOST):
        selects[RETURNED] = _returned(user)
        selects[UNDEBRIEFED] = _undebriefed(user, rules, clock)
    if can(user, Permission.REVIEW):
        selects[REVIEW_OVERDUE] = _review_overdue(rules, clock)
    selects[ACTION_DUE] = _actions_due(user, rules, clock)
    return selects


def _may_be_chased(user: User) -> bool:
    return can(user, Permission.RECORD_INTEL_DOC)


def _chased(session: Session, user: User, rules: Rules) -> list[chasing.Item]:
    """The outstanding documents put to this person that still need them to act."""
    return [
        item
        for item in chasing.put_to(session, user, rules.window_hours)
        if item.chase.needs_action
    ]


# --- reading them ---------------------------------------------------------------------------


def count(
    session: Session,
    user: User,
    rules: Rules,
    *,
    now: datetime | None = None,
    today: date | None = None,
) -> int:
    """Return how many things wait for this person (the header's count), counting no
    further than HEADER_CAP + 1: the header says "99+" beyond, so a hub's backlog of
    thousands costs what a handful does.

    One statement of counts (a scalar subquery per kind), plus the chase's own few
    for people who may be put outstanding documents."""
    clock = _clock(now, today)
    selects = _selects(user, rules, clock)
    counted = select(
        *(
            select(func.count())
            .select_from(query.order_by(None).limit(HEADER_CAP + 1).subquery())
            .scalar_subquery()
            for query in selects.values()
        )
    )
    total = sum(session.execute(counted).one())
    if total <= HEADER_CAP and _may_be_chased(user):
        total += len(_chased(session, user, rules))
    return min(total, HEADER_CAP + 1)


def count_label(count: int) -> str:
    """Say the header's count: "3", or "99+" past the cap."""
    return f"{HEADER_CAP}+" if count > HEADER_CAP else str(count)


def ids_for(
    session: Session,
    user: User,
    rules: Rules,
    *,
    now: datetime | None = None,
    today: date | None = None,
) -> dict[str, list[int]]:
    """Return the ids of what waits for this person, by kind, and nothing else (the email
    digest's read: no references to fetch or dates to word)."""
    clock = _clock(now, today)
    found = {
        kind: list(session.scalars(query.order_by(None)))
        for kind, query in _selects(user, rules, clock).items()
    }
    if _may_be_chased(user):
        found[INTEL_DOC] = [c.referral_id for c in _chased(session, user, rules)]
    return {kind: ids for kind, ids in found.items() if ids}


def ids_for_everyone(
    session: Session,
    people: list[User],
    rules: Rules,
    *,
    now: datetime | None = None,
    today: date | None = None,
) -> dict[int, dict[str, list[int]]]:
    """Return what `ids_for` returns for each of these people, by account id, read once
    for them all (the email digest's read): one select per kind with the person's id as
    a column, the hub's overdue list read once for every reviewer, and the chase's read
    only for people whose team holds a debrief of an event an outstanding referral could
    match (chasing.people_who_may_be_put_to). The same selects as `ids_for`, without the
    person's condition: a test checks the two agree for every person."""
    clock = _clock(now, today)
    found: dict[int, dict[str, list[int]]] = {person.id: {} for person in people}
    hosts = {p.id for p in people if can(p, Permission.DEBRIEF_HOST)}

    def add(kind: str, rows: Any, told: set[int]) -> None:
        for user_id, item_id in rows:
            if user_id in told:
                found[user_id].setdefault(kind, []).append(item_id)

    if hosts:
        for kind, query in (
            (RETURNED, _returned(None)),
            (UNDEBRIEFED, _undebriefed(None, rules, clock)),
        ):
            add(kind, session.execute(query.with_only_columns(Debrief.host_id, Debrief.id)), hosts)
    reviewers = [p.id for p in people if can(p, Permission.REVIEW)]
    if reviewers:
        overdue = list(session.scalars(_review_overdue(rules, clock)))
        for user_id in reviewers:
            if overdue:
                found[user_id][REVIEW_OVERDUE] = list(overdue)
    owned = union_all(*_owners(None)).subquery()
    user_col, action_col = owned.c
    add(
        ACTION_DUE,
        session.execute(
            select(user_col, FollowUpAction.id)
            .join(FollowUpAction, FollowUpAction.id == action_col)
            .join(Debrief, Debrief.id == FollowUpAction.debrief_id)
            .where(*_action_is_due(rules, clock))
        ),
        set(found),
    )
    chased = [p for p in people if _may_be_chased(p)]
    if chased:
        may_be_put_to = chasing.people_who_may_be_put_to(session)
        for person in chased:
            if person.id in may_be_put_to:
                ids = [c.referral_id for c in _chased(session, person, rules)]
                if ids:
                    found[person.id][INTEL_DOC] = ids
    return found


def waiting_for(
    session: Session,
    user: User,
    rules: Rules,
    *,
    limit: int | None = None,
    now: datetime | None = None,
    today: date | None = None,
) -> Waiting:
    """Return what waits for this person, kind by kind, oldest first.

    `limit` caps the items read of each kind (the page shows the first few of a hub's
    long list and links to the queue); the counts are always whole."""
    clock = _clock(now, today)
    selects = _selects(user, rules, clock)
    result = Waiting()
    if RETURNED in selects:
        rows = session.execute(
            _with_event(selects[RETURNED], Debrief.updated_at).limit(limit)
        ).all()
        result.items[RETURNED] = [
            Item(RETURNED, r.id, f"{r.incident_ref}: returned to you by the hub",
                 "debriefs.overview", (("debrief_id", r.id),))
            for r in rows
        ]  # fmt: skip
    if _may_be_chased(user):
        result.items[INTEL_DOC] = [
            Item(
                INTEL_DOC,
                c.referral_id,
                f"{c.nccu_reference} ({c.incident_ref}, referred "
                f"{format_local(c.referred_at, with_time=False)})"
                + ("" if c.yours else f", debriefed by {c.sergeant}")
                + f": {c.chase.label}",
                "compliance.record_submission",
                (("referral_id", c.referral_id), ("debrief_id", c.debrief_id)),
                overdue=c.chase.state == chasing.FLAGGED,
            )
            for c in _chased(session, user, rules)
        ]
    if UNDEBRIEFED in selects:
        rows = session.execute(
            _with_event(selects[UNDEBRIEFED], Event.reported_at).limit(limit)
        ).all()
        result.items[UNDEBRIEFED] = [
            Item(
                UNDEBRIEFED,
                r.id,
                f"{r.incident_ref}: reported {format_local(r.reported_at, with_time=False)}, "
                f"no debrief submitted after {rules.due_days} days",
                "debriefs.overview",
                (("debrief_id", r.id),),
                overdue=True,
            )
            for r in rows
        ]
    if REVIEW_OVERDUE in selects:
        rows = session.execute(
            _with_event(selects[REVIEW_OVERDUE], Debrief.submitted_at).limit(limit)
        ).all()
        result.items[REVIEW_OVERDUE] = [
            Item(
                REVIEW_OVERDUE,
                r.id,
                f"{r.incident_ref}: submitted {format_local(r.submitted_at, with_time=False)}, "
                f"waiting more than {rules.target.working_days} working days",
                "review.show",
                (("debrief_id", r.id),),
                overdue=True,
            )
            for r in rows
        ]
    may_edit = can(user, Permission.REVIEW)
    rows = session.execute(
        selects[ACTION_DUE]
        .add_columns(FollowUpAction.due_date, FollowUpAction.owner, Event.incident_ref)
        .join(Event, Event.id == Debrief.event_id)
        .order_by(FollowUpAction.due_date, FollowUpAction.id)
        .limit(limit)
    ).all()
    result.items[ACTION_DUE] = [
        Item(
            ACTION_DUE,
            r.id,
            f"Action for {r.owner} on {r.incident_ref}: "
            + (
                f"overdue since {format_local_date(r.due_date)}"
                if r.due_date < clock.today
                else f"due {format_local_date(r.due_date)}"
            ),
            "review.edit_action" if may_edit else None,
            (("action_id", r.id),) if may_edit else (),
            overdue=r.due_date < clock.today,
        )
        for r in rows
    ]
    if limit is None:
        result.counts = {kind: len(items) for kind, items in result.items.items()}
    else:
        counted = select(
            *(
                select(func.count()).select_from(query.subquery()).scalar_subquery()
                for query in selects.values()
            )
        )
        result.counts = dict(zip(selects, session.execute(counted).one(), strict=True))
        if INTEL_DOC in result.items:
            result.counts[INTEL_DOC] = len(result.items[INTEL_DOC])
    return result


def _with_event(query: Select, order: Any) -> Select:
    """Add the event's reference and times to a select of debrief ids, oldest first."""
    return (
        query.add_columns(Event.incident_ref, Event.reported_at, Debrief.submitted_at)
        .join(Event, Event.id == Debrief.event_id)
        .order_by(order, Debrief.id)
    )


def format_local_date(day: date) -> str:
    """Say a date as the service does: 5 December 2026."""
    return f"{day.day} {day:%B %Y}"
