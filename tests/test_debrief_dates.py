"""Dates that make sense, through the app (issue 18): a sergeant's dates and times are checked
against the event's report time and now when a section is saved, the event record's own time
is not in the future, and a debrief whose dates broke a rule since cannot be submitted."""

from __future__ import annotations

from datetime import timedelta
from html.parser import HTMLParser

from debrief.models import Answer, Debrief
from debrief.timeutil import local_today, to_local, utcnow
from tests.debrief_helpers import (
    COMPLETE,
    EVENT_FORM,
    answer_everything,
    hidden,
    save_section,
    start_debrief,
    stored_answers,
)
from tests.factories import make_debrief


class Page(HTMLParser):
    """What a person sees of a page's errors: the summary's links, and each input's classes."""

    def __init__(self, text: str):
        super().__init__()
        self.summary: list[tuple[str, str]] = []  # (href, text)
        self.classes: dict[str, set[str]] = {}
        self.values: dict[str, str] = {}
        self._in_summary = False
        self._link: str | None = None
        self._text = ""
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        if "govuk-error-summary__list" in (found.get("class") or "").split():
            self._in_summary = True
        if tag == "a" and self._in_summary:
            self._link, self._text = found.get("href"), ""
        if tag == "input" and found.get("id"):
            self.classes[found["id"]] = set((found.get("class") or "").split())
            self.values[found["id"]] = found.get("value") or ""

    def handle_data(self, data):
        if self._link is not None:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "ul":
            self._in_summary = False
        if tag == "a" and self._link is not None:
            self.summary.append((self._link, " ".join(self._text.split())))
            self._link = None

    def highlighted(self, prefix: str) -> set[str]:
        """Return the ids of the inputs starting `prefix` marked as in error."""
        return {
            i for i, c in self.classes.items() if i.startswith(prefix) and "govuk-input--error" in c
        }


def moment(question_id: str, when: str) -> dict:
    """Return answers with one date and time: when is '2025-06-14T02:00'."""
    return {**COMPLETE, question_id: when}


def nccu_answers(**changes) -> dict:
    return {**COMPLETE, "intel_doc_submitted": "yes", **changes}


def saved_page(client, debrief_id: int, section_id: str, answers: dict) -> Page:
    response = save_section(client, debrief_id, section_id, answers)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/sections/{section_id}?check=1")
    return Page(client.get(response.headers["Location"]).get_data(as_text=True))


def test_a_document_submitted_before_the_event_was_reported_is_refused_on_its_field(
    client, login_as, db
):
    login_as("sergeant")
    debrief_id = start_debrief(client)  # reported 14 June 2025 at 02:30 (BST)
    answers = nccu_answers(intel_doc_submitted_at="2025-06-14T02:00")
    page = saved_page(client, debrief_id, "nccu", answers)
    assert page.summary == [
        (
            "#intel_doc_submitted_at-day",
            "When the intelligence document was submitted must be the same as or after the "
            "time the event was reported (14 June 2025 at 2:30am)",
        )
    ]
    assert page.highlighted("intel_doc_submitted_at") == {
        "intel_doc_submitted_at-day",
        "intel_doc_submitted_at-month",
        "intel_doc_submitted_at-year",
        "intel_doc_submitted_at-time",
    }
    assert page.values["intel_doc_submitted_at-time"] == "02:00"  # nothing typed is lost
    assert "intel_doc_submitted_at" not in stored_answers(db, debrief_id)
    fixed = save_section(
        client, debrief_id, "nccu", nccu_answers(intel_doc_submitted_at="2025-06-14T02:30")
    )
    assert "check=1" not in fixed.headers["Location"]
    assert stored_answers(db, debrief_id)["intel_doc_submitted_at"] == "2025-06-14T02:30"


