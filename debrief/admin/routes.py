"""Administration: accounts and the question set."""

from __future__ import annotations

from flask import Blueprint, render_template

from ..roles import Permission
from ..security import requires

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/")
@requires(Permission.MANAGE_USERS)
def users():
    """Show the start page of this area."""
    return render_template("admin/users.html")
