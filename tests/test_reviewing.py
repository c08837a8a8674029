"""What a reviewer does to one debrief, Flask-free: themes, notes, actions, assignment, bulk."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from debrief.audit import Actor
from debrief.extensions import db_session
from debrief.models import Debrief, DebriefTheme, FollowUpAction, HistoryEntry, ReviewNote
from debrief.review import follow_up, reviewing
from debrief.workflow import NotPermitted, TransitionRefused
from tests.factories import make_debrief, make_user, real_question_set
from tests.review_helpers import other_reviewer, queued, tag


@pytest.fixture
def session(app, db):
    """The app's own session (the factories commit through it)."""
    return db_session()


@pytest.fixture
def people(session):
    """A sergeant, a reviewer, and a reviewer who also hosts debriefs (two roles)."""
    return (
        make_user(["sergeant"], username="sgt"),
        make_user(["hub_reviewer"], username="hub", full_name="Harper Hub"),
        make_user(["sergeant", "hub_reviewer"], username="both", full_name="Robin Both"),
    )


def _history(session, debrief_id):
    query = select(HistoryEntry).where(HistoryEntry.debrief_id == debrief_id)
    return list(session.scalars(query.order_by(HistoryEntry.id)))


def test_assigning_a_submitted_debrief_takes_it_into_review(session, people):
    sgt, hub, _ = people
    debrief = make_debrief(sgt, state="submitted")
    assert reviewing.assign_to_me(session, debrief, Actor(hub), seen=1)
    assert (debrief.state, debrief.assignee_id) == ("in_review", hub.id)
    assert not reviewing.assign_to_me(session, debrief, Actor(hub), seen=debrief.version)
    reviewing.release(session, debrief, Actor(hub), seen=debrief.version)
    assert debrief.assignee_id is None and debrief.state == "in_review"
    kinds = [(h.kind, h.summary) for h in _history(session, debrief.id)]
    assert kinds == [
        ("assignment", "Assigned to Harper Hub"),
        ("transition", "Submitted → In review"),
        ("assignment", "Released by Harper Hub"),
    ]


def test_taking_over_names_the_previous_assignee_and_release_is_only_your_own(session, people):
    sgt, hub, _ = people
    other = other_reviewer()
    debrief = queued(sgt, state="in_review", assignee=other)
    with pytest.raises(TransitionRefused):
        reviewing.release(session, debrief, Actor(hub), seen=debrief.version)
    reviewing.assign_to_me(session, debrief, Actor(hub), seen=debrief.version)
    assert _history(session, debrief.id)[-1].summary == (
        "Assigned to Harper Hub (taken over from Zed Other)"
    )


def test_themes_confirm_remove_and_add_from_the_debrief_question_set(session, people):
    sgt, hub, _ = people
    qs = real_question_set()
    debrief = make_debrief(
        sgt, state="in_review", answers={"intel_doc_submitted": "no", "risk_to_life": "yes"}
    )
    suggested = {t.theme_id for t in debrief.themes}
    assert suggested == {"intel_doc_missing", "risk_to_life"}
    v = debrief.version
    assert reviewing.confirm_theme(session, debrief, Actor(hub), qs, "intel_doc_missing", v)
    assert reviewing.remove_theme(session, debrief, Actor(hub), qs, "risk_to_life", v + 1)
    assert reviewing.confirm_theme(session, debrief, Actor(hub), qs, "training", v + 2)
    assert not reviewing.confirm_theme(session, debrief, Actor(hub), qs, "training", v + 3)
    with pytest.raises(reviewing.InvalidInput):
        reviewing.confirm_theme(session, debrief, Actor(hub), qs, "no_such_theme", v + 3)
    session.commit()
    rows = {t.theme_id: t for t in session.scalars(select(DebriefTheme))}
    assert set(rows) == {"intel_doc_missing", "training"}
    assert rows["intel_doc_missing"].suggested and rows["intel_doc_missing"].confirmed
    assert not rows["training"].suggested and rows["training"].confirmed_by_id == hub.id
    summaries = [h.summary for h in _history(session, debrief.id)]
    assert summaries == [
        "Confirmed suggested theme: Intelligence document missing or late",
        "Removed suggested theme: Risk to life and medical",
        "Added theme: Training and awareness",
    ]


