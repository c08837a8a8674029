"""The review queue's select() builders: filters that combine, sort by each column, paging."""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import urlencode

import pytest
from werkzeug.datastructures import MultiDict

from debrief.periods import ReviewTarget, working_days_between
from debrief.review import queue
from debrief.vocabulary import EVENT_TYPES
from tests.factories import make_user
from tests.review_helpers import other_reviewer, queued, sergeants, tag

THEMES = ["intel_doc_missing", "children", "nccu_access", "training"]
TODAY = date(2025, 7, 1)


def dashboard_queue_health(db):
    """The dashboard's queue figures (scale may rewrite their query; they must still agree)."""
    from debrief.compliance import dashboard

    return dashboard._queue(
        db, datetime(2025, 1, 1), datetime(2026, 1, 1), ReviewTarget(5, "england-and-wales"), TODAY
    )


# The states the queue listed by default before issue 21: waiting for the hub, and returned.
OPEN = ("submitted", "in_review", "returned")


@pytest.fixture
def known(app, db):
    """Four queued debriefs (A-D), a closed one and a draft, and the reviewer 'me'."""
    me = make_user(["hub_reviewer"], username="hub-me", full_name="Test Me")
    other = other_reviewer()
    cara, alan = sergeants()
    a = queued(
        cara,
        district="North",
        event_type="hgv_concealment",
        reported=datetime(2025, 6, 2, 9),
        submitted=datetime(2025, 6, 3, 10),
        intel_doc=False,
    )
    b = queued(
        alan,
        state="in_review",
        district="South",
        event_type="small_boat",
        reported=datetime(2025, 6, 5, 9),
        submitted=datetime(2025, 6, 20, 10),
        assignee=other,
        incident_ref="INC-20250501-0099",  # made second, first by reference
    )
    c = queued(
        make_user(["sergeant"], username="sgt-c", full_name="Bea Bell"),
        state="returned",
        district="East",
        event_type="lorry_drop",
        reported=datetime(2025, 6, 1, 9),
        submitted=datetime(2025, 6, 10, 10),
        intel_doc=False,
        assignee=me,
    )
    d = queued(
        make_user(["sergeant"], username="sgt-d", full_name="Dan Dunn"),
        district="Central",
        event_type="premises",
        reported=datetime(2025, 6, 9, 9),
        submitted=datetime(2025, 6, 15, 10),
    )
    closed = queued(
        cara,
        state="closed",
        district="North",
        reported=datetime(2025, 6, 3, 9),
        submitted=datetime(2025, 6, 4, 9),
        intel_doc=False,
    )
    draft = queued(cara, state="draft", district="North", intel_doc=False)
    tag(a, "intel_doc_missing")
    tag(c, "intel_doc_missing", "children", confirmed=True)
    tag(c, "nccu_access")
    tag(d, "children", "training")
    ids = {"A": a.id, "B": b.id, "C": c.id, "D": d.id, "closed": closed.id, "draft": draft.id}
    return me, ids


def _ids(db, qf, me, **kwargs):
    page = queue.load_page(
        db,
        qf,
        me.id,
        page_size=kwargs.get("page_size", 50),
        target=ReviewTarget(5, "england-and-wales"),
        today=TODAY,
    )
    return page


def _letters(page, ids):
    names = {v: k for k, v in ids.items()}
    return [names[row.id] for row in page.rows]


