"""Extension objects, created unbound and wired in create_app."""

from __future__ import annotations

import contextlib

import click
from flask import Flask, Request, current_app, g, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf import CSRFProtect
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from werkzeug.datastructures import ImmutableMultiDict

from . import schema
from .db import DatabaseError, reads_first, writes_first
from .text_input import clean_text

login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


class CleanTextMultiDict(ImmutableMultiDict):
    """Query and form values with control characters removed (text_input.clean_text)."""

    def __init__(self, mapping=None):
        if mapping is None:
            super().__init__()
            return
        if isinstance(mapping, dict):
            pairs = mapping.items(multi=True) if hasattr(mapping, "getlist") else mapping.items()
        else:
            pairs = mapping
        super().__init__(
            [
                (clean_text(key), clean_text(value) if isinstance(value, str) else value)
                for key, value in pairs
            ]
        )


class CleanTextRequest(Request):
    """Every request's query and form values are parsed through CleanTextMultiDict."""

    parameter_storage_class = CleanTextMultiDict


def db_session() -> Session:
    """Return this request's (or app context's) database session, opening it lazily."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["debrief.session_factory"]()
    return g.db_session


def app_engine() -> Engine:
    """Return the app's database engine."""
    return current_app.extensions["debrief.engine"]


def require_current_schema() -> None:
    """Stop a command with the upgrade message if the database is not at the newest
    migration (every command that reads or writes data starts with this)."""
    try:
        schema.check_current(app_engine())
    except DatabaseError as exc:
        raise click.ClickException(str(exc)) from None


def close_db_session(_exc=None) -> None:
    """Roll back anything uncommitted and return the connection to the pool."""
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


# HTTP's safe methods: they read, and write only what does not depend on what they
# read (audit rows, a kept form taken once), so they need not hold the write lock.
SAFE_METHODS = frozenset({"GET", "HEAD"})


def locks_before_writing(view):
    """Mark a view whose writes all follow `db.hold_write_lock` (through `drafting.lock`
    and the like): it reads first without SQLite's one write lock, as a GET does, and
    holds the lock only for its read-modify-write. Put it under the route decorator.

    A section save held the lock for its whole request, signing-in checks and page
    logic included, so twenty sergeants saving at once queued behind each other
    (issue 9). A write before the lock is still safe: it promotes the transaction,
    as for a GET, and then must not depend on what was read.
    """
    view.locks_before_writing = True
    return view


def init_request_transactions(app: Flask) -> None:
    """Let GET and HEAD requests, and views marked `locks_before_writing`, read without
    holding SQLite's write lock (issue 9); other POSTs hold it for their first transaction
    only, not while they draw the page after it (`db.writes_first`)."""

    @app.before_request
    def _reads_first_when_safe():
        view = app.view_functions.get(request.endpoint or "")
        g.reads_first = contextlib.ExitStack()
        if request.method in SAFE_METHODS or getattr(view, "locks_before_writing", False):
            g.reads_first.enter_context(reads_first())
        else:
            g.reads_first.enter_context(writes_first())

    @app.teardown_request
    def _end_reads_first(_exc=None):
        stack = g.pop("reads_first", None)
        if stack is not None:
            stack.close()
