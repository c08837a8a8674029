"""Deny by default: every endpoint is public by name or declares its one permission.

The decision for each request is taken here, before the view runs, from the
table in roles.py. A view without a declared permission is refused, so a new
route cannot slip out unguarded.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from functools import wraps
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, flash, g, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user
from werkzeug.middleware.proxy_fix import ProxyFix

from . import audit, keeping
from .auth import accounts
from .auth.sessions import Ended, Limits, Timing, describe_minutes
from .extensions import close_db_session, db_session, login_manager
from .roles import Permission, can
from .web import current_actor

# Endpoints anyone may reach, signed in or not.
PUBLIC_ENDPOINTS = frozenset(
    {
        "static",
        "auth.sign_in",
        "auth.session_status",
        "main.health",
        "main.healthz",
        "main.readyz",
        "auth.sso_start",  # single sign-on: leaving for the provider and coming back
        "auth.sso_callback",
    }
)
# Requests that do not count as using the session (the timeout warning asking how long
# is left must not extend it).
PASSIVE_ENDPOINTS = frozenset({"static", "auth.session_status"})
# Endpoints a person with a one-time password may reach before setting their own.
PASSWORD_CHANGE_ENDPOINTS = frozenset({"auth.change_password", "auth.sign_out", "static"})
# Keys this module keeps in the signed session cookie (seconds since the epoch).
SESSION_ID = "sid"
SESSION_STARTED = "started_at"
SESSION_SEEN = "seen_at"


def requires(permission: Permission) -> Callable:
    """Declare the permission a view needs; checked centrally in `_authorise`."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            return view(*args, **kwargs)

        # setattr: to mypy a function has no such attribute, so it cannot be assigned.
        setattr(wrapper, "required_permission", permission)  # noqa: B010
        return wrapper

    return decorate


def required_permission(endpoint: str | None) -> Permission | None:
    """Return the permission a registered endpoint declares, or None."""
    if endpoint is None:
        return None
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "required_permission", None)


def init_app(app: Flask) -> None:
    """Install cookies, proxy handling, the user loader, the access check and headers."""
    _configure_cookies(app)
    hops = app.config["PROXY_FIX_HOPS"]
    if hops:
        # Trust exactly this many proxies for the client address and the scheme.
        # Flask's documented way to add WSGI middleware; mypy sees a method being replaced.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops
        )
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = None  # sessions are revoked by token instead

    @login_manager.user_loader
    def _load_user(token: str):
        return accounts.load_by_session_token(db_session(), token)

    app.teardown_request(_forget_request_state)
    app.before_request(_expire_session)
    app.before_request(_authorise)
    app.after_request(_security_headers)

    keeping.init_app(app)  # after _security_headers, so its answers get the headers too
    app.add_template_filter(describe_minutes, "minutes_in_words")

    @app.context_processor
    def _template_helpers():
        return {
            "can": lambda perm: can(current_user, Permission(perm)),
            "csp_nonce": csp_nonce(),
            "session_timing": session_timing,
            "session_limits": session_limits,
        }


def _configure_cookies(app: Flask) -> None:
    """HttpOnly and SameSite=Lax always; Secure and the __Host- prefix over HTTPS."""
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_PATH="/",
        SESSION_COOKIE_DOMAIN=None,
        REMEMBER_COOKIE_HTTPONLY=True,
        # Flask-WTF's HTTPS referrer check refuses every form when the browser sends no
        # Referer, and `Referrer-Policy: no-referrer` (below) tells it to send none: over
        # HTTPS nobody could sign in (found by bench/cluster.py through nginx). What the
        # check guards against, a cookie planted by a sibling site, the __Host- prefix
        # stops; the form token still has to match the session's.
        WTF_CSRF_SSL_STRICT=False,
    )
    if app.config["PREFER_HTTPS"]:
        # __Host- makes the browser refuse the cookie unless Secure, Path=/ and no Domain.
        app.config.update(
            SESSION_COOKIE_SECURE=True,
            SESSION_COOKIE_NAME="__Host-session",
            REMEMBER_COOKIE_SECURE=True,
            PREFERRED_URL_SCHEME="https",
        )


def now_seconds() -> int:
    """Return the time now in whole seconds, the unit the session cookie keeps."""
    return int(time.time())


def begin_session(user, *, started_at: int | None = None) -> None:
    """Sign this person in on a brand-new session: new id, nothing carried over.

    `started_at` keeps the absolute limit running when the session is renewed after
    a password change.
    """
    session.clear()
    login_user(user)
    now = now_seconds()
    session[SESSION_ID] = secrets.token_urlsafe(16)
    session[SESSION_STARTED] = started_at or now
    session[SESSION_SEEN] = now


