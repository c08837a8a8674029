"""Thematic spreadsheets for the OIC partnership meeting."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from flask import Blueprint, abort, current_app, render_template, request, send_file
from flask_login import current_user

from ..extensions import db_session
from ..roles import Permission, can
from ..security import requires
from . import workbook as export
from .forms import ThemesExportForm

bp = Blueprint("exports", __name__, url_prefix="/exports")

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.route("/", methods=["GET", "POST"])
@requires(Permission.EXPORT_THEMES)
def index():
    """Choose a period and filters, then download the thematic spreadsheet."""
    form = ThemesExportForm(current_app.config["DISTRICTS"])
    sensitive = can(current_user, Permission.EXPORT_SENSITIVE)
    if not form.validate_on_submit():
        return render_template("exports/index.html", form=form, sensitive=sensitive)
    options = form.options(may_see_sensitive=sensitive)
    handle, name = tempfile.mkstemp(prefix="oic-export-", suffix=".xlsx")
    os.close(handle)
    try:
        try:
            result = export.export_themes(
                db_session(),
                current_user._get_current_object(),
                options,
                export.ExportSettings.from_config(current_app.config),
                Path(name),
                remote_addr=request.remote_addr or "",
            )
        except export.ExportNotPermitted:
            abort(403)
        db_session().commit()  # the disclosure is on record before anything is sent
        stream = open(name, "rb")  # noqa: SIM115 (closed by the response)
    finally:
        os.unlink(name)  # the open stream keeps the data until it is sent
    response = send_file(
        stream,
        mimetype=XLSX_TYPE,
        as_attachment=True,
        download_name=result.filename,
        max_age=0,
    )
    response.headers["Cache-Control"] = "no-store"
    return response
