"""The Notifications page and the header's count: what waits for the signed-in person
(items.py holds the rules; this only shows them)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template, url_for
from flask_login import current_user

from .. import navigation
from ..extensions import db_session
from ..roles import Permission, can
from ..security import requires
from . import items

bp = Blueprint("notifications", __name__, url_prefix="/notifications")
# The page shows the oldest of each kind; a hub's long list continues in the queue.
SHOWN = 20


def _count(session, user) -> str | None:
    count = items.count(session, user, items.Rules.from_config(current_app.config))
    return items.count_label(count) if count else None


navigation.register_count("notifications.index", _count)


def _href(item: items.Item) -> str | None:
    if item.endpoint is None:
        return None
    values: dict[str, Any] = dict(item.args)
    return url_for(item.endpoint, **values)


@bp.get("/")
@requires(Permission.SIGNED_IN)
def index():
    """List what waits for the signed-in person, kind by kind, each linking to its page."""
    waiting = items.waiting_for(
        db_session(), current_user, items.Rules.from_config(current_app.config), limit=SHOWN
    )
    return render_template(
        "notifications/index.html",
        waiting=waiting,
        kinds=[k for k in items.KINDS if waiting.counts.get(k)],
        kind_phrase=items.kind_phrase,
        href=_href,
        may_review=can(current_user, Permission.REVIEW),
    )
