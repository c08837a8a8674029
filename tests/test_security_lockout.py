"""Throttling: per account in the database (holds across app instances), per address in
Flask-Limiter; every failure answers alike, and each is audited."""

from __future__ import annotations

from datetime import timedelta

from debrief import audit
from debrief.extensions import db_session
from debrief.models import AuditEntry
from debrief.timeutil import utcnow
from tests.factories import DEFAULT_PASSWORD, make_user

FAILED = "Sign-in failed. Check your username and password and try again."


def _try(client, username: str, password: str):
    return client.post("/sign-in", data={"username": username, "password": password})


def test_lockout_holds_across_two_app_instances_sharing_the_database(build_app):
    first, second = build_app(), build_app()  # two workers, one database
    with first.app_context():
        make_user(["sergeant"], username="sam")
    for attempt in range(5):
        worker = first if attempt % 2 == 0 else second
        assert FAILED in _try(worker.test_client(), "sam", "wrong guess!!").get_data(as_text=True)
    # Locked on both: even the right password is refused, with the same words.
    for worker in (first, second):
        right = _try(worker.test_client(), "sam", DEFAULT_PASSWORD)
        assert right.status_code == 200
        assert FAILED in right.get_data(as_text=True)
    with second.app_context():
        actions = [e.action for e in db_session().query(AuditEntry).order_by(AuditEntry.id)]
    assert actions.count("sign_in.failed") == 4
    assert actions.count("account.locked") == 1
    assert actions.count("sign_in.locked") == 2


def test_unknown_user_wrong_password_and_locked_read_exactly_the_same(build_app):
    app = build_app(LOCKOUT_THRESHOLD=2)
    with app.app_context():
        make_user(["sergeant"], username="sam")
    client = app.test_client()

    def body(response) -> str:
        text = response.get_data(as_text=True)
        return text[text.index("<main") : text.index("</main>")]

    unknown = _try(client, "nobody", "wrong guess!!")
    wrong = _try(client, "sam", "wrong guess!!")
    _try(client, "sam", "wrong guess!!")
    locked = _try(client, "sam", DEFAULT_PASSWORD)
    assert unknown.status_code == wrong.status_code == locked.status_code == 200
    # The pages differ only in the username typed back into the box.
    assert body(unknown).replace("nobody", "sam") == body(wrong) == body(locked)
    assert FAILED in body(locked)


def test_the_lock_lifts_when_the_window_has_passed(build_app):
    from datetime import timedelta

    from debrief.models import SignInFailure

    app = build_app(LOCKOUT_THRESHOLD=2, LOCKOUT_WINDOW_MINUTES=15)
    with app.app_context():
        make_user(["sergeant"], username="sam")
    client = app.test_client()
    _try(client, "sam", "wrong guess!!")
    _try(client, "sam", "wrong guess!!")
    assert FAILED in _try(client, "sam", DEFAULT_PASSWORD).get_data(as_text=True)
    with app.app_context():
        session = db_session()
        for failure in session.query(SignInFailure):
            failure.at -= timedelta(minutes=16)  # as if the window had passed
        session.commit()
    assert _try(client, "sam", DEFAULT_PASSWORD).status_code == 302


def test_failures_are_audited_without_the_password(build_app):
    app = build_app()
    with app.app_context():
        make_user(["sergeant"], username="sam")
    _try(app.test_client(), "sam", "my-secret-guess-1")
    _try(app.test_client(), "ghost", "my-secret-guess-2")
    with app.app_context():
        entries = db_session().query(AuditEntry).filter_by(action="sign_in.failed").all()
        assert [(e.username, e.details["reason"]) for e in entries] == [
            ("sam", "wrong password"),
            ("ghost", "unknown user"),
        ]
        assert entries[0].user_id is not None and entries[1].user_id is None
        assert "my-secret-guess" not in str([e.details for e in entries])


def test_a_successful_sign_in_is_audited_and_clears_past_failures(build_app):
    app = build_app(LOCKOUT_THRESHOLD=3)
    with app.app_context():
        make_user(["sergeant"], username="sam")
    client = app.test_client()
    _try(client, "sam", "wrong guess!!")
    _try(client, "sam", "wrong guess!!")
    assert _try(client, "sam", DEFAULT_PASSWORD).status_code == 302
    client.post("/sign-out")
    _try(client, "sam", "wrong guess!!")
    _try(client, "sam", "wrong guess!!")
    assert _try(client, "sam", DEFAULT_PASSWORD).status_code == 302  # the count started again
    with app.app_context():
        assert db_session().query(AuditEntry).filter_by(action="sign_in").count() == 2


