"""Two first sign-ins of one person at the same moment make one account, not a 500.

A person who double-clicks "Sign in", or opens the service in two tabs, arrives twice
with the same verified claims before either request has committed the new account.
The claims are those the provider would send; no provider is needed to check this.
"""

from __future__ import annotations

import threading
import time

from sqlalchemy import func, select, text

from debrief.audit import Actor
from debrief.auth import sso
from debrief.db import make_engine, make_session_factory
from debrief.models import SsoIdentity, User
from tests.conftest import is_postgres

CLAIMS = {
    "iss": "https://idp.example.invalid",
    "sub": "subject-4711",
    "preferred_username": "jo.bloggs",
    "name": "Jo Bloggs",
    "roles": ["Debrief.Sergeant"],
}
MAPPING = sso.ClaimMapping(
    roles_claim="roles",
    role_map={"Debrief.Sergeant": "sergeant"},
    username_claim="preferred_username",
    name_claim="name",
)


def _wait_until_blocked(engine, seconds: float = 10) -> None:
    """Wait until the second sign-in is held up behind the first one's uncommitted account.

    PostgreSQL says so (a backend waiting for a lock). SQLite cannot: there the second
    waits for the write lock, which a short pause lets it reach."""
    if not is_postgres():
        time.sleep(0.5)
        return
    deadline = time.monotonic() + seconds
    with engine.connect() as conn:
        while time.monotonic() < deadline:
            waiting = conn.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE wait_event_type = 'Lock' AND datname = current_database()"
                )
            )
            conn.rollback()
            if waiting:
                return
            time.sleep(0.05)
    raise AssertionError("the second sign-in never waited for the first")


def test_two_first_sign_ins_at_once_make_one_account_and_both_sign_in(app, db):
    engine = make_engine(app.config["DATABASE_URL"])
    factory = make_session_factory(engine)
    outcome: dict = {}
    first = factory()
    first_user = sso.sign_in(first, CLAIMS, MAPPING, Actor(username="jo.bloggs"))
    first.flush()  # the account is written, not yet committed

    def second_sign_in():
        with factory() as session:
            try:
                user = sso.sign_in(session, CLAIMS, MAPPING, Actor(username="jo.bloggs"))
                session.commit()
                outcome["user_id"] = user.id
            except Exception as exc:  # noqa: BLE001 - reported below
                outcome["error"] = exc

    thread = threading.Thread(target=second_sign_in)
    thread.start()
    _wait_until_blocked(engine)
    first.commit()
    first_id = first_user.id
    first.close()
    thread.join(20)
    engine.dispose()

    assert "error" not in outcome, outcome.get("error")
    assert outcome["user_id"] == first_id
    db.rollback()
    assert db.scalar(select(func.count(User.id)).where(User.username == "jo.bloggs")) == 1
    assert db.scalar(select(func.count(SsoIdentity.id))) == 1
