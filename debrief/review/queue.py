"""The hub's review queue: filters, sorting, paging and counts as select() builders.

Flask-free. A page of the queue costs the same number of queries whatever its
size: the total and the page's ids (one statement on SQLite, two on PostgreSQL),
then their rows (sergeant, assignee and themes joined in). The event facts it
filters and sorts on are the debrief's copies of them (`Debrief.event_district`
and the like, kept by triggers), so no query here reads the events.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from functools import cached_property, lru_cache
from typing import Any, NamedTuple
from urllib.parse import urlencode

from sqlalchemy import Connection, Select, bindparam, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from ..models import Debrief, DebriefTheme, Event, User
from ..periods import ReviewTarget
from ..references import MAX_SEARCH, MIN_SEARCH, key_starts_with, query_key
from ..text_input import MAX_PAGE, DateProblem, parse_day, parse_iso_day, whole_number_or_none
from ..timeutil import from_local, local_today
from ..vocabulary import EVENT_TYPES
from ..workflow import AWAITING_HUB, QUEUE_STATES, State

# States a reviewer may filter on: everything but drafts, which the hub never sees.
FILTER_STATES = (State.SUBMITTED, State.IN_REVIEW, State.RETURNED, State.CLOSED)
# What the queue lists unless states are chosen: what waits for the hub, the dashboard's
# "waiting for the hub" (a returned debrief waits for its sergeant: a filter of its own).
DEFAULT_STATES = tuple(s for s in QUEUE_STATES if s in AWAITING_HUB)
# The assignment filter's choices ("" for anyone).
ASSIGNED_CHOICES = {"me": "Assigned to me", "unassigned": "Unassigned"}

Host = aliased(User, name="host")
Assignee = aliased(User, name="assignee")


def _name(user) -> Any:
    return func.coalesce(func.nullif(user.full_name, ""), user.username)


# Keyed by the stored strings: case() binds its keys without the column's type.
_STATE_ORDER = case(
    {state.value: index for index, state in enumerate(FILTER_STATES)}, value=Debrief.state
)
# Event types sort by the label people see, not the stored id.
_EVENT_TYPE_ORDER = case(
    {value: index for index, value in enumerate(sorted(EVENT_TYPES, key=EVENT_TYPES.__getitem__))},
    value=Debrief.event_type,
    else_=len(EVENT_TYPES),
)
_THEME_COUNT = (
    select(func.count())
    .where(DebriefTheme.debrief_id == Debrief.id)
    .correlate(Debrief)
    .scalar_subquery()
)
# Sortable columns: name -> (expression, may be null). "age" sorts by submission, reversed.
# Every state the queue lists has been submitted, so the submission time is never null
# there: saying NULLS LAST anyway kept PostgreSQL from reading (state, submitted_at)
# backwards, a full sort of the closed debriefs for newest first (17.9 ms, issue 9).
SORT_COLUMNS: dict[str, tuple[Any, bool]] = {
    "number": (Event.incident_ref, False),  # the Reference column: the incident reference
    "event_date": (Debrief.event_reported_at, False),
    "district": (Debrief.event_district, False),
    "event_type": (_EVENT_TYPE_ORDER, False),
    "sergeant": (_name(Host), False),
    "submitted": (Debrief.submitted_at, False),
    "age": (Debrief.submitted_at, False),
    "themes": (_THEME_COUNT, False),
    "assignee": (_name(Assignee), True),
    "state": (_STATE_ORDER, False),
}
REVERSED_SORTS = frozenset({"age"})
DEFAULT_SORT = ("submitted", "asc")  # oldest first


@dataclass(frozen=True)
class QueueFilter:
    """What the reviewer asked for; it lives in the URL so it can be bookmarked."""

    states: tuple[str, ...] = ()  # empty: the queue states
    districts: tuple[str, ...] = ()
    event_types: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    event_from: date | None = None
    event_to: date | None = None
    assigned: str = ""  # "", "me" or "unassigned"
    intel_doc_not_submitted: bool = False
    # An incident or NCCU reference, whole or its last characters (references.py).
    search: str = ""
    sort: str = DEFAULT_SORT[0]
    direction: str = DEFAULT_SORT[1]
    page: int = 1
    errors: dict[str, str] = field(default_factory=dict, compare=False)
    # The date boxes as typed ({"from": (day, month, year)}), to show them back.
    typed_dates: dict[str, tuple[str, str, str]] = field(default_factory=dict, compare=False)

    @property
    def effective_states(self) -> tuple[str, ...]:
        """Return the states to list: those chosen; for a search every state the hub sees
        (a reference names one debrief, wherever it is); else what waits for the hub."""
        if self.states:
            return self.states
        return FILTER_STATES if self.search else DEFAULT_STATES

    def date_parts(self, name: str) -> tuple[str, str, str]:
        """Return the day, month and year boxes of the 'from' or 'to' date, as typed."""
        if name in self.typed_dates:
            return self.typed_dates[name]
        day = self.event_from if name == "from" else self.event_to
        return (str(day.day), str(day.month), str(day.year)) if day else ("", "", "")

    @property
    def is_filtered(self) -> bool:
        """Tell whether anything narrows the default queue."""
        return self.with_page(1).without_sort() != QueueFilter()

    def with_page(self, page: int) -> QueueFilter:
        """Return the same filter on another page."""
        return replace(self, page=page)

    def without_sort(self) -> QueueFilter:
        """Return the same filter in the default order."""
        return replace(self, sort=DEFAULT_SORT[0], direction=DEFAULT_SORT[1])

    def sorted_by(self, column: str) -> QueueFilter:
        """Return the filter sorted by a column, flipping direction if already sorted by it."""
        if column == self.sort:
            direction = "desc" if self.direction == "asc" else "asc"
        else:
            direction = "asc"
        return replace(self, sort=column, direction=direction, page=1)

    def to_args(self, include_page: bool = True) -> list[tuple[str, str]]:
        """Return the filter as URL query pairs (only what differs from the default)."""
        page = self.page if include_page else 1
        return self._filter_pairs() + _rest_pairs(self.sort, self.direction, page)

    def _filter_pairs(self) -> list[tuple[str, str]]:
        pairs: list[tuple[str, str]] = []
        if self.search:
            pairs.append(("q", self.search))
        pairs += [("state", s) for s in self.states]
        pairs += [("district", d) for d in self.districts]
        pairs += [("event_type", e) for e in self.event_types]
        pairs += [("theme", t) for t in self.themes]
        for name, day in (("from", self.event_from), ("to", self.event_to)):
            if day:  # the three boxes, as the form sends them
                pairs += [(name, str(day.day)), (name, str(day.month)), (name, str(day.year))]
        if self.assigned:
            pairs.append(("assigned", self.assigned))
        if self.intel_doc_not_submitted:
            pairs.append(("intel_doc", "not_submitted"))
        return pairs

    @cached_property
    def _filter_query(self) -> str:
        return urlencode(self._filter_pairs())

    def query_string(self) -> str:
        """Return the filter as a URL query ("" for the default queue): `to_args`, encoded."""
        return _query(self._filter_query, self.sort, self.direction, self.page)

    def sorted_by_query(self, column: str) -> str:
        """Return the query string of `sorted_by(column)`.

        The queue links to itself a score of times a page (sort headings, pages):
        the filter is encoded once, not for each link (issue 9).
        """
        linked = self.sorted_by(column)
        return _query(self._filter_query, linked.sort, linked.direction, 1)

    def page_query(self, page: int) -> str:
        """Return the query string of `with_page(page)`."""
        return _query(self._filter_query, self.sort, self.direction, page)


def _rest_pairs(sort: str, direction: str, page: int) -> list[tuple[str, str]]:
    """Return the query pairs after the filter's: the order, then the page (if not 1)."""
    pairs = [] if (sort, direction) == DEFAULT_SORT else [("sort", sort), ("direction", direction)]
    return pairs + ([("page", str(page))] if page != 1 else [])