def test_default_queue_lists_waiting_debriefs_oldest_first_and_never_drafts(db, known):
    me, ids = known
    page = _ids(db, queue.QueueFilter(), me)
    # What waits for the hub: C, returned to its sergeant, is a filter of its own (issue 21).
    assert _letters(page, ids) == ["A", "D", "B"]
    assert page.total == 3
    returned = _ids(db, queue.QueueFilter(states=("returned",)), me)
    assert _letters(returned, ids) == ["C"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({"district": "North"}, ["A"]),
        ({"state": ["closed"], "district": "North"}, ["closed"]),
        ({"state": ["submitted", "returned"]}, ["A", "C", "D"]),
        ({"state": ["draft"]}, ["A", "D", "B"]),  # drafts cannot be asked for
        ({"event_type": "small_boat"}, ["B"]),
        ({"theme": "children", "state": OPEN}, ["C", "D"]),  # suggested or confirmed
        ({"theme": "nccu_access", "state": OPEN}, ["C"]),
        ({"from": "2025-06-02", "to": "2025-06-05"}, ["A", "B"]),
        ({"from": ["2", "6", "2025"], "to": ["5", "6", "2025"]}, ["A", "B"]),  # GOV.UK boxes
        ({"from": "2025-06-09"}, ["D"]),
        ({"to": "2025-06-01", "state": OPEN}, ["C"]),
        ({"assigned": "me", "state": OPEN}, ["C"]),
        ({"assigned": "unassigned"}, ["A", "D"]),
        ({"intel_doc": "not_submitted"}, ["A"]),
        ({"intel_doc": "not_submitted", "state": OPEN}, ["A", "C"]),
        ({"intel_doc": "not_submitted", "district": "East", "state": ["returned"]}, ["C"]),
        (
            {
                "intel_doc": "not_submitted",
                "state": ["submitted", "in_review", "returned", "closed"],
            },
            ["A", "closed", "C"],
        ),
        ({"theme": "children", "assigned": "unassigned"}, ["D"]),
        ({"district": "West"}, []),
    ],
)
def test_filters_combine(db, known, args, expected):
    me, ids = known
    qf = queue.parse_filter(
        MultiDict(args), ["North", "South", "East", "West", "Central"], EVENT_TYPES, THEMES
    )
    page = _ids(db, qf, me)
    assert _letters(page, ids) == expected
    assert page.total == len(expected)
    assert queue.count(db, qf, me.id) == len(expected)


@pytest.mark.parametrize(
    ("column", "ascending"),
    [
        ("number", ["B", "A", "C", "D"]),  # the Reference column: by incident reference
        ("event_date", ["C", "A", "B", "D"]),
        ("district", ["D", "C", "A", "B"]),
        # by label: HGV..., People found after a lorry drop, Premises, Small boat...
        ("event_type", ["A", "C", "D", "B"]),
        ("sergeant", ["B", "C", "A", "D"]),  # Alan Ash, Bea Bell, Cara Cole, Dan Dunn
        ("submitted", ["A", "C", "D", "B"]),
        ("age", ["B", "D", "C", "A"]),  # youngest first
        ("themes", ["B", "A", "D", "C"]),  # 0, 1, 2, 3 themes
        ("state", ["A", "D", "B", "C"]),  # submitted, in review, returned
    ],
)
def test_sort_by_each_column_both_ways(db, known, column, ascending):
    me, ids = known
    qf = queue.QueueFilter(states=tuple(OPEN), sort=column, direction="asc")
    assert _letters(_ids(db, qf, me), ids) == ascending
    qf = queue.QueueFilter(states=tuple(OPEN), sort=column, direction="desc")
    assert _letters(_ids(db, qf, me), ids) == list(reversed(ascending))


def test_sort_by_assignee_puts_unassigned_last_both_ways(db, known):
    me, ids = known
    asc = _letters(_ids(db, queue.QueueFilter(OPEN, sort="assignee", direction="asc"), me), ids)
    desc = _letters(_ids(db, queue.QueueFilter(OPEN, sort="assignee", direction="desc"), me), ids)
    assert asc == ["C", "B", "A", "D"]  # Test Me, Zed Other, then unassigned
    assert desc == ["B", "C", "D", "A"]


def test_rows_carry_age_in_working_days_overdue_and_themes(db, known):
    me, ids = known
    rows = {row.id: row for row in _ids(db, queue.QueueFilter(OPEN), me).rows}
    a, b, c = rows[ids["A"]], rows[ids["B"]], rows[ids["C"]]
    assert a.age == 20 and a.overdue  # 3 June to 1 July 2025: four working weeks
    assert b.age == 7 and b.overdue  # Fri 20 June to Tue 1 July
    assert c.age == 15 and not c.overdue  # returned: the hub is not the one waiting
    assert set(c.confirmed) == {"intel_doc_missing", "children"}
    assert c.suggested == ("nccu_access",)
    assert a.suggested == ("intel_doc_missing",) and a.confirmed == ()


def test_paging_splits_the_filter_and_counts_it(db, known):
    me, ids = known
    first = _ids(db, queue.QueueFilter(OPEN), me, page_size=3)
    second = _ids(db, queue.QueueFilter(OPEN).with_page(2), me, page_size=3)
    assert _letters(first, ids) == ["A", "C", "D"] and _letters(second, ids) == ["B"]
    assert (first.pages, first.first, first.last) == (2, 1, 3)
    assert (second.first, second.last, second.total) == (4, 4, 4)


