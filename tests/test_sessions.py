"""Sessions: a new one at sign-in, idle and absolute expiry, revoked on sign-out and change."""

from __future__ import annotations

import html

from sqlalchemy import func, select

from debrief import keeping, security
from debrief.auth.sessions import Ended, Limits, describe_minutes
from debrief.models import PendingForm, User
from tests.debrief_helpers import hidden, start_debrief
from tests.factories import DEFAULT_PASSWORD, make_user

NEW_PASSWORD = "a different long passphrase"
SOME_TIME = 1_800_000_000
TYPED = "Handover to Immigration Enforcement took ten minutes & the NCCU <answered> at once."


def _sign_in(client, username: str = "sam", password: str = DEFAULT_PASSWORD):
    return client.post("/sign-in", data={"username": username, "password": password})


def _age_session(client, *, idle: int = 0, since_sign_in: int = 0) -> None:
    """Move the session's clock back, as if time had passed (no waiting in tests)."""
    with client.session_transaction() as values:
        values[security.SESSION_SEEN] -= idle
        values[security.SESSION_STARTED] -= since_sign_in


def test_sign_in_starts_a_new_session_with_a_new_id(app, client, db):
    make_user(["sergeant"], username="sam")
    client.get("/sign-in")
    with client.session_transaction() as before:
        before["planted"] = "by someone else"
    planted_cookie = client.get_cookie("session").value
    _sign_in(client)
    with client.session_transaction() as after:
        assert "planted" not in after  # nothing carries over from before sign-in
        first_id = after[security.SESSION_ID]
    assert client.get_cookie("session").value != planted_cookie
    # The cookie from before sign-in is still anonymous.
    fixated = app.test_client()
    fixated.set_cookie("session", planted_cookie)
    assert fixated.get("/debriefs/").headers["Location"].startswith("/sign-in")
    # Signing in again gives another id.
    client.post("/sign-out")
    _sign_in(client)
    with client.session_transaction() as again:
        assert again[security.SESSION_ID] != first_id