def _query(filter_query: str, sort: str, direction: str, page: int) -> str:
    rest = urlencode(_rest_pairs(sort, direction, page))
    return "&".join(part for part in (filter_query, rest) if part)


def parse_filter(
    args: Any, districts: Sequence[str], event_types: Mapping[str, str], theme_ids: Sequence[str]
) -> QueueFilter:
    """Read a filter from URL arguments (a MultiDict); drop unknown values, note bad dates."""

    def chosen(name: str, allowed) -> tuple[str, ...]:
        return tuple(dict.fromkeys(v for v in args.getlist(name) if v in allowed))

    errors: dict[str, str] = {}
    typed: dict[str, tuple[str, str, str]] = {}
    search = " ".join(args.get("q", "").split())[:MAX_SEARCH]
    if search and len(query_key(search)) < MIN_SEARCH:
        errors["q"] = (
            f"Enter at least {MIN_SEARCH} letters or digits of the incident or NCCU reference"
        )
    event_from = _parse_date(args.getlist("from"), "from", "The ‘from’ date", errors, typed)
    event_to = _parse_date(args.getlist("to"), "to", "The ‘to’ date", errors, typed)
    if event_from and event_to and event_from > event_to:
        errors["to"] = "The ‘to’ date must be the same as or after the ‘from’ date"
        typed["to"] = (str(event_to.day), str(event_to.month), str(event_to.year))
        event_to = None
    sort = args.get("sort", DEFAULT_SORT[0])
    direction = args.get("direction", "asc")
    page = whole_number_or_none(args.get("page")) or 1
    return QueueFilter(
        states=chosen("state", {s.value for s in FILTER_STATES}),
        districts=chosen("district", set(districts)),
        event_types=chosen("event_type", set(event_types)),
        themes=chosen("theme", set(theme_ids)),
        event_from=event_from,
        event_to=event_to,
        assigned=args.get("assigned", "") if args.get("assigned") in ASSIGNED_CHOICES else "",
        intel_doc_not_submitted=args.get("intel_doc") == "not_submitted",
        search="" if "q" in errors else search,
        sort=sort if sort in SORT_COLUMNS else DEFAULT_SORT[0],
        direction=direction if direction in {"asc", "desc"} else "asc",
        page=min(page, MAX_PAGE),
        errors=errors,
        typed_dates=typed,
    )


