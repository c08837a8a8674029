"""Section pages: follow-ups with and without JavaScript, validation, drafts that keep input."""

from __future__ import annotations

from debrief.models import Debrief
from tests.debrief_helpers import (
    COMPLETE,
    EVENT_FORM,
    hidden,
    save_section,
    start_debrief,
    stored_answers,
)


def test_event_record_is_checked_with_messages_for_people(client, login_as):
    login_as("sergeant")
    bad = {
        **EVENT_FORM,
        "incident_ref": "12345",
        "adults": "six",
        "reported_at-month": "13",
        "nccu_reference": "",
    }
    response = client.post("/debriefs/new", data=bad)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Error: Record the event" in page
    assert "There is a problem" in page
    assert (
        '<a href="#incident_ref">Enter the force incident reference in the right format, '
        "for example INC-20250614-0123</a>" in page
    )
    assert '<a href="#adults">The number of adults must be a number, for example 0</a>' in page
    assert (
        'href="#reported_at-day">The date and time the event was reported must be a real date'
        in page
    )
    assert (
        '<a href="#nccu_reference">Enter the NCCU reference, for example NCCU-2025061401</a>'
        in page
    )
    assert 'value="six"' in page  # what was typed is shown again


def test_the_same_incident_cannot_be_recorded_twice(client, login_as):
    login_as("sergeant")
    start_debrief(client)
    again = client.post("/debriefs/new", data=EVENT_FORM).get_data(as_text=True)
    assert "You have already started a debrief for INC-20250614-0101" in again


def test_lower_case_references_are_accepted_as_the_same(client, login_as, db):
    login_as("sergeant")
    debrief_id = start_debrief(
        client, incident_ref="inc-20250614-0777", nccu_reference="nccu-123456"
    )
    assert db.get(Debrief, debrief_id).event.incident_ref == "INC-20250614-0777"


def test_without_javascript_a_revealed_follow_up_appears_after_saving(client, login_as, db):
    login_as("sergeant")
    debrief_id = start_debrief(client)
    url = f"/debriefs/{debrief_id}/sections/nccu"
    first = client.get(url).get_data(as_text=True)
    # Follow-ups that do not apply yet are marked to stay hidden without JavaScript.
    assert '<div class="app-js-only">' in first
    response = save_section(
        client, debrief_id, "nccu", {"intel_doc_route": "not_done"}, reveal="page"
    )
    assert response.headers["Location"] == f"{url}#intel_doc_not_submitted_reason"
    page = client.get(url).get_data(as_text=True)
    assert "2 questions have been added because of your answers" in page
    assert "There is a problem" not in page  # not an error: they had not seen the questions
    reveal = page.split('id="intel_doc_not_submitted_reason"')[0].rsplit("conditional-", 1)[1]
    assert "app-js-only" not in reveal[:400]
    assert stored_answers(db, debrief_id)["intel_doc_route"] == "not_done"


def test_with_javascript_a_revealed_follow_up_left_empty_is_an_error(client, login_as):
    login_as("sergeant")
    debrief_id = start_debrief(client)
    response = save_section(
        client, debrief_id, "nccu", {"intel_doc_route": "not_done"}, reveal="js"
    )
    assert response.headers["Location"].endswith("/sections/nccu?check=1")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert (
        '<a href="#intel_doc_not_submitted_reason">'
        "Select why the intelligence document has not been submitted</a>" in page
    )
    assert "Enter when the intelligence document will be submitted" in page


def test_changing_an_answer_drops_the_follow_ups_it_no_longer_asks(client, login_as, db):
    login_as("sergeant")
    debrief_id = start_debrief(client)
    save_section(
        client,
        debrief_id,
        "nccu",
        {
            "intel_doc_route": "not_done",
            "intel_doc_not_submitted_reason": "other",
            "intel_doc_not_submitted_other": "The form was down",
        },
    )
    assert stored_answers(db, debrief_id)["intel_doc_not_submitted_other"] == "The form was down"
    # The browser still sends the hidden follow-up's text when the answer changes.
    save_section(
        client,
        debrief_id,
        "nccu",
        {
            "intel_doc_route": "later",
            "intel_doc_submitted_at": "2025-06-14T04:00",
            "intel_doc_not_submitted_reason": "other",
            "intel_doc_not_submitted_other": "The form was down",
        },
    )
    answers = stored_answers(db, debrief_id)
    assert answers["intel_doc_route"] == "later"
    assert "intel_doc_not_submitted_reason" not in answers
    assert "intel_doc_not_submitted_other" not in answers


