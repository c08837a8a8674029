"""Thematic spreadsheets for the OIC partnership meeting."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask_login import current_user

from ..admin import lists
from ..errors import refusal
from ..extensions import db_session
from ..roles import Permission, can
from ..security import requires
from ..web import current_actor, send_workbook, temporary_workbook
from . import workbook as export
from .forms import ThemesExportForm

bp = Blueprint("exports", __name__, url_prefix="/exports")
bp.register_error_handler(export.ExportNotPermitted, refusal(403))


@bp.route("/", methods=["GET", "POST"])
@requires(Permission.EXPORT_THEMES)
def index():
    """Choose a period and filters, then download the thematic spreadsheet."""
    groups = lists.entries(db_session(), lists.KINDS["groups"], include_retired=False)
    sensitive = can(current_user, Permission.EXPORT_SENSITIVE)
    form = ThemesExportForm(
        current_app.config["DISTRICTS"],
        [(g.id, g.name) for g in groups],
        may_see_sensitive=sensitive,
    )
    if not form.validate_on_submit():
        return render_template("exports/index.html", form=form, sensitive=sensitive)
    options = form.options(may_see_sensitive=sensitive)
    with temporary_workbook("oic-export-") as path:
        result = export.export_themes(
            db_session(),
            current_actor(),
            options,
            export.ExportSettings.from_config(current_app.config),
            path,
        )
        db_session().commit()  # the disclosure is on record before anything is sent
        return send_workbook(path.open("rb"), result.filename)