def _parse_date(
    values: list[str],
    name: str,
    what: str,
    errors: dict[str, str],
    typed: dict[str, tuple[str, str, str]],
) -> date | None:
    """Read a date from the GOV.UK day, month and year boxes (three values), or from a
    bookmark of before them (one, 2025-06-14); note an error under the field's name."""
    if len(values) == 1 and values[0].strip():
        try:
            return parse_iso_day(values[0])
        except ValueError:
            errors[name] = f"{what} must be a real date"
            return None
    if len(values) != 3 or not any(v.strip() for v in values):
        return None
    day, month, year = values
    try:
        return parse_day(day, month, year, what=what)
    except DateProblem as problem:
        errors[name] = str(problem)
        typed[name] = (day, month, year)
        return None


def filtered(query: Select, qf: QueueFilter, user_id: int) -> Select:
    """Apply a filter's conditions to a select over Debrief."""
    if qf.search:
        # A search starts from the events whose reference ends so (a range of one of two
        # indexes each), then their debriefs by event: the state is checked on those few
        # rows, not used to walk every debrief the hub sees (lower() keeps SQLite's planner
        # from choosing the state index: p95 760 against 213 ms for a whole reference at
        # 100,000 debriefs, bench/queue_search.py).
        searched_state = func.lower(Debrief.state, type_=Debrief.state.type)
        query = query.where(searched_state.in_(qf.effective_states))
    else:
        query = query.where(Debrief.state.in_(qf.effective_states))
    if qf.search:
        # The events whose reference ends so: a range of one of two indexes each.
        key = query_key(qf.search)
        query = query.where(
            Debrief.event_id.in_(
                select(Event.id).where(
                    or_(
                        key_starts_with(Event.incident_key, key),
                        key_starts_with(Event.nccu_key, key),
                    )
                )
            )
        )
    if qf.districts:
        query = query.where(Debrief.event_district.in_(qf.districts))
    if qf.event_types:
        query = query.where(Debrief.event_type.in_(qf.event_types))
    if qf.themes:
        # Key columns only: the lookup reads one index alone (theme first, migration 0007).
        query = query.where(
            select(DebriefTheme.debrief_id)
            .where(DebriefTheme.debrief_id == Debrief.id, DebriefTheme.theme_id.in_(qf.themes))
            .exists()
        )
    if qf.event_from:
        query = query.where(
            Debrief.event_reported_at >= from_local(datetime.combine(qf.event_from, time()))
        )
    if qf.event_to:
        end = datetime.combine(qf.event_to + timedelta(days=1), time())
        query = query.where(Debrief.event_reported_at < from_local(end))
    if qf.assigned == "me":
        query = query.where(Debrief.assignee_id == user_id)
    elif qf.assigned == "unassigned":
        query = query.where(Debrief.assignee_id.is_(None))
    if qf.intel_doc_not_submitted:
        query = query.where(Debrief.intel_doc_submitted.is_(False))
    return query