def test_closed_debrief_themes_and_assignment_wait_for_a_reopen(session, people):
    sgt, hub, _ = people
    qs = real_question_set()
    debrief = make_debrief(sgt, state="closed")
    with pytest.raises(TransitionRefused, match="Reopen it first"):
        reviewing.confirm_theme(session, debrief, Actor(hub), qs, "training", debrief.version)
    with pytest.raises(TransitionRefused):
        reviewing.assign_to_me(session, debrief, Actor(hub), debrief.version)


def test_notes_are_kept_apart_and_the_history_does_not_repeat_them(session, people):
    sgt, hub, _ = people
    debrief = make_debrief(sgt, state="submitted")
    with pytest.raises(reviewing.InvalidInput):
        reviewing.add_note(session, debrief, Actor(hub), "   ", debrief.version)
    reviewing.add_note(
        session, debrief, Actor(hub), "Spoke to the NCCU duty officer.", debrief.version
    )
    session.commit()
    assert session.scalar(select(ReviewNote.text)) == "Spoke to the NCCU duty officer."
    assert [h.summary for h in _history(session, debrief.id)] == ["Added a reviewer note"]


def test_a_stale_version_is_refused_and_nothing_changes(session, people):
    sgt, hub, _ = people
    other = other_reviewer()
    debrief = make_debrief(sgt, state="submitted")
    seen = debrief.version
    reviewing.assign_to_me(session, debrief, Actor(other), seen)
    with pytest.raises(reviewing.StaleVersion) as raised:
        reviewing.decide(session, debrief, Actor(hub), "close", "", seen)
    assert (raised.value.seen, raised.value.current) == (seen, debrief.version)
    assert debrief.state == "in_review"


@pytest.mark.parametrize(
    "attempt",
    [
        lambda s, d, u, qs: reviewing.assign_to_me(s, d, u, d.version),
        lambda s, d, u, qs: reviewing.confirm_theme(s, d, u, qs, "training", d.version),
        lambda s, d, u, qs: reviewing.remove_theme(s, d, u, qs, "intel_doc_missing", d.version),
        lambda s, d, u, qs: reviewing.add_note(s, d, u, "Looks fine to me", d.version),
        lambda s, d, u, qs: reviewing.decide(s, d, u, "close", "", d.version),
        lambda s, d, u, qs: reviewing.decide(s, d, u, "return", "Add more", d.version),
        lambda s, d, u, qs: follow_up.create_action(
            s, d, u, follow_up.ActionInput("Chase NCCU", follow_up.Owner("agency", "nca"), None)
        ),
    ],
    ids=["assign", "confirm", "remove", "note", "close", "return", "action"],
)
def test_a_reviewer_never_acts_on_a_debrief_they_hosted(session, people, attempt):
    _, _, both = people
    debrief = make_debrief(both, state="submitted", answers={"intel_doc_submitted": "no"})
    with pytest.raises(NotPermitted, match="hosted yourself"):
        attempt(session, debrief, Actor(both), real_question_set())
    assert not reviewing.may_act(debrief, both)


AGENCY = follow_up.Owner("agency", "border_force")


