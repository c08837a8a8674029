"""The safeguarding hub's review queue."""

from __future__ import annotations

from flask import Blueprint, render_template

from ..roles import Permission
from ..security import requires

bp = Blueprint("review", __name__, url_prefix="/review")


@bp.get("/")
@requires(Permission.REVIEW)
def queue():
    """Show the start page of this area."""
    return render_template("review/queue.html")
