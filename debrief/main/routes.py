"""Home and health: send each person to the start page of their role."""

from __future__ import annotations

from flask import Blueprint, redirect, url_for
from flask_login import current_user

from ..roles import Permission, start_endpoint
from ..security import requires

bp = Blueprint("main", __name__)


@bp.get("/")
@requires(Permission.SIGNED_IN)
def home():
    """Redirect to the signed-in person's start page."""
    return redirect(url_for(start_endpoint(current_user)))


@bp.get("/health")
def health():
    """Answer a load balancer's liveness probe; says nothing about data."""
    return {"status": "ok"}