def end_session() -> None:
    """Sign out of this browser and forget everything the session held."""
    logout_user()
    session.clear()


def session_limits() -> Limits:
    """Return the idle and absolute session limits from the settings."""
    return Limits(
        idle_minutes=current_app.config["SESSION_IDLE_MINUTES"],
        absolute_minutes=current_app.config["SESSION_MAX_MINUTES"],
    )


def session_timing() -> Timing | None:
    """Return how long this signed-in session has left (None when signed out)."""
    if not current_user.is_authenticated:
        return None
    started, seen = session.get(SESSION_STARTED), session.get(SESSION_SEEN)
    if not isinstance(started, int) or not isinstance(seen, int):
        return None
    # Counted from when this request began (as the session's "seen" is), not from
    # whenever the page happens to be drawn: the same page says the same thing.
    return session_limits().timing(started, seen, g.get("request_seconds") or now_seconds())


def _expire_session():
    """End a session idle too long or older than the absolute limit."""
    if "_user_id" not in session or request.endpoint == "static":
        return None
    now = g.request_seconds = now_seconds()
    limits = session_limits()
    ended = limits.ended(session.get(SESSION_STARTED), session.get(SESSION_SEEN), now)
    if ended is None:
        if request.endpoint not in PASSIVE_ENDPOINTS:
            session[SESSION_SEEN] = now
        return None
    end_session()
    if ended is Ended.BROKEN:
        return None
    reason = limits.reason(ended)
    g.session_ended_because = reason
    if request.endpoint in PASSIVE_ENDPOINTS:
        # The page's timeout warning found it ended: said when its form is kept.
        session[keeping.ENDED_BECAUSE] = reason
    elif request.method in {"GET", "HEAD"}:
        # A POST says it in the message about what was kept instead.
        flash(f"You have been signed out because {reason}. Sign in again to carry on.", "info")
    return None


def _forget_request_state(_exc=None) -> None:
    """Start every request afresh: a new database snapshot and the person loaded again.

    So a deactivation or role change counts on the very next request, even where
    the app context outlives one request (the test client inside an app context).
    """
    close_db_session()
    g.pop("_login_user", None)


def csp_nonce() -> str:
    """Return this response's script nonce, made on first use.

    Made when asked, not before each request: a page rendered after a failed check that
    runs before ours (the form token's) needs one too.
    """
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def _authorise():
    endpoint = request.endpoint
    if endpoint is None or endpoint in PUBLIC_ENDPOINTS:
        return None  # unknown URLs fall through to the 404 page
    if not current_user.is_authenticated:
        audit.tally_refusal(db_session(), request.remote_addr or "", "sign_in.required")
        db_session().commit()
        if request.method == "POST":
            return keeping.answer_unsaved_post()
        return redirect(url_for("auth.sign_in", next=_safe_next(request.full_path)))
    if current_user.must_change_password and endpoint not in PASSWORD_CHANGE_ENDPOINTS:
        return redirect(url_for("auth.change_password"))
    permission = required_permission(endpoint)
    if permission is None or not can(current_user, permission):
        audit.record(
            db_session(),
            current_actor(),
            audit.Category.SECURITY,
            "access.refused",
            object_type="endpoint",
            object_id=endpoint,
            details={"path": request.path, "method": request.method},
        )
        db_session().commit()
        abort(403)
    return None


def _safe_next(path: str) -> str:
    """Keep only same-site relative paths, so sign-in cannot redirect elsewhere."""
    path = path.rstrip("?")
    parts = urlsplit(path)
    if parts.scheme or parts.netloc or not path.startswith("/") or path.startswith("//"):
        return "/"
    return path


def is_safe_next(target: str | None) -> bool:
    """Tell whether a `next` parameter is a same-site relative path."""
    return target is not None and target != "" and _safe_next(target) == target.rstrip("?")


def _security_headers(response):
    nonce = csp_nonce()
    # A form's redirect chain may lead to the sign-on provider (sign-out there, the hourly
    # re-check after a save): browsers hold redirects to form-action too.
    form_action = " ".join(["'self'", *current_app.config.get("FORM_ACTION_ORIGINS", [])])
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; "
        f"script-src 'self' 'nonce-{nonce}'; "
        "style-src 'self'; img-src 'self' data:; font-src 'self'; "
        f"connect-src 'self'; form-action {form_action}; "
        "frame-ancestors 'none'; object-src 'none'; base-uri 'none'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if request.endpoint != "static":
        response.headers["Cache-Control"] = "no-store"
    return response