def test_follow_up_revealed_by_several_answers(client, login_as, db):
    login_as("sergeant")
    debrief_id = start_debrief(client)
    page = client.get(f"/debriefs/{debrief_id}/sections/welfare").get_data(as_text=True)
    assert 'data-app-show-if="resources" data-app-show-answers="stretched inadequate"' in page
    save_section(
        client, debrief_id, "welfare", {"resources": "stretched", "resources_detail": "One car"}
    )
    assert stored_answers(db, debrief_id)["resources_detail"] == "One car"


def test_save_and_come_back_later_keeps_what_is_not_valid_yet(client, login_as, db):
    login_as("sergeant")
    debrief_id = start_debrief(client)
    url = f"/debriefs/{debrief_id}/sections/nccu"
    page = client.get(url).get_data(as_text=True)
    response = client.post(
        url,
        data={
            "version": hidden(page, "version"),
            "base": hidden(page, "base"),
            "action": "later",
            "nccu_wait_minutes": "about ten",
            "nccu_method": "phone",
        },
    )
    assert response.headers["Location"] == f"/debriefs/{debrief_id}"
    overview = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Some answers need correcting before you can submit" in overview
    assert "There is a problem" in overview  # the section's status on the task list
    again = client.get(url).get_data(as_text=True)
    assert 'value="about ten"' in again
    assert "The number of minutes waiting must be a number, for example 10" in again
    assert stored_answers(db, debrief_id)["nccu_method"] == "phone"
    assert db.get(Debrief, debrief_id).unsaved_input == {
        "nccu_wait_minutes": {"nccu_wait_minutes": ["about ten"]}
    }
    # Correcting it clears the problem.
    save_section(client, debrief_id, "nccu", {"nccu_wait_minutes": 10, "nccu_method": "phone"})
    db.expire_all()
    assert db.get(Debrief, debrief_id).unsaved_input == {}
    assert stored_answers(db, debrief_id)["nccu_wait_minutes"] == 10


def test_facts_on_the_event_record_are_not_asked_again(client, login_as, db):
    login_as("sergeant")
    debrief_id = start_debrief(client)
    page = client.get(f"/debriefs/{debrief_id}/sections/nccu").get_data(as_text=True)
    assert "From the event record" in page
    assert 'name="nccu_referral_made"' not in page and 'name="nccu_reference"' not in page
    assert "NCCU-2025061401" in page
    # Correcting the event record changes the answers it settles, and drops what no longer applies.
    save_section(client, debrief_id, "nccu", {"nccu_method": "phone"})
    event_page = client.get(f"/debriefs/{debrief_id}/event").get_data(as_text=True)
    response = client.post(
        f"/debriefs/{debrief_id}/event",
        data={
            **EVENT_FORM,
            "nccu_referral_made": "no",
            "unaccompanied_children": "0",
            "version": hidden(event_page, "version"),
            "base": hidden(event_page, "base"),
        },
    )
    assert response.status_code == 302
    answers = stored_answers(db, debrief_id)
    assert answers["nccu_referral_made"] == "no"
    assert answers["unaccompanied_children_found"] == "no"
    assert answers["age_disputed_found"] == "yes"  # the event still has one
    assert "nccu_reference" not in answers and "nccu_method" not in answers
    assert db.get(Debrief, debrief_id).event.nccu_reference is None
    page = client.get(f"/debriefs/{debrief_id}/sections/nccu").get_data(as_text=True)
    assert "Why was no referral made to the NCCU?" in page  # now asked, as the event says no
    assert "intelligence document submitted" not in page  # asked only after a referral
    safeguarding = client.get(f"/debriefs/{debrief_id}/sections/safeguarding").get_data(
        as_text=True
    )
    assert "Were children&#39;s services told" not in safeguarding
    assert "referred to the local authority for an age assessment" in safeguarding


def test_the_agencies_on_the_event_record_are_not_asked_again(client, login_as):
    login_as("sergeant")
    debrief_id = start_debrief(client)
    page = client.get(f"/debriefs/{debrief_id}/sections/partners").get_data(as_text=True)
    assert 'name="agencies"' not in page and "filled in from the event record" not in page
    assert "Was any partner agency delayed or difficult to reach?" in page


def test_check_answers_lists_what_stops_submission(client, login_as):
    login_as("sergeant")
    debrief_id = start_debrief(client)
    save_section(client, debrief_id, "debrief", COMPLETE)
    page = client.get(f"/debriefs/{debrief_id}/check").get_data(as_text=True)
    assert "The event and the response: answer every question" in page
    assert "Submit the debrief" not in page
    refused = client.post(
        f"/debriefs/{debrief_id}/submit", data={"declaration": "yes", "version": "3"}
    )
    assert "answer every question" in refused.get_data(as_text=True)


def test_unknown_section_is_not_found(client, login_as):
    login_as("sergeant")
    debrief_id = start_debrief(client)
    assert client.get(f"/debriefs/{debrief_id}/sections/nope").status_code == 404