def test_a_page_past_the_end_is_empty_but_still_knows_the_total(db, known):
    """An old bookmark to page 9: no rows, and the count to page back from."""
    me, ids = known
    past = _ids(db, queue.QueueFilter(OPEN).with_page(9), me, page_size=3)
    assert past.rows == [] and past.total == 4 and past.pages == 2
    nothing = _ids(db, queue.QueueFilter(districts=("Nowhere",)), me, page_size=3)
    assert nothing.rows == [] and nothing.total == 0


def test_queue_count_for_the_header_is_the_default_queue(db, known):
    me, _ = known
    # What waits for the hub, as the dashboard counts it: not C, returned to its sergeant.
    assert queue.queue_count(db, me.id) == 3
    health = dashboard_queue_health(db)
    assert health.awaiting_hub == 3 and health.open == 4


def test_filter_round_trips_through_the_url():
    qf = queue.QueueFilter(
        states=("submitted", "closed"),
        districts=("North",),
        event_types=("small_boat",),
        themes=("children",),
        event_from=date(2025, 6, 1),
        event_to=date(2025, 6, 30),
        assigned="me",
        intel_doc_not_submitted=True,
        search="0042",
        sort="district",
        direction="desc",
        page=3,
    )
    parsed = queue.parse_filter(MultiDict(qf.to_args()), ["North"], EVENT_TYPES, THEMES)
    assert parsed == qf
    assert queue.QueueFilter().to_args() == []
    assert not queue.QueueFilter().is_filtered and qf.is_filtered


@pytest.mark.parametrize(
    "qf",
    [
        queue.QueueFilter(),
        queue.QueueFilter(page=4),
        queue.QueueFilter(districts=("North",), sort="district", direction="desc", page=2),
        queue.QueueFilter(themes=("children", "nccu_access"), event_from=date(2025, 6, 1)),
    ],
)
def test_link_queries_are_the_linked_filters_encoded(qf):
    assert qf.query_string() == urlencode(qf.to_args())
    for column in queue.SORT_COLUMNS:
        assert qf.sorted_by_query(column) == urlencode(qf.sorted_by(column).to_args())
    for page in (1, 2, 9):
        assert qf.page_query(page) == urlencode(qf.with_page(page).to_args())


def test_bad_dates_and_unknown_values_are_dropped_with_a_message():
    qf = queue.parse_filter(
        MultiDict(
            {
                "from": "2025-02-30",
                "to": "yesterday",
                "district": "Atlantis",
                "sort": "password",
                "direction": "sideways",
                "page": "-4",
                "assigned": "x",
            }
        ),
        ["North"],
        EVENT_TYPES,
        THEMES,
    )
    assert qf.event_from is None and qf.event_to is None
    assert "real date" in qf.errors["from"] and "real date" in qf.errors["to"]
    assert (qf.districts, qf.sort, qf.direction, qf.page, qf.assigned) == (
        (),
        "submitted",
        "asc",
        1,
        "",
    )
    backwards = queue.parse_filter(
        MultiDict({"from": "2025-06-10", "to": "2025-06-01"}), [], EVENT_TYPES, THEMES
    )
    assert "after" in backwards.errors["to"]


@pytest.mark.parametrize(
    ("start", "end", "division", "days"),
    [
        (date(2025, 6, 3), date(2025, 6, 3), "england-and-wales", 0),
        (date(2025, 6, 6), date(2025, 6, 9), "england-and-wales", 1),  # Fri -> Mon
        (date(2025, 6, 7), date(2025, 6, 8), "england-and-wales", 0),  # a weekend
        (date(2025, 12, 24), date(2025, 12, 29), "england-and-wales", 1),  # Christmas
        (date(2025, 12, 31), date(2026, 1, 5), "england-and-wales", 2),  # 1 Jan only
        (date(2025, 12, 31), date(2026, 1, 5), "scotland", 1),  # 1 and 2 Jan
        (date(2025, 8, 22), date(2025, 8, 26), "england-and-wales", 1),  # August bank holiday
        (date(2025, 8, 22), date(2025, 8, 26), "scotland", 2),  # not a holiday in Scotland
    ],
)
def test_working_days_skip_weekends_and_the_division_bank_holidays(start, end, division, days):
    assert working_days_between(start, end, division) == days
