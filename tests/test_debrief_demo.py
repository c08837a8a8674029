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

    question_set = question_set_for(debriefs[0])
    answers = db.query(Answer).all()
    for answer in answers:  # every stored answer reads back through the form unchanged
        question = question_set.question(answer.question_id)
        assert parse_answer(question, form_values(question, answer.value)).value == answer.value
    for debrief in debriefs:
        if debrief.state != "draft":
            assert submission_problems(question_set, debrief) == [], debrief.id
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