def test_follow_up_actions_are_checked_created_and_updated_after_close(session, people):
    sgt, hub, both = people
    debrief = make_debrief(sgt, state="in_review")
    with pytest.raises(reviewing.InvalidInput) as bad:
        follow_up.create_action(
            session, debrief, Actor(hub), follow_up.ActionInput(" ", follow_up.Owner(""), None)
        )
    assert set(bad.value.errors) == {"description", "owner_kind"}
    action = follow_up.create_action(
        session,
        debrief,
        Actor(hub),
        follow_up.ActionInput("Brief the night shift", AGENCY, date(2025, 7, 1)),
    )
    session.flush()
    reviewing.decide(session, debrief, Actor(hub), "close", "", debrief.version)
    changed = follow_up.update_action(
        session,
        action,
        Actor(hub),
        follow_up.ActionInput(
            "Brief the night shift", AGENCY, date(2025, 7, 1), "done", "Briefed 30 June"
        ),
        seen=1,
    )
    assert changed == ["status", "outcome"] and action.version == 2
    with pytest.raises(reviewing.StaleVersion):
        follow_up.update_action(
            session, action, Actor(hub), follow_up.ActionInput("x", AGENCY, None), seen=1
        )
    with pytest.raises(NotPermitted):
        hosted = make_debrief(both, state="closed")
        follow_up.create_action(
            session, hosted, Actor(both), follow_up.ActionInput("x", AGENCY, None)
        )
    summaries = [h.summary for h in _history(session, debrief.id)]
    assert summaries[0] == "Raised a follow-up action for Border Force: Brief the night shift"
    assert (
        summaries[-1] == "Updated the follow-up action for Border Force: status, outcome (now done)"
    )


def test_open_actions_list_overdue_first_then_by_due_date_and_filter_by_owner(session, people):
    sgt, hub, _ = people
    debrief = make_debrief(sgt, state="closed")
    for owner, due, status in [
        ("Border Force", date(2025, 7, 20), "open"),
        ("Border Force", date(2025, 6, 20), "open"),
        ("NCA", None, "open"),
        ("NCA", date(2025, 6, 1), "done"),
        ("Local authority", date(2025, 7, 5), "open"),
    ]:
        session.add(
            FollowUpAction(
                debrief_id=debrief.id,
                description=f"{owner} {due}",
                owner=owner,
                due_date=due,
                status=status,
                created_by_id=hub.id,
            )
        )
    session.commit()
    items, total = follow_up.open_actions(session)  # on 1 July 2025
    assert [a.description for a in items] == [
        "Border Force 2025-06-20",  # overdue
        "Local authority 2025-07-05",
        "Border Force 2025-07-20",
        "NCA None",  # no date last
    ]
    assert total == 4
    items, total = follow_up.open_actions(session, owner="Border Force")
    assert total == 2 and {a.owner for a in items} == {"Border Force"}
    assert follow_up.owners_with_open_actions(session) == [
        "Border Force",
        "Local authority",
        "NCA",
    ]


def test_bulk_plan_says_what_will_change_and_why_not_the_rest(session, people):
    sgt, hub, both = people
    qs = real_question_set()
    mine = queued(sgt, assignee=hub)
    free = queued(sgt)
    returned = queued(sgt, state="returned")
    hosted = queued(hub)  # a reviewer who once hosted a debrief as a sergeant
    closed = queued(sgt, state="closed")
    tagged = queued(sgt)
    tag(tagged, "training", confirmed=True)
    ids = select(Debrief.id)
    plan = reviewing.plan_bulk(session, hub, "assign", ids, qs)
    assert (plan.selected, plan.hosted, plan.closed, plan.unchanged) == (6, 1, 1, 1)
    assert set(plan.to_change) == {free.id, returned.id, tagged.id}
    assert reviewing.apply_bulk(session, Actor(hub), plan) == 3
    session.commit()
    assert session.get(Debrief, free.id).state == "in_review"
    assert session.get(Debrief, returned.id).state == "returned"  # assignment alone
    assert session.get(Debrief, hosted.id).assignee_id is None
    plan = reviewing.plan_bulk(session, hub, "theme", ids, qs, "training")
    assert set(plan.to_change) == {mine.id, free.id, returned.id}
    assert reviewing.apply_bulk(session, Actor(hub), plan) == 3
    assert closed.id not in plan.to_change
    with pytest.raises(reviewing.InvalidInput):
        reviewing.plan_bulk(session, hub, "theme", ids, qs, "")
