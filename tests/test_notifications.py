"""What waits for each person (issue 20 part 2): the rules, the Notifications page and the
header's count, which does not grow with the database."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import select

from debrief.extensions import db_session
from debrief.models import AuditEntry, Debrief, FollowUpAction, User
from debrief.notifications import items
from debrief.timeutil import local_today
from tests.factories import DEFAULT_PASSWORD, make_debrief, make_event, make_user
from tests.notify_helpers import at, build
from tests.test_queue_queries import counting

THURSDAY = date(2026, 12, 3)


def _rules(app) -> items.Rules:
    return items.Rules.from_config(app.config)


def _ids(app, db, user, today=THURSDAY) -> dict[str, list[int]]:
    waiting = items.waiting_for(db, db.get(User, user.id), _rules(app), now=at(today), today=today)
    return {k: [i.item_id for i in v] for k, v in waiting.items.items() if v}


def test_each_person_sees_what_waits_for_them_and_nothing_else(app, db):
    world = build(db, THURSDAY)
    assert _ids(app, db, world.sergeant) == {
        "returned": [world.returned],
        "undebriefed": [world.undebriefed],
        "action_due": [world.action_person],  # the one due in 40 days and the done one: no
    }
    assert _ids(app, db, world.member) == {"action_due": [world.action_team]}  # their team's
    # The hub: debriefs past the review target, and the partner agency's action it raised.
    assert _ids(app, db, world.hub) == {
        "review_overdue": [world.overdue],
        "action_due": [world.action_agency],
    }
    assert _ids(app, db, world.supervisor) == {}
    assert _ids(app, db, world.lead) == {}
    for person in (world.sergeant, world.member, world.hub, world.supervisor, world.lead):
        expected = sum(len(v) for v in _ids(app, db, person).values())
        user = db.get(User, person.id)
        assert items.count(db, user, _rules(app), now=at(THURSDAY), today=THURSDAY) == expected


def test_an_action_is_due_three_working_days_ahead_over_christmas(app, db):
    """Thursday 24 December 2026: Christmas Day, the weekend and the Boxing Day holiday
    (Monday 28th) are not working days, so three working days reach Thursday 31st."""
    world = build(db, THURSDAY)
    action = db.get(FollowUpAction, world.action_person)
    christmas_eve = date(2026, 12, 24)
    action.due_date = date(2026, 12, 31)
    db.commit()
    assert world.action_person in _ids(app, db, world.sergeant, christmas_eve)["action_due"]
    action.due_date = date(2027, 1, 4)
    db.commit()
    assert "action_due" not in _ids(app, db, world.sergeant, christmas_eve)


def test_the_review_target_is_the_queues_working_days(app, db):
    """Submitted on Monday 30 November: 5 working days later (7 December) it is on time,
    the day after it is overdue, as the queue says."""
    hub = make_user(["hub_reviewer"], username="hub")
    debrief = make_debrief(
        make_user(["sergeant"], username="sgt"),
        state="in_review",
        submitted_at=at(date(2026, 11, 30), 15),
    )
    assert _ids(app, db, hub, date(2026, 12, 7)) == {}
    assert _ids(app, db, hub, date(2026, 12, 8)) == {"review_overdue": [debrief.id]}


def test_items_go_when_they_are_dealt_with(app, db):
    world = build(db, THURSDAY)
    make_debrief(
        world.sergeant,
        state="submitted",
        event=db_session().get(Debrief, world.undebriefed).event,
        submitted_at=at(THURSDAY),
    )  # the event now has a submitted debrief
    db.commit()
    db.get(Debrief, world.returned).state = "submitted"  # resubmitted
    db.get(FollowUpAction, world.action_person).status = "done"
    db.get(Debrief, world.overdue).state = "closed"
    db.commit()
    assert _ids(app, db, world.sergeant) == {}
    assert _ids(app, db, world.hub) == {"action_due": [world.action_agency]}


def _sign_in(client, username):
    client.post("/sign-out")
    response = client.post("/sign-in", data={"username": username, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def test_the_page_lists_each_item_with_a_link_to_where_it_is_dealt_with(app, client, db):
    world = build(db, local_today())
    _sign_in(client, "sgt-ash")
    page = _text(client.get("/notifications/"))
    assert "Notifications (3)" in page  # the header's count
    assert "1 debrief returned to you" in page
    assert f'href="/debriefs/{world.returned}"' in page
    assert f'href="/debriefs/{world.undebriefed}"' in page
    assert "no debrief submitted after 7 days" in page
    # A sergeant cannot open the hub's action page: the action is named, not linked.
    assert "Action for Sgt Ash" in page and "tell the hub when it is done" in page
    assert f"/review/actions/{world.action_person}" not in page

    _sign_in(client, "hub-dee")
    page = _text(client.get("/notifications/"))
    assert "Notifications (2)" in page
    assert f'href="/review/{world.overdue}"' in page
    assert "waiting more than 5 working days" in page
    assert f'href="/review/actions/{world.action_agency}"' in page

    _sign_in(client, "lead-eve")
    page = _text(client.get("/notifications/"))
    assert "Nothing is waiting for you." in page
    assert "Notifications (" not in page and ">Notifications<" in page


def test_the_hubs_long_list_shows_the_oldest_and_links_to_the_queue(app, client, db):
    hub = make_user(["hub_reviewer"], username="hub-dee")
    host = make_user(["sergeant"], username="sgt")
    old = at(local_today()) - timedelta(days=40)
    for n in range(23):
        make_debrief(
            host, state="submitted", submitted_at=old + timedelta(hours=n), suggest_themes=False
        )
    _sign_in(client, hub.username)
    page = _text(client.get("/notifications/"))
    assert "Notifications (23)" in page
    assert "23 debriefs waiting past the review target" in page
    assert "Showing the oldest 20 of 23." in page
    assert 'href="/review/">See them all in the review queue' in page.replace("?", "")


def test_the_header_count_costs_the_same_statements_however_much_waits(app, db):
    """The count runs on every page: a fixed number of statements, whatever the size."""
    world = build(db, THURSDAY)
    engine = db_session().get_bind()
    rules = _rules(app)

    def statements(user_id: int) -> int:
        session = db_session()
        user = session.get(User, user_id)
        with counting(engine) as seen:
            items.count(session, user, rules, now=at(THURSDAY), today=THURSDAY)
        session.rollback()
        return len(seen)

    few = {p.id: statements(p.id) for p in (world.sergeant, world.hub, world.lead)}
    for n in range(30):  # many more of every kind
        make_debrief(world.sergeant, state="returned", suggest_themes=False)
        make_debrief(
            world.sergeant,
            event=make_event(reported_at=at(THURSDAY) - timedelta(days=30 + n)),
            suggest_themes=False,
        )
        make_debrief(
            world.member,
            state="submitted",
            submitted_at=at(THURSDAY) - timedelta(days=50),
            suggest_themes=False,
        )
    many = {p.id: statements(p.id) for p in (world.sergeant, world.hub, world.lead)}
    assert many == few
    assert few[world.lead.id] == 1  # one statement of counts
    # plus the chase's few for those who may record a document, the first time (what is
    # put to them is then kept, chasing.put_to) ...
    assert max(few.values()) <= 12
    # ... and fewer while it is kept
    kept = {p.id: statements(p.id) for p in (world.sergeant, world.hub, world.lead)}
    assert max(kept.values()) <= 8
    assert kept[world.sergeant.id] < many[world.sergeant.id]


def test_the_page_and_count_are_not_audited_as_viewing_a_debrief(app, client, db):
    """The list names incidents but shows no debrief: nothing to record as a consultation."""
    build(db, local_today())
    _sign_in(client, "sgt-ash")
    before = db.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1))
    client.get("/notifications/")
    db.expire_all()
    after = db.scalars(select(AuditEntry).where(AuditEntry.id > before)).all()
    assert not [a for a in after if a.object_type == "debrief"]


def test_the_header_counts_no_further_than_99(app, db, monkeypatch):
    """Past the cap the header says "99+": a backlog of thousands costs what 100 do."""
    monkeypatch.setattr(items, "HEADER_CAP", 4)
    world = build(db, THURSDAY)
    for _ in range(5):
        make_debrief(world.sergeant, state="returned", suggest_themes=False)
    user = db.get(User, world.sergeant.id)
    count = items.count(db, user, _rules(app), now=at(THURSDAY), today=THURSDAY)
    assert count == 5 and items.count_label(count) == "4+"
    waiting = items.waiting_for(db, user, _rules(app), limit=20, now=at(THURSDAY), today=THURSDAY)
    assert waiting.counts["returned"] == 6  # the page counts them all


def test_a_sergeants_start_page_reads_the_documents_put_to_them_once(app, client, db):
    """The start page lists the outstanding documents and the header counts them: one read
    of the chase serves both (it was two, a third of the page at 100,000 debriefs), and
    once worked out, what is put to them is kept until a change marks it stale."""
    world = build(db, THURSDAY)
    client.post(
        "/sign-in", data={"username": world.sergeant.username, "password": DEFAULT_PASSWORD}
    )
    engine = db_session().get_bind()

    def chase_reads() -> tuple[int, int]:
        with counting(engine) as seen:
            page = client.get("/debriefs/")
        assert page.status_code == 200 and "Notifications" in page.get_data(as_text=True)
        worked_out = [s for s in seen if "team_events" in s and "nccu_referrals" in s]
        chases = [s for s in seen if "JOIN intel_doc_chases" in s]
        assert len(chases) <= 1  # the kept referrals' chases, where any are put to them
        return len(worked_out), len(chases)

    assert chase_reads()[0] == 1  # worked out once for the page and its header
    assert chase_reads()[0] == 0  # then kept (chasing.put_to) until a change marks it stale


def test_an_answer_kept_for_the_transaction_is_forgotten_once_anything_is_written(app, db):
    from debrief.db import once_per_transaction

    reads: list[int] = []

    def read() -> int:
        reads.append(1)
        return len(reads)

    assert once_per_transaction(db, "k", read) == 1
    assert once_per_transaction(db, "k", read) == 1  # kept
    make_user(["sergeant"], username="written-meanwhile")  # another session commits
    db.add(User(username="pending", full_name="Pending", password_hash="x", session_token="t"))
    assert once_per_transaction(db, "k", read) == 2  # unwritten changes: read afresh
    db.flush()
    assert once_per_transaction(db, "k", read) == 3  # forgotten at the flush
    assert once_per_transaction(db, "k", read) == 3
    db.rollback()
    assert once_per_transaction(db, "k", read) == 4  # and at the rollback