def matching_ids(qf: QueueFilter, user_id: int) -> Select:
    """Return a select of the ids of every debrief the filter matches (for bulk actions)."""
    return filtered(select(Debrief.id), qf, user_id)


def count(session: Session | Connection, qf: QueueFilter, user_id: int) -> int:
    """Return how many debriefs the filter matches."""
    return session.scalar(filtered(select(func.count(Debrief.id)), qf, user_id)) or 0


def _sort_order(qf: QueueFilter) -> list[Any]:
    """Return the ORDER BY of a page: the chosen column, then the number as a tiebreak."""
    column, nullable = SORT_COLUMNS[qf.sort]
    descending = (qf.direction == "desc") != (qf.sort in REVERSED_SORTS)
    order = column.desc() if descending else column.asc()
    if nullable:
        order = order.nulls_last()
    return [order, Debrief.id.desc() if descending else Debrief.id.asc()]


def page_ids_query(qf: QueueFilter, user_id: int, page_size: int) -> Select:
    """Return a select of one page's debrief ids in order.

    Only ids are sorted, so the sort moves narrow rows. How the total is counted
    alongside: see `_page_ids_and_total`.
    """
    query = select(Debrief.id)
    if qf.sort == "number":
        query = query.join(Event, Debrief.event_id == Event.id)
    elif qf.sort == "sergeant":
        query = query.join(Host, Debrief.host_id == Host.id)
    elif qf.sort == "assignee":
        query = query.outerjoin(Assignee, Debrief.assignee_id == Assignee.id)
    return (
        filtered(query, qf, user_id)
        .order_by(*_sort_order(qf))
        .limit(page_size)
        .offset((qf.page - 1) * page_size)
    )


# Each debrief's themes in one string, "children+,training-": confirmed (+) or not (-).
_THEMES_TEXT = (
    select(
        func.aggregate_strings(
            DebriefTheme.theme_id + case((DebriefTheme.confirmed, "+"), else_="-"), ","
        )
    )
    .where(DebriefTheme.debrief_id == Debrief.id)
    .correlate(Debrief)
    .scalar_subquery()
)