def test_per_address_rate_limit_on_sign_in(build_app):
    app = build_app(RATELIMIT_ENABLED=True, SIGN_IN_RATE_LIMIT="3 per minute")
    client = app.test_client()
    for _ in range(3):
        assert _try(client, "anyone", "wrong guess!!").status_code == 200
    refused = _try(client, "anyone", "wrong guess!!")
    assert refused.status_code == 429
    assert "Too many attempts" in refused.get_data(as_text=True)
    assert client.get("/sign-in").status_code == 200  # only attempts count, not the page
    other = client.post(
        "/sign-in",
        data={"username": "anyone", "password": "wrong guess!!"},
        environ_base={"REMOTE_ADDR": "192.0.2.77"},
    )
    assert other.status_code == 200  # another address has its own allowance
    for _ in range(5):
        assert _try(client, "anyone", "wrong guess!!").status_code == 429
    with app.app_context():
        session = db_session()
        assert session.query(AuditEntry).filter_by(action="sign_in.rate_limited").count() == 0
        # Once the minute is over, the six refusals are one record with their count.
        audit.record_ended_minutes(session, before=utcnow() + timedelta(minutes=2))
        session.commit()
        entries = session.query(AuditEntry).filter_by(action="sign_in.rate_limited").all()
        assert 1 <= len(entries) <= 2  # one a minute (two if a minute ended meanwhile)
        assert {e.remote_addr for e in entries} == {"127.0.0.1"}
        assert sum(e.details["count"] for e in entries) == 6


def test_the_sign_in_limit_is_shared_by_every_worker(build_app):
    """Two app instances on one database stand for two gunicorn workers (or two servers):
    with the old in-memory default each allowed the limit, so an address had twice."""
    first = build_app(RATELIMIT_ENABLED=True, SIGN_IN_RATE_LIMIT="4 per minute")
    second = build_app(RATELIMIT_ENABLED=True, SIGN_IN_RATE_LIMIT="4 per minute")
    assert first.config["RATELIMIT_STORAGE_URI"] == "database://"
    statuses = [
        _try(app.test_client(), "anyone", "wrong guess!!").status_code
        for app in (first, second, first, second, first, second)
    ]
    assert statuses == [200, 200, 200, 200, 429, 429]


def test_expired_rate_limit_counters_start_again_and_are_deleted(app):
    from debrief.models import RateLimitCounter
    from debrief.rate_limits import DatabaseStorage

    store = DatabaseStorage("database://", engine=app.extensions["debrief.engine"])
    assert [store.incr("k", 60) for _ in range(3)] == [1, 2, 3]
    assert store.get("k") == 3
    assert store.incr("gone", -1) == 1  # a window that has already passed
    assert store.get("gone") == 0 and store.incr("gone", 60) == 1  # a new window
    store.clear("k")
    assert store.get("k") == 0
    store.incr("old", -1)
    import debrief.rate_limits as rate_limits

    rate_limits.SWEEP_EVERY, saved = 1, rate_limits.SWEEP_EVERY
    try:
        store.incr("k", 60)
    finally:
        rate_limits.SWEEP_EVERY = saved
    with app.app_context():
        keys = {row.key for row in db_session().query(RateLimitCounter)}
    assert keys == {"gone", "k"}


def test_a_rate_limit_store_that_cannot_work_stops_the_app_with_a_message(build_app):
    import pytest

    from debrief.config import SettingsError

    with pytest.raises(SettingsError, match="SIGN_IN_RATE_LIMIT must read like"):
        build_app(SIGN_IN_RATE_LIMIT="lots")
    with pytest.raises(SettingsError, match="RATELIMIT_STORAGE_URI must start"):
        build_app(RATELIMIT_STORAGE_URI="ftp://example")


def test_redis_without_its_package_is_explained(build_app, monkeypatch):
    import importlib.util

    import pytest

    from debrief.config import SettingsError

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "redis" else real(name, *a)
    )
    with pytest.raises(SettingsError, match="needs the Python package redis"):
        build_app(RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379")
