"""Hostile input found by probing the running service: each case failed before its fix."""

from __future__ import annotations

from datetime import date

import pytest

from debrief.compliance.files import ImportRefused, parse_count, parse_reference, read_table
from debrief.models import AuditEntry, Event, ReviewNote
from debrief.text_input import (
    DateProblem,
    NotANumber,
    NotWhole,
    TooLarge,
    clean_text,
    parse_day,
    parse_iso_day,
    parse_whole_number,
    whole_number_or_none,
)
from tests.factories import make_debrief, make_user

# What a form can carry (a lone surrogate cannot be sent as UTF-8; clean_text drops it too).
CONTROL = "\x00\x01\x07\x1b\x7f\x85\uffff"


def test_control_characters_are_removed_and_line_breaks_kept():
    text = f"Line one\x00\r\nline\ttwo{CONTROL}\ud800."
    assert clean_text(text) == "Line one\r\nline\ttwo."


def test_a_nul_in_the_sign_in_username_is_an_ordinary_failure(client, db):
    """Anonymous: on PostgreSQL a NUL in the username was a 500."""
    response = client.post("/sign-in", data={"username": "ad\x00min", "password": "x" * 12})
    assert response.status_code == 200
    assert "Sign-in failed" in response.get_data(as_text=True)
    failure = db.query(AuditEntry).filter_by(action="sign_in.failed").one()
    assert failure.username == "admin"


def test_a_review_note_with_control_characters_is_stored_without_them(client, login_as, db):
    sergeant = make_user(["sergeant"], username="sgt")
    debrief = make_debrief(sergeant, state="submitted")
    login_as("hub_reviewer")
    response = client.post(
        f"/review/{debrief.id}/notes",
        data={"version": debrief.version, "seen": 0, "text": f"Called\x00 the{CONTROL} PC"},
    )
    assert response.status_code == 302
    assert db.query(ReviewNote).one().text == "Called the PC"


@pytest.mark.parametrize("field", ["username", "action", "object_id"])
def test_a_nul_in_an_audit_filter_is_not_a_500(client, login_as, field):
    login_as("admin")
    assert client.get(f"/admin/audit?{field}=a%00b").status_code == 200


def test_a_csv_with_a_nul_anywhere_is_refused():
    """Only the first 64 KB were looked at: a NUL further on reached the database."""
    data = b"NCCU reference,Referral date and time\n" + b"NCCU-1,01/06/2025 10:15\n" * 4000
    data += b"NCCU-2\x00,01/06/2025 10:15\n"
    assert len(data) > 65536
    with pytest.raises(ImportRefused, match="not a CSV text file"):
        read_table("list.csv", data, max_bytes=10_000_000, max_rows=50_000)


# --- numbers: one strict rule, checked before anything is converted --------------------------

HUGE = "99999999999999999999"


@pytest.mark.parametrize("typed", ["1e700000", "1e400000", "1_0", "５", "١٢", "²", "0x1f", HUGE])
def test_a_people_count_is_read_strictly_before_it_is_converted(client, login_as, db, typed):
    """`adults=1e700000` took 26 s holding SQLite's write lock; 1_0 was read as 10 and
    full-width or Arabic-Indic digits as 5 and 12."""
    from tests.debrief_helpers import EVENT_FORM

    login_as("sergeant")
    response = client.post("/debriefs/new", data={**EVENT_FORM, "adults": typed})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'href="#adults">' in page
    assert db.query(Event).count() == 0


def test_an_event_of_5000_people_can_be_recorded_as_an_import_could_bring_it(client, login_as, db):
    """The import allowed 10,000 and the sergeant's form 999: one limit now."""
    from tests.debrief_helpers import start_debrief

    login_as("sergeant")
    start_debrief(client, adults="5,000")
    assert db.query(Event).one().adults == 5000
    assert parse_count("10000") == 10000
    with pytest.raises(ValueError, match="0 to 10,000"):
        parse_count("10001")


def test_a_huge_number_typed_into_a_section_is_refused_and_kept_cheaply(client, login_as, db):
    from tests.debrief_helpers import save_section, start_debrief

    login_as("sergeant")
    debrief_id = start_debrief(client)
    response = save_section(client, debrief_id, "nccu", {"nccu_wait_minutes": "1e400000"})
    assert response.status_code in (302, 400)
    page = client.get(f"/debriefs/{debrief_id}/sections/nccu?check=1")
    assert page.status_code == 200