def test_25_00_is_a_message_about_the_time_and_highlights_only_the_time_box(client, login_as):
    login_as("sergeant")
    debrief_id = start_debrief(client)
    url = f"/debriefs/{debrief_id}/sections/nccu"
    page_text = client.get(url).get_data(as_text=True)
    form = {
        "version": hidden(page_text, "version"),
        "base": hidden(page_text, "base"),
        "reveal": "js",
        "action": "continue",
        "intel_doc_submitted": "yes",
        "intel_doc_submitted_at-day": "14",
        "intel_doc_submitted_at-month": "6",
        "intel_doc_submitted_at-year": "2025",
        "intel_doc_submitted_at-time": "25:00",
    }
    response = client.post(url, data=form)
    page = Page(client.get(response.headers["Location"]).get_data(as_text=True))
    assert (
        "#intel_doc_submitted_at-time",
        "When the intelligence document was submitted must be a real time: "
        "the hour must be from 0 to 23",
    ) in page.summary
    assert page.highlighted("intel_doc_submitted_at") == {"intel_doc_submitted_at-time"}
    assert page.values["intel_doc_submitted_at-time"] == "25:00"
    assert page.values["intel_doc_submitted_at-day"] == "14"


def test_a_planned_date_that_has_passed_is_refused(client, login_as, db):
    login_as("sergeant")
    debrief_id = start_debrief(client)
    yesterday = (local_today() - timedelta(days=1)).isoformat()
    page = saved_page(client, debrief_id, "nccu", {**COMPLETE, "intel_doc_planned_date": yesterday})
    assert page.summary == [
        (
            "#intel_doc_planned_date-day",
            "When the intelligence document will be submitted must be today or in the future",
        )
    ]
    assert page.highlighted("intel_doc_planned_date") == {
        "intel_doc_planned_date-day",
        "intel_doc_planned_date-month",
        "intel_doc_planned_date-year",
    }
    today = local_today().isoformat()
    saved = save_section(client, debrief_id, "nccu", {**COMPLETE, "intel_doc_planned_date": today})
    assert "check=1" not in saved.headers["Location"]
    assert stored_answers(db, debrief_id)["intel_doc_planned_date"] == today


def test_a_time_in_the_future_is_refused(client, login_as):
    login_as("sergeant")
    debrief_id = start_debrief(client)
    soon = to_local(utcnow() + timedelta(hours=2)).replace(tzinfo=None)
    page = saved_page(
        client,
        debrief_id,
        "debrief",
        moment("debrief_held_at", soon.isoformat(timespec="minutes")),
    )
    assert page.summary == [
        ("#debrief_held_at-day", "When the debrief was held must be in the past")
    ]


def test_the_event_cannot_be_reported_in_the_future(client, login_as, db):
    login_as("sergeant")
    tomorrow = to_local(utcnow() + timedelta(days=1))
    form = {
        **EVENT_FORM,
        "reported_at-day": str(tomorrow.day),
        "reported_at-month": str(tomorrow.month),
        "reported_at-year": str(tomorrow.year),
    }
    response = client.post("/debriefs/new", data=form)
    assert response.status_code == 200
    page = Page(response.get_data(as_text=True))
    assert page.summary == [
        ("#reported_at-day", "The date and time the event was reported must be in the past")
    ]
    assert db.query(Debrief).count() == 0


def _move_report_time(client, debrief_id: int, time: str):
    url = f"/debriefs/{debrief_id}/event"
    page = client.get(url).get_data(as_text=True)
    form = {
        **EVENT_FORM,
        "reported_at-time": time,
        "version": hidden(page, "version"),
        "base": hidden(page, "base"),
    }
    return client.post(url, data=form, follow_redirects=True)


