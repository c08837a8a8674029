"""The sergeant's debriefs: start, answer, check and submit."""

from __future__ import annotations

from flask import Blueprint, render_template

from ..roles import Permission
from ..security import requires

bp = Blueprint("debriefs", __name__, url_prefix="/debriefs")


@bp.get("/")
@requires(Permission.DEBRIEF_HOST)
def index():
    """Show the start page of this area."""
    return render_template("debriefs/index.html")
