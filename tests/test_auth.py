"""Signing in and out, one-time passwords, landing pages."""

from __future__ import annotations

import pytest

from debrief.models import AuditEntry, User
from tests.factories import DEFAULT_PASSWORD, make_user

FAILED = "Sign-in failed. Check your username and password and try again."


def test_sign_in_page_shows_marking_and_form(client):
    page = client.get("/sign-in").get_data(as_text=True)
    assert "OFFICIAL-SENSITIVE" in page
    assert 'name="username"' in page and 'name="password"' in page
    assert "Sign in to OIC Debrief" in page


def test_wrong_password_and_unknown_user_get_the_same_message(app, client):
    with app.app_context():
        make_user(["sergeant"], username="sam")
    wrong = client.post("/sign-in", data={"username": "sam", "password": "not it at all"})
    unknown = client.post("/sign-in", data={"username": "nobody", "password": "not it at all"})
    assert wrong.status_code == unknown.status_code == 200
    assert FAILED in wrong.get_data(as_text=True)
    assert FAILED in unknown.get_data(as_text=True)
    assert client.get("/debriefs/").status_code == 302  # still signed out


def test_failed_sign_ins_are_audited_without_the_password(app, client, db):
    make_user(["sergeant"], username="sam")
    client.post("/sign-in", data={"username": "sam", "password": "guess-number-one"})
    entries = db.query(AuditEntry).filter_by(action="sign_in.failed").all()
    assert len(entries) == 1
    assert entries[0].username == "sam"
    assert "guess-number-one" not in str(entries[0].details)


@pytest.mark.parametrize(
    ("role", "start"),
    [
        ("sergeant", "/debriefs/"),
        ("hub_reviewer", "/review/"),
        ("partnership_lead", "/exports/"),
        ("admin", "/admin/"),
    ],
)
def test_each_role_lands_on_its_own_start_page(app, client, role, start):
    with app.app_context():
        make_user([role], username="person")
    response = client.post("/sign-in", data={"username": "person", "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == start
    assert client.get(start).status_code == 200


def test_sign_in_follows_a_safe_next_and_ignores_an_offsite_one(app, client):
    with app.app_context():
        make_user(["sergeant"], username="sam")
    ok = client.post(
        "/sign-in?next=/account", data={"username": "sam", "password": DEFAULT_PASSWORD}
    )
    assert ok.headers["Location"] == "/account"
    client.post("/sign-out")
    evil = client.post(
        "/sign-in?next=https://evil.example/",
        data={"username": "sam", "password": DEFAULT_PASSWORD},
    )
    assert evil.headers["Location"] == "/debriefs/"


def test_sign_out_is_a_post_and_ends_the_session(client, login_as):
    login_as("sergeant")
    assert client.get("/sign-out").status_code == 405
    response = client.post("/sign-out", follow_redirects=True)
    assert "You have signed out." in response.get_data(as_text=True)
    assert client.get("/debriefs/").status_code == 302


def test_copied_cookie_stops_working_after_sign_out(app, client, login_as):
    login_as("sergeant")
    cookie = client.get_cookie("session").value
    client.post("/sign-out")
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    response = thief.get("/debriefs/")
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]


def test_one_time_password_must_be_changed_before_anything_else(app, client, db):
    make_user(
        ["sergeant"], username="newbie", password="one-time-pass-1234", must_change_password=True
    )
    response = client.post(
        "/sign-in", data={"username": "newbie", "password": "one-time-pass-1234"}
    )
    assert response.headers["Location"] == "/account/password"
    assert client.get("/debriefs/").headers["Location"] == "/account/password"
    short = client.post(
        "/account/password",
        data={
            "current_password": "one-time-pass-1234",
            "new_password": "short",
            "confirm_password": "short",
        },
    )
    assert "Password must be 12 characters or more" in short.get_data(as_text=True)
    done = client.post(
        "/account/password",
        data={
            "current_password": "one-time-pass-1234",
            "new_password": "a brand new passphrase",
            "confirm_password": "a brand new passphrase",
        },
        follow_redirects=True,
    )
    assert "Your password has been changed." in done.get_data(as_text=True)
    assert client.get("/debriefs/").status_code == 200
    db.expire_all()
    assert db.query(User).filter_by(username="newbie").one().must_change_password is False


def test_inactive_account_cannot_sign_in(app, client):
    with app.app_context():
        make_user(["sergeant"], username="gone", active=False)
    response = client.post("/sign-in", data={"username": "gone", "password": DEFAULT_PASSWORD})
    assert FAILED in response.get_data(as_text=True)


def test_header_shows_who_is_signed_in_and_only_their_navigation(client, login_as):
    login_as("partnership_lead")
    page = client.get("/exports/").get_data(as_text=True)
    assert "Test Partnership Lead" in page
    assert "Exports" in page
    assert "Review queue" not in page and "My debriefs" not in page
