"""The demo year of events and debriefs: realistic, valid on the question set, made once."""

from __future__ import annotations

from collections import Counter

from debrief.debriefs.answers import form_values, parse_answer
from debrief.debriefs.drafting import question_set_for
from debrief.debriefs.submitting import submission_problems
from debrief.demo.debriefs import EVENTS, create_sample_debriefs
from debrief.demo.site import DemoSite
from debrief.models import Answer, Debrief, DebriefTheme, Event, HistoryEntry, User
from debrief.timeutil import utcnow
from tests.factories import make_user


def _demo_accounts():
    for name, roles in (
        ("sergeant", ["sergeant"]),
        ("sergeant2", ["sergeant"]),
        ("hub", ["hub_reviewer"]),
    ):
        make_user(roles, username=name)


def test_demo_year_is_varied_valid_and_made_once(app, db):
    _demo_accounts()
    messages = []
    create_sample_debriefs(DemoSite.of(app, db), messages.append)
    create_sample_debriefs(DemoSite.of(app, db), messages.append)
    assert "none added" in messages[1]
    assert db.query(Event).count() == db.query(Debrief).count() == EVENTS

    debriefs = db.query(Debrief).all()
    states = Counter(d.state for d in debriefs)
    assert set(states) == {"draft", "submitted", "in_review", "returned", "closed"}
    assert states["closed"] > EVENTS / 2
    events = db.query(Event).all()
    assert len({e.district for e in events}) == len(app.config["DISTRICTS"])
    assert len({e.event_type for e in events}) >= 6
    now = utcnow()
    assert all((now - e.reported_at).days < 366 for e in events)
    hosts = {d.host_id for d in debriefs}
    assert len(hosts) == 2

    sets = {d.id: question_set_for(d) for d in debriefs}
    labels = Counter(qs.label for qs in sets.values())
    # The current set, with some of the older closed debriefs kept on the June 2025 one.
    assert labels["Force OIC debrief, December 2026"] > EVENTS / 2
    assert 20 < labels["Force OIC debrief, June 2025"] < EVENTS / 2
    assert {d.state for d in debriefs if sets[d.id].label.endswith("June 2025")} == {"closed"}
    for answer in db.query(Answer).all():  # every stored answer reads back unchanged
        question = sets[answer.debrief_id].question(answer.question_id)
        assert parse_answer(question, form_values(question, answer.value)).value == answer.value
    for debrief in debriefs:
        if debrief.state != "draft":
            assert submission_problems(sets[debrief.id], debrief) == [], debrief.id
    assert Counter(d.intel_doc_submitted for d in debriefs if d.state != "draft")[False] > 10

    hub = db.query(User).filter_by(username="hub").one()
    for debrief in debriefs:
        entries = db.query(HistoryEntry).filter_by(debrief_id=debrief.id).all()
        if debrief.state in {"closed", "returned"}:
            by_hub = [e for e in entries if e.actor_id == hub.id and e.to_state == debrief.state]
            assert by_hub, debrief.id
        if debrief.state == "returned":
            assert by_hub[0].reason
    assert db.query(DebriefTheme).filter_by(suggested=True).count() > EVENTS / 2
    assert db.query(DebriefTheme).filter_by(confirmed=True).count() > 0


def test_demo_command_adds_the_sample_debriefs(runner, db):
    from debrief.cli import main

    result = runner.invoke(main, ["demo"])
    assert result.exit_code == 0, result.output
    assert f"Sample debriefs: {EVENTS} events and debriefs" in result.output
    assert db.query(Debrief).count() == EVENTS


def test_demo_answers_agree_with_the_event_record(app, db):
    """No intelligence document "submitted" without a referral; every time after the event
    and not after the debrief was saved; every planned date after it was saved."""
    from datetime import date, datetime

    from debrief.timeutil import from_local, to_local

    _demo_accounts()
    create_sample_debriefs(DemoSite.of(app, db), lambda _line: None)
    checked_dates = 0
    for debrief in db.query(Debrief).all():
        event, question_set = debrief.event, question_set_for(debrief)
        answers = {a.question_id: a.value for a in debrief.answers}
        saved = debrief.submitted_at or debrief.updated_at
        if not event.nccu_referral_made:
            assert debrief.intel_doc_submitted is not True, debrief.id
            assert debrief.intel_doc_route in (None, "not_done"), debrief.id
        for question in question_set.questions:
            value = answers.get(question.id)
            if value is None:
                continue
            if question.type == "datetime":
                when = from_local(datetime.fromisoformat(value))
                assert event.reported_at <= when <= saved, (debrief.id, question.id)
                checked_dates += 1
            elif question.type == "date":
                assert date.fromisoformat(value) > to_local(saved).date(), (debrief.id, question.id)
        if answers.get("medical_help") == "no":
            assert not event.injured, debrief.id
    assert checked_dates > 300
    assert db.query(Event).filter(Event.injured > 0).count() > 10
