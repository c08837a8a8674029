"""Thematic spreadsheets for the OIC partnership meeting."""

from __future__ import annotations

from flask import Blueprint, render_template

from ..roles import Permission
from ..security import requires

bp = Blueprint("exports", __name__, url_prefix="/exports")


@bp.get("/")
@requires(Permission.EXPORT_THEMES)
def index():
    """Show the start page of this area."""
    return render_template("exports/index.html")
