"""One JSON line per request and per application event, each carrying the request's id.

An IT team greps one request across the proxy's log and every server's log by its id:
the proxy's `X-Request-ID` is kept when it looks like an id, otherwise one is made; it
is returned in the response's `X-Request-ID` header and shown on error pages, so a
person can quote it. A request line holds the route pattern (`/debriefs/<int:debrief_id>`),
never the path, the query, the form or a cookie: paths and queries may carry references
(an incident or NCCU reference in a search), which are personal data. The user is
named by the account's number only. How long these logs are kept is in the README.
"""

from __future__ import annotations

import json
import logging
import re
import time
import traceback
import uuid
from datetime import UTC, datetime
from typing import Any

from flask import Flask, g, has_request_context, request

HEADER = "X-Request-ID"
# What a proxy's id may look like (nginx's $request_id is 32 hex digits); anything else,
# which could be text a client chose to have written into the log, is replaced.
_ACCEPTED_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

requests_log = logging.getLogger("debrief.requests")


def request_id() -> str:
    """Return this request's id: the proxy's when it looks like one, else a new one."""
    if "request_id" not in g:
        given = request.headers.get(HEADER, "")
        g.request_id = given if _ACCEPTED_ID.match(given) else uuid.uuid4().hex
    return g.request_id


def init_app(app: Flask) -> None:
    """Time every request from its very first hook and write its line once answered."""
    # First of all the hooks, so the id and the clock exist for every check after it.
    app.before_request_funcs.setdefault(None, []).insert(0, _begin)
    app.after_request(_finish)


def _begin() -> None:
    g.request_started = time.perf_counter()
    request_id()


def _finish(response):
    response.headers[HEADER] = request_id()
    started = g.get("request_started")
    rule = request.url_rule
    requests_log.info(
        "request",
        extra={
            "fields": {
                "request_id": request_id(),
                "method": request.method,
                "route": rule.rule if rule is not None else None,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1)
                if started is not None
                else None,
                "user_id": _user_id(),
            }
        },
    )
    return response


def _user_id() -> int | None:
    """The signed-in account's number, if this request loaded the person (never the
    session token Flask-Login keeps in the cookie, which is a credential)."""
    user = g.get("_login_user")
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return getattr(user, "id", None)


class JsonFormatter(logging.Formatter):
    """A log record as one line of JSON: time (UTC), level, logger, message, request id."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
        }
        fields = getattr(record, "fields", None)
        if record.name == requests_log.name and isinstance(fields, dict):
            line["event"] = "request"
        else:
            line["event"] = "log"
            line["message"] = record.getMessage()
        if has_request_context():
            line["request_id"] = request_id()
        if isinstance(fields, dict):
            line.update(fields)
        if record.exc_info:
            line["error"] = "".join(traceback.format_exception(*record.exc_info)).strip()
        return json.dumps(line, default=str, ensure_ascii=False)


def logging_config(level: str = "INFO") -> dict[str, Any]:
    """Return a `logging.config.dictConfig` that writes every logger as JSON to stderr
    (gunicorn's `logconfig_dict`): the app's requests and events and gunicorn's own."""
    handler = {
        "class": "logging.StreamHandler",
        "formatter": "json",
        "stream": "ext://sys.stderr",
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {"json": handler},
        "root": {"level": level, "handlers": ["json"]},
        "loggers": {
            "gunicorn.error": {"level": level, "handlers": ["json"], "propagate": False},
            # The app writes the request lines itself, with the route and the user.
            "gunicorn.access": {"level": "CRITICAL", "handlers": [], "propagate": False},
        },
    }