def test_moving_the_report_time_after_answers_blocks_submission_and_lists_them(
    client, login_as, db
):
    login_as("sergeant")
    debrief_id = start_debrief(client)
    answer_everything(client, debrief_id)  # NCCU contacted 03:45, children's services 05:00
    moved = _move_report_time(client, debrief_id, "05:30").get_data(as_text=True)
    assert "2 dates in your answers no longer fit the event record" in moved
    overview = client.get(f"/debriefs/{debrief_id}").get_data(as_text=True)
    assert overview.count("There is a problem") == 2
    check = client.get(f"/debriefs/{debrief_id}/check").get_data(as_text=True)
    listed = [
        (
            f"/debriefs/{debrief_id}/sections/nccu?check=1#nccu_contacted_at-day",
            "When the NCCU was contacted must be the same as or after the time the event was "
            "reported (14 June 2025 at 5:30am)",
        ),
        (
            f"/debriefs/{debrief_id}/sections/safeguarding?check=1"
            "#childrens_services_notified_at-day",
            "When children's services were notified must be the same as or after the time the "
            "event was reported (14 June 2025 at 5:30am)",
        ),
    ]
    assert Page(check).summary == listed
    # The check page offers no button; a submission posted anyway is refused the same way.
    version = db.get(Debrief, debrief_id).version
    refused = client.post(
        f"/debriefs/{debrief_id}/submit", data={"version": version, "declaration": "yes"}
    )
    assert refused.status_code == 200
    assert Page(refused.get_data(as_text=True)).summary == listed
    assert db.get(Debrief, debrief_id).state == "draft"
    # The link leads to the field, marked, with the stored answer shown.
    section = Page(client.get(listed[0][0].split("#")[0]).get_data(as_text=True))
    assert section.summary == [("#nccu_contacted_at-day", listed[0][1])]
    assert section.values["nccu_contacted_at-time"] == "03:45"
    assert "nccu_contacted_at-time" in section.highlighted("nccu_contacted_at")


def test_a_moved_report_time_is_corrected_and_then_the_debrief_submits(client, login_as, db):
    login_as("sergeant")
    debrief_id = start_debrief(client)
    answer_everything(client, debrief_id)
    moved = _move_report_time(client, debrief_id, "04:30").get_data(as_text=True)
    assert "1 date in your answers no longer fits the event record" in moved
    corrected = {
        **COMPLETE,
        "nccu_contacted_at": "2025-06-14T04:40",
    }
    save_section(client, debrief_id, "nccu", corrected)
    check = client.get(f"/debriefs/{debrief_id}/check").get_data(as_text=True)
    assert Page(check).summary == []
    response = client.post(
        f"/debriefs/{debrief_id}/submit",
        data={"version": hidden(check, "version"), "declaration": "yes"},
    )
    assert response.status_code == 302
    assert db.get(Debrief, debrief_id).state == "submitted"


def test_an_old_draft_with_a_date_in_the_future_cannot_be_submitted(client, login_as, db):
    sergeant = login_as("sergeant")
    # Saved before the dates were checked: an NCCU contact in 2099, the event in June 2025.
    debrief = make_debrief(sergeant, answers={**COMPLETE, "nccu_contacted_at": "2099-06-14T03:45"})
    response = client.post(
        f"/debriefs/{debrief.id}/submit", data={"version": debrief.version, "declaration": "yes"}
    )
    assert response.status_code == 200
    assert Page(response.get_data(as_text=True)).summary == [
        (
            f"/debriefs/{debrief.id}/sections/nccu?check=1#nccu_contacted_at-day",
            "When the NCCU was contacted must be in the past",
        )
    ]
    db.expire_all()
    assert db.get(Debrief, debrief.id).state == "draft"


def test_a_planned_date_that_has_passed_since_it_was_answered_may_be_saved_again_unchanged(
    client, login_as, db
):
    login_as("sergeant")
    debrief_id = start_debrief(client)
    answer_everything(client, debrief_id)
    # Answered a week ago as "in two days": that day has passed now.
    passed = (local_today() - timedelta(days=5)).isoformat()
    db.query(Answer).filter_by(debrief_id=debrief_id, question_id="intel_doc_planned_date").update(
        {"value": passed}
    )
    db.commit()
    check = client.get(f"/debriefs/{debrief_id}/check").get_data(as_text=True)
    assert Page(check).summary == []  # planned when answered: it stands
    unchanged = {**COMPLETE, "intel_doc_planned_date": passed, "nccu_wait_minutes": 50}
    saved = save_section(client, debrief_id, "nccu", unchanged)
    assert "check=1" not in saved.headers["Location"]
    assert stored_answers(db, debrief_id)["nccu_wait_minutes"] == 50
    # Changed to another day that has passed: that is a new answer, and it is refused.
    other = (local_today() - timedelta(days=4)).isoformat()
    page = saved_page(client, debrief_id, "nccu", {**COMPLETE, "intel_doc_planned_date": other})
    assert page.summary == [
        (
            "#intel_doc_planned_date-day",
            "When the intelligence document will be submitted must be today or in the future",
        )
    ]
    assert stored_answers(db, debrief_id).get("intel_doc_planned_date") is None