def _split_themes(text: str | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Read `_THEMES_TEXT` back: the (suggested, confirmed) theme ids, each sorted.

    The markers sort below any character of an id, so sorting the items sorts the ids.
    """
    items = sorted(item for item in text.split(",") if item) if text else []
    suggested = tuple(item[:-1] for item in items if item[-1] == "-")
    return suggested, tuple(item[:-1] for item in items if item[-1] == "+")


# What the queue shows of each debrief, as plain columns, for the ids given as "ids".
# Built once: building it cost a third of a millisecond a page (issue 9).
_ROWS = (
    select(
        Debrief.id,
        Debrief.state,
        Debrief.submitted_at,
        Debrief.event_reported_at.label("reported_at"),
        Debrief.event_district.label("district"),
        Debrief.event_type,
        _name(Host).label("sergeant"),
        _name(Assignee).label("assignee"),
        _THEMES_TEXT.label("themes"),
        Event.incident_ref,
        Event.nccu_reference,
    )
    .join(Event, Debrief.event_id == Event.id)
    .join(Host, Debrief.host_id == Host.id)
    .outerjoin(Assignee, Debrief.assignee_id == Assignee.id)
    .where(Debrief.id.in_(bindparam("ids", expanding=True)))
)


class QueueRow(NamedTuple):
    """One debrief as the queue shows it: plain values, no ORM objects to build.

    A named tuple: fifty a page are made four times faster than frozen dataclasses.
    """

    id: int
    state: State
    submitted_at: datetime | None
    reported_at: datetime
    district: str
    event_type: str
    sergeant: str
    assignee: str | None
    age: int | None  # working days since last submitted
    overdue: bool
    suggested: tuple[str, ...]  # theme ids suggested and not yet confirmed
    confirmed: tuple[str, ...]
    incident_ref: str = ""
    nccu_reference: str | None = None


@dataclass(frozen=True)
class QueuePage:
    """One page of the queue with what paging needs."""

    rows: list[QueueRow]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        """Return how many pages the filter fills (at least one)."""
        return max(1, -(-self.total // self.page_size))

    @property
    def first(self) -> int:
        """Return the position of the first row shown (1-based; 0 when empty)."""
        return 0 if not self.rows else (self.page - 1) * self.page_size + 1

    @property
    def last(self) -> int:
        """Return the position of the last row shown."""
        return self.first + len(self.rows) - 1 if self.rows else 0


def _page_ids_and_total(
    connection: Connection, qf: QueueFilter, user_id: int, page_size: int
) -> tuple[list[int], int]:
    """Return one page's ids in order and how many debriefs the filter matches.

    SQLite counts in the same pass as the sort, which has to visit every match
    anyway: half the work for a district or theme (4.3 against 2.4 ms at 100,000
    debriefs, issue 9). PostgreSQL counts apart, because a window count there keeps
    the planner from stopping at the page's last row: all closed debriefs 12.5 ms
    against 49.6 ms, closed debriefs with a theme 21.9 against 141.6 ms.
    """
    counted = connection.dialect.name == "sqlite"
    rows = connection.execute(_page_statement(qf, user_id, page_size, counted)).all()
    if counted and rows:
        return [row[0] for row in rows], rows[0][1]
    # PostgreSQL; or an empty page (past the end, or no match) with no row to carry the total.
    return [row[0] for row in rows], count(connection, qf, user_id)


@lru_cache(maxsize=512)
def _page_statement(qf: QueueFilter, user_id: int, page_size: int, counted: bool) -> Select:
    """Return the page's ids query (with the window count if `counted`), built once per
    filter: reviewers reopen the same few views all day, and building one cost a quarter
    of a millisecond a page (issue 9). The filter is immutable, so is the statement."""
    query = page_ids_query(qf, user_id, page_size)
    return query.add_columns(func.count().over()) if counted else query


def load_page(
    session: Session,
    qf: QueueFilter,
    user_id: int,
    *,
    page_size: int,
    target: ReviewTarget,
    today: date | None = None,
) -> QueuePage:
    """Return one page of the queue: rows with their age in working days, and the total.

    The same statements whatever the page size: the page's ids and the total, then
    their rows with their themes. Plain rows through the connection: no ORM objects.
    """
    today = today or local_today()
    connection = session.connection()
    ids, total = _page_ids_and_total(connection, qf, user_id, page_size)
    shown = {row.id: row for row in connection.execute(_ROWS, {"ids": ids})} if ids else {}
    rows = []
    for debrief_id in ids:
        row = shown[debrief_id]
        age = target.age(row.submitted_at, today)
        suggested, confirmed = _split_themes(row.themes)
        rows.append(
            QueueRow(
                id=debrief_id,
                state=row.state,
                submitted_at=row.submitted_at,
                reported_at=row.reported_at,
                district=row.district,
                event_type=row.event_type,
                sergeant=row.sergeant,
                assignee=row.assignee,
                age=age,
                overdue=target.is_overdue(row.state, age),
                suggested=suggested,
                confirmed=confirmed,
                incident_ref=row.incident_ref,
                nccu_reference=row.nccu_reference,
            )
        )
    return QueuePage(rows=rows, total=total, page=qf.page, page_size=page_size)


def queue_count(session: Session, user_id: int) -> int:
    """Return how many debriefs the default queue lists (for the header link)."""
    return count(session, QueueFilter(), user_id)
