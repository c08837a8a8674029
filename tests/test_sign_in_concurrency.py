"""Sign-in under parallel attempts: the lock-out holds, and no sign-in holds the database's
write lock while its password is checked (on both databases)."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from debrief.db import watch_write_locks
from debrief.models import AuditEntry, SignInFailure
from tests.factories import DEFAULT_PASSWORD, make_user


def _attempt(app, password: str) -> int:
    client = app.test_client()
    return client.post("/sign-in", data={"username": "sam", "password": password}).status_code


def test_twenty_parallel_wrong_passwords_check_no_more_than_the_threshold(build_app, db):
    """Each attempt is counted before its password is checked, so parallel attempts cannot
    all pass the lock-out check first (on PostgreSQL they could: 20 checked, not 5)."""
    app = build_app(LOCKOUT_THRESHOLD=5, ARGON2_TIME_COST=2, ARGON2_MEMORY_KIB=8192)
    with app.app_context():
        make_user(["sergeant"], username="sam")
    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(lambda _: _attempt(app, "a wrong guess!!"), range(20)))
    assert statuses == [200] * 20
    reasons = Counter(
        entry.details["reason"]
        for entry in db.query(AuditEntry).all()
        if entry.details.get("reason")
    )
    checked = reasons["wrong password"] + reasons["locked after failures"]
    assert checked == 5, reasons
    assert reasons["locked"] == 15
    assert db.query(SignInFailure).count() == 5
    assert _attempt(app, DEFAULT_PASSWORD) == 200  # locked: even the right password fails


def test_a_sign_in_holds_the_write_lock_for_milliseconds_not_its_password_check(build_app, db):
    """With the production argon2 cost a check takes ~170 ms; it ran inside SQLite's write
    lock, so eight sign-ins at once finished at 0.25, 0.49 ... 1.56 s."""
    app = build_app(ARGON2_TIME_COST=3, ARGON2_MEMORY_KIB=65536)
    with app.app_context():
        make_user(["sergeant"], username="sam")
    with watch_write_locks() as held:
        assert _attempt(app, DEFAULT_PASSWORD) == 302
        assert _attempt(app, "a wrong guess!!") == 200
    if app.config["DATABASE_URL"].startswith("sqlite"):
        assert held and max(held) < 0.1, held
