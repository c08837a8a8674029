"""Friendly error pages: no stack traces, the same look as every other page; domain refusals
answered with them through `refusal`."""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError

from .extensions import db_session

log = logging.getLogger(__name__)

_PAGES = {
    400: ("Sorry, there is a problem with that request", "errors/400.html"),
    403: ("You do not have access to this page", "errors/403.html"),
    404: ("Page not found", "errors/404.html"),
    405: ("Sorry, that cannot be done here", "errors/400.html"),
    409: ("That change could not be made", "errors/409.html"),
    413: ("The file or form is too large", "errors/413.html"),
    429: ("Too many attempts", "errors/429.html"),
    500: ("Sorry, there is a problem with the service", "errors/500.html"),
}


def init_app(app: Flask) -> None:
    """Register a page for each error status the app can answer with."""
    for status in _PAGES:
        app.register_error_handler(status, _handler(status))
    app.register_error_handler(CSRFError, _csrf_error)


def _handler(status: int):
    def handle(error):
        if status == 500:
            log.exception("Unhandled error on %s %s", request.method, request.path)
        description = getattr(error, "description", "") if status in (400, 409) else ""
        return error_page(status, description)

    return handle


def error_page(status: int, description: str = ""):
    """Return the page for an error status; the 400 and 409 pages say what went wrong."""
    from .request_log import request_id

    title, template = _PAGES[status]
    page = render_template(
        template, title=title, description=description, error_reference=request_id()
    )
    return page, status


def refusal(status: int):
    """Return an error handler that answers a domain refusal with the page for `status`
    and the refusal's message, keeping nothing the refused request changed. Blueprints
    register it for their domain's exceptions, so views just call the domain."""

    def handle(error: Exception):
        db_session().rollback()
        return error_page(status, str(error))

    return handle


def _record_csrf_refusal() -> None:
    """A form sent without a valid form token is a refusal (DPA s.62): recorded for a
    signed-in person, tallied per address and minute for anyone else."""
    from flask_login import current_user

    from . import audit
    from .web import current_actor

    session = db_session()
    session.rollback()
    if current_user.is_authenticated:
        details = {"path": request.path, "method": request.method}
        audit.record(
            session, current_actor(), audit.Category.SECURITY, "csrf.refused", details=details
        )
    else:
        audit.tally_refusal(session, request.remote_addr or "", "csrf.refused")
    session.commit()


def _csrf_error(error: CSRFError):
    """A lapsed or missing form token: nothing was changed. Keep what was typed if we can."""
    from flask import flash, redirect, url_for

    from .keeping import answer_unsaved_post, not_saved_page
    from .security import PUBLIC_ENDPOINTS, is_safe_next

    _record_csrf_refusal()
    if request.endpoint == "auth.sign_in":  # the sign-in page was open too long: no harm
        flash("The sign-in page was open for too long. Sign in again.", "info")
        target = request.args.get("next")
        return redirect(url_for("auth.sign_in", next=target if is_safe_next(target) else None))
    if request.method == "POST" and request.endpoint not in PUBLIC_ENDPOINTS:
        return answer_unsaved_post()
    return not_saved_page("not_sent")
