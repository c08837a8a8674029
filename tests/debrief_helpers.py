"""Helpers for the sergeant's debrief tests: fill in pages the way a browser would."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from debrief.debriefs.answers import form_values
from debrief.models import Answer
from debrief.timeutil import local_today
from tests.factories import real_question_set

EVENT_FORM = {
    "incident_ref": "INC-20250614-0101",
    "reported_at-day": "14",
    "reported_at-month": "6",
    "reported_at-year": "2025",
    "reported_at-time": "02:30",
    "district": "North",
    "location_type": "services",
    "event_type": "hgv_concealment",
    "adults": "6",
    "accompanied_children": "0",
    "unaccompanied_children": "2",
    "age_disputed": "1",
    "arrested": "1",
    "nccu_referral_made": "yes",
    "nccu_reference": "NCCU-2025061401",
    "partner_agencies": ["border_force", "immigration_enforcement"],
}

# A complete, valid set of answers for the event above (NCCU referral made, children found).
COMPLETE = {
    "debrief_held_at": "2025-06-14T06:00",
    "debrief_kind": "hot",
    "roles_present": ["response_officers", "control_room"],
    "how_reported": "call_999",
    "risk_to_life": "no",
    "medical_help": "no",
    "facilitator_arrested": "yes",
    "people_released": "handed_to_ie",
    # After the event's report time whether it was typed (02:30) or made by the factory
    # (02:30 UTC, 03:30 in BST): no time may come before the event was reported.
    "nccu_contacted_at": "2025-06-14T03:45",
    "nccu_method": "phone",
    "nccu_wait_minutes": 45,
    "intel_doc_submitted": "no",
    "intel_doc_not_submitted_reason": "unaware",
    # A planned date must be today or later when it is answered (issue 18).
    "intel_doc_planned_date": (local_today() + timedelta(days=7)).isoformat(),
    "force_intel_report": "no",
    "items_seized": ["phones"],
    "biometrics_outcome": "completed",
    "trafficking_indicators": "no",
    "childrens_services_notified": "yes",
    "childrens_services_notified_at": "2025-06-14T05:00",
    "interpreter": "phone",
    "other_vulnerabilities": "no",
    "agencies": ["border_force"],
    "partner_delay": "no",
    "information_flow": "good",
    "crime_recorded": "no",
    "scene_preserved": "yes",
    "investigation_passed_to": "force",
    "welfare_follow_up": "no",
    "resources": "adequate",
    "elearning": "all",
    "hydra_trained": "yes",
    "went_well": "Quick handover to Immigration Enforcement.",
    "could_improve": "Getting through to the NCCU took too long.",
    "notable_practice": "no",
    "joint_learning": "no",
}


def start_debrief(client, **overrides) -> int:
    """Record the event through the first page and return the new debrief's id."""
    data = {**EVENT_FORM, **overrides}
    response = client.post("/debriefs/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.search(r"/debriefs/(\d+)", response.headers["Location"]).group(1))


def hidden(page: str, name: str) -> str:
    """Return the value of a hidden input on a page."""
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    assert tag, f"no hidden {name}"
    return html.unescape(re.search(r'value="([^"]*)"', tag.group(0)).group(1))


def section_form(section_id: str, answers: dict, question_set=None) -> dict:
    """Return the inputs a browser sends for these answers on one section page."""
    question_set = question_set or real_question_set()
    data: dict = {}
    for question in question_set.section(section_id).questions:
        if question.id in answers:
            data.update(form_values(question, answers[question.id]))
    return data


def save_section(
    client, debrief_id: int, section_id: str, answers: dict, *, action="continue", reveal="js"
):
    """Open a section page, then save it with these answers; return the response."""
    url = f"/debriefs/{debrief_id}/sections/{section_id}"
    page = client.get(url).get_data(as_text=True)
    data = {
        "version": hidden(page, "version"),
        "base": hidden(page, "base"),
        "reveal": reveal,
        "action": action,
        **section_form(section_id, answers),
    }
    return client.post(url, data=data)


def answer_everything(client, debrief_id: int, answers: dict = COMPLETE) -> None:
    """Answer every section with `answers`."""
    for section in real_question_set().sections:
        response = save_section(client, debrief_id, section.id, answers)
        assert response.status_code == 302, response.get_data(as_text=True)
        assert "check=1" not in response.headers["Location"], section.id


def stored_answers(db, debrief_id: int) -> dict:
    """Return a debrief's answers as the database holds them now: {question id: value}."""
    db.expire_all()
    return {a.question_id: a.value for a in db.query(Answer).filter_by(debrief_id=debrief_id)}
