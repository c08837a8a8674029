"""The daily digest by email (issue 20 part 4), through a real SMTP server with STARTTLS
(tests/smtp_server.py): one email per person, the right counts, no detail, each item
once, nothing on a bank holiday, and a run that stops half way finishes next time."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from debrief.cli import main
from debrief.config import SettingsError
from debrief.extensions import db_session
from debrief.models import AuditEntry, NotificationSent, User
from tests.factories import make_debrief, make_user
from tests.notify_helpers import SECRET_WORDS, build
from tests.smtp_server import SmtpServer

THURSDAY = date(2026, 12, 3)


@pytest.fixture
def smtp(tmp_path):
    server = SmtpServer(tmp_path).start()
    yield server
    server.stop()


@pytest.fixture
def mail_app(build_app, smtp):
    return build_app(**smtp.settings())


def _notify(app, day: date):
    return app.test_cli_runner().invoke(main, ["notify", "--today", day.isoformat()])


def _by_recipient(smtp) -> dict[str, list]:
    found: dict[str, list] = {}
    for received in smtp.handler.received:
        for to in received.recipients:
            found.setdefault(to, []).append(received)
    return found


def test_one_digest_per_person_with_counts_and_kinds_only(mail_app, smtp):
    with mail_app.app_context():
        build(db_session(), THURSDAY)
        result = _notify(mail_app, THURSDAY)
    assert result.exit_code == 0, result.output
    assert "Sent 3 email(s) telling of 6 item(s); 5 account(s) have an email address." in (
        result.output
    )
    mails = _by_recipient(smtp)
    assert sorted(mails) == [
        "ash@police.example.invalid",
        "dee@police.example.invalid",
        "tam@police.example.invalid",
    ]  # nothing waits for the supervisor or the partnership lead
    assert all(len(m) == 1 for m in mails.values())
    ash = mails["ash@police.example.invalid"][0]
    assert ash.tls and ash.authenticated  # STARTTLS, then the credentials
    assert ash.message["Subject"] == "OIC Debrief: 3 new things wait for you"
    assert ash.message["From"] == "debrief@police.example.invalid"
    assert "- 1 debrief returned to you" in ash.body
    assert "- 1 event with no debrief submitted after the due days" in ash.body
    assert "- 1 follow-up action due soon or overdue" in ash.body
    assert "https://debrief.police.example.invalid/notifications" in ash.body
    dee = mails["dee@police.example.invalid"][0].body
    assert "- 1 debrief waiting past the review target" in dee
    assert "- 1 follow-up action due soon or overdue" in dee  # the agency's action it raised
    assert "- 1 follow-up action due soon or overdue" in mails["tam@police.example.invalid"][0].body
    for received in smtp.handler.received:
        text = received.message.as_string()
        for word in SECRET_WORDS:
            assert word not in text, word


def test_each_email_is_audited_without_its_text(mail_app, smtp):
    with mail_app.app_context():
        world = build(db_session(), THURSDAY)
        _notify(mail_app, THURSDAY)
        session = db_session()
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "notify.email_sent")
        ).all()
        assert {(e.object_id, e.details["to"]) for e in entries} == {
            (str(world.sergeant.id), "ash@police.example.invalid"),
            (str(world.hub.id), "dee@police.example.invalid"),
            (str(world.member.id), "tam@police.example.invalid"),
        }
        ash = next(e for e in entries if e.object_id == str(world.sergeant.id))
        assert ash.details["items"] == {
            "action_due": [world.action_person],
            "returned": [world.returned],
            "undebriefed": [world.undebriefed],
        }
        assert ash.category == "disclosure" and ash.username.startswith("cli:")
        assert "returned to you" not in str(ash.details)  # never the body


def test_a_rerun_sends_nothing_and_only_new_items_are_sent_later(mail_app, smtp):
    with mail_app.app_context():
        world = build(db_session(), THURSDAY)
        assert _notify(mail_app, THURSDAY).exit_code == 0
        assert len(smtp.handler.received) == 3
        again = _notify(mail_app, THURSDAY)
        assert again.exit_code == 0
        assert "Sent 0 email(s)" in again.output
        assert len(smtp.handler.received) == 3  # none twice
        # Friday: a second debrief is returned to the sergeant; only that is new.
        make_debrief(db_session().get(User, world.sergeant.id), state="returned")
        friday = _notify(mail_app, date(2026, 12, 4))
    assert "Sent 1 email(s) telling of 1 item(s)" in friday.output
    last = smtp.handler.received[-1]
    assert last.recipients == ["ash@police.example.invalid"]
    assert "- 1 debrief returned to you" in last.body and "follow-up" not in last.body


@pytest.mark.parametrize(
    "day", [date(2026, 12, 25), date(2026, 12, 28), date(2026, 12, 5)], ids=str
)  # Christmas Day, the Boxing Day holiday (Monday), a Saturday
def test_nothing_is_sent_on_a_bank_holiday_or_at_a_weekend(mail_app, smtp, day):
    with mail_app.app_context():
        build(db_session(), THURSDAY)
        result = _notify(mail_app, day)
        assert result.exit_code == 0
        assert "is not a working day" in result.output
        assert smtp.handler.received == []
        assert db_session().scalar(select(NotificationSent.id).limit(1)) is None
        db_session().rollback()  # end the read (SQLite's write lock)
        # The next working day sends what waited.
        assert _notify(mail_app, date(2026, 12, 29)).exit_code == 0
    assert len(smtp.handler.received) == 3


def test_a_run_that_stops_half_way_sends_the_rest_next_time(mail_app, smtp):
    with mail_app.app_context():
        build(db_session(), THURSDAY)
        smtp.handler.refuse_from = 1  # the mail server takes one message, then refuses
        first = _notify(mail_app, THURSDAY)
        assert first.exit_code == 1
        assert "failed" in first.output and "1 email(s) were sent and recorded" in first.output, (
            first.output
        )
        assert len(smtp.handler.received) == 1
        smtp.handler.refuse_from = None
        second = _notify(mail_app, THURSDAY)
    assert second.exit_code == 0, second.output
    assert "Sent 2 email(s)" in second.output
    recipients = [r.recipients[0] for r in smtp.handler.received]
    assert len(recipients) == 3 and len(set(recipients)) == 3  # the first not sent twice


def test_nothing_is_sent_when_smtp_is_not_set(app, smtp):
    with app.app_context():
        build(db_session(), THURSDAY)
        result = _notify(app, THURSDAY)
    assert result.exit_code == 0
    assert "No email sent: SMTP_HOST, SMTP_FROM and SERVICE_BASE_URL are not all set." in (
        result.output
    )
    assert smtp.handler.received == []


def test_a_certificate_that_is_not_trusted_stops_the_run(build_app, smtp):
    app = build_app(**{**smtp.settings(), "SMTP_CA_FILE": None})  # the system's CAs only
    with app.app_context():
        build(db_session(), THURSDAY)
        result = _notify(app, THURSDAY)
        assert result.exit_code == 1
        assert "Cannot connect to the mail server" in result.output
        assert db_session().scalar(select(NotificationSent.id).limit(1)) is None
    assert smtp.handler.received == []


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"SMTP_HOST": "mail"}, "SMTP_FROM and SERVICE_BASE_URL must be set too"),
        (
            {"SMTP_HOST": "mail", "SMTP_FROM": "x@y.invalid", "SERVICE_BASE_URL": "debrief"},
            "SERVICE_BASE_URL must be the address",
        ),
        (
            {"SMTP_HOST": "m", "SMTP_FROM": "not an address", "SERVICE_BASE_URL": "https://d.x"},
            "SMTP_FROM must be an email address",
        ),
        (
            {
                "SMTP_HOST": "m",
                "SMTP_FROM": "x@y.invalid",
                "SERVICE_BASE_URL": "https://d.x",
                "SMTP_USERNAME": "u",
                "SMTP_STARTTLS": False,
            },
            "SMTP_USERNAME needs SMTP_STARTTLS = true",
        ),
        ({"SMTP_PASSWORD": ""}, "SMTP_PASSWORD must be a non-empty piece of text, or unset"),
    ],
)
def test_mail_settings_are_checked_at_start(build_app, settings, message):
    with pytest.raises(SettingsError, match=message):
        build_app(**settings)


def test_the_administrator_sets_an_email_address_checked_and_audited(app, client, db, login_as):
    person = make_user(["sergeant"], username="sgt-ash")
    login_as("admin", username="boss")
    bad = client.post(f"/admin/users/{person.id}/email", data={"email": "ash at police"})
    assert bad.status_code == 400
    page = bad.get_data(as_text=True)
    assert "There is a problem" in page and 'href="#email"' in page
    assert "Enter an email address in the correct format" in page
    good = client.post(
        f"/admin/users/{person.id}/email",
        data={"email": " Ash@Police.Example.INVALID "},
        follow_redirects=True,
    )
    assert "Email address of sgt-ash now Ash@police.example.invalid." in good.get_data(as_text=True)
    db.expire_all()
    assert db.get(User, person.id).email == "Ash@police.example.invalid"
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "user.email")).one()
    assert entry.details == {"username": "sgt-ash", "had_email": False, "has_email": True}
    # Deactivating the account erases the address (retention).
    client.post(f"/admin/users/{person.id}/deactivate")
    db.expire_all()
    assert db.get(User, person.id).email is None