@pytest.mark.parametrize("text", ["NCCU-２０２５０６０１０１", "NCCU-٢٠٢٥٠٦٠١٠١"])
def test_a_reference_is_written_in_ascii_digits(text):
    with pytest.raises(ValueError, match="not"):
        parse_reference(text, r"NCCU-\d{10}", "NCCU-2025060101", "an NCCU reference")
    assert parse_reference("nccu-2025060101", r"NCCU-\d{10}", "", "") == "NCCU-2025060101"


def test_whole_numbers_from_urls_and_hidden_fields():
    assert [whole_number_or_none(t) for t in ("12", "²", "1_0", "-1", "", None, HUGE)] == [
        12,
        None,
        None,
        None,
        None,
        None,
        None,
    ]
    assert parse_whole_number(" -1,200 ") == -1200 and parse_whole_number("3.0") == 3
    for text, problem in (("2.5", NotWhole), ("1e3", NotANumber), (HUGE, TooLarge)):
        with pytest.raises(problem):
            parse_whole_number(text)


def test_a_superscript_event_id_is_not_a_500(client, login_as):
    login_as("sergeant")
    assert client.get("/debriefs/new?event=²").status_code == 200


def test_a_superscript_debrief_id_in_a_bulk_action_is_not_a_500(client, login_as):
    login_as("hub_reviewer")
    assert client.get("/review/bulk?id=²&id=1_0&action=assign").status_code in (200, 302)


def test_huge_page_numbers_and_versions_are_not_500s(client, login_as, db):
    sergeant = make_user(["sergeant"], username="sgt")
    debrief = make_debrief(sergeant, state="submitted")
    login_as("hub_reviewer", "admin")
    assert client.get(f"/review/actions?page={HUGE}").status_code == 200
    assert client.get(f"/admin/audit?page={HUGE}").status_code == 200
    assert client.get(f"/review/?page={HUGE}").status_code == 200
    stale = client.post(
        f"/review/{debrief.id}/notes", data={"version": HUGE, "seen": HUGE, "text": "Note"}
    )
    assert stale.status_code in (400, 409)
    assert db.query(ReviewNote).count() == 0


def test_a_deeply_nested_base_on_a_stale_save_is_not_a_500(client, login_as):
    from tests.debrief_helpers import start_debrief

    login_as("sergeant")
    debrief_id = start_debrief(client)
    url = f"/debriefs/{debrief_id}/sections/learning"
    response = client.post(
        url, data={"version": "1", "base": "[" * 100_000 + "]" * 100_000, "went_well": "x"}
    )
    assert response.status_code in (302, 400, 409)


# --- dates: GOV.UK boxes, a bounded year -----------------------------------------------------


def test_a_huge_year_in_the_event_record_is_a_message(client, login_as, db):
    from tests.debrief_helpers import EVENT_FORM

    login_as("sergeant")
    response = client.post("/debriefs/new", data={**EVENT_FORM, "reported_at-year": HUGE})
    assert response.status_code == 200
    assert "Year must include 4 numbers" in response.get_data(as_text=True)


@pytest.mark.parametrize("year", [HUGE, "9999", "0001"])
def test_a_huge_year_in_an_export_period_an_action_or_the_audit_filter_is_a_message(
    client, login_as, db, year
):
    sergeant = make_user(["sergeant"], username="sgt")
    debrief = make_debrief(sergeant, state="submitted")
    login_as("hub_reviewer", "partnership_lead", "admin")
    export = client.post(
        "/exports/",
        data={
            "period_kind": "custom",
            "start": ["1", "1", year],
            "end": ["1", "2", "2025"],
            "shared_with": "OIC partnership meeting",
        },
    )
    assert export.status_code == 200 and "There is a problem" in export.get_data(as_text=True)
    action = client.post(
        f"/review/{debrief.id}/actions/new",
        data={"description": "Call", "owner": "Team", "due_date": ["1", "1", year]},
    )
    assert action.status_code == 400
    audit = client.get(f"/admin/audit?date_from=1&date_from=1&date_from={year}")
    assert audit.status_code == 400 and "There is a problem" in audit.get_data(as_text=True)


def test_the_queue_filter_refuses_a_date_it_cannot_add_a_day_to(client, login_as):
    login_as("hub_reviewer")
    page = client.get("/review/?to=9999-12-31")
    assert page.status_code == 200
    assert "real date" in page.get_data(as_text=True)
    assert parse_iso_day("2025-06-14") == date(2025, 6, 14)
    for text in ("9999-12-31", "２０２５-06-14", "2025-6-14"):
        with pytest.raises(ValueError):
            parse_iso_day(text)