def test_a_session_idle_too_long_ends(app, client, db):
    make_user(["sergeant"], username="sam")
    _sign_in(client)
    limit = app.config["SESSION_IDLE_MINUTES"] * 60
    _age_session(client, idle=limit - 5)
    assert client.get("/debriefs/").status_code == 200  # just inside: and the clock restarts
    _age_session(client, idle=limit - 5)
    assert client.get("/debriefs/").status_code == 200
    _age_session(client, idle=limit + 1)
    response = client.get("/debriefs/", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Sign in" in page
    assert "signed out because you had not used it for 30 minutes" in page
    assert client.get("/debriefs/").status_code == 302


def test_a_session_ends_after_the_absolute_limit_however_busy(app, client, db):
    make_user(["sergeant"], username="sam")
    _sign_in(client)
    limit = app.config["SESSION_MAX_HOURS"] * 3600
    _age_session(client, since_sign_in=limit - 60)
    assert client.get("/debriefs/").status_code == 200
    _age_session(client, since_sign_in=61)
    page = client.get("/debriefs/", follow_redirects=True).get_data(as_text=True)
    assert "signed out because you signed in more than 12 hours ago" in page


def test_session_limits_come_from_the_settings(build_app):
    app = build_app(SESSION_IDLE_MINUTES=5)
    client = app.test_client()
    with app.app_context():
        make_user(["sergeant"], username="sam")
    _sign_in(client)
    _age_session(client, idle=5 * 60 + 1)
    assert client.get("/debriefs/").status_code == 302


def test_a_session_cookie_without_its_times_is_refused(app, client, db):
    make_user(["sergeant"], username="sam")
    _sign_in(client)
    with client.session_transaction() as values:
        del values[security.SESSION_STARTED]
    assert client.get("/debriefs/").status_code == 302


def test_copied_cookie_is_refused_after_sign_out(app, client, db):
    make_user(["sergeant"], username="sam")
    _sign_in(client)
    copied = client.get_cookie("session").value
    client.post("/sign-out")
    thief = app.test_client()
    thief.set_cookie("session", copied)
    response = thief.get("/debriefs/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


def test_password_change_ends_every_other_session_but_not_this_one(app, client, db):
    make_user(["sergeant"], username="sam")
    _sign_in(client)
    other_laptop = app.test_client()
    _sign_in(other_laptop)
    copied = client.get_cookie("session").value
    assert other_laptop.get("/debriefs/").status_code == 200

    done = client.post(
        "/account/password",
        data={
            "current_password": DEFAULT_PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
        },
    )
    assert done.status_code == 302
    assert client.get("/debriefs/").status_code == 200
    assert other_laptop.get("/debriefs/").headers["Location"].startswith("/sign-in")
    replay = app.test_client()
    replay.set_cookie("session", copied)
    assert replay.get("/debriefs/").status_code == 302
    db.expire_all()
    assert db.query(User).filter_by(username="sam").one().password_changed_at is not None


def test_password_change_does_not_restart_the_absolute_limit(app, client, db):
    make_user(["sergeant"], username="sam")
    _sign_in(client)
    _age_session(client, since_sign_in=3600)
    with client.session_transaction() as values:
        started = values[security.SESSION_STARTED]
    client.post(
        "/account/password",
        data={
            "current_password": DEFAULT_PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
        },
    )
    with client.session_transaction() as values:
        assert values[security.SESSION_STARTED] == started


def _open_learning_page(client) -> tuple[str, dict]:
    """Start a debrief, open its Learning page; return its address and what a browser posts."""
    debrief_id = start_debrief(client)
    url = f"/debriefs/{debrief_id}/sections/learning"
    page = client.get(url).get_data(as_text=True)
    form = {
        "version": hidden(page, "version"),
        "base": hidden(page, "base"),
        "form_key": hidden(page, "form_key"),
        "reveal": "js",
        "action": "continue",
        "went_well": TYPED,
    }
    return url, form


def test_expired_session_keeps_what_was_typed_for_after_sign_in(app, client, db):
    """No Origin and no Sec-Fetch-* headers (an older browser, a script): the key decides."""
    make_user(["sergeant"], username="sam")
    _sign_in(client)
    url, form = _open_learning_page(client)
    _age_session(client, idle=app.config["SESSION_IDLE_MINUTES"] * 60 + 1)
    response = client.post(url, data=form)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/sign-in?next={url}"
    with client.session_transaction() as values:
        assert values.get(keeping.KEPT_FOR)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your session ended, so your page was not saved" in page
    assert "you had not used it for 30 minutes" in page
    assert "You have been signed out because" not in page  # one message, not two
    back = client.post(
        response.headers["Location"], data={"username": "sam", "password": DEFAULT_PASSWORD}
    )
    assert back.headers["Location"] == url
    restored = client.get(url).get_data(as_text=True)
    assert "Not saved yet" in restored and html.escape(TYPED) in restored
    assert db.scalar(select(func.count()).select_from(PendingForm)) == 0  # given back once


# What Chromium sends with a form POST from a page served with Referrer-Policy: no-referrer.
CHROMIUM_FORM_HEADERS = {
    "Origin": "null",
    "Sec-Fetch-Site": "same-origin",
    "Sec-Fetch-Mode": "navigate",
    "Sec-Fetch-Dest": "document",
    "Sec-Fetch-User": "?1",
}


def test_a_form_posted_with_the_headers_chromium_sends_is_kept_after_the_cookie_went(
    app, client, db
):
    make_user(["sergeant"], username="sam")
    _sign_in(client)
    url, form = _open_learning_page(client)
    client.delete_cookie("session")  # a browser restart, a cleared cookie
    response = client.post(url, data=form, headers=CHROMIUM_FORM_HEADERS)
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")
    sign_in_at = response.headers["Location"]
    client.post(sign_in_at, data={"username": "sam", "password": DEFAULT_PASSWORD})
    assert html.escape(TYPED) in client.get(url).get_data(as_text=True)


def test_limits_can_be_set_in_minutes_and_the_hours_setting_still_works(build_app):
    assert build_app(SESSION_MAX_HOURS=3).config["SESSION_MAX_MINUTES"] == 180
    app = build_app(SESSION_IDLE_MINUTES=1, SESSION_MAX_MINUTES=2, SESSION_MAX_HOURS=3)
    client = app.test_client()
    with app.app_context():
        make_user(["sergeant"], username="sam")
    _sign_in(client)
    _age_session(client, since_sign_in=2 * 60 + 1)
    page = client.get("/debriefs/", follow_redirects=True).get_data(as_text=True)
    assert "signed out because you signed in more than 2 minutes ago" in page
    _sign_in(client)
    _age_session(client, idle=61)
    page = client.get("/debriefs/", follow_redirects=True).get_data(as_text=True)
    assert "signed out because you had not used it for 1 minute." in page


def test_asking_how_long_is_left_does_not_extend_the_session_but_staying_does(app, client, db):
    make_user(["sergeant"], username="sam")
    assert client.get("/session").get_json() == {"signed_in": False}
    _sign_in(client)
    _age_session(client, idle=100)
    status = client.get("/session").get_json()
    # Seconds left: a loaded machine may tick once between the request and the check.
    assert 1698 <= status.pop("expires_in") <= 1700
    assert status == {"signed_in": True, "extendable": True, "warning": 120}
    assert 1698 <= client.get("/session").get_json()["expires_in"] <= 1700  # not extended
    assert 1798 <= client.post("/session").get_json()["expires_in"] <= 1800
    _age_session(client, since_sign_in=12 * 3600 - 600)
    near_the_end = client.post("/session").get_json()
    assert 598 <= near_the_end["expires_in"] <= 600 and near_the_end["extendable"] is False


def test_asking_after_the_session_ended_says_so_without_a_message_for_later(app, client, db):
    make_user(["sergeant"], username="sam")
    _sign_in(client)
    _age_session(client, idle=30 * 60 + 1)
    assert client.get("/session").get_json() == {"signed_in": False}
    assert "signed out because" not in client.get("/sign-in").get_data(as_text=True)
    stay = client.post("/session", headers={"X-Debrief-Fetch": "1"})
    assert stay.get_json() == {"redirect": "/sign-in"}


def test_session_limits_in_words_and_which_comes_first():
    assert [describe_minutes(m) for m in (1, 2, 60, 90, 720)] == [
        "1 minute",
        "2 minutes",
        "1 hour",
        "90 minutes",
        "12 hours",
    ]
    limits = Limits(idle_minutes=30, absolute_minutes=720)
    assert limits.ended(SOME_TIME, SOME_TIME, SOME_TIME + 1799) is None
    assert limits.ended(SOME_TIME, SOME_TIME, SOME_TIME + 1800) is Ended.IDLE
    assert limits.ended(SOME_TIME - 43_201, SOME_TIME, SOME_TIME) is Ended.ABSOLUTE
    past_both = limits.ended(SOME_TIME - 43_200, SOME_TIME - 1800, SOME_TIME)
    assert past_both is Ended.ABSOLUTE  # staying active would not have helped
    assert limits.ended(None, SOME_TIME, SOME_TIME) is Ended.BROKEN
    assert limits.warning == 120 and Limits(1, 2).warning == 30
    assert limits.timing(SOME_TIME, SOME_TIME, SOME_TIME).expires_in == 1800
    last = limits.timing(SOME_TIME - 43_000, SOME_TIME, SOME_TIME)
    assert (last.expires_in, last.extendable) == (200, False)
