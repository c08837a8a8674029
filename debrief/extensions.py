"""Extension objects, created unbound and wired in create_app."""

from __future__ import annotations

from flask import current_app, g
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf import CSRFProtect
from sqlalchemy.orm import Session

login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def db_session() -> Session:
    """Return this request's (or app context's) database session, opening it lazily."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["debrief.session_factory"]()
    return g.db_session


def close_db_session(_exc=None) -> None:
    """Roll back anything uncommitted and return the connection to the pool."""
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