def test_date_parts_are_read_in_ascii_digits_within_the_years_served():
    assert parse_day("14", "6", "2025", what="The date") == date(2025, 6, 14)
    for parts, message in (
        (("", "6", "2025"), "The date must include a day"),
        (("²", "6", "2025"), "The date must be a real date"),
        (("31", "2", "2025"), "The date must be a real date"),
        (("1", "1", "25"), "Year must include 4 numbers"),
        (("1", "1", "3000"), "The date must be between 1900 and 2100"),
    ):
        with pytest.raises(DateProblem, match=message):
            parse_day(*parts, what="The date")


# --- every refusal and consultation of personal data is in the audit trail (DPA s.62) ------


def _actions(db) -> list[str]:
    db.expire_all()
    return [entry.action for entry in db.query(AuditEntry).order_by(AuditEntry.id)]


def test_another_sergeants_debrief_and_the_hubs_look_at_a_draft_are_recorded(client, login_as, db):
    other = make_user(["sergeant"], username="other")
    draft = make_debrief(other, state="draft")
    login_as("sergeant", "hub_reviewer")
    assert client.get(f"/debriefs/{draft.id}").status_code == 404
    assert client.get(f"/review/{draft.id}").status_code == 404
    refused = db.query(AuditEntry).filter_by(action="debrief.refused").all()
    assert [(e.object_id, e.details["path"]) for e in refused] == [
        (str(draft.id), f"/debriefs/{draft.id}"),
        (str(draft.id), f"/review/{draft.id}"),
    ]


def test_pages_showing_personal_data_are_recorded_as_consultations(client, login_as, db):
    login_as("admin", "hub_reviewer", "partnership_lead")
    someone = make_user(["sergeant"], username="someone")
    for path in ("/admin/audit", "/admin/", f"/admin/users/{someone.id}", "/compliance/"):
        assert client.get(path).status_code == 200
    seen = [e for e in db.query(AuditEntry).filter_by(category="consultation")]
    assert {e.action for e in seen} >= {"audit.view", "users.view", "user.view", "dashboard.view"}


def test_an_import_preview_is_recorded_as_a_consultation(client, login_as, db):
    import io

    login_as("hub_reviewer")
    data = b"NCCU reference,Referral date and time,Intelligence document received\n"
    data += b"NCCU-2025060101,01/06/2025 10:15,Yes\n"
    response = client.post(
        "/compliance/imports/nccu",
        data={"file": (io.BytesIO(data), "list.csv")},
        content_type="multipart/form-data",
    )
    assert client.get(response.headers["Location"]).status_code == 200
    assert "import.preview.view" in _actions(db)


def test_a_form_sent_without_its_token_is_recorded(build_app, db):
    from tests.factories import DEFAULT_PASSWORD

    app = build_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    with app.app_context():
        make_user(["hub_reviewer"], username="hub")
    page = client.get("/sign-in").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post(
        "/sign-in", data={"username": "hub", "password": DEFAULT_PASSWORD, "csrf_token": token}
    )
    assert client.post("/review/1/notes", data={"text": "x"}).status_code in (400, 302, 303)
    with app.app_context():
        from debrief.extensions import db_session

        refused = db_session().query(AuditEntry).filter_by(action="csrf.refused").one()
        assert refused.username == "hub"


def test_a_flood_of_refused_requests_without_signing_in_is_one_record_a_minute(client, db):
    from datetime import timedelta

    from debrief import audit
    from debrief.timeutil import utcnow

    for _ in range(200):
        assert client.get("/review/").status_code == 302
    assert db.query(AuditEntry).count() == 0
    audit.record_ended_minutes(db, before=utcnow() + timedelta(minutes=2))
    db.commit()
    entries = db.query(AuditEntry).filter_by(action="sign_in.required").all()
    assert 1 <= len(entries) <= 2 and sum(e.details["count"] for e in entries) == 200


def test_a_sign_in_with_a_very_long_username_is_recorded_truncated(client, db):
    response = client.post("/sign-in", data={"username": "u" * 300, "password": "x" * 12})
    assert response.status_code == 200 and "Sign-in failed" in response.get_data(as_text=True)
    failure = db.query(AuditEntry).filter_by(action="sign_in.failed").one()
    assert failure.username == "u" * 64
