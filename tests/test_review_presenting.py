"""The shared read-only rendering of a debrief (review page and check-your-answers)."""

from __future__ import annotations

import re

from flask import render_template_string

from debrief.debriefs.presenting import present
from debrief.questions.store import question_set_of
from tests.factories import make_debrief, make_user

ANSWERS = {
    "debrief_held_at": "2025-06-14T04:30",
    "debrief_kind": "hot",
    "roles_present": ["response_officers", "custody"],
    "risk_to_life": "no",
    "risk_to_life_action": "left over from an earlier answer",
    "nccu_referral_made": "yes",
    "intel_doc_route": "not_done",
    "intel_doc_not_submitted_reason": "unaware",
    "intel_doc_planned_date": "2025-06-20",
    "went_well": "Quick response.\nGood partner contact.",
}

PAGE = '{% from "partials/_answers.html" import debrief_answers %}{{ debrief_answers(view) }}'


def _view(app, **kwargs):
    host = make_user(["sergeant"])
    debrief = make_debrief(host, state="submitted", answers=ANSWERS)
    view = present(debrief, question_set_of(debrief.question_set), **kwargs)
    return debrief, view


def test_answers_follow_the_question_set_order_with_labels_and_dates(app):
    with app.test_request_context():
        _, view = _view(app)
        rows = [row for section in view.sections for row in section.rows]
        assert [r.id for r in rows] == [
            "debrief_held_at",
            "debrief_kind",
            "roles_present",
            "risk_to_life",
            "nccu_referral_made",
            "intel_doc_route",
            "intel_doc_not_submitted_reason",
            "intel_doc_planned_date",
            "went_well",
        ]  # the hidden follow-up (risk_to_life_action) is not shown
        values = {r.id: r.values for r in rows}
        assert values["debrief_held_at"] == ("14 June 2025 at 4:30am",)
        assert values["debrief_kind"] == ("Hot debrief, at the scene or straight after",)
        assert values["roles_present"] == ("Response officers", "Custody")
        assert values["intel_doc_not_submitted_reason"] == ("Unaware of the requirement",)
        assert values["intel_doc_planned_date"] == ("20 June 2025",)
        event = {r.id: r.values for r in view.event_rows}
        assert event["event_type"] == ("HGV or lorry concealment",)
        assert event["reported_at"] == ("14 June 2025 at 3:30am",)  # BST


def test_partial_renders_read_only_and_keeps_line_breaks_escaped(app):
    with app.test_request_context():
        _, view = _view(app)
        html = render_template_string(PAGE, view=view)
    assert "Was the intelligence document submitted to the NCCU?" in html
    assert "Quick response.<br>Good partner contact." in html
    assert "Change" not in html
    assert "Hot debrief, at the scene or straight after" in html


def test_partial_shows_change_links_when_given(app):
    with app.test_request_context():
        _, view = _view(
            app,
            change_url=lambda section, question: f"/debriefs/1/{section}#{question}",
            event_change_url="/debriefs/1/event",
        )
        html = render_template_string(PAGE, view=view)
    assert 'href="/debriefs/1/nccu#intel_doc_route"' in html
    assert 'href="/debriefs/1/event"' in html
    assert '<span class="govuk-visually-hidden"> whether the intelligence document' in html


def test_change_links_read_in_the_vocabularys_words_never_an_ids(app):
    """"Change nccu referral made" read as if built from an id: labels keep their capitals."""
    with app.test_request_context():
        _, view = _view(
            app,
            change_url=lambda section, question: f"/debriefs/1/{section}#{question}",
            section_change_url=lambda section: f"/debriefs/1/{section}",
            event_change_url="/debriefs/1/event",
        )
        html = render_template_string(PAGE, view=view)
    hidden = re.findall(r'Change<span class="govuk-visually-hidden"> ([^<]+)</span>', html)
    assert "NCCU referral made" in hidden
    assert "force incident reference" in hidden and "people who died" in hidden
    assert "NCCU and the intelligence document" in hidden  # a section's link
    assert not any("nccu" in words for words in hidden)
    assert "Change nccu" not in html
