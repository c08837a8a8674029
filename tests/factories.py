"""Plain factory functions for tests: call inside an app context."""

from __future__ import annotations

from flask import current_app

from debrief import accounts
from debrief.extensions import db_session
from debrief.models import User

DEFAULT_PASSWORD = "correct horse battery staple"


def make_user(
    roles: list[str],
    username: str | None = None,
    password: str = DEFAULT_PASSWORD,
    must_change_password: bool = False,
    active: bool = True,
    full_name: str = "",
) -> User:
    """Create and commit an account with a known password."""
    session = db_session()
    user, _ = accounts.create_user(
        session,
        current_app.extensions["debrief.hasher"],
        username=username or f"{'-'.join(roles)}-user".replace("_", ""),
        roles=roles,
        full_name=full_name or f"Test {' '.join(roles).replace('_', ' ').title()}",
        password=password,
        must_change_password=must_change_password,
    )
    user.active = active
    session.commit()
    return user
