"""Home and health: send each person to the start page of their role; answer the load
balancer's liveness and readiness probes."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, redirect, url_for
from flask_login import current_user

from ..extensions import limiter
from ..roles import Permission, start_endpoint
from ..security import requires
from .health import readiness_problems

bp = Blueprint("main", __name__)
log = logging.getLogger(__name__)


@bp.get("/")
@requires(Permission.SIGNED_IN)
def home():
    """Redirect to the signed-in person's start page."""
    return redirect(url_for(start_endpoint(current_user)))


@bp.get("/health")
def health():
    """Answer a load balancer's liveness probe; says nothing about data."""
    return {"status": "ok"}


@bp.get("/healthz")
@limiter.exempt
def healthz():
    """Liveness for a load balancer: this process answers. Touches nothing else."""
    return {"status": "ok"}


@bp.get("/readyz")
@limiter.exempt
def readyz():
    """Readiness: the database is reachable and migrated, and Redis where configured.

    Says "ready" or "not ready" and nothing more; the reason is logged for the team.
    """
    problems = readiness_problems(
        current_app.extensions["debrief.engine"],
        current_app.extensions["debrief.schema_head"],
        _store_checks(),
    )
    if problems:
        log.warning("Not ready: %s", "; ".join(problems))
        return {"status": "not ready"}, 503
    return {"status": "ready"}


def _store_checks() -> dict:
    """Redis (or memcached) keeps the sign-in limits when configured: check it answers."""
    uri = current_app.config["RATELIMIT_STORAGE_URI"]
    if uri.startswith(("database://", "memory://")) or not current_app.config.get(
        "RATELIMIT_ENABLED", True
    ):
        return {}
    return {uri.partition("://")[0]: limiter.storage.check}
